"""Inventories from verified records: numbers worked by hand, provenance, options, final → restated."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404

from ecotown.carbon import selectors, services
from ecotown.carbon.models import Inventory, InventoryLine
from ecotown.core import recompute

from .factories import record, revise


@pytest.fixture
def lib(db):
    services.sync_builtin_library(None)


def test_verified_year_becomes_an_inventory_with_provenance(world, lib):
    F1 = world.F1
    record(F1, "grid_electricity", 6200, "kWh", "2025-12-01", "2026-01-31")  # spans 2025/2026 and two editions
    record(F1, "diesel", 1000, "L", "2026-02-01", "2026-02-28")
    record(F1, "lpg", 500, "kg", "2026-03-01", "2026-03-31", state="submitted")  # not verified: not used
    record(F1, "refrigerant_r410a", 2, "kg", "2026-04-01", "2026-04-30", state="locked")
    inv = services.compute_inventory(F1, 2026)
    # grid: Jan 2026 part = 3100 kWh x 0.475 = 1472.5 kg (Scope 2) + 3100 x 0.0812 = 251.72 kg (Scope 3)
    # diesel: 1000 L x 2.7078 = 2707.8 kg (ET-F0013, from 2022-04-01)
    # R-410A: 2 kg = 1 kg HFC-32 x 677 + 1 kg HFC-125 x 3170 (AR5) = 3847 kg
    assert inv.totals == {"co2e_t": 8.27902, "scope1_t": 6.5548, "scope2_location_t": 1.4725, "scope2_market_t": None,
                          "scope3_t": 0.25172, "biogenic_co2_t": 0.0}
    assert inv.n_records == 3 and inv.status == "draft" and inv.gwp_set == "AR5" and inv.error == ""
    assert inv.by_category == {"1": 6.5548, "2": 1.4725, "4": 0.25172}
    assert inv.by_scope3_category == {"3": 0.25172}
    assert inv.by_gas["HFC-125"] == {"mass_t": 0.001, "co2e_t": 3.17}
    lines = list(InventoryLine.objects.filter(inventory=inv).order_by("activity", "gas", "scope"))
    assert [(ln.activity, ln.gas, ln.scope, ln.factor_code, round(ln.co2e_t, 6)) for ln in lines] == [
        ("diesel", "CO2e", 1, "ET-F0013", 2.7078),
        ("grid_electricity", "CO2e", 2, "ET-F0001", 1.4725),
        ("grid_electricity", "CO2e", 3, "ET-F0002", 0.25172),
        ("refrigerant_r410a", "HFC-125", 1, "ET-F0040", 3.17),
        ("refrigerant_r410a", "HFC-32", 1, "ET-F0040", 0.677),
    ]
    grid = lines[1]
    assert (grid.factor.factor_id, grid.factor_status, grid.period_share, str(grid.period_start), grid.quantity) == (
        "ET-F0001", "secondary_verify", 1.0, "2025-12-01", 6200.0)  # the record as stored; its 2026 part is computed
    # issue 9: TGO 2026 grid factor (a news article only) is secondary_verify, was official
    assert lines[0].factor_status == "secondary_verify"
    assert {ln.gwp_set for ln in lines} == {"AR5"}
    assert selectors.organisation_inventory(F1, 2026) == inv
    assert selectors.organisation_inventory(F1, 2025) is None
    # months: Jan has grid, Feb diesel, Apr refrigerant
    m = {r["month"]: r["co2e_t"] for r in selectors.months(F1, 2026)}
    assert (m[1], m[2], m[3], m[4]) == (1.72422, 2.7078, 0.0, 3.847)


def test_previous_edition_and_gwp_set_are_options_of_the_inventory(world, lib):
    F1 = world.F1
    record(F1, "grid_electricity", 1000, "kWh", "2026-01-01", "2026-01-31")
    record(F1, "refrigerant_r32", 1, "kg", "2026-02-01", "2026-02-28")
    inv = services.compute_inventory(F1, 2026)
    assert inv.totals["scope2_location_t"] == 0.475 and inv.totals["scope1_t"] == 0.677
    inv = services.set_options(world.users["approver"], inv, gwp_set="AR4", previous_edition=True)
    # TGO transition: January ends by 31 March 2026 -> previous edition 0.4999; R-32 AR4 GWP 675
    assert inv.previous_edition is True and inv.gwp_set == "AR4"
    assert inv.totals["scope2_location_t"] == 0.4999 and inv.totals["scope1_t"] == 0.675
    assert InventoryLine.objects.get(inventory=inv, activity="grid_electricity", scope=2).factor_code == "ET-F0003"
    with pytest.raises(ValidationError) as exc:
        services.set_options(world.users["approver"], inv, gwp_set="AR9")
    assert exc.value.message_dict == {"gwp_set": ["Choose AR4, AR5 or AR6."]}
    with pytest.raises(PermissionDenied):
        services.set_options(world.users["preparer"], inv, gwp_set="AR6")
    inv.refresh_from_db()
    assert inv.gwp_set == "AR4"


def test_changing_a_locked_record_restates_the_final_inventory(world, lib, django_capture_on_commit_callbacks):
    F1 = world.F1
    rec = record(F1, "diesel", 1000, "L", "2026-02-01", "2026-02-28", state="locked")
    inv = services.compute_inventory(F1, 2026)
    inv = services.finalise(world.users["approver"], inv)
    assert (inv.status, inv.final_totals["co2e_t"]) == ("final", 2.7078)
    with pytest.raises(ValidationError):
        services.finalise(world.users["approver"], inv)  # already final
    # reporting revises the locked record and tells results
    with django_capture_on_commit_callbacks(execute=True):
        revise(rec, 1500)
        recompute.records_changed("activities", [F1.pk], [2026], reason="locked record corrected", restated=True)
    inv.refresh_from_db()
    assert inv.status == "restated" and inv.totals["co2e_t"] == 4.0617  # 1500 x 2.7078
    assert inv.final_totals["co2e_t"] == 2.7078 and inv.restated_reason == "locked record corrected"
    assert InventoryLine.objects.filter(inventory=inv).count() == 1


def test_draft_inventory_stays_draft_and_only_affected_orgs_recompute(world, lib, django_capture_on_commit_callbacks):
    record(world.F1, "diesel", 100, "L", "2026-02-01", "2026-02-28")
    record(world.F2, "diesel", 200, "L", "2026-02-01", "2026-02-28")
    with django_capture_on_commit_callbacks(execute=True):
        recompute.records_changed("activities", [world.F1.pk], [2026], reason="verified")
    assert list(Inventory.objects.values_list("organisation_id", "status")) == [(world.F1.pk, "draft")]
    with django_capture_on_commit_callbacks(execute=True):
        recompute.records_changed("activities", [world.F1.pk], [2026], reason="again", restated=True)
    assert Inventory.objects.get(organisation=world.F1).status == "draft"


def test_finalise_rules(world, lib):
    record(world.F1, "diesel", 100, "L", "2026-02-01", "2026-02-28")
    inv = services.compute_inventory(world.F1, 2026)
    for who in ("preparer", "estate"):  # see it, may not make it final
        with pytest.raises(PermissionDenied):
            services.finalise(world.users[who], inv)
    with pytest.raises(Http404):  # the auditor's assignment is for F3
        services.finalise(world.users["auditor"], inv)
    inv.refresh_from_db()
    assert inv.status == "draft" and inv.finalised_at is None
    assert services.finalise(world.users["officer"], inv).status == "final"


def test_bad_record_is_reported_not_half_computed(world, lib):
    record(world.F1, "diesel", 100, "kWh", "2026-02-01", "2026-02-28")  # diesel in kWh: no factor path
    inv = services.compute_inventory(world.F1, 2026)
    assert "kWh" in inv.error and inv.totals == {} and InventoryLine.objects.count() == 0
    with pytest.raises(ValidationError):
        services.finalise(world.users["approver"], inv)


def test_activity_without_factor_is_excluded_and_disclosed(world, lib):
    record(world.F1, "water", 100, "m3", "2026-02-01", "2026-02-28")  # in the catalogue, no factor in the library
    record(world.F1, "diesel", 100, "L", "2026-02-01", "2026-02-28")
    inv = services.compute_inventory(world.F1, 2026)
    assert inv.error == "" and inv.totals["co2e_t"] == 0.27078 and inv.n_records == 1
    w = [x for x in inv.warnings if x["kind"] == "no_factor"]
    assert w == [{"kind": "no_factor", "activity": "water", "records": 1,
                  "message_en": "no emission factor for 'water' in the library: 1 records not included (disclosed exclusion)",
                  "message_th": "ไม่มีค่าสัมประสิทธิ์สำหรับ 'water' ในคลังข้อมูล: ไม่ได้รวม 1 รายการ (แจ้งการไม่นับรวม)"}]
    assert selectors.months(world.F1, 2026)[1]["co2e_t"] == 0.27078
