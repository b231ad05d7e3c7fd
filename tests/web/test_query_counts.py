"""List pages, dashboards and API lists run a fixed, pinned number of queries, whatever the amount
of data: every page is counted with 10 factories and again with 1,000 (and more records, inventories,
assessments, enquiries, registrations and notifications), and both counts must equal the pinned number
exactly. A count that grows with the data is an N+1 to fix; change a
pinned number only with a reason (and the measured value).

Counts are taken warm (each page requested once before counting: catalogues and the demo mark are
cached per process), on SQLite and PostgreSQL alike."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from ecotown.core import history
from ecotown.registry.models import FactoryDetail, Kind, Organisation, Product


def add_factories(estate, n, start):
    orgs = [Organisation(kind=Kind.FACTORY, parent=estate, name_th=f"โรงงาน {i}", name_en=f"Factory {i}",
                         search_text=f"factory {i}") for i in range(start, start + n)]
    history.bulk_create(None, orgs)
    history.bulk_create(None, [FactoryDetail(organisation=o, diw_number=f"{10200000000000 + i}",
                                             diw_key=f"N{10200000000000 + i}", tsic_id="2930", employees=10)
                               for i, o in zip(range(start, start + n), orgs)])
    history.bulk_create(None, [Product(organisation=o, name_th="x", name_en="x", unit="t") for o in orgs])
    return orgs


def grow(world, n, start):
    """n more factories in E1, each with verified records of 2025, an inventory, an assessment, an
    enquiry, a registration request and a notification for the officer and the estate manager."""
    from ecotown.accounts.models import RegistrationRequest
    from ecotown.assessment import services as assessment
    from ecotown.assessment.models import FrameworkVersion
    from ecotown.carbon import services as carbon
    from ecotown.core.services import notify
    from ecotown.enquiries.models import Enquiry
    from ecotown.reporting.models import ActivityRecord

    orgs = add_factories(world.E1, n, start)
    history.bulk_create(None, [
        ActivityRecord(organisation=o, activity=act, quantity=Decimal(q), unit=unit, period_start=dt.date(2025, m, 1),
                       period_end=dt.date(2025, m, 28), state="verified", is_counted=True)
        for o in orgs for m in (1, 2) for act, q, unit in (("diesel", "100", "L"), ("grid_electricity", "1000", "kWh"))])
    v = FrameworkVersion.objects.get(framework__code="green-industry", status=FrameworkVersion.PUBLISHED)
    for i, o in enumerate(orgs):
        carbon.compute_inventory(o, 2025)
        assessment.start_assessment(world.users["admin"], o, v, 2025)
        history.save(None, Enquiry(programme="ghg_network", name=f"N{i}", email=f"n{i}@example.test",
                                   subject=f"S{i}", message="?", organisation=o, submitted_by=world.users["preparer"]))
        history.save(None, RegistrationRequest(user=world.users["outsider"], organisation=o))
        for who in ("officer", "estate"):
            notify(world.users[who], title_th=f"เรื่อง {i}", title_en=f"Item {i}", email=False)
    carbon.compute_inventory(world.E1, 2025)
    return orgs


def count(client, url, **extra):
    from ecotown.web.context import reset_demo_cache

    reset_demo_cache()  # the demo mark is cached per process; count its query every time
    with CaptureQueriesContext(connection) as ctx:
        r = client.get(url, **extra)
    assert r.status_code == 200, (url, r.status_code)
    return len(ctx.captured_queries)


def pages(world):
    f1, e1 = world.F1.pk, world.E1.pk
    return {
        # registry
        "home": "/", "factories": "/factories/", "factories htmx": ("/factories/?q=factory", {"HTTP_HX_REQUEST": "true"}),
        "estates": "/estates/", "map data": "/map/estates.geojson", "factory page": f"/orgs/{f1}/",
        "estate page": f"/orgs/{e1}/",
        "api factories": "/api/registry/factories", "api estates": "/api/registry/estates",
        "api history": f"/api/registry/organisations/{e1}/history",
        "public estates": "/public/estates/",
        # the global search, its suggestions, an organisation picker, the user's downloads
        "search": "/search/?search=factory", "search suggest": "/search/suggest/?search=factory",
        "picker": "/pick/assessment.start/?picker_q=factory", "downloads": "/downloads/",
        # accounts
        "registrations": "/registrations/", "notifications": "/notifications/", "tasks": "/tasks/",
        # enquiries
        "enquiries": "/enquiries/", "api enquiries": "/api/enquiries",
        # reporting
        "reporting": "/reporting/", "reporting org": f"/reporting/org/{f1}/?year=2025",
        "completeness": "/reporting/completeness/?year=2025&month=1",
        "completeness matrix": "/reporting/completeness/matrix/?year=2025",
        "completeness matrix late": "/reporting/completeness/matrix/?year=2025&state=late&q=factory",
        "api activities": "/api/reporting/activities",
        "api completeness": "/api/reporting/completeness?year=2025&month=1",
        # carbon
        "carbon": "/carbon/", "carbon estate": f"/carbon/estate/{e1}/?year=2025", "carbon map": "/carbon/map.json?year=2025",
        "factor library": "/carbon/factors/", "api inventories": "/api/carbon/inventories",
        "api factor sets": "/api/carbon/factor-sets", "api factors": "/api/carbon/factors",
        # assessment
        "assessment": "/assessment/", "assessment overview": "/assessment/overview/",
        "frameworks": "/assessment/frameworks/", "api assessments": "/api/assessment/assessments",
        "api frameworks": "/api/assessment/frameworks",
    }


def role_pages(world, who):
    """Pages only some roles open: the programme roll-up (authority staff), people and users
    (the authority administrator), an organisation's members (who manages them)."""
    rollup = {"carbon rollup": "/carbon/authority/?year=2025", "api rollup": "/api/carbon/rollup?year=2025"}
    return {
        "admin": rollup | {"people": "/people/", "users": "/users/", "members": f"/orgs/{world.E1.pk}/members/",
                           "user page": f"/users/{world.users['auditor'].pk}/"},
        "officer": rollup,
        "estate": {"members": f"/orgs/{world.E1.pk}/members/"},
    }[who]


