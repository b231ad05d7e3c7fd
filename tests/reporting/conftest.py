from __future__ import annotations

import io

import pytest


@pytest.fixture(autouse=True)
def _media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path / "files"


@pytest.fixture(autouse=True)
def _english():
    """Services speak the active language: English here unless a test (or a request) says otherwise."""
    from django.utils import translation

    with translation.override("en"):
        yield


def csv_bytes(rows: list[list], header=("period_start", "period_end", "activity", "quantity", "unit", "meter")) -> bytes:
    import csv

    out = io.StringIO()
    w = csv.writer(out)
    w.writerow(header)
    for r in rows:
        w.writerow(r)
    return out.getvalue().encode("utf-8")


def xlsx_bytes(rows: list[list], header=("period_start", "period_end", "activity", "quantity", "unit", "meter")) -> bytes:
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(list(header))
    for r in rows:
        ws.append(list(r))
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def counts():
    from ecotown.core.models import ChangeRecord
    from ecotown.reporting.models import ActivityRecord, QualityFlag

    return (ActivityRecord.objects.count(), QualityFlag.objects.count(), ChangeRecord.objects.count())


@pytest.fixture
def kind_listener():
    """Capture what reporting tells the results, per kind: [{"kind", "orgs", "years", "reason", "restated"}]."""
    from ecotown.core import recompute
    from ecotown.reporting import kinds

    calls = []
    fns = {}
    for spec in kinds.all():
        def fn(org_ids, years, *, reason="", restated=False, kind=spec.code):
            calls.append({"kind": kind, "orgs": org_ids, "years": years, "reason": reason, "restated": restated})

        fns[spec.code] = fn
        recompute.register(spec.code, fn)
    yield calls
    for kind, fn in fns.items():
        recompute.unregister(kind, fn)
