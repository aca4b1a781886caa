"""Pure rules of the archive (企业档案管理规定, R4.2.4.3, R8): who sees an item, when its
retention ends, which content is accepted, what a destruction needs. No I/O."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from uuid import UUID

from contracts.archive.enums import ItemStatus, Retention
from contracts.archive.events import ItemAudience
from contracts.archive.rpc_catalogue import Caller

RETENTION_YEARS: dict[Retention, int | None] = {
    Retention.PERMANENT: None,
    Retention.YEARS_30: 30,
    Retention.YEARS_10: 10,
}

_CONTENT_TYPE = re.compile(r"[a-z0-9][a-z0-9!#$&^_.+-]*/[a-z0-9][a-z0-9!#$&^_.+-]*")

# Content a browser runs or renders as a document of the origin serving it: never a
# deliverable, even where the configured list would let it in (`image/*` covers SVG).
ACTIVE_CONTENT_TYPES = frozenset(
    {
        "text/html",
        "application/xhtml+xml",
        "image/svg+xml",
        "text/xml",
        "application/xml",
        "text/javascript",
        "application/javascript",
        "application/x-javascript",
        "application/ecmascript",
        "text/ecmascript",
        "text/css",
        "application/wasm",
        "application/x-shockwave-flash",
        "text/vtt",
        "application/x-java-jnlp-file",
        "text/x-component",
        "multipart/x-mixed-replace",
    }
)


@dataclass(frozen=True, slots=True)
class Holding:
    """What visibility depends on: an item's owners, state and level."""

    agency_id: UUID
    unit_id: UUID
    status: ItemStatus
    level: int
    handed_over: bool
    client_id: UUID | None = None  # a park's, group's or region's engagement: its client


def retention_ends(retention: Retention, document_date: date) -> date | None:
    """The last day the item must be kept; None for permanent. The period counts from
    1 January of the year after the document was formed (the usual 档案 rule), so a
    10-year document of 2020 may be destroyed from 1 January 2031."""
    years = RETENTION_YEARS[retention]
    if years is None:
        return None
    return date(document_date.year + years, 12, 31)


# Object lock for a permanent item: S3 needs a date; a century outlasts any reappraisal.
PERMANENT_LOCK = timedelta(days=36525)


def lock_until(retention: Retention, document_date: date, now: datetime) -> datetime | None:
    """Until when a finalised item's stored version is under object lock (governance
    mode): the end of its retention period, or a century for a permanent one; None when
    the period is already over (it may be destroyed, so nothing to lock)."""
    ends = retention_ends(retention, document_date)
    if ends is None:
        return now + PERMANENT_LOCK
    until = datetime(ends.year, ends.month, ends.day, tzinfo=UTC) + timedelta(days=1)
    return until if until > now else None


def may_destroy(retention: Retention, document_date: date, today: date) -> bool:
    ends = retention_ends(retention, document_date)
    return ends is not None and today > ends


def is_callers_agency(caller: Caller, agency_id: UUID) -> bool:
    return caller.scope.agency_id is not None and caller.scope.agency_id == agency_id


def agency_holds(caller: Caller, holding: Holding) -> bool:
    return is_callers_agency(caller, holding.agency_id)


def audience(holding: Holding, *, unit: bool = True) -> ItemAudience:
    """Who sees an item's record: the serving agency its filed items and tombstones (and
    its uploads in progress); the unit what was handed over to it and is filed or
    destroyed; nobody above their clearance (no read up). An engagement's client that is
    not one unit (园区, 集团, 区域) sees what its unit sees. With `unit=False`, the agency
    alone (its own registers: borrowing, usage)."""
    unit_sees = (
        unit and holding.handed_over and holding.status in (ItemStatus.FILED, ItemStatus.DESTROYED)
    )
    return ItemAudience(
        level=holding.level,
        agency_id=holding.agency_id if holding.status != ItemStatus.EXPIRED else None,
        unit_id=holding.unit_id if unit_sees else None,
        client_id=holding.client_id if unit_sees else None,
    )


def may_see(caller: Caller, holding: Holding) -> bool:
    """Read an item's record: the caller is in its audience. One rule for reads in the
    archive and for the events that reach people (`ItemAudience.admits`)."""
    return audience(holding).admits(caller)


def may_download(caller: Caller, holding: Holding) -> bool:
    """A URL needs the record visible and the bytes still there."""
    return may_see(caller, holding) and holding.status == ItemStatus.FILED


def level_change_allowed(current: int, new: int, may_lower: bool) -> bool:
    """Raising a level is always allowed to whoever may edit; lowering (解密/降密) needs
    the keeper's authority."""
    return new >= current or may_lower


def is_active_content(content_type: str) -> bool:
    """HTML, SVG, XML, scripts and the like (parameters ignored), and any `+xml` type:
    what a browser would execute or render as a page."""
    value = content_type.split(";", 1)[0].strip().lower()
    return value in ACTIVE_CONTENT_TYPES or value.endswith(("+xml", "script"))


def content_type_allowed(content_type: str, allowed: list[str]) -> bool:
    """`allowed` holds exact types or `type/*`; an empty list accepts any well-formed type."""
    value = content_type.strip().lower()
    if not _CONTENT_TYPE.fullmatch(value):
        return False
    if not allowed:
        return True
    major = value.split("/", 1)[0]
    return any(a == value or a == f"{major}/*" for a in (x.strip().lower() for x in allowed))


def display_filename(name: str) -> str:
    """The user's file name as a label: no directories, no control characters. It is
    never used to build a key or a path (keys come from IDs)."""
    base = name.replace("\\", "/").rsplit("/", 1)[-1]
    # Control and format characters go; every kind of space (NBSP, ideographic
    # space, line separators) becomes a plain one, so the label prints as it reads.
    kept = (
        " " if unicodedata.category(ch)[0] == "Z" else ch
        for ch in base
        if unicodedata.category(ch)[0] != "C"
    )
    cleaned = "".join(kept).strip()
    return cleaned[:255] or "file"


def object_key(engagement_id: UUID, item_id: UUID, version: int) -> str:
    return f"{engagement_id}/{item_id}/{version}"


def destruction_remains(sha256: str, remaining_versions: Sequence[str]) -> str:
    """The destruction note's account of what is left, Chinese first."""
    note = f"保留墓碑记录及 SHA-256 {sha256} / the tombstone record and SHA-256 {sha256} remain"
    if not remaining_versions:
        return f"{note}；存储中已无该对象的任何版本 / no stored version of the object remains"
    listed = ", ".join(remaining_versions)
    return (
        f"{note}；存储拒绝删除的版本（合规锁定）：{listed} / "
        f"stored versions the store refused to remove (compliance lock): {listed}"
    )


def witnesses_valid(witnesses: list[str], approver: str) -> bool:
    """Two distinct named witnesses (监销人), neither the approver."""
    names = [w.strip() for w in witnesses]
    return (
        len(names) == 2
        and all(names)
        and names[0].casefold() != names[1].casefold()
        and approver.casefold() not in (n.casefold() for n in names)
    )
