"""KPI inputs come from providers the apps register (ecotown.core.inputs); the KPI file names them.

The values below were computed by the gatherer before it became a loop over declared inputs (the
if-chain with import guards) on the same data; issue 9 changed the GHG and energy ones on purpose
(each change states the value of before: tests/assessment/test_kpi_like_for_like.py has one test per
point)."""
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
    assert inputs.provided_by("ghg.scope12_location_t") == "ecotown.carbon.kpi_inputs.scope12_location_t"
    assert inputs.provided_by("ghg.employees") == "ecotown.carbon.kpi_inputs.employees"
    assert inputs.provided_by("reporting.energy_mwh") == "ecotown.reporting.kpi_inputs.energy_mwh"
    assert sorted(inputs.names()) == [
        "ghg.base_year", "ghg.base_year_months_reported", "ghg.base_year_scope12_location_annualised_t",
        "ghg.employees", "ghg.months_reported", "ghg.scope123_location_t", "ghg.scope12_location_annualised_t",
        "ghg.scope12_location_t",
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
    record(F1, "wood", 500, "kg", "2026-04-01", "2026-04-30")  # renewable, by mass: 2.166667 MWh at its NCV
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


def test_kpi_values_of_a_factory(stored):
    v = _values(stored.F1)
    # was ghg.total_t = 10.5889 (with Scope 3 upstream electricity 0.812): Scope 1 + 2 (location) now
    assert v["ghg.scope12_location_t"].value == Fraction(97769, 10000)
    assert v["ghg.scope12_location_t"].inputs == {"ghg.scope12_location_t": 9.7769}
    assert v["ghg.scope123_location_t"].value == Fraction(105889, 10000)
    # was 10.5889 / 100 = 0.105889
    assert v["ghg.intensity_per_employee"].value == Fraction(97769, 1000000)
    assert v["ghg.intensity_per_employee"].inputs == {"ghg.scope12_location_t": 9.7769, "ghg.employees": 100.0}
    # was +291.046606 % (3940550/13539): 5 months of 2026 against 1 month of 2025; annualised now
    assert v["ghg.change_vs_base_year_pct"].value == Fraction(-376210, 13539)
    assert v["ghg.change_vs_base_year_pct"].inputs == {
        "ghg.scope12_location_annualised_t": 23.46456, "ghg.base_year_scope12_location_annualised_t": 32.4936,
        "ghg.base_year": 2025, "ghg.months_reported": 5, "ghg.base_year_months_reported": 1}
    assert [n.code for n in v["ghg.change_vs_base_year_pct"].notes] == ["annualised"]
    # was 13.533835 % (2 of 14.777778 MWh): the wood (2.166667 MWh) and diesel (14.880972 MWh) were left out
    assert v["energy.renewable_share_pct"].value == Fraction(833333333333333300, 63650801388888901)
    assert v["energy.renewable_share_pct"].inputs == {
        "reporting.renewable_energy_mwh": Decimal("4.166666666666666500000000"),
        "reporting.energy_mwh": Decimal("31.825400694444450500000000")}
    assert v["energy.renewable_share_pct"].notes == ()
    for k in ("land.green_area_share_pct", "land.industrial_area_share_pct", "land.utilities_area_share_pct",
              "reporting.on_time_share_pct", "network.ghg_reduction_member_share_pct", "water.reuse_share_pct"):
        assert v[k].value is None, k
    assert v["land.green_area_share_pct"].inputs == {"registry.area_green_rai": None, "registry.area_total_rai": None}
    assert v["reporting.on_time_share_pct"].missing == ("reporting.factories_on_time", "reporting.factories_expected")
    assert v["water.reuse_share_pct"].inputs == {"circular.water_reused_m3": None, "circular.water_used_m3": None}
    w = _values(stored.F2)
    assert w["ghg.scope12_location_t"].value == Fraction(906171, 500000)  # was 2529/1250 = 2.0232 (TGO CO2e natural gas)
    assert w["ghg.change_vs_base_year_pct"].value is None
    assert w["ghg.change_vs_base_year_pct"].inputs == {
        "ghg.scope12_location_annualised_t": 21.748104, "ghg.base_year_scope12_location_annualised_t": None,
        "ghg.base_year": None, "ghg.months_reported": 1, "ghg.base_year_months_reported": None}
    assert w["energy.renewable_share_pct"].value == 0  # energy reported, none of it renewable: a real zero
    assert w["energy.renewable_share_pct"].inputs["reporting.energy_mwh"] == Decimal("10.0000000000000008000000000")


def test_kpi_values_of_an_estate(stored):
    v = _values(stored.E1)
    got = {k: x.value for k, x in v.items()}
    assert got == {
        "ghg.scope12_location_t": Fraction(5794621, 500000), "ghg.scope123_location_t": None,
        "ghg.intensity_per_employee": Fraction(5794621, 100000000),  # F1 and F2 both reported: 200 employees
        "ghg.change_vs_base_year_pct": Fraction(529961, 13539),  # natural gas per gas; before the like-for-like rule 4546150/13539 = +335.781077 %
        "energy.renewable_share_pct": Fraction(4166666666666666500, 418254006944444513),  # was 8.071749 %
        "land.green_area_share_pct": 10, "land.industrial_area_share_pct": None, "land.utilities_area_share_pct": None,
        "reporting.on_time_share_pct": 50, "network.ghg_reduction_member_share_pct": 0, "water.reuse_share_pct": None}
    assert v["ghg.intensity_per_employee"].inputs == {"ghg.scope12_location_t": 11.589242, "ghg.employees": 200.0}
    assert v["ghg.change_vs_base_year_pct"].inputs == {
        "ghg.scope12_location_annualised_t": 45.212664, "ghg.base_year_scope12_location_annualised_t": 32.4936,
        "ghg.base_year": 2025, "ghg.months_reported": 6, "ghg.base_year_months_reported": 1}
    assert v["reporting.on_time_share_pct"].inputs == {"reporting.factories_on_time": 1,
                                                       "reporting.factories_expected": 2}
    assert v["land.industrial_area_share_pct"].inputs == {"registry.area_industrial_rai": None,
                                                          "registry.area_total_rai": Decimal("1000.00")}


def test_no_data_gives_no_value_never_zero(stored):
    v = _values(stored.F3)  # no records, no inventory; 100 registered employees
    assert {k for k, x in v.items() if x.value is not None} == set()
    assert v["ghg.intensity_per_employee"].inputs == {"ghg.scope12_location_t": None, "ghg.employees": None}
    assert v["ghg.intensity_per_employee"].missing == ("ghg.scope12_location_t", "ghg.employees")
    assert v["energy.renewable_share_pct"].inputs == {"reporting.renewable_energy_mwh": None,
                                                      "reporting.energy_mwh": None}


def test_shared_inputs_are_read_once_per_organisation_and_year(stored, django_assert_num_queries):
    ids = list(calc_kpi.library())
    # 13 before issue 9; + the organisations counted (year results, records), their reported and
    # registered employees, and the months reported and year results of the base year (annualised)
    with django_assert_num_queries(19):
        many = kpis.compute_many(ids, stored.E1, 2026)
    assert {k: x.value for k, x in many.items()} == {k: x.value for k, x in _values(stored.E1).items()}
