"""Workflow use cases that change state: creating an engagement, the workflow command
(`act`) and its steps by stage, and the overdue scan. Each runs in the caller's
transaction: flush, never commit; events go to the outbox in that transaction."""
