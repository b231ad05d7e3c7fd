"""Issue 9 — a correction never drops data: the last verified version of a series counts until its
successor is verified; the inventory shows the corrections waiting, with their size; a restated
inventory can be made final again.

Numbers by hand (2025 factors: grid ET-F0003 0.4999 kg/kWh Scope 2, no upstream factor before 2026;
diesel ET-F0013 2.7078 kg/L):
  grid Jan 10,000 kWh = 4.999 t · diesel Feb 1,000 L = 2.7078 t · total 7.7068 t
  grid Jan corrected to 12,000 kWh: +2,000 x 0.4999 = +0.9998 t
"""
from __future__ import annotations

import datetime as dt
import importlib
import uuid
from decimal import Decimal

import pytest
from django.db import IntegrityError, transaction
from django.utils import translation

from ecotown.carbon import selectors, services
from ecotown.carbon.models import Inventory, InventoryLine
from ecotown.core import inputs as kpi_inputs
from ecotown.core.models import ChangeRecord
from ecotown.reporting import services as reporting
from ecotown.reporting.models import ActivityRecord, EmployeeRecord, ProductionRecord

from .factories import record

HEADER = ("period_start", "period_end", "activity", "quantity", "unit", "meter")


def _csv(rows, header=HEADER) -> bytes:
    import csv
    import io

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    w.writerows(rows)
    return out.getvalue().encode("utf-8")


@pytest.fixture
def lib(db):
    services.sync_builtin_library(None)


@pytest.fixture
def run(django_capture_on_commit_callbacks):
    """Run a service with the results' hand-over executed (the recompute runs as it would after commit)."""
    def call(fn, *args, **kw):
        with django_capture_on_commit_callbacks(execute=True):
            return fn(*args, **kw)
    return call


def _verified(world, run, rows, name="a.csv"):
    u = world.users
    recs = reporting.import_activities(u["preparer"], world.F1, _csv(rows), name=name).records
    run(reporting.submit, u["approver"], recs)
    run(reporting.verify, u["estate"], recs)
    return recs


def _inv(world, year=2025) -> Inventory:
    return Inventory.objects.get(organisation=world.F1, year=year)


def _year(world, run):
    return _verified(world, run, [["2025-01-01", "2025-01-31", "grid_electricity", "10000", "kWh", ""],
                                  ["2025-02-01", "2025-02-28", "diesel", "1000", "L", ""]])


def test_amending_a_verified_record_keeps_it_counted_and_shows_the_pending_correction(world, lib, run):
    grid, _diesel = _year(world, run)
    assert _inv(world).totals["co2e_t"] == 7.7068
    new = run(reporting.amend, world.users["preparer"], grid, {"quantity": "12000"}, reason="meter re-read")
    inv = _inv(world)
    # before issue 9 the January record dropped out of the inventory: 2.7078 t (diesel only); now unchanged
    assert (inv.totals["co2e_t"], inv.totals["scope2_location_t"], inv.n_records) == (7.7068, 4.999, 2)
    assert inv.pending_corrections == {
        "n": 1, "co2e_delta_t": 0.9998, "scope1_delta_t": 0.0, "scope2_location_delta_t": 0.9998, "scope3_delta_t": 0.0,
        "records": [{"series": str(grid.series), "counted_id": grid.pk, "pending_id": new.pk, "state": "draft",
                     "activity": "grid_electricity", "period_start": "2025-01-01", "period_end": "2025-01-31",
                     "co2e_delta_t": 0.9998}]}
    assert InventoryLine.objects.filter(inventory=inv, activity="grid_electricity").get().record_id == grid.pk
    grid.refresh_from_db()
    assert (grid.is_current, grid.is_counted, new.is_current, new.is_counted) == (False, True, True, False)
    # the draft correction changed again in place: the pending size follows (+3,000 kWh x 0.4999)
    run(reporting.amend, world.users["preparer"], new, {"quantity": "13000"})
    assert (_inv(world).totals["co2e_t"], _inv(world).pending_corrections["co2e_delta_t"]) == (7.7068, 1.4997)
    run(reporting.amend, world.users["preparer"], new, {"quantity": "12000"})
    # submitted: still pending, its state shown
    run(reporting.submit, world.users["approver"], [new])
    inv = _inv(world)
    assert (inv.totals["co2e_t"], inv.pending_corrections["records"][0]["state"]) == (7.7068, "submitted")
    # verified: the correction counts, the old version stops; inventory = old + delta, nothing pending
    run(reporting.verify, world.users["estate"], [new])
    inv = _inv(world)
    assert inv.totals["co2e_t"] == 8.7066 == pytest.approx(7.7068 + 0.9998, abs=1e-6)
    assert inv.totals["scope2_location_t"] == 5.9988 and inv.pending_corrections == {}
    grid.refresh_from_db()
    new.refresh_from_db()
    assert (grid.is_counted, new.is_counted) == (False, True)
    assert ChangeRecord.for_object(grid).first().note == "no longer counted: version 2 verified"
    assert InventoryLine.objects.filter(inventory=inv, activity="grid_electricity").get().record_id == new.pk


