"""Bulk import of units from XLSX/CSV: reader (file → rows), domain (row rules), repository, commands."""
