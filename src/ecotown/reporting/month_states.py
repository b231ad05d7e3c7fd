"""The month states of activity records, per organisation and year (`models.MonthStates`), kept in step.

Every write of an `ActivityRecord` goes through `ecotown.core.history`; its after-write hook (registered
in `apps.ready`) calls `written(records)`, which recomputes the rows of the (organisation, year) pairs the
records touch — inside the same transaction, so the summary never disagrees with the records it sums.
One aggregate query per year touched (organisations in chunks), then a delete and one insert.

Bits per month: 1 a draft, 2 a submission waiting, 4 verified or locked (`matrix` reads them: a month is
submitted if 2, verified if 4 without 2, late or not reported by its deadline otherwise).
`rebuild()` recomputes everything (after a restore; `check()` says whether it is needed).
"""
from __future__ import annotations

import datetime as dt
from collections import defaultdict
from collections.abc import Iterable

from django.db.models import Case, IntegerField, Max, Q, Value, When

CHUNK = 500
BITS = (("draft", 1), ("submitted", 2), ("verified", 4), ("locked", 4))


def _month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    start = dt.date(year, month, 1)
    end = dt.date(year + (month == 12), month % 12 + 1, 1) - dt.timedelta(days=1)
    return start, end


def _aggregates(year: int) -> dict:
    """m1..m12 as sums of MAX(bit present) — portable bitwise OR of 1, 2 and 4 over the month's records."""
    out = {}
    for m in range(1, 13):
        start, end = _month_bounds(year, m)
        overlap = Q(period_start__lte=end, period_end__gte=start)
        parts = []
        for bit, states in ((1, ["draft"]), (2, ["submitted"]), (4, ["verified", "locked"])):
            parts.append(Max(Case(When(overlap & Q(state__in=states), then=Value(bit)), default=Value(0),
                                  output_field=IntegerField())))
        out[f"a{m}"] = parts[0] + parts[1] + parts[2]
    return out


def _fresh(ActivityRecord, org_ids: list[int], year: int):
    """(organisation id, [m1..m12]) of these organisations' current records overlapping `year`."""
    first, last = dt.date(year, 1, 1), dt.date(year, 12, 31)
    rows = (ActivityRecord.objects.filter(organisation_id__in=org_ids, is_current=True,
                                          period_start__lte=last, period_end__gte=first)
            .values("organisation_id").annotate(**_aggregates(year)).order_by())
    for r in rows:
        yield r["organisation_id"], [r[f"a{m}"] for m in range(1, 13)]


def compute(ActivityRecord, MonthStates, org_ids: Iterable[int], years: Iterable[int]) -> int:
    """Recompute the rows of these organisations × years (models passed in: migrations use it too).
    Returns the number of rows written."""
    org_ids, n = sorted(set(org_ids)), 0
    for year in sorted(set(years)):
        for i in range(0, len(org_ids), CHUNK):
            part = org_ids[i:i + CHUNK]
            objs = [MonthStates(organisation_id=org, year=year, **{f"m{m}": v for m, v in enumerate(months, start=1)})
                    for org, months in _fresh(ActivityRecord, part, year)]
            MonthStates.objects.filter(organisation_id__in=part, year=year).delete()
            MonthStates.objects.bulk_create(objs, batch_size=2000)
            n += len(objs)
    return n


def years_of_records(ActivityRecord) -> dict[int, set[int]]:
    """year -> the organisations with a current record overlapping it (what a rebuild covers)."""
    by_year: dict[int, set[int]] = defaultdict(set)
    for org, y0, y1 in (ActivityRecord.objects.filter(is_current=True)
                        .values_list("organisation_id", "period_start__year", "period_end__year").distinct().order_by()):
        for y in range(y0, y1 + 1):
            by_year[y].add(org)
    return by_year


def written(records) -> None:
    """The history hook: activity records were saved, deleted or created in bulk."""
    from .models import ActivityRecord, MonthStates

    by_year: dict[int, set[int]] = defaultdict(set)
    for r in records:
        for y in range(r.period_start.year, r.period_end.year + 1):
            by_year[y].add(r.organisation_id)
    for y, orgs in by_year.items():
        compute(ActivityRecord, MonthStates, orgs, [y])


def rebuild() -> int:
    """Every row again, from the records (e.g. after restoring a database without this table's rows)."""
    from .models import ActivityRecord, MonthStates

    MonthStates.objects.all().delete()
    return sum(compute(ActivityRecord, MonthStates, orgs, [y]) for y, orgs in sorted(years_of_records(ActivityRecord).items()))


def check() -> list[tuple[int, int]]:
    """(organisation, year) pairs whose stored row disagrees with the records (empty: all in step)."""
    from .models import ActivityRecord, MonthStates

    stored = {(s.organisation_id, s.year): s.months() for s in MonthStates.objects.all()}
    fresh = {}
    for y, orgs in years_of_records(ActivityRecord).items():
        orgs = sorted(orgs)
        for i in range(0, len(orgs), CHUNK):
            for org, months in _fresh(ActivityRecord, orgs[i:i + CHUNK], y):
                fresh[(org, y)] = months
    return sorted(k for k in set(stored) | set(fresh) if stored.get(k) != fresh.get(k))
