"""ecotown.core.workflow: one transition() for every state machine — access through ecotown.access,
illegal transitions refused as a whole (409 in the API, a message on pages), event codes in the history,
and multi-step workflows (tasks and task states)."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.utils import timezone, translation

from ecotown.core import history, workflow
from ecotown.core.models import ChangeRecord, Task, TaskState, Workflow, WorkflowState
from ecotown.core.workflow import IllegalTransition
from ecotown.reporting import services
from ecotown.reporting.models import ActivityRecord, EmployeeRecord, QualityFlag, ReviewedRecord

CASES = Path(__file__).resolve().parents[1] / "cases" / "assess"


@pytest.fixture(autouse=True)
def _english():
    with translation.override("en"):
        yield


def _record(org, month: int, state="draft", activity="diesel", qty=100):
    start = dt.date(2025, month, 1)
    end = (start.replace(day=28) + dt.timedelta(days=4)).replace(day=1) - dt.timedelta(days=1)
    return history.save(None, ActivityRecord(organisation=org, activity=activity, quantity=Decimal(qty), unit="L",
                                             period_start=start, period_end=end, state=state,
                                             is_counted=state in ("verified", "locked")))


def _snapshot():
    return (sorted(ActivityRecord.objects.values_list("pk", "state", "submitted_by", "verified_by")),
            ChangeRecord.objects.count())


# --- the table and transition() ------------------------------------------------------------------

def test_tables_are_registered_per_model_and_inherited():
    from ecotown.accounts.models import RegistrationRequest
    from ecotown.assessment.models import Assessment, FrameworkVersion
    from ecotown.carbon.models import Inventory
    from ecotown.enquiries.models import Enquiry
    from ecotown.reporting.models import ProductionRecord

    tables = {m.__name__: (workflow.spec_for(m).table.prefix, workflow.spec_for(m).state_field,
                           sorted(workflow.table_for(m).transitions))
              for m in (ActivityRecord, ProductionRecord, EmployeeRecord, Inventory, FrameworkVersion, Assessment,
                        Enquiry, RegistrationRequest, TaskState, WorkflowState)}
    review = ("reporting", "state", ["lock", "return", "submit", "verify"])
    assert tables == {
        "ActivityRecord": review, "ProductionRecord": review, "EmployeeRecord": review,
        "Inventory": ("carbon.inventory", "status", ["finalise", "restate"]),
        "FrameworkVersion": ("assessment.framework", "status", ["publish"]),
        "Assessment": ("assessment", "status", ["complete"]),
        "Enquiry": ("enquiries", "status", ["answer", "assign", "close", "reassign"]),
        "RegistrationRequest": ("accounts.registration", "status", ["approve", "reject"]),
        "TaskState": ("workflow.task", "status", ["approve", "cancel", "reject", "request_changes"]),
        "WorkflowState": ("workflow", "status", ["cancel", "finish", "reject", "request_changes", "resubmit"]),
    }
    assert workflow.table_for(ActivityRecord) is workflow.table_for(ReviewedRecord)


def test_refused_as_a_whole_with_codes_and_objects(world):
    a = _record(world.F1, 1)
    b = _record(world.F1, 2, state="submitted")
    before = _snapshot()
    with pytest.raises(IllegalTransition) as exc:
        services.submit(world.users["approver"], [a, b])
    assert exc.value.code == "wrong_state"
    assert exc.value.objects == [a, b]
    assert exc.value.as_detail() == [{
        "code": "wrong_state", "message": "diesel 2025-02-01–2025-02-28 is not a current draft.", "field": "state",
        "object": {"model": "reporting.activityrecord", "id": b.pk}}]
    assert exc.value.message_dict == {"state": ["diesel 2025-02-01–2025-02-28 is not a current draft."]}
    assert _snapshot() == before  # a (a draft) was not submitted either


def test_reason_required_and_guards(world):
    r = _record(world.F1, 3, state="submitted")
    before = _snapshot()
    with pytest.raises(IllegalTransition) as exc:
        services.return_to_draft(world.users["estate"], r, "   ")
    assert exc.value.as_detail() == [{"code": "reason_required", "message": "Say why the record is sent back.",
                                      "field": "reason", "object": None}]
    assert _snapshot() == before
    # a guard: an open quality flag
    d = _record(world.F1, 4)
    history.save(None, QualityFlag(organisation=world.F1, record=d, kind="yoy", message_th="ก", message_en="a"))
    before = _snapshot()
    with pytest.raises(IllegalTransition) as exc:
        services.submit(world.users["approver"], [d])
    assert [(p["code"], p["object"]["id"]) for p in exc.value.problems] == [("open_quality_flag", d.pk)]
    assert _snapshot() == before


def test_stale_object_is_checked_against_the_database(world):
    r = _record(world.F1, 5)
    stale = ActivityRecord.objects.get(pk=r.pk)
    services.submit(world.users["approver"], [r])
    with pytest.raises(IllegalTransition) as exc:
        services.submit(world.users["approver"], [stale])  # still says "draft" in memory
    assert exc.value.code == "wrong_state"
    assert workflow.events(r, "submit").count() == 1


def test_who_may_is_asked_of_access(world):
    r = _record(world.F1, 6)
    before = _snapshot()
    with pytest.raises(PermissionDenied):
        workflow.transition(world.users["preparer"], r, "submit")    # sees it, may not submit
    with pytest.raises(Http404):
        workflow.transition(world.users["preparer2"], r, "submit")   # does not see F1
    with pytest.raises(PermissionDenied):                              # a consequence, never asked by a user
        from ecotown.carbon.models import Inventory

        inv = history.save(None, Inventory(organisation=world.F1, year=2025, status="final"))
        workflow.transition(world.users["admin"], inv, "restate")
    assert _snapshot()[0] == before[0]
    assert workflow.available(world.users["approver"], r) == [workflow.table_for(r)["submit"]]
    assert workflow.available(world.users["preparer"], r) == []


def test_events_answer_what_was_approved_by_whom_when(world, listener):
    a, b = _record(world.F1, 7), _record(world.F1, 8)
    e = history.save(None, EmployeeRecord(organisation=world.F1, month=dt.date(2025, 7, 1), employees=120))
    _record(world.F2, 7)  # never moved
    approver, estate = world.users["approver"], world.users["estate"]
    services.submit(approver, [a, b, e])
    t0 = timezone.now()
    services.verify(estate, [a, e])
    t1 = timezone.now()
    rows = [(c.object_id, c.event, c.from_state, c.to_state, c.actor, c.note)
            for c in workflow.events(ActivityRecord, "verify")]
    assert rows == [(str(a.pk), "reporting.verify", "submitted", "verified", estate, "verified")]
    # the shared table: every record kind; by event code too
    assert [(c.content_type.model, c.object_id, c.actor) for c in workflow.events(ReviewedRecord, "reporting.verify")] == [
        ("activityrecord", str(a.pk), estate), ("employeerecord", str(e.pk), estate)]
    assert [c.event for c in workflow.events(a)] == ["reporting.submit", "reporting.verify"]
    assert [c.object_id for c in workflow.events(ReviewedRecord, "submit")] == [str(a.pk), str(b.pk), str(e.pk)]
    ev = workflow.events(a, "verify").get()
    assert t0 <= ev.at <= t1
    a.refresh_from_db()
    assert (a.verified_by, t0 <= a.verified_at <= t1) == (estate, True)
    assert listener == [{"orgs": [world.F1.pk], "years": [2025], "reason": "verified", "restated": False}]


def test_events_of_other_workflows(world, lib):
    from ecotown.carbon import services as carbon
    from ecotown.carbon.models import Inventory

    _record(world.F1, 1, state="verified")
    inv = carbon.compute_inventory(world.F1, 2025)
    carbon.finalise(world.users["approver"], inv)
    carbon.compute_inventory(world.F1, 2025, reason="factor corrected", restated=True)
    assert [(c.event, c.from_state, c.to_state, c.actor, c.note) for c in workflow.events(Inventory)] == [
        ("carbon.inventory.finalise", "draft", "final", world.users["approver"], "made final"),
        ("carbon.inventory.restate", "final", "restated", None, "factor corrected")]
    inv.refresh_from_db()
    assert (inv.status, inv.restated_reason, inv.finalised_by) == ("restated", "factor corrected", world.users["approver"])


@pytest.fixture
def lib(db):
    from ecotown.carbon import services as carbon

    carbon.sync_builtin_library()


# --- the API: 409, nothing changed, in the caller's language; 403/404 as access decides ------------

def test_api_illegal_transition_is_409_in_the_callers_language(world, client, token_for):
    r = _record(world.F1, 9)
    before = _snapshot()
    res = client.post(f"/api/reporting/activities/{r.pk}/verify", headers=token_for(world.users["estate"], "en"))
    assert res.status_code == 409
    assert res.json() == {"detail": [{"code": "wrong_state", "message": "diesel 2025-09-01–2025-09-30 is not submitted.",
                                      "field": "state", "object": {"model": "reporting.activityrecord", "id": r.pk}}]}
    res = client.post(f"/api/reporting/activities/{r.pk}/verify", headers=token_for(world.users["estate"], "th"))
    assert res.status_code == 409
    assert res.json()["detail"][0]["message"] == "diesel 2025-09-01–2025-09-30 ยังไม่ได้ส่ง"
    assert _snapshot() == before


def test_api_who_may(world, client, token_for):
    r = _record(world.F1, 10)
    before = _snapshot()
    assert client.post(f"/api/reporting/activities/{r.pk}/submit",
                       headers=token_for(world.users["preparer"], "en")).status_code == 403
    assert client.post(f"/api/reporting/activities/{r.pk}/submit",
                       headers=token_for(world.users["preparer2"], "en")).status_code == 404
    assert _snapshot() == before
    res = client.post(f"/api/reporting/activities/{r.pk}/submit", headers=token_for(world.users["approver"], "en"))
    assert (res.status_code, res.json()["state"]) == (200, "submitted")


def test_api_framework_publish_twice_is_409(world, client, token_for):
    from ecotown.assessment import services as assessment
    from ecotown.assessment.models import FrameworkVersion

    assessment.install_shipped()
    v = FrameworkVersion.objects.filter(status="published").first()
    n = ChangeRecord.objects.count()
    res = client.post(f"/api/assessment/frameworks/{v.pk}/publish", headers=token_for(world.users["admin"], "en"))
    assert res.status_code == 409
    assert res.json() == {"detail": [{"code": "wrong_state", "message": "This version is already published.",
                                      "field": "status", "object": {"model": "assessment.frameworkversion", "id": v.pk}}]}
    assert ChangeRecord.objects.count() == n


# --- pages: a clear message, nothing changed ------------------------------------------------------

@pytest.mark.parametrize("lang, text", [("en", "Only a submitted record can be sent back."),
                                        ("th", "ส่งกลับได้เฉพาะรายการที่ส่งแล้ว")])
def test_page_shows_the_refusal(world, login, lang, text):
    r = _record(world.F1, 11)
    before = _snapshot()
    c = login(world.users["estate"])
    res = c.post(f"/reporting/records/{r.pk}/return/", {"reason": "why"}, HTTP_ACCEPT_LANGUAGE=lang, follow=True)
    assert res.status_code == 200
    assert text in res.content.decode()
    assert _snapshot() == before


@pytest.mark.parametrize("lang, text", [
    ("en", "enquiry {pk}: Water: “close” is not possible while it is closed."),
    ("th", "enquiry {pk}: Water: “ปิดเรื่อง” ทำไม่ได้ขณะที่สถานะเป็น ปิดแล้ว"),
])
def test_enquiry_page_shows_the_generic_refusal(world, login, lang, text):
    from ecotown.enquiries import services as enquiries

    e = enquiries.submit(None, {"programme": "eco_factory", "name": "N", "email": "n@example.test", "subject": "Water",
                                "message": "?"})
    enquiries.close(world.users["officer"], e)
    n = ChangeRecord.objects.count()
    c = login(world.users["officer"])
    res = c.post(f"/enquiries/{e.pk}/close/", HTTP_ACCEPT_LANGUAGE=lang, follow=True)
    assert res.status_code == 200
    assert text.format(pk=e.pk) in res.content.decode()
    assert ChangeRecord.objects.count() == n


# --- multi-step workflows: two tasks over an activity record --------------------------------------

@pytest.fixture
def two_tasks(db):
    """Start: the factory approver (submit). Task 1: the estate's check (verify). Task 2: the authority
    administrator's decision (lock)."""
    wf = history.save(None, Workflow(code="record-review", name_th="ตรวจรายการ", name_en="Record review",
                                     start_action="submit"))
    history.save(None, Task(workflow=wf, position=1, code="estate-check", name_th="นิคมตรวจ", name_en="Estate check",
                            action="verify"))
    history.save(None, Task(workflow=wf, position=2, code="decision", name_th="ตัดสิน", name_en="Decision",
                            action="lock"))
    outcomes = []

    def finished(ctx, run):
        outcomes.append(("finish", run.pk, ctx.actor.username))

    def rejected(ctx, run):
        outcomes.append(("reject", run.pk, ctx.actor.username))

    workflow.listen("record-review", "finish", finished)
    workflow.listen("record-review", "reject", rejected)
    yield wf, outcomes
    workflow.unlisten("record-review", "finish", finished)
    workflow.unlisten("record-review", "reject", rejected)


