"""The GHG engine through its Python API. Expected values are worked by hand in the comments."""
import csv
import datetime as dt
from pathlib import Path

import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from ecotown.calc import ghg
from ecotown.calc.errors import InputError

HEAD = "org,period_start,period_end,activity,quantity,unit\n"


def w(path: Path, text: str) -> str:
    path.write_text(text, encoding="utf-8")
    return str(path)


def problems(exc: InputError) -> list[str]:
    return [p.format("en") for p in exc.problems]


# ---- conversions: volume -> mass -> energy -------------------------------------------------
DIESEL_F = """activity,gas,value,unit,scope,source,heating_basis
diesel,CO2,74100,kg/TJ,1,IPCC 2006,ncv
diesel,CH4,3,kg/TJ,1,IPCC 2006,ncv
diesel,N2O,0.6,kg/TJ,1,IPCC 2006,ncv
"""
DIESEL_C = """activity,property,value,unit,heating_basis
diesel,density,0.84,kg/L,
diesel,heating_value,43.0,TJ/Gg,ncv
"""


def test_density_then_heating_value_chain(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,diesel,1000,L\n")
    r = ghg.calculate(a, factors=w(tmp_path / "f.csv", DIESEL_F), conversions=w(tmp_path / "c.csv", DIESEL_C))
    # 1000 L x 0.84 kg/L = 840 kg = 0.00084 Gg x 43 TJ/Gg = 0.03612 TJ
    # CO2 0.03612 x 74100 = 2676.492 kg; CH4 x 3 = 0.10836 kg; N2O x 0.6 = 0.021672 kg
    assert r.by_gas["CO2"]["mass_t"] == pytest.approx(2.676492, rel=1e-12)
    assert r.by_gas["CH4"]["mass_t"] == pytest.approx(0.00010836, rel=1e-12)
    assert r.by_gas["N2O"]["mass_t"] == pytest.approx(0.000021672, rel=1e-12)
    # AR5: 2.676492 + 0.00010836 x 28 + 0.000021672 x 265 = 2.68526916
    assert r.totals["scope1_t"] == pytest.approx(2.68526916, rel=1e-12)
    assert r.totals["co2e_t"] == pytest.approx(2.68526916, rel=1e-12)
    assert r.totals["scope2_market_t"] is None


def test_heating_basis_mismatch_is_an_error(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,diesel,1000,L\n")
    f = w(tmp_path / "f.csv", DIESEL_F.replace(",ncv", ",gcv"))
    with pytest.raises(InputError) as exc:
        ghg.calculate(a, factors=f, conversions=w(tmp_path / "c.csv", DIESEL_C))
    msgs = problems(exc.value)
    assert any("GCV basis" in m and "NCV basis" in m and "line 2, column unit" in m for m in msgs), msgs


def test_scf_is_not_nm3(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,natural_gas,100,Nm3\n")
    f = w(tmp_path / "f.csv", "activity,gas,value,unit,scope,source\nnatural_gas,CO2,53.06,kg/mmBtu,1,EPA\n")
    c = w(tmp_path / "c.csv", "activity,property,value,unit\nnatural_gas,heating_value,0.001026,mmBtu/scf\n")
    with pytest.raises(InputError) as exc:
        ghg.calculate(a, factors=f, conversions=c)
    assert "column unit" in problems(exc.value)[0]


# ---- built-in library: editions by day -----------------------------------------------------
def test_edition_split_by_days_builtin(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2025-12-01,2026-01-31,grid_electricity,6200,kWh\n")
    r = ghg.calculate(a)
    # 62 days: 31 in Dec 2025 (April-2022 list, 0.4999), 31 in Jan 2026 (TGO 2026, 0.475 + 0.0812 Scope 3)
    # Scope 2: 3100 x 0.4999 + 3100 x 0.475 = 1549.69 + 1472.5 = 3022.19 kg
    assert r.totals["scope2_location_t"] == pytest.approx(3.02219, rel=1e-12)
    # Scope 3 cat. 3 only from 2026: 3100 x 0.0812 = 251.72 kg
    assert r.totals["scope3_t"] == pytest.approx(0.25172, rel=1e-12)
    assert r.totals["co2e_t"] == pytest.approx(3.27391, rel=1e-12)
    ids = {f["factor_id"]: f for f in r.factors_used}
    # issue 9: the TGO 2026 factors (a news article only) are secondary_verify, like the April-2022 list
    assert {i: f["status"] for i, f in ids.items()} == {
        "ET-F0001": "secondary_verify", "ET-F0002": "secondary_verify", "ET-F0003": "secondary_verify"}
    assert any(wn["kind"] == "factor_status" for wn in r.warnings)


def test_tgo_transition_previous_edition_option(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2026-01-01,2026-03-31,grid_electricity,1000,MWh\n"
                                      "F2,2026-03-01,2026-04-30,grid_electricity,610,MWh\n")
    plain = ghg.calculate(a)
    # 1,000,000 kWh x 0.475 = 475 t; F2: 610,000 kWh x 0.475 = 289.75 t
    assert plain.by_org["F1"]["scope2_location_t"] == pytest.approx(475.0, rel=1e-12)
    assert plain.by_org["F2"]["scope2_location_t"] == pytest.approx(289.75, rel=1e-12)
    grace = ghg.calculate(a, allow_previous_edition=True)
    # F1 ends by 31 March: previous edition 0.4999 -> 499.9 t; F2 ends in April: 2026 edition stays
    assert grace.by_org["F1"]["scope2_location_t"] == pytest.approx(499.9, rel=1e-12)
    assert grace.by_org["F2"]["scope2_location_t"] == pytest.approx(289.75, rel=1e-12)


def test_no_factor_valid_for_the_period(tmp_path):
    f = w(tmp_path / "f.csv", "activity,gas,value,unit,scope,source,valid_from,valid_to\n"
                              "diesel,CO2e,2.7,kg/L,1,x,2024-01-01,2024-06-30\n")
    a = w(tmp_path / "a.csv", HEAD + "A,2024-06-01,2024-06-30,diesel,1,L\nA,2024-06-01,2024-07-31,diesel,1,L\n")
    with pytest.raises(InputError) as exc:
        ghg.calculate(a, factors=f)
    msgs = problems(exc.value)
    assert len(msgs) == 1 and "line 3" in msgs[0] and "no factor" in msgs[0], msgs


# ---- Scope 2 market-based ------------------------------------------------------------------
def test_market_based_scope2_with_location_fallback(tmp_path):
    f = w(tmp_path / "f.csv", "activity,gas,value,unit,scope,source,basis\n"
                              "grid_electricity,CO2e,0.2,kg/kWh,2,grid,location\n"
                              "grid_electricity,CO2e,0.45,kg/kWh,2,residual mix,market\n"
                              "steam,CO2e,0.1,kg/MJ,2,supplier,location\n")
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,grid_electricity,1000,kWh\n"
                                      "F1,2024-01-01,2024-12-31,steam,1,GJ\n")
    r = ghg.calculate(a, factors=f)
    # location: 1000 x 0.2 + 1000 MJ x 0.1 = 200 + 100 kg = 0.3 t
    assert r.totals["scope2_location_t"] == pytest.approx(0.3, rel=1e-12)
    # market: 1000 x 0.45 + steam falls back to its location factor 100 kg = 0.55 t (disclosed)
    assert r.totals["scope2_market_t"] == pytest.approx(0.55, rel=1e-12)
    assert [x["activity"] for x in r.warnings if x["kind"] == "market_fallback"] == ["steam"]
    # by_gas follows the location-based inventory
    assert r.by_gas["CO2e"] == {"mass_t": pytest.approx(0.3), "co2e_t": pytest.approx(0.3)}


def test_market_null_when_no_market_factor(tmp_path):
    f = w(tmp_path / "f.csv", "activity,gas,value,unit,scope,source\ngrid_electricity,CO2e,0.2,kg/kWh,2,g\n")
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,grid_electricity,1000,kWh\n")
    assert ghg.calculate(a, factors=f).to_json_dict()["totals"]["scope2_market_t"] is None


def test_market_basis_only_for_scope2(tmp_path):
    f = w(tmp_path / "f.csv", "activity,gas,value,unit,scope,source,basis\ndiesel,CO2e,2.7,kg/L,1,x,market\n")
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,diesel,1,L\n")
    with pytest.raises(InputError) as exc:
        ghg.calculate(a, factors=f)
    assert "line 2, column basis" in problems(exc.value)[0]


# ---- biogenic, memo, blends, GWP sets ------------------------------------------------------
def test_biogenic_co2_ignores_scope(tmp_path):
    f = w(tmp_path / "f.csv", "activity,gas,value,unit,scope,source\n"
                              "wood,CO2_biogenic,1.7909,kg/kg,3,TGO\nwood,CO2e,0.0304,kg/kg,1,TGO\n")
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,wood,1000,kg\n")
    r = ghg.calculate(a, factors=f)
    # 1000 kg x 1.7909 = 1790.9 kg biogenic CO2 (outside the scopes); 1000 x 0.0304 = 30.4 kg Scope 1
    assert r.totals["biogenic_co2_t"] == pytest.approx(1.7909, rel=1e-12)
    assert r.totals["scope3_t"] == 0.0
    assert r.totals["co2e_t"] == pytest.approx(0.0304, rel=1e-12)
    assert r.by_gas["CO2_biogenic"] == {"mass_t": pytest.approx(1.7909, rel=1e-12)}


def test_builtin_biogenic_wood(tmp_path):
    r = ghg.calculate(w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,wood,2,t\n"))
    # 2000 kg x 1.7909 = 3581.8 kg; CH4+N2O 2000 x 0.0304 = 60.8 kg
    assert r.totals["biogenic_co2_t"] == pytest.approx(3.5818, rel=1e-12)
    assert r.totals["scope1_t"] == pytest.approx(0.0608, rel=1e-12)


def test_memo_gas_outside_the_kyoto_basket(tmp_path):
    r = ghg.calculate(w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,refrigerant_r22,2,kg\n"))
    # 2 kg HCFC-22 x AR5 1760 = 3.52 t CO2e, in memo only
    assert r.memo == {"HCFC-22": {"mass_t": pytest.approx(0.002), "co2e_t": pytest.approx(3.52, rel=1e-12)}}
    assert r.totals["co2e_t"] == 0.0
    assert "HCFC-22" not in r.by_gas


@pytest.mark.parametrize("gwp, expected", [
    ("AR4", 0.005 * 675 + 0.005 * 3500),   # 20.875
    ("AR5", 0.005 * 677 + 0.005 * 3170),   # 19.235
    ("AR6", 0.005 * 771 + 0.005 * 3740),   # 22.555
])
def test_r410a_blend_expanded(tmp_path, gwp, expected):
    r = ghg.calculate(w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,refrigerant_r410a,10,kg\n"), gwp=gwp)
    assert r.by_gas["HFC-32"]["mass_t"] == pytest.approx(0.005, rel=1e-12)
    assert r.by_gas["HFC-125"]["mass_t"] == pytest.approx(0.005, rel=1e-12)
    assert r.totals["scope1_t"] == pytest.approx(expected, rel=1e-12)


@pytest.mark.parametrize("gas, gwp, value", [
    ("CH4", "AR4", 25), ("CH4", "AR5", 28), ("CH4", "AR6", 27.9),
    ("CH4_fossil", "AR5", 30), ("CH4_fossil", "AR6", 29.8), ("CH4_nonfossil", "AR6", 27.0),
    ("HFC-134a", "AR4", 1430), ("SF6", "AR6", 25200), ("CO2", "AR4", 1), ("CO2e", "AR6", 1),
    ("CH4_fossil", "AR4", None),
])
def test_gwp_values(gas, gwp, value):
    assert ghg.gwp_value(gas, gwp) == value


def test_co2e_factor_reports_as_gas_co2e(tmp_path):
    f = w(tmp_path / "f.csv", "activity,gas,value,unit,scope,source\ngrid_electricity,CO2e,0.5,kg/kWh,2,x\n")
    r = ghg.calculate(w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,grid_electricity,10,MWh\n"), factors=f)
    assert r.by_gas == {"CO2e": {"mass_t": pytest.approx(5.0), "co2e_t": pytest.approx(5.0)}}


# ---- inputs: Parquet and pyarrow -----------------------------------------------------------
def _table():
    return pa.table({
        "org": ["A", "B"], "period_start": [dt.date(2024, 1, 1)] * 2, "period_end": [dt.date(2024, 12, 31)] * 2,
        "activity": ["refrigerant_r134a", "sf6"], "quantity": [10.0, 1.0], "unit": ["kg", "kg"]})


def test_parquet_and_arrow_inputs(tmp_path):
    pq.write_table(_table(), tmp_path / "a.parquet")
    for src in (str(tmp_path / "a.parquet"), _table()):
        r = ghg.calculate(src, gwp="AR5")
        # A: 10 kg x 1300 = 13 t; B: 1 kg SF6 x 23500 = 23.5 t
        assert r.by_org["A"]["co2e_t"] == pytest.approx(13.0, rel=1e-12)
        assert r.by_org["B"]["scope1_t"] == pytest.approx(23.5, rel=1e-12)
        assert r.totals["co2e_t"] == pytest.approx(36.5, rel=1e-12)


def test_parquet_bad_rows_are_named_by_line(tmp_path):
    t = _table().set_column(4, "quantity", pa.array([-1.0, None]))
    pq.write_table(t, tmp_path / "a.parquet")
    with pytest.raises(InputError) as exc:
        ghg.calculate(str(tmp_path / "a.parquet"))
    assert problems(exc.value) == [
        f"{tmp_path / 'a.parquet'}, line 2, column quantity: negative quantity -1.0 (quantities must be >= 0)",
        f"{tmp_path / 'a.parquet'}, line 3, column quantity: empty quantity",
    ]


# ---- --lines provenance --------------------------------------------------------------------
LINE_COLUMNS = ["line", "org", "period_start", "period_end", "activity", "quantity", "unit", "gas", "scope",
                "basis", "factor_value", "factor_unit", "factor_source", "conversion", "mass_t", "gwp", "co2e_t"]


@pytest.mark.parametrize("suffix", ["csv", "parquet"])
def test_lines_output(tmp_path, suffix):
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,diesel,1000,L\n")
    out = tmp_path / f"lines.{suffix}"
    ghg.calculate(a, factors=w(tmp_path / "f.csv", DIESEL_F), conversions=w(tmp_path / "c.csv", DIESEL_C),
                  lines_path=out)
    if suffix == "csv":
        with open(out, newline="") as fh:
            rows = list(csv.DictReader(fh))
    else:
        rows = pq.read_table(out).to_pylist()
    assert list(rows[0])[:len(LINE_COLUMNS)] == LINE_COLUMNS
    assert {"factor_id", "factor_edition", "factor_status", "gwp_set", "engine_version"} <= set(rows[0])
    co2 = next(r for r in rows if r["gas"] == "CO2")
    assert int(co2["line"]) == 2 and float(co2["mass_t"]) == pytest.approx(2.676492, rel=1e-12)
    assert "density 0.84 kg/L" in co2["conversion"] and "heating_value 43 TJ/Gg" in co2["conversion"]
    ch4 = next(r for r in rows if r["gas"] == "CH4")
    assert float(ch4["gwp"]) == 28.0 and float(ch4["co2e_t"]) == pytest.approx(0.00010836 * 28, rel=1e-12)
    assert len(rows) == 3


# ---- bad input: every kind, all reported at once ------------------------------------------
def test_every_bad_row_kind_reported_together(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "\n".join([
        "F1,2024-01-01,2024-12-31,grid_electricity,,kWh",          # 2 empty quantity
        "F1,2024-01-01,2024-12-31,grid_electricity,abc,kWh",       # 3 non-numeric
        "F1,2024-01-01,2024-12-31,grid_electricity,-5,kWh",        # 4 negative
        "F1,2024-02-30,2024-12-31,grid_electricity,1,kWh",         # 5 unparsable date
        "F1,2024-12-01,2024-11-30,grid_electricity,1,kWh",         # 6 end before start
        "F1,2024-01-01,2024-12-31,unicorn_dust,1,kg",              # 7 unknown activity
        "F1,2024-01-01,2024-12-31,diesel,1,gal",                   # 8 ambiguous unit
        "F1,2024-01-01,2024-12-31,diesel,1,bogus_unit",            # 9 unknown unit
        "F1,2024-01-01,2024-12-31,diesel,1,kWh",                   # 10 wrong dimension
        "F1,2024-01-01,2024-12-31,diesel,1,L",                     # 11 fine
    ]) + "\n")
    with pytest.raises(InputError) as exc:
        ghg.calculate(a)
    got = [(p.line, p.column) for p in exc.value.problems]
    assert got == [(2, "quantity"), (3, "quantity"), (4, "quantity"), (5, "period_start"), (6, "period_end"),
                   (7, "activity"), (8, "unit"), (9, "unit"), (10, "unit")]
    msgs = problems(exc.value)
    assert "empty quantity" in msgs[0] and "not a number" in msgs[1] and "negative" in msgs[2]
    assert "unparsable date '2024-02-30'" in msgs[3] and "before period_start" in msgs[4]
    assert "unknown activity 'unicorn_dust'" in msgs[5] and "ambiguous unit 'gal'" in msgs[6]
    assert "unknown unit 'bogus_unit'" in msgs[7] and "cannot meet factor unit 'kg/L'" in msgs[8]
    assert all(p.message_th for p in exc.value.problems)


def test_missing_columns(tmp_path):
    a = w(tmp_path / "a.csv", "org,period_start,activity,quantity\nA,2024-01-01,diesel,1\n")
    with pytest.raises(InputError) as exc:
        ghg.calculate(a)
    assert [(p.line, p.column) for p in exc.value.problems] == [(1, "period_end"), (1, "unit")]


def test_duplicate_factor_key_names_both_lines(tmp_path):
    f = w(tmp_path / "f.csv", "activity,gas,value,unit,scope,source,basis\n"
                              "grid_electricity,CO2e,0.2,kg/kWh,2,a,location\n"
                              "grid_electricity,CO2e,0.45,kg/kWh,2,b,market\n"
                              "grid_electricity,CO2e,0.3,kg/kWh,2,c,\n")
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,grid_electricity,1,kWh\n")
    with pytest.raises(InputError) as exc:
        ghg.calculate(a, factors=f)
    msgs = problems(exc.value)
    assert len(msgs) == 1 and "line 4" in msgs[0] and "lines 2 and 4" in msgs[0]


def test_gas_without_gwp_in_the_chosen_set(tmp_path):
    f = w(tmp_path / "f.csv", "activity,gas,value,unit,scope,source\nbiogas,CH4_fossil,1,g/m3,1,x\n")
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,biogas,1,m3\n")
    with pytest.raises(InputError) as exc:
        ghg.calculate(a, factors=f, gwp="AR4")
    assert problems(exc.value) == [f"{f}, line 2, column gas: gas 'CH4_fossil' has no GWP in AR4"]
    assert ghg.calculate(a, factors=f, gwp="AR6").totals["scope1_t"] == pytest.approx(29.8e-6, rel=1e-12)


def test_problem_cap_summarises_the_rest(tmp_path, monkeypatch):
    monkeypatch.setattr(ghg, "MAX_PROBLEMS_PER_KIND", 3)
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-01,2024-12-31,sf6,-1,kg\n" * 5)
    with pytest.raises(InputError) as exc:
        ghg.calculate(a)
    assert [p.line for p in exc.value.problems] == [2, 3, 4, None]
    assert "2 more lines" in problems(exc.value)[-1]


# ---- aggregates for the platform ----------------------------------------------------------
def test_aggregate_by_scope_category_month(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2026-01-01,2026-01-31,grid_electricity,1000,kWh\n"
                                      "F1,2026-02-01,2026-02-28,sf6,1,kg\n")
    t = ghg.aggregate(a, by=("scope", "iso_category", "scope3_category", "month")).to_pylist()
    # grid Jan: Scope 2 475 kg (ISO 2), Scope 3 81.2 kg (cat 3 upstream: catalogue leaves it to the factor);
    # SF6 Feb: 1 kg x 23500 = 23.5 t Scope 1 (ISO 1)
    by = {(r["scope"], r["month"]): r for r in t}
    assert by[(2, "2026-01")]["co2e_t"] == pytest.approx(0.475, rel=1e-12)
    assert by[(2, "2026-01")]["iso_category"] == 2
    assert by[(3, "2026-01")]["co2e_t"] == pytest.approx(0.0812, rel=1e-12)
    assert by[(1, "2026-02")]["co2e_t"] == pytest.approx(23.5, rel=1e-12)
    assert by[(1, "2026-02")]["iso_category"] == 1


# ---- shipped data --------------------------------------------------------------------------
def test_catalogue_has_the_contract_codes():
    cat = ghg.activity_catalogue()
    for code in ["grid_electricity", "grid_electricity_certified", "diesel", "gasoline", "lpg", "natural_gas",
                 "fuel_oil_c", "lignite", "sub_bituminous_coal", "wood", "bagasse", "refrigerant_r32",
                 "refrigerant_r134a", "refrigerant_r410a", "sf6"]:
        assert code in cat
        assert cat[code]["iso_category"] in {"1", "2", "3", "4", "5", "6"}
    lib = {f.activity for f in ghg.load_factors()}
    assert {"grid_electricity", "diesel", "lignite", "sf6", "refrigerant_r410a"} <= lib
    assert {f.status for f in ghg.load_factors()} <= {"official", "secondary_verify", "illustrative"}


def test_factor_library_is_reproducible_from_the_sources(tmp_path):
    root = Path(__file__).resolve().parents[2]
    src = root.parent / "shared" / "reference" / "emission_factors_gathered.csv"
    if not src.exists():
        pytest.skip("../shared/reference is not beside the repository")
    import subprocess
    import sys
    out = tmp_path / "factors.csv"
    subprocess.run([sys.executable, str(root / "scripts" / "build_factor_library.py"), str(src), str(out)],
                   check=True, capture_output=True)
    assert out.read_text() == (root / "src" / "ecotown" / "data" / "ghg" / "factors.csv").read_text()


def test_aggregate_calendarises_months_by_days(tmp_path):
    a = w(tmp_path / "a.csv", HEAD + "F1,2024-01-16,2024-02-14,sf6,3,kg\n"
                                      "F1,2025-12-17,2026-01-15,grid_electricity,3000,kWh\n")
    rows = ghg.aggregate(a, by=("month", "scope")).to_pylist()
    got = {(r["month"], r["scope"]): r["co2e_t"] for r in rows}
    # SF6: 30 days, 16 in January and 14 in February: 1.6 kg and 1.4 kg x 23500 (AR5)
    # grid: 30 days, 15 in Dec 2025 at 0.4999 (749.85 kg), 15 in Jan 2026 at 0.475 (712.5 kg) + 0.0812 (121.8 kg)
    assert got == {("2024-01", 1): pytest.approx(37.6, rel=1e-12), ("2024-02", 1): pytest.approx(32.9, rel=1e-12),
                   ("2025-12", 2): pytest.approx(0.74985, rel=1e-12), ("2026-01", 2): pytest.approx(0.7125, rel=1e-12),
                   ("2026-01", 3): pytest.approx(0.1218, rel=1e-12)}
