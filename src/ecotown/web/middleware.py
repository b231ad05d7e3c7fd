from __future__ import annotations

from django.utils.functional import SimpleLazyObject


def _active_membership(request):
    from ecotown.accounts.services import memberships_of

    user = request.user
    if not user.is_authenticated:
        return None
    memberships = list(memberships_of(user))
    if not memberships:
        return None
    wanted = request.session.get("active_membership")
    for m in memberships:
        if m.pk == wanted:
            return m
    return memberships[0]


class ActiveMembershipMiddleware:
    """`request.membership`: the membership the user is acting in (switchable in the UI)."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        request.membership = SimpleLazyObject(lambda: _active_membership(request))
        return self.get_response(request)
