"""The handover package (移交包, R4.2.4.2): one ZIP with the handed-over files, their
manifest, the signed checkpoints, the ledger proofs and the standalone verifier."""
