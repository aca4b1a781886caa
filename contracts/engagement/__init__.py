"""Contracts of the engagement service: the unit directory, engagements and the
hosting-service workflow (托管服务)."""
