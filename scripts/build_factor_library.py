#!/usr/bin/env python3
"""Build src/ecotown/data/ghg/factors.csv (the built-in factor library) from the gathered sources.

Usage: python scripts/build_factor_library.py [SOURCE_CSV] [OUT_CSV]
Default source: ../shared/reference/emission_factors_gathered.csv (relative to the repo root).

Each output row keeps the contract's factor columns (activity, gas, value, unit, scope, source,
basis, heating_basis) plus factor_id, set, edition, valid_from, valid_to, grace_until, status, url
and original_row (the source row as JSON, for provenance). Status: rows whose notes say SECONDARY
or NOT VERIFIED (or whose source is a transcription) become `secondary_verify`; rows listed in
EXTRA below carry their own status. Validity dates are a judgement recorded here: an edition is
valid from its effective date until the day before the next edition of the same activity.

Decisions recorded here (issue 9), each with its reason:

- Factor ids are stable: a row keeps the id it had in earlier builds (ids are given in MAP order,
  then the certified-grid copies and the mass-balance rows, ET-F0001..ET-F0042; rows added later are
  appended, ET-F0043 on). A row dropped from the library (DROPPED) keeps its number unused.
- `gwp_set` (GWP_SET): the GWP set a CO2e factor embeds, as its source states it; empty for factors
  of one gas (CO2, CH4, N2O, HFC-…: the engine applies the inventory's GWP) and where the source
  does not say. TGO: AR5 — the gathered notes on TGO's April 2022 CFO list say the same file's
  refrigerant GWPs are AR5 (R-32 677, R-134a 1300), and TGO's CFO factors are published on AR5;
  the 2026 news report names no set, so the 2026 rows carry TGO's practice (AR5) and stay
  secondary_verify until the TGO document is loaded. TEI c.2009-2010 and the 2009 grid study:
  empty (unknown; they predate AR5 and the page names no set). ClimateView wastewater: AR6 (its
  source title says AR6 GWP; 0.6 x 0.5 x 27.0 = 8.1 kg CO2e/kg BOD uses AR6 CH4 non-fossil).
  The zero market factor of retired certificates: empty (no GWP in a zero).
- Statuses (STATUS): the TGO 2026 grid factors (Scope 2 0.475 and upstream 0.0812) are known only
  from a news article, and the 2009 grid factor only from a TEI web page citing a TGO study: both
  `secondary_verify` until a TGO document is loaded (their certified-grid copies follow them). The
  EPA Hub rows were read from a copy of the 2024 Hub (scribd), not from epa.gov: `secondary_verify`.
- Per-gas fuel factors (PER_GAS): per activity and date the library holds EITHER one CO2e factor OR
  per-gas factors (CO2, CH4, N2O), never both (that would double count). Per-gas is chosen where the
  gathered data gives all three gases for the fuel on ONE declared heating basis that is reachable
  from the units users report:
    * natural_gas: US EPA GHG Emission Factors Hub 2024, 53.06 kg CO2, 1.0 g CH4, 0.1 g N2O per mmBtu
      on HHV (heating_basis gcv); users report MJ / GJ / mmBtu (energy, used as reported, on the
      factor's GCV basis) or scf (EPA heat content 0.001026 mmBtu/scf HHV, in conversions.csv). It
      replaces TGO's CO2e 0.0562 kg/MJ (ET-F0009, a secondary transcription, dropped).
    * diesel, diesel_mobile, diesel_offroad: stay CO2e (TGO). IPCC 2006 Tier 1 gives 74,100 / 3 /
      0.6 kg per TJ NCV for stationary diesel, but users report litres and the only density found
      (DESNZ, 832 kg/m3 for the UK average biofuel blend, via a third-party page) is neither Thai nor
      from the publisher; the mobile and off-road CH4/N2O defaults differ and are not gathered.
    * lpg, gasoline, fuel oils, jet kerosene: stay CO2e (no CH4/N2O gathered; EPA propane is per scf
      of gas, while LPG is reported in kg or L and Thai LPG is a propane/butane mix).
    * lignite, sub_bituminous_coal, anthracite: stay CO2e (TGO). EPA gives all three gases per
      mmBtu HHV but only US coal heat contents (lignite 14.21 mmBtu/short ton = 16.5 MJ/kg, while
      TGO's 1.0619 kg CO2e/kg implies ~10.5 MJ/kg for Thai lignite); the IPCC coal CO2 rows are
      NOT VERIFIED and the coal CH4 row is disputed (1 vs 10 kg/TJ).
    * wood, bagasse, palm_kernel_shell, biogas: stay as TGO publishes them (CO2e of CH4+N2O only,
      plus biogenic CO2 separately).
  Lines from CO2e factors keep gas `CO2e`: a column named CO2 never holds CO2e.
- Blends (EXTRA): refrigerant_r404a / r407c / r507a are mass-balance factors of the blend gas
  (R-404A, R-407C, R-507A), expanded by data/ghg/blends.csv (ASHRAE 34 compositions).
"""
from __future__ import annotations

