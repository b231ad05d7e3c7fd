"""Explicit hand-over from reporting to results (no Django signals for business side effects).

Reporting services call `records_changed(...)` inside their transaction after activity data of
some organisations changes state or version; the carbon capability registers what to do
(recompute inventories, mark restated) via `register()`.
"""
from __future__ import annotations

from collections.abc import Callable, Iterable

_listeners: list[Callable[..., None]] = []


def register(fn: Callable[..., None]) -> Callable[..., None]:
    if fn not in _listeners:
        _listeners.append(fn)
    return fn


def records_changed(organisation_ids: Iterable[int], years: Iterable[int], *, reason: str = "", restated: bool = False) -> None:
    """Activity data of these organisations in these years changed (verified, locked or restated)."""
    org_ids, yrs = sorted(set(organisation_ids)), sorted(set(years))
    for fn in list(_listeners):
        fn(org_ids, yrs, reason=reason, restated=restated)
