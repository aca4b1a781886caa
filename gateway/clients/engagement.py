"""Client of the engagement service: the directory, engagements and their workflow."""

from __future__ import annotations

from uuid import UUID

from contracts import directory, rpc
from contracts import workflow as wf
from gateway.clients.base import ServiceClient


class EngagementClient(ServiceClient):
    # --- directory (units, agencies, people) -----------------------------------------

    async def create_unit(self, req: rpc.CreateUnitRequest) -> rpc.UnitView:
        return await self._call(rpc.CREATE_UNIT, req)

    async def units(self, ids: list[UUID], scope: rpc.Scope) -> list[rpc.UnitView | None]:
        req = rpc.GetManyRequest(ids=ids, scope=scope)
        return (await self._call(rpc.GET_UNITS, req)).items

    async def units_by_uscc(self, usccs: list[str], scope: rpc.Scope) -> list[rpc.UnitView | None]:
        req = rpc.UnitsByUsccRequest(usccs=usccs, scope=scope)
        return (await self._call(rpc.GET_UNITS_BY_USCC, req)).items

    async def list_units(self, scope: rpc.Scope, page: rpc.Page) -> rpc.UnitPage:
        return await self._call(rpc.LIST_UNITS, rpc.ListUnitsRequest(scope=scope, page=page))

    async def unit_profiles(
        self, unit_ids: list[UUID], scope: rpc.Scope
    ) -> list[directory.UnitProfile | None]:
        req = directory.UnitProfileRequest(unit_ids=unit_ids, scope=scope)
        return (await self._call(directory.GET_UNIT_PROFILES, req)).items

    async def update_unit_profile(self, req: directory.UpdateUnitProfileRequest) -> rpc.UnitView:
        return await self._call(directory.UPDATE_UNIT_PROFILE, req)

    async def agency(self, agency_id: UUID) -> directory.AgencyProfile | None:
        req = directory.AgencyRequest(agency_id=agency_id)
        return (await self._call(directory.GET_AGENCY, req)).agency

    async def register_agency(
        self, req: directory.RegisterAgencyRequest
    ) -> directory.AgencyProfile:
        return await self._call(directory.REGISTER_AGENCY, req)

    async def people(self, req: directory.PeopleRequest) -> list[directory.PersonView]:
        return (await self._call(directory.LIST_PEOPLE, req)).items

    async def add_person(self, req: directory.AddPersonRequest) -> directory.PersonView:
        return await self._call(directory.ADD_PERSON, req)

    # --- engagements -----------------------------------------------------------------

    async def create_engagement(self, req: rpc.CreateEngagementRequest) -> rpc.EngagementView:
        return await self._call(rpc.CREATE_ENGAGEMENT, req)

    async def engagements(
        self, ids: list[UUID], scope: rpc.Scope
    ) -> list[rpc.EngagementView | None]:
        req = rpc.GetManyRequest(ids=ids, scope=scope)
        return (await self._call(rpc.GET_ENGAGEMENTS, req)).items

    async def list_engagements(self, req: rpc.ListEngagementsRequest) -> rpc.EngagementPage:
        return await self._call(rpc.LIST_ENGAGEMENTS, req)

    async def traces(self, engagement_ids: list[UUID]) -> list[list[rpc.TraceEntryView]]:
        req = rpc.TraceRequest(engagement_ids=engagement_ids)
        return (await self._call(rpc.GET_TRACES, req)).traces

    async def registrations(
        self, engagement_ids: list[UUID]
    ) -> list[rpc.EvaluationRegistrationView | None]:
        req = rpc.RegistrationsRequest(engagement_ids=engagement_ids)
        return (await self._call(rpc.GET_REGISTRATIONS, req)).items

    # --- workflow (figure 1) -----------------------------------------------------------

    async def act(self, req: wf.ActRequest) -> rpc.EngagementView:
        return await self._call(wf.ACT, req)

    async def workflows(self, ids: list[UUID], scope: rpc.Scope) -> list[wf.WorkflowView | None]:
        req = wf.WorkflowRequest(engagement_ids=ids, scope=scope)
        return (await self._call(wf.GET_WORKFLOWS, req)).items

    async def due_items(self, req: wf.DueItemsRequest) -> list[wf.DueItemView]:
        return (await self._call(wf.DUE_ITEMS, req)).items

    async def expert_meetings(self, expert_id: str) -> list[wf.MeetingView]:
        req = wf.MeetingsRequest(expert_id=expert_id)
        return (await self._call(wf.EXPERT_MEETINGS, req)).items

    async def service_catalogue(self, version: int | None) -> list[wf.CatalogueItemView]:
        req = wf.CatalogueRequest(version=version)
        return (await self._call(wf.GET_CATALOGUE, req)).items

    async def checklist_definition(self, version: int) -> wf.ChecklistDefinitionReply:
        req = wf.ChecklistDefinitionRequest(version=version)
        return await self._call(wf.CHECKLIST_DEFINITION, req)