import csv
import json
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
SRC = ROOT.parent / "shared" / "reference" / "emission_factors_gathered.csv"
OUT = ROOT / "src" / "ecotown" / "data" / "ghg" / "factors.csv"

TGO22 = "TGO CFO EF list (via secondary code transcription)"
TEI = "TEI Carbon Reduction Label (DEDE / IPCC 2006 based)"
# (source, activity text in the source, gas in the source) -> (activity code, gas, scope, basis,
#  valid_from, valid_to, grace_until)
MAP = {
    ("TGO", "Thailand grid electricity: generation combustion + T&D losses", "CO2e"):
        ("grid_electricity", "CO2e", 2, "location", "2026-01-01", "", "2026-03-31"),
    ("TGO", "Thailand grid electricity: fuel extraction, refining, transport (upstream of generation)", "CO2e"):
        ("grid_electricity", "CO2e", 3, "location", "2026-01-01", "", ""),
    ("TGO (via secondary code transcription)", "Thailand grid mix electricity", "CO2e"):
        ("grid_electricity", "CO2e", 2, "location", "2022-04-01", "2025-12-31", ""),
    ("TGO study cited by TEI Carbon Reduction Label", "Thailand grid electricity generation", "CO2e"):
        ("grid_electricity", "CO2e", 2, "location", "", "2022-03-31", ""),
    (TEI, "Diesel oil", "CO2e"): ("diesel", "CO2e", 1, "", "", "2022-03-31", ""),
    (TEI, "Fuel oil A", "CO2e"): ("fuel_oil_a", "CO2e", 1, "", "", "2022-03-31", ""),
    (TEI, "Fuel oil C", "CO2e"): ("fuel_oil_c", "CO2e", 1, "", "", "2022-03-31", ""),
    (TEI, "LPG", "CO2e"): ("lpg", "CO2e", 1, "", "", "2022-03-31", ""),
    (TGO22, "Natural gas (per MJ)", "CO2e"): ("natural_gas", "CO2e", 1, "", "", "", ""),
    (TGO22, "Lignite", "CO2e"): ("lignite", "CO2e", 1, "", "", "", ""),
    (TGO22, "Fuel oil A", "CO2e"): ("fuel_oil_a", "CO2e", 1, "", "2022-04-01", "", ""),
    (TGO22, "Fuel oil C", "CO2e"): ("fuel_oil_c", "CO2e", 1, "", "2022-04-01", "", ""),
    (TGO22, "Gas/diesel oil", "CO2e"): ("diesel", "CO2e", 1, "", "2022-04-01", "", ""),
    (TGO22, "Anthracite", "CO2e"): ("anthracite", "CO2e", 1, "", "", "", ""),
    (TGO22, "Sub-bituminous coal", "CO2e"): ("sub_bituminous_coal", "CO2e", 1, "", "", "", ""),
    (TGO22, "Jet kerosene", "CO2e"): ("jet_kerosene", "CO2e", 1, "", "", "", ""),
    (TGO22, "LPG (per kg)", "CO2e"): ("lpg", "CO2e", 1, "", "2022-04-01", "", ""),
    (TGO22, "Motor gasoline", "CO2e"): ("gasoline", "CO2e", 1, "", "", "", ""),
    (TGO22, "Fuel wood (CH4+N2O only, biogenic CO2 excluded)", "CO2e"): ("wood", "CO2e", 1, "", "", "", ""),
    (TGO22, "Bagasse (CH4+N2O only)", "CO2e"): ("bagasse", "CO2e", 1, "", "", "", ""),
    (TGO22, "Palm kernel shell (CH4+N2O only)", "CO2e"): ("palm_kernel_shell", "CO2e", 1, "", "", "", ""),
    (TGO22, "Biogas (CH4+N2O only)", "CO2e"): ("biogas", "CO2e", 1, "", "", "", ""),
    (TGO22, "Fuel wood biogenic CO2", "CO2 (biogenic)"): ("wood", "CO2_biogenic", 1, "", "", "", ""),
    (TGO22, "Bagasse biogenic CO2", "CO2 (biogenic)"): ("bagasse", "CO2_biogenic", 1, "", "", "", ""),
    (TGO22, "Palm kernel shell biogenic CO2", "CO2 (biogenic)"): ("palm_kernel_shell", "CO2_biogenic", 1, "", "", "", ""),
    (TGO22, "Biogas biogenic CO2", "CO2 (biogenic)"): ("biogas", "CO2_biogenic", 1, "", "", "", ""),
    (TGO22, "Motor gasoline - uncontrolled", "CO2e"): ("gasoline_mobile", "CO2e", 1, "", "", "", ""),
    (TGO22, "Gas/diesel oil - on-road", "CO2e"): ("diesel_mobile", "CO2e", 1, "", "", "", ""),
    (TGO22, "CNG - on-road", "CO2e"): ("cng_mobile", "CO2e", 1, "", "", "", ""),
    (TGO22, "LPG - on-road", "CO2e"): ("lpg_mobile", "CO2e", 1, "", "", "", ""),
    (TGO22, "Diesel off-road equipment (agri/forestry/industrial)", "CO2e"):
        ("diesel_offroad", "CO2e", 1, "", "", "", ""),
    ("ClimateView TEF (IPCC 2019 Refinement V5 Ch6 Table 6.3, AR6 GWP)", "Septic tank anaerobic decomposition", "CO2e"):
        ("wastewater_septic_tank", "CO2e", 1, "", "", "", ""),
    ("ClimateView TEF (IPCC 2019 Refinement V5 Ch6 Table 6.3, AR6 GWP)", "Anaerobic lagoon", "CO2e"):
        ("wastewater_anaerobic_lagoon", "CO2e", 1, "", "", "", ""),
}
EPA = "US EPA GHG Emission Factors Hub"
# Per-gas factors chosen instead of a CO2e factor (see the module docstring): source key -> (code,
# gas, scope, basis, valid_from, valid_to, grace_until, heating_basis).
PER_GAS = {
    (EPA, "Natural gas", "CO2"): ("natural_gas", "CO2", 1, "", "", "", "", "gcv"),
    (EPA, "Natural gas", "CH4"): ("natural_gas", "CH4", 1, "", "", "", "", "gcv"),
    (EPA, "Natural gas", "N2O"): ("natural_gas", "N2O", 1, "", "", "", "", "gcv"),
}
# MAP rows no longer in the library (their id number stays unused), with the reason.
DROPPED = {
    (TGO22, "Natural gas (per MJ)", "CO2e"): "natural_gas is per gas (EPA Hub, GCV); never both",
}
# GWP set embedded in CO2e factors, by source (see the module docstring).
GWP_SET = {
    "TGO": "AR5", "TGO (via secondary code transcription)": "AR5", TGO22: "AR5",
    "ClimateView TEF (IPCC 2019 Refinement V5 Ch6 Table 6.3, AR6 GWP)": "AR6",
}
# Status decided here rather than from the source notes: source key -> (status, reason).
STATUS = {
    ("TGO", "Thailand grid electricity: generation combustion + T&D losses", "CO2e"):
        ("secondary_verify", "known only from a news article; verify against the TGO document"),
    ("TGO", "Thailand grid electricity: fuel extraction, refining, transport (upstream of generation)", "CO2e"):
        ("secondary_verify", "known only from a news article; verify against the TGO document"),
    ("TGO study cited by TEI Carbon Reduction Label", "Thailand grid electricity generation", "CO2e"):
        ("secondary_verify", "a TEI web page citing a TGO study; verify against the TGO document"),
    (EPA, "Natural gas", "CO2"): ("secondary_verify", "read from a copy of the EPA Hub 2024, not epa.gov"),
    (EPA, "Natural gas", "CH4"): ("secondary_verify", "read from a copy of the EPA Hub 2024, not epa.gov"),
    (EPA, "Natural gas", "N2O"): ("secondary_verify", "read from a copy of the EPA Hub 2024, not epa.gov"),
}
UNIT_FIX = {"kg CO2/mmBtu (HHV)": "kg/mmBtu", "g CH4/mmBtu (HHV)": "g/mmBtu", "g N2O/mmBtu (HHV)": "g/mmBtu",
            "kgCO2e/kWh": "kg/kWh", "kgCO2e/L": "kg/L", "kgCO2e/kg": "kg/kg", "kgCO2e/scf": "kg/scf",
            "kgCO2e/MJ": "kg/MJ", "kgCO2e/m3": "kg/m3", "kgCO2/kg": "kg/kg", "kgCO2/m3": "kg/m3",
            "gCO2e/kg BOD": "g/kg"}
