"""Scripts for people: a third party's ledger check, the reminder samples of the docs."""
