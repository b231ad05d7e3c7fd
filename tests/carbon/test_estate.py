"""Estate-wide emissions (Scope 1 of all + imported Scope 2, energy resold by the estate once), the
authority roll-up, and incremental results identical to a full recompute. The reconciled energy
declarations themselves: tests/carbon/test_energy_sales.py."""
from __future__ import annotations

import datetime as dt
import random

import pytest
from django.core.exceptions import ValidationError
from django.http import Http404

from ecotown.carbon import selectors, services
from ecotown.carbon.models import EstateEnergySale, EstateResult, MonthResult

from .factories import record


@pytest.fixture
def lib(db):
    services.sync_builtin_library(None)


def _estate_data(world):
    E1, F1, F2 = world.E1, world.F1, world.F2
    # the operator: a gas-fired plant (Scope 1) and grid imports (Scope 2); it resells electricity
    record(E1, "natural_gas", 100000, "MJ", "2025-03-01", "2025-03-31")   # per gas (EPA Hub, GCV; issue 9, was TGO CO2e 100000 x 0.0562 = 5620 kg): 5034.283 kg
    record(E1, "grid_electricity", 10000, "kWh", "2025-03-01", "2025-03-31")  # 10000 x 0.4999 = 4999 kg
    record(F1, "grid_electricity", 4000, "kWh", "2025-03-01", "2025-03-31")  # bought from the estate: 1999.6 kg
    record(F1, "diesel", 1000, "L", "2025-03-01", "2025-03-31")              # 2707.8 kg
    record(F2, "lpg", 1000, "kg", "2025-04-01", "2025-04-30")                # 3113.4 kg
    record(F2, "grid_electricity", 2000, "kWh", "2025-04-01", "2025-04-30")  # 999.8 kg
    record(world.F3, "diesel", 1000, "L", "2025-03-01", "2025-03-31")        # another estate
    for org in (E1, F1, F2, world.F3):
        services.compute_inventory(org, 2025)


def test_estate_wide_counts_energy_sold_by_the_estate_once(world, lib):
    _estate_data(world)
    wide = selectors.estate_wide(world.E1, 2025)
    # without sales declared: every Scope 2 is treated as imported
    assert (wide["scope1_t"], wide["scope2_imported_t"], wide["co2e_t"]) == (10.855483, 7.9984, 18.853883)
    # the operator declares it resold 6,000 kWh of the 10,000 it bought to F1 and F2
    services.declare_energy_sale(world.users["estate"], world.E1, year=2025, activity="grid_electricity",
                                 quantity=6000, unit="kWh")
    wide = selectors.estate_wide(world.E1, 2025)
    # Scope 1: 5.034283 + 2.7078 + 3.1134 = 10.855483; Scope 2: the operator's own 1.9996 + the members' 2.9994
    assert (wide["scope1_t"], wide["scope2_imported_t"], wide["scope2_resold_t"], wide["co2e_t"]) == (
        10.855483, 4.999, 2.9994, 15.854483)
    assert wide["n_organisations"] == 3
    march = wide["months"][2]
    assert (march["scope1_t"], march["scope2_imported_t"]) == (7.742083, 3.9992)  # E1 1.9996 + F1 1.9996
    f1 = next(o for o in wide["organisations"] if o["organisation_id"] == world.F1.pk)
    assert (f1["scope1_t"], f1["scope2_location_t"], f1["scope2_sold_to_members_t"]) == (2.7078, 1.9996, 0.0)
    # the operator's own inventory is a separate thing (ISO 14064-1 of the operator alone): the resold
    # share of its Scope 2 is in its Scope 3 category 3, the total is the same
    own = selectors.organisation_inventory(world.E1, 2025)
    assert own.totals["co2e_t"] == round(5.034283 + 4.999, 6)  # 2025: no TGO Scope 3 add-on yet
    # roll-up: estate-wide totals of E1 and E2, no Scope 3
    roll = selectors.rollup(2025)
    assert [(r["estate_id"], r["co2e_t"]) for r in roll["estates"]] == [(world.E1.pk, 15.854483), (world.E2.pk, 2.7078)]
    assert roll["co2e_t"] == 18.562283
    # who may see it
    assert selectors.estate_wide(world.E1, 2025, user=world.users["preparer"]) is None
    assert selectors.estate_wide(world.E1, 2025, user=world.users["port"]) is None
    assert selectors.estate_wide(world.E1, 2025, user=world.users["estate"])["co2e_t"] == 15.854483
    assert [r["estate_id"] for r in selectors.rollup(2025, user=world.users["estate"])["estates"]] == [world.E1.pk]


