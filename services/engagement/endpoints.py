"""Request/reply endpoints of the engagement service: thin, one registration per contract."""

from __future__ import annotations

from contracts.engagement import rpc, rpc_registry
from contracts.engagement import rpc_directory as engagement_rpc_directory
from contracts.engagement import rpc_import as engagement_rpc_import
from contracts.engagement import rpc_statistics as statistics_rpc
from contracts.engagement import rpc_survey_links as survey_rpc
from contracts.engagement import rpc_workflow as engagement_rpc_workflow
from kit.endpoints import command, query
from kit.rpc import RpcServer
from kit.runtime import ServiceRuntime
from services.engagement.directory import commands as directory_commands
from services.engagement.directory import queries as directory_queries
from services.engagement.directory.importing import commands as import_commands
from services.engagement.directory.importing import queries as import_queries
from services.engagement.registry import commands as registry_commands
from services.engagement.registry import queries as registry_queries
from services.engagement.statistics import queries as statistics_queries
from services.engagement.survey_links import commands as survey_commands
from services.engagement.survey_links import queries as survey_queries
from services.engagement.workflow import queries as workflow_queries
from services.engagement.workflow.commands import act, engagements


def register(server: RpcServer, runtime: ServiceRuntime) -> None:
    server.add(
        statistics_rpc.REGION_STATISTICS, query(runtime, statistics_queries.region_statistics)
    )
    register_registry(server, runtime)
    server.add(engagement_rpc_directory.GET_UNITS, query(runtime, directory_queries.get_units))
    server.add(
        engagement_rpc_directory.GET_UNITS_BY_USCC,
        query(runtime, directory_queries.get_units_by_uscc),
    )
    server.add(engagement_rpc_directory.LIST_UNITS, query(runtime, directory_queries.list_units))
    server.add(
        engagement_rpc_directory.UPDATE_UNIT_PROFILE,
        command(runtime, directory_commands.update_unit_profile),
    )
    server.add(
        engagement_rpc_directory.GET_UNIT_PROFILES, query(runtime, directory_queries.unit_profiles)
    )
    server.add(
        engagement_rpc_directory.CORRECT_UNIT, command(runtime, directory_commands.correct_unit)
    )
    server.add(
        engagement_rpc_directory.UNIT_VERSIONS, query(runtime, directory_queries.unit_versions)
    )
    server.add(
        engagement_rpc_directory.REGISTER_AGENCY,
        command(runtime, directory_commands.register_agency),
    )
    server.add(engagement_rpc_directory.GET_AGENCY, query(runtime, directory_queries.get_agency))
    server.add(engagement_rpc_directory.ADD_PERSON, command(runtime, directory_commands.add_person))
    server.add(engagement_rpc_directory.LIST_PEOPLE, query(runtime, directory_queries.list_people))
    server.add(rpc.CREATE_ENGAGEMENT, command(runtime, engagements.create_engagement))
    server.add(rpc.GET_ENGAGEMENTS, query(runtime, workflow_queries.get_engagements))
    server.add(rpc.LIST_ENGAGEMENTS, query(runtime, workflow_queries.list_engagements))
    server.add(engagement_rpc_workflow.ACT, command(runtime, act.act))
    server.add(engagement_rpc_workflow.GET_WORKFLOWS, query(runtime, workflow_queries.workflows))
    server.add(engagement_rpc_workflow.GET_CATALOGUE, query(runtime, workflow_queries.catalogue))
    server.add(engagement_rpc_workflow.DUE_ITEMS, query(runtime, workflow_queries.due_items))
    server.add(
        engagement_rpc_workflow.CHECKLIST_DEFINITION,
        query(runtime, workflow_queries.checklist_definition),
    )
    server.add(
        engagement_rpc_workflow.EXPERT_MEETINGS, query(runtime, workflow_queries.expert_meetings)
    )
    # survey links (满意度调查链接): issued by the agency, answered by the unit's people
    server.add(survey_rpc.ISSUE_SURVEY_LINK, command(runtime, survey_commands.issue))
    server.add(survey_rpc.REVOKE_SURVEY_LINK, command(runtime, survey_commands.revoke))
    server.add(survey_rpc.SURVEY_LINKS, query(runtime, survey_queries.links))
    server.add(survey_rpc.SURVEY_BY_TOKEN, query(runtime, survey_queries.by_token))
    server.add(survey_rpc.ANSWER_SURVEY, command(runtime, survey_commands.answer))
    server.add(engagement_rpc_import.IMPORT_UNITS, command(runtime, import_commands.import_units))
    server.add(
        engagement_rpc_import.GET_UNIT_CONTACTS, query(runtime, import_queries.unit_contacts)
    )


def register_registry(server: RpcServer, runtime: ServiceRuntime) -> None:
    """The unit registry: units entered or self-registered, consent, links, clients."""
    server.add(rpc_registry.CREATE_UNIT, command(runtime, registry_commands.create_unit))
    server.add(rpc_registry.PROPOSE_ENGAGEMENT, command(runtime, registry_commands.propose))
    server.add(
        rpc_registry.REGISTER_OWN_UNIT, command(runtime, registry_commands.register_own_unit)
    )
    server.add(rpc_registry.INVITE_AGENCY, command(runtime, registry_commands.invite))
    server.add(rpc_registry.ACCEPT_LINK_REQUEST, command(runtime, registry_commands.accept))
    server.add(rpc_registry.DECLINE_LINK_REQUEST, command(runtime, registry_commands.decline))
    server.add(rpc_registry.WITHDRAW_LINK_REQUEST, command(runtime, registry_commands.withdraw))
    server.add(rpc_registry.END_UNIT_LINK, command(runtime, registry_commands.end_link))
    server.add(rpc_registry.CREATE_CLIENT, command(runtime, registry_commands.create_client))
    server.add(rpc_registry.LINK_REQUESTS, query(runtime, registry_queries.link_requests))
    server.add(rpc_registry.UNIT_LINKS, query(runtime, registry_queries.unit_links))
    server.add(rpc_registry.GET_CLIENTS, query(runtime, registry_queries.clients))
    server.add(rpc_registry.COVERED_UNITS, query(runtime, registry_queries.covered_units))
