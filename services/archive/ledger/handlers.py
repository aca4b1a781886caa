"""JetStream consumers of the ledger."""

from __future__ import annotations

from contracts.core import EVENT_SUBJECT_PREFIX
from kit.runtime import Subscription
from services.archive.ledger import commands

# Every event of every service joins the ledger: the ledger is the whole process. It
# declares no event classes: each event is hashed as the envelope it arrived as.
TRACE = Subscription(
    durable="archive-trace",
    subjects=[EVENT_SUBJECT_PREFIX + ">"],
    handler=commands.record,
    # A fetched batch joins the ledger in one transaction and one tree update.
    batch_handler=commands.record_many,
)
