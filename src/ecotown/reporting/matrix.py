"""Completeness as a matrix: factories × the months of a year, each cell the month's state.

A month of a factory is, from its current activity records overlapping the month:
- ``verified``   — reported, and every reported record is verified (or locked);
- ``submitted``  — reported, some of it still waiting for verification;
- ``late``       — nothing submitted and the month's deadline has passed (drafts or nothing);
- ``draft``      — drafts only, the deadline not yet passed;
- ``none``       — nothing at all, the deadline not yet passed (not reported).

Rows are the factories the user may see (`ecotown.access`: authority staff all, an estate manager its
estates' factories, a factory user its own, an auditor those of an assignment in force), grouped by
estate. A page costs a fixed number of queries whatever the number of factories: the page of factories,
their count, and one query for the states of the page's factories (see `cells`). The state filter is
answered in SQL (EXISTS per month) so that pagination stays in the database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass

from django.db.models import Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from ecotown import access
from ecotown.registry import search
from ecotown.registry.models import Kind, Organisation

from .models import ActivityRecord, State

NONE, DRAFT, SUBMITTED, VERIFIED, LATE = "none", "draft", "submitted", "verified", "late"
CELL_STATES = (NONE, DRAFT, SUBMITTED, VERIFIED, LATE)
LABELS = {
    NONE: pgettext_lazy("completeness", "not reported"),
    DRAFT: pgettext_lazy("completeness", "draft"),
    SUBMITTED: pgettext_lazy("completeness", "submitted"),
    VERIFIED: pgettext_lazy("completeness", "verified"),
    LATE: pgettext_lazy("completeness", "late"),
}
# a sign per state, so that a cell reads without its colour (and on a black-and-white print-out)
ICONS = {NONE: "–", DRAFT: "✎", SUBMITTED: "↑", VERIFIED: "✓", LATE: "!"}
HELP = {
    NONE: gettext_lazy("nothing reported yet; the deadline has not passed"),
    DRAFT: gettext_lazy("drafts only; the deadline has not passed"),
    SUBMITTED: gettext_lazy("submitted, waiting for verification"),
    VERIFIED: gettext_lazy("verified"),
    LATE: gettext_lazy("the deadline has passed and nothing was submitted"),
}
REPORTED = (State.SUBMITTED, State.VERIFIED, State.LOCKED)
_BIT = {State.DRAFT: 1, State.SUBMITTED: 2, State.VERIFIED: 4, State.LOCKED: 4}


@dataclass
class Filter:
    year: int
    estate: Organisation | None = None
    state: str = ""        # one of CELL_STATES, or "" (any)
    month: int | None = None   # the state filter's month (None: any month of the year)
    q: str = ""


def deadlines(year: int) -> dict[int, dt.date]:
    from .services import periods_for

    return {m: p.deadline for m, p in periods_for(year).items()}


def estates(user) -> QuerySet:
    """Estates and ports offered in the filter: those the user sees that have factories the user sees."""
    factories = access.visible_orgs(user, Organisation.objects.filter(kind=Kind.FACTORY))
    return (Organisation.objects.filter(kind__in=[Kind.ESTATE, Kind.PORT], pk__in=factories.values("parent_id"))
            .order_by("name_th", "pk"))


def _records(org_ref, start: dt.date, end: dt.date, states) -> Exists:
    return Exists(ActivityRecord.objects.filter(organisation_id=org_ref, is_current=True, state__in=states,
                                                period_start__lte=end, period_end__gte=start))


def _month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def state_q(year: int, state: str, months, today: dt.date, due: dict[int, dt.date]) -> Q:
    """Organisations with at least one of `months` of `year` in `state` (for Organisation querysets)."""
    ref = OuterRef("pk")
    q = Q(pk__in=[])
    for m in months:
        start, end = _month_bounds(year, m)
        passed = due[m] < today
        reported = _records(ref, start, end, REPORTED)
        if state == VERIFIED:
            cond = _records(ref, start, end, (State.VERIFIED, State.LOCKED)) & ~_records(ref, start, end, (State.SUBMITTED,))
        elif state == SUBMITTED:
            cond = _records(ref, start, end, (State.SUBMITTED,))
        elif state == LATE:
            if not passed:
                continue
            cond = ~reported
        elif state == DRAFT:
            if passed:
                continue
            cond = ~reported & _records(ref, start, end, (State.DRAFT,))
        elif state == NONE:
            if passed:
                continue
            cond = ~_records(ref, start, end, (State.DRAFT,) + REPORTED)
        else:
            continue
        q |= Q(cond)
    return q


def factories(user, f: Filter, today: dt.date | None = None, due: dict[int, dt.date] | None = None) -> QuerySet:
    """The rows: factories the user may see, filtered, ordered by estate then name."""
    today = today or timezone.localdate()
    qs = access.visible_orgs(user, Organisation.objects.filter(kind=Kind.FACTORY))
    if f.estate is not None:
        qs = qs.filter(parent=f.estate)
    qs = search.matching(qs, f.q)
    if f.state in CELL_STATES:
        due = due or deadlines(f.year)
        months = [f.month] if f.month else range(1, 13)
        qs = qs.filter(state_q(f.year, f.state, months, today, due))
    return qs.select_related("parent", "factory").order_by("parent__name_th", "parent_id", "name_th", "pk")


def cells(user, org_ids, year: int, today: dt.date | None = None,
          due: dict[int, dt.date] | None = None) -> dict[int, list[str]]:
    """org id -> the twelve states of `year` (one query, whatever the number of organisations)."""
    today = today or timezone.localdate()
    due = due or deadlines(year)
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    bits: dict[int, list[int]] = {pk: [0] * 12 for pk in org_ids}
    if bits:
        qs = access.visible(user, ActivityRecord.objects.filter(
            organisation_id__in=list(bits), is_current=True, period_start__lte=last, period_end__gte=first))
        for org_id, start, end, state in qs.values_list("organisation_id", "period_start", "period_end",
                                                        "state").distinct().order_by():
            lo = 1 if start < first else start.month
            hi = 12 if end > last else end.month
            row = bits[org_id]
            for m in range(lo, hi + 1):
                row[m - 1] |= _BIT.get(state, 0)
    return {pk: [_state(b, due[m + 1] < today) for m, b in enumerate(row)] for pk, row in bits.items()}


def _state(b: int, passed: bool) -> str:
    if b & 6:
        return SUBMITTED if b & 2 else VERIFIED
    if passed:
        return LATE
    return DRAFT if b & 1 else NONE


@dataclass
class Row:
    org: Organisation
    months: list[tuple[int, str]]   # (month, state)


def rows(user, orgs, year: int, today: dt.date | None = None, due: dict[int, dt.date] | None = None) -> list[Row]:
    orgs = list(orgs)
    states = cells(user, [o.pk for o in orgs], year, today, due)
    return [Row(o, list(enumerate(states[o.pk], start=1))) for o in orgs]
