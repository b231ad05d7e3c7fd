"""Who reads and handles enquiries to the Eco-Industrial Town division."""
from __future__ import annotations

from enum import StrEnum

from django.db.models import Q, QuerySet

from ecotown.access import Action, Policy, Principal

from .models import Enquiry


class EnquiryAction(StrEnum):
    HANDLE = "handle"  # assign / answer / close; object-less: may handle enquiries at all


class EnquiryPolicy(Policy):
    """Authority staff read and handle every enquiry; the sender and the members of the organisation
    it was sent for read it. Anyone may send one (ADD), for an organisation only if they belong to it."""

    global_actions = frozenset({EnquiryAction.HANDLE})

    def can(self, p: Principal, action: str, obj) -> bool:
        if action == Action.ADD:
            return obj.organisation_id is None or (p.authenticated and obj.organisation_id in p.roles)
        if action == Action.VIEW:
            return p.authority_staff or (p.authenticated and (
                obj.submitted_by_id == p.user_id or (obj.organisation_id is not None and obj.organisation_id in p.roles)))
        return p.authority_staff and action == EnquiryAction.HANDLE

    def visible(self, p: Principal, qs: QuerySet) -> QuerySet:
        if p.authority_staff:
            return qs
        if not p.authenticated:
            return qs.none()
        return qs.filter(Q(submitted_by_id=p.user_id) | Q(organisation_id__in=set(p.roles)))

    def can_without_object(self, p: Principal, action: str) -> bool:
        return p.authority_staff


def handlers():
    """The users an enquiry may be assigned to (those who may handle enquiries)."""
    from ecotown.accounts.models import User
    from ecotown.accounts.roles import AUTHORITY_ROLES

    return User.objects.filter(memberships__role__in=list(AUTHORITY_ROLES), memberships__is_active=True).distinct()


POLICIES = {Enquiry: EnquiryPolicy()}
