"""Error codes of the registry (organisations, estates, factories)."""
from __future__ import annotations

from django.utils.translation import gettext_noop as _  # marks the msgid; ErrorCode translates it when read

from ecotown.core.errors import ErrorCode


class RegistryError(ErrorCode):
    UNSUPPORTED_KIND = "unsupported_kind", _("Organisations of this kind cannot be added here.")
    UNKNOWN_PROVINCE = "unknown_province", _("Unknown province code %(code)s.")
    HAS_CHILDREN = "has_children", _("This organisation still has organisations in it.")
    HAS_FILES = "has_files", _("This organisation still has files; they are kept as evidence.")
    PARENT_KIND = "parent_kind", _("A %(kind)s cannot belong to a %(parent)s.")
    PARENT_REQUIRED = "parent_required", _("Choose the estate or port the factory is in.")
    LAT_LON_PAIR = "lat_lon_pair", _("Give both latitude and longitude, or neither.")
    LAT_LON_RANGE = "lat_lon_range", _("Latitude must be between -90 and 90 and longitude between -180 and 180.")
    OUTSIDE_THAILAND = "outside_thailand", _("The location (%(lat)s, %(lon)s) is outside Thailand.")
    BOUNDARY_INVALID = "boundary_invalid", _("The boundary is not valid.")
    BOUNDARY_NOT_JSON = "boundary_not_json", _("The boundary is not valid JSON.")
    BOUNDARY_NOT_GEOJSON = "boundary_not_geojson", _("The boundary must be a GeoJSON object.")
    BOUNDARY_NOT_POLYGON = "boundary_not_polygon", _("The boundary must be a GeoJSON Polygon or MultiPolygon.")
    BOUNDARY_MALFORMED = "boundary_malformed", _("The boundary's coordinates are malformed.")
    BOUNDARY_SELF_CROSSING = "boundary_self_crossing", _(
        "The boundary polygon is not valid (for example, it crosses itself).")
    BOUNDARY_OUT_OF_RANGE = "boundary_out_of_range", _("The boundary's coordinates are out of range.")
    BOUNDARY_OUTSIDE_THAILAND = "boundary_outside_thailand", _("The boundary lies outside Thailand.")
    CODE_TAKEN = "code_taken", _("The code %(code)s is already used by another %(kind)s.")
    AREA_NEGATIVE = "area_negative", _("An area cannot be negative.")
    AREAS_EXCEED_TOTAL = "areas_exceed_total", _(
        "Industrial, utilities and green areas add up to more than the total area.")
    DIW_NUMBER_INVALID = "diw_number_invalid", _(
        "“%(value)s” is not a DIW registration number: use the classic form such as "
        "3-105-1/45ชบ or the 14-digit number.")
    PROVINCE_NOT_ESTATES = "province_not_estates", _(
        "%(estate)s is in %(province)s: a factory in it is in the same province.")
    DIW_NUMBER_TAKEN = "diw_number_taken", _("DIW registration number %(value)s is already registered.")


#: geo.GeometryError.code -> our code
BOUNDARY_CODES = {
    "not_json": RegistryError.BOUNDARY_NOT_JSON,
    "not_geojson": RegistryError.BOUNDARY_NOT_GEOJSON,
    "not_polygon": RegistryError.BOUNDARY_NOT_POLYGON,
    "malformed": RegistryError.BOUNDARY_MALFORMED,
    "invalid": RegistryError.BOUNDARY_SELF_CROSSING,
    "out_of_range": RegistryError.BOUNDARY_OUT_OF_RANGE,
    "outside_thailand": RegistryError.BOUNDARY_OUTSIDE_THAILAND,
}
