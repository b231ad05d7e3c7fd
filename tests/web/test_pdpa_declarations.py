"""Personal data declarations (PDPA): every model with personal fields declares its export, erasure
and retention; export, erasure and the retention job walk over the declarations."""
from __future__ import annotations

import datetime as dt
import re
from pathlib import Path

from django.apps import apps
from django.utils import timezone

from ecotown.accounts.models import Invitation, User
from ecotown.core import history, pdpa
from ecotown.core.models import ChangeRecord
from ecotown.enquiries import services as enquiry_services
from ecotown.enquiries.models import Enquiry

DOC = Path(__file__).resolve().parents[2] / "docs" / "personal-data.md"


def test_every_model_with_personal_fields_declares_its_personal_data():
    missing = [m._meta.label for m in apps.get_models()
               if getattr(m, "PERSONAL_FIELDS", ()) and not isinstance(getattr(m, "PERSONAL_DATA", None), pdpa.PersonalData)]
    assert missing == []


def test_declared_models_pinned():
    assert [(m._meta.label, d.key) for m, d in pdpa.declarations()] == [
        ("accounts.User", "user"), ("accounts.Membership", "memberships"), ("accounts.Invitation", "invitations"),
        ("registry.Contact", "contacts"), ("enquiries.Enquiry", "enquiries")]


def test_declarations_are_consistent_with_their_models():
    for model, decl in pdpa.declarations():
        names = {f.name for f in model._meta.get_fields()}
        personal = set(getattr(model, "PERSONAL_FIELDS", ()))
        assert personal <= set(decl.erase), f"{model.__name__}: every personal field is erased"
        assert set(decl.erase) <= names, model.__name__
        assert decl.match.user or decl.match.email, model.__name__
        if decl.match.email:
            assert decl.match.email in names, model.__name__
        if decl.match.user and decl.match.user != pdpa.SELF:
            assert model._meta.get_field(decl.match.user).related_model is User, model.__name__
        for item in decl.export:
            path = item if isinstance(item, str) else item[1]
            assert path.split(".")[0] in names | {"pk"}, f"{model.__name__}: {path}"
        assert str(decl.retention), model.__name__


def test_docs_list_the_declarations():
    text = DOC.read_text(encoding="utf-8")
    block = re.search(r"<!-- declarations:start[^>]*-->\n(.*)<!-- declarations:end -->", text, re.S)
    assert block is not None
    assert block.group(1) == pdpa.declarations_markdown(), (
        "docs/personal-data.md is out of date: paste ecotown.core.pdpa.declarations_markdown() between the markers")


def test_export_whole_shape(world):
    user = world.users["preparer"]
    data = pdpa.export_person(world.users["admin"], user=user)
    assert list(data) == ["exported_at", "email", "user", "memberships", "invitations", "contacts", "enquiries"]
    assert data["user"] == {"username": "preparer", "first_name": "", "last_name": "", "email": "preparer@example.test",
                            "phone": "", "language": "th", "date_joined": user.date_joined.isoformat(), "last_login": None}
    assert (data["memberships"], data["invitations"], data["contacts"], data["enquiries"]) == (
        [{"organisation": "Factory One", "role": "factory_preparer", "active": True}], [], [], [])


def test_export_without_user_or_email_holds_nothing_personal(world):
    data = pdpa.export_person(world.users["admin"])
    assert list(data) == ["exported_at", "email"]
    assert pdpa.erase_person(world.users["admin"]) == {"user": 0, "invitations": 0, "contacts": 0, "enquiries": 0}


def _invitation(world, email, expires_at):
    return history.save(None, Invitation(organisation=world.F1, email=email, role="factory_preparer",
                                         token_hash=email.ljust(64, "x")[:64], expires_at=expires_at,
                                         invited_by=world.users["approver"]))


def _closed_enquiry(email, closed_at):
    e = enquiry_services.submit(None, {"programme": "ghg_network", "name": "Somchai", "email": email, "phone": "081",
                                       "subject": "s", "message": "m"})
    e.status, e.closed_at = Enquiry.Status.CLOSED, closed_at
    history.save(None, e)
    return e


