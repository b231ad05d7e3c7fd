"""Issue 9, "KPIs on complete, like-for-like data": each wrong number of before, and the right one.

Values are exact (Fraction) or to 1e-6. The world fixture: estate E1 with factories F1 and F2
(100 registered employees each)."""
from __future__ import annotations

import csv
import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from ecotown.assessment import kpis
from ecotown.calc import ghg, reference
from ecotown.calc import kpi as calc_kpi
from ecotown.core import history
from tests.carbon.factories import record


@pytest.fixture
def lib(world):
    from ecotown.carbon import services

    services.sync_builtin_library(None)
    return world


def _compute(*pairs):
    from ecotown.carbon import services

    for org, year in pairs:
        services.compute_inventory(org, year)


def _employees(org, counts, year=2026, state="verified"):
    from ecotown.reporting.models import EmployeeRecord

    for m, n in enumerate(counts, start=1):
        history.save(None, EmployeeRecord(organisation=org, month=dt.date(year, m, 1), employees=n, state=state,
                                          is_counted=state in ("verified", "locked")))


# ---- 1. intensity per employee: the employees of the organisations that reported ---------------------
def test_estate_intensity_divides_by_the_employees_of_the_organisations_that_reported(lib):
    """Only F1 reported in 2026 (10,000 kWh of grid electricity: 10 MWh × 0.475 t/MWh = 4.75 t
    Scope 2, imported into the estate). Before: 4.75 t / 200 employees (F1 and F2 from the registry)
    = 0.02375 t per employee. After: / F1's 100 employees = 0.0475."""
    record(lib.F1, "grid_electricity", 10000, "kWh", "2026-01-01", "2026-01-31")
    _compute((lib.F1, 2026), (lib.F2, 2026))
    v = kpis.compute("ghg.intensity_per_employee", lib.E1, 2026)
    assert v.inputs == {"ghg.scope12_location_t": 4.75, "ghg.employees": 100.0}
    assert v.value == Fraction(475, 10000)  # was 4.75 / 200 = 0.02375
    assert [n.code for n in v.notes] == ["employees_sources"]
    assert v.notes[0].en == ("Employees of the organisations whose emissions are counted (1): "
                             "0 from their monthly records, 1 from the factory registry")
    assert v.notes[0].th == ("จำนวนพนักงานขององค์กรที่นับการปล่อยก๊าซ 1 แห่ง: "
                             "จากการรายงานรายเดือน 0 แห่ง จากทะเบียนโรงงาน 1 แห่ง")
    old = calc_kpi.compute("ghg.intensity_per_employee", {"ghg.scope12_location_t": 4.75, "ghg.employees": 200})
    assert float(old.value) == pytest.approx(0.02375, abs=1e-9)  # the registry sum the KPI used before


def test_factory_intensity_uses_its_reported_employees_and_says_so(lib):
    """F1 reported 150 and 250 employees (Jan, Feb): average 200, not the registry's 100. Before:
    the inventory's 5.562 t (Scope 1 + 2 + 3: 4.75 + 0.812 upstream) / 100 = 0.05562; after: Scope 1 + 2
    (location) 4.75 t / 200 = 0.02375, the same figure as the inventory page's (selectors.intensity)."""
    from ecotown.carbon import selectors

    record(lib.F1, "grid_electricity", 10000, "kWh", "2026-01-01", "2026-01-31")
    _employees(lib.F1, [150, 250])
    _employees(lib.F2, [999], state="submitted")  # not verified: not counted
    _compute((lib.F1, 2026))
    v = kpis.compute("ghg.intensity_per_employee", lib.F1, 2026)
    assert v.inputs == {"ghg.scope12_location_t": 4.75, "ghg.employees": 200.0}
    assert v.value == Fraction(2375, 100000)
    assert [(n.code, n.en) for n in v.notes] == [
        ("employees_reported", "Employees: the average of the monthly employee records reported")]
    page = selectors.intensity(lib.F1, 2026)
    assert page["co2e_t"] == 5.562 and page["employees"] == 200.0 and page["employees_source"] == "EmployeeRecord"
    assert page["per_employee"] == pytest.approx(float(v.value), abs=1e-12)  # one definition


