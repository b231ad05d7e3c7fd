"""Reporting API (thin: parse, call a service, return).

GET  /api/reporting/activities?organisation=ID&year=&state=&all_versions=  → {"items", "count"} (only what the caller may see)
POST /api/reporting/activities  {"organisation", "rows": [...], "replace", "reason"} → 201 {"accepted", "ids"} | 422
POST /api/reporting/{kind}  the same for any kind of reported record (activities, production, employees …; 404 if unknown)
GET  /api/reporting/activities/{id}  (with its versions)
POST /api/reporting/activities/{id}/submit | /verify
GET  /api/reporting/completeness?year=&month=&estate=
"""
from __future__ import annotations

import datetime as dt
from typing import Any, Optional

from django.http import Http404
from ninja import Router, Schema, Status

from ecotown import access
from ecotown.core.api import Out, Page, paginate
from ecotown.registry.models import Organisation

from . import imports, kinds, selectors, services
from .models import ActivityRecord

router = Router(tags=["reporting"])


class RecordOut(Out):
    id: int
    organisation: int
    activity: str
    quantity: str
    unit: str
    period_start: str
    period_end: str
    meter: str
    data_source: str  # meter | invoice | estimate | "" (unknown)
    state: str
    series: str
    version: int
    is_current: bool
    is_counted: bool  # the version results use (the latest verified/locked one of its series)
    supersedes: Optional[int]
    reason: str
    source: str
    batch: Optional[int]
    created_at: str


class FlagOut(Out):
    id: int
    kind: str
    message: str
    acknowledged: bool


class RecordDetailOut(RecordOut):
    versions: list[RecordOut]
    flags: list[FlagOut]


class AcceptedOut(Out):
    accepted: Any
    ids: list[int]
    flags: Any


class RowProblem(Out):
    """One problem of one cell (row N from 1, the column's code) or of the whole request (row null)."""

    field: Optional[str]
    code: str
    row: Optional[int]
    column: Optional[str]
    value: str
    message: str


class RowProblemsOut(Out):
    """422: every problem of the rows (all or nothing)."""

    detail: list[RowProblem]


class MissingOut(Out):
    id: int
    name_th: str
    name_en: str
    estate: Optional[int]
    has_drafts: bool


class CompletenessOut(Out):
    year: int
    month: int
    deadline: str
    expected: int
    reported: int
    missing: Page[MissingOut]


def _out(r: ActivityRecord) -> dict:
    return {
        "id": r.pk, "organisation": r.organisation_id, "activity": r.activity, "quantity": str(r.quantity),
        "unit": r.unit, "period_start": r.period_start.isoformat(), "period_end": r.period_end.isoformat(),
        "meter": r.meter, "data_source": r.data_source, "state": r.state, "series": str(r.series), "version": r.version,
        "is_current": r.is_current, "is_counted": r.is_counted,
        "supersedes": r.supersedes_id, "reason": r.reason, "source": r.source, "batch": r.batch_id,
        "created_at": r.created_at.isoformat(),
    }


@router.get("/activities", response=Page[RecordOut])
def list_activities(request, organisation: Optional[int] = None, year: Optional[int] = None,
                    state: Optional[str] = None, activity: Optional[str] = None, all_versions: bool = False,
                    limit: int = 50, offset: int = 0):
    """Activity records the caller may see (current versions unless all_versions)."""
    qs = selectors.records(request.user)
    if not all_versions:
        qs = qs.filter(is_current=True)
    if organisation is not None:
        qs = qs.filter(organisation_id=organisation)
    if year is not None:
        qs = qs.filter(period_start__lte=dt.date(year, 12, 31), period_end__gte=dt.date(year, 1, 1))
    if state:
        qs = qs.filter(state=state)
    if activity:
        qs = qs.filter(activity=activity)
    return paginate(qs.order_by("organisation_id", "period_start", "activity", "pk"), limit, offset, _out)


class RowsIn(Schema):
    organisation: int
    rows: list[dict[str, Any]]
    replace: bool = False
    reason: str = ""


@router.post("/activities", response={201: AcceptedOut, 422: RowProblemsOut})
def post_activities(request, payload: RowsIn):
    """Rows as in the CSV (period_start, period_end, activity, quantity, unit, meter); same checks, all or nothing.
    Problems: 422 {"detail": [{"field": "rows.N.column", "code", "row": N, "column", "value", "message"}]} (N from 1)."""
    return _post_rows(request, kinds.get("activities"), payload)


def _post_rows(request, spec, payload: RowsIn):
    org = access.get_or_404(request.user, Organisation.objects.all(), pk=payload.organisation)
    lang = services.lang_of(request.user)
    try:
        result = services.import_records(spec, request.user, org, items=payload.rows, source="api",
                                         replace=payload.replace, reason=payload.reason, lang=lang)
    except services.Rejected as exc:
        detail = [{"field": f"rows.{p['row']}.{p['column']}" if p["row"] else None, "code": raw["code"], **p}
                  for raw, p in zip(exc.problems, imports.public_problems(exc.problems, lang))]
        return Status(422, {"detail": detail})
    return Status(201, {"accepted": result.accepted, "ids": result.ids, "flags": result.flags})


@router.get("/activities/{record_id}", response=RecordDetailOut)
def get_activity(request, record_id: int):
    r = access.get_or_404(request.user, ActivityRecord.objects.all(), pk=record_id)
    return {**_out(r), "versions": [_out(v) for v, _changes in selectors.history_of(r)],
            "flags": [{"id": f.pk, "kind": f.kind, "message": f.message(services.lang_of(request.user)),
                       "acknowledged": f.acknowledged_at is not None} for f in r.flags.all()]}


@router.post("/activities/{record_id}/submit", response=RecordOut)
def submit_activity(request, record_id: int):
    r = access.get_or_404(request.user, ActivityRecord.objects.all(), pk=record_id)
    services.submit(request.user, [r])
    return _out(r)


@router.post("/activities/{record_id}/verify", response=RecordOut)
def verify_activity(request, record_id: int):
    r = access.get_or_404(request.user, ActivityRecord.objects.all(), pk=record_id)
    services.verify(request.user, [r])
    return _out(r)


@router.get("/completeness", response=CompletenessOut)
def get_completeness(request, year: int, month: int, estate: Optional[int] = None, limit: int = 50, offset: int = 0):
    """Which factories have not reported the month (estate managers and the authority)."""
    est = access.get_or_404(request.user, Organisation.objects.all(), pk=estate) if estate else None
    c = selectors.completeness(request.user, year, month, est)
    page = paginate(c.missing, limit, offset, lambda o: {"id": o.pk, "name_th": o.name_th, "name_en": o.name_en,
                                                         "estate": o.parent_id, "has_drafts": o.pk in c.drafts})
    return {"year": year, "month": month, "deadline": c.deadline.isoformat(), "expected": c.expected,
            "reported": c.reported, "missing": page}


# (last: a fixed path above wins over the kind)
@router.post("/{kind}", response={201: AcceptedOut, 422: RowProblemsOut})
def post_rows(request, kind: str, payload: RowsIn):
    """Rows of any registered kind, with the columns of its template (e.g. production: period_start, period_end,
    product, quantity, note; employees: month, employees, note); same checks and answers as /activities."""
    try:
        spec = kinds.get(kind)
    except KeyError:
        raise Http404(f"unknown kind {kind!r}") from None
    return _post_rows(request, spec, payload)