# Factors that are identities of method, not published values (fugitive mass balance, certificates).
MASS_BALANCE = "mass balance: refrigerant or gas added to equipment = emitted (GHG Protocol / TGO CFO fugitive method)"
EXTRA = [
    ("refrigerant_r32", "HFC-32"), ("refrigerant_r134a", "HFC-134a"), ("refrigerant_r410a", "R-410A"),
    ("refrigerant_r22", "HCFC-22"), ("sf6", "SF6"),
]
EXTRA_BLENDS = [("refrigerant_r404a", "R-404A"), ("refrigerant_r407c", "R-407C"), ("refrigerant_r507a", "R-507A")]
COLUMNS = ["factor_id", "activity", "gas", "value", "unit", "scope", "basis", "heating_basis", "gwp_set", "source",
           "set", "edition", "valid_from", "valid_to", "grace_until", "status", "url", "original_row"]


def status_of(row: dict) -> str:
    notes = (row.get("notes") or "").upper()
    if "SECONDARY" in notes or "NOT VERIFIED" in notes or "secondary" in (row.get("source") or ""):
        return "secondary_verify"
    if "via" in (row.get("source") or "") or "ClimateView" in (row.get("source") or ""):
        return "secondary_verify"
    return "official"


def _row(key, n, row, code, gas, scope, basis, vf, vt, grace, heating_basis="") -> dict:
    status, _reason = STATUS.get(key, (status_of(row), ""))
    return {
        "activity": code, "gas": gas, "value": row["value"], "unit": UNIT_FIX.get(row["unit"], row["unit"]),
        "scope": scope, "basis": basis, "heating_basis": heating_basis,
        "gwp_set": GWP_SET.get(row["source"], "") if gas == "CO2e" else "", "source": row["source"],
        "set": row["source"].split(" ")[0], "edition": row["edition"], "valid_from": vf,
        "valid_to": vt, "grace_until": grace, "status": status, "url": row["url"],
        "original_row": json.dumps({"line": n, **row}, ensure_ascii=False),
    }


