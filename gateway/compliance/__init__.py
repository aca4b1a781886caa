"""GraphQL of the compliance calendar (合规日历)."""
