"""The EcoTown unit registry: contract units, Thai area units, refusals. Exact values by hand."""
import pytest

from ecotown.calc import units
from ecotown.calc.errors import UnitProblem


@pytest.mark.parametrize("src, dst, expected", [
    ("kWh", "MJ", 3.6),                       # 1 kWh = 3600 kJ
    ("MWh", "kWh", 1000.0),
    ("TJ", "GJ", 1000.0),
    ("mmBtu", "GJ", 1.05505585262),           # 10^6 x 1055.05585262 J (international-table Btu)
    ("gallon", "L", 3.785411784),             # US liquid gallon = 231 in^3
    ("m3", "L", 1000.0),
    ("short_ton", "kg", 907.18474),           # 2000 lb x 0.45359237 kg
    ("lb", "kg", 0.45359237),
    ("t", "kg", 1000.0),
    ("Gg", "t", 1000.0),
    ("g", "kg", 0.001),
    ("tkm", "t*km", 1.0),
    ("tonne-km", "kg*km", 1000.0),
    ("passenger-km", "pkm", 1.0),
    ("rai", "m**2", 1600.0),                  # 1 rai = 4 ngan = 400 square wa = 1600 m2
    ("ngan", "m**2", 400.0),
    ("square_wa", "m**2", 4.0),
    ("lb/gallon", "kg/L", 0.45359237 / 3.785411784),
    ("TJ/Gg", "MJ/kg", 1.0),
    ("Mscf", "scf", 1000.0),
    ("Nm3", "Nm3", 1.0),
])
def test_factor_exact(src, dst, expected):
    assert units.factor(src, dst) == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("bad", ["ton", "tons", "gal", "kg/gal", "ton*km"])
def test_ambiguous_units_are_refused_with_a_clear_message(bad):
    with pytest.raises(UnitProblem) as exc:
        units.parse_unit(bad)
    assert "ambiguous" in exc.value.message_en
    assert "กำกวม" in exc.value.message_th


def test_scf_and_nm3_never_convert_into_each_other_or_into_m3():
    for a, b in [("scf", "Nm3"), ("Nm3", "scf"), ("scf", "m3"), ("Nm3", "m3")]:
        with pytest.raises(UnitProblem):
            units.factor(a, b)
    assert not units.same_dimension("scf", "Nm3")


def test_unknown_and_empty_units():
    with pytest.raises(UnitProblem, match="unknown unit"):
        units.parse_unit("furlongs_per_fortnight_x")
    with pytest.raises(UnitProblem, match="empty"):
        units.parse_unit("  ")


def test_dimension_check():
    assert units.same_dimension("kWh", "mmBtu")
    assert not units.same_dimension("kWh", "L")
    assert units.dimensionality("kg") == "[mass]"
    with pytest.raises(UnitProblem, match="cannot be converted"):
        units.factor("kWh", "L")


def test_co2e_mass_units_are_masses():
    assert units.factor("tCO2e", "kgCO2e") == 1000.0
    assert units.factor("kgCO2e/kWh", "kg/MWh") == pytest.approx(1000.0, rel=1e-12)


def test_one_registry():
    assert units.registry() is units.registry()


def test_bbl_is_the_42_gallon_petroleum_barrel():
    # issue 9: pint's `bbl` was its 31.5-gallon barrel, 119.240471196 L (25 % low); the contract's
    # bbl is the petroleum barrel of 42 US gallons = 42 x 3.785411784 L = 158.987294928 L.
    assert units.factor("bbl", "L") == pytest.approx(158.987294928, rel=1e-12)
    assert units.factor("bbl", "gallon") == pytest.approx(42.0, rel=1e-12)
    assert units.factor("kg/bbl", "kg/L") == pytest.approx(1 / 158.987294928, rel=1e-12)


@pytest.mark.parametrize("bad", ["barrel", "barrels", "kg/barrel"])
def test_bare_barrel_is_ambiguous(bad):
    with pytest.raises(UnitProblem) as exc:
        units.parse_unit(bad)
    assert "ambiguous" in exc.value.message_en and "bbl" in exc.value.message_en
    assert "กำกวม" in exc.value.message_th