# ---- 2. change vs base year: like for like --------------------------------------------------------
def test_change_vs_base_year_annualises_unequal_coverage_and_says_so(lib):
    """F1 burnt 1,000 L of diesel every month it reported: 7 months of 2025, 12 of 2026 (same
    factor, 2.7078 kg CO2e/L). Before: 100 · (32.4936 − 18.9546) / 18.9546 = +71.428571 %. After,
    annualised (2025: 18.9546 × 12 / 7 = 32.4936): 0 %, with a note giving the months."""
    for m in range(1, 13):
        end = (dt.date(2026, m % 12 + 1, 1) if m < 12 else dt.date(2027, 1, 1)) - dt.timedelta(days=1)
        record(lib.F1, "diesel", 1000, "L", dt.date(2026, m, 1), end)
        if m <= 7:
            record(lib.F1, "diesel", 1000, "L", dt.date(2025, m, 1), end.replace(year=2025))
    _compute((lib.F1, 2025), (lib.F1, 2026))
    v = kpis.compute("ghg.change_vs_base_year_pct", lib.F1, 2026)
    assert v.inputs == {"ghg.scope12_location_annualised_t": 32.4936,
                        "ghg.base_year_scope12_location_annualised_t": 32.4936,
                        "ghg.base_year": 2025, "ghg.months_reported": 12, "ghg.base_year_months_reported": 7}
    assert v.value == 0
    old = calc_kpi.compute("ghg.change_vs_base_year_pct", {"ghg.scope12_location_annualised_t": 32.4936,
                                                          "ghg.base_year_scope12_location_annualised_t": 18.9546})
    assert float(old.value) == pytest.approx(71.428571, abs=1e-6)  # the unequal comparison of before
    assert [n.code for n in v.notes] == ["annualised"]
    assert v.notes[0].en == ("Annualised (× 12 / months reported, per organisation) because the months reported "
                             "differ from a full year — 2026: 12 of 12 months reported; 2025: 7 of 12 months reported")
    assert v.notes[0].th.endswith("ปี 2569: รายงาน 12 จาก 12 เดือน; ปี 2568: รายงาน 7 จาก 12 เดือน")


def test_full_years_are_compared_as_they_are_without_a_note(lib):
    record(lib.F1, "diesel", 12000, "L", "2025-01-01", "2025-12-31")
    record(lib.F1, "diesel", 9000, "L", "2026-01-01", "2026-12-31")
    _compute((lib.F1, 2025), (lib.F1, 2026))
    v = kpis.compute("ghg.change_vs_base_year_pct", lib.F1, 2026)
    assert v.value == -25 and v.notes == ()
    assert (v.inputs["ghg.months_reported"], v.inputs["ghg.base_year_months_reported"]) == (12, 12)


def test_annualise_is_per_part_and_pure():
    assert calc_kpi.annualise([(70.0, 7), (120.0, 12), (5.0, 0)]) == (240.0, True)
    assert calc_kpi.annualise([(120.0, 12)]) == (120.0, False)
    assert calc_kpi.annualise([]) == (None, False)
    with pytest.raises(ValueError):
        calc_kpi.annualise([(1.0, 13)])