def _states(run):
    run.refresh_from_db()
    return (run.status, [(ts.task.code, ts.status, ts.finished_by.username if ts.finished_by else None, ts.comment)
                         for ts in run.task_states.order_by("id")])


def test_two_task_workflow_approved(world, two_tasks):
    wf, outcomes = two_tasks
    u = world.users
    r = _record(world.F1, 12)
    with pytest.raises(PermissionDenied):
        workflow.start(u["preparer"], wf, r)
    run = workflow.start(u["approver"], wf, r)
    assert (run.requested_by, run.organisation_id) == (u["approver"], world.F1.pk)
    assert _states(run) == ("in_progress", [("estate-check", "in_progress", None, "")])
    ts1 = run.current_task_state
    n = ChangeRecord.objects.count()
    with pytest.raises(PermissionDenied):
        workflow.transition(u["approver"], ts1, "approve")   # not the estate
    with pytest.raises(Http404):
        workflow.transition(u["preparer2"], ts1, "approve")  # does not see the record
    assert ChangeRecord.objects.count() == n
    workflow.transition(u["estate"], ts1, "approve")
    assert _states(run) == ("in_progress", [("estate-check", "approved", "estate", ""), ("decision", "in_progress", None, "")])
    with pytest.raises(IllegalTransition) as exc:
        workflow.transition(u["estate"], ts1, "approve")
    assert exc.value.as_detail() == [{"code": "wrong_state", "message": "Estate check has already been decided.",
                                      "field": "status", "object": {"model": "core.taskstate", "id": ts1.pk}}]
    ts2 = run.current_task_state
    with pytest.raises(PermissionDenied):
        workflow.transition(u["officer"], ts2, "approve")    # the decision is the administrator's
    workflow.transition(u["admin"], ts2, "approve", "complete and plausible")
    assert _states(run) == ("approved", [("estate-check", "approved", "estate", ""),
                                         ("decision", "approved", "admin", "complete and plausible")])
    assert run.finished_at is not None
    assert outcomes == [("finish", run.pk, "admin")]
    assert [(c.object_id, c.event, c.from_state, c.to_state, c.actor.username)
            for c in workflow.events(TaskState, "approve")] == [
        (str(ts1.pk), "workflow.task.approve", "in_progress", "approved", "estate"),
        (str(ts2.pk), "workflow.task.approve", "in_progress", "approved", "admin")]
    assert [(c.event, c.from_state, c.to_state, c.actor.username) for c in workflow.events(run)] == [
        ("workflow.start", "", "in_progress", "approver"), ("workflow.finish", "in_progress", "approved", "admin")]
    assert ActivityRecord.objects.get(pk=r.pk).state == "draft"  # the run does not move the record by itself


