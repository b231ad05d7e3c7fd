"""Default uncertainties (data/ghg/uncertainty.csv) and their combination by error propagation.
Values worked by hand in the comments."""
import math

import pytest

from ecotown.calc import reference, uncertainty
from ecotown.calc.errors import CalcError, InputError


def test_defaults_cover_every_data_source_and_factor_status_with_source_and_status():
    d = uncertainty.defaults()
    assert {k: v.half_width_pct for k, v in d["activity"].items()} == {
        "meter": 2.5, "invoice": 5.0, "estimate": 20.0, "unknown": 25.0}
    assert {k: v.half_width_pct for k, v in d["factor"].items()} == {
        "official": 5.0, "secondary_verify": 10.0, "illustrative": 30.0, "supplier": 5.0, "user": 10.0}
    rows = [x for kind in d.values() for x in kind.values()]
    assert all(x.source and x.status in reference.STATUSES for x in rows)
    assert {x.status for x in rows} == {"illustrative"}  # EcoTown's choices within the IPCC ranges
    assert reference.edition("uncertainty").status == "illustrative"


def test_line_uncertainty_is_the_quadrature_sum():
    assert uncertainty.line_pct(3, 4) == 5.0
    # meter (2.5 %) x official factor (5 %): sqrt(6.25 + 25) = 5.5901699437 %
    assert uncertainty.line_pct(2.5, 5) == pytest.approx(5.5901699437, abs=1e-9)


def test_inventory_uncertainty_by_error_propagation_for_a_sum():
    # 100 t at 5 % (3, 4) -> 5 t; 50 t at 13 % (5, 12) -> 6.5 t
    # sqrt(5² + 6.5²) = sqrt(67.25) = 8.2006097338 t of 150 t = 5.4670731559 %
    assert uncertainty.combine([(100, 3, 4), (50, 5, 12)]) == pytest.approx(5.4670731559, abs=1e-9)
    d = uncertainty.defaults()
    meter, invoice = d["activity"]["meter"].half_width_pct, d["activity"]["invoice"].half_width_pct
    official, secondary = d["factor"]["official"].half_width_pct, d["factor"]["secondary_verify"].half_width_pct
    # grid 100 t (meter, official): 5.5901699 %, 5.5901699 t; diesel 50 t (invoice, secondary_verify):
    # sqrt(25 + 100) = 11.1803399 %, 5.5901699 t; total sqrt(2) x 5.5901699 = 7.9056942 t of 150 t = 5.2704628 %
    got = uncertainty.combine([(100, meter, official), (50, invoice, secondary)])
    assert got == pytest.approx(math.sqrt(2) * 5.5901699437 / 150 * 100, abs=1e-9)
    assert got == pytest.approx(5.2704627669, abs=1e-9)
    # one line: its own uncertainty; a negative line (a removal) counts by its size in the numerator
    assert uncertainty.combine([(10, 3, 4)]) == pytest.approx(5.0, abs=1e-12)
    # 10 t ± 0.5 t and -4 t ± 0.2 t: sqrt(0.25 + 0.04) / 6 = 8.9752747 %
    assert uncertainty.combine([(10, 3, 4), (-4, 3, 4)]) == pytest.approx(math.sqrt(0.29) / 6 * 100, abs=1e-9)
    assert uncertainty.combine([]) is None and uncertainty.combine([(0.0, 5, 5)]) is None


def test_bad_lines_are_named_and_nothing_is_returned():
    with pytest.raises(InputError) as exc:
        uncertainty.combine([(1, 2, 3), (1, -2, 3), (float("nan"), 1, 1), ("x",)])
    got = [(p.line, p.column, p.code) for p in exc.value.problems]
    assert got == [(2, "activity_pct", CalcError.NOT_A_NUMBER), (3, "co2e_t", CalcError.NOT_A_NUMBER),
                   (4, "line", CalcError.NOT_A_NUMBER)]
    assert "line 2: activity_pct must be a finite number >= 0" in exc.value.problems[0].format("en")
    assert "บรรทัด 2" in exc.value.problems[0].format("th")


def test_a_bad_defaults_file_is_refused_naming_the_line():
    text = ("kind,key,half_width_pct,status,source,url\n"
            "activity,meter,2.5,illustrative,s,\nactivity,meter,3,illustrative,s,\nactivity,invoice,-1,illustrative,s,\n"
            "factor,official,5,guess,s,\nweather,sunny,1,illustrative,s,\n")
    with pytest.raises(InputError) as exc:
        uncertainty.parse(text)
    got = [(p.line, p.column, p.value) for p in exc.value.problems]
    assert got[:4] == [(3, "key", "meter"), (4, "half_width_pct", "-1"), (5, "status", "guess"), (6, "kind", "weather")]
    assert (None, "key", "estimate") in got and (None, "key", "user") in got
