"""Per-person channel choices and lead times over the tenant admin's default."""

from __future__ import annotations

from kit.db import Database
from kit.notify import (
    DEFAULT_CHANNELS,
    DEFAULT_LEAD_DAYS,
    Channel,
    Preferences,
    clear_preferences,
    get_preferences,
    set_preferences,
    set_tenant_defaults,
)
from tests.kit.notify.factories import OTHER_TENANT, TENANT


async def test_a_person_without_choices_gets_the_library_default(db: Database):
    async with db.transaction() as session:
        prefs = await get_preferences(session, TENANT, "person-1")
    assert prefs == Preferences(DEFAULT_CHANNELS, DEFAULT_LEAD_DAYS, "library")


async def test_the_admin_default_then_the_persons_own_choice(db: Database):
    async with db.transaction() as session:
        await set_tenant_defaults(
            session, TENANT, Preferences((Channel.IN_APP,), (30, 7, 1, 0, -1))
        )
    async with db.transaction() as session:
        assert await get_preferences(session, TENANT, "person-1") == Preferences(
            (Channel.IN_APP,), (30, 7, 1, 0, -1), "tenant"
        )
        await set_preferences(
            session, TENANT, "person-1", Preferences((Channel.WEBHOOK, Channel.EMAIL), (3, 1, 3))
        )
    async with db.transaction() as session:
        mine = await get_preferences(session, TENANT, "person-1")
        colleague = await get_preferences(session, TENANT, "person-2")
        elsewhere = await get_preferences(session, OTHER_TENANT, "person-1")
    assert mine == Preferences((Channel.EMAIL, Channel.WEBHOOK), (3, 1), "person")
    assert colleague.source == "tenant"
    assert elsewhere.source == "library"  # the admin's default is not another tenant's


async def test_setting_again_replaces_and_clearing_returns_to_the_default(db: Database):
    async with db.transaction() as session:
        await set_preferences(session, TENANT, "p", Preferences((Channel.EMAIL,), (7,)))
        await set_preferences(session, TENANT, "p", Preferences((Channel.IN_APP,), (1,)))
    async with db.transaction() as session:
        assert await get_preferences(session, TENANT, "p") == Preferences(
            (Channel.IN_APP,), (1,), "person"
        )
        await clear_preferences(session, TENANT, "p")
    async with db.transaction() as session:
        assert (await get_preferences(session, TENANT, "p")).source == "library"