def test_two_task_workflow_changes_requested_then_rejected(world, two_tasks):
    wf, outcomes = two_tasks
    u = world.users
    r = _record(world.F1, 12)
    run = workflow.start(u["approver"], wf, r)
    ts1 = run.current_task_state
    n = ChangeRecord.objects.count()
    with pytest.raises(IllegalTransition) as exc:
        workflow.transition(u["estate"], ts1, "request_changes")
    assert exc.value.as_detail() == [{"code": "reason_required", "message": "Say which changes are needed.",
                                      "field": "reason", "object": None}]
    assert ChangeRecord.objects.count() == n
    workflow.transition(u["estate"], ts1, "request_changes", "attach the fuel bill")
    assert _states(run) == ("needs_changes", [("estate-check", "changes_requested", "estate", "attach the fuel bill")])
    with pytest.raises(IllegalTransition) as exc:
        workflow.start(u["approver"], wf, r)
    assert exc.value.code == "workflow_running"
    with pytest.raises(PermissionDenied):
        workflow.transition(u["preparer"], run, "resubmit")
    workflow.transition(u["approver"], run, "resubmit")
    assert _states(run) == ("in_progress", [("estate-check", "changes_requested", "estate", "attach the fuel bill"),
                                            ("estate-check", "in_progress", None, "")])
    workflow.transition(u["estate"], run.current_task_state, "reject", "not this factory's fuel")
    assert _states(run) == ("rejected", [("estate-check", "changes_requested", "estate", "attach the fuel bill"),
                                         ("estate-check", "rejected", "estate", "not this factory's fuel")])
    assert outcomes == [("reject", run.pk, "estate")]
    assert [(c.event, c.to_state, c.actor.username, c.note) for c in workflow.events(run)] == [
        ("workflow.start", "in_progress", "approver", "workflow record-review started"),
        ("workflow.request_changes", "needs_changes", "estate", "changes requested: attach the fuel bill"),
        ("workflow.resubmit", "in_progress", "approver", "resubmitted"),
        ("workflow.reject", "rejected", "estate", "rejected: not this factory's fuel")]
    # a new run may start once the last one ended
    again = workflow.start(u["approver"], wf, r)
    assert WorkflowState.objects.filter(object_id=str(r.pk)).count() == 2 and again.status == "in_progress"


