"""Issue 9: a supplier-specific factor replaces only library rows of the same key (activity, gas,
scope, basis); location-based Scope 2 always uses the grid average."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ecotown.carbon import library, services
from ecotown.carbon.models import Factor, FactorSet

from .factories import record

MARKET = ("activity,gas,value,unit,scope,basis,source\n"
          "grid_electricity,CO2e,0.1,kg/kWh,2,market,Green tariff (synthetic)\n")


@pytest.fixture
def lib(db):
    services.sync_builtin_library(None)


def test_a_market_factor_keeps_location_scope2_and_the_upstream_row(world, lib):
    """10,000 kWh in May 2026 with a supplier's market factor of 0.1 kg/kWh.

    Wrong (before): the own set replaced every grid_electricity row, so location-based Scope 2 was
    0 t, the Scope 3 upstream row (ET-F0002, 0.0812 kg/kWh) was dropped (Scope 3 0 t) and the total
    was 0 t. Right: location 10,000 x 0.475 = 4.75 t (the grid average), Scope 3 cat. 3
    10,000 x 0.0812 = 0.812 t, market-based = the supplier's 10,000 x 0.1 = 1.0 t."""
    fs = services.upload_factor_set(world.users["approver"], data=MARKET.encode(), file_name="green.csv",
                                    name="Green tariff", source="Supplier (synthetic)", edition="2026",
                                    status="supplier", organisation=world.F1)
    record(world.F1, "grid_electricity", 10000, "kWh", "2026-05-01", "2026-05-31")
    inv = services.compute_inventory(world.F1, 2026)
    t = inv.totals
    assert (t["scope2_location_t"], t["scope2_market_t"], t["scope3_t"], t["co2e_t"]) == (4.75, 1.0, 0.812, 5.562)
    assert inv.by_scope3_category == {"3": 0.812}
    codes = sorted((s, b, c, round(v, 6)) for s, b, c, v in inv.lines.values_list("scope", "basis", "factor_code", "co2e_t"))
    assert codes == [(2, "location", "ET-F0001", 4.75), (2, "market", f"FS{fs.pk}-2", 1.0),
                     (3, "location", "ET-F0002", 0.812)]
    # another factory keeps the library only
    f2 = sorted((f.scope, f.basis, f.value) for f in library.factors_for(world.F2.pk)[0] if f.activity == "grid_electricity")
    assert f2 == [(2, "location", 0.475), (2, "location", 0.4999), (2, "location", 0.5812), (3, "location", 0.0812)]


def test_own_per_gas_rows_replace_the_library_co2e_row_of_that_part(world, lib):
    """An own per-gas set for diesel (CO2, CH4, N2O per litre, synthetic) and the library's CO2e row
    (TGO 2.7078 kg CO2e/L) stand for the same emissions. Wrong (keying on the gas alone): both
    applied, 1,000 L counted 2.7078 t + 2.6 + 0.1 x 28/1000 + 0.02 x 265/1000 t = 5.3164 t. Right:
    the per-gas rows replace the CO2e row: 2.6 + 0.0028 + 0.0053 = 2.6081 t."""
    data = ("activity,gas,value,unit,scope,source\n"
            "diesel,CO2,2.6,kg/L,1,Supplier lab (synthetic)\n"
            "diesel,CH4,0.1,g/L,1,Supplier lab (synthetic)\n"
            "diesel,N2O,0.02,g/L,1,Supplier lab (synthetic)\n").encode()
    services.upload_factor_set(world.users["approver"], data=data, file_name="diesel.csv", name="Diesel lab",
                               source="Supplier lab", edition="2025", status="supplier", organisation=world.F1)
    record(world.F1, "diesel", 1000, "L", "2025-05-01", "2025-05-31")
    inv = services.compute_inventory(world.F1, 2025)
    assert inv.totals["scope1_t"] == 2.6081
    assert sorted(inv.lines.values_list("gas", flat=True)) == ["CH4", "CO2", "N2O"]


def test_own_location_scope2_row_is_refused_naming_the_line(world, lib):
    before = (FactorSet.objects.count(), Factor.objects.count())
    data = ("activity,gas,value,unit,scope,source\n"
            "diesel,CO2e,2.6,kg/L,1,Supplier\n"
            "grid_electricity,CO2e,0.41,kg/kWh,2,Supplier PPA\n").encode()
    with pytest.raises(ValidationError) as exc:
        services.upload_factor_set(world.users["approver"], data=data, file_name="ppa.csv", name="PPA",
                                   source="Supplier", edition="2025", organisation=world.F1)
    assert exc.value.message_dict == {"file": [
        "line 3: grid_electricity is a location-based Scope 2 factor; location-based Scope 2 always uses the "
        "grid average of the library: declare the supplier's factor with basis “market”"]}
    from django.utils import translation

    with translation.override("th"):
        with pytest.raises(ValidationError) as exc:
            services.upload_factor_set(world.users["approver"], data=data, file_name="ppa.csv", name="PPA",
                                       source="Supplier", edition="2025", organisation=world.F1)
        assert exc.value.message_dict == {"file": [
            "บรรทัดที่ 3: grid_electricity เป็นค่าสัมประสิทธิ์ขอบเขตที่ 2 แบบอิงสถานที่ (location-based) "
            "ซึ่งต้องใช้ค่าเฉลี่ยของระบบสายส่งจากคลังค่าสัมประสิทธิ์เสมอ กรุณาระบุค่าสัมประสิทธิ์ของผู้จำหน่ายโดยกำหนด basis "
            "เป็น “market”"]}
    assert (FactorSet.objects.count(), Factor.objects.count()) == before


def test_demo_factory_b_has_a_green_tariff_and_keeps_the_grid_average(db):
    """The demo's supplier-specific set (synthetic, status `supplier`): factory-b's market-based
    Scope 2 uses 0.12 kg/kWh, its location-based Scope 2 is its kWh x the grid average."""
    from ecotown.carbon.models import Inventory, InventoryLine
    from ecotown.core import demo

    demo.load(factories=4)
    fs = FactorSet.objects.get(kind="supplier")
    assert (fs.status, fs.factors.get().basis, fs.factors.get().value) == ("supplier", "market", 0.12)
    b = fs.organisation
    inv = Inventory.objects.filter(organisation=b).order_by("-year").first()
    grid = InventoryLine.objects.filter(inventory=inv, activity="grid_electricity", source_kind="activities")
    loc = grid.filter(scope=2, basis="location")
    mkt = grid.filter(scope=2, basis="market")
    assert loc.count() > 0 and mkt.count() == loc.count()
    assert {ln.factor_code for ln in loc} <= {"ET-F0001", "ET-F0003", "ET-F0004"}  # the grid average
    assert {ln.factor_code for ln in mkt} == {f"FS{fs.pk}-2"}
    kwh = sum(ln.quantity * ln.period_share for ln in mkt)
    assert abs(sum(ln.co2e_t for ln in mkt) - kwh * 0.12 / 1000) < 1e-6
    assert inv.totals["scope2_location_t"] > inv.totals["scope2_market_t"] > 0
