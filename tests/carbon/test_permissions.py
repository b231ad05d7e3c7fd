"""Permission matrix for the carbon capability, written from the issue's rules (not from access.py):

- an inventory, its lines, months, Excel and PDF are seen by whoever sees the organisation
  (authority staff: all; estate manager: the estate and its members; factory staff: their factory;
  auditor: assignments in force);
- recompute / options: whoever may change the organisation (authority staff, the estate manager
  for the estate's members, the factory approver) — not preparers, auditors or schools;
- make final: authority staff, the factory's approver, the estate manager for the estate's own
  inventory only;
- estate-wide view: whoever sees the estate; the programme roll-up and map: authority staff;
- factor library: read by every signed-in user; shared sets uploaded by authority staff only.
Not visible → 404 (anonymous: sign-in redirect on pages, 401 on the API); visible but not allowed → 403.
A refused request changes nothing.
"""
from __future__ import annotations

from types import SimpleNamespace

from django.core.files.uploadedfile import SimpleUploadedFile

from ecotown.carbon import services
from ecotown.carbon.models import EstateEnergySale, Factor, FactorSet, Inventory
from ecotown.core.models import ChangeRecord

from tests.permissions import ACTORS, Action, ApiAction, ApiCreate, ApiDetail, ApiList, Detail, PermissionMatrix
from .factories import record

INVENTORIES = ["F1", "E1", "F3"]
SEE = {"admin": {"F1", "E1", "F3"}, "officer": {"F1", "E1", "F3"}, "auditor": {"F3"}, "estate": {"F1", "E1"},
       "preparer": {"F1"}, "approver": {"F1"}}
CHANGE = {"admin": {"F1", "E1", "F3"}, "officer": {"F1", "E1", "F3"}, "estate": {"F1", "E1"}, "approver": {"F1"}}
FINALISE = {"admin": {"F1", "E1", "F3"}, "officer": {"F1", "E1", "F3"}, "estate": {"E1"}, "approver": {"F1"}}
SEE_ESTATE_E1 = {"admin", "officer", "estate"}
ROLLUP = {"admin", "officer"}
SALES_E1 = {"admin", "officer", "estate"}  # declare the energy E1 resells to its members
UPLOAD_SHARED = {"admin", "officer"}
SIGNED_IN = set(ACTORS) - {"anonymous"}


def _listed(case, r):
    ids = {i["id"] for i in r.json()["items"]}
    return {k for k, o in case.objects.items() if o.inv.pk in ids}


def _shared_set(case, o):
    data = b"activity,gas,value,unit,scope,source,valid_from\nsteam,CO2e,70,kg/GJ,2,S,2025-01-01\n"
    return {"name": "Steam", "source": "S", "edition": "1", "file": SimpleUploadedFile("s.csv", data, "text/csv")}


