"""Enquiries: public form and API, staff assign/answer/close, who may see and act."""
from __future__ import annotations

import json

import pytest

from ecotown.accounts.models import User
from ecotown.core import history
from ecotown.core.models import ChangeRecord, Notification
from ecotown.enquiries import services
from ecotown.enquiries.models import Enquiry

FORM = {"programme": "eco_factory", "name": "Malee Public", "email": "malee@example.test", "phone": "",
        "subject": "Eco Factory criteria", "message": "Where can I read the criteria?"}


def counts() -> dict:
    out = {m.__name__: m.objects.count() for m in history.tracked_models()}
    out.update(ChangeRecord=ChangeRecord.objects.count(), User=User.objects.count(),
               Notification=Notification.objects.count())
    return out


def _staff_ids(world):
    return {world.users["admin"].pk, world.users["officer"].pk}


def test_public_form_creates_enquiry_and_notifies_staff(world, client):
    assert client.get("/enquiry/").status_code == 200
    r = client.post("/enquiry/", FORM)
    assert r.status_code == 200
    assert "enquiries/thanks.html" in [t.name for t in r.templates]
    e = Enquiry.objects.get()
    assert (e.programme, e.name, e.email, e.subject, e.status, e.submitted_by_id, e.organisation_id) == (
        "eco_factory", "Malee Public", "malee@example.test", "Eco Factory criteria", "new", None, None)
    notes = Notification.objects.filter(title_en="Eco Factory criteria: new enquiry")
    assert set(notes.values_list("user_id", flat=True)) == _staff_ids(world)
    assert all(n.link == f"/enquiries/{e.pk}/" for n in notes)
    rec = ChangeRecord.for_object(e).get()
    assert (rec.action, rec.actor_id) == ("create", None)


@pytest.mark.parametrize("field, value", [("email", "not-an-email"), ("programme", "lottery"), ("subject", ""),
                                          ("message", "")])
def test_public_form_invalid_saves_nothing(world, client, field, value):
    before = counts()
    r = client.post("/enquiry/", {**FORM, field: value})
    assert r.status_code == 200
    assert field in r.context["form"].errors
    assert counts() == before


def test_signed_in_factory_user_sends_for_their_factory(world, login):
    client = login(world.users["preparer"])
    r = client.post("/enquiry/", FORM)
    assert r.status_code == 200
    e = Enquiry.objects.get()
    assert (e.submitted_by_id, e.organisation_id) == (world.users["preparer"].pk, world.F1.pk)


def test_enquiry_for_foreign_org_rejected(world):
    before = counts()
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as exc:
        services.submit(world.users["preparer"], {**FORM, "organisation": world.F2})
    assert list(exc.value.message_dict) == ["organisation"]
    assert counts() == before


@pytest.fixture
def enquiries(world):
    anon = services.submit(None, dict(FORM))
    mine = services.submit(world.users["preparer"], {**FORM, "subject": "From F1", "organisation": world.F1})
    other = services.submit(world.users["preparer2"], {**FORM, "subject": "From F2", "organisation": world.F2})
    return anon, mine, other


def test_staff_assign_answer_close(world, enquiries, login, mailoutbox, django_capture_on_commit_callbacks):
    anon, _, _ = enquiries
    officer = world.users["officer"]
    client = login(world.users["admin"])
    assert client.get(f"/enquiries/{anon.pk}/").status_code == 200
    r = client.post(f"/enquiries/{anon.pk}/assign/", {"user": officer.pk})
    assert r.status_code == 302
    anon.refresh_from_db()
    assert (anon.status, anon.assigned_to_id) == ("assigned", officer.pk)
    assert Notification.objects.filter(user=officer, title_en="Eco Factory criteria: enquiry assigned to you").count() == 1

    client = login(officer)
    with django_capture_on_commit_callbacks(execute=True):
        r = client.post(f"/enquiries/{anon.pk}/answer/", {"answer": "See the criteria page."})
    assert r.status_code == 302
    anon.refresh_from_db()
    assert (anon.status, anon.answer) == ("answered", "See the criteria page.")
    assert [(m.to, m.body) for m in mailoutbox] == [(["malee@example.test"], "See the criteria page.")]

    r = client.post(f"/enquiries/{anon.pk}/close/")
    assert r.status_code == 302
    anon.refresh_from_db()
    assert anon.status == "closed" and anon.closed_at is not None
    actions = list(ChangeRecord.for_object(anon).order_by("id").values_list("action", "actor_id"))
    assert actions == [("create", None), ("update", world.users["admin"].pk), ("update", officer.pk),
                       ("update", officer.pk)]


