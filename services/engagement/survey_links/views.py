"""Reply shapes of survey links."""

from __future__ import annotations

from contracts.engagement.rpc_survey_links import SurveyLinkView
from services.engagement.models import SurveyLink


def link_view(link: SurveyLink) -> SurveyLinkView:
    return SurveyLinkView.from_row(link)