def test_cancelling_a_run_cancels_its_open_task(world, two_tasks):
    wf, outcomes = two_tasks
    u = world.users
    run = workflow.start(u["approver"], wf, _record(world.F1, 12))
    with pytest.raises(PermissionDenied):
        workflow.transition(u["estate"], run, "cancel")     # only who may start it (submit)
    with pytest.raises(PermissionDenied):
        workflow.transition(u["approver"], run, "finish")   # a consequence, never asked for
    assert _states(run) == ("in_progress", [("estate-check", "in_progress", None, "")])
    workflow.transition(u["approver"], run, "cancel")
    assert _states(run) == ("cancelled", [("estate-check", "cancelled", "approver", "")])
    assert outcomes == []
    with pytest.raises(IllegalTransition) as exc:
        workflow.transition(u["approver"], run, "cancel")
    assert exc.value.as_detail()[0]["message"] == (
        "Record review: “cancel” is not possible while it is cancelled.")


def test_runs_and_task_states_are_listed_by_organisation(world, two_tasks):
    from ecotown import access

    wf, _outcomes = two_tasks
    run = workflow.start(world.users["approver"], wf, _record(world.F1, 12))
    for who, n in (("approver", 1), ("estate", 1), ("admin", 1), ("preparer2", 0), ("outsider", 0)):
        user = world.users[who]
        assert (who, access.visible(user, WorkflowState.objects.all()).count(),
                access.visible(user, TaskState.objects.all()).count()) == (who, n, n)
    assert access.can(world.users["estate"], "view", run.current_task_state) is True
    assert access.can(world.users["preparer2"], "view", run.current_task_state) is False