def test_a_new_unverified_record_is_not_a_pending_correction(world, lib, run):
    _year(world, run)
    reporting.import_activities(world.users["preparer"], world.F1,
                                _csv([["2025-03-01", "2025-03-31", "diesel", "500", "L", ""]]), name="b.csv")
    inv = services.compute_inventory(world.F1, 2025)
    assert (inv.totals["co2e_t"], inv.pending_corrections) == (7.7068, {})


def test_a_locked_record_corrected_restates_only_when_verified_and_can_be_made_final_again(world, lib, run):
    u = world.users
    _year(world, run)
    reporting.lock_year(u["admin"], 2025)
    inv = services.finalise(u["approver"], _inv(world))
    assert (inv.status, inv.final_totals["co2e_t"]) == ("final", 7.7068)
    diesel = ActivityRecord.objects.get(activity="diesel")
    new = run(reporting.amend, u["preparer"], diesel, {"quantity": "1500"}, reason="invoice found")
    inv = _inv(world)
    # before issue 9: restated at once to 4.999 t (February dropped out); now final, unchanged, one pending +1.3539 t
    assert (inv.status, inv.totals["co2e_t"], inv.pending_corrections["co2e_delta_t"],
            inv.pending_corrections["scope1_delta_t"]) == ("final", 7.7068, 1.3539, 1.3539)
    run(reporting.submit, u["approver"], [new])
    run(reporting.verify, u["estate"], [new])
    inv = _inv(world)
    assert (inv.status, inv.totals["co2e_t"], inv.pending_corrections) == ("restated", 9.0607, {})
    assert inv.totals["co2e_t"] == pytest.approx(7.7068 + 1.3539, abs=1e-6)
    assert inv.final_totals["co2e_t"] == 7.7068  # the numbers made final, until made final again
    # restated → final again (before issue 9: refused, "Only a draft inventory can be made final.")
    inv = services.finalise(u["approver"], inv)
    assert (inv.status, inv.final_totals["co2e_t"]) == ("final", 9.0607)
    change = ChangeRecord.for_object(inv).first()
    assert (change.event, change.from_state, change.to_state) == ("carbon.inventory.finalise", "restated", "final")
    assert change.before["final_totals"]["co2e_t"] == 7.7068 and change.after["final_totals"]["co2e_t"] == 9.0607


def test_replace_import_of_verified_data_keeps_it_counted_until_verified(world, lib, run):
    u = world.users
    _year(world, run)
    rows = [["2025-01-01", "2025-01-31", "grid_electricity", "9000", "kWh", ""]]
    new = run(reporting.import_activities, u["preparer"], world.F1, _csv(rows), name="r.csv", replace=True,
              reason="bill corrected").records[0]
    inv = _inv(world)
    # before issue 9: 2.7078 t (January dropped out); now 7.7068 t and −1,000 kWh x 0.4999 pending
    assert (inv.totals["co2e_t"], inv.pending_corrections["n"], inv.pending_corrections["co2e_delta_t"]) == (
        7.7068, 1, -0.4999)
    run(reporting.submit, u["approver"], [new])
    run(reporting.verify, u["estate"], [new])
    inv = _inv(world)
    assert (inv.totals["co2e_t"], inv.pending_corrections) == (7.2069, {})
    assert inv.totals["co2e_t"] == pytest.approx(7.7068 - 0.4999, abs=1e-6)


