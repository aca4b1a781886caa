"""R7.1 variants of table C.1 on a real database (SQLite and PostgreSQL): validated before
they are stored, visible to the agency that defined them, the standard kept unique."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

import pytest
from sqlalchemy.exc import IntegrityError

from contracts.core import Scope
from contracts.evaluation import errors as evaluation_errors
from contracts.evaluation import rpc as ev
from kit.db import Database
from kit.ids import new_id
from services.evaluation import queries
from services.evaluation.commands import scorecards, variants
from services.evaluation.models import EvaluationTemplate
from services.evaluation.templates import standard_c1
from tests.evaluation.conftest import Engagement, caller


async def define(db: Database, definition: ev.TemplateDefinition, agency: Any) -> ev.TemplateView:
    async with db.transaction() as s:
        return await variants.define_template(
            s,
            ev.DefineTemplateRequest(definition=definition, agency_id=agency),
            caller("a", agency),
        )


async def visible_codes(db: Database, scope: Scope) -> set[tuple[str, int]]:
    async with db.transaction() as s:
        listed = await queries.list_templates(s, ev.ListTemplatesRequest(scope=scope))
    return {(t.definition.code, t.definition.version) for t in listed.items}


variant_agency = Engagement.new().agency_id


async def test_R7_1_a_variant_template_is_validated_before_it_is_stored(db: Database):
    variant = standard_c1().model_copy(update={"code": "C.1-化工"})
    view = await define(db, variant, variant_agency)
    assert (view.definition.code, view.agency_id) == ("C.1-化工", variant_agency)
    assert await visible_codes(db, Scope(agency_id=variant_agency)) == {("C.1", 1), ("C.1-化工", 1)}
    with pytest.raises(evaluation_errors.InvalidTemplate) as same_version:
        await define(db, variant, variant_agency)
    assert same_version.value.field == "version"
    # The standard's code is not an agency's to reuse, whatever the version.
    with pytest.raises(evaluation_errors.InvalidTemplate) as standard_code:
        await define(db, standard_c1().model_copy(update={"version": 2}), variant_agency)
    assert standard_code.value.field == "code"


async def test_R7_1_a_variant_belongs_to_the_agency_that_defined_it(db: Database):
    ours, theirs = Engagement.new(), Engagement.new()
    await ours.register(db)
    await theirs.register(db)
    variant = await define(
        db, standard_c1().model_copy(update={"code": "C.1-合同A"}), ours.agency_id
    )
    # Another agency may define the same code and version for itself.
    twin = await define(
        db, standard_c1().model_copy(update={"code": "C.1-合同A"}), theirs.agency_id
    )
    assert twin.id != variant.id
    assert await visible_codes(db, theirs.scope()) == {("C.1", 1), ("C.1-合同A", 1)}
    async with db.transaction() as s:
        listed = await queries.list_templates(s, ev.ListTemplatesRequest(scope=theirs.scope()))
    assert variant.id not in {t.id for t in listed.items}

    def opening(eng: Engagement, template: Any) -> ev.OpenScorecardRequest:
        return ev.OpenScorecardRequest(
            engagement_id=eng.engagement_id,
            period_start=date(2027, 1, 1),
            period_end=date(2027, 12, 31),
            template_id=template,
            scope=eng.scope(),
        )

    # Their engagement cannot be scored with our variant: it reads as missing.
    with pytest.raises(evaluation_errors.TemplateNotFound):
        async with db.transaction() as s:
            await scorecards.open_scorecard(
                s, opening(theirs, variant.id), caller("x", theirs.agency_id)
            )
    async with db.transaction() as s:
        card = await scorecards.open_scorecard(
            s, opening(ours, variant.id), caller("x", ours.agency_id)
        )
    assert (card.template_code, card.template_id) == ("C.1-合同A", variant.id)
    # Our variant never becomes anyone's default: theirs opens on the standard C.1.
    async with db.transaction() as s:
        default = await scorecards.open_scorecard(
            s, opening(theirs, None), caller("x", theirs.agency_id)
        )
    assert (default.template_code, default.template_version) == ("C.1", 1)
    # The unit scored with our variant reads it; a unit of theirs does not.
    assert ("C.1-合同A", 1) in await visible_codes(db, Scope(unit_id=ours.unit_id))
    async with db.transaction() as s:
        seen = await queries.list_templates(
            s, ev.ListTemplatesRequest(scope=Scope(unit_id=ours.unit_id))
        )
    assert {t.id for t in seen.items} >= {variant.id}
    assert twin.id not in {t.id for t in seen.items}
    assert await visible_codes(db, Scope(unit_id=theirs.unit_id)) == {("C.1", 1)}


async def test_the_standard_tables_stay_unique_in_the_database(db: Database):
    # Variants are unique per agency; the standard's tables (no agency) by their own
    # partial index, since NULLs never collide in a unique constraint.
    duplicate = EvaluationTemplate(
        id=new_id(),
        agency_id=None,
        code="C.1",
        version=1,
        definition=standard_c1().model_dump(mode="json"),
        created_at=datetime.now(UTC),
        created_by="someone",
    )
    with pytest.raises(IntegrityError):
        async with db.transaction() as s:
            s.add(duplicate)
