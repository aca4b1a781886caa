"""The ledger (追溯): every event of every service in a per-engagement hash chain and in
one global Merkle log, signed checkpoints of the log, proofs against them, and the audit
that re-checks it all (docs/ledger.md)."""
