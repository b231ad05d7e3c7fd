"""KPI library: definitions as data, exact formulas, inputs shown, no silent zeros; the framework
bindings and the library agree."""
from __future__ import annotations

from fractions import Fraction

import pytest

from ecotown.calc import kpi
from ecotown.calc.framework import load_framework, shipped_frameworks


def test_every_metric_binding_of_every_shipped_framework_is_a_kpi_of_the_library():
    ids = set(kpi.library())
    for stem, path in shipped_frameworks().items():
        fw = load_framework(path)
        unknown = kpi.framework_metric_ids(fw) - ids
        assert unknown == set(), f"{stem}: bindings not in the KPI library: {sorted(unknown)}"


def test_library_holds_the_kpis_of_the_issue_with_names_and_units():
    lib = kpi.library()
    for kid in ("ghg.scope12_location_t", "ghg.scope123_location_t", "ghg.intensity_per_employee", "ghg.change_vs_base_year_pct",
                "energy.renewable_share_pct", "land.green_area_share_pct", "land.industrial_area_share_pct",
                "reporting.on_time_share_pct", "network.ghg_reduction_member_share_pct"):
        d = lib[kid]
        assert d.name.th and d.name.en and d.unit and d.period and d.applies_to
    assert lib["land.green_area_share_pct"].unit == "percent"
    assert lib["water.reuse_share_pct"].computed is False


@pytest.mark.parametrize("kid,inputs,expected", [
    ("land.green_area_share_pct", {"registry.area_green_rai": 150, "registry.area_total_rai": 1000}, Fraction(15)),
    ("ghg.scope12_location_t", {"ghg.scope12_location_t": 1234.5}, Fraction("1234.5")),
    ("ghg.intensity_per_employee", {"ghg.scope12_location_t": 1000, "ghg.employees": 400}, Fraction(5, 2)),
    ("ghg.change_vs_base_year_pct", {"ghg.scope12_location_annualised_t": 90,
                                     "ghg.base_year_scope12_location_annualised_t": 100}, Fraction(-10)),
    ("network.ghg_reduction_member_share_pct", {"registry.factories_in_ghg_network": 1, "registry.factories": 3},
     Fraction(100, 3)),
    ("reporting.on_time_share_pct", {"reporting.factories_on_time": 0, "reporting.factories_expected": 4}, Fraction(0)),
])
def test_formulas_are_exact(kid, inputs, expected):
    v = kpi.compute(kid, inputs)
    assert v.value == expected
    assert dict((k, v.inputs[k]) for k in inputs) == inputs


def test_missing_input_gives_no_value_never_zero():
    v = kpi.compute("land.green_area_share_pct", {"registry.area_green_rai": None, "registry.area_total_rai": 1000})
    assert v.value is None and v.missing == ("registry.area_green_rai",)
    assert v.reason_en == "no data for: registry.area_green_rai"
    z = kpi.compute("ghg.change_vs_base_year_pct", {"ghg.scope12_location_annualised_t": 10,
                                                    "ghg.base_year_scope12_location_annualised_t": 0})
    assert z.value is None and z.missing == ("ghg.base_year_scope12_location_annualised_t",)
    w = kpi.compute("water.reuse_share_pct", {})
    assert w.value is None and "by hand" in w.reason_en


def test_value_out_is_int_when_whole_and_float_otherwise():
    green = {"registry.area_green_rai": 100, "registry.area_total_rai": 1000}
    assert kpi.compute("land.green_area_share_pct", green).value_out() == 10
    assert isinstance(kpi.compute("land.green_area_share_pct", green).value_out(), int)
    network = {"registry.factories_in_ghg_network": 1, "registry.factories": 8}
    assert kpi.compute("network.ghg_reduction_member_share_pct", network).value_out() == 12.5


def test_gathered_from_the_registry(world):
    """E1 in the world fixture: 1000 rai, 100 rai green; factories F1, F2 (neither in the network)."""
    from ecotown.assessment import kpis
    from ecotown.core import history
    from ecotown.registry.models import FactoryDetail

    g = kpis.compute("land.green_area_share_pct", world.E1, 2026)
    assert g.value == 10
    assert g.inputs["registry.area_green_rai"] == 100 and g.inputs["registry.area_total_rai"] == 1000
    n = kpis.compute("network.ghg_reduction_member_share_pct", world.E1, 2026)
    assert n.value == 0 and n.inputs == {"registry.factories_in_ghg_network": 0, "registry.factories": 2}
    fd = FactoryDetail.objects.get(organisation=world.F1)
    fd.in_ghg_network = True
    history.save(None, fd)
    assert kpis.compute("network.ghg_reduction_member_share_pct", world.E1, 2026).value == 50
    # a factory has no estate areas: no value, not zero
    assert kpis.compute("land.green_area_share_pct", world.F1, 2026).value is None
