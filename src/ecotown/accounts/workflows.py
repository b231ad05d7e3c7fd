"""A registration request: pending → approved (the person becomes a member) or rejected. Decided by
whoever may approve registrations for the organisation (its estate, the authority). See docs/workflows.md."""
from __future__ import annotations

from django.utils.translation import gettext_lazy, pgettext_lazy

from ecotown.accounts.policies import AccountsAction
from ecotown.core import workflow
from ecotown.core.services import notify
from ecotown.core.workflow import Transition

from .models import RegistrationRequest

S = RegistrationRequest.Status


def _stamp_decided(ctx, req):
    req.decided_by, req.decided_at = ctx.actor, ctx.at


def _add_member(ctx):
    from .services import add_membership

    for req in ctx.objects:
        add_membership(ctx.actor, req.user, req.organisation, req.role, check=False)


def _tell(approved: bool):
    def effect(ctx):
        for req in ctx.objects:
            org = req.organisation
            notify(req.user,
                   title_th=("อนุมัติการลงทะเบียนแล้ว" if approved else "ไม่อนุมัติการลงทะเบียน") + f": {org.name_th}",
                   title_en=("Registration approved" if approved else "Registration not approved") + f": {org.name_en}")
    return effect


_DECIDED = gettext_lazy("This request has already been decided.")

REGISTRATION = workflow.Table("accounts.registration", [
    Transition("approve", (S.PENDING,), S.APPROVED, AccountsAction.APPROVE_REGISTRATION, note="approved",
               stamps=(_stamp_decided,), effects=(_add_member, _tell(True)), label=pgettext_lazy("workflow", "approve"),
               wrong_state=_DECIDED),
    Transition("reject", (S.PENDING,), S.REJECTED, AccountsAction.APPROVE_REGISTRATION, note="rejected",
               stamps=(_stamp_decided,), effects=(_tell(False),), label=pgettext_lazy("workflow", "reject"), wrong_state=_DECIDED),
])


def register() -> None:
    workflow.register(RegistrationRequest, REGISTRATION, state_field="status")
