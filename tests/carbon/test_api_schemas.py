"""The carbon API's output schemas describe its bodies exactly: each body is what the router's
serialiser builds, unchanged (no key dropped, added or converted)."""
from __future__ import annotations

import json

import pytest
from django.core.serializers.json import DjangoJSONEncoder

from ecotown.carbon import api, selectors, services
from ecotown.carbon.models import Factor, FactorSet

from .factories import record


def plain(data):
    return json.loads(json.dumps(data, cls=DjangoJSONEncoder))


@pytest.fixture
def inv(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    services.sync_builtin_library(None)
    record(world.F1, "diesel", 1000, "L", "2025-03-01", "2025-03-31")
    record(world.F1, "grid_electricity", 2000, "kWh", "2025-03-01", "2025-03-31")
    record(world.F2, "diesel", 500, "L", "2025-05-01", "2025-05-31")
    services.compute_inventory(world.F2, 2025)
    return services.compute_inventory(world.F1, 2025)


def test_bodies_are_the_serialisers_output(world, client, inv, token_for):
    admin = world.users["admin"]
    h = {"HTTP_AUTHORIZATION": token_for(admin)["Authorization"]}

    def get(url):
        r = client.get(url, **h)
        assert r.status_code == 200, (url, r.content)
        return r.json()

    inv.refresh_from_db()
    assert get(f"/api/carbon/inventories/{inv.pk}") == plain(api._inv_out(inv, full=True))
    page = get("/api/carbon/inventories?year=2025")
    assert page["count"] == 2
    assert page["items"] == plain([api._inv_out(i) for i in selectors.inventories(admin).filter(year=2025)])
    lines = get(f"/api/carbon/inventories/{inv.pk}/lines")
    assert lines["count"] == inv.lines.count() and lines["count"] > 0
    assert lines["items"] == plain([api._line_out(ln) for ln in selectors.lines(inv)][:100])
    assert get(f"/api/carbon/organisations/{world.F1.pk}/intensity?year=2025") == plain(selectors.intensity(world.F1, 2025))
    assert get(f"/api/carbon/organisations/{world.F1.pk}/trend") == plain({"items": selectors.trend(world.F1, admin)})
    estate = get(f"/api/carbon/estates/{world.E1.pk}?year=2025")
    wide = selectors.estate_wide(world.E1, 2025, user=admin)
    assert wide is not None and len(wide["organisations"]) == 2
    assert estate["estate_wide"]["organisations"] == plain(
        [{k: v for k, v in o.items() if k != "organisation"} | {"name": o["organisation"].name} for o in wide["organisations"]])
    assert set(estate) == {"estate", "year", "estate_wide", "operator_inventory"}
    assert estate["operator_inventory"] is None
    roll = get("/api/carbon/rollup?year=2025")
    assert [e["estate_id"] for e in roll["estates"]] == [world.E1.pk]
    assert set(roll) == {"year", "estates", "gwp_set", "co2e_t", "scope1_t", "scope2_imported_t"}
    assert estate["estate_wide"]["gwp_set"] == roll["gwp_set"] == "AR5"
    assert estate["estate_wide"]["sales"] == [] and estate["estate_wide"]["rule"] == selectors.RULE
    sets = get("/api/carbon/factor-sets")
    assert sets["items"] == plain([api._set_out(s) for s in selectors.factor_sets(admin)][:50])
    factors = get("/api/carbon/factors?activity=diesel")
    assert factors["items"] == plain([api._factor_out(f) for f in Factor.objects.filter(
        factor_set__in=FactorSet.objects.all(), activity="diesel").order_by("factor_id")])
    f = Factor.objects.get(factor_id="ET-F0013")
    assert get(f"/api/carbon/factors/{f.pk}") == plain(api._factor_out(f))


def test_every_operation_of_the_app_routers_declares_its_response():
    from ninja.constants import NOT_SET

    from ecotown.accounts.api import router as accounts
    from ecotown.assessment.api import router as assessment
    from ecotown.carbon.api import router as carbon
    from ecotown.enquiries.api import router as enquiries
    from ecotown.registry.api import router as registry
    from ecotown.reporting.api import router as reporting

    missing = []
    n = 0
    for name, router in [("accounts", accounts), ("assessment", assessment), ("carbon", carbon),
                         ("enquiries", enquiries), ("registry", registry), ("reporting", reporting)]:
        for path, view in router.path_operations.items():
            for op in view.operations:
                n += 1
                if op.response_models is NOT_SET or any(m is NOT_SET for m in op.response_models.values()):
                    missing.append(f"{name} {op.methods} {path}")
    # the YAML export is a file, not a JSON body
    assert missing == ["assessment ['GET'] /frameworks/{version_id}/export"]
    assert n == 48