def test_energy_sales_refusals_change_nothing(world, lib):
    for who in ("approver", "port"):  # E1 is not theirs to see
        with pytest.raises(Http404):
            services.declare_energy_sale(world.users[who], world.E1, year=2025, activity="grid_electricity",
                                         quantity=1, unit="kWh")
    with pytest.raises(ValidationError) as exc:
        services.declare_energy_sale(world.users["estate"], world.E1, year=2025, activity="diesel", quantity=1,
                                     unit="L")
    assert exc.value.message_dict == {"activity": ["Not a purchased-energy (Scope 2) activity: diesel"]}
    assert EstateEnergySale.objects.count() == 0


def test_incremental_updates_equal_a_full_recompute(world, lib):
    from ecotown.core import history
    from ecotown.reporting.models import ActivityRecord

    rnd = random.Random(7)
    orgs = [world.E1, world.F1, world.F2]
    recs = []
    for org in orgs:
        for m in range(1, 13):
            s = dt.date(2025, m, 1)
            e = (dt.date(2025 + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1))
            for act, unit in (("grid_electricity", "kWh"), ("diesel", "L"), ("lpg", "kg")):
                recs.append(record(org, act, rnd.randint(100, 9999), unit, s, e))
    record(world.F1, "grid_electricity", 3100, "kWh", "2025-12-15", "2026-01-14")  # spans years and editions
    services.declare_energy_sale(world.users["estate"], world.E1, year=2025, activity="grid_electricity",
                                 quantity=20000, unit="kWh")  # of the operator's 12 months of purchases
    services.declare_energy_sale(world.users["estate"], world.E1, year=2025, activity="grid_electricity",
                                 quantity=9000, unit="kWh", seller=world.F2)  # F2 generates and sells to F1
    for org in orgs:
        services.compute_inventory(org, 2025)
    for _ in range(25):  # edit one factory-month at a time, incrementally
        r = rnd.choice(recs)
        r.quantity = rnd.randint(0, 20000)
        history.save(None, r, validate=False)
        services.refresh_months(r.organisation, 2025, [r.period_start.month])
    inc_m = sorted(MonthResult.objects.filter(year=2025).values_list("organisation_id", "month", "scope1_t", "scope2_location_t",
                                                                     "scope3_t", "internal_scope2_t", "resold_scope2_t", "co2e_t"))
    inc_e = sorted(EstateResult.objects.filter(year=2025).values_list("estate_id", "month", "scope1_t", "scope2_imported_t",
                                                                      "scope2_internal_t", "co2e_t", "n_organisations"))
    services.recompute_estate_full(world.E1, 2025)
    full_m = sorted(MonthResult.objects.filter(year=2025).values_list("organisation_id", "month", "scope1_t", "scope2_location_t",
                                                                      "scope3_t", "internal_scope2_t", "resold_scope2_t", "co2e_t"))
    full_e = sorted(EstateResult.objects.filter(year=2025).values_list("estate_id", "month", "scope1_t", "scope2_imported_t",
                                                                       "scope2_internal_t", "co2e_t", "n_organisations"))
    assert len(inc_m) == 3 * 13 and len(inc_e) == 13
    assert inc_m == full_m
    assert inc_e == full_e
    # and the year agrees with the engine's inventory of each organisation (to the gram)
    for org in orgs:
        inv = services.compute_inventory(org, 2025)
        year = MonthResult.objects.get(organisation=org, year=2025, month=0)
        assert abs(year.co2e_t - inv.totals["co2e_t"]) <= 2e-6, org
        assert abs(year.scope1_t - inv.totals["scope1_t"]) <= 2e-6, org


def test_incremental_refresh_is_two_round_trips_on_postgresql(world, lib):
    """The edit path's budget: PostgreSQL 2 calls (reads, writes); SQLite 2 reads + 4 upserts."""
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    r = record(world.F1, "diesel", 1000, "L", "2025-03-01", "2025-03-31")  # 2.7078 t
    services.compute_inventory(world.F1, 2025)
    from ecotown.core import history

    r.quantity = 2000
    history.save(None, r, validate=False)
    with CaptureQueriesContext(connection) as cq:
        services.refresh_months(world.F1, 2025, [3])
    calls = [q["sql"] for q in cq.captured_queries
             if not q["sql"].startswith(("BEGIN", "COMMIT", "SAVEPOINT", "RELEASE SAVEPOINT"))]
    assert len(calls) == (2 if connection.vendor == "postgresql" else 6), calls
    march = MonthResult.objects.get(organisation=world.F1, year=2025, month=3)
    year = MonthResult.objects.get(organisation=world.F1, year=2025, month=0)
    assert (march.scope1_t, year.scope1_t, year.co2e_t) == (5.4156, 5.4156, 5.4156)
    est = {e.month: e for e in EstateResult.objects.filter(estate=world.E1, year=2025)}
    assert (est[3].scope1_t, est[3].co2e_t, est[0].co2e_t, est[0].n_organisations) == (5.4156, 5.4156, 5.4156, 1)
