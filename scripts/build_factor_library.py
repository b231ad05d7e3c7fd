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
UNIT_FIX = {"kgCO2e/kWh": "kg/kWh", "kgCO2e/L": "kg/L", "kgCO2e/kg": "kg/kg", "kgCO2e/scf": "kg/scf",
            "kgCO2e/MJ": "kg/MJ", "kgCO2e/m3": "kg/m3", "kgCO2/kg": "kg/kg", "kgCO2/m3": "kg/m3",
            "gCO2e/kg BOD": "g/kg"}
# Factors that are identities of method, not published values (fugitive mass balance, certificates).
MASS_BALANCE = "mass balance: refrigerant or gas added to equipment = emitted (GHG Protocol / TGO CFO fugitive method)"
EXTRA = [
    ("refrigerant_r32", "HFC-32"), ("refrigerant_r134a", "HFC-134a"), ("refrigerant_r410a", "R-410A"),
    ("refrigerant_r22", "HCFC-22"), ("sf6", "SF6"),
]
COLUMNS = ["factor_id", "activity", "gas", "value", "unit", "scope", "basis", "heating_basis", "source",
           "set", "edition", "valid_from", "valid_to", "grace_until", "status", "url", "original_row"]


def status_of(row: dict) -> str:
    notes = (row.get("notes") or "").upper()
    if "SECONDARY" in notes or "NOT VERIFIED" in notes or "secondary" in (row.get("source") or ""):
        return "secondary_verify"
    if "via" in (row.get("source") or "") or "ClimateView" in (row.get("source") or ""):
        return "secondary_verify"
    return "official"


def build(src: Path) -> list[dict]:
    out: list[dict] = []
    seen = set()
    with open(src, newline="", encoding="utf-8") as fh:
        for n, row in enumerate(csv.DictReader(fh), start=2):
            key = (row["source"], row["activity"], row["gas"])
            if key not in MAP:
                continue
            code, gas, scope, basis, vf, vt, grace = MAP[key]
            seen.add(key)
            unit = UNIT_FIX.get(row["unit"], row["unit"])
            out.append({
                "activity": code, "gas": gas, "value": row["value"], "unit": unit, "scope": scope,
                "basis": basis, "heating_basis": "", "source": row["source"],
                "set": row["source"].split(" ")[0], "edition": row["edition"], "valid_from": vf,
                "valid_to": vt, "grace_until": grace, "status": status_of(row), "url": row["url"],
                "original_row": json.dumps({"line": n, **row}, ensure_ascii=False),
            })
    missing = set(MAP) - seen
    if missing:
        raise SystemExit(f"source rows not found: {sorted(missing)}")
    # grid_electricity_certified: location-based = the grid factor; market-based = 0 for
    # retired certificates (GHG Protocol Scope 2 Guidance, market-based method).
    for r in [r for r in out if r["activity"] == "grid_electricity" and r["scope"] == 2]:
        out.append({**r, "activity": "grid_electricity_certified"})
    out.append({"activity": "grid_electricity_certified", "gas": "CO2e", "value": "0", "unit": "kg/kWh",
                "scope": 2, "basis": "market", "heating_basis": "",
                "source": "GHG Protocol Scope 2 Guidance: energy attribute certificates retired for the consumption",
                "set": "GHGP", "edition": "2015", "valid_from": "", "valid_to": "", "grace_until": "",
                "status": "official", "url": "https://ghgprotocol.org/scope_2_guidance", "original_row": ""})
    for code, gas in EXTRA:
        out.append({"activity": code, "gas": gas, "value": "1", "unit": "kg/kg", "scope": 1, "basis": "",
                    "heating_basis": "", "source": MASS_BALANCE, "set": "method", "edition": "",
                    "valid_from": "", "valid_to": "", "grace_until": "", "status": "official",
                    "url": "https://ghgprotocol.org/corporate-standard", "original_row": ""})
    for i, r in enumerate(out, start=1):
        r["factor_id"] = f"ET-F{i:04d}"
    return out


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
