"""Test factories: ActivityRecord rows (reporting's model) written through the change history."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ecotown.core import history


def record(org, activity, quantity, unit, start, end, state="verified", **kw):
    from ecotown.reporting.models import ActivityRecord

    if isinstance(start, str):
        start, end = dt.date.fromisoformat(start), dt.date.fromisoformat(end)
    kw.setdefault("is_counted", state in ("verified", "locked"))  # a new series created verified counts from birth
    return history.save(None, ActivityRecord(organisation=org, activity=activity, quantity=Decimal(str(quantity)),
                                             unit=unit, period_start=start, period_end=end, state=state, **kw))


def revise(rec, quantity, state="verified"):
    """A new version of a record (the old one stops being current), as reporting does it: a verified (or
    locked) new version counts instead of the old one; a draft or submitted one leaves the old one counted."""
    from ecotown.reporting.models import ActivityRecord

    counts = state in ("verified", "locked")
    rec.is_current = False
    if counts:
        rec.is_counted = False
    history.save(None, rec, validate=False)
    return history.save(None, ActivityRecord(organisation=rec.organisation, activity=rec.activity,
                                             quantity=Decimal(str(quantity)), unit=rec.unit,
                                             period_start=rec.period_start, period_end=rec.period_end, state=state,
                                             series=rec.series, version=rec.version + 1, supersedes=rec,
                                             reason="corrected meter reading", is_counted=counts), validate=False)