# the pinned numbers (measured): who -> page -> queries
# (issue 11: counts, factories per estate, the estates of the drop-downs and the map, the factor library's
# organisations one may change come from the cache — one query reads the cache generations instead; the global
# search, its suggestions, a picker, downloads, public estates and the people admin's user page are counted too)
# (issue 10: "My tasks" on the home page and its own page — one query per workflow state that can wait for
# the user's roles, plus the deadlines; the reporting page's months — the reporting calendar)
PINNED = {
    "admin": {
        "home": 16, "factories": 11, "factories htmx": 7, "estates": 12, "map data": 5, "factory page": 18,
        "estate page": 18, "api factories": 5, "api estates": 5, "api history": 6, "public estates": 10, "search": 10, "search suggest": 7, "picker": 7, "downloads": 9, "registrations": 9,
        "notifications": 9, "tasks": 13, "enquiries": 9, "api enquiries": 5, "reporting": 10, "reporting org": 16,
        "completeness": 18, "completeness matrix": 12, "completeness matrix late": 13,
        "api activities": 5, "api completeness": 11, "carbon": 12, "carbon estate": 16,
        "carbon map": 4, "factor library": 11, "api inventories": 5, "api factor sets": 5, "api factors": 5,
        "assessment": 13, "assessment overview": 11, "frameworks": 9, "api assessments": 6, "api frameworks": 5,
        "carbon rollup": 11, "api rollup": 4, "people": 8, "users": 11, "members": 11, "user page": 13,
    },
    "officer": {
        "home": 19, "factories": 11, "factories htmx": 7, "estates": 12, "map data": 5, "factory page": 18,
        "estate page": 18, "api factories": 5, "api estates": 5, "api history": 6, "public estates": 10, "search": 10, "search suggest": 7, "picker": 7, "downloads": 9, "registrations": 9,
        "notifications": 9, "tasks": 16, "enquiries": 9, "api enquiries": 5, "reporting": 10, "reporting org": 16,
        "completeness": 18, "completeness matrix": 12, "completeness matrix late": 13,
        "api activities": 5, "api completeness": 11, "carbon": 12, "carbon estate": 16,
        "carbon map": 4, "factor library": 11, "api inventories": 5, "api factor sets": 5, "api factors": 5,
        "assessment": 13, "assessment overview": 11, "frameworks": 9, "api assessments": 6, "api frameworks": 5,
        "carbon rollup": 11, "api rollup": 4,
    },
    "estate": {
        "home": 24, "factories": 11, "factories htmx": 7, "estates": 12, "map data": 5, "factory page": 18,
        "estate page": 18, "api factories": 5, "api estates": 5, "api history": 6, "public estates": 10, "search": 10, "search suggest": 7, "picker": 7, "downloads": 9, "registrations": 9,
        "notifications": 9, "tasks": 21, "enquiries": 9, "api enquiries": 5, "reporting": 10, "reporting org": 15,
        "completeness": 18, "completeness matrix": 12, "completeness matrix late": 13,
        "api activities": 5, "api completeness": 11, "carbon": 13, "carbon estate": 16,
        "carbon map": 4, "factor library": 11, "api inventories": 5, "api factor sets": 5, "api factors": 5,
        "assessment": 13, "assessment overview": 11, "frameworks": 9, "api assessments": 6, "api frameworks": 5,
        "members": 11,
    },
}


def measure(client, urls):
    out = {}
    for name, url in urls.items():
        url, extra = url if isinstance(url, tuple) else (url, {})
        client.get(url, **extra)  # warm
        out[name] = count(client, url, **extra)
    return out


@pytest.fixture
def installed(world):
    from ecotown.assessment import services as assessment
    from ecotown.carbon import services as carbon

    carbon.sync_builtin_library(None)
    assessment.install_shipped(None)
    return world


@pytest.mark.parametrize("who", ["admin", "officer", "estate"])
def test_query_counts_are_pinned_and_do_not_grow(installed, client, settings, who):
    world = installed
    # the start form's organisation picker from the first choice, at both sizes (a drop-down of a few
    # choices costs its options query; the picker, above 50 choices, none): the same widget is compared
    settings.ECOTOWN_PICKER_OVER = 0
    client.force_login(world.users[who])
    urls = pages(world) | role_pages(world, who)
    grow(world, 3, 100)
    add_factories(world.E1, 3, 200)
    assert Organisation.objects.filter(kind=Kind.FACTORY).count() == 10
    small = measure(client, urls)
    grow(world, 12, 1000)
    add_factories(world.E1, 978, 5000)  # and many more organisations (the registry's lists)
    assert Organisation.objects.filter(kind=Kind.FACTORY).count() == 1000
    large = measure(client, urls)
    grew = {k: (small[k], large[k]) for k in small if small[k] != large[k]}
    assert grew == {}, f"query counts grow with the data (N+1): {grew}"
    want = dict(PINNED[who])
    if connection.vendor == "sqlite":  # a word's number of full-text matches (registry.search.WALK_ABOVE), cached:
        for name in ("search", "search suggest", "picker"):  # its generation is read
            want[name] += 1
    assert small == want
