"""Engagement revision 0021 (an agency's own file of a unit, issue 14 gap 1) on a database
that has data, on SQLite and PostgreSQL: the links, requests and contacts of revision 0020
keep working unchanged (no request silent, no contact an agency file's, no file at all:
every existing link reads the registry's file as before), and the result is the schema a
new database gets."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any
from uuid import uuid4

from alembic.autogenerate import compare_metadata
from alembic.migration import MigrationContext
from sqlalchemy import Boolean, String, Uuid, column, func, insert, select, table
from sqlalchemy.engine import Connection

from contracts.core import Scope
from kit.db import Database, UtcDateTime
from kit.migrate import upgrade
from services.engagement import app
from services.engagement.directory import repository

NOW = datetime(2026, 6, 1, 9, 0, tzinfo=UTC)

# The tables as revision 0020 left them (only the columns these rows fill).
_UNIT = table(
    "unit",
    column("id", Uuid()),
    *(column(c, String()) for c in ("name", "uscc", "industry_code", "address", "region_code")),
    column("agency_id", Uuid()),
    column("created_at", UtcDateTime()),
    column("created_by", String()),
)
_LINK = table(
    "unit_link",
    *(column(c, Uuid()) for c in ("unit_id", "agency_id")),
    *(column(c, String()) for c in ("status", "via")),
    column("since", UtcDateTime()),
)
_REQUEST = table(
    "unit_link_request",
    *(column(c, Uuid()) for c in ("id", "unit_id", "agency_id")),
    *(column(c, String()) for c in ("direction", "uscc", "status", "created_by")),
    column("created_at", UtcDateTime()),
    column("expires_at", UtcDateTime()),
    column("silent", Boolean()),
)
_CONTACT = table(
    "unit_contact",
    *(column(c, Uuid()) for c in ("id", "unit_id", "file_id")),
    column("name", String()),
)
_FILE = table("unit_file", column("id", Uuid()))


async def test_R3_existing_links_requests_and_contacts_keep_working(database_url: str):
    db = Database(database_url, schema="engagement")
    agency, unit, request = uuid4(), uuid4(), uuid4()
    uscc = f"9132{unit.hex[:14]}".upper()
    try:
        await upgrade(db, app.MIGRATIONS, "0020")
        async with db.engine.begin() as conn:
            await conn.execute(
                insert(_UNIT).values(
                    id=unit, name="某化工有限公司", uscc=uscc, industry_code="C2614",
                    address="苏州", region_code="320506", agency_id=agency,
                    created_at=NOW, created_by="u1",
                )
            )  # fmt: skip
            await conn.execute(
                insert(_LINK).values(
                    unit_id=unit, agency_id=agency, status="active", via="registered", since=NOW
                )
            )
            await conn.execute(
                insert(_REQUEST).values(
                    id=request, unit_id=unit, agency_id=uuid4(), direction="proposal",
                    uscc=uscc, status="pending", created_by="u2", created_at=NOW,
                    expires_at=NOW + timedelta(days=30),
                )
            )  # fmt: skip
            await conn.execute(insert(_CONTACT).values(id=uuid4(), unit_id=unit, name="李四"))

        await upgrade(db, app.MIGRATIONS)

        async with db.engine.connect() as conn:
            silent = (await conn.execute(select(_REQUEST.c.id, _REQUEST.c.silent))).all()
            assert [tuple(r) for r in silent] == [(request, False)]
            contacts = (await conn.execute(select(_CONTACT.c.name, _CONTACT.c.file_id))).all()
            assert [tuple(r) for r in contacts] == [("李四", None)]
            assert (await conn.execute(select(func.count()).select_from(_FILE))).scalar() == 0

            def diff(sync_conn: Connection) -> list[Any]:
                ctx = MigrationContext.configure(sync_conn, opts={"compare_type": False})
                return list(compare_metadata(ctx, app.METADATA))

            assert await conn.run_sync(diff) == []

        # The agency reads the registry's file as before: no file of its own.
        async with db.transaction() as session:
            scope = Scope(agency_id=agency)
            assert set(await repository.writable_units(session, [unit], scope)) == {unit}
            assert await repository.own_files(session, [unit], scope) == {}
    finally:
        await db.dispose()
