"""GraphQL of the archive service."""
