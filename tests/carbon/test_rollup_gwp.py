"""Issue 9: one GWP set per published total. Estate-wide and national totals are computed in the
authority's set (ECOTOWN_ROLLUP_GWP, AR5 by default); each organisation's inventory keeps its own."""
from __future__ import annotations

import pytest

from ecotown.carbon import selectors, services
from ecotown.carbon.models import Inventory

from .factories import record


@pytest.fixture
def lib(db):
    services.sync_builtin_library(None)


def _two_factories(world):
    # 10 kg of HFC-134a leaked at each factory; GWP100 of HFC-134a: AR4 1430, AR5 1300, AR6 1530
    for org, gwp in ((world.F1, "AR4"), (world.F2, "AR6")):
        record(org, "refrigerant_r134a", 10, "kg", "2025-06-01", "2025-06-30")
        inv = services.compute_inventory(org, 2025)
        services.set_options(world.users["officer"], inv, gwp_set=gwp)


def test_estate_and_national_totals_use_one_gwp_set(world, lib):
    """Wrong (before): the estate summed F1 in AR4 (14.3 t) and F2 in AR6 (15.3 t) = 29.6 t, and the
    roll-up published 29.6 t. Right: both in AR5, 13.0 + 13.0 = 26.0 t, stated as AR5."""
    _two_factories(world)
    assert Inventory.objects.get(organisation=world.F1, year=2025).totals["co2e_t"] == 14.3  # its own choice
    assert Inventory.objects.get(organisation=world.F2, year=2025).totals["co2e_t"] == 15.3
    wide = selectors.estate_wide(world.E1, 2025)
    assert (wide["co2e_t"], wide["scope1_t"], wide["gwp_set"]) == (26.0, 26.0, "AR5")
    assert sorted((o["organisation_id"], o["scope1_t"]) for o in wide["organisations"]) == [
        (world.F1.pk, 13.0), (world.F2.pk, 13.0)]
    roll = selectors.rollup(2025)
    assert (roll["co2e_t"], roll["gwp_set"]) == (26.0, "AR5")
    # from scratch: the same
    services.recompute_estate_full(world.E1, 2025)
    assert selectors.estate_wide(world.E1, 2025)["co2e_t"] == 26.0


def test_the_authority_chooses_the_rollup_set(world, lib, settings):
    settings.ECOTOWN_ROLLUP_GWP = "AR6"
    _two_factories(world)
    wide = selectors.estate_wide(world.E1, 2025)
    assert (wide["co2e_t"], wide["gwp_set"]) == (30.6, "AR6")
    assert Inventory.objects.get(organisation=world.F1, year=2025).totals["co2e_t"] == 14.3


def test_estate_and_authority_pages_and_api_say_which_set(world, lib, client, token_for):
    _two_factories(world)
    client.force_login(world.users["estate"])
    page = client.get(f"/carbon/estate/{world.E1.pk}/?year=2025")
    assert page.status_code == 200
    assert "คำนวณด้วยค่า GWP ชุด AR5" in page.content.decode()
    h = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in token_for(world.users["estate"], lang="en").items()}
    api = client.get(f"/api/carbon/estates/{world.E1.pk}?year=2025", **h)
    assert api.status_code == 200 and api.json()["estate_wide"]["gwp_set"] == "AR5"
    client.force_login(world.users["officer"])
    page = client.get("/carbon/authority/?year=2025")
    assert page.status_code == 200 and "คำนวณด้วยค่า GWP ชุด AR5" in page.content.decode()
    h = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in token_for(world.users["officer"], lang="en").items()}
    roll = client.get("/api/carbon/rollup?year=2025", **h)
    assert roll.status_code == 200 and (roll.json()["gwp_set"], roll.json()["co2e_t"]) == ("AR5", 26.0)
