"""A registration request: pending → approved (the person becomes a member) or rejected. Decided by
whoever may approve registrations for the organisation (its estate, the authority). See docs/workflows.md."""
from __future__ import annotations

from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext_lazy

from ecotown.accounts.policies import AccountsAction
from ecotown.accounts.roles import Role
from ecotown.core import workflow
from ecotown.core.workflow import Members, Next, Person, Transition

from .models import RegistrationRequest

S = RegistrationRequest.Status


def _stamp_decided(ctx, req):
    req.decided_by, req.decided_at = ctx.actor, ctx.at


def _add_member(ctx):
    from .services import add_membership

    for req in ctx.objects:
        add_membership(ctx.actor, req.user, req.organisation, req.role, check=False)


#: who decides a registration: the managers of the estate (port) the organisation is in — or of the estate
#: itself — and the authority's officers for an organisation directly under the authority
APPROVERS = Members({Role.ESTATE_MANAGER, Role.AUTHORITY_OFFICER}, at="parent") | Members({Role.ESTATE_MANAGER})
REQUESTER = Person("user")
REQUESTED = ngettext_lazy("new registration request", "%(n)s new registration requests", "n")


def _subject(requests) -> str:
    return requests[0].organisation.name if len({r.organisation_id for r in requests}) == 1 else str(
        gettext_lazy("Registrations"))


def _link(requests) -> str:
    """Pending: the list to decide them; decided: the organisation's page."""
    from django.urls import reverse

    if any(r.status == S.PENDING for r in requests) or len(requests) > 1:
        return reverse("registrations")
    return reverse("org_detail", args=[requests[0].organisation_id])


def _label(req) -> str:
    name = req.user.get_full_name() or req.user.username
    return f"{name} ({req.get_role_display()})"


_DECIDED = gettext_lazy("This request has already been decided.")

REGISTRATION = workflow.Table("accounts.registration", [
    Transition("approve", (S.PENDING,), S.APPROVED, AccountsAction.APPROVE_REGISTRATION, note="approved",
               stamps=(_stamp_decided,), effects=(_add_member,), label=pgettext_lazy("workflow", "approve"),
               wrong_state=_DECIDED, done=ngettext_lazy("registration approved", "%(n)s registrations approved", "n"),
               tell=REQUESTER, told=gettext_lazy("You can sign in and work for this organisation now.")),
    Transition("reject", (S.PENDING,), S.REJECTED, AccountsAction.APPROVE_REGISTRATION, note="rejected",
               stamps=(_stamp_decided,), label=pgettext_lazy("workflow", "reject"), wrong_state=_DECIDED,
               done=ngettext_lazy("registration not approved", "%(n)s registrations not approved", "n"),
               tell=REQUESTER, told=gettext_lazy("Ask the estate office if you think this is a mistake.")),
], label=_label, subject=_subject, link=_link, related=("organisation", "user"),
   next={S.PENDING: Next(APPROVERS, AccountsAction.APPROVE_REGISTRATION, task=gettext_lazy("Approve or reject"),
                         asks=gettext_lazy("It waits for your decision."),
                         waiting=gettext_lazy("waiting for the estate to approve"))})


def register() -> None:
    workflow.register(RegistrationRequest, REGISTRATION, state_field="status")