# ---- 3. renewable share: fuels by mass or volume converted to energy (NCV) -------------------------
def test_energy_of_uses_the_engines_density_and_heating_value_chain():
    assert ghg.energy_of("grid_electricity", 1000, "kWh") == pytest.approx(1.0, abs=1e-12)
    assert ghg.energy_of("lpg", 1000, "kg") == pytest.approx(47.3 / 3.6, abs=1e-9)    # 47.3 TJ/Gg NCV
    assert ghg.energy_of("wood", 1000, "kg") == pytest.approx(15.6 / 3.6, abs=1e-9)   # 15.6 TJ/Gg NCV
    assert ghg.energy_of("diesel", 1000, "L") == pytest.approx(0.830565 * 43.0 / 3.6, abs=1e-9)  # density, NCV
    assert ghg.energy_of("bagasse", 1000, "kg") is None   # no sourced heating value in conversions.csv
    assert ghg.energy_of("biogas", 100, "m3") is None
    gcv_only = [ghg.Conversion(2, "c.csv", "lpg", "heating_value", 50.0, "MJ/kg", "gcv")]
    assert ghg.energy_of("lpg", 1000, "kg", conversions=gcv_only) is None  # a GCV never meets the NCV basis


def test_renewable_share_counts_fuels_by_mass_and_volume_and_lists_what_it_left_out(lib):
    """F1 in 2026: 10 MWh of grid electricity, 1,000 L diesel, 1,000 kg LPG, 1,000 kg wood,
    1,000 kg bagasse, 100 m3 biogas. Before: only rows in energy units counted: 0 / 10 MWh = 0 %.
    After: wood 4.333333 MWh renewable of 10 + 9.920638 + 13.138889 + 4.333333 = 37.392860 MWh
    = 11.588665 %; bagasse and biogas (no heating value) are left out and listed."""
    record(lib.F1, "grid_electricity", 10, "MWh", "2026-01-01", "2026-01-31")
    record(lib.F1, "diesel", 1000, "L", "2026-02-01", "2026-02-28")
    record(lib.F1, "lpg", 1000, "kg", "2026-02-01", "2026-02-28")
    record(lib.F1, "wood", 1000, "kg", "2026-03-01", "2026-03-31")
    record(lib.F1, "bagasse", 1000, "kg", "2026-03-01", "2026-03-31")
    record(lib.F1, "biogas", 100, "m3", "2026-04-01", "2026-04-30")
    record(lib.F1, "water", 100, "m3", "2026-04-01", "2026-04-30")  # not energy: not in the KPI at all
    v = kpis.compute("energy.renewable_share_pct", lib.F1, 2026)
    total = 10 + 0.830565 * 43.0 / 3.6 + 47.3 / 3.6 + 15.6 / 3.6
    assert float(v.inputs["reporting.renewable_energy_mwh"]) == pytest.approx(15.6 / 3.6, abs=1e-9)
    assert float(v.inputs["reporting.energy_mwh"]) == pytest.approx(total, abs=1e-9)
    assert float(v.value) == pytest.approx(11.588665, abs=1e-6)  # was 0 %
    assert [(n.code, n.en) for n in v.notes] == [
        ("not_convertible", "Left out (no heating value to convert them to energy): bagasse (kg): 1, biogas (m3): 1 records")]
    assert v.notes[0].th == "ไม่ได้นับรวม (ไม่มีค่าความร้อนสำหรับแปลงเป็นพลังงาน): bagasse (kg): 1, biogas (m3): 1 รายการ"
    assert v.to_json_dict()["notes"][0]["code"] == "not_convertible"


def _catalogue_unknown(codes) -> set[str]:
    return set(codes) - set(ghg.activity_catalogue())


def test_every_activity_code_used_is_in_the_catalogue_and_an_unknown_one_fails():
    assert _catalogue_unknown({"solar_pv", "wood"}) == {"solar_pv"}  # the check catches an unknown code
    used = set(ghg.renewable_activities())
    for name in ("conversions",):
        used |= {r["activity"] for r in csv.DictReader(reference.text(name).splitlines())}
    used |= {f.activity for f in ghg.load_factors()}
    from ecotown.reporting import demo

    used |= {a for a, _u, _q in demo.PROFILE}
    assert _catalogue_unknown(used) == set()
    # every renewable code is an energy carrier; those without a sourced heating value are known
    cat = ghg.activity_catalogue()
    not_convertible = {c for c in ghg.renewable_activities()
                       if ghg.energy_of(c, 1, cat[c]["default_unit"]) is None}
    assert not_convertible == {"bagasse", "palm_kernel_shell", "biogas"}


