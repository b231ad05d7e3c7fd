"""Work flows to the next person: every workflow step notifies whoever acts next (declared per state in the
workflow's table, decided in ecotown.core.workflow), "My tasks" is built from the same declarations, bulk
submit / verify and publish need a confirmation, and an inventory line leads to its record's versions and files."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core import mail

from ecotown.core import history, workflow
from ecotown.core.models import Notification
from ecotown.reporting import services
from ecotown.reporting.models import ActivityRecord, State

from tests.reporting.conftest import _english, _media  # noqa: F401 — the same autouse set-up (English, media)

pytestmark = pytest.mark.django_db


def rows(n, year=2025, month=3):
    return [{"period_start": dt.date(year, month, 1).isoformat(), "activity": act, "quantity": "10", "unit": unit}
            for act, unit in (("diesel", "L"), ("grid_electricity", "kWh"), ("water", "m3"))[:n]]


def notes(user):
    return list(Notification.objects.filter(user=user).order_by("id"))


def titles(user, lang="en"):
    return [n.title_en if lang == "en" else n.title_th for n in notes(user)]


def drafts(world, n=3, month=3):
    services.import_activities(world.users["preparer"], world.F1, items=rows(n, month=month), source="form")
    return list(ActivityRecord.objects.filter(organisation=world.F1, state=State.DRAFT).order_by("pk"))


# --- notifications ---------------------------------------------------------------------------------------

def test_saved_drafts_tell_the_approver_once_in_both_languages_and_by_email(world, django_capture_on_commit_callbacks):
    u = world.users
    with django_capture_on_commit_callbacks(execute=True):
        drafts(world, 3)
    assert titles(u["approver"]) == ["Factory One: 3 records saved as drafts"]
    n = notes(u["approver"])[0]
    assert n.title_th == "Factory One (ไทย): บันทึกเป็นฉบับร่างแล้ว 3 รายการ"
    assert (n.body_en, n.link) == ("They wait for you to check and submit them.", f"/reporting/org/{world.F1.pk}/?year=2025#month-3")
    # never the actor; nobody else (the estate acts only once they are submitted)
    assert [notes(u[k]) for k in ("preparer", "estate", "officer", "admin", "preparer2")] == [[], [], [], [], []]
    # the e-mail, in the approver's language (Thai by default), with the link
    sent = [m for m in mail.outbox if m.to == ["approver@example.test"]]
    assert [m.subject for m in sent] == ["[EcoTown] Factory One (ไทย): บันทึกเป็นฉบับร่างแล้ว 3 รายการ"]
    assert sent[0].body.endswith(f"/reporting/org/{world.F1.pk}/?year=2025#month-3")


def test_bulk_submit_tells_the_estate_managers_one_notification(world):
    u = world.users
    recs = drafts(world, 3)
    Notification.objects.all().delete()
    assert services.submit(u["approver"], recs) == 3
    assert titles(u["estate"]) == ["Factory One: 3 records submitted"]
    n = notes(u["estate"])[0]
    assert (n.body_en, n.link) == ("They wait for your verification.", f"/reporting/org/{world.F1.pk}/?year=2025#month-3")
    assert n.title_th == "Factory One (ไทย): ส่งข้อมูลแล้ว 3 รายการ"
    # the port's manager, the authority (the estate has a manager) and the actor are not told
    assert [notes(u[k]) for k in ("approver", "preparer", "port", "officer", "admin")] == [[], [], [], [], []]


def test_one_record_links_to_its_own_page(world):
    u = world.users
    rec = drafts(world, 1)[0]
    Notification.objects.all().delete()
    services.submit(u["approver"], [rec])
    assert [(n.title_en, n.link) for n in notes(u["estate"])] == [
        ("Factory One: 1 record submitted", f"/reporting/records/{rec.pk}/")]


def test_verified_and_returned_tell_the_factory(world):
    u = world.users
    recs = drafts(world, 3)
    services.submit(u["approver"], recs)
    Notification.objects.all().delete()
    services.verify(u["estate"], recs[:2])
    for who in ("preparer", "approver"):
        assert [(n.title_en, n.body_en) for n in notes(u[who])] == [
            ("Factory One: 2 records verified", "The verified records count in the inventory and the indicators.")]
    assert notes(u["estate"]) == [] and notes(u["preparer2"]) == []
    Notification.objects.all().delete()
    services.return_to_draft(u["estate"], recs[2], "the meter reading is missing")
    # the approver submits again (asked to act), the preparer corrects (told), both read the reason
    assert [(n.title_en, n.body_en) for n in notes(u["approver"])] == [
        ("Factory One: 1 record sent back", "They wait for you to check and submit them.\nReason: the meter reading is missing")]
    assert [(n.title_en, n.body_en) for n in notes(u["preparer"])] == [
        ("Factory One: 1 record sent back", "Please correct them and submit them again.\nReason: the meter reading is missing")]
    assert notes(u["preparer"])[0].body_th == "กรุณาแก้ไขแล้วส่งอีกครั้ง\nเหตุผล: the meter reading is missing"


def test_an_estate_submission_goes_to_the_authority(world):
    from ecotown.accounts.models import Membership

    u = world.users
    services.import_activities(u["estate"], world.E1, items=rows(1), source="form")
    rec = ActivityRecord.objects.get(organisation=world.E1)
    services.submit(u["estate"], [rec])
    # the estate's own data is verified by the authority's officers (not the administrator: the officers' work)
    assert titles(u["officer"]) == ["Estate One: 1 record submitted"]
    assert notes(u["admin"]) == [] and notes(u["estate"]) == []
    # a membership that ended gets nothing
    for m in Membership.objects.filter(user=u["officer"]):
        m.is_active = False
        history.save(None, m)
    Notification.objects.all().delete()
    services.return_to_draft(None, rec, "again")
    services.submit(None, [rec])
    assert notes(u["officer"]) == []


def test_a_recipient_never_gets_what_access_hides(world):
    """The resolver names the estate's managers; access still decides: a manager whose estate no longer
    holds the factory gets nothing."""
    u = world.users
    recs = drafts(world, 1)
    world.F1.parent, world.F1.province_id = world.E2, world.E2.province_id
    history.save(None, world.F1)
    Notification.objects.all().delete()
    services.submit(u["approver"], recs)
    assert notes(u["estate"]) == []


def test_inventory_restated_tells_the_approver(world):
    from ecotown.carbon import services as carbon
    from ecotown.carbon.models import Inventory

    u = world.users
    carbon.sync_builtin_library(None)
    history.save(None, ActivityRecord(organisation=world.F1, activity="diesel", quantity=Decimal("100"), unit="L",
                                      period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 1, 31),
                                      state=State.VERIFIED, is_counted=True))
    inv = carbon.compute_inventory(world.F1, 2025)
    carbon.finalise(u["approver"], inv)
    Notification.objects.all().delete()
    workflow.transition(None, Inventory.objects.get(pk=inv.pk), "restate", "changed inputs", system=True)
    assert [(n.title_en, n.link) for n in notes(u["approver"])] == [
        ("Factory One: GHG inventory restated", f"/carbon/inventory/{inv.pk}/")]
    assert notes(u["preparer"]) == [] and notes(u["estate"]) == []


def test_assessment_started_and_scored(world):
    from ecotown.assessment import services as assessment
    from ecotown.assessment.models import FrameworkVersion

    u = world.users
    assessment.install_shipped(None)
    v = FrameworkVersion.objects.get(framework__code="green-industry", status=FrameworkVersion.PUBLISHED)
    a = assessment.start_assessment(u["estate"], world.F1, v, 2025)
    assert [(n.title_en, n.link) for n in notes(u["approver"])] == [
        ("Factory One: assessment started", f"/assessment/{a.pk}/")]
    assert notes(u["preparer"]) == [] and notes(u["estate"]) == []


# --- My tasks ---------------------------------------------------------------------------------------------

def tasks(user):
    return [(t.kind, t.task, t.what, t.org, t.n) for t in workflow.tasks(user)]


def test_tasks_follow_the_records_through_the_review(world):
    u = world.users
    recs = drafts(world, 3, month=3)
    drafts(world, 1, month=4)
    recs = list(ActivityRecord.objects.filter(organisation=world.F1).order_by("period_start", "pk"))
    assert tasks(u["approver"]) == [("reporting", "Check and submit", "Mar 2025", "Factory One", 3),
                                    ("reporting", "Check and submit", "Apr 2025", "Factory One", 1)]
    march = workflow.tasks(u["approver"])[0]
    assert (march.due, march.link) == (dt.date(2025, 4, 15), f"/reporting/org/{world.F1.pk}/?year=2025#month-3")
    assert march.days_late == (dt.date.today() - dt.date(2025, 4, 15)).days
    for who in ("preparer", "estate", "officer", "admin", "auditor", "outsider", "preparer2", "port"):
        assert tasks(u[who]) == [], who
    services.submit(u["approver"], recs[:3])
    assert tasks(u["approver"]) == [("reporting", "Check and submit", "Apr 2025", "Factory One", 1)]
    assert tasks(u["estate"]) == [("reporting", "Verify", "Mar 2025", "Factory One", 3)]
    assert workflow.tasks(u["estate"])[0].due is None
    services.verify(u["estate"], recs[:3])
    assert tasks(u["estate"]) == []


def test_other_kinds_of_records_count_in_the_same_month(world):
    u = world.users
    drafts(world, 2, month=5)
    services.save_employees(u["preparer"], world.F1, dt.date(2025, 5, 1), 120)
    assert tasks(u["approver"]) == [("reporting", "Check and submit", "May 2025", "Factory One", 3)]


def test_tasks_of_every_workflow(world):
    from ecotown.accounts.models import RegistrationRequest, User
    from ecotown.enquiries import services as enquiries

    u = world.users
    e = enquiries.submit(None, {"programme": "ghg_network", "name": "Somchai", "email": "s@example.test",
                                "subject": "Join the network", "message": "?"})
    assert tasks(u["officer"]) == [("enquiries", "Assign or answer", "Join the network (Somchai)", "Join the network", 1)]
    assert tasks(u["estate"]) == []
    enquiries.assign(u["admin"], e, u["officer"])
    assert tasks(u["officer"]) == [("enquiries", "Answer", "Join the network (Somchai)", "Join the network", 1)]
    assert tasks(u["admin"]) == []
    assert titles(u["officer"])[-1] == "Join the network: enquiry assigned to you"
    dao = User.objects.create_user(username="dao", password="x", first_name="Dao")
    history.save(dao, RegistrationRequest(user=dao, organisation=world.F2, role="factory_preparer"))
    assert tasks(u["estate"]) == [("accounts.registration", "Approve or reject", "Dao (Factory preparer)", "Factory Two", 1)]
    assert tasks(u["port"]) == [] and tasks(u["approver"]) == []


def test_the_tasks_page_and_the_home_page(world, login):
    u = world.users
    drafts(world, 3)
    c = login(u["approver"])
    page = c.get("/tasks/", HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200
    assert text.count('data-testid="task"') == 1
    assert "Check and submit" in text and "3 records" in text and "overdue by" in text
    home = c.get("/", HTTP_ACCEPT_LANGUAGE="en")
    assert home.context["n_tasks"] == 1 and '<span class="badge text-bg-primary" data-testid="n-tasks">1</span>' in home.content.decode()
    th = login(u["preparer"]).get("/tasks/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "ไม่มีงานรอท่าน" in th


# --- the months of the reporting page ---------------------------------------------------------------------

def test_months_say_whom_they_wait_for(world, login):
    from ecotown.reporting import selectors

    u = world.users
    drafts(world, 2, month=3)
    drafts(world, 1, month=4)
    services.submit(u["approver"], [r for r in ActivityRecord.objects.filter(period_start__month=4)])

    def month(user, m, today=dt.date(2025, 5, 10)):
        recs = list(ActivityRecord.objects.filter(organisation=world.F1, is_current=True))
        return next(x for x in selectors.months(user, world.F1, 2025, recs, today) if x.month == m)

    m3 = month(u["preparer"], 3)
    assert (m3.state, m3.counts, m3.waiting, m3.due, m3.days_left) == ("draft", {"draft": 2}, "waiting for your approver",
                                                                      dt.date(2025, 4, 15), -25)
    assert month(u["approver"], 3).waiting == "waiting for you"
    assert month(u["estate"], 3).waiting == "waiting for the factory's approver"
    m4 = month(u["estate"], 4)
    assert (m4.state, m4.waiting, m4.due) == ("submitted", "waiting for you", None)
    assert month(u["preparer"], 4).waiting == "waiting for your estate to verify"
    assert (month(u["preparer"], 5).state, month(u["preparer"], 5).due) == ("not_reported", dt.date(2025, 6, 15))
    assert month(u["preparer"], 5, today=dt.date(2025, 6, 10)).days_left == 5
    assert month(u["preparer"], 6).state == "later"
    page = login(u["preparer"]).get(f"/reporting/org/{world.F1.pk}/?year=2025", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert 'id="month-3"' in page and "รอผู้อนุมัติของท่าน" in page and "รอนิคมอุตสาหกรรมของท่านตรวจสอบ" in page
    assert 'text-danger fw-semibold" data-testid="month-due">เลยกำหนด' in page


# --- confirmations ---------------------------------------------------------------------------------------

def test_bulk_submit_needs_its_confirmation(world, login):
    u = world.users
    recs = drafts(world, 3)
    c = login(u["approver"])
    url = f"/reporting/org/{world.F1.pk}/submit/"
    page = c.get(url, {"year": 2025}, HTTP_ACCEPT_LANGUAGE="en")
    text = page.content.decode()
    assert page.status_code == 200 and "3 drafts will be submitted to the estate for verification." in text
    assert text.count('data-testid="review-row"') == 3 and "Confirm: submit 3 drafts" in text
    # a POST without the confirmation changes nothing
    r = c.post(url, {"year": 2025}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200 and "Nothing was changed: confirm below first." in r.content.decode()
    assert set(ActivityRecord.objects.values_list("state", flat=True)) == {"draft"}
    # confirmed: exactly the records reviewed (a draft added meanwhile stays a draft)
    drafts(world, 1, month=6)
    r = c.post(url, {"year": 2025, "confirm": "yes", "activities": [x.pk for x in recs]})
    assert r.status_code == 302
    assert dict(ActivityRecord.objects.values_list("pk", "state")) == {**{x.pk: "submitted" for x in recs},
                                                                        **{x.pk: "draft" for x in ActivityRecord.objects.filter(period_start__month=6)}}


def test_review_before_verifying_shows_the_values_and_what_changed(world, login):
    u = world.users
    old = history.save(None, ActivityRecord(organisation=world.F1, activity="diesel", quantity=Decimal("100"), unit="L",
                                            period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 1, 31),
                                            state=State.VERIFIED, is_counted=True))
    new = services.amend(u["preparer"], old, {"quantity": Decimal("120")}, reason="meter re-read")
    services.submit(u["approver"], [new])
    fresh = drafts(world, 1, month=2)
    services.submit(u["approver"], fresh)
    c = login(u["estate"])
    url = f"/reporting/org/{world.F1.pk}/verify/"
    text = c.get(url, {"year": 2025}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "2 submitted records of Factory One will be verified." in text
    assert "1 of them is a correction: its previous value is shown beside the new one." in text
    assert "Diesel (stationary combustion): 120 L" in text and "before: <del>Diesel (stationary combustion): 100 L</del>" in text and "reason: meter re-read" in text
    assert text.count('data-testid="review-previous"') == 1
    assert c.post(url, {"year": 2025}).status_code == 200
    assert ActivityRecord.objects.get(pk=new.pk).state == "submitted"
    c.post(url, {"year": 2025, "confirm": "yes", "activities": [new.pk, fresh[0].pk]})
    assert set(ActivityRecord.objects.filter(is_current=True).values_list("state", flat=True)) == {"verified"}


def test_publish_needs_its_confirmation(world, login):
    from ecotown.assessment import services as assessment
    from ecotown.assessment.models import FrameworkVersion

    assessment.install_shipped(None)
    published = FrameworkVersion.objects.filter(status=FrameworkVersion.PUBLISHED).first()
    draft = assessment.edit_framework(world.users["admin"], published, {}, new_version="9.9-test")
    c = login(world.users["admin"])
    url = f"/assessment/frameworks/{draft.pk}/publish/"
    text = c.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "Publish this version?" in text and f"instead of version {published.version}" in text
    assert c.post(url, HTTP_ACCEPT_LANGUAGE="en").status_code == 200
    assert FrameworkVersion.objects.get(pk=draft.pk).status == "draft"
    assert c.post(url, {"confirm": "yes"}).status_code == 302
    assert FrameworkVersion.objects.get(pk=draft.pk).status == "published"
    # a published version has nothing to confirm: its page
    r = c.get(url)
    assert (r.status_code, r["Location"]) == (302, f"/assessment/frameworks/{draft.pk}/")


# --- evidence from an inventory line ----------------------------------------------------------------------

def test_an_inventory_line_leads_to_its_record_versions_and_files(world, login):
    from ecotown.carbon import services as carbon

    u = world.users
    carbon.sync_builtin_library(None)
    rec = history.save(None, ActivityRecord(organisation=world.F1, activity="diesel", quantity=Decimal("100"), unit="L",
                                            period_start=dt.date(2025, 1, 1), period_end=dt.date(2025, 1, 31),
                                            state=State.DRAFT))
    f = services.add_evidence(u["preparer"], rec, "bill.pdf", b"%PDF-1.4 bill")
    services.submit(u["approver"], [rec])
    services.verify(u["estate"], [rec])
    inv = carbon.compute_inventory(world.F1, 2025)
    for who in ("estate", "approver", "officer"):
        text = login(u[who]).get(f"/carbon/inventory/{inv.pk}/lines/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert f'href="/reporting/records/{rec.pk}/" data-testid="record-link">#{rec.pk} v1</a>' in text, who
        assert f'href="/reporting/records/{rec.pk}/#versions"' in text
        assert f'<a href="/files/{f.pk}/">bill.pdf</a>' in text
    page = login(u["estate"]).get(f"/reporting/records/{rec.pk}/").content.decode()
    assert 'id="versions"' in page
    assert login(u["preparer2"]).get(f"/carbon/inventory/{inv.pk}/lines/").status_code == 404


def test_verifying_one_record_goes_through_its_review(world, login):
    u = world.users
    recs = drafts(world, 2)
    services.submit(u["approver"], recs)
    c = login(u["estate"])
    page = c.get(f"/reporting/records/{recs[0].pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    review = f"/reporting/org/{world.F1.pk}/verify/?year=2025&amp;record={recs[0].pk}"
    assert f'href="{review}" data-testid="verify-one"' in page
    r = c.get(review.replace("&amp;", "&"), HTTP_ACCEPT_LANGUAGE="en")
    assert [row["r"].pk for row in r.context["rows"]] == [recs[0].pk]
    assert "1 submitted record of Factory One will be verified." in r.content.decode()


def test_a_bulk_notification_costs_the_same_queries_for_3_or_300_records(world):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    from ecotown.reporting.workflows import REVIEW

    def queries(n):
        recs = [history.save(None, ActivityRecord(organisation_id=world.F1.pk, activity="diesel", quantity=Decimal("1"),
                                                  unit="L", period_start=dt.date(2024, 1 + i % 12, 1),
                                                  period_end=dt.date(2024, 1 + i % 12, 28), meter=f"m{n}-{i}",
                                                  state=State.SUBMITTED)) for i in range(n)]
        recs = list(ActivityRecord.objects.filter(pk__in=[r.pk for r in recs]))  # (as a view loads them)
        Notification.objects.all().delete()
        with CaptureQueriesContext(connection) as ctx:
            assert workflow.announce(world.users["approver"], recs, REVIEW["submit"].done, state=State.SUBMITTED) == 1
        assert titles(world.users["estate"]) == [f"Factory One: {n} records submitted"]
        return len(ctx.captured_queries)

    assert queries(3) == queries(300)


def test_records_sent_back_wait_for_the_preparers_too(world):
    u = world.users
    recs = drafts(world, 3, month=3)
    services.submit(u["approver"], recs)
    services.return_to_draft(u["estate"], recs[0], "meter photo missing")
    assert tasks(u["preparer"]) == [("reporting", "Correct what was sent back", "Mar 2025", "Factory One", 1)]
    assert tasks(u["approver"]) == [("reporting", "Check and submit", "Mar 2025", "Factory One", 1)]
    assert tasks(u["preparer2"]) == [] and tasks(u["estate"]) == [("reporting", "Verify", "Mar 2025", "Factory One", 2)]
    services.submit(u["approver"], [ActivityRecord.objects.get(pk=recs[0].pk)])
    assert tasks(u["preparer"]) == [] and tasks(u["approver"]) == []


def test_every_workflow_declares_who_acts_next():
    """A workflow added later cannot forget it: every registered table names who acts next in at least one
    state, with what they are asked (task list, notification) and how pages say whom it waits for."""
    from ecotown.core.workflow import _concrete, _nexts

    seen = set()
    for model, spec in _concrete():
        table = spec.table
        if id(table) in seen:
            continue
        seen.add(id(table))
        nexts = [n for st in table.next for n in _nexts(table, st)]
        assert nexts, f"{table.prefix}: declare next={{state: Next(...)}} in its workflows.py"
        assert table.subject is not None and table.link is not None, table.prefix
        for n in nexts:
            assert str(n.task) and str(n.asks), table.prefix
        states = {c for c, _label in model._meta.get_field(spec.state_field).choices}
        assert set(table.next) <= states, table.prefix
    assert {t for t in ("reporting", "carbon.inventory", "assessment", "assessment.framework", "enquiries",
                        "accounts.registration", "workflow.task", "workflow")} <= {
        spec.table.prefix for _m, spec in _concrete()}
