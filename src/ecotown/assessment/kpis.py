"""Gather the inputs of each KPI from stored data and compute it with `ecotown.calc.kpi`.

Each KPI of `data/kpi/kpis.yaml` names its inputs; the apps that store the data provide them
(`ecotown.core.inputs`, each app's `kpi_inputs.py`). A provider returns None when there is no data:
the KPI then has no value and the indicator is entered by hand with evidence (never silently zero).
"""
from __future__ import annotations

from ecotown.calc import kpi as calc_kpi
from ecotown.core import inputs


def gather_inputs(kpi_id: str, org, year: int, query: inputs.Query | None = None) -> dict:
    """The named inputs (and context) of one KPI for an organisation and year (None where no data).
    A KPI computed by hand only (`computed: false`) gathers nothing."""
    d = calc_kpi.definition(kpi_id)
    if not d.computed:
        return {}
    return inputs.gather(d.names, org, year, query)


def compute(kpi_id: str, org, year: int, query: inputs.Query | None = None) -> calc_kpi.KpiValue:
    """Value + inputs (+ the providers' notes on them) of one KPI for an organisation and year."""
    q = query or inputs.Query(org, year)
    values = gather_inputs(kpi_id, org, year, q)
    notes = list(dict.fromkeys(n for name in values for n in q.notes.get(name, ())))  # shared: once
    return calc_kpi.compute(kpi_id, values, notes=notes)


def compute_many(kpi_ids, org, year: int) -> dict[str, calc_kpi.KpiValue]:
    """Several KPIs of one organisation and year; an input several KPIs share is read once."""
    q = inputs.Query(org, year)
    return {k: compute(k, org, year, q) for k in kpi_ids if calc_kpi.knows(k)}
