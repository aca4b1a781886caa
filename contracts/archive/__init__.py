"""Contracts of the archive service: the catalogue of deliverables (档案) and the
verifiable trace ledger (追溯)."""
