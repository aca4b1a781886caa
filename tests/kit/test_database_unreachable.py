"""`database_unreachable` tells a database that is gone (answer ServiceUnavailable,
hold the event) from one that refused the statement (a real error)."""

from __future__ import annotations

from sqlalchemy.exc import DBAPIError, IntegrityError, OperationalError

from kit.db import database_unreachable


class _DriverError(Exception):
    def __init__(self, sqlstate: str | None) -> None:
        super().__init__("driver")
        self.sqlstate = sqlstate


def test_a_refused_connection_is_unreachable() -> None:
    assert database_unreachable(ConnectionRefusedError(111, "Connection refused"))


def test_sqlstates_of_a_server_gone_or_starting_are_unreachable() -> None:
    for state in ("08006", "57P01", "57P03"):
        assert database_unreachable(OperationalError("x", {}, _DriverError(state)))


def test_a_refused_statement_is_not() -> None:
    assert not database_unreachable(IntegrityError("x", {}, _DriverError("23505")))
    assert not database_unreachable(ValueError("bad"))


def test_an_invalidated_connection_is_unreachable() -> None:
    assert database_unreachable(
        DBAPIError("x", {}, _DriverError(None), connection_invalidated=True)
    )
