"""Issue 9, engine and reference data: each test states the wrong number the engine gave before
(in a comment) and asserts the right one. Values worked by hand in the comments."""
import csv
from pathlib import Path

import pytest

from ecotown.calc import ghg
from ecotown.calc.errors import CalcError, InputError

HEAD = "org,period_start,period_end,activity,quantity,unit\n"
BBL_L = 42 * 3.785411784  # 158.987294928 L


def w(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


# ---- bbl --------------------------------------------------------------------------------------
def test_a_barrel_of_diesel_is_42_gallons(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,diesel,10,bbl\n")
    r = ghg.calculate(a)  # built-in TGO diesel ET-F0013, 2.7078 kg CO2e/L (from 2022-04-01)
    # before: pint's 31.5-gallon bbl: 10 x 119.240471196 L x 2.7078 = 3228.79347905 kg (25 % low)
    # now: 10 x 158.987294928 L x 2.7078 = 4305.05797206 kg
    assert r.totals["scope1_t"] == pytest.approx(10 * BBL_L * 2.7078 / 1000, abs=1e-9)
    assert r.totals["scope1_t"] == pytest.approx(4.30505797206, abs=1e-9)
    with pytest.raises(InputError) as exc:
        ghg.calculate(w(tmp_path / "b.csv", HEAD + "F1,2024-01-01,2024-12-31,diesel,10,barrel\n"))
    p = exc.value.problems[0]
    assert (p.line, p.column, p.code) == (2, "unit", CalcError.AMBIGUOUS_UNIT)
    assert "ambiguous" in p.format("en") and "กำกวม" in p.format("th")


# ---- blends -----------------------------------------------------------------------------------
@pytest.mark.parametrize("code, gwp, gases, co2e_t", [
    # before: unknown activity (no factor), the row was refused or excluded (0 t)
    # R-404A AR5: 0.44 x 3170 + 0.52 x 4800 + 0.04 x 1300 = 1394.8 + 2496 + 52 = 3942.8 kg CO2e per kg
    ("refrigerant_r404a", "AR5", {"HFC-125": 0.44, "HFC-143a": 0.52, "HFC-134a": 0.04}, 3.9428),
    # R-407C AR5: 0.23 x 677 + 0.25 x 3170 + 0.52 x 1300 = 155.71 + 792.5 + 676 = 1624.21
    ("refrigerant_r407c", "AR5", {"HFC-32": 0.23, "HFC-125": 0.25, "HFC-134a": 0.52}, 1.62421),
    # R-507A AR5: 0.5 x 3170 + 0.5 x 4800 = 3985
    ("refrigerant_r507a", "AR5", {"HFC-125": 0.5, "HFC-143a": 0.5}, 3.985),
    # R-404A AR6: 0.44 x 3740 + 0.52 x 5810 + 0.04 x 1530 = 1645.6 + 3021.2 + 61.2 = 4728.0
    ("refrigerant_r404a", "AR6", {"HFC-125": 0.44, "HFC-143a": 0.52, "HFC-134a": 0.04}, 4.728),
    # R-407C AR4: 0.23 x 675 + 0.25 x 3500 + 0.52 x 1430 = 155.25 + 875 + 743.6 = 1773.85
    ("refrigerant_r407c", "AR4", {"HFC-32": 0.23, "HFC-125": 0.25, "HFC-134a": 0.52}, 1.77385),
])
def test_new_blends_are_expanded_by_mass_from_the_library(tmp_path, code, gwp, gases, co2e_t):
    a = w(tmp_path / "a.csv", HEAD + f"F1,2024-01-01,2024-12-31,{code},1,kg\n")
    r = ghg.calculate(a, gwp=gwp)
    assert r.totals["scope1_t"] == pytest.approx(co2e_t, abs=1e-9)
    assert {g: d["mass_t"] for g, d in r.by_gas.items()} == pytest.approx(
        {g: f / 1000 for g, f in gases.items()}, abs=1e-12)
    assert ghg.activity_catalogue()[code]["name_th"].startswith("สารทำความเย็น")


def test_blend_fractions_must_sum_to_one():
    ok = ghg.parse_blends(ghg.reference.text("blends"))
    assert {b: round(sum(f for _g, f in c), 12) for b, c in ok.items()} == {
        "R-410A": 1.0, "R-404A": 1.0, "R-407C": 1.0, "R-507A": 1.0}
    bad = ("blend,component,mass_fraction,status,source,url\n"
           "R-404A,HFC-125,0.44,x,s,u\nR-404A,HFC-143a,0.52,x,s,u\nR-404A,HFC-134a,0.4,x,s,u\n"
           "R-9,HFC-32,abc,x,s,u\n")
    with pytest.raises(InputError) as exc:
        ghg.parse_blends(bad, "blends.csv")
    got = [(p.line, p.column, p.code) for p in exc.value.problems]
    assert got == [(5, "mass_fraction", CalcError.NOT_A_NUMBER), (2, "mass_fraction", CalcError.BLEND_FRACTIONS)]
    msg = exc.value.problems[1]
    assert "R-404A sum to 1.36, not 1" in msg.format("en") and "ไม่เท่ากับ 1" in msg.format("th")


# ---- one GWP set ------------------------------------------------------------------------------
def test_a_co2e_factor_of_another_gwp_set_is_disclosed_line_by_line(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2026-02-01,2026-02-28,grid_electricity,1000,kWh\n"
                                      "F1,2026-02-01,2026-02-28,sf6,0.001,kg\n")
    ar5 = ghg.calculate(a, gwp="AR5")
    assert [x for x in ar5.warnings if x["kind"] == "gwp_mismatch"] == []
    lines = tmp_path / "lines.csv"
    ar6 = ghg.calculate(a, gwp="AR6", lines_path=lines)
    # before: TGO's AR5-based CO2e applied under AR6 without a word; now one warning per factor
    mism = [x for x in ar6.warnings if x["kind"] == "gwp_mismatch"]
    assert [(x["factor_id"], x["factor_gwp_set"], x["gwp_set"]) for x in mism] == [
        ("ET-F0001", "AR5", "AR6"), ("ET-F0002", "AR5", "AR6")]
    assert "AR5" in mism[0]["message_en"] and "not rescaled" in mism[0]["message_en"]
    assert "ชุด AR5" in mism[0]["message_th"]
    # the value is applied as published: 1000 kWh x 0.475 = 0.475 t under both sets
    assert ar6.totals["scope2_location_t"] == pytest.approx(0.475, abs=1e-12)
    assert ar5.totals["scope2_location_t"] == pytest.approx(0.475, abs=1e-12)
    # SF6 is one gas: the chosen set applies (AR6 25200 x 1 g = 0.0252 t), no mismatch for it
    assert ar6.by_gas["SF6"]["co2e_t"] == pytest.approx(0.0252, abs=1e-12)
    rows = list(csv.DictReader(lines.open(encoding="utf-8")))
    assert [(r["activity"], r["scope"], r["factor_gwp_set"], r["gwp_set"]) for r in rows] == [
        ("grid_electricity", "2", "AR5", "AR6"), ("grid_electricity", "3", "AR5", "AR6"), ("sf6", "1", "", "AR6")]
    assert {f["factor_id"]: f["gwp_set"] for f in ar6.factors_used} == {
        "ET-F0001": "AR5", "ET-F0002": "AR5", "ET-F0042": ""}


def test_a_co2e_factor_that_states_no_gwp_set_says_so(tmp_path):
    """A CO2e factor whose source does not state the GWP set it embeds (TEI's pre-2022 diesel, a user
    file without `gwp_set`) cannot be checked against the inventory's set. Before: silent; now one
    warning per factor in Thai and English; the value is still applied as published."""
    a = w(tmp_path / "a.csv", HEAD + "F1,2021-03-01,2021-03-31,diesel,1000,L\n")
    r = ghg.calculate(a)  # built-in TEI diesel ET-F0005, 2.77 kg CO2e/L, no GWP set stated
    assert r.totals["scope1_t"] == pytest.approx(2.77, abs=1e-12)
    assert [(x["kind"], x["factor_id"], x["gwp_set"]) for x in r.warnings if x["kind"].startswith("gwp")] == [
        ("gwp_unstated", "ET-F0005", "AR5")]
    x = next(x for x in r.warnings if x["kind"] == "gwp_unstated")
    assert x["message_en"] == ("factor ET-F0005 (diesel) is CO2e and does not state the GWP set it embeds: "
                               "it cannot be checked against the inventory's AR5")
    assert x["message_th"] == "ค่าสัมประสิทธิ์ ET-F0005 (diesel) เป็น CO2e ที่ไม่ได้ระบุชุดค่า GWP ที่ใช้: ตรวจสอบกับชุด AR5 ของบัญชีนี้ไม่ได้"
    # a stated set that matches: nothing to say
    b = w(tmp_path / "b.csv", HEAD + "F1,2026-02-01,2026-02-28,grid_electricity,1000,kWh\n")
    assert [x for x in ghg.calculate(b).warnings if x["kind"].startswith("gwp")] == []


def test_gwp_set_column_is_checked(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,x,1,kg\n")
    f = w(tmp_path / "f.csv", "activity,gas,value,unit,scope,source,gwp_set\nx,CO2e,1,kg/kg,1,S,AR7\n")
    with pytest.raises(InputError) as exc:
        ghg.calculate(a, factors=f)
    p = exc.value.problems[0]
    assert (p.line, p.column, p.code) == (2, "gwp_set", CalcError.NOT_A_CHOICE)
    with pytest.raises(InputError) as exc:  # a one-gas factor takes the inventory's GWP: no set of its own
        ghg.calculate(a, factors=w(tmp_path / "h.csv", "activity,gas,value,unit,scope,source,gwp_set\nx,CO2,1,kg/kg,1,S,AR5\n"))
    p = exc.value.problems[0]
    assert (p.line, p.column, p.code) == (2, "gwp_set", CalcError.NOT_A_CHOICE)
    assert "only to CO2e factors" in p.format("en")
    _r, table = ghg.calculate_with_lines(a, factors=w(tmp_path / "g.csv", "activity,gas,value,unit,scope,source,gwp_set\n"
                                                                          "x,CO2e,1,kg/kg,1,S,ar4\n"), gwp="AR5")
    assert table.column("factor_gwp_set").to_pylist() == ["AR4"]


# ---- heating basis ----------------------------------------------------------------------------
F_UNDECLARED = "activity,gas,value,unit,scope,source\nfuel,CO2,74100,kg/TJ,1,IPCC\n"
C_NCV = "activity,property,value,unit,heating_basis\nfuel,heating_value,43.0,TJ/Gg,ncv\n"


def test_an_undeclared_heating_basis_meeting_a_declared_one_is_disclosed(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,fuel,1000,kg\n")
    r, table = ghg.calculate_with_lines(a, factors=w(tmp_path / "f.csv", F_UNDECLARED),
                                        conversions=w(tmp_path / "c.csv", C_NCV))
    # 1000 kg = 1e-3 Gg x 43 TJ/Gg = 0.043 TJ x 74100 = 3186.3 kg (number unchanged) ...
    assert r.totals["scope1_t"] == pytest.approx(3.1863, abs=1e-12)
    # ... but before, silently; now a warning naming the factor line and the conversion line
    hb = [x for x in r.warnings if x["kind"] == "heating_basis_assumed"]
    assert [(x["factor_line"], x["conversion_file"], x["conversion_line"], x["heating_basis"]) for x in hb] == [
        (2, "c.csv", 2, "ncv")]
    assert "f.csv line 2" in hb[0]["message_en"] and "c.csv line 2" in hb[0]["message_en"]
    assert "declares no heating basis" in hb[0]["message_en"] and "ไม่ได้ระบุฐานค่าความร้อน" in hb[0]["message_th"]
    assert table.column("conversion").to_pylist() == [
        "heating_value 43 TJ/Gg (ncv) [c.csv:2]; heating basis assumed NCV: the factor declares none"]
    # the other way round: a declared factor basis, a heating value without one
    f = w(tmp_path / "f2.csv", F_UNDECLARED.replace("source\n", "source,heating_basis\n").replace("IPCC\n", "IPCC,gcv\n"))
    c = w(tmp_path / "c2.csv", C_NCV.replace(",ncv", ","))
    r2 = ghg.calculate(a, factors=f, conversions=c)
    hb2 = [x for x in r2.warnings if x["kind"] == "heating_basis_assumed"]
    assert [(x["conversion_file"], x["heating_basis"]) for x in hb2] == [("c2.csv", "gcv")]
    assert "the heating value c2.csv line 2 declares no heating basis" in hb2[0]["message_en"]
    # both declared and equal: nothing to disclose
    f3 = w(tmp_path / "f3.csv", F_UNDECLARED.replace("source\n", "source,heating_basis\n").replace("IPCC\n", "IPCC,ncv\n"))
    r3 = ghg.calculate(a, factors=f3, conversions=w(tmp_path / "c.csv", C_NCV))
    assert [x for x in r3.warnings if x["kind"] == "heating_basis_assumed"] == []


def test_two_different_declared_heating_bases_stay_an_error(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,fuel,1000,kg\n")
    f = w(tmp_path / "f.csv", "activity,gas,value,unit,scope,source,heating_basis\nfuel,CO2,74100,kg/TJ,1,IPCC,gcv\n")
    with pytest.raises(InputError) as exc:
        ghg.calculate(a, factors=f, conversions=w(tmp_path / "c.csv", C_NCV))
    p = exc.value.problems[0]
    assert (p.line, p.column, p.code) == (2, "unit", CalcError.HEATING_BASIS_MISMATCH)
    assert "GCV basis" in p.format("en") and "NCV basis" in p.format("en")


# ---- aggregate(): dual Scope 2, upstream electricity -----------------------------------------
def test_aggregate_keeps_location_and_market_apart_by_default(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-01-31,grid_electricity,1000,kWh\n")
    f = w(tmp_path / "f.csv", "activity,gas,value,unit,scope,source,basis\n"
                              "grid_electricity,CO2e,0.5,kg/kWh,2,grid,location\n"
                              "grid_electricity,CO2e,0.3,kg/kWh,2,PPA,market\n")
    rows = ghg.aggregate(a, factors=f).to_pylist()
    # before: the default grouping had no basis: one Scope 2 row of 0.5 + 0.3 = 0.8 t (double count)
    # now: location 0.5 t and market 0.3 t, apart
    assert [(r["scope"], r["basis"], round(r["co2e_t"], 12)) for r in rows] == [
        (2, "location", 0.5), (2, "market", 0.3)]
    assert "basis" in ghg.DEFAULT_BY


def test_upstream_electricity_is_scope3_category_3_and_iso_category_4(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2026-01-01,2026-01-31,grid_electricity,1000,kWh\n")
    rows = ghg.aggregate(a).to_pylist()
    got = {(r["scope"], r["iso_category"], r["scope3_category"]): r["co2e_t"] for r in rows}
    # before: the Scope 3 row (TGO 0.0812 kg/kWh) had scope3_category None and ISO category 2;
    # now: Scope 3 category 3, ISO 14064-1 category 4
    assert got == {(2, 2, None): pytest.approx(0.475, abs=1e-12), (3, 4, 3): pytest.approx(0.0812, abs=1e-12)}
    assert ghg.categories("grid_electricity", 3) == (4, 3)
    assert ghg.categories("grid_electricity", 2) == (2, None)
    assert ghg.categories("water", 3) == (4, 1)
    assert ghg.categories("not_in_catalogue", 1) == (1, None)


# ---- factor statuses -------------------------------------------------------------------------
def test_factor_statuses_tell_the_truth():
    lib = {f.factor_id: f for f in ghg.load_factors()}
    # before: official (a news article; a TEI page citing a study); now secondary_verify
    assert {i: lib[i].status for i in ("ET-F0001", "ET-F0002", "ET-F0034", "ET-F0004", "ET-F0036")} == dict.fromkeys(
        ("ET-F0001", "ET-F0002", "ET-F0034", "ET-F0004", "ET-F0036"), "secondary_verify")
    rows = list(csv.DictReader(ghg.reference.text("gwp_extra").splitlines()))
    # before: secondary_verify; now official (IPCC AR6 WGI Table 7.15)
    assert [(r["value"], r["status"]) for r in rows if (r["gas"], r["set"]) == ("CH4_nonfossil", "AR6")] == [
        ("27.0", "official")]
    # gwp_set as the sources say: TGO AR5, ClimateView AR6, unknown for the pre-AR5 TEI rows
    assert (lib["ET-F0001"].gwp_set, lib["ET-F0013"].gwp_set, lib["ET-F0032"].gwp_set, lib["ET-F0005"].gwp_set,
            lib["ET-F0038"].gwp_set) == ("AR5", "AR5", "AR6", "", "")
    assert all(f.gwp_set == "" for f in lib.values() if f.gas != "CO2e")


# ---- per-gas figures --------------------------------------------------------------------------
def test_natural_gas_is_per_gas_and_a_co2e_factor_stays_co2e(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,natural_gas,10000,scf\n"
                                      "F2,2024-01-01,2024-12-31,natural_gas,1000,mmBtu\n"
                                      "F3,2024-01-01,2024-12-31,diesel,1000,L\n")
    r = ghg.calculate(a)
    # before: natural gas was TGO CO2e 0.0562 kg/MJ: scf could not be used at all, 1000 mmBtu =
    # 1,055,055.85 MJ -> 59.294 t shown as gas CO2e (no CO2, CH4, N2O masses)
    # now (EPA Hub, HHV): 10000 scf x 0.001026 = 10.26 mmBtu; + 1000 mmBtu = 1010.26 mmBtu
    # CO2 1010.26 x 53.06 = 53604.3956 kg; CH4 x 1.0 g = 1.01026 kg; N2O x 0.1 g = 0.101026 kg
    assert r.by_gas["CO2"]["mass_t"] == pytest.approx(53.6043956, abs=1e-9)
    assert r.by_gas["CH4"]["mass_t"] == pytest.approx(0.00101026, abs=1e-12)
    assert r.by_gas["N2O"]["mass_t"] == pytest.approx(0.000101026, abs=1e-12)
    # diesel stays TGO CO2e (1000 L x 2.7078 = 2.7078 t), shown as gas CO2e, never as CO2
    assert r.by_gas["CO2e"] == {"mass_t": pytest.approx(2.7078, abs=1e-12), "co2e_t": pytest.approx(2.7078, abs=1e-12)}
    # AR5: 53.6043956 + 0.00101026 x 28 + 0.000101026 x 265 + 2.7078 = 56.3676681
    assert r.totals["scope1_t"] == pytest.approx(53.6043956 + 0.00101026 * 28 + 0.000101026 * 265 + 2.7078, abs=1e-9)
    ng_scf = ghg.calculate(w(tmp_path / "b.csv", HEAD + "F1,2024-01-01,2024-12-31,natural_gas,10000,scf\n"))
    # the shared EPA case by the built-in library: 0.54439560 t CO2
    assert ng_scf.by_gas["CO2"]["mass_t"] == pytest.approx(0.5443956, abs=1e-9)
    # the built-in heating value of scf is declared GCV like the factors: nothing assumed
    assert [x for x in ng_scf.warnings if x["kind"] == "heating_basis_assumed"] == []


def test_the_library_never_holds_co2e_beside_per_gas_factors_of_one_activity():
    by_act: dict[str, set] = {}
    for f in ghg.load_factors():
        if f.gas != "CO2_biogenic" and f.scope == 1:
            by_act.setdefault(f.activity, set()).add("CO2e" if f.gas == "CO2e" else "gas")
    assert [a for a, kinds in by_act.items() if kinds == {"CO2e", "gas"}] == []
    per_gas = {f.activity: f.heating_basis for f in ghg.load_factors() if f.gas in ("CO2", "CH4", "N2O")}
    assert per_gas == {"natural_gas": "gcv"}
