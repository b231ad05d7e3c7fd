"""KPI inputs come from providers the apps register (ecotown.core.inputs); the KPI file names them.

The values below were computed by the gatherer before it became a loop over declared inputs (the
if-chain with import guards) on the same data, and must not change."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from fractions import Fraction

import pytest

from ecotown.assessment import kpis
from ecotown.calc import ghg
from ecotown.calc import kpi as calc_kpi
from ecotown.core import inputs
from tests.carbon.factories import record


def test_every_input_a_computed_kpi_names_is_provided_by_an_app():
    missing = {k: [n for n in d.names if n not in inputs.names()] for k, d in calc_kpi.library().items() if d.computed}
    assert {k: v for k, v in missing.items() if v} == {}


def test_the_providers_live_in_the_app_that_stores_the_data():
    assert inputs.provided_by("registry.employees") == "ecotown.registry.kpi_inputs.employees"
    assert inputs.provided_by("ghg.total_co2e_t") == "ecotown.carbon.kpi_inputs.total_co2e_t"
    assert inputs.provided_by("reporting.energy_mwh") == "ecotown.reporting.kpi_inputs.energy_mwh"
    assert sorted(inputs.names()) == [
        "ghg.base_year", "ghg.base_year_co2e_t", "ghg.total_co2e_t",
        "registry.area_green_rai", "registry.area_industrial_rai", "registry.area_total_rai",
        "registry.area_utilities_rai", "registry.employees", "registry.factories", "registry.factories_in_ghg_network",
        "reporting.energy_mwh", "reporting.factories_expected", "reporting.factories_on_time",
        "reporting.renewable_energy_mwh"]


def test_an_input_no_app_provides_is_an_error_not_a_silent_none(world):
    with pytest.raises(KeyError) as exc:
        inputs.gather(["circular.water_reused_m3"], world.F1, 2026)
    assert exc.value.args[0] == "no app provides the input 'circular.water_reused_m3' (see ecotown.core.inputs)"


def test_a_name_is_provided_once():
    with pytest.raises(ValueError) as exc:
        @inputs.provider("registry.employees")
        def other(q):
            return 1
    assert str(exc.value) == ("input 'registry.employees' is provided twice: ecotown.registry.kpi_inputs.employees "
                              "and tests.assessment.test_kpi_inputs.test_a_name_is_provided_once.<locals>.other")
    assert inputs.provided_by("registry.employees") == "ecotown.registry.kpi_inputs.employees"


def test_renewable_codes_are_a_column_of_the_activity_catalogue():
    cat = ghg.activity_catalogue()
    assert {c: r["renewable"] for c, r in cat.items() if r["renewable"]} == {
        "grid_electricity_certified": True, "wood": True, "bagasse": True, "palm_kernel_shell": True, "biogas": True}
    assert ghg.renewable_activities() == frozenset(
        {"grid_electricity_certified", "wood", "bagasse", "palm_kernel_shell", "biogas"})
    assert cat["grid_electricity"]["renewable"] is False
    assert all(isinstance(r["renewable"], bool) for r in cat.values())


@pytest.fixture
def stored(world):
    from ecotown.carbon import services

    services.sync_builtin_library(None)
    F1, F2 = world.F1, world.F2
    record(F1, "diesel", 1000, "L", "2025-02-01", "2025-02-28")
    record(F1, "diesel", 1500, "L", "2026-02-01", "2026-02-28")
    record(F1, "grid_electricity", 10000, "kWh", "2026-01-01", "2026-01-31")
    record(F1, "grid_electricity_certified", 2000, "kWh", "2026-03-01", "2026-03-31")
    record(F1, "wood", 500, "kg", "2026-04-01", "2026-04-30")  # renewable, but by mass: not in the energy KPI
    record(F1, "steam", 10, "GJ", "2026-05-01", "2026-05-31")
    record(F2, "natural_gas", 36000, "MJ", "2026-06-01", "2026-06-30", state="locked")
    record(F2, "grid_electricity", 5, "MWh", "2026-07-01", "2026-07-31", state="submitted")  # not verified
    record(F1, "grid_electricity", 1, "kWh", "2026-01-01", "2026-12-31", state="submitted",
           submitted_at=dt.datetime(2026, 1, 5, tzinfo=dt.timezone.utc))  # F1 reported every month on time
    for org, year in ((F1, 2025), (F1, 2026), (F2, 2026)):
        services.compute_inventory(org, year)
    return world


def _values(org):
    return {k: kpis.compute(k, org, 2026) for k in calc_kpi.library()}


def test_kpi_values_of_a_factory_are_unchanged(stored):
    v = _values(stored.F1)
    assert v["ghg.total_t"].value == Fraction(105889, 10000)
    assert v["ghg.total_t"].inputs == {"ghg.total_co2e_t": 10.5889}
    assert v["ghg.intensity_per_employee"].value == Fraction(105889, 1000000)
    assert v["ghg.intensity_per_employee"].inputs == {"ghg.total_co2e_t": 10.5889, "registry.employees": 100}
    assert v["ghg.change_vs_base_year_pct"].value == Fraction(3940550, 13539)
    assert v["ghg.change_vs_base_year_pct"].inputs == {"ghg.total_co2e_t": 10.5889, "ghg.base_year_co2e_t": 2.7078,
                                                       "ghg.base_year": 2025}
    assert v["energy.renewable_share_pct"].value == Fraction(100000000000000000, 7388888888888889)
    assert v["energy.renewable_share_pct"].inputs == {
        "reporting.renewable_energy_mwh": Decimal("2.000000000"),
        "reporting.energy_mwh": Decimal("14.7777777777777780000000")}
    for k in ("land.green_area_share_pct", "land.industrial_area_share_pct", "land.utilities_area_share_pct",
              "reporting.on_time_share_pct", "network.ghg_reduction_member_share_pct", "water.reuse_share_pct"):
        assert v[k].value is None, k
    assert v["land.green_area_share_pct"].inputs == {"registry.area_green_rai": None, "registry.area_total_rai": None}
    assert v["reporting.on_time_share_pct"].missing == ("reporting.factories_on_time", "reporting.factories_expected")
    assert v["water.reuse_share_pct"].inputs == {"circular.water_reused_m3": None, "circular.water_used_m3": None}
    w = _values(stored.F2)
    assert w["ghg.total_t"].value == Fraction(2529, 1250)
    assert w["ghg.change_vs_base_year_pct"].value is None
    assert w["ghg.change_vs_base_year_pct"].inputs == {"ghg.total_co2e_t": 2.0232, "ghg.base_year_co2e_t": None,
                                                       "ghg.base_year": None}
    assert w["energy.renewable_share_pct"].value == 0  # energy reported, none of it renewable: a real zero
    assert w["energy.renewable_share_pct"].inputs["reporting.energy_mwh"] == Decimal("10.0000000000000008000000000")


def test_kpi_values_of_an_estate_are_unchanged(stored):
    v = _values(stored.E1)
    got = {k: x.value for k, x in v.items()}
    assert got == {
        "ghg.total_t": Fraction(118001, 10000), "ghg.intensity_per_employee": Fraction(118001, 2000000),
        "ghg.change_vs_base_year_pct": Fraction(4546150, 13539),
        "energy.renewable_share_pct": Fraction(500000000000000000, 61944444444444447),
        "land.green_area_share_pct": 10, "land.industrial_area_share_pct": None, "land.utilities_area_share_pct": None,
        "reporting.on_time_share_pct": 50, "network.ghg_reduction_member_share_pct": 0, "water.reuse_share_pct": None}
    assert v["ghg.intensity_per_employee"].inputs == {"ghg.total_co2e_t": 11.8001, "registry.employees": 200}
    assert v["ghg.change_vs_base_year_pct"].inputs == {"ghg.total_co2e_t": 11.8001, "ghg.base_year_co2e_t": 2.7078,
                                                       "ghg.base_year": 2025}
    assert v["reporting.on_time_share_pct"].inputs == {"reporting.factories_on_time": 1,
                                                       "reporting.factories_expected": 2}
    assert v["land.industrial_area_share_pct"].inputs == {"registry.area_industrial_rai": None,
                                                          "registry.area_total_rai": Decimal("1000.00")}


def test_no_data_gives_no_value_never_zero(stored):
    v = _values(stored.F3)  # no records, no inventory; 100 registered employees
    assert {k for k, x in v.items() if x.value is not None} == set()
    assert v["ghg.intensity_per_employee"].inputs == {"ghg.total_co2e_t": None, "registry.employees": 100}
    assert v["ghg.intensity_per_employee"].missing == ("ghg.total_co2e_t",)
    assert v["energy.renewable_share_pct"].inputs == {"reporting.renewable_energy_mwh": None,
                                                      "reporting.energy_mwh": None}


def test_shared_inputs_are_read_once_per_organisation_and_year(stored, django_assert_num_queries):
    ids = list(calc_kpi.library())
    with django_assert_num_queries(13):
        many = kpis.compute_many(ids, stored.E1, 2026)
    assert {k: x.value for k, x in many.items()} == {k: x.value for k, x in _values(stored.E1).items()}
