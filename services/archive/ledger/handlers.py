"""JetStream consumers of the ledger."""

from __future__ import annotations

from contracts.core import EVERY_EVENT_SUBJECT
from kit.runtime import Subscription
from services.archive.ledger import commands

# Every event of every service joins the ledger: the ledger is the whole process. It
# declares no event classes: each event is hashed as the envelope it arrived as.
TRACE = Subscription(
    durable="archive-trace",
    subjects=[EVERY_EVENT_SUBJECT],
    handler=commands.record,
    # A fetched batch joins the ledger in one transaction and one tree update.
    batch_handler=commands.record_many,
)
