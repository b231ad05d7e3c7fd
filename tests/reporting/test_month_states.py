"""The month states kept per factory and year (reporting.month_states): in step with the records after
every kind of write, in the same transaction (a rejected import or a refused step leaves them as they were),
and gathered once per workflow step."""
from __future__ import annotations

import datetime as dt

import pytest
from django.core.exceptions import ValidationError

from ecotown.core import history
from ecotown.reporting import month_states, services
from ecotown.reporting.models import ActivityRecord, MonthStates

from .conftest import csv_bytes


def _stored(org, year=2025):
    s = MonthStates.objects.filter(organisation=org, year=year).first()
    return s.months() if s else None


def test_every_write_keeps_the_month_states_in_step(world):
    u = world.users
    assert _stored(world.F1) is None
    res = services.import_activities(u["preparer"], world.F1, csv_bytes([
        ["2025-01-01", "2025-01-31", "diesel", "100", "L", ""],
        ["2025-02-01", "2025-02-28", "diesel", "100", "L", ""],
        ["2025-12-15", "2026-01-14", "grid_electricity", "500", "kWh", "M1"]]), name="a.csv")
    jan, feb, dec = res.records
    assert _stored(world.F1) == [1, 1] + [0] * 9 + [1]
    assert _stored(world.F1, 2026) == [1] + [0] * 11          # a record across the new year: both rows
    services.submit(u["approver"], [jan, feb])
    assert _stored(world.F1) == [2, 2] + [0] * 9 + [1]
    services.verify(u["estate"], [jan])
    assert _stored(world.F1) == [4, 2] + [0] * 9 + [1]
    services.return_to_draft(u["estate"], ActivityRecord.objects.get(pk=feb.pk), "meter photo unreadable")
    assert _stored(world.F1) == [4, 1] + [0] * 9 + [1]
    # a draft moved to another month (and year): the month it left is empty again
    services.amend(u["preparer"], ActivityRecord.objects.get(pk=dec.pk),
                   {"period_start": "2024-12-15", "period_end": "2025-01-14", "activity": "grid_electricity",
                    "quantity": "500", "unit": "kWh", "meter": "M1"}, "wrong year")
    assert _stored(world.F1) == [5, 1] + [0] * 10
    assert _stored(world.F1, 2026) is None and _stored(world.F1, 2024) == [0] * 11 + [1]
    # a correction of verified data: the new draft is the current version (the verified one still counts in
    # the inventory, but the month waits for the correction)
    services.amend(u["preparer"], ActivityRecord.objects.get(pk=jan.pk),
                   {"period_start": "2025-01-01", "period_end": "2025-01-31", "activity": "diesel",
                    "quantity": "120", "unit": "L", "meter": ""}, "bill re-read")
    assert _stored(world.F1) == [1, 1] + [0] * 10
    assert month_states.check() == []


def test_a_rejected_import_and_a_refused_step_leave_them_as_they_were(world):
    u = world.users
    services.import_activities(u["preparer"], world.F1, csv_bytes([["2025-03-01", "2025-03-31", "diesel", "1", "L", ""]]),
                               name="a.csv")
    before = _stored(world.F1)
    with pytest.raises(services.Rejected):
        services.import_activities(u["preparer"], world.F1, csv_bytes([
            ["2025-04-01", "2025-04-30", "diesel", "1", "L", ""],
            ["2025-05-01", "2025-05-31", "diesel", "-1", "L", ""]]), name="b.csv", keep_rejected=False)
    assert _stored(world.F1) == before == [0, 0, 1] + [0] * 9
    draft = ActivityRecord.objects.get(organisation=world.F1)
    with pytest.raises(ValidationError):
        services.verify(u["estate"], [draft])          # a draft cannot be verified: nothing changes
    assert _stored(world.F1) == before


def test_one_workflow_step_refreshes_once(world, monkeypatch):
    u = world.users
    res = services.import_activities(u["preparer"], world.F1, csv_bytes(
        [[f"2025-{m:02d}-01", "", "diesel", "1", "L", ""] for m in range(1, 13)]), name="y.csv")
    calls = []
    real = month_states.compute
    monkeypatch.setattr(month_states, "compute", lambda *a: calls.append(a[2:]) or real(*a))
    services.submit(u["approver"], res.records)
    assert calls == [({world.F1.pk}, [2025])]
    assert _stored(world.F1) == [2] * 12


def test_rebuild_gives_the_same_rows(world):
    u = world.users
    for org, user in ((world.F1, "preparer"), (world.F2, "preparer2")):
        services.import_activities(u[user], org, csv_bytes([["2025-06-01", "2025-07-31", "diesel", "1", "L", ""]]),
                                   name="a.csv")
    want = sorted(MonthStates.objects.values_list("organisation_id", "year", "m6", "m7", "m8"))
    assert want == sorted([(world.F1.pk, 2025, 1, 1, 0), (world.F2.pk, 2025, 1, 1, 0)])
    MonthStates.objects.all().delete()
    assert month_states.check() == [(world.F1.pk, 2025), (world.F2.pk, 2025)]
    assert month_states.rebuild() == 2
    assert sorted(MonthStates.objects.values_list("organisation_id", "year", "m6", "m7", "m8")) == want
    assert month_states.check() == []


def test_history_delete_refreshes(world):
    r = history.save(None, ActivityRecord(organisation=world.F3, activity="diesel", quantity=1, unit="L",
                                          period_start=dt.date(2025, 8, 1), period_end=dt.date(2025, 8, 31)))
    assert _stored(world.F3) == [0] * 7 + [1] + [0] * 4
    history.delete(None, r, "entered by mistake")
    assert _stored(world.F3) is None
