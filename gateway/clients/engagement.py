"""Client of the engagement service: the directory, engagements and their workflow."""

from __future__ import annotations

from uuid import UUID

from contracts import core
from contracts.engagement import actions as engagement_actions
from contracts.engagement import rpc, rpc_registry
from contracts.engagement import rpc_directory as engagement_rpc_directory
from contracts.engagement import rpc_import as engagement_rpc_import
from contracts.engagement import rpc_statistics as engagement_rpc_statistics
from contracts.engagement import rpc_survey_links as survey_rpc
from contracts.engagement import rpc_workflow as engagement_rpc_workflow
from contracts.statistics import RegionStatisticsRequest
from gateway.clients.base import ServiceClient


class EngagementClient(ServiceClient):
    # --- directory (units, agencies, people) -----------------------------------------

    async def create_unit(
        self, req: engagement_rpc_directory.CreateUnitRequest
    ) -> rpc_registry.CreateUnitReply:
        return await self._call(rpc_registry.CREATE_UNIT, req)

    # --- the unit registry: consent, links, clients (issue 14) ----------------------

    async def propose_engagement(
        self, req: rpc_registry.ProposeEngagementRequest
    ) -> rpc_registry.LinkRequestView:
        return await self._call(rpc_registry.PROPOSE_ENGAGEMENT, req)

    async def register_own_unit(
        self, req: rpc_registry.RegisterOwnUnitRequest
    ) -> engagement_rpc_directory.UnitView:
        return await self._call(rpc_registry.REGISTER_OWN_UNIT, req)

    async def invite_agency(
        self, req: rpc_registry.InviteAgencyRequest
    ) -> rpc_registry.LinkRequestView:
        return await self._call(rpc_registry.INVITE_AGENCY, req)

    async def accept_link_request(
        self, req: rpc_registry.LinkDecision
    ) -> rpc_registry.LinkRequestView:
        return await self._call(rpc_registry.ACCEPT_LINK_REQUEST, req)

    async def decline_link_request(
        self, req: rpc_registry.LinkDecision
    ) -> rpc_registry.LinkRequestView:
        return await self._call(rpc_registry.DECLINE_LINK_REQUEST, req)

    async def withdraw_link_request(
        self, req: rpc_registry.LinkDecision
    ) -> rpc_registry.LinkRequestView:
        return await self._call(rpc_registry.WITHDRAW_LINK_REQUEST, req)

    async def end_unit_link(
        self, req: rpc_registry.EndUnitLinkRequest
    ) -> rpc_registry.UnitLinkView:
        return await self._call(rpc_registry.END_UNIT_LINK, req)

    async def link_requests(
        self, req: rpc_registry.LinkRequestsRequest
    ) -> list[rpc_registry.LinkRequestView]:
        return (await self._call(rpc_registry.LINK_REQUESTS, req)).items

    async def unit_links(self, scope: core.Scope) -> list[rpc_registry.UnitLinkView]:
        req = rpc_registry.UnitLinksRequest(scope=scope)
        return (await self._call(rpc_registry.UNIT_LINKS, req)).items

    async def create_client(self, req: rpc_registry.CreateClientRequest) -> rpc_registry.ClientView:
        return await self._call(rpc_registry.CREATE_CLIENT, req)

    async def clients(
        self, ids: list[UUID], scope: core.Scope
    ) -> list[rpc_registry.ClientView | None]:
        req = rpc_registry.ClientsRequest(ids=ids, scope=scope)
        return (await self._call(rpc_registry.GET_CLIENTS, req)).items

    async def covered_units(self, ids: list[UUID], scope: core.Scope) -> list[list[UUID]]:
        req = rpc.GetManyRequest(ids=ids, scope=scope)
        return (await self._call(rpc_registry.COVERED_UNITS, req)).items

    async def units(
        self, ids: list[UUID], scope: core.Scope
    ) -> list[engagement_rpc_directory.UnitView | None]:
        req = rpc.GetManyRequest(ids=ids, scope=scope)
        return (await self._call(engagement_rpc_directory.GET_UNITS, req)).items

    async def units_by_uscc(
        self, usccs: list[str], scope: core.Scope
    ) -> list[engagement_rpc_directory.UnitView | None]:
        req = engagement_rpc_directory.UnitsByUsccRequest(usccs=usccs, scope=scope)
        return (await self._call(engagement_rpc_directory.GET_UNITS_BY_USCC, req)).items

    async def list_units(
        self, req: engagement_rpc_directory.ListUnitsRequest
    ) -> engagement_rpc_directory.UnitPage:
        return await self._call(engagement_rpc_directory.LIST_UNITS, req)

    async def unit_profiles(
        self, unit_ids: list[UUID], scope: core.Scope
    ) -> list[engagement_rpc_directory.UnitProfile | None]:
        req = engagement_rpc_directory.UnitProfileRequest(unit_ids=unit_ids, scope=scope)
        return (await self._call(engagement_rpc_directory.GET_UNIT_PROFILES, req)).items

    async def update_unit_profile(
        self, req: engagement_rpc_directory.UpdateUnitProfileRequest
    ) -> engagement_rpc_directory.UnitView:
        return await self._call(engagement_rpc_directory.UPDATE_UNIT_PROFILE, req)

    async def correct_unit(
        self, req: engagement_rpc_directory.CorrectUnitRequest
    ) -> engagement_rpc_directory.UnitView:
        return await self._call(engagement_rpc_directory.CORRECT_UNIT, req)

    async def unit_versions(
        self, unit_ids: list[UUID], scope: core.Scope
    ) -> list[list[engagement_rpc_workflow.RevisionView]]:
        req = engagement_rpc_directory.UnitVersionsRequest(unit_ids=unit_ids, scope=scope)
        return (await self._call(engagement_rpc_directory.UNIT_VERSIONS, req)).items

    async def agency(self, agency_id: UUID) -> engagement_rpc_directory.AgencyProfile | None:
        req = engagement_rpc_directory.AgencyRequest(agency_id=agency_id)
        return (await self._call(engagement_rpc_directory.GET_AGENCY, req)).agency

    async def register_agency(
        self, req: engagement_rpc_directory.RegisterAgencyRequest
    ) -> engagement_rpc_directory.AgencyProfile:
        return await self._call(engagement_rpc_directory.REGISTER_AGENCY, req)

    async def people(
        self, req: engagement_rpc_directory.PeopleRequest
    ) -> list[engagement_rpc_directory.PersonView]:
        return (await self._call(engagement_rpc_directory.LIST_PEOPLE, req)).items

    async def add_person(
        self, req: engagement_rpc_directory.AddPersonRequest
    ) -> engagement_rpc_directory.PersonView:
        return await self._call(engagement_rpc_directory.ADD_PERSON, req)

    # --- engagements -----------------------------------------------------------------

    async def create_engagement(self, req: rpc.CreateEngagementRequest) -> rpc.EngagementView:
        return await self._call(rpc.CREATE_ENGAGEMENT, req)

    async def engagements(
        self, ids: list[UUID], scope: core.Scope
    ) -> list[rpc.EngagementView | None]:
        req = rpc.GetManyRequest(ids=ids, scope=scope)
        return (await self._call(rpc.GET_ENGAGEMENTS, req)).items

    async def list_engagements(self, req: rpc.ListEngagementsRequest) -> rpc.EngagementPage:
        return await self._call(rpc.LIST_ENGAGEMENTS, req)

    # --- workflow (figure 1) -----------------------------------------------------------

    async def act(self, req: engagement_actions.ActRequest) -> rpc.EngagementView:
        return await self._call(engagement_rpc_workflow.ACT, req)

    async def workflows(
        self,
        ids: list[UUID],
        scope: core.Scope,
        parts: list[engagement_rpc_workflow.WorkflowPart] | None = None,
    ) -> list[engagement_rpc_workflow.WorkflowView | None]:
        req = engagement_rpc_workflow.WorkflowRequest(engagement_ids=ids, scope=scope, parts=parts)
        return (await self._call(engagement_rpc_workflow.GET_WORKFLOWS, req)).items

    async def due_items(
        self, req: engagement_rpc_workflow.DueItemsRequest
    ) -> list[engagement_rpc_workflow.DueItemView]:
        return (await self._call(engagement_rpc_workflow.DUE_ITEMS, req)).items

    async def expert_meetings(
        self, expert_id: str, scope: core.Scope
    ) -> list[engagement_rpc_workflow.MeetingView]:
        req = engagement_rpc_workflow.MeetingsRequest(expert_id=expert_id, scope=scope)
        return (await self._call(engagement_rpc_workflow.EXPERT_MEETINGS, req)).items

    async def service_catalogue(
        self, version: int | None
    ) -> list[engagement_rpc_workflow.CatalogueItemView]:
        req = engagement_rpc_workflow.CatalogueRequest(version=version)
        return (await self._call(engagement_rpc_workflow.GET_CATALOGUE, req)).items

    async def checklist_definition(
        self, version: int
    ) -> engagement_rpc_workflow.ChecklistDefinitionReply:
        req = engagement_rpc_workflow.ChecklistDefinitionRequest(version=version)
        return await self._call(engagement_rpc_workflow.CHECKLIST_DEFINITION, req)

    # --- survey links (满意度调查链接) -------------------------------------------------

    async def issue_survey_link(
        self, req: survey_rpc.IssueSurveyLinkRequest
    ) -> survey_rpc.SurveyLinkIssued:
        return await self._call(survey_rpc.ISSUE_SURVEY_LINK, req)

    async def revoke_survey_link(
        self, req: survey_rpc.RevokeSurveyLinkRequest
    ) -> survey_rpc.SurveyLinkView:
        return await self._call(survey_rpc.REVOKE_SURVEY_LINK, req)

    async def survey_links(
        self, req: survey_rpc.SurveyLinksRequest
    ) -> list[survey_rpc.SurveyLinkView]:
        return (await self._call(survey_rpc.SURVEY_LINKS, req)).links

    async def survey_by_token(self, token: str) -> survey_rpc.PublicSurvey | None:
        req = survey_rpc.SurveyByTokenRequest(token=token)
        return (await self._call(survey_rpc.SURVEY_BY_TOKEN, req)).survey

    async def answer_survey(
        self, req: survey_rpc.AnswerSurveyRequest
    ) -> survey_rpc.SurveyAnswerAccepted:
        return await self._call(survey_rpc.ANSWER_SURVEY, req)

    # --- bulk import of units ---------------------------------------------------------

    async def import_units(
        self, req: engagement_rpc_import.ImportUnitsRequest, timeout: float
    ) -> engagement_rpc_import.ImportReport:
        return await self._call(engagement_rpc_import.IMPORT_UNITS, req, timeout)

    async def unit_contacts(
        self, ids: list[UUID], scope: core.Scope
    ) -> list[list[engagement_rpc_import.UnitContactView]]:
        req = engagement_rpc_import.UnitContactsRequest(unit_ids=ids, scope=scope)
        return (await self._call(engagement_rpc_import.GET_UNIT_CONTACTS, req)).items

    async def region_statistics(
        self, req: RegionStatisticsRequest
    ) -> engagement_rpc_statistics.EngagementStatisticsReply:
        return await self._call(engagement_rpc_statistics.REGION_STATISTICS, req)
