"""What the catalogue's use cases depend on besides the session."""

from __future__ import annotations

from dataclasses import dataclass

from kit.storage import ObjectStore
from services.archive.ledger.signing import Signer
from services.archive.settings import ArchiveSettings


@dataclass(frozen=True)
class CatalogueDeps:
    """The deliverables store, the archive's settings and the ledger's signer (a
    handover seals its list with a checkpoint)."""

    store: ObjectStore
    settings: ArchiveSettings
    signer: Signer
