"""`GET /reports/region-statistics.xlsx`: the region statistics as a workbook, for the
people who file it rather than query it.

The caller authenticates as for /graphql (`Authorization: Bearer …`) and is checked by
the same rules as `regionStatistics` (gateway/statistics/fanout.py): no or a bad token
is 401, a region the caller does not oversee is 404 (as the query's null), bad input
is 400 with the field, a service that does not answer is 503.

Query parameters: regionPrefix (required, up to six digits), fromDate, toDate
(YYYY-MM-DD), groupBy (REGION, AGENCY or UNIT; REGION by default)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from urllib.parse import quote

from fastapi import APIRouter, HTTPException, Request, Response

from contracts.core import ServiceUnavailable, ValidationFailed
from contracts.statistics import StatisticsGroup
from gateway.context import Context
from gateway.statistics import fanout, xlsx

PATH = "/reports/region-statistics.xlsx"


def reports_router(context_for: Callable[[Request], Awaitable[Context]]) -> APIRouter:
    router = APIRouter()

    @router.get(PATH, include_in_schema=False)
    async def region_statistics_xlsx(request: Request) -> Response:
        ctx = await context_for(request)
        if ctx.principal.is_anonymous:
            raise HTTPException(
                status_code=401,
                detail="authentication required",
                headers={"WWW-Authenticate": "Bearer"},
            )
        params = request.query_params
        try:
            req = fanout.request_for(
                ctx,
                params.get("regionPrefix", ""),
                _date(params.get("fromDate"), "fromDate"),
                _date(params.get("toDate"), "toDate"),
                _group(params.get("groupBy")),
            )
        except ValidationFailed as exc:
            raise HTTPException(
                status_code=400, detail={"field": exc.field, "message": exc.message}
            ) from None
        if req is None:
            raise HTTPException(status_code=404)
        try:
            figures = await fanout.gather(ctx, req)
        except ServiceUnavailable:
            raise HTTPException(status_code=503, detail="a service did not answer") from None
        name = xlsx.filename(figures)
        return Response(
            content=xlsx.workbook(figures),
            media_type=xlsx.MEDIA_TYPE,
            headers={
                "Content-Disposition": f"attachment; filename*=UTF-8''{quote(name)}",
                "Cache-Control": "private, no-store",
                "X-Content-Type-Options": "nosniff",
            },
        )

    return router


def _date(value: str | None, field: str) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValidationFailed("not a date (YYYY-MM-DD)", field=field) from None


def _group(value: str | None) -> StatisticsGroup:
    if not value:
        return StatisticsGroup.REGION
    try:
        return StatisticsGroup(value.lower())
    except ValueError:
        raise ValidationFailed("groupBy is REGION, AGENCY or UNIT", field="groupBy") from None
