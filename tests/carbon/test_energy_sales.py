"""Issue 9: energy sold inside an estate, reconciled with purchases and counted once.

Data (2025, grid 0.4999 kg/kWh): the operator E1 burns 100,000 MJ of natural gas (5.034283 t per gas, EPA Hub; 5.62 t with the former TGO CO2e factor) and buys
10,000 kWh (4.999 t); F1 buys 4,000 kWh (1.9996 t) and burns 1,000 L of diesel (2.7078 t); F2 burns
1,000 kg of LPG (3.1134 t) and buys 2,000 kWh (0.9998 t)."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ecotown.carbon import selectors, services
from ecotown.carbon.models import EstateEnergySale, EstateResult, Inventory, MonthResult
from ecotown.core import history

from .factories import record


@pytest.fixture
def lib(db):
    services.sync_builtin_library(None)


@pytest.fixture
def estate(world, lib):
    recs = {
        "e1_gas": record(world.E1, "natural_gas", 100000, "MJ", "2025-03-01", "2025-03-31"),
        "e1_grid": record(world.E1, "grid_electricity", 10000, "kWh", "2025-03-01", "2025-03-31"),
        "f1_grid": record(world.F1, "grid_electricity", 4000, "kWh", "2025-03-01", "2025-03-31"),
        "f1_diesel": record(world.F1, "diesel", 1000, "L", "2025-03-01", "2025-03-31"),
        "f2_lpg": record(world.F2, "lpg", 1000, "kg", "2025-04-01", "2025-04-30"),
        "f2_grid": record(world.F2, "grid_electricity", 2000, "kWh", "2025-04-01", "2025-04-30"),
    }
    for org in (world.E1, world.F1, world.F2):
        services.compute_inventory(org, 2025)
    return recs


def _declare(world, qty, unit="kWh", seller=None, who="estate"):
    return services.declare_energy_sale(world.users[who], world.E1, year=2025, activity="grid_electricity",
                                        quantity=qty, unit=unit, seller=seller)


def _snapshot():
    m = sorted(MonthResult.objects.filter(year=2025).values_list(
        "organisation_id", "month", "scope1_t", "scope2_location_t", "scope2_market_t", "scope3_t",
        "internal_scope2_t", "resold_scope2_t", "co2e_t"))
    e = sorted(EstateResult.objects.filter(year=2025).values_list(
        "estate_id", "month", "scope1_t", "scope2_imported_t", "scope2_internal_t", "co2e_t", "n_organisations"))
    return m, e


def test_resale_above_purchases_is_refused_naming_activity_and_quantities(world, estate):
    before = history.ChangeRecord.objects.count() if hasattr(history, "ChangeRecord") else None
    with pytest.raises(ValidationError) as exc:
        _declare(world, 12000)
    assert exc.value.message_dict == {"quantity": [
        "grid_electricity: the declared resale (12,000 kWh) exceeds what the estate operator bought in 2025 "
        "(10,000 kWh, its counted activity records)."]}
    with pytest.raises(ValidationError) as exc:  # in another unit of the same dimension
        _declare(world, 10.5, "MWh")
    assert exc.value.message_dict["quantity"] == [
        "grid_electricity: the declared resale (10.5 MWh) exceeds what the estate operator bought in 2025 "
        "(10 MWh, its counted activity records)."]
    with pytest.raises(ValidationError) as exc:
        _declare(world, 10, "kg")
    assert exc.value.message_dict == {"unit": ["Unit “kg” cannot measure grid_electricity."]}
    with pytest.raises(ValidationError) as exc:
        services.declare_energy_sale(world.users["estate"], world.E1, year=2025, activity="diesel", quantity=1,
                                     unit="L")
    assert exc.value.message_dict == {"activity": ["Not a purchased-energy (Scope 2) activity: diesel"]}
    assert EstateEnergySale.objects.count() == 0
    assert before is None or history.ChangeRecord.objects.count() == before


def test_operator_resale_moves_its_share_from_scope2_to_scope3_cat3_and_counts_electricity_once(world, estate, client):
    """Wrong (before): the 6,000 kWh E1 resold to F1 and F2 stayed in E1's Scope 2 (4.999 t) and were
    counted again in the members' Scope 2: estate-wide Scope 2 7.9984 t, total 18.853883 t (and
    declaring "the estate sells electricity" with no quantity excluded all members' Scope 2 whatever
    the operator bought). Right: E1's Scope 2 = 4,000 kWh x 0.4999 = 1.9996 t, its Scope 3 cat. 3 +
    6,000 x 0.4999 = 2.9994 t; estate-wide Scope 2 = 10,000 kWh x 0.4999 = 4.999 t once, total 15.854483 t."""
    wide = selectors.estate_wide(world.E1, 2025)
    assert (wide["scope2_imported_t"], wide["co2e_t"]) == (7.9984, 18.853883)
    own = Inventory.objects.get(organisation=world.E1, year=2025)
    assert (own.totals["scope2_location_t"], own.totals["scope3_t"], own.totals["co2e_t"]) == (4.999, 0.0, 10.033283)
    sale = _declare(world, 6, "MWh")
    own.refresh_from_db()
    t = own.totals
    assert (t["scope1_t"], t["scope2_location_t"], t["scope3_t"], t["co2e_t"]) == (5.034283, 1.9996, 2.9994, 10.033283)
    assert own.by_scope3_category == {"3": 2.9994}
    assert own.by_category == {"1": 5.034283, "2": 1.9996, "4": 2.9994}
    resale = sorted((ln.scope, ln.basis, ln.quantity, round(ln.co2e_t, 6), ln.scope3_category, ln.source_id,
                     ln.factor_code) for ln in own.lines.filter(source_kind="energy_resale"))
    assert resale == [(2, "location", -6000.0, -2.9994, None, sale.pk, "ET-F0003"),
                      (3, "location", 6000.0, 2.9994, 3, sale.pk, "ET-F0003")]
    assert any(w["kind"] == "energy_resale" and w["share"] == 0.6 for w in own.warnings)
    client.force_login(world.users["estate"])  # the operator's lines page lists the traced resale lines
    page = client.get(f"/carbon/inventory/{own.pk}/lines/?scope=3")
    assert page.status_code == 200 and "6,000" in page.content.decode()
    wide = selectors.estate_wide(world.E1, 2025)
    assert (wide["scope1_t"], wide["scope2_imported_t"], wide["scope2_resold_t"], wide["co2e_t"]) == (
        10.855483, 4.999, 2.9994, 15.854483)
    e1 = next(o for o in wide["organisations"] if o["is_operator"])
    assert (e1["scope2_location_t"], e1["scope2_resold_t"], e1["scope3_t"]) == (1.9996, 2.9994, 2.9994)
    assert [(s["seller_id"], s["is_resale"], s["quantity"], s["unit"]) for s in wide["sales"]] == [
        (world.E1.pk, True, 6.0, "MWh")]
    # the members' own inventories are unchanged
    assert Inventory.objects.get(organisation=world.F1, year=2025).totals["co2e_t"] == 4.7074
    # nationally: E1 counted once, with E2's own
    record(world.F3, "diesel", 1000, "L", "2025-03-01", "2025-03-31")
    services.compute_inventory(world.F3, 2025)
    assert selectors.rollup(2025)["co2e_t"] == round(15.854483 + 2.7078, 6)
    # the same numbers from scratch
    inc = _snapshot()
    services.recompute_estate_full(world.E1, 2025)
    assert _snapshot() == inc


def test_incremental_edit_of_the_operator_purchases_equals_a_full_recompute(world, estate):
    _declare(world, 6000)
    r = estate["e1_grid"]
    r.quantity = 12000  # the resold share drops from 60 % to 50 %
    history.save(None, r, validate=False)
    services.refresh_months(world.E1, 2025, [3])
    inc = _snapshot()
    e1_year = MonthResult.objects.get(organisation=world.E1, year=2025, month=0)
    assert (e1_year.scope2_location_t, e1_year.resold_scope2_t, e1_year.scope3_t) == (2.9994, 2.9994, 2.9994)
    services.recompute_estate_full(world.E1, 2025)
    assert _snapshot() == inc
    inv = services.compute_inventory(world.E1, 2025)
    assert (inv.totals["scope2_location_t"], inv.totals["scope3_t"]) == (2.9994, 2.9994)
    assert selectors.estate_wide(world.E1, 2025)["scope2_imported_t"] == round(2.9994 + 1.9996 + 0.9998, 6)


def test_a_small_power_producer_sale_excludes_the_buyers_scope2(world, estate):
    """F2 generates power (its fuel is its Scope 1) and sells 1,000 kWh of it to F1, which reports it
    with its 4,000 kWh of grid_electricity. Wrong (before; no way to declare it): estate-wide Scope 2
    7.9984 t, total 18.853883 t — those 1,000 kWh counted in F2's Scope 1 and again in F1's Scope 2.
    Right: 7.9984 - 1,000 x 0.4999 = 7.4985 t, total 18.353983 t; F1's own inventory unchanged."""
    with pytest.raises(ValidationError) as exc:  # more than the other members bought (F1's 4,000 kWh)
        _declare(world, 5000, seller=world.F2)
    assert exc.value.message_dict == {"quantity": [
        "grid_electricity: the declared sale (5,000 kWh) exceeds what the other members of the estate bought "
        "in 2025 (4,000 kWh)."]}
    _declare(world, 1000, seller=world.F2)
    wide = selectors.estate_wide(world.E1, 2025)
    assert (wide["scope2_imported_t"], wide["scope2_sold_between_members_t"], wide["co2e_t"]) == (
        7.4985, 0.4999, 18.353983)
    f2 = next(o for o in wide["organisations"] if o["organisation_id"] == world.F2.pk)
    assert (f2["scope1_t"], f2["scope2_location_t"], f2["scope2_sold_to_members_t"]) == (3.1134, 0.9998, 0.4999)
    assert Inventory.objects.get(organisation=world.F1, year=2025).totals["co2e_t"] == 4.7074
    assert selectors.rollup(2025)["co2e_t"] == 18.353983
    # and with the operator's resale of 6,000 kWh as well: each kWh once
    _declare(world, 6000)
    wide = selectors.estate_wide(world.E1, 2025)
    assert (wide["scope2_imported_t"], wide["co2e_t"]) == (round(4.999 - 0.4999, 6), round(10.855483 + 4.4991, 6))
    inc = _snapshot()
    services.recompute_estate_full(world.E1, 2025)
    assert _snapshot() == inc
    # a refused or withdrawn declaration: back to the purchases
    _declare(world, 0, seller=world.F2)
    assert selectors.estate_wide(world.E1, 2025)["co2e_t"] == 15.854483


