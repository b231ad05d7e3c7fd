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

import pytest

from ecotown.carbon import services
from ecotown.carbon.models import EstateEnergySale, FactorSet, Inventory
from ecotown.core.models import ChangeRecord

from .factories import record

ACTORS = ["anonymous", "outsider", "admin", "officer", "auditor", "estate", "port", "preparer", "approver",
          "preparer2", "school"]
INVENTORIES = ["F1", "E1", "F3"]
SEE = {"admin": {"F1", "E1", "F3"}, "officer": {"F1", "E1", "F3"}, "auditor": {"F3"}, "estate": {"F1", "E1"},
       "preparer": {"F1"}, "approver": {"F1"}}
CHANGE = {"admin": {"F1", "E1", "F3"}, "officer": {"F1", "E1", "F3"}, "estate": {"F1", "E1"}, "approver": {"F1"}}
FINALISE = {"admin": {"F1", "E1", "F3"}, "officer": {"F1", "E1", "F3"}, "estate": {"E1"}, "approver": {"F1"}}
SEE_ESTATE_E1 = {"admin", "officer", "estate"}
ROLLUP = {"admin", "officer"}
SALES_E1 = {"admin", "officer", "estate"}  # declare the energy E1 resells to its members
UPLOAD_SHARED = {"admin", "officer"}


def want(actor, allowed, key, see, ok=200, api=False):
    if actor == "anonymous":
        return 401 if api else 302
    if key not in see.get(actor, set()):
        return 404
    return ok if key in allowed.get(actor, set()) else 403


def _state():
    return (ChangeRecord.objects.count(), FactorSet.objects.count(),
            tuple(EstateEnergySale.objects.order_by("pk").values_list("estate_id", "activity")),
            tuple(Inventory.objects.order_by("pk").values_list("status", "gwp_set", "computed_at")))


@pytest.mark.parametrize("actor", ACTORS)
def test_matrix(actor, world, client):
    services.sync_builtin_library(None)
    for key in INVENTORIES:
        record(getattr(world, key), "diesel", 1000, "L", "2025-03-01", "2025-03-31")
    invs = {key: services.compute_inventory(getattr(world, key), 2025) for key in INVENTORIES}
    headers = {}
    if actor != "anonymous":
        client.force_login(world.users[actor])
        from ecotown.accounts.services import issue_token

        headers = {"HTTP_AUTHORIZATION": "Bearer " + issue_token(world.users[actor])[1]}
    fails = []

    def check(label, got, expected, before=None):
        if got != expected:
            fails.append(f"{actor} {label}: got {got}, want {expected}")
        if before is not None and expected not in (200, 302):
            if before != _state():
                fails.append(f"{actor} {label}: refused but state changed")

    for key, inv in invs.items():
        v = want(actor, SEE, key, SEE)
        check(f"page {key}", client.get(f"/carbon/inventory/{inv.pk}/").status_code, v)
        check(f"lines {key}", client.get(f"/carbon/inventory/{inv.pk}/lines/?scope=1").status_code, v)
        check(f"xlsx {key}", client.get(f"/carbon/inventory/{inv.pk}/inventory.xlsx").status_code, v)
        va = want(actor, SEE, key, SEE, api=True)
        check(f"api get {key}", client.get(f"/api/carbon/inventories/{inv.pk}", **headers).status_code, va)
        check(f"api lines {key}", client.get(f"/api/carbon/inventories/{inv.pk}/lines", **headers).status_code, va)
        before = _state()
        check(f"recompute {key}", client.post(f"/carbon/inventory/{inv.pk}/recompute/").status_code,
              want(actor, CHANGE, key, SEE, ok=302), before)
        before = _state()
        check(f"options {key}", client.post(f"/carbon/inventory/{inv.pk}/options/", {"gwp_set": "AR6"}).status_code,
              want(actor, CHANGE, key, SEE, ok=302), before)
        before = _state()
        check(f"api options {key}", client.post(f"/api/carbon/inventories/{inv.pk}/options", {"gwp_set": "AR4"},
                                                content_type="application/json", **headers).status_code,
              want(actor, CHANGE, key, SEE, api=True), before)
        before = _state()
        check(f"finalise {key}", client.post(f"/carbon/inventory/{inv.pk}/finalise/").status_code,
              want(actor, FINALISE, key, SEE, ok=302), before)
    e1 = world.E1.pk
    see_e1 = {a: {"E1"} for a in SEE_ESTATE_E1}
    check("estate page", client.get(f"/carbon/estate/{e1}/?year=2025").status_code, want(actor, see_e1, "E1", see_e1))
    check("estate api", client.get(f"/api/carbon/estates/{e1}?year=2025", **headers).status_code,
          want(actor, see_e1, "E1", see_e1, api=True))
    before = _state()
    check("energy sales api", client.put(f"/api/carbon/estates/{e1}/energy-sales", {"activities": ["grid_electricity"]},
                                         content_type="application/json", **headers).status_code,
          want(actor, see_e1, "E1", see_e1, api=True), before)
    # the page where the estate manager declares the energy the estate resells (E1: changed by
    # authority staff and E1's manager; everyone else does not see E1)
    sales = {a: {"E1"} for a in SALES_E1}
    check("energy sales page", client.get(f"/carbon/estate/{e1}/energy-sales/").status_code,
          want(actor, sales, "E1", see_e1))
    before = _state()
    check("energy sales post", client.post(f"/carbon/estate/{e1}/energy-sales/",
                                           {"activities": ["steam"]}).status_code,
          want(actor, sales, "E1", see_e1, ok=302), before)
    roll = {a: {"R"} for a in ROLLUP}
    check("rollup page", client.get("/carbon/authority/?year=2025").status_code, want(actor, roll, "R", roll))
    check("rollup api", client.get("/api/carbon/rollup?year=2025", **headers).status_code, want(actor, roll, "R", roll, api=True))
    check("map data", client.get("/carbon/map.json?year=2025").status_code,
          302 if actor == "anonymous" else 200)  # filtered to what the user sees (tested elsewhere)
    signed = {a: {"L"} for a in ACTORS if a != "anonymous"}
    check("library", client.get("/carbon/factors/").status_code, want(actor, signed, "L", signed))
    shared = {a: {"L"} for a in UPLOAD_SHARED}
    before = _state()
    data = b"activity,gas,value,unit,scope,source,valid_from\nsteam,CO2e,70,kg/GJ,2,S,2025-01-01\n"
    from django.core.files.uploadedfile import SimpleUploadedFile

    r = client.post("/api/carbon/factor-sets", {"name": "Steam", "source": "S", "edition": "1",
                                                "file": SimpleUploadedFile("s.csv", data, "text/csv")}, **headers)
    check("upload shared api", r.status_code, want(actor, shared, "L", signed, api=True), before)
    assert not fails, "\n".join(fails)
