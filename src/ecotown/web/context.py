from __future__ import annotations

import time

from django.conf import settings

_demo_cache: dict = {"at": 0.0, "value": False}


def is_demo() -> bool:
    """The demo mark, re-read at most every 30 seconds per process."""
    from ecotown.core.models import SiteState

    now = time.monotonic()
    if now - _demo_cache["at"] > 30:
        _demo_cache["value"] = SiteState.is_demo()
        _demo_cache["at"] = now
    return _demo_cache["value"]


def reset_demo_cache() -> None:
    _demo_cache["at"] = 0.0


def ecotown(request):
    from ecotown import access
    from ecotown.registry.policies import RegistryAction
    from ecotown.accounts.policies import AccountsAction

    ctx = {"demo": is_demo(), "tile_url": settings.ECOTOWN_TILE_URL}
    user = getattr(request, "user", None)
    if user is not None and user.is_authenticated:
        ctx.update(
            can_admin_people=access.can(user, AccountsAction.ADMIN_PEOPLE),
            is_authority=access.can(user, RegistryAction.PROGRAMME),
            can_registrations=access.can(user, AccountsAction.APPROVE_REGISTRATION),
            unread_count=user.notifications.filter(read_at__isnull=True).count(),
        )
    return ctx