def test_production_and_employee_corrections_keep_counting_for_kpis(world, lib, run):
    u, F1 = world.users, world.F1
    _year(world, run)
    product = F1.products.order_by("pk").first()
    e = reporting.save_employees(u["preparer"], F1, dt.date(2025, 1, 1), 120)
    p = reporting.save_production(u["preparer"], F1, product, dt.date(2025, 1, 1), dt.date(2025, 1, 31), "500")
    run(reporting.submit, u["approver"], [e, p])
    run(reporting.verify, u["estate"], [e, p])
    got = selectors.intensity(F1, 2025)
    assert (got["employees"], got["employees_source"], got["per_unit"][0]["quantity"]) == (120, "EmployeeRecord", 500.0)
    e2 = reporting.save_employees(u["preparer"], F1, dt.date(2025, 1, 1), 150, "headcount corrected")
    p2 = reporting.save_production(u["preparer"], F1, product, dt.date(2025, 1, 1), dt.date(2025, 1, 31), "600",
                                   "production corrected")
    got = selectors.intensity(F1, 2025)
    # before issue 9: employees 100 from the factory's registration (FactoryDetail), production none
    assert (got["employees"], got["employees_source"], got["per_unit"][0]["quantity"]) == (120, "EmployeeRecord", 500.0)
    assert got["per_employee"] == pytest.approx(7.7068 / 120, abs=1e-9)
    # energy (KPI input) from activity records: a draft correction leaves the verified 10 MWh counted
    grid = ActivityRecord.objects.get(activity="grid_electricity")
    reporting.amend(u["preparer"], grid, {"quantity": "12000"})
    energy = kpi_inputs.gather(["reporting.energy_mwh"], F1, 2025)["reporting.energy_mwh"]
    # before issue 9: None (the only grid record was a draft); now the verified 10 MWh of electricity + the
    # diesel at its NCV (1,000 L x 0.830565 kg/L x 43 MJ/kg = 9.9206375 MWh, ghg.energy_of)
    assert float(energy) == pytest.approx(10 + 9.9206375, abs=1e-9)
    run(reporting.submit, u["approver"], [e2, p2])
    run(reporting.verify, u["estate"], [e2, p2])
    got = selectors.intensity(F1, 2025)
    assert (got["employees"], got["per_unit"][0]["quantity"]) == (150, 600.0)
    assert (EmployeeRecord.objects.filter(is_counted=True).get().pk, ProductionRecord.objects.filter(
        is_counted=True).get().pk) == (e2.pk, p2.pk)


def test_at_most_one_counted_version_per_series(world):
    """The database refuses a second counted version of a series (partial unique index), for every kind."""
    from ecotown.core import history

    jan = {"period_start": dt.date(2025, 1, 1), "period_end": dt.date(2025, 1, 31)}
    kinds = ((ActivityRecord, {"activity": "diesel", "quantity": 100, "unit": "L", **jan}),
             (EmployeeRecord, {"month": dt.date(2025, 1, 1), "employees": 1}),
             (ProductionRecord, {"product": world.F1.products.order_by("pk").first(), "quantity": 1, **jan}))
    for model, kw in kinds:
        s = uuid.uuid4()
        history.save(None, model(organisation=world.F1, series=s, is_counted=True, is_current=False, state="verified",
                                 **kw), validate=False)
        with pytest.raises(IntegrityError), transaction.atomic():
            history.save(None, model(organisation=world.F1, series=s, version=2, is_counted=True, state="verified",
                                     **kw), validate=False)
        history.save(None, model(organisation=world.F1, series=s, version=2, state="draft", **kw), validate=False)
        assert (model.objects.filter(series=s).count(), model.objects.filter(series=s, is_counted=True).count()) == (2, 1)


def test_the_migration_counts_existing_data(world):
    from django.db import connection
    from django.db.migrations.executor import MigrationExecutor

    name = "0003_counted_versions_data_source"
    mig = importlib.import_module(f"ecotown.reporting.migrations.{name}")
    apps = MigrationExecutor(connection).loader.project_state(("reporting", name)).apps
    F1 = world.F1
    a = record(F1, "diesel", 100, "L", "2025-01-01", "2025-01-31", state="locked", is_current=False)  # v1 locked
    a2 = record(F1, "diesel", 150, "L", "2025-01-01", "2025-01-31", state="submitted", series=a.series, version=2,
                is_current=False)
    a3 = record(F1, "diesel", 160, "L", "2025-01-01", "2025-01-31", state="draft", series=a.series, version=3)
    b = record(F1, "lpg", 10, "kg", "2025-01-01", "2025-01-31", state="verified")
    c = record(F1, "water", 10, "m3", "2025-01-01", "2025-01-31", state="draft")
    apps.get_model("reporting", "ActivityRecord").objects.update(is_counted=False)  # as before the migration
    mig.set_counted(apps, None)
    assert set(ActivityRecord.objects.filter(is_counted=True).values_list("pk", flat=True)) == {a.pk, b.pk}
    assert {a2.pk, a3.pk, c.pk}.isdisjoint(ActivityRecord.objects.filter(is_counted=True).values_list("pk", flat=True))