def test_only_the_seller_or_its_estate_declares(world, estate):
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    for who in ("preparer", "port"):
        with pytest.raises((PermissionDenied, Http404)):
            _declare(world, 1000, seller=world.E1, who=who)
    with pytest.raises(ValidationError) as exc:  # F3 is in E2, not in E1
        _declare(world, 1000, seller=world.F3, who="officer")
    assert list(exc.value.message_dict) == ["seller"]
    assert EstateEnergySale.objects.count() == 0


def test_a_member_declares_its_own_power_sale_on_its_page(world, estate, client):
    """F1's approver (a small power producer in E1) declares on F1's own page what F1 sold to the
    other members (before: only the estate's page or the API could). F2 bought 2,000 kWh, so 1,500 kWh
    is accepted: estate-wide Scope 2 7.9984 - 1,500 x 0.4999 = 7.24855 t. The page lists F1's own
    declarations only, never the operator's or another member's."""
    _declare(world, 6000)  # the operator's resale: not F1's to see
    client.force_login(world.users["approver"])
    url = f"/carbon/organisation/{world.F1.pk}/energy-sales/?year=2025"
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Energy sold inside the estate · " in page and "none declared" in page
    r = client.post(url, {"seller": world.F1.pk, "year": 2025, "activity": "grid_electricity", "quantity": "3000",
                          "unit": "kWh"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and "exceeds what the other members of the estate bought in 2025 (2,000 kWh)" in r.content.decode()
    r = client.post(url, {"seller": world.F1.pk, "year": 2025, "activity": "grid_electricity", "quantity": "1500",
                          "unit": "kWh"})
    assert (r.status_code, r["Location"]) == (302, url)
    sale = EstateEnergySale.objects.get(seller=world.F1)
    assert (sale.estate_id, sale.year, float(sale.quantity), sale.unit) == (world.E1.pk, 2025, 1500.0, "kWh")
    wide = selectors.estate_wide(world.E1, 2025)
    assert wide["scope2_sold_between_members_t"] == 0.74985
    page = client.get(url, HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "1,500 kWh" in page and "6,000" not in page  # its own declaration only
    # and its inventory page links to it
    inv = Inventory.objects.get(organisation=world.F1, year=2025)
    assert f'href="/carbon/organisation/{world.F1.pk}/energy-sales/?year=2025"' in client.get(
        f"/carbon/inventory/{inv.pk}/").content.decode()


def test_the_sale_form_takes_a_buddhist_era_year(world, estate, client):
    """Thai users write 2568 for 2025 (before: the form refused anything above 2100)."""
    client.force_login(world.users["approver"])
    url = f"/carbon/organisation/{world.F1.pk}/energy-sales/"
    r = client.post(url, {"seller": world.F1.pk, "year": 2568, "activity": "grid_electricity", "quantity": "500",
                          "unit": "kWh"})
    assert (r.status_code, r["Location"]) == (302, url + "?year=2025")
    assert EstateEnergySale.objects.get(seller=world.F1).year == 2025
    r = client.post(url, {"seller": world.F1.pk, "year": 3000, "activity": "grid_electricity", "quantity": "500",
                          "unit": "kWh"}, HTTP_ACCEPT_LANGUAGE="th")
    assert "ระบุปีระหว่าง ค.ศ. 2000 ถึง 2100 (พ.ศ. 2543 ถึง 2643)" in r.content.decode()
