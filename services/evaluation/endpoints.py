"""Request/reply endpoints of the evaluation service: thin, one line per contract."""

from __future__ import annotations

from contracts.evaluation import rpc as evaluation_rpc
from contracts.evaluation import rpc_statistics as statistics_rpc
from kit.endpoints import command, query
from kit.rpc import RpcServer
from kit.runtime import ServiceRuntime
from services.evaluation import queries
from services.evaluation.commands import appeals, scorecards, scoring, variants
from services.evaluation.statistics import queries as statistics_queries


def register(server: RpcServer, runtime: ServiceRuntime) -> None:
    server.add(statistics_rpc.GRADE_STATISTICS, query(runtime, statistics_queries.grade_statistics))
    server.add(evaluation_rpc.GET_REGISTRATIONS, query(runtime, queries.registrations))
    server.add(evaluation_rpc.LIST_TEMPLATES, query(runtime, queries.list_templates))
    server.add(evaluation_rpc.DEFINE_TEMPLATE, command(runtime, variants.define_template))
    server.add(evaluation_rpc.OPEN_SCORECARD, command(runtime, scorecards.open_scorecard))
    server.add(evaluation_rpc.SCORE_ITEM, command(runtime, scoring.score_item))
    server.add(evaluation_rpc.RECORD_DEDUCTION, command(runtime, scoring.record_deduction))
    server.add(evaluation_rpc.FINALIZE_SCORECARD, command(runtime, scoring.finalize))
    server.add(evaluation_rpc.AMEND_SCORECARD, command(runtime, scorecards.amend))
    server.add(evaluation_rpc.MARK_FALSIFIED, command(runtime, scoring.mark_falsified))
    server.add(evaluation_rpc.APPEAL_SCORECARD, command(runtime, appeals.appeal))
    server.add(evaluation_rpc.ANSWER_APPEAL, command(runtime, appeals.answer))
    server.add(evaluation_rpc.GET_SCORECARDS, query(runtime, queries.get_scorecards))
    server.add(evaluation_rpc.LIST_SCORECARDS, query(runtime, queries.list_scorecards))
    server.add(evaluation_rpc.LATEST_SCORECARDS, query(runtime, queries.latest_scorecards))
    server.add(evaluation_rpc.GRADE_DISTRIBUTION, query(runtime, queries.grade_distribution))
    server.add(evaluation_rpc.SUGGESTIONS, query(runtime, queries.suggest))
    server.add(evaluation_rpc.EXPORT_SCORECARD, query(runtime, queries.export_scorecard))
    server.add(evaluation_rpc.LIST_DISCLOSURES, query(runtime, queries.list_disclosures))
