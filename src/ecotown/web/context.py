from __future__ import annotations

import time

from django.conf import settings
from django.utils.functional import SimpleLazyObject

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


MEMBER_KINDS = {"factory", "waste_processor", "school", "community"}


def own_estate(request):
    """The estate (or port) the acting organisation is in, with the link its members may follow: the estate's
    page for those who see it, else its public profile (None: no estate, or one that published nothing)."""
    from django.urls import reverse

    from ecotown import access

    m = getattr(request, "membership", None)
    org = getattr(m, "organisation", None) if m else None
    if org is None or org.kind not in MEMBER_KINDS or org.parent_id is None:
        return None
    estate = org.parent
    if access.can(request.user, "view", estate):
        estate.url = reverse("org_detail", args=[estate.pk])
    elif estate.is_public:
        estate.url = reverse("public_estate", args=[estate.pk])
    else:
        return None
    return estate


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
            own_estate=SimpleLazyObject(lambda: own_estate(request)),
        )
    return ctx