def test_record_page_history_names_the_event(world, login):
    r = _record(world.F1, 12)
    services.submit(world.users["approver"], [r])
    html = login(world.users["approver"]).get(f"/reporting/records/{r.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count('data-testid="event"') == 1
    # the transition in words; its code only as a data attribute
    assert '<span class="badge text-bg-light" data-testid="event" data-event="reporting.submit">submit</span>' in html
    assert ">reporting.submit<" not in html


def test_events_of_registrations_enquiries_and_frameworks(world):
    from ecotown.accounts import services as accounts
    from ecotown.accounts.models import Membership, RegistrationRequest
    from ecotown.assessment import services as assessment
    from ecotown.assessment.models import FrameworkVersion
    from ecotown.enquiries import services as enquiries
    from ecotown.enquiries.models import Enquiry

    u = world.users
    req = accounts.register_with_diw(diw_number="3-105-1/45ชบ", username="newcomer", password="Ecotown-Strong-2026",
                                     email="newcomer@example.test")
    accounts.decide_registration(u["estate"], req, True)
    members = Membership.objects.count()
    with pytest.raises(IllegalTransition) as exc:
        accounts.decide_registration(u["estate"], req, False)
    assert exc.value.as_detail() == [{"code": "wrong_state", "message": "This request has already been decided.",
                                      "field": "status", "object": {"model": "accounts.registrationrequest", "id": req.pk}}]
    assert Membership.objects.count() == members
    assert [(c.event, c.from_state, c.to_state, c.actor) for c in workflow.events(RegistrationRequest)] == [
        ("accounts.registration.approve", "pending", "approved", u["estate"])]

    e = enquiries.submit(None, {"programme": "eco_factory", "name": "N", "email": "n@example.test", "subject": "S",
                                "message": "?"})
    enquiries.assign(u["admin"], e, u["officer"])
    enquiries.answer(u["officer"], e, "Yes.")
    enquiries.assign(u["admin"], e, u["admin"])   # once answered: who holds it changes, the state does not
    enquiries.close(u["officer"], e)
    assert [(c.event, c.from_state, c.to_state, c.actor) for c in workflow.events(Enquiry)] == [
        ("enquiries.assign", "new", "assigned", u["admin"]), ("enquiries.answer", "assigned", "answered", u["officer"]),
        ("enquiries.reassign", "answered", "answered", u["admin"]), ("enquiries.close", "answered", "closed", u["officer"])]
    e.refresh_from_db()
    assert (e.status, e.assigned_to, e.answer) == ("closed", u["admin"], "Yes.")

    text = (CASES / "held-years-higher-level" / "framework.yaml").read_text(encoding="utf-8")
    v = assessment.upload_framework(u["admin"], text, "h.yaml")
    with pytest.raises(PermissionDenied):
        assessment.publish(u["officer"], v)
    assessment.publish(u["admin"], v)
    assert [(c.object_id, c.event, c.actor) for c in workflow.events(FrameworkVersion, "publish")] == [
        (str(v.pk), "assessment.framework.publish", u["admin"])]


def test_an_old_version_loaded_before_the_change_cannot_move(world):
    r = _record(world.F1, 12, state="submitted")
    stale = ActivityRecord.objects.get(pk=r.pk)
    services.amend(world.users["preparer"], r, {"quantity": "150"})  # a new version: r stays submitted, not current
    assert ActivityRecord.objects.filter(pk=r.pk).values_list("state", "is_current").get() == ("submitted", False)
    before = _snapshot()
    with pytest.raises(IllegalTransition) as exc:
        services.verify(world.users["estate"], [stale])               # stale: says it is current
    assert exc.value.as_detail() == [{"code": "wrong_state", "message": "diesel 2025-12-01–2025-12-31 is not submitted.",
                                      "field": "state", "object": {"model": "reporting.activityrecord", "id": r.pk}}]
    assert _snapshot() == before


def test_api_guard_refusal_is_409_with_its_code(world, client, token_for):
    from ecotown.carbon.models import Inventory

    inv = history.save(None, Inventory(organisation=world.F1, year=2025))
    n = ChangeRecord.objects.count()
    res = client.post(f"/api/carbon/inventories/{inv.pk}/finalise", headers=token_for(world.users["approver"], "en"))
    assert res.status_code == 409
    assert res.json() == {"detail": [{"code": "inventory_without_records", "message": "The inventory has no verified records.",
                                      "field": "status", "object": {"model": "carbon.inventory", "id": inv.pk}}]}
    inv.refresh_from_db()
    assert (inv.status, inv.finalised_at, ChangeRecord.objects.count()) == ("draft", None, n)
    assert client.post(f"/api/carbon/inventories/{inv.pk}/finalise",
                       headers=token_for(world.users["preparer"], "en")).status_code == 403