# ---- 4. one boundary for factories and estates -----------------------------------------------------
def test_scope12_location_means_the_same_for_a_factory_and_an_estate(lib):
    """F1: 10,000 kWh of grid electricity → Scope 2 location 4.75 t + Scope 3 upstream 0.812 t.
    Before, `ghg.total_t` of F1 was 5.562 t (with Scope 3) while E1's was 4.75 t (no Scope 3), for
    the same single factory's data. After, `ghg.scope12_location_t` is 4.75 t for both; the
    Scope-3-inclusive figure is `ghg.scope123_location_t`, for organisations only."""
    record(lib.F1, "grid_electricity", 10000, "kWh", "2026-01-01", "2026-01-31")
    _compute((lib.F1, 2026))
    f, e = (kpis.compute("ghg.scope12_location_t", o, 2026) for o in (lib.F1, lib.E1))
    assert (f.value, e.value) == (Fraction(475, 100), Fraction(475, 100))  # F1 was 5.562
    assert kpis.compute("ghg.scope123_location_t", lib.F1, 2026).value == Fraction(5562, 1000)
    assert kpis.compute("ghg.scope123_location_t", lib.E1, 2026).value is None
    d = calc_kpi.definition("ghg.scope12_location_t")
    assert d.name.en == "GHG emissions, Scope 1 + Scope 2 (location-based)"
    assert d.name.th == "ปริมาณก๊าซเรือนกระจก ขอบเขต 1 + ขอบเขต 2 (แบบอิงสถานที่)"


def test_a_framework_version_published_with_the_old_id_still_computes_and_says_it_was_renamed(lib):
    record(lib.F1, "grid_electricity", 10000, "kWh", "2026-01-01", "2026-01-31")
    _compute((lib.F1, 2026))
    assert "ghg.total_t" not in calc_kpi.library() and calc_kpi.resolve("ghg.total_t") == "ghg.scope12_location_t"
    many = kpis.compute_many(["ghg.total_t"], lib.E1, 2026)
    v = many["ghg.total_t"]
    assert v.kpi == "ghg.scope12_location_t" and v.value == Fraction(475, 100)
    assert [(n.code, n.en) for n in v.notes] == [
        ("renamed", "ghg.total_t is now ghg.scope12_location_t: GHG emissions, Scope 1 + Scope 2 (location-based)")]


def test_the_shipped_frameworks_bind_the_new_id():
    from ecotown.calc.framework import load_framework, shipped_frameworks

    ieat = load_framework(shipped_frameworks()["ieat-eit"])
    assert ieat.version == "2026.2-illustrative"
    metrics = {ind.id: ind.metric for _, ind in ieat.indicators() if ind.metric}
    assert metrics["ENV-GHG-TOTAL"] == "ghg.scope12_location_t"
    assert all(calc_kpi.resolve(m) == m for m in metrics.values())  # no old id in a shipped file


def test_kpi_notes_show_on_the_assessment_page(lib, frameworks, client):
    """The annualisation note is stored with the indicator's source and shown on the page."""
    from ecotown.assessment import services

    record(lib.F1, "diesel", 1000, "L", "2025-01-01", "2025-01-31")
    record(lib.F1, "diesel", 1000, "L", "2026-01-01", "2026-01-31")
    record(lib.F1, "diesel", 1000, "L", "2026-02-01", "2026-02-28")
    _compute((lib.F1, 2025), (lib.F1, 2026), (lib.F2, 2026))
    user = lib.users["estate"]
    a = services.start_assessment(user, lib.E1, frameworks["ieat-eit"], 2026)
    src = a.sources["ENV-GHG-CHANGE"]
    assert [n["code"] for n in src["notes"]] == ["annualised"]
    client.force_login(user)
    html = client.get(f"/assessment/{a.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Annualised (× 12 / months reported, per organisation)" in html
    assert Decimal(str(src["inputs"]["ghg.months_reported"])) == 2