class TestCarbonMatrix(PermissionMatrix):
    see = SEE
    operations = [
        Detail("page", "/carbon/inventory/{o.inv.pk}/"),
        Detail("lines", "/carbon/inventory/{o.inv.pk}/lines/?scope=1"),
        Detail("xlsx", "/carbon/inventory/{o.inv.pk}/inventory.xlsx"),
        ApiDetail("api get", "/api/carbon/inventories/{o.inv.pk}"),
        ApiDetail("api lines", "/api/carbon/inventories/{o.inv.pk}/lines"),
        ApiDetail("api months", "/api/carbon/inventories/{o.inv.pk}/months"),
        ApiDetail("api intensity", "/api/carbon/organisations/{o.org.pk}/intensity?year=2025"),
        ApiDetail("api trend", "/api/carbon/organisations/{o.org.pk}/trend"),
        ApiList("api list", "/api/carbon/inventories?limit=500&year=2025", _listed),
        Action("recompute", "/carbon/inventory/{o.inv.pk}/recompute/", CHANGE),
        Action("options", "/carbon/inventory/{o.inv.pk}/options/", CHANGE, {"gwp_set": "AR6"}),
        ApiAction("api options", "/api/carbon/inventories/{o.inv.pk}/options", CHANGE, {"gwp_set": "AR4"}),
        ApiAction("api recompute", "/api/carbon/inventories/{o.inv.pk}/recompute", CHANGE),
        ApiAction("api compute", "/api/carbon/inventories", CHANGE, lambda case, o: {"organisation": o.org.pk, "year": 2025}),
        Detail("finalise: the confirmation page", "/carbon/inventory/{o.inv.pk}/finalise/", FINALISE),
        Action("finalise", "/carbon/inventory/{o.inv.pk}/finalise/", FINALISE, {"confirm": "yes"}),
        ApiAction("api finalise (2024)", "/api/carbon/inventories/{o.inv_2024.pk}/finalise", FINALISE),
        # estate E1 (its inventory's visibility is the estate's)
        Detail("estate page", "/carbon/estate/{o.org.pk}/?year=2025", keys=["E1"]),
        ApiDetail("estate api", "/api/carbon/estates/{o.org.pk}?year=2025", keys=["E1"]),
        ApiAction("energy sales api", "/api/carbon/estates/{o.org.pk}/energy-sales",
                  {a: {"E1"} for a in SALES_E1}, {"year": 2025, "activity": "grid_electricity", "quantity": 0,
                                                  "unit": "kWh"}, method="put", keys=["E1"]),
        Detail("energy sales page", "/carbon/estate/{o.org.pk}/energy-sales/", {a: {"E1"} for a in SALES_E1}, keys=["E1"]),
        Action("energy sales post", "/carbon/estate/{o.org.pk}/energy-sales/", {a: {"E1"} for a in SALES_E1},
               lambda case, o: {"seller": o.org.pk, "year": 2025, "activity": "steam", "quantity": "0", "unit": "GJ"},
               keys=["E1"]),
        # a member of an estate (a small power producer) declares its own power sold to other members
        Detail("member energy sales page", "/carbon/organisation/{o.org.pk}/energy-sales/",
               {a: v & {"F1", "F3"} for a, v in CHANGE.items()}, keys=["F1", "F3"]),
        Action("member energy sales post", "/carbon/organisation/{o.org.pk}/energy-sales/",
               {a: v & {"F1", "F3"} for a, v in CHANGE.items()},
               lambda case, o: {"seller": o.org.pk, "year": 2025, "activity": "grid_electricity", "quantity": "0",
                                "unit": "kWh"}, keys=["F1", "F3"]),
        # object-less
        Detail("index", "/carbon/", SIGNED_IN),
        Detail("rollup page", "/carbon/authority/?year=2025", ROLLUP, refused=404),
        ApiDetail("rollup api", "/api/carbon/rollup?year=2025", ROLLUP, refused=404),
        Detail("map data", "/carbon/map.json?year=2025", SIGNED_IN),  # filtered to what the user sees (tested elsewhere)
        Detail("library", "/carbon/factors/", SIGNED_IN),
        Detail("shared factor", "/carbon/factor/{c.factor.pk}/", SIGNED_IN),
        ApiDetail("api shared factor", "/api/carbon/factors/{c.factor.pk}", SIGNED_IN),
        ApiDetail("api factors", "/api/carbon/factors?limit=5", SIGNED_IN),
        ApiDetail("api factor sets", "/api/carbon/factor-sets", SIGNED_IN),
        ApiCreate("upload shared api", "/api/carbon/factor-sets", UPLOAD_SHARED, _shared_set, json=False, ok=200),
    ]

    def setup(self, world):
        services.sync_builtin_library(None)
        self.factor = Factor.objects.filter(factor_set__organisation__isnull=True).order_by("pk").first()
        out = {}
        for key in INVENTORIES:
            org = getattr(world, key)
            record(org, "diesel", 1000, "L", "2025-03-01", "2025-03-31")
            record(org, "diesel", 900, "L", "2024-03-01", "2024-03-31")
            out[key] = SimpleNamespace(org=org, inv=services.compute_inventory(org, 2025),
                                       inv_2024=services.compute_inventory(org, 2024))
        return out

    def state(self):
        return (ChangeRecord.objects.count(), FactorSet.objects.count(),
                tuple(EstateEnergySale.objects.order_by("pk").values_list("estate_id", "activity")),
                tuple(Inventory.objects.order_by("pk").values_list("status", "gwp_set", "computed_at")))
