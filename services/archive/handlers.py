"""JetStream consumers of the archive service."""

from __future__ import annotations

from contracts.core import EVENT_SUBJECT_PREFIX
from kit.runtime import Subscription
from services.archive import service

# Every event of every service joins the ledger: the ledger is the whole process. It
# declares no event classes: each event is hashed as the envelope it arrived as.
TRACE = Subscription(
    durable="archive-trace",
    subjects=[EVENT_SUBJECT_PREFIX + ">"],
    handler=service.record,
    # A fetched batch joins the ledger in one transaction and one tree update.
    batch_handler=service.record_many,
)
