"""Bulk import of units from XLSX/CSV: reader (file to rows), domain (row rules),
repository (its SQL), commands (the import)."""