def test_retention_job_erases_what_ran_out_and_nothing_else(world):
    now = timezone.now()
    old_enq = _closed_enquiry("old@example.test", now - dt.timedelta(days=731))
    new_enq = _closed_enquiry("new@example.test", now - dt.timedelta(days=729))
    open_enq = _closed_enquiry("open@example.test", None)
    old_inv = _invitation(world, "old-inv@example.test", now - dt.timedelta(days=91))
    new_inv = _invitation(world, "new-inv@example.test", now - dt.timedelta(days=89))
    n_records = ChangeRecord.objects.count()

    assert pdpa.apply_retention(now) == {"invitations": 1, "enquiries": 1}
    old_enq.refresh_from_db(), new_enq.refresh_from_db(), open_enq.refresh_from_db()
    assert (old_enq.name, old_enq.email, old_enq.phone) == ("[erased]", "erased@invalid.invalid", "")
    assert (new_enq.name, new_enq.email, open_enq.email) == ("Somchai", "new@example.test", "open@example.test")
    assert Invitation.objects.get(pk=old_inv.pk).email == "erased@invalid.invalid"
    assert Invitation.objects.get(pk=new_inv.pk).email == "new-inv@example.test"
    # history masks personal values ("•"), so only the enquiry's change is visible (its phone became empty);
    # the invitation's e-mail went from one non-empty value to another: no recorded difference
    assert ChangeRecord.objects.count() == n_records + 1
    assert list(ChangeRecord.objects.filter(note="retention period ended").values_list("actor", "object_id")) == [
        (None, str(old_enq.pk))]
    # erased rows are not erased again
    assert pdpa.apply_retention(now) == {"invitations": 0, "enquiries": 0}
    assert ChangeRecord.objects.count() == n_records + 1


def test_people_page_lists_every_retention_rule(world, login):
    client = login(world.users["admin"])
    r = client.get("/people/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    assert r.context["retention"] == [
        ("user", "while the account is active; erased on request"),
        ("membership", "kept with the organisation; after erasure it points to an anonymised account"),
        ("invitation", "e-mail erased 90 days after the invitation expires or is accepted"),
        ("contact", "while the organisation is registered; erased on request"),
        ("enquiry", "personal fields erased 730 days after the enquiry is closed"),
    ]


def test_people_page_retention_rules_in_thai(world, login):
    client = login(world.users["admin"])
    r = client.get("/people/", HTTP_ACCEPT_LANGUAGE="th")
    assert r.status_code == 200
    assert "ลบข้อมูลส่วนบุคคลเมื่อครบ 730 วันหลังปิดเรื่องการติดต่อสอบถาม" in r.content.decode()


def test_a_new_declaration_is_exported_and_erased_without_other_changes(world, monkeypatch):
    """What a new capability does: declare; export and erasure pick it up."""
    from ecotown.accounts.models import Assignment

    monkeypatch.setattr(Assignment, "PERSONAL_DATA", pdpa.PersonalData(
        key="assignments", match=pdpa.Match(user="auditor"), export=[("organisation", "organisation.name_en"), "purpose"],
        erase={"purpose": ""}, retention="test rule"), raising=False)
    auditor = world.users["auditor"]
    mine = list(Assignment.objects.filter(auditor=auditor).select_related("organisation").order_by("pk"))
    assert len(mine) == 2
    for a in mine:
        a.purpose = "Somchai's audit"
        history.save(None, a)
    data = pdpa.export_person(world.users["admin"], user=auditor)
    assert data["assignments"] == [{"organisation": a.organisation.name_en, "purpose": "Somchai's audit"} for a in mine]
    assert pdpa.erase_person(world.users["admin"], user=auditor) == {
        "user": 1, "assignments": 2, "invitations": 0, "contacts": 0, "enquiries": 0}
    assert list(Assignment.objects.filter(auditor=auditor).values_list("purpose", flat=True)) == ["", ""]
