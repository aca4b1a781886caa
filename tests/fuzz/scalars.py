"""Value strategies for the custom scalars of the schema, as GraphQL literals.

Each mixes values the server should accept with ones it must refuse cleanly: a fuzzer
that only sends garbage never gets past input parsing, one that only sends valid values
never tests the parsing. IDs mix the relay global ids of real objects (made by the
fixture) with ids of the right shape that name nothing, raw UUIDs and garbage."""

from __future__ import annotations

import base64
from collections.abc import Iterable, Mapping
from datetime import UTC, date, datetime, time, timedelta, timezone

import graphql
from hypothesis import strategies as st
from hypothesis_graphql import nodes

from services.engagement.directory import uscc

# Type names a relay id may carry: those of the schema's Node types and the raw
# service ids some inputs take (borrow requests, handovers, list items).
NODE_TYPES = ("Engagement", "Unit", "Scorecard", "ArchiveItem", "Handover", "Person", "Nope")

_garbage = st.one_of(
    st.text(max_size=40),
    st.sampled_from(["", " ", "null", "0", "-1", "1e309", "NaN", "Infinity", "ÿ", "\x00", "💥"]),
)


def _uscc(region: str, serial: str) -> str:
    body = f"91{region}{serial}"
    return body + uscc.check_character(body)


# Text that is valid where a field checks its form (so a mutation can get past its
# contract), and text that has broken servers before: NUL (PostgreSQL cannot store
# it), LIKE wildcards, quotes, formula starts, direction marks, long runs.
PLAUSIBLE_TEXT = [
    _uscc("440300", "MA5F00001"),
    _uscc("110105", "MA5F00002"),
    "C2614",
    "6.1.5",
    "A.3.01",
    "二.3",
    "0" * 64,
    "application/pdf",
    "report.pdf",
    "2027",
    "绿源化工有限公司",
    "深圳市南山区",
]
HOSTILE_TEXT = [
    "\x00",
    "a\x00b",
    "%",
    "_",
    "%_%",
    "' OR '1'='1",
    '"; DROP TABLE unit; --',
    '=HYPERLINK("http://x/","y")',
    "@SUM(1)",
    "\u202egnp.exe",
    "../../etc/passwd",
    "长" * 5000,
    " " * 50,
]


def text() -> st.SearchStrategy[graphql.ValueNode]:
    """Strings: hypothesis' text most of the time, the lists above the rest."""
    return _string(
        st.one_of(
            st.text(max_size=60),
            st.sampled_from(PLAUSIBLE_TEXT),
            st.sampled_from(HOSTILE_TEXT),
        )
    )


def _string(values: st.SearchStrategy[object]) -> st.SearchStrategy[graphql.ValueNode]:
    return values.map(nodes.String)


def relay_id(type_name: str, raw: str) -> str:
    return base64.b64encode(f"{type_name}:{raw}".encode()).decode()


def ids(real: Iterable[str]) -> st.SearchStrategy[graphql.ValueNode]:
    """Real ids (global and raw) most of the time, then ids that name nothing."""
    known = sorted(set(real))
    plausible = st.builds(
        relay_id,
        st.sampled_from(NODE_TYPES),
        st.one_of(st.uuids().map(str), st.text(max_size=12)),
    )
    wrong_kind = (
        st.sampled_from(known).map(lambda g: relay_id("Engagement", _raw(g))) if known else None
    )
    choices: list[st.SearchStrategy[object]] = []
    if known:
        choices.append(st.sampled_from(known))
    choices += [plausible, st.uuids().map(str), _garbage]
    if wrong_kind is not None:
        choices.append(wrong_kind)
    return _string(st.one_of(*choices))


def _raw(global_id: str) -> str:
    try:
        return base64.b64decode(global_id, validate=True).decode().split(":", 1)[1]
    except (ValueError, IndexError, UnicodeDecodeError):
        return global_id


def dates() -> st.SearchStrategy[graphql.ValueNode]:
    near = st.dates(min_value=date(2020, 1, 1), max_value=date(2035, 12, 31))
    return _string(
        st.one_of(
            near.map(date.isoformat),
            st.dates().map(date.isoformat),
            st.sampled_from(["2027-02-30", "2027-13-01", "27-1-1", "0000-01-01"]),
            _garbage,
        )
    )


_zones = st.sampled_from([UTC, timezone(timedelta(hours=8)), timezone(timedelta(hours=-12))])


def datetimes() -> st.SearchStrategy[graphql.ValueNode]:
    aware = st.datetimes(
        min_value=datetime(2020, 1, 1), max_value=datetime(2035, 12, 31), timezones=_zones
    )
    return _string(
        st.one_of(
            aware.map(datetime.isoformat),
            st.datetimes().map(datetime.isoformat),  # naive, any year
            st.sampled_from(["2027-06-01T25:00:00Z", "2027-06-01T00:00:00+99:00"]),
            _garbage,
        )
    )


def times() -> st.SearchStrategy[graphql.ValueNode]:
    """Times of day (reminder quiet hours)."""
    return _string(
        st.one_of(
            st.times().map(time.isoformat),
            st.sampled_from(["24:00:00", "23:60", "7:5", "00:00:00+08:00"]),
            _garbage,
        )
    )


def decimals() -> st.SearchStrategy[graphql.ValueNode]:
    return _string(
        st.one_of(
            st.decimals(min_value=-1000, max_value=1000, places=2).map(str),
            st.decimals(allow_nan=True, allow_infinity=True).map(str),
            st.integers().map(str),
            st.sampled_from(["1e999999", "-0", "sNaN", "1_000", "0x10"]),
            _garbage,
        )
    )


def _object(fields: Mapping[str, graphql.ValueNode]) -> graphql.ObjectValueNode:
    return graphql.ObjectValueNode(
        fields=tuple(
            graphql.ObjectFieldNode(name=graphql.NameNode(value=k), value=v)
            for k, v in fields.items()
        )
    )


_NAMES = st.from_regex(r"[A-Za-z_][A-Za-z0-9_]{0,7}", fullmatch=True)


def json_values() -> st.SearchStrategy[graphql.ValueNode]:
    leaves = st.one_of(
        st.just(nodes.Null),
        st.booleans().map(nodes.Boolean),
        st.integers(min_value=-(2**31), max_value=2**31 - 1).map(nodes.Int),
        st.floats(allow_nan=False, allow_infinity=False).map(nodes.Float),
        st.text(max_size=20).map(nodes.String),
    )
    return st.recursive(
        leaves,
        lambda inner: st.one_of(
            st.lists(inner, max_size=4).map(nodes.List),
            st.dictionaries(_NAMES, inner, max_size=4).map(_object),
        ),
        max_leaves=12,
    )


def representations(real: Iterable[str]) -> st.SearchStrategy[graphql.ValueNode]:
    """`_Any` for `_entities`: federation references, mostly well-formed."""
    reference = st.builds(
        lambda t, i: _object({"__typename": nodes.String(t), "id": i}),
        st.sampled_from(["Engagement", "Unit", "Scorecard", "Query", "Nope"]),
        ids(real),
    )
    return st.one_of(reference, json_values())


def custom_scalars(real_ids: Iterable[str]) -> dict[str, st.SearchStrategy[graphql.ValueNode]]:
    real = list(real_ids)
    return {
        "ID": ids(real),
        "String": text(),
        "Date": dates(),
        "DateTime": datetimes(),
        "Time": times(),
        "Decimal": decimals(),
        "JSON": json_values(),
        "_Any": representations(real),
    }