def test_answer_to_signed_in_sender_is_a_notification(world, enquiries):
    _, mine, _ = enquiries
    services.answer(world.users["officer"], mine, "Welcome aboard.")
    n = Notification.objects.get(user=world.users["preparer"])
    assert (n.title_en, n.body_en) == ("Your enquiry has been answered: From F1", "Welcome aboard.")


def test_empty_answer_and_assigning_non_staff_rejected(world, enquiries, login):
    anon, _, _ = enquiries
    client = login(world.users["officer"])
    before = counts()
    r = client.post(f"/enquiries/{anon.pk}/answer/", {"answer": "   "}, follow=True)
    assert r.status_code == 200
    r = client.post(f"/enquiries/{anon.pk}/assign/", {"user": world.users["preparer"].pk})
    assert r.status_code == 302
    r = client.post(f"/enquiries/{anon.pk}/assign/", {"user": 999999})
    assert r.status_code == 302
    assert counts() == before
    anon.refresh_from_db()
    assert (anon.status, anon.assigned_to_id, anon.answer) == ("new", None, "")


@pytest.mark.parametrize("action, data", [("answer", {"answer": "I answer myself"}), ("close", {}),
                                          ("assign", {"user": 1})])
def test_factory_user_cannot_handle_own_enquiry_403(world, enquiries, login, action, data):
    _, mine, _ = enquiries
    client = login(world.users["preparer"])
    assert client.get(f"/enquiries/{mine.pk}/").status_code == 200
    before = counts()
    r = client.post(f"/enquiries/{mine.pk}/{action}/", data)
    assert r.status_code == 403
    assert counts() == before
    mine.refresh_from_db()
    assert (mine.status, mine.answer) == ("new", "")


def test_factory_user_cannot_see_others_enquiries_404(world, enquiries, login):
    anon, mine, other = enquiries
    client = login(world.users["preparer"])
    for e in (anon, other):
        assert client.get(f"/enquiries/{e.pk}/").status_code == 404
        assert client.post(f"/enquiries/{e.pk}/answer/", {"answer": "x"}).status_code == 404
    r = client.get("/enquiries/")
    assert [e.pk for e in r.context["enquiries"]] == [mine.pk]
    # the approver of the same factory sees the factory's enquiry, not the others
    client = login(world.users["approver"])
    assert client.get(f"/enquiries/{mine.pk}/").status_code == 200
    assert client.get(f"/enquiries/{other.pk}/").status_code == 404
    assert [e.pk for e in client.get("/enquiries/").context["enquiries"]] == [mine.pk]


def test_estate_manager_and_outsider_see_no_enquiries(world, enquiries, login):
    for who in ("estate", "outsider", "school"):
        client = login(world.users[who])
        assert list(client.get("/enquiries/").context["enquiries"]) == []
        assert client.get(f"/enquiries/{enquiries[1].pk}/").status_code == 404


def test_staff_list_filters_by_status(world, enquiries, login):
    services.close(world.users["admin"], enquiries[2])
    client = login(world.users["officer"])
    r = client.get("/enquiries/?status=closed")
    assert [e.pk for e in r.context["enquiries"]] == [enquiries[2].pk]
    r = client.get("/enquiries/")
    assert len(r.context["enquiries"]) == 3


# --- API -------------------------------------------------------------------------------------------------------

def test_api_post_enquiry_anonymously(world, client):
    r = client.post("/api/enquiries", json.dumps({**FORM, "programme": "eco_school"}), content_type="application/json")
    assert r.status_code == 201
    e = Enquiry.objects.get()
    assert r.json() == {"id": e.pk, "reference": e.reference, "status": "new"}
    assert (e.programme, e.submitted_by_id) == ("eco_school", None)
    assert Notification.objects.filter(title_en="Eco Factory criteria: new enquiry").count() == 2


def test_api_post_enquiry_with_token_records_sender(world, client, token_for):
    r = client.post("/api/enquiries", json.dumps(FORM), content_type="application/json",
                    headers=token_for(world.users["preparer"]))
    assert r.status_code == 201
    assert Enquiry.objects.get().submitted_by_id == world.users["preparer"].pk


