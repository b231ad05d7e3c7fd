"""What inventories are computed from: reporting's counted activity records (`is_counted`: per series
the latest version that reached verified or locked — a correction not yet verified leaves its verified
predecessor counted; see `pending_query` for the corrections waiting).

Reporting owns `ecotown.reporting.models.ActivityRecord` (agreed names: organisation, activity,
quantity, unit, period_start, period_end (inclusive), state, series, version, is_current, is_counted,
data_source, evidence). This module is the only place the carbon capability reads it.
"""
from __future__ import annotations

import datetime as dt

from django.apps import apps

COUNTED = {"is_counted": True}  # the lookup of the versions results use (reporting maintains the flag)
ACTIVITIES = "activities"
RESALE = "energy_resale"  # the estate operator's declared resale (carbon's EstateEnergySale)
#: source kind of an inventory line -> (app label, model) of the record it traces to
SOURCE_KINDS = {ACTIVITIES: ("reporting", "ActivityRecord"), RESALE: ("carbon", "EstateEnergySale")}
FIELDS = ("id", "organisation_id", "activity", "quantity", "unit", "period_start", "period_end", "version", "state",
          "data_source")


def record_model():
    """Reporting's activity records (the records inventory lines of kind "activities" trace to)."""
    return source_model(ACTIVITIES)


def source_model(kind: str):
    """The model of the records lines of `kind` trace to."""
    return apps.get_model(*SOURCE_KINDS[kind])


def reported_model(name: str):
    """Another of reporting's record models (production, employees: the intensity denominators)."""
    return apps.get_model("reporting", name)


def used_records_query(organisation_ids, start: dt.date, end: dt.date):
    """The records an inventory uses that overlap [start, end], ordered by id (values in FIELDS order)."""
    Record = record_model()
    return (Record.objects.filter(organisation_id__in=list(organisation_ids), **COUNTED,
                                  period_start__lte=end, period_end__gte=start)
            .order_by("id").values_list(*FIELDS))


def pending_corrections(organisation_ids, start: dt.date, end: dt.date) -> list[tuple[tuple, tuple]]:
    """Corrections of used data awaiting verification: (counted version, pending version) value pairs
    (FIELDS order, then meter and series), for the current versions that are not counted and whose series
    has a counted version, when one of them overlaps [start, end]. A pending version that replaced several
    counted records (an import with "replace") is paired with each. Brand-new unverified records (a series
    with no counted version) are not corrections."""
    from django.db.models import Exists, OuterRef

    Record = record_model()
    ids = list(organisation_ids)
    extra = ("meter", "series")
    pending = list(Record.objects.filter(organisation_id__in=ids, is_current=True, is_counted=False,
                                         series__in=Record.objects.filter(organisation_id__in=ids, **COUNTED)
                                         .values("series"))
                   .order_by("id").values_list(*FIELDS, *extra))
    if not pending:
        return []
    counted = {r[-1]: r for r in Record.objects.filter(series__in={p[-1] for p in pending}, **COUNTED)
               .values_list(*FIELDS, *extra)}
    # counted versions an import with "replace" superseded without a version of their own (one row replacing
    # two records): corrected by the pending record of the same activity and meter that overlaps them
    orphans = list(Record.objects.filter(organisation_id__in=ids, is_current=False, **COUNTED)
                   .filter(~Exists(Record.objects.filter(series=OuterRef("series"), is_current=True)))
                   .order_by("id").values_list(*FIELDS, *extra))
    out = []
    for p in pending:
        group = [counted[p[-1]]] + [o for o in orphans if (o[1], o[2], o[-2]) == (p[1], p[2], p[-2])
                                    and o[5] <= p[6] and o[6] >= p[5]]
        if any(c[5] <= end and c[6] >= start for c in group) or (p[5] <= end and p[6] >= start):
            out += [(c, p) for c in group]
    return out


def used_records(organisation_ids, start: dt.date, end: dt.date):
    """Values of the records an inventory uses that overlap [start, end], ordered by id."""
    return list(used_records_query(organisation_ids, start, end))


def year_bounds(year: int) -> tuple[dt.date, dt.date]:
    return dt.date(year, 1, 1), dt.date(year, 12, 31)


def month_bounds(year: int, month: int) -> tuple[dt.date, dt.date]:
    nxt = dt.date(year + (month == 12), month % 12 + 1, 1)
    return dt.date(year, month, 1), nxt - dt.timedelta(days=1)


def clip_to(row_start: dt.date, row_end: dt.date, quantity: float, start: dt.date, end: dt.date):
    """The part of a record inside [start, end]: (start, end, quantity pro rata by days)."""
    s, e = max(row_start, start), min(row_end, end)
    if s == row_start and e == row_end:
        return s, e, quantity
    return s, e, quantity * ((e - s).days + 1) / ((row_end - row_start).days + 1)
