"""Catalogue use cases that change state, one module per process: uploads and versions,
items and volumes, handover, borrowing, destruction, filing from events. Each flushes,
never commits, and records what it did as an `archive.action.v1` event (`actions`)."""
