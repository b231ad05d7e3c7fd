"""Who sees and acts on the factor library, inventories and estate-wide results."""
from __future__ import annotations

from enum import StrEnum

from django.db.models import Q, QuerySet

from ecotown.access import Action, OrganisationOwnedPolicy, Policy, Principal, decide
from ecotown.accounts.roles import Role

from .models import EstateEnergySale, EstateResult, Factor, FactorSet, Inventory, InventoryLine, MonthResult


class CarbonAction(StrEnum):
    FINALISE = "finalise"   # make an inventory final
    ROLLUP = "rollup"       # object-less: the programme roll-up and map of every estate


class FactorSetPolicy(Policy):
    """Shared sets are read by every signed-in user and added or retired by authority staff; a
    supplier-specific set follows its organisation (view / change as the registry says)."""

    def can(self, p: Principal, action: str, obj) -> bool:
        if obj.organisation_id is None:
            if action == Action.VIEW:
                return p.authenticated
            return p.authority_staff and action == Action.CHANGE
        return decide(p, Action.VIEW if action == Action.VIEW else Action.CHANGE, obj.organisation)

    def visible(self, p: Principal, qs: QuerySet) -> QuerySet:
        if not p.authenticated:
            return qs.none()
        if p.sees_all:
            return qs
        from ecotown.registry.models import Organisation

        return qs.filter(Q(organisation__isnull=True) | Q(organisation__in=Organisation.objects.filter(p.org_filter())))


class FactorPolicy(Policy):
    """A factor follows its set."""

    def can(self, p: Principal, action: str, obj) -> bool:
        return decide(p, action, obj.factor_set)

    def visible(self, p: Principal, qs: QuerySet) -> QuerySet:
        return qs.filter(factor_set__in=FactorSetPolicy().visible(p, FactorSet.objects.all()))


class InventoryPolicy(OrganisationOwnedPolicy):
    """An inventory follows its organisation: whoever sees it sees the inventory; whoever may change
    it recomputes or chooses options; making it final is for authority staff, the organisation's
    approver, or the estate manager for the estate's own inventory."""

    global_actions = frozenset({CarbonAction.ROLLUP})

    def can(self, p: Principal, action: str, obj) -> bool:
        org = obj.organisation
        if action == CarbonAction.FINALISE:
            return p.sees_org(org) and (
                p.authority_staff or p.has_role(org, {Role.FACTORY_APPROVER}) or org.id in p.managed_estates)
        if action not in {Action.VIEW, Action.CHANGE}:
            return False
        return super().can(p, action, obj)

    def can_without_object(self, p: Principal, action: str) -> bool:
        return p.authority_staff


class DerivedPolicy(OrganisationOwnedPolicy):
    """Lines and month results: seen with the organisation, never changed by hand."""

    read_only = True


class EstatePolicy(OrganisationOwnedPolicy):
    """Energy the estate resells (changed by whoever may change the estate) and estate-wide results."""

    organisation_field = "estate"

    def can(self, p: Principal, action: str, obj) -> bool:
        if action not in {Action.VIEW, Action.CHANGE}:
            return False
        return super().can(p, action, obj)


class EstateResultPolicy(EstatePolicy):
    read_only = True


POLICIES = {
    FactorSet: FactorSetPolicy(),
    Factor: FactorPolicy(),
    Inventory: InventoryPolicy(),
    InventoryLine: DerivedPolicy(),
    MonthResult: DerivedPolicy(),
    EstateEnergySale: EstatePolicy(),
    EstateResult: EstateResultPolicy(),
}
