"""All SQL of the ledger, by table: `chains` (the per-engagement trace chains), `tree`
(the global log's leaves and subtrees) and `checkpoints`."""