def build(src: Path) -> list[dict]:
    found: dict[tuple, dict] = {}
    per_gas: dict[tuple, dict] = {}
    with open(src, newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            key = (row["source"], row["activity"], row["gas"])
            if key in MAP and key not in found:
                code, gas, scope, basis, vf, vt, grace = MAP[key]
                found[key] = _row(key, n, row, code, gas, scope, basis, vf, vt, grace)
            elif key in PER_GAS and key not in per_gas:
                code, gas, scope, basis, vf, vt, grace, hb = PER_GAS[key]
                per_gas[key] = _row(key, n, row, code, gas, scope, basis, vf, vt, grace, hb)
    missing = (set(MAP) - set(found)) | (set(PER_GAS) - set(per_gas))
    if missing:
        raise SystemExit(f"source rows not found: {sorted(missing)}")
    out: list[dict | None] = [None if key in DROPPED else found[key] for key in MAP]  # None: id kept unused
    # grid_electricity_certified: location-based = the grid factor; market-based = 0 for
    # retired certificates (GHG Protocol Scope 2 Guidance, market-based method).
    for r in [r for r in out if r and r["activity"] == "grid_electricity" and r["scope"] == 2]:
        out.append({**r, "activity": "grid_electricity_certified"})
    out.append({"activity": "grid_electricity_certified", "gas": "CO2e", "value": "0", "unit": "kg/kWh",
                "scope": 2, "basis": "market", "heating_basis": "", "gwp_set": "",
                "source": "GHG Protocol Scope 2 Guidance: energy attribute certificates retired for the consumption",
                "set": "GHGP", "edition": "2015", "valid_from": "", "valid_to": "", "grace_until": "",
                "status": "official", "url": "https://ghgprotocol.org/scope_2_guidance", "original_row": ""})

    def mass_balance(code, gas):
        return {"activity": code, "gas": gas, "value": "1", "unit": "kg/kg", "scope": 1, "basis": "",
                "heating_basis": "", "gwp_set": "", "source": MASS_BALANCE, "set": "method", "edition": "",
                "valid_from": "", "valid_to": "", "grace_until": "", "status": "official",
                "url": "https://ghgprotocol.org/corporate-standard", "original_row": ""}

    out += [mass_balance(code, gas) for code, gas in EXTRA]
    # rows added after the first edition of the library (ids ET-F0043 on, in this order)
    out += [mass_balance(code, gas) for code, gas in EXTRA_BLENDS]
    out += [per_gas[key] for key in PER_GAS]
    rows = []
    for i, r in enumerate(out, start=1):
        if r is not None:
            r["factor_id"] = f"ET-F{i:04d}"
            rows.append(r)
    per_gas_codes = {r["activity"] for r in rows if r["gas"] in ("CO2", "CH4", "N2O")}
    both = sorted(r["activity"] for r in rows if r["gas"] == "CO2e" and r["activity"] in per_gas_codes)
    if both:  # never a CO2e factor beside per-gas factors of the same activity (double count)
        raise SystemExit(f"CO2e and per-gas factors for the same activity: {both}")
    return rows


def main(argv: list[str]) -> int:
    src = Path(argv[0]) if argv else SRC
    dst = Path(argv[1]) if len(argv) > 1 else OUT
    rows = build(src)
    dst.parent.mkdir(parents=True, exist_ok=True)
    with open(dst, "w", newline="", encoding="utf-8") as fh:
        w = csv.DictWriter(fh, fieldnames=COLUMNS, lineterminator="\n")
        w.writeheader()
        w.writerows(rows)
    print(f"wrote {len(rows)} factors to {dst}")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
