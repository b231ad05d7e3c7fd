"""Issue 9 in the platform, engine and reference data part: the GWP set a factor embeds reaches the
inventory's lines and page; upstream electricity is Scope 3 category 3 in the inventory."""
from __future__ import annotations

import pytest
from django.utils import translation

from ecotown.carbon import services
from ecotown.carbon.models import InventoryLine

from .factories import record


@pytest.fixture
def lib(db):
    services.sync_builtin_library(None)


def test_an_ar6_inventory_says_line_by_line_that_tgo_factors_are_ar5(world, lib, client):
    F1 = world.F1
    record(F1, "grid_electricity", 1000, "kWh", "2026-02-01", "2026-02-28")
    record(F1, "sf6", 0.001, "kg", "2026-03-01", "2026-03-31")
    inv = services.compute_inventory(F1, 2026)
    assert [w for w in inv.warnings if w["kind"] == "gwp_mismatch"] == []
    inv = services.set_options(world.users["approver"], inv, gwp_set="AR6")
    # before: TGO's AR5-based CO2e applied under AR6 without a word; now one warning per factor
    mism = [(w["factor_id"], w["factor_gwp_set"], w["gwp_set"]) for w in inv.warnings if w["kind"] == "gwp_mismatch"]
    assert mism == [("ET-F0001", "AR5", "AR6"), ("ET-F0002", "AR5", "AR6")]
    # applied as published (0.475 + 0.0812 t), SF6 in the chosen set (AR6 25200 x 1 g = 0.0252 t)
    assert (inv.totals["scope2_location_t"], inv.totals["scope3_t"], inv.totals["scope1_t"]) == (0.475, 0.0812, 0.0252)
    lines = {(ln.activity, ln.scope): ln for ln in InventoryLine.objects.filter(inventory=inv)}
    assert {k: (ln.factor_gwp_set, ln.gwp_set) for k, ln in lines.items()} == {
        ("grid_electricity", 2): ("AR5", "AR6"), ("grid_electricity", 3): ("AR5", "AR6"), ("sf6", 1): ("", "AR6")}
    # upstream electricity: Scope 3 category 3, ISO 14064-1 category 4 (engine's ghg.categories)
    up = lines[("grid_electricity", 3)]
    assert (up.iso_category, up.scope3_category) == (4, 3)
    assert inv.by_scope3_category == {"3": 0.0812} and inv.by_category == {"1": 0.0252, "2": 0.475, "4": 0.0812}
    client.force_login(world.users["approver"])
    with translation.override("en"):
        en = client.get(f"/carbon/inventory/{inv.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        en_lines = client.get(f"/carbon/inventory/{inv.pk}/lines/?scope=2", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    with translation.override("th"):
        th = client.get(f"/carbon/inventory/{inv.pk}/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
        th_lines = client.get(f"/carbon/inventory/{inv.pk}/lines/?scope=2", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert en.count('data-testid="gwp_mismatch"') == 2 and "ET-F0001 (grid_electricity, CO2e) is CO2e computed with AR5" in en
    assert th.count('data-testid="gwp_mismatch"') == 2 and "ที่คำนวณด้วยค่า GWP ชุด AR5 ไม่ใช่ชุด AR6" in th
    assert "factor&#x27;s CO2e uses AR5 GWPs" in en_lines or "factor's CO2e uses AR5 GWPs" in en_lines
    assert "CO2e ของค่าสัมประสิทธิ์นี้คำนวณด้วยค่า GWP ชุด AR5" in th_lines
