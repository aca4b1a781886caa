"""Plumbing shared by every ecohost process, with no domain knowledge."""
