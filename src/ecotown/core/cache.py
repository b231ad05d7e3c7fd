"""Per-request aggregates and reference data, cached with explicit invalidation.

    from ecotown.core import cache
    counts = cache.cached("registry.factory_counts", build, on=(Organisation,), key=estate_ids)

A cached value names the tracked models it is computed from (`on`). Each such model has a
**generation** in the database (`core.CacheGeneration`), raised by `ecotown.core.history`'s after-write
hook in the writer's own transaction (a new random number) (save, delete, bulk_create: the only ways a tracked model is
written). The value is kept in Django's cache — local memory by default, Redis when `ECOTOWN_REDIS_URL`
is set — under a key made of its name, its key and the generations it depends on: a write makes every
older key unreachable at once, in every process (web workers, the background worker), because the
generations are read from the database and not from a process's memory. Unreachable keys simply
expire (`ECOTOWN_CACHE_SECONDS`).

The generations are read once per request (one query, whatever the number of cached values the page
uses) and again after a write of the same request; outside a request (the worker, commands) on every
call. A generation is only raised when its transaction commits, so a reader never caches data of a
transaction that may still roll back under a new generation.

Declare `depends(Model)` once (an app's `ready()`) for every model a cached value names in `on`;
`cached` refuses a model that was not declared, so a value can never depend on writes nobody counts.
"""
from __future__ import annotations

import contextvars
import hashlib
import json
import secrets

from django.conf import settings
from django.core.cache import cache as _django_cache
from django.core.exceptions import EmptyResultSet
from django.core.signals import request_finished, request_started
from django.db import IntegrityError, transaction

_declared: set[str] = set()
# the generations read in this request (None outside a request: always read)
_memo: contextvars.ContextVar[dict | None] = contextvars.ContextVar("ecotown_cache_generations", default=None)
_MISSING = object()


def _name(model) -> str:
    return model._meta.label_lower


def depends(*models) -> None:
    """Count the writes of these tracked models for the cached values that depend on them."""
    from . import history

    for model in models:
        name = _name(model)
        if name in _declared:
            continue
        _declared.add(name)
        history.after_write(model, lambda objs, _n=name: bump(_n))


def bump(*names: str) -> None:
    """Give `names` new generations (in the current transaction).

    A generation is a random number, not a counter: a rolled-back transaction or a restored backup brings
    back an earlier generation together with the data it was computed from, and a later write can never
    reuse a number that an older cache entry was made under."""
    from .models import CacheGeneration

    names = sorted(set(names))
    with transaction.atomic():
        for name in names:
            token = secrets.randbits(62)
            if not CacheGeneration.objects.filter(name=name).update(n=token):
                try:
                    with transaction.atomic():
                        CacheGeneration.objects.create(name=name, n=token)
                except IntegrityError:  # created meanwhile by another writer
                    CacheGeneration.objects.filter(name=name).update(n=token)
    memo = _memo.get()
    if memo is not None:
        memo.clear()  # this request reads the new generations from now on


def generations(names) -> dict[str, int]:
    from .models import CacheGeneration

    memo = _memo.get()
    if memo is not None and all(n in memo for n in names):
        return {n: memo[n] for n in names}
    wanted = set(names) | (set(_declared) if memo is not None else set())  # one query for the whole request
    found = dict(CacheGeneration.objects.filter(name__in=sorted(wanted)).values_list("name", "n"))
    got = {n: found.get(n, 0) for n in wanted}
    if memo is not None:
        memo.update(got)
    return {n: got[n] for n in names}


def _key(name: str, key, gens: dict[str, int]) -> str:
    raw = json.dumps([name, key, sorted(gens.items())], default=str, sort_keys=True)
    return "ecotown:" + name + ":" + hashlib.blake2b(raw.encode(), digest_size=16).hexdigest()


def cached(name: str, build, *, on, key=None, timeout: int | None = None):
    """`build()`, or its value from the cache while no model of `on` has been written since."""
    names = [_name(m) for m in on]
    undeclared = [n for n in names if n not in _declared]
    if undeclared:
        raise LookupError(f"cached value {name!r} depends on {undeclared}: declare them with cache.depends()")
    k = _key(name, key, generations(names))
    value = _django_cache.get(k, _MISSING)
    if value is _MISSING:
        value = build()
        _django_cache.set(k, value, timeout if timeout is not None else settings.ECOTOWN_CACHE_SECONDS)
    return value


def query_key(qs) -> list | None:
    """What identifies a queryset's result: its database, SQL and parameters (None: it matches nothing,
    e.g. `qs.none()`)."""
    try:
        sql, params = qs.query.get_compiler(qs.db).as_sql()
    except EmptyResultSet:
        return None
    return [qs.db, sql, [str(p) for p in params]]


def _of(qs, name: str, build, on, empty):
    """`build()` for the result of `qs`, cached under its query (`empty` when it matches nothing)."""
    key = query_key(qs)
    return empty if key is None else cached(name, build, on=on, key=key)


def count(qs, *, on, name: str = "count") -> int:
    """`qs.count()` cached by the query's SQL and parameters (the same filter for two users with the same
    scope is one entry) until a model of `on` is written."""
    return _of(qs, name, qs.count, on, 0)


def rows(qs, *, on, name: str = "rows") -> list:
    """`list(qs)` — a short list read on many pages, e.g. the few dozen estates and ports in name order —
    kept until a model of `on` is written (each reader gets its own copy of the objects)."""
    return _of(qs, name, lambda: list(qs), on, [])


def mapping(qs, *, on, name: str = "mapping") -> dict:
    """`dict(qs)` of a two-column `values_list` (e.g. organisations counted by kind), kept likewise."""
    return _of(qs, name, lambda: dict(qs), on, {})


def _started(**kwargs):
    _memo.set({})


def _finished(**kwargs):
    _memo.set(None)


request_started.connect(_started, dispatch_uid="ecotown.core.cache.started")
request_finished.connect(_finished, dispatch_uid="ecotown.core.cache.finished")
