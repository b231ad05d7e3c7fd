"""Cached aggregates (ecotown.core.cache): a value is built once, served from the cache while nothing it
depends on is written, and rebuilt after any write of those models — seen by every process, because the
generations live in the database; the default cache is this process's memory, Redis when configured."""
from __future__ import annotations

import pytest
from django.core.cache import caches
from django.db import connection, transaction
from django.test.utils import CaptureQueriesContext, override_settings

from ecotown.core import cache, history
from ecotown.core.models import CacheGeneration
from ecotown.registry.models import FactoryDetail, Kind, Organisation, Product


@pytest.fixture(autouse=True)
def _clean():
    caches["default"].clear()
    yield
    caches["default"].clear()


def _factories():
    return Organisation.objects.filter(kind=Kind.FACTORY).count()


def _counting():
    """A build of the factory count that records each call."""
    calls = []

    def build():
        calls.append(1)
        return _factories()

    return build, calls


def _new_process():
    """What another web worker sees: nothing memoised from this one's request."""
    cache._memo.set(None)


def test_built_once_then_rebuilt_after_a_write(world):
    build, calls = _counting()
    assert cache.cached("t.factories", build, on=(Organisation,)) == 4
    assert cache.cached("t.factories", build, on=(Organisation,)) == 4
    assert len(calls) == 1
    history.save(None, Organisation(kind=Kind.FACTORY, parent=world.E1, name_th="ใหม่", name_en="New"))
    assert cache.cached("t.factories", build, on=(Organisation,)) == 5
    assert len(calls) == 2


def test_update_and_delete_are_writes_too(world):
    build = lambda: sorted(Organisation.objects.filter(kind=Kind.FACTORY).values_list("name_en", flat=True))  # noqa: E731
    assert cache.cached("t.names", build, on=(Organisation,)) == ["Factory Four", "Factory One", "Factory Three",
                                                                  "Factory Two"]
    f = world.F1
    f.name_en = "Renamed"
    history.save(None, f)
    assert cache.cached("t.names", build, on=(Organisation,)) == ["Factory Four", "Factory Three", "Factory Two",
                                                                  "Renamed"]
    history.delete(None, Product.objects.get(organisation=world.F2))
    history.delete(None, world.F2)
    assert cache.cached("t.names", build, on=(Organisation,)) == ["Factory Four", "Factory Three", "Renamed"]


def test_bulk_create_is_a_write(world):
    assert cache.cached("t.factories", _factories, on=(Organisation,)) == 4
    history.bulk_create(None, [Organisation(kind=Kind.FACTORY, parent=world.E2, name_th=f"ก{i}", name_en=f"B{i}")
                               for i in range(3)])
    assert cache.cached("t.factories", _factories, on=(Organisation,)) == 7


def test_a_write_in_another_process_is_seen(world):
    """The generation is read from the database: a worker process that did not make the write (its memory
    cache still holds the old value) rebuilds."""
    assert cache.cached("t.factories", _factories, on=(Organisation,)) == 4
    before = CacheGeneration.objects.get(name="registry.organisation").n
    # another process writes: only the database changes (no hook runs here)
    with history.writing():
        Organisation.objects.filter(pk=world.F1.pk).update(kind=Kind.WASTE_PROCESSOR)
    CacheGeneration.objects.filter(name="registry.organisation").update(n=before + 1)
    _new_process()
    assert cache.cached("t.factories", _factories, on=(Organisation,)) == 3


def test_a_rolled_back_write_brings_back_the_old_value_and_never_reuses_a_generation(world):
    assert cache.cached("t.factories", _factories, on=(Organisation,)) == 4
    seen = set(CacheGeneration.objects.values_list("n", flat=True))
    with pytest.raises(RuntimeError):
        with transaction.atomic():
            history.save(None, Organisation(kind=Kind.FACTORY, parent=world.E1, name_th="ก", name_en="Gone"))
            assert cache.cached("t.factories", _factories, on=(Organisation,)) == 5
            raise RuntimeError
    _new_process()
    assert cache.cached("t.factories", _factories, on=(Organisation,)) == 4
    history.save(None, Organisation(kind=Kind.FACTORY, parent=world.E1, name_th="ข", name_en="Kept"))
    assert CacheGeneration.objects.get(name="registry.organisation").n not in seen
    assert cache.cached("t.factories", _factories, on=(Organisation,)) == 5


def test_a_value_must_name_declared_models(world):
    from ecotown.core.models import SiteState

    with pytest.raises(LookupError, match="core.sitestate"):
        cache.cached("t.sites", lambda: 1, on=(SiteState,))


def test_one_query_per_request_for_the_generations(world, client):
    """A page using several cached values reads the generations once (the factory list: its count and
    the factories per estate on the estate list)."""
    client.force_login(world.users["officer"])
    client.get("/estates/")
    with CaptureQueriesContext(connection) as ctx:
        assert client.get("/estates/").status_code == 200
    gens = [q["sql"] for q in ctx.captured_queries if "core_cachegeneration" in q["sql"]]
    assert len(gens) == 1
    # the list's count and the factories per estate come from the cache (the notification badge is per user)
    assert [q["sql"] for q in ctx.captured_queries if "registry_organisation" in q["sql"] and (
        "COUNT(" in q["sql"].upper())] == []


def test_the_list_count_follows_a_new_factory(world, client):
    client.force_login(world.users["officer"])
    r = client.get("/factories/")
    assert r.context["page"].paginator.count == 4
    assert client.get("/api/registry/factories").json()["count"] == 4
    new = history.save(None, Organisation(kind=Kind.FACTORY, parent=world.E1, name_th="ใหม่", name_en="New"))
    history.save(None, FactoryDetail(organisation=new, diw_number="3-105-9/45ชบ", tsic_id="2930", employees=5))
    assert client.get("/factories/").context["page"].paginator.count == 5
    r = client.get("/api/registry/factories")
    assert r.json()["count"] == 5


def test_redis_when_configured(world):
    """ECOTOWN_REDIS_URL: every process shares one cache (the real Redis at 127.0.0.1:6379)."""
    redis_cache = {"default": {"BACKEND": "django.core.cache.backends.redis.RedisCache",
                               "LOCATION": "redis://127.0.0.1:6379/15", "KEY_PREFIX": "ecotown-test"}}
    with override_settings(CACHES=redis_cache):
        from django.core.cache import cache as dj

        caches["default"].clear()
        build, calls = _counting()

        assert type(dj._cache).__name__ == "RedisCacheClient" or "Redis" in type(caches["default"]).__name__
        assert cache.cached("t.factories", build, on=(Organisation,)) == 4
        assert cache.cached("t.factories", build, on=(Organisation,)) == 4
        assert len(calls) == 1
        history.save(None, Organisation(kind=Kind.FACTORY, parent=world.E1, name_th="ใหม่", name_en="New"))
        assert cache.cached("t.factories", build, on=(Organisation,)) == 5
        assert len(calls) == 2
        caches["default"].clear()
