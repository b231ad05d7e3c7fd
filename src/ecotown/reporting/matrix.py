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
their count, and one query for the states of the page's factories (see `cells`). Both read the month
states kept per factory and year (`models.MonthStates`, `month_states`), so the state filter is one
indexed EXISTS per factory and pagination stays in the database.
"""
from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from functools import cached_property, reduce
from operator import or_

from django.core.paginator import Paginator
from django.db.models import Count, Exists, OuterRef, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext_lazy, pgettext_lazy

from ecotown import access
from ecotown.core import cache
from ecotown.registry import search
from ecotown.registry.models import FactoryDetail, Kind, Organisation

from .models import MonthStates

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


def _month_q(m: int, state: str, passed: bool) -> Q | None:
    """The condition on a MonthStates row for month `m` in `state` (None: the state cannot hold)."""
    f = f"m{m}"
    if state == VERIFIED:
        return Q(**{f"{f}__in": [4, 5]})
    if state == SUBMITTED:
        return Q(**{f"{f}__in": [2, 3, 6, 7]})
    if state == DRAFT:
        return None if passed else Q(**{f: 1})
    if state == LATE:
        return None if not passed else Q(**{f"{f}__lt": 2})
    if state == NONE:
        return None if passed else Q(**{f: 0})
    return None


def state_q(year: int, state: str, months, today: dt.date, due: dict[int, dt.date]) -> Q:
    """Organisations with at least one of `months` of `year` in `state` (for Organisation querysets).

    One indexed lookup of the organisation's MonthStates row: a month with nothing reported has no bits,
    so for late and not reported "no row" counts too — answered as NOT EXISTS a row where every such
    month has something."""
    ref = OuterRef("pk")
    rows = MonthStates.objects.filter(organisation_id=ref, year=year)
    conds = [c for c in (_month_q(m, state, due[m] < today) for m in months) if c is not None]
    if not conds:
        return Q(pk__in=[])
    if state in (LATE, NONE):
        every_reported = Q()
        for c in conds:
            every_reported &= ~c
        return ~Q(Exists(rows.filter(every_reported)))
    anyq = Q(pk__in=[])
    for c in conds:
        anyq |= c
    return Q(Exists(rows.filter(anyq)))


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


class EstatePaginator(Paginator):
    """Pages of `factories()` (ordered by estate name, then factory name) read through the index
    (parent, name_th, id): the estates' sizes come from one grouped query, a page is the slices of the one
    or two estates it spans (each an index range with LIMIT/OFFSET), never a sort of every factory by its
    estate's name. Without a state filter the sizes are kept until an organisation is written
    (ecotown.core.cache)."""

    def __init__(self, qs, per_page, *, cache_sizes: bool):
        super().__init__(qs, per_page)
        self.cache_sizes = cache_sizes

    @cached_property
    def segments(self) -> list[tuple[int | None, int]]:
        qs = self.object_list.order_by().values("parent_id", "parent__name_th").annotate(n=Count("pk"))

        def build():
            rows = sorted(qs.values_list("parent__name_th", "parent_id", "n"),
                          key=lambda r: (r[0] is None, r[0] or "", r[1] or 0))
            return [(pk, n) for _name, pk, n in rows]

        if not self.cache_sizes:
            return build()
        return cache.cached("reporting.matrix_sizes", build, on=(Organisation, FactoryDetail), key=cache.query_key(qs))

    @cached_property
    def count(self) -> int:
        return sum(n for _pk, n in self.segments)

    def page(self, number):
        number = self.validate_number(number)
        bottom = (number - 1) * self.per_page
        top = min(bottom + self.per_page, self.count)
        parts, start = [], 0
        for pk, n in self.segments:
            end = start + n
            if end > bottom and start < top:
                part = self.object_list.filter(**({"parent_id": pk} if pk is not None else {"parent__isnull": True}))
                part = part.order_by("name_th", "pk").values("pk")[max(bottom, start) - start:min(top, end) - start]
                parts.append(Q(pk__in=part))
            start = end
            if start >= top:
                break
        rows = list(self.object_list.filter(reduce(or_, parts))) if parts else []
        return self._get_page(rows, number, self)


def cells(user, org_ids, year: int, today: dt.date | None = None,
          due: dict[int, dt.date] | None = None) -> dict[int, list[str]]:
    """org id -> the twelve states of `year` (one query, whatever the number of organisations). The rows
    are of organisations the user sees (the caller's list); their month states say no more than that."""
    today = today or timezone.localdate()
    due = due or deadlines(year)
    bits: dict[int, list[int]] = {pk: [0] * 12 for pk in org_ids}
    if bits:
        for s in MonthStates.objects.filter(organisation_id__in=list(bits), year=year):
            bits[s.organisation_id] = s.months()
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
