"""Inventory status: draft → final (made final by a person) → restated (recomputed with changed inputs,
a consequence of the data, never asked for) → final again (a person makes the restated numbers final;
the change record keeps the earlier final totals as its "before"). See docs/workflows.md."""
from __future__ import annotations

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext_lazy

from ecotown.core import workflow
from ecotown.core.workflow import Transition

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


INVENTORY = workflow.Table("carbon.inventory", [
    Transition("finalise", (S.DRAFT, S.RESTATED), S.FINAL, CarbonAction.FINALISE, note="made final", guards=(_computable,),
               stamps=(_stamp_final,), label=pgettext_lazy("workflow", "make final"),
               wrong_state=gettext_lazy("Only a draft or restated inventory can be made final.")),
    Transition("restate", (S.FINAL, S.RESTATED), S.RESTATED, None, stamps=(_stamp_restated,),
               label=pgettext_lazy("workflow", "restate")),
])


def register() -> None:
    workflow.register(Inventory, INVENTORY, state_field="status")