def test_data_source_column_is_stored_and_reaches_the_inventory_lines(world, lib, run):
    header = HEADER + ("data_source",)
    rows = [["2025-01-01", "2025-01-31", "grid_electricity", "10000", "kWh", "", "ใบแจ้งหนี้"],
            ["2025-02-01", "2025-02-28", "diesel", "1000", "L", "", "meter"],
            ["2025-03-01", "2025-03-31", "lpg", "100", "kg", "", ""]]
    recs = reporting.import_activities(world.users["preparer"], world.F1, _csv(rows, header), name="d.csv").records
    assert [r.data_source for r in recs] == ["invoice", "meter", ""]
    run(reporting.submit, world.users["approver"], recs)
    run(reporting.verify, world.users["estate"], recs)
    lines = InventoryLine.objects.filter(inventory=_inv(world)).order_by("activity")
    assert [(ln.activity, ln.data_source) for ln in lines] == [("diesel", "meter"), ("grid_electricity", "invoice"),
                                                               ("lpg", "")]
    bad = _csv([["2025-04-01", "2025-04-30", "diesel", "1", "L", "", "guess"]], header)
    with pytest.raises(reporting.Rejected) as exc:
        reporting.import_activities(world.users["preparer"], world.F1, bad, name="e.csv")
    from ecotown.reporting import imports

    p = exc.value.problems
    assert [(x["row"], x["column"], x["code"]) for x in p] == [(2, "data_source", "unknown_data_source")]
    assert imports.message(p[0], "en") == (
        "Unknown data source “guess”: use meter, invoice or estimate (or leave it empty).")
    assert imports.message(p[0], "th") == (
        "ไม่รู้จักแหล่งข้อมูล “guess”: ใช้ มาตรวัด (meter) ใบแจ้งหนี้ (invoice) หรือ ประมาณการ (estimate) "
        "(หรือเว้นว่าง)")


def test_inventory_page_and_api_show_pending_corrections_in_thai_and_english(world, lib, run, client, token_for):
    grid, _d = _year(world, run)
    new = run(reporting.amend, world.users["preparer"], grid, {"quantity": "12000"}, reason="meter re-read")
    inv = _inv(world)
    client.force_login(world.users["approver"])
    with translation.override("en"):
        html = client.get(f"/carbon/inventory/{inv.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="pending-corrections"' in html and "Pending corrections" in html
    assert "1 awaiting verification, +1.000 t CO2e when verified (not yet in the totals)" in html
    assert f'href="/reporting/records/{new.pk}/"' in html and "(draft): +1.000 t CO2e" in html
    with translation.override("th"):
        html = client.get(f"/carbon/inventory/{inv.pk}/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "การแก้ไขที่รอการตรวจสอบ" in html and "+1.000 t CO2e" in html and "ฉบับร่าง" in html
    h = token_for(world.users["approver"])
    d = client.get(f"/api/carbon/inventories/{inv.pk}", HTTP_AUTHORIZATION=h["Authorization"]).json()
    assert (d["totals"]["co2e_t"], d["pending_corrections"]["co2e_delta_t"],
            d["pending_corrections"]["records"][0]["pending_id"]) == (7.7068, 0.9998, new.pk)


def test_one_row_replacing_two_verified_records_counts_them_until_it_is_verified(world, lib, run):
    """An import with "replace" whose row spans two verified records continues the first one's series; the
    second has no version of its own. Both keep counting until the row is verified, then both stop."""
    u = world.users
    first, second = _verified(world, run, [["2025-01-01", "2025-01-15", "grid_electricity", "4000", "kWh", "M1"],
                                           ["2025-01-16", "2025-01-31", "grid_electricity", "6000", "kWh", "M1"]])
    assert _inv(world).totals["co2e_t"] == 4.999  # 10,000 kWh x 0.4999
    rows = [["2025-01-01", "2025-01-31", "grid_electricity", "11000", "kWh", "M1"]]
    new = run(reporting.import_activities, u["preparer"], world.F1, _csv(rows), name="m.csv", replace=True,
              reason="monthly bill").records[0]
    assert (new.series, new.version) == (first.series, 2)
    inv = _inv(world)
    # before issue 9: 0.0 t (both halves dropped out); now unchanged, and +1,000 kWh x 0.4999 pending
    assert (inv.totals["co2e_t"], inv.pending_corrections["n"], inv.pending_corrections["co2e_delta_t"]) == (
        4.999, 2, 0.4999)
    assert [(r["counted_id"], r["pending_id"], r["co2e_delta_t"]) for r in inv.pending_corrections["records"]] == [
        (first.pk, new.pk, 3.4993), (second.pk, new.pk, -2.9994)]  # 11,000 x 0.4999 − 4,000 x 0.4999; − 6,000 x 0.4999
    run(reporting.submit, u["approver"], [new])
    run(reporting.verify, u["estate"], [new])
    inv = _inv(world)
    # without the second record's stop it would count twice: 5.4989 + 2.9994 = 8.4983 t
    assert (inv.totals["co2e_t"], inv.pending_corrections) == (5.4989, {})
    assert list(ActivityRecord.objects.filter(is_counted=True).values_list("pk", flat=True)) == [new.pk]
    second.refresh_from_db()
    assert ChangeRecord.for_object(second).first().note == f"no longer counted: replaced by record {new.pk} (verified)"
