"""The catalogue (档案): archive items and their versions, volumes, uploads, filing of
stage reports and scorecards from events, handover, borrowing and usage, destruction,
and the audit of the stored objects (docs/archive.md)."""
