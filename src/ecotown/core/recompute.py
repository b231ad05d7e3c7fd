"""Explicit hand-over from reported data to results (no Django signals for business side effects).

Services call `records_changed(kind, ...)` inside their transaction after records of one kind
(`ecotown.reporting.kinds`: "activities", "production", "employees" …) of some organisations change
state or version; a capability registers what to do for the kinds it reads via `register(kind, fn)`
(carbon recomputes inventories from "activities" and marks them restated).
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

_listeners: dict[str, list[Callable[..., None]]] = {}


def register(kind: str, fn: Callable[..., None]) -> Callable[..., None]:
    """`fn(org_ids, years, *, reason, restated)` is called when records of `kind` change."""
    fns = _listeners.setdefault(kind, [])
    if fn not in fns:
        fns.append(fn)
    return fn


def unregister(kind: str, fn: Callable[..., None]) -> None:
    fns = _listeners.get(kind, [])
    if fn in fns:
        fns.remove(fn)


def listeners(kind: str) -> list[Callable[..., None]]:
    return list(_listeners.get(kind, []))


def records_changed(kind: str, organisation_ids: Iterable[int], years: Iterable[int], *, reason: str = "",
                    restated: bool = False) -> None:
    """Records of `kind` of these organisations in these years changed (verified, locked or restated)."""
    org_ids, yrs = sorted(set(organisation_ids)), sorted(set(years))
    for fn in listeners(kind):
        fn(org_ids, yrs, reason=reason, restated=restated)
