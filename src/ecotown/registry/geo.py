"""Geography without PostGIS: GeoJSON stored as JSON, validated with shapely."""
from __future__ import annotations

import json
from functools import lru_cache
from pathlib import Path

from shapely.geometry import Point, shape
from shapely.prepared import prep

DATA = Path(__file__).resolve().parent.parent / "data" / "geo"
BUFFER_FILE = DATA / "thailand-land-buffer-25km.geojson"


@lru_cache(maxsize=1)
def thailand_area():
    """Thailand's land boundary plus a 25 km buffer (shipped data, see data/geo/README.md)."""
    data = json.loads(BUFFER_FILE.read_text())
    if data.get("type") == "FeatureCollection":
        geoms = [shape(f["geometry"]) for f in data["features"]]
        from shapely.ops import unary_union

        geom = unary_union(geoms)
    elif data.get("type") == "Feature":
        geom = shape(data["geometry"])
    else:
        geom = shape(data)
    return prep(geom)


def in_thailand(lat: float, lon: float) -> bool:
    return thailand_area().contains(Point(lon, lat))


class GeometryError(ValueError):
    def __init__(self, code: str, detail: str = ""):
        super().__init__(code)
        self.code, self.detail = code, detail


def parse_boundary(value) -> dict:
    """Validate a boundary (GeoJSON Polygon/MultiPolygon or a Feature of one); return the geometry dict."""
    if isinstance(value, str):
        try:
            value = json.loads(value)
        except ValueError as exc:
            raise GeometryError("not_json", str(exc)) from exc
    if not isinstance(value, dict):
        raise GeometryError("not_geojson")
    if value.get("type") == "Feature":
        value = value.get("geometry") or {}
    if value.get("type") not in {"Polygon", "MultiPolygon"}:
        raise GeometryError("not_polygon", str(value.get("type")))
    try:
        geom = shape(value)
    except Exception as exc:  # shapely raises several kinds for malformed coordinates
        raise GeometryError("malformed", str(exc)) from exc
    if geom.is_empty or not geom.is_valid:
        from shapely.validation import explain_validity

        raise GeometryError("invalid", explain_validity(geom))
    minx, miny, maxx, maxy = geom.bounds
    if not (-180 <= minx <= maxx <= 180 and -90 <= miny <= maxy <= 90):
        raise GeometryError("out_of_range")
    if not thailand_area().contains(geom.representative_point()):
        raise GeometryError("outside_thailand")
    return value


RAI_M2 = 1600.0
