"""Reads of reporting data, always filtered by who is asking.

Public (used by other capabilities):
    on_time_share(estate_or_None, year) -> (factories that reported every month by its deadline, factories expected)
    completeness(user, year, month, estate=None) -> Completeness
    reported_org_ids(start, end) -> set of organisation ids with submitted (or later) data covering the month
    period_totals(records, year) -> totals per activity and unit for the calendar year and the Thai fiscal year
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal

from django.conf import settings
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet

from ecotown.registry.policies import RegistryAction
from ecotown import access
from ecotown.registry.models import Kind, Organisation

from .models import ActivityRecord, State

REPORTED_STATES = (State.SUBMITTED, State.VERIFIED, State.LOCKED)


def records(user, qs: QuerySet | None = None) -> QuerySet:
    qs = ActivityRecord.objects.all() if qs is None else qs
    return access.visible(user, qs)


def _overlapping(kind: str, start: dt.date, end: dt.date) -> QuerySet:
    """Current records of a kind whose period overlaps [start, end]."""
    from . import kinds

    spec = kinds.get(kind)
    return spec.model.objects.filter(is_current=True, **spec.period.overlapping(start, end))


def reported_org_ids(start: dt.date, end: dt.date, org_ids=None, kind: str = "activities") -> set[int]:
    """Organisations whose current data (of a kind) covering [start, end] has been submitted (or verified, locked)."""
    qs = _overlapping(kind, start, end).filter(state__in=REPORTED_STATES)
    if org_ids is not None:
        qs = qs.filter(organisation_id__in=org_ids)
    return set(qs.values_list("organisation_id", flat=True).distinct())


def _expected(estate: Organisation | None) -> QuerySet:
    qs = Organisation.objects.filter(kind=Kind.FACTORY)
    if estate is not None and estate.kind != Kind.AUTHORITY:
        qs = qs.filter(parent=estate)
    return qs


def on_time_share(estate: Organisation | None, year: int) -> tuple[int, int]:
    """(factories that reported every month of `year` by its deadline, factories expected).

    Reported = submitted data (any version, even if later superseded) covering the month, submitted on or
    before the month's deadline (end of day, Asia/Bangkok). Expected = the factories of the estate (or
    every factory when `estate` is None or the authority).
    """
    from django.utils import timezone

    from .services import periods_for

    expected = _expected(estate)
    n_expected = expected.count()
    if not n_expected:
        return 0, 0
    periods = periods_for(year)
    tz = timezone.get_current_timezone()
    deadline_at = {m: dt.datetime.combine(p.deadline, dt.time.max, tzinfo=tz) for m, p in periods.items()}
    on_time: dict[int, set[int]] = {}
    qs = ActivityRecord.objects.filter(submitted_at__isnull=False, period_start__lte=dt.date(year, 12, 31),
                                       period_end__gte=dt.date(year, 1, 1), organisation__kind=Kind.FACTORY)
    if estate is not None and estate.kind != Kind.AUTHORITY:
        qs = qs.filter(organisation__parent=estate)
    for org_id, start, end, at in qs.values_list("organisation_id", "period_start", "period_end", "submitted_at").iterator():
        first = 1 if start.year < year else start.month
        last = 12 if end.year > year else end.month
        for m in range(first, last + 1):
            if at <= deadline_at[m]:
                on_time.setdefault(org_id, set()).add(m)
    n = sum(1 for months in on_time.values() if len(months) == 12)
    return n, n_expected


@dataclass
class Completeness:
    year: int
    month: int
    deadline: dt.date
    estates: list[Organisation]
    expected: int
    reported: int
    missing: QuerySet            # factories (visible) that have not reported the month
    overdue: bool
    drafts: set[int] = field(default_factory=set)  # of the missing: those with drafts only

    @property
    def share(self) -> float:
        return self.reported / self.expected if self.expected else 0.0


def completeness_scope(user) -> QuerySet:
    """Estates and ports whose completeness the user may see (estate managers: theirs; authority: all)."""
    from .policies import completeness_scope as scope

    return scope(user, Organisation.objects.filter(kind__in=[Kind.ESTATE, Kind.PORT]))


def completeness(user, year: int, month: int, estate: Organisation | None = None, kind: str = "activities") -> Completeness:
    """Which factories have (not) reported `month` of `year` (records of a kind) — for estate managers and the authority."""
    from django.utils import timezone

    from .services import periods_for

    scope = completeness_scope(user)
    if not scope.exists():
        raise PermissionDenied
    if estate is not None:
        if not scope.filter(pk=estate.pk).exists():
            raise PermissionDenied
        scope = scope.filter(pk=estate.pk)
    factories = Organisation.objects.filter(kind=Kind.FACTORY)
    if estate is not None or not access.can(user, RegistryAction.PROGRAMME):
        factories = factories.filter(parent__in=scope)
    period = periods_for(year)[month]
    start, end = period.start, period.end
    reported = _overlapping(kind, start, end).filter(state__in=REPORTED_STATES, organisation__in=factories)
    reported_ids = reported.values("organisation_id")
    n_expected = factories.count()
    n_reported = reported.values("organisation_id").distinct().count()
    missing = factories.exclude(pk__in=reported_ids).select_related("parent", "factory").order_by("parent__name_th", "name_th")
    drafts = set(_overlapping(kind, start, end).filter(state=State.DRAFT, organisation__in=factories)
                 .exclude(organisation_id__in=reported_ids).values_list("organisation_id", flat=True).distinct()[:5000])
    return Completeness(year=year, month=month, deadline=period.deadline, estates=list(scope.order_by("name_th")[:200]),
                        expected=n_expected, reported=n_reported, missing=missing,
                        overdue=timezone.localdate() > period.deadline, drafts=drafts)


def escalation_list(user, today: dt.date | None = None, limit: int = 200, estate: Organisation | None = None) -> list[dict]:
    """Factories past the escalation point (deadline + calendar's days) for a month of this or last year,
    with the months missing — most overdue first."""
    from django.utils import timezone

    from .models import ReportingPeriod

    today = today or timezone.localdate()
    scope = completeness_scope(user)
    if not scope.exists():
        raise PermissionDenied
    factories = Organisation.objects.filter(kind=Kind.FACTORY)
    if estate is not None:
        if not scope.filter(pk=estate.pk).exists():
            raise PermissionDenied
        factories = factories.filter(parent=estate)
    elif not access.can(user, RegistryAction.PROGRAMME):
        factories = factories.filter(parent__in=scope)
    periods = [pr for pr in ReportingPeriod.objects.select_related("calendar").filter(
        year__in=[today.year - 1, today.year]) if pr.deadline + dt.timedelta(days=pr.calendar.escalate_days_after) < today]
    out: dict[int, dict] = {}
    for pr in periods:
        reported = ActivityRecord.objects.filter(is_current=True, state__in=REPORTED_STATES, period_start__lte=pr.end,
                                                 period_end__gte=pr.start).values("organisation_id")
        for org in factories.exclude(pk__in=reported).select_related("parent")[: limit * 4]:
            e = out.setdefault(org.pk, {"org": org, "months": [], "days": 0})
            e["months"].append(pr.start)
            e["days"] = max(e["days"], (today - pr.deadline).days)
    return sorted(out.values(), key=lambda e: (-e["days"], e["org"].name_th))[:limit]


# --- period totals: calendar year and Thai fiscal year ----------------------------------------------

def fiscal_year_bounds(fy: int) -> tuple[dt.date, dt.date]:
    """Thai government fiscal year `fy` (C.E. numbering): 1 October fy-1 to 30 September fy."""
    return dt.date(fy - 1, 10, 1), dt.date(fy, 9, 30)


def default_year_kind() -> str:
    """'calendar' or 'fiscal' — which total is shown first (setting ECOTOWN_REPORTING_YEAR)."""
    kind = getattr(settings, "ECOTOWN_REPORTING_YEAR", "calendar")
    return kind if kind in {"calendar", "fiscal"} else "calendar"


def _share(start: dt.date, end: dt.date, lo: dt.date, hi: dt.date) -> Decimal:
    """The part of [start, end] inside [lo, hi], by days."""
    a, b = max(start, lo), min(end, hi)
    if b < a:
        return Decimal(0)
    return Decimal((b - a).days + 1) / Decimal((end - start).days + 1)


def period_totals(recs, year: int) -> list[dict]:
    """Per activity and unit: total in calendar year `year` and in fiscal year `year` (Oct year-1 – Sep year);
    records spanning a boundary are shared pro rata by days."""
    cy = (dt.date(year, 1, 1), dt.date(year, 12, 31))
    fy = fiscal_year_bounds(year)
    out: dict[tuple, dict] = {}
    for r in recs:
        key = (r.activity, r.unit)
        e = out.setdefault(key, {"activity": r.activity, "unit": r.unit, "calendar": Decimal(0), "fiscal": Decimal(0)})
        e["calendar"] += r.quantity * _share(r.period_start, r.period_end, *cy)
        e["fiscal"] += r.quantity * _share(r.period_start, r.period_end, *fy)
    return sorted(out.values(), key=lambda e: (e["activity"], e["unit"]))


def year_records(org: Organisation, year: int) -> QuerySet:
    """Current records touching the calendar year or the fiscal year `year` (Oct year-1 – Dec year)."""
    return ActivityRecord.objects.filter(organisation=org, is_current=True, period_start__lte=dt.date(year, 12, 31),
                                         period_end__gte=dt.date(year - 1, 10, 1))


def visible_reporting_orgs(user) -> QuerySet:
    """Organisations whose reporting the user may look at (factories, estates, ports, schools)."""
    return access.visible_orgs(user, Organisation.objects.filter(
        kind__in=[Kind.FACTORY, Kind.ESTATE, Kind.PORT, Kind.SCHOOL, Kind.WASTE_PROCESSOR]))


def open_flags(org: Organisation) -> QuerySet:
    from .models import QualityFlag

    return QualityFlag.objects.filter(organisation=org, acknowledged_at__isnull=True, record__is_current=True)


def history_of(record: ActivityRecord):
    """All versions of the record's series (newest first) with their change records."""
    from ecotown.core.models import ChangeRecord

    versions = list(ActivityRecord.objects.filter(series=record.series).order_by("-version").select_related(
        "created_by", "submitted_by", "verified_by", "batch"))
    ct = ChangeRecord.content_type_for(record)
    changes = ChangeRecord.objects.filter(content_type=ct, object_id__in=[str(v.pk) for v in versions]).select_related("actor")
    by_obj: dict[str, list] = {}
    for c in changes:
        by_obj.setdefault(c.object_id, []).append(c)
    return [(v, by_obj.get(str(v.pk), [])) for v in versions]



@dataclass
class MonthState:
    """One month of an organisation's reporting year as its page shows it."""
    month: int
    start: dt.date
    state: str                     # draft | submitted | verified | locked | not_reported | later (not yet due)
    counts: dict                   # state -> number of current records of the month
    waiting: str = ""              # whom it waits for, as the reader reads it ("waiting for your approver")
    due: dt.date | None = None     # the reporting calendar's deadline, while the month still has to be submitted
    days_left: int | None = None

    @property
    def days_late(self) -> int:
        return -self.days_left if self.days_left is not None and self.days_left < 0 else 0


def months(user, org: Organisation, year: int, records, today: dt.date | None = None) -> list[MonthState]:
    """The twelve months of `year`: each one's state (its least advanced current record: a draft waits for the
    approver, a submitted record for the estate), whom it waits for (the workflow's own "who acts next",
    `ecotown.core.workflow.waiting_label`) and, until it is submitted, its deadline. `records`: the year's
    current records of every kind (already loaded: a few queries, whatever the number of records)."""
    from ecotown.core import workflow

    from .services import periods_for

    today = today or dt.date.today()
    periods = periods_for(year)
    by_month: dict[int, dict] = {m: {} for m in range(1, 13)}
    for r in records:
        start = r.period_start
        if start.year == year:
            by_month[start.month][r.state] = by_month[start.month].get(r.state, 0) + 1
    waiting: dict[str, str] = {}
    out = []
    for m in range(1, 13):
        counts = by_month[m]
        start = dt.date(year, m, 1)
        if counts.get(State.DRAFT):
            state = State.DRAFT
        elif counts.get(State.SUBMITTED):
            state = State.SUBMITTED
        elif counts.get(State.VERIFIED):
            state = State.VERIFIED
        elif counts.get(State.LOCKED):
            state = State.LOCKED
        else:
            state = "not_reported" if start <= today else "later"
        if state in (State.DRAFT, State.SUBMITTED) and state not in waiting:
            waiting[state] = workflow.waiting_label(user, ActivityRecord(organisation=org, state=state), state)
        due = periods[m].deadline if state in (State.DRAFT, "not_reported") else None
        out.append(MonthState(month=m, start=start, state=state, counts=counts, waiting=waiting.get(state, ""),
                              due=due, days_left=(due - today).days if due else None))
    return out
