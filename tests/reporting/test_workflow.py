"""Review workflow, versions after lock, hand-over to the results, quality flags, calendar, reminders."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecotown.core.models import ChangeRecord, Notification
from ecotown.reporting import selectors, services
from ecotown.reporting.models import ActivityRecord, QualityFlag

from .conftest import csv_bytes


def _load(world, rows, user="preparer", org=None, **kw):
    return services.import_activities(world.users[user], org or world.F1, csv_bytes(rows), name="x.csv", **kw).records


def _months(year, activity="grid_electricity", qty=100, months=range(1, 13), meter=""):
    return [[dt.date(year, m, 1).isoformat(), "", activity, str(qty), "kWh" if activity == "grid_electricity" else "m3", meter]
            for m in months]


def test_states_draft_submitted_verified_locked(world, listener):
    recs = _load(world, _months(2024, months=[1, 2]))
    with pytest.raises(PermissionDenied):
        services.submit(world.users["preparer"], recs)          # the preparer prepares; the approver submits
    assert services.submit(world.users["approver"], recs) == 2
    assert [r.state for r in ActivityRecord.objects.all()] == ["submitted", "submitted"]
    with pytest.raises(PermissionDenied):
        services.verify(world.users["approver"], recs)          # not their own data
    assert listener == []
    assert services.verify(world.users["estate"], recs) == 2
    assert listener == [{"orgs": [world.F1.pk], "years": [2024], "reason": "verified", "restated": False}]
    with pytest.raises(PermissionDenied):
        services.lock_year(world.users["officer"], 2024)
    assert services.lock_year(world.users["admin"], 2024) == 2
    assert listener[-1] == {"orgs": [world.F1.pk], "years": [2024], "reason": "locked 2024", "restated": False}
    assert set(ActivityRecord.objects.values_list("state", flat=True)) == {"locked"}
    r = ActivityRecord.objects.first()
    assert (r.submitted_by, r.verified_by) == (world.users["approver"], world.users["estate"])


def test_submit_refused_as_a_whole(world):
    recs = _load(world, _months(2024, months=[1, 2]))
    services.submit(world.users["approver"], recs[:1])
    with pytest.raises(ValidationError) as exc:
        services.submit(world.users["approver"], recs)
    assert exc.value.message_dict["state"] == ["grid_electricity 2024-01-01–2024-01-31 is not a current draft."]
    assert ActivityRecord.objects.get(pk=recs[1].pk).state == "draft"


def test_change_after_lock_is_a_new_version_with_reason_and_restates(world, listener):
    recs = _load(world, _months(2024, months=[3]))
    services.submit(world.users["approver"], recs)
    services.verify(world.users["officer"], recs)
    services.lock_year(world.users["admin"], 2024)
    listener.clear()
    old = ActivityRecord.objects.get()
    before = ActivityRecord.objects.count()
    with pytest.raises(ValidationError) as exc:
        services.amend(world.users["preparer"], old, {"quantity": "150"})
    assert exc.value.message_dict == {"reason": ["The record is locked: give a reason for the change."]}
    assert ActivityRecord.objects.count() == before and listener == []
    new = services.amend(world.users["preparer"], old, {"quantity": "150"}, reason="meter was misread")
    old.refresh_from_db()
    assert (old.is_current, old.state, old.quantity) == (False, "locked", Decimal("100"))
    assert (new.is_current, new.state, new.version, new.series, new.supersedes_id, new.quantity, new.reason) == (
        True, "draft", 2, old.series, old.pk, Decimal("150"), "meter was misread")
    assert listener == [{"orgs": [world.F1.pk], "years": [2024], "reason": "meter was misread", "restated": False}]  # issue 9: was restated=True; a draft correction restates nothing (the locked version counts until it is verified)
    # the record shows its versions and history
    versions = selectors.history_of(new)
    assert [(v.version, v.is_current) for v, _ in versions] == [(2, True), (1, False)]
    notes = [c.note for c in versions[1][1]]
    assert notes[0] == "superseded: meter was misread" and "locked at the end of 2024" in notes


def test_draft_changes_in_place(world, listener):
    r = _load(world, _months(2024, months=[4]))[0]
    same = services.amend(world.users["preparer"], r, {"quantity": "1,234"})
    assert same.pk == r.pk and same.version == 1 and same.quantity == Decimal("1234")
    assert ChangeRecord.for_object(r).first().changed_fields == ["quantity"]
    assert listener == []


def test_replacing_locked_record_by_import_needs_reason_and_restates(world, listener):
    recs = _load(world, _months(2024, months=[5]))
    services.submit(world.users["approver"], recs)
    services.verify(world.users["estate"], recs)
    services.lock_year(world.users["admin"], 2024)
    listener.clear()
    rows = [["2024-05-01", "2024-05-31", "grid_electricity", "90", "kWh", ""]]
    with pytest.raises(services.Rejected) as exc:
        _load(world, rows, replace=True)
    assert [p["code"] for p in exc.value.problems] == ["locked_needs_reason"]
    assert listener == []
    new = services.import_activities(world.users["preparer"], world.F1, csv_bytes(rows), name="y.csv", replace=True,
                                     reason="corrected bill").records[0]
    assert (new.version, new.state) == (2, "draft")
    assert listener == [{"orgs": [world.F1.pk], "years": [2024], "reason": "corrected bill", "restated": False}]  # issue 9: was restated=True; a draft correction restates nothing (the locked version counts until it is verified)


def test_quality_flags_must_be_acknowledged_before_submit(world):
    _load(world, _months(2023, months=range(1, 13), qty=100))
    recs = _load(world, [[dt.date(2024, 1, 1).isoformat(), "", "grid_electricity", "160", "kWh", ""],
                         [dt.date(2024, 2, 1).isoformat(), "", "grid_electricity", "120", "kWh", ""],
                         [dt.date(2024, 4, 1).isoformat(), "", "grid_electricity", "100", "kWh", ""]])
    flags = list(QualityFlag.objects.order_by("kind", "record__period_start").values_list("kind", "record__period_start", "message_en"))
    assert flags == [
        ("missing_month", dt.date(2024, 4, 1), "No data for Mar 2024 before this month: report the missing month or explain why there is none."),
        ("yoy", dt.date(2024, 1, 1), "+60 % compared with the same month last year (100 kWh): check the value or explain it."),
    ]
    assert QualityFlag.objects.get(kind="missing_month").message_th == (
        "ไม่มีข้อมูลของ มี.ค. 2567 ก่อนเดือนนี้ กรุณารายงานเดือนที่ขาด หรือชี้แจงเหตุผลที่ไม่มีข้อมูล")
    with pytest.raises(ValidationError) as exc:
        services.submit(world.users["approver"], recs)
    assert exc.value.message_dict["state"] == [
        "grid_electricity 2024-01-01–2024-01-31 has a data-quality flag to acknowledge first.",
        "grid_electricity 2024-04-01–2024-04-30 has a data-quality flag to acknowledge first."]
    assert set(ActivityRecord.objects.filter(pk__in=[r.pk for r in recs]).values_list("state", flat=True)) == {"draft"}
    for f in QualityFlag.objects.all():
        services.acknowledge_flag(world.users["preparer"], f, "new production line")
    assert services.submit(world.users["approver"], recs) == 3


def test_peer_flag(world):
    # F2 (same TSIC 2930) and three more peers report ~100 kWh; F1 reports 5,000
    from ecotown.core import history
    from ecotown.registry.models import FactoryDetail, Kind, Organisation

    peers = [world.F2]
    for i in range(2):
        o = history.save(None, Organisation(kind=Kind.FACTORY, name_th=f"P{i}", name_en=f"P{i}", parent=world.E1))
        history.save(None, FactoryDetail(organisation=o, diw_number=f"1020000077700{i}", tsic_id="2930"))
        peers.append(o)
    for p, q in zip(peers, [90, 100, 110]):
        services.import_activities(None, p, csv_bytes([["2024-06-01", "", "grid_electricity", str(q), "kWh", ""]]), name=f"{p.pk}.csv")
    _load(world, [["2024-06-01", "", "grid_electricity", "5000", "kWh", ""]])
    f = QualityFlag.objects.get(organisation=world.F1)
    assert (f.kind, f.message_en) == ("peers", "Far from the 3 factories of the same industry (TSIC 2930): their median is 100 kWh.")


def test_calendar_completeness_and_on_time_share(world):
    services.set_calendar(world.users["admin"], 2024, {3: dt.date(2024, 4, 10)})
    with pytest.raises(PermissionDenied):
        services.set_calendar(world.users["officer"], 2024, {3: dt.date(2024, 4, 20)})
    with pytest.raises(ValidationError):
        services.set_calendar(world.users["admin"], 2024, {3: dt.date(2024, 3, 20)})
    assert services.periods_for(2024)[3].deadline == dt.date(2024, 4, 10)
    assert services.periods_for(2024)[4].deadline == dt.date(2024, 5, 15)   # default: the 15th of the next month
    recs = _load(world, _months(2024, months=range(1, 13)))
    services.submit(world.users["approver"], recs)
    _load(world, _months(2024, months=[3]), user="preparer2", org=world.F2)   # F2: a draft only
    c = selectors.completeness(world.users["estate"], 2024, 3)
    assert (c.expected, c.reported, [o.name_en for o in c.missing], c.drafts) == (2, 1, ["Factory Two"], {world.F2.pk})
    c = selectors.completeness(world.users["officer"], 2024, 3)
    assert (c.expected, c.reported) == (4, 1)
    with pytest.raises(PermissionDenied):
        selectors.completeness(world.users["approver"], 2024, 3)
    with pytest.raises(PermissionDenied):
        selectors.completeness(world.users["estate"], 2024, 3, world.E2)
    # submitted today, long after 2024's deadlines: not on time
    assert selectors.on_time_share(world.E1, 2024) == (0, 2)
    ActivityRecord.objects.filter(organisation=world.F1)  # (read only)
    from ecotown.core import history

    for r in ActivityRecord.objects.filter(organisation=world.F1):
        r.submitted_at = dt.datetime(2024, r.period_start.month, 28, tzinfo=dt.timezone.utc) if r.period_start.month < 12 else dt.datetime(2025, 1, 2, tzinfo=dt.timezone.utc)
        history.save(None, r, validate=False)
    assert selectors.on_time_share(world.E1, 2024) == (1, 2)
    assert selectors.on_time_share(None, 2024) == (1, 4)


def test_reminders_before_after_and_escalation(world):
    services.set_calendar(world.users["admin"], 2024, {5: dt.date(2024, 6, 10)}, remind_days_before=5, escalate_days_after=7)
    # January to April are long overdue for both factories of E1 (default deadlines, 7 days' grace)
    assert services.send_reminders(dt.date(2024, 6, 1)) == {"before": 0, "after": 0, "escalate": 8}
    assert Notification.objects.filter(user=world.users["estate"]).count() == 4
    assert Notification.objects.filter(user=world.users["preparer"]).count() == 0
    assert services.send_reminders(dt.date(2024, 6, 6)) == {"before": 2, "after": 0, "escalate": 0}  # F1 and F2
    assert services.send_reminders(dt.date(2024, 6, 7)) == {"before": 0, "after": 0, "escalate": 0}  # once
    titles = sorted(Notification.objects.filter(user=world.users["preparer"]).values_list("title_en", flat=True))
    assert titles == ["Reminder: report May 2024 by 2024-06-10"]
    recs = _load(world, _months(2024, months=[5]))
    services.submit(world.users["approver"], recs)
    assert services.send_reminders(dt.date(2024, 6, 12)) == {"before": 0, "after": 1, "escalate": 0}  # only F2
    assert services.send_reminders(dt.date(2024, 6, 20)) == {"before": 0, "after": 0, "escalate": 1}
    n = Notification.objects.get(user=world.users["estate"], title_en__contains="May")
    assert (n.title_en, n.body_en) == ("Escalation: 1 factories have not reported May 2024", "Factory Two")
    assert n.title_th == "ติดตาม: 1 โรงงานยังไม่ส่งข้อมูลเดือนพฤษภาคม 2567"
    esc = selectors.escalation_list(world.users["estate"], dt.date(2024, 6, 20))
    jan_to_apr = [dt.date(2024, m, 1) for m in range(1, 5)]
    assert [(e["org"].name_en, e["months"], e["days"]) for e in esc] == [
        ("Factory One", jan_to_apr, 126), ("Factory Two", jan_to_apr + [dt.date(2024, 5, 1)], 126)]


def test_period_totals_calendar_and_fiscal_year(world):
    _load(world, _months(2023, months=[10, 11, 12], qty=10) + _months(2024, months=range(1, 13), qty=100))
    # a bill across the fiscal boundary: 16 Sep – 15 Oct 2024 (30 days; 15 in FY2024)
    _load(world, [["16/9/2024", "15/10/2024", "water", "300", "m3", ""]])
    totals = selectors.period_totals(selectors.year_records(world.F1, 2024), 2024)
    assert [(t["activity"], t["unit"], t["calendar"], t["fiscal"]) for t in totals] == [
        ("grid_electricity", "kWh", Decimal("1200"), Decimal("930")),
        ("water", "m3", Decimal("300"), Decimal("150")),
    ]


def test_production_and_employees_share_the_workflow_and_versions(world, kind_listener, login):
    listener = kind_listener
    from ecotown.reporting.models import EmployeeRecord, ProductionRecord

    product = world.F1.products.get()
    c = login(world.users["preparer"])
    r = c.post(f"/reporting/org/{world.F1.pk}/input/production/", {"product": product.pk, "month": "3/2568", "quantity": "1,200"})
    assert r.status_code == 302 and r["Location"] == f"/reporting/org/{world.F1.pk}/?year=2025"
    c.post(f"/reporting/org/{world.F1.pk}/input/employees/", {"month": "2025-03", "employees": "140"})
    p = ProductionRecord.objects.get()
    e = EmployeeRecord.objects.get()
    assert (p.period_start, p.period_end, p.quantity, p.state) == (dt.date(2025, 3, 1), dt.date(2025, 3, 31), Decimal("1200"), "draft")
    assert (e.month, e.employees) == (dt.date(2025, 3, 1), 140)
    # refused: negative, another factory's product, the estate manager
    before = (ProductionRecord.objects.count(), ChangeRecord.objects.count())
    with pytest.raises(ValidationError):
        services.save_production(world.users["preparer"], world.F1, product, dt.date(2025, 4, 1), dt.date(2025, 4, 30), "-1")
    with pytest.raises(ValidationError):
        services.save_production(world.users["preparer"], world.F1, world.F2.products.get(), dt.date(2025, 4, 1), dt.date(2025, 4, 30), "1")
    with pytest.raises(PermissionDenied):
        services.save_employees(world.users["estate"], world.F1, dt.date(2025, 4, 1), 5)
    assert (ProductionRecord.objects.count(), ChangeRecord.objects.count()) == before
    # the same submit-all / verify-all as activity data, then lock and a new version with a reason
    c = login(world.users["approver"])
    confirm_bulk(c, f"/reporting/org/{world.F1.pk}/submit/", 2025)
    c = login(world.users["estate"])
    confirm_bulk(c, f"/reporting/org/{world.F1.pk}/verify/", 2025)
    assert set(ProductionRecord.objects.values_list("state", flat=True)) | set(EmployeeRecord.objects.values_list("state", flat=True)) == {"verified"}
    assert services.lock_year(world.users["admin"], 2025) == 2
    listener.clear()
    with pytest.raises(ValidationError):
        services.save_employees(world.users["preparer"], world.F1, dt.date(2025, 3, 1), 150)
    new = services.save_employees(world.users["preparer"], world.F1, dt.date(2025, 3, 15), 150, "headcount corrected")
    assert (new.version, new.state, new.supersedes_id, EmployeeRecord.objects.filter(is_current=True).count()) == (2, "draft", e.pk, 1)
    assert listener == [{"kind": "employees", "orgs": [world.F1.pk], "years": [2025], "reason": "headcount corrected",
                         "restated": False}]  # issue 9: was restated=True; a draft correction restates nothing (the locked version counts until it is verified)


def confirm_bulk(client, url: str, year: int):
    """A bulk submit or verify as a person does it: the confirmation (review) page, then its form."""
    page = client.get(url, {"year": year})
    assert page.status_code == 200
    data = {"year": year, "confirm": "yes"}
    for row in page.context["rows"]:
        data.setdefault(row["kind"], []).append(row["r"].pk)
    r = client.post(url, data)
    assert r.status_code == 302
    return page
