"""Who sees and changes the registry: organisations and what hangs off them."""
from __future__ import annotations

from enum import StrEnum

from django.db.models import Q, QuerySet

from ecotown.access import Action, OrganisationOwnedPolicy, Policy, Principal, principal
from ecotown.accounts.policies import AccountsAction
from ecotown.accounts.roles import Role

from .models import Contact, EstateDetail, FactoryDetail, Kind, Organisation, Product


class RegistryAction(StrEnum):
    ADD_CHILD = "add_child"      # obj = the estate/port a new factory, school ... goes into
    ADD_ESTATE = "add_estate"    # object-less
    PROGRAMME = "programme"      # object-less: programme-wide views over every organisation


class OrganisationPolicy(Policy):
    """Authority staff see everything; an estate manager its estate (or port) and every organisation
    in it; members their organisation; an auditor the organisations of assignments in force."""

    global_actions = frozenset({RegistryAction.ADD_ESTATE, RegistryAction.PROGRAMME})

    def can(self, p: Principal, action: str, org) -> bool:
        if action == Action.VIEW:
            return p.sees_org(org)
        if not p.sees_org(org):
            return False
        if action == Action.CHANGE:
            return (p.authority_staff or p.manages(org)
                    or p.has_role(org, {Role.FACTORY_APPROVER, Role.SCHOOL_COORDINATOR}))
        if action == Action.DELETE:
            return p.authority_admin
        if action == RegistryAction.ADD_CHILD:
            return org.kind in {Kind.ESTATE, Kind.PORT} and (p.authority_staff or org.id in p.managed_estates)
        if action == AccountsAction.MANAGE_MEMBERS:
            return p.authority_admin or p.manages(org) or p.has_role(org, {Role.FACTORY_APPROVER})
        if action == AccountsAction.APPROVE_REGISTRATION:
            return p.authority_staff or p.manages(org)
        return False

    def visible(self, p: Principal, qs: QuerySet) -> QuerySet:
        if not p.authenticated:
            return qs.none()
        if p.sees_all:
            return qs
        return qs.filter(p.org_filter())

    def can_without_object(self, p: Principal, action: str) -> bool:
        return p.authority_staff  # add an estate; programme-wide views

    def changeable(self, p: Principal, qs: QuerySet) -> QuerySet:
        """Of `qs`, the organisations the user may change — the CHANGE rule of `can` as one filter (a form's
        choices among 70,000 organisations: one query, not 70,000 decisions)."""
        if not p.authenticated:
            return qs.none()
        if p.authority_staff:
            return qs
        roles = {Role.FACTORY_APPROVER, Role.SCHOOL_COORDINATOR}
        q = Q(pk__in={org_id for org_id, held in p.roles.items() if held & roles} | p.managed_estates)
        if p.managed_estates:
            q |= Q(parent_id__in=p.managed_estates)
        return qs.filter(q)

    def public(self, qs: QuerySet) -> QuerySet:
        """Estates and ports that chose to publish their page."""
        return qs.filter(kind__in=[Kind.ESTATE, Kind.PORT], is_public=True)


def managed(user, qs: QuerySet) -> QuerySet:
    """Of `qs` (estates and ports), those the user manages as estate manager."""
    return qs.filter(pk__in=principal(user).managed_estates)


class DetailPolicy(OrganisationOwnedPolicy):
    """Estate and factory details are part of the organisation: every action is the organisation's."""

    change_action = None


POLICIES = {
    Organisation: OrganisationPolicy(),
    EstateDetail: DetailPolicy(),
    FactoryDetail: DetailPolicy(),
    Product: OrganisationOwnedPolicy(),
    Contact: OrganisationOwnedPolicy(),
}
