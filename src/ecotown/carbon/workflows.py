"""Inventory status: draft → final (made final by a person) → restated (recomputed with changed inputs,
a consequence of the data, never asked for) → final again (a person makes the restated numbers final;
the change record keeps the earlier final totals as its "before"). See docs/workflows.md."""
from __future__ import annotations

from django.db.models import Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext_lazy, pgettext_lazy

from ecotown.accounts.roles import Role
from ecotown.core import workflow
from ecotown.core.workflow import Members, Next, Transition

from .errors import CarbonError
from .models import Inventory
from .policies import CarbonAction

S = Inventory.Status


def _computable(ctx, inventories):
    for inv in inventories:
        if inv.error:
            yield inv, CarbonError.NOT_COMPUTED, CarbonError.NOT_COMPUTED.render()
        elif not inv.n_records:
            yield inv, CarbonError.NO_VERIFIED_RECORDS, CarbonError.NO_VERIFIED_RECORDS.render()


def _stamp_final(ctx, inv):
    inv.finalised_at, inv.final_totals = ctx.at, dict(inv.totals)
    inv.finalised_by = ctx.actor if getattr(ctx.actor, "is_authenticated", False) else None


def _stamp_restated(ctx, inv):
    inv.restated_at = ctx.at
    inv.restated_reason = (ctx.reason or _("recomputed with changed inputs"))[:300]


def label(inv) -> str:
    from ecotown.core import dates
    from ecotown.core.i18n import ui_lang

    return _("GHG inventory %(year)s") % {"year": dates.year_label(inv.year, ui_lang())}


def subject(inventories) -> str:
    return inventories[0].organisation.name if len({i.organisation_id for i in inventories}) == 1 else _(
        "%(n)s organisations") % {"n": len({i.organisation_id for i in inventories})}


def link(inventories) -> str:
    from django.urls import reverse

    return reverse("carbon:inventory", args=[inventories[0].pk]) if len(inventories) == 1 else reverse("tasks")


#: who makes an inventory final: the organisation's approver (an estate's own manager for the estate's)
FINALISERS = Members({Role.FACTORY_APPROVER, Role.ESTATE_MANAGER})
_TO_FINALISE = Next(FINALISERS, CarbonAction.FINALISE, task=gettext_lazy("Make final"),
                    asks=gettext_lazy("It waits for you to check it and make it final."),
                    waiting=gettext_lazy("waiting for the approver to make it final"),
                    waiting_own=gettext_lazy("waiting for your approver to make it final"),
                    where=Q(error="", n_records__gt=0))

INVENTORY = workflow.Table("carbon.inventory", [
    Transition("finalise", (S.DRAFT, S.RESTATED), S.FINAL, CarbonAction.FINALISE, note="made final", guards=(_computable,),
               stamps=(_stamp_final,), label=pgettext_lazy("workflow", "make final"),
               wrong_state=gettext_lazy("Only a draft or restated inventory can be made final.")),
    Transition("restate", (S.FINAL, S.RESTATED), S.RESTATED, None, stamps=(_stamp_restated,),
               label=pgettext_lazy("workflow", "restate"),
               done=ngettext_lazy("GHG inventory restated", "%(n)s GHG inventories restated", "n")),
], label=label, subject=subject, link=link, related=("organisation",),
   next={S.DRAFT: _TO_FINALISE, S.RESTATED: _TO_FINALISE})


def register() -> None:
    workflow.register(Inventory, INVENTORY, state_field="status")
