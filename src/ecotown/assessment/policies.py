"""Who sees and changes frameworks and assessments."""
from __future__ import annotations

from django.db.models import Q, QuerySet

from ecotown.access import Action, OrganisationOwnedPolicy, Policy, Principal, decide
from ecotown.accounts.roles import Role

from .models import Assessment, AssessmentEvidence, AssessmentResult, Framework, FrameworkVersion


class FrameworkPolicy(Policy):
    """Every signed-in user reads frameworks and their published versions; authority staff also see
    drafts; only the authority administrator uploads, edits, publishes."""

    def can(self, p: Principal, action: str, obj) -> bool:
        if not p.authenticated:
            return False
        if action == Action.VIEW:
            return isinstance(obj, Framework) or obj.status == FrameworkVersion.PUBLISHED or p.authority_staff
        return p.authority_admin

    def visible(self, p: Principal, qs: QuerySet) -> QuerySet:
        if not p.authenticated:
            return qs.none()
        if p.authority_staff or qs.model is Framework:
            return qs
        return qs.filter(status=FrameworkVersion.PUBLISHED)


class AssessmentPolicy(OrganisationOwnedPolicy):
    """Assessments, their evidence and results follow their organisation: visible to whoever sees it;
    changed by authority staff, the estate manager, or a member of the organisation (not an auditor)."""

    def can(self, p: Principal, action: str, obj) -> bool:
        if not p.authenticated:
            return False
        org = obj.organisation
        if not decide(p, Action.VIEW, org):
            return False
        if action == Action.VIEW:
            return True
        if action in {Action.CHANGE, Action.DELETE}:
            return p.authority_staff or p.manages(org) or bool(p.roles.get(org.id, set()) - {Role.AUDITOR})
        return False

    def changeable_orgs(self, p: Principal, orgs: QuerySet) -> QuerySet:
        """Of `orgs`, those whose assessments the user may change — the rule of `can` as one filter (an
        estate manager of 10,000 factories: one query, not 10,000 decisions)."""
        if not p.authenticated:
            return orgs.none()
        if p.authority_staff:
            return orgs
        members = {org_id for org_id, roles in p.roles.items() if roles - {Role.AUDITOR}}
        q = Q(pk__in=members | p.managed_estates)
        if p.managed_estates:
            q |= Q(parent_id__in=p.managed_estates)
        return orgs.filter(q)


POLICIES = {
    Framework: FrameworkPolicy(),
    FrameworkVersion: FrameworkPolicy(),
    Assessment: AssessmentPolicy(),
    AssessmentEvidence: AssessmentPolicy(),
    AssessmentResult: AssessmentPolicy(),
}
