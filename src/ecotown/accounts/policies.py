"""Who manages people: memberships, invitations, registrations, assignments, users."""
from __future__ import annotations

from enum import StrEnum

from django.db.models import QuerySet

from ecotown.access import Action, OrganisationOwnedPolicy, Policy, Principal, decide

from .models import Assignment, Invitation, Membership, RegistrationRequest, User
from .roles import Role


class AccountsAction(StrEnum):
    MANAGE_MEMBERS = "manage_members"              # obj = the organisation
    APPROVE_REGISTRATION = "approve_registration"  # obj = the organisation; object-less: any
    ADMIN_PEOPLE = "admin_people"                  # object-less: PDPA export/erase, users
    ADMIN_REFERENCE = "admin_reference"            # object-less: reference data, frameworks
    GRANT_ROLE = "grant_role"                                 # obj = a Membership (organisation + role)


# roles only an authority administrator may grant
AUTHORITY_LEVEL_ROLES = {Role.AUTHORITY_ADMIN, Role.AUTHORITY_OFFICER, Role.AUDITOR}


class MembershipPolicy(OrganisationOwnedPolicy):
    """Members are managed by whoever may manage the organisation's members; roles of the authority
    level (administrator, officer, auditor) are granted by an authority administrator only."""

    change_action = AccountsAction.MANAGE_MEMBERS

    def can(self, p: Principal, action: str, obj) -> bool:
        if action == AccountsAction.GRANT_ROLE:
            return decide(p, AccountsAction.MANAGE_MEMBERS, obj.organisation) and (
                obj.role not in AUTHORITY_LEVEL_ROLES or p.authority_admin)
        return super().can(p, action, obj)


class InvitationPolicy(OrganisationOwnedPolicy):
    change_action = AccountsAction.MANAGE_MEMBERS


class RegistrationPolicy(OrganisationOwnedPolicy):
    """Decided by authority staff or the estate manager of the organisation's estate."""

    change_action = AccountsAction.APPROVE_REGISTRATION
    global_actions = frozenset({AccountsAction.APPROVE_REGISTRATION})

    def can_without_object(self, p: Principal, action: str) -> bool:
        return p.authority_staff or bool(p.managed_estates)  # may decide some registration


class AssignmentPolicy(OrganisationOwnedPolicy):
    """Seen with the organisation; given and ended by the authority administrator."""

    def can(self, p: Principal, action: str, obj) -> bool:
        if action == Action.VIEW:
            return super().can(p, action, obj)
        return p.authority_admin


class UserPolicy(Policy):
    """A user sees their own account; the authority administrator administers people and reference data."""

    global_actions = frozenset({AccountsAction.ADMIN_PEOPLE, AccountsAction.ADMIN_REFERENCE})

    def can(self, p: Principal, action: str, obj) -> bool:
        return p.authority_admin or (p.authenticated and obj.pk == p.user_id and action == Action.VIEW)

    def visible(self, p: Principal, qs: QuerySet) -> QuerySet:
        if p.authority_admin:
            return qs
        return qs.filter(pk=p.user_id) if p.authenticated else qs.none()

    def can_without_object(self, p: Principal, action: str) -> bool:
        return p.authority_admin


POLICIES = {
    Membership: MembershipPolicy(),
    Invitation: InvitationPolicy(),
    RegistrationRequest: RegistrationPolicy(),
    Assignment: AssignmentPolicy(),
    User: UserPolicy(),
}
