"""Error codes of greenhouse-gas accounting (factor library, inventories, estate energy sales).

Problems found by the calculator (`ecotown.calc`) keep the calculator's own codes (CalcError)."""
from __future__ import annotations

from django.utils.translation import gettext_noop as _  # marks the msgid; ErrorCode translates it when read

from ecotown.core.errors import ErrorCode


class CarbonError(ErrorCode):
    FACTOR_CHANGED = "factor_changed", _(
        "Factor %(id)s changed in the built-in file: a factor once loaded is never edited, give the new "
        "edition a new id.")
    STATUS_INVALID = "status_invalid", _("Choose a valid status.")
    FILE_EMPTY = "file_empty", _("The file is empty.")
    NO_FACTOR_ROWS = "no_factor_rows", _("The file has no factor rows.")
    UNKNOWN_ACTIVITIES = "unknown_activities", _("Unknown activity codes: %(codes)s")
    OVERLAPS_LIBRARY = "overlaps_library", _(
        "line %(line)s overlaps factor %(id)s (%(activity)s, %(gas)s) of the library: give the new edition "
        "dates that do not overlap")
    OWN_LOCATION_SCOPE2 = "own_location_scope2", _(
        "line %(line)s: %(activity)s is a location-based Scope 2 factor; location-based Scope 2 always uses "
        "the grid average of the library: declare the supplier's factor with basis “market”")
    NOT_AN_ESTATE = "not_an_estate", _(
        "Only an industrial estate or port, or an organisation inside it, declares energy sold to the estate's members.")
    NOT_PURCHASED_ENERGY = "not_purchased_energy", _("Not a purchased-energy (Scope 2) activity: %(codes)s")
    SALE_QUANTITY_INVALID = "sale_quantity_invalid", _("Enter the quantity sold as a number of zero or more.")
    SALE_UNIT_INVALID = "sale_unit_invalid", _("Unit “%(unit)s” cannot measure %(activity)s.")
    RESALE_EXCEEDS_PURCHASES = "resale_exceeds_purchases", _(
        "%(activity)s: the declared resale (%(declared)s %(unit)s) exceeds what the estate operator bought in "
        "%(year)s (%(purchased)s %(unit)s, its counted activity records).")
    MEMBER_SALE_EXCEEDS_PURCHASES = "member_sale_exceeds_purchases", _(
        "%(activity)s: the declared sale (%(declared)s %(unit)s) exceeds what the other members of the estate "
        "bought in %(year)s (%(purchased)s %(unit)s).")
    GWP_SET_INVALID = "gwp_set_invalid", _("Choose AR4, AR5 or AR6.")
    # guards of the inventory workflow (carbon/workflows.py)
    NOT_COMPUTED = "inventory_not_computed", _("The inventory could not be computed; correct the data first.")
    NO_VERIFIED_RECORDS = "inventory_without_records", _("The inventory has no verified records.")
