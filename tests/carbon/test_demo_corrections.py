"""Issue 9 in the demo: factory-a's locked record is corrected through the four-eyes path (prepared by the
preparer, submitted by the approver, verified by the estate manager), so the restated inventory goes UP by
exactly what the correction added (before issue 9 it went DOWN: −142.6 t, the corrected month dropped
out); a second correction is left pending, shown with its size."""
from __future__ import annotations

import pytest

from ecotown.carbon.models import Inventory, InventoryLine
from ecotown.core import workflow
from ecotown.reporting.models import ActivityRecord


def _co2e(inv, record_id) -> float:
    return sum(ln.co2e_t for ln in InventoryLine.objects.filter(inventory=inv, record_id=record_id, gas_kind="kyoto",
                                                                 basis="location"))


@pytest.mark.django_db
def test_demo_restates_up_by_the_verified_correction_and_leaves_one_pending():
    from ecotown.core import demo

    counts = demo.load(factories=20)
    assert (counts["final"], counts["restated"], counts["pending_corrections"]) == (1, 1, 1)
    first = ActivityRecord.objects.get(version=2, state="verified")
    old = first.supersedes
    assert (old.state, old.is_counted, first.is_counted, first.quantity) == ("locked", False, True, old.quantity * 2)
    assert [(e.event, e.actor.username) for e in workflow.events(first)] == [
        ("reporting.submit", "approver-a"), ("reporting.verify", "estate-manager")]
    assert first.created_by.username == "factory-a"
    inv = Inventory.objects.get(organisation=first.organisation, year=first.period_start.year)
    added = _co2e(inv, first.pk) / 2  # the doubled quantity: half of the corrected record's emissions was added
    assert inv.status == "restated" and added > 0
    assert inv.totals["co2e_t"] - inv.final_totals["co2e_t"] == pytest.approx(added, abs=1e-6)
    assert counts["restated_delta_t"] == pytest.approx(added, abs=1e-6)
    second = ActivityRecord.objects.get(version=2, state="submitted")
    pc = inv.pending_corrections
    assert (pc["n"], [r["pending_id"] for r in pc["records"]], pc["records"][0]["counted_id"]) == (
        1, [second.pk], second.supersedes_id)
    assert pc["co2e_delta_t"] == pytest.approx(_co2e(inv, second.supersedes_id) * 0.1, abs=1e-6) and pc["co2e_delta_t"] > 0
