"""Contracts of the compliance calendar service (合规日历)."""
