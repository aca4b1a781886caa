"""Evaluation use cases that change state: the intake of engagement events, templates,
opening scorecards and scoring them. Each runs in the caller's transaction: flush,
never commit; events go to the outbox in that transaction."""