@pytest.mark.parametrize("change, field", [({"programme": "lottery"}, "programme"), ({"email": "nope"}, "email")])
def test_api_post_enquiry_invalid_422(world, client, change, field):
    before = counts()
    r = client.post("/api/enquiries", json.dumps({**FORM, **change}), content_type="application/json")
    assert r.status_code == 422
    assert [d["field"] for d in r.json()["detail"]] == [field]
    assert counts() == before


def test_api_post_enquiry_missing_field_422(world, client):
    data = dict(FORM)
    del data["subject"]
    before = counts()
    r = client.post("/api/enquiries", json.dumps(data), content_type="application/json",
                    headers={"Accept-Language": "en"})
    assert r.status_code == 422
    assert r.json() == {"detail": [{"field": "subject", "code": "required", "message": "This field is required."}]}
    assert counts() == before


def test_api_list_enquiries_needs_auth_and_filters(world, enquiries, client, token_for):
    assert client.get("/api/enquiries").status_code == 401
    r = client.get("/api/enquiries", headers=token_for(world.users["preparer2"])).json()
    assert [e["subject"] for e in r["items"]] == ["From F2"] and r["count"] == 1
    r = client.get("/api/enquiries", headers=token_for(world.users["officer"])).json()
    assert r["count"] == 3


# --- the PDPA notice, the reference number and the status page ------------------------------------

def test_the_form_shows_the_pdpa_notice_from_the_declaration(world, client):
    en = client.get("/enquiry/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    notice = en.split('data-testid="pdpa-notice"', 1)[1].split("</div>", 1)[0]
    assert "We collect: your name, e-mail, phone." in notice
    assert "Why: to answer your enquiry and follow it up; only the division&#x27;s staff read it." in notice
    assert "How long: personal fields erased 730 days after the enquiry is closed." in notice
    th = client.get("/enquiry/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "ข้อมูลส่วนบุคคลของท่าน (PDPA)" in th
    assert "ระยะเวลาการเก็บรักษา: ลบข้อมูลส่วนบุคคลเมื่อครบ 730 วันหลังปิดเรื่องการติดต่อสอบถาม" in th
    assert "ข้อมูลที่เก็บ: ชื่อของท่าน, อีเมล, โทรศัพท์" in th


def test_after_sending_the_visitor_gets_a_reference_number_and_finds_the_status_by_it(world, client):
    import re

    r = client.post("/enquiry/", FORM, HTTP_ACCEPT_LANGUAGE="en")
    e = Enquiry.objects.get()
    assert re.fullmatch(r"EQ-[2-9A-HJ-NP-Z]{4}-[2-9A-HJ-NP-Z]{4}", e.reference)
    html = r.content.decode()
    assert f'<div class="fs-3 fw-semibold font-monospace" data-testid="enquiry-reference">{e.reference}</div>' in html
    status = client.get("/enquiry/status/", {"reference": e.reference, "email": "MALEE@example.test"},
                        HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<strong data-testid="enquiry-status-value">new</strong>' in status
    assert "Eco Factory criteria" in status
    # typed loosely: lower case, spaces, no dashes
    loose = e.reference.lower().replace("-", " ")
    assert services.find_by_reference(loose, "malee@example.test") == e
    services.answer(world.users["officer"], e, "Read them on the division's site.")
    status = client.get("/enquiry/status/", {"reference": e.reference, "email": "malee@example.test"},
                        HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<strong data-testid="enquiry-status-value">answered</strong>' in status
    assert "Read them on the division&#x27;s site." in status


def test_a_reference_without_its_email_tells_nothing(world, client):
    client.post("/enquiry/", FORM)
    e = Enquiry.objects.get()
    for ref, email in [(e.reference, "someone@example.test"), ("EQ-2222-2222", "malee@example.test"), (e.reference, "")]:
        html = client.get("/enquiry/status/", {"reference": ref, "email": email}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
        assert "Eco Factory criteria" not in html
        assert 'data-testid="enquiry-status"' not in html
    html = client.get("/enquiry/status/", {"reference": e.reference, "email": "someone@example.test"},
                      HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert "No enquiry has this reference number and e-mail." in html


def test_every_enquiry_gets_its_own_reference_and_the_api_returns_it(world, client):
    r = client.post("/api/enquiries", FORM, content_type="application/json")
    assert r.status_code == 201
    body = r.json()
    assert body["reference"] == Enquiry.objects.get(pk=body["id"]).reference
    refs = {services.submit(None, dict(FORM)).reference for _ in range(20)}
    assert len(refs) == 20
