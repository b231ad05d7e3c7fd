"""Accounts: roles per organisation kind, invitations, self-registration, password reset, switching
membership and language."""
from __future__ import annotations

import datetime as dt
import re

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.http import Http404
from django.utils import timezone
from django.utils.translation import override

from ecotown.accounts import services
from ecotown.accounts.models import Invitation, Membership, RegistrationRequest, User
from ecotown.accounts.roles import Role
from ecotown.core import history
from ecotown.core.models import ChangeRecord, Notification

PASSWORD = "Ecotown-Strong-2026"


def counts() -> dict:
    out = {m.__name__: m.objects.count() for m in history.tracked_models()}
    out.update(ChangeRecord=ChangeRecord.objects.count(), User=User.objects.count(),
               Notification=Notification.objects.count())
    return out


def _en(exc) -> dict:
    with override("en"):
        return {k: [str(m) for m in v] for k, v in exc.value.message_dict.items()}


# --- roles must fit the organisation kind ----------------------------------------------------------

@pytest.mark.parametrize("role, org", [
    (Role.SCHOOL_COORDINATOR, "F1"), (Role.FACTORY_PREPARER, "S1"), (Role.ESTATE_MANAGER, "F1"),
    (Role.AUTHORITY_ADMIN, "E1"), (Role.FACTORY_APPROVER, "E1"),
])
def test_role_that_does_not_fit_the_kind_rejected_on_role(world, role, org):
    target = getattr(world, org)
    before = counts()
    with override("en"), pytest.raises(ValidationError) as exc:
        services.add_membership(world.users["admin"], world.users["outsider"], target, role)
    errs = _en(exc)
    assert list(errs) == ["role"]
    assert "does not fit an organisation of kind" in errs["role"][0]
    assert counts() == before


def test_role_message_in_english(world):
    # the message is rendered when read, in the reader's language (the code stays the same)
    with override("th"), pytest.raises(ValidationError) as exc:
        services.add_membership(world.users["admin"], world.users["outsider"], world.F1, Role.SCHOOL_COORDINATOR)
    with override("en"):
        assert exc.value.message_dict["role"] == [
            "The role “School coordinator” does not fit an organisation of kind “Factory”."]
    assert exc.value.error_dict["role"][0].code == "role_does_not_fit"


def test_role_message_in_thai(world):
    with override("th"), pytest.raises(ValidationError) as exc:
        services.add_membership(world.users["admin"], world.users["outsider"], world.F1, Role.SCHOOL_COORDINATOR)
    assert not exc.value.message_dict["role"][0].startswith("The role")


def test_membership_model_validates_role(world):
    m = Membership(user=world.users["outsider"], organisation=world.S1, role=Role.FACTORY_PREPARER)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        history.save(world.users["admin"], m)
    assert list(_en(exc)) == ["role"]
    assert counts() == before


def test_invitation_with_unfit_role_rejected(world):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.invite(world.users["estate"], world.F1, "new@example.test", Role.SCHOOL_COORDINATOR)
    assert list(_en(exc)) == ["role"]
    assert counts() == before


# --- who may grant what ---------------------------------------------------------------------------------

def test_estate_manager_cannot_grant_authority_roles(world):
    estate = world.users["estate"]
    before = counts()
    # on their own estate the role does not fit -> a field error
    with pytest.raises(ValidationError) as exc:
        services.add_membership(estate, world.users["outsider"], world.E1, Role.AUTHORITY_ADMIN)
    assert list(_en(exc)) == ["role"]
    # the authority itself is not visible to them -> 404
    for role in (Role.AUTHORITY_ADMIN, Role.AUTHORITY_OFFICER, Role.AUDITOR):
        with pytest.raises(Http404):
            services.add_membership(estate, world.users["outsider"], world.A, role)
        with pytest.raises(Http404):
            services.invite(estate, world.A, "x@example.test", role)
    assert counts() == before


def test_authority_officer_cannot_grant_authority_roles(world):
    before = counts()
    with pytest.raises(PermissionDenied):
        services.add_membership(world.users["officer"], world.users["outsider"], world.A, Role.AUTHORITY_ADMIN)
    with pytest.raises(PermissionDenied):
        services.invite(world.users["officer"], world.A, "x@example.test", Role.AUTHORITY_OFFICER)
    assert counts() == before


def test_authority_admin_grants_authority_role(world):
    m = services.add_membership(world.users["admin"], world.users["outsider"], world.A, Role.AUTHORITY_OFFICER)
    assert m.pk and m.role == "authority_officer"
    from ecotown import access

    assert access.principal(world.users["outsider"]).authority_staff is True


def test_preparer_cannot_invite(world):
    before = counts()
    with pytest.raises(PermissionDenied):
        services.invite(world.users["preparer"], world.F1, "x@example.test", Role.FACTORY_PREPARER)
    assert counts() == before


def test_members_page_estate_manager_cannot_pick_authority_role(world, login):
    client = login(world.users["estate"])
    before = counts()
    r = client.post(f"/orgs/{world.E1.pk}/members/", {"email": "boss@example.test", "role": "authority_admin"})
    assert r.status_code == 200
    assert "role" in r.context["form"].errors
    assert counts() == before


# --- invitations -----------------------------------------------------------------------------------------

def _invite_via_page(client, org, mailoutbox, capture, email="new.person@example.test", role="factory_preparer"):
    with capture(execute=True):
        r = client.post(f"/orgs/{org.pk}/members/", {"email": email, "role": role})
    assert r.status_code == 302 and r["Location"] == f"/orgs/{org.pk}/members/"
    assert len(mailoutbox) == 1
    mail = mailoutbox[0]
    assert mail.to == [email]
    m = re.search(r"http://testserver/accounts/invitation/([^/\s]+)/", mail.body)
    assert m, mail.body
    return m.group(1)


def test_invitation_by_estate_manager_sends_link_and_accept_creates_user(world, client, login, mailoutbox,
                                                                         django_capture_on_commit_callbacks):
    login(world.users["estate"])
    token = _invite_via_page(client, world.F1, mailoutbox, django_capture_on_commit_callbacks)
    inv = Invitation.objects.get(email="new.person@example.test")
    assert (inv.organisation_id, inv.role, inv.invited_by_id, inv.accepted_at) == (
        world.F1.pk, "factory_preparer", world.users["estate"].pk, None)
    assert "Factory One" in mailoutbox[0].subject
    client.logout()

    assert client.get(f"/accounts/invitation/{token}/").status_code == 200
    r = client.post(f"/accounts/invitation/{token}/", {"first_name": "Nok", "last_name": "Sai", "username": "nok",
                                                      "password": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/"
    user = User.objects.get(username="nok")
    assert (user.email, user.first_name) == ("new.person@example.test", "Nok")
    assert user.check_password(PASSWORD)
    assert Membership.objects.filter(user=user, organisation=world.F1, role="factory_preparer", is_active=True).count() == 1
    inv.refresh_from_db()
    assert inv.accepted_by_id == user.pk and inv.accepted_at is not None
    assert int(client.session["_auth_user_id"]) == user.pk
    home = client.get("/")
    assert home.wsgi_request.user == user
    # used: the link now gives the 404 page and nothing more is created
    before = counts()
    r = client.get(f"/accounts/invitation/{token}/")
    assert r.status_code == 404
    r = client.post(f"/accounts/invitation/{token}/", {"first_name": "A", "last_name": "B", "username": "again",
                                                      "password": PASSWORD})
    assert r.status_code == 404
    assert counts() == before


def test_accept_with_weak_password_saves_nothing(world):
    inv, raw = services.invite(world.users["estate"], world.F1, "weak@example.test", Role.FACTORY_PREPARER)
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.accept_invitation(raw, username="weak", password="123")
    assert "password" in exc.value.message_dict
    with pytest.raises(ValidationError) as exc:
        services.accept_invitation(raw, username="preparer", password=PASSWORD)  # taken
    assert "username" in exc.value.message_dict
    assert counts() == before


def test_expired_invitation_gives_404_page(world, client):
    inv, raw = services.invite(world.users["admin"], world.F2, "late@example.test", Role.FACTORY_APPROVER)
    inv.expires_at = timezone.now() - dt.timedelta(minutes=1)
    history.save(None, inv)
    before = counts()
    r = client.get(f"/accounts/invitation/{raw}/")
    assert r.status_code == 404
    assert "accounts/invitation_invalid.html" in [t.name for t in r.templates]
    r = client.post(f"/accounts/invitation/{raw}/", {"first_name": "A", "last_name": "B", "username": "late",
                                                    "password": PASSWORD})
    assert r.status_code == 404
    assert counts() == before
    with pytest.raises(ValidationError) as exc:
        services.accept_invitation(raw, username="late", password=PASSWORD)
    assert list(exc.value.message_dict) == ["token"]


def test_unknown_invitation_token_404(world, client):
    assert client.get("/accounts/invitation/not-a-token/").status_code == 404


def test_signed_in_user_accepts_invitation_for_second_org(world, login):
    inv, raw = services.invite(world.users["estate"], world.F2, "preparer@example.test", Role.FACTORY_APPROVER)
    client = login(world.users["preparer"])
    r = client.post(f"/accounts/invitation/{raw}/")
    assert r.status_code == 302
    roles = set(Membership.objects.filter(user=world.users["preparer"], is_active=True)
                .values_list("organisation_id", "role"))
    assert roles == {(world.F1.pk, "factory_preparer"), (world.F2.pk, "factory_approver")}


# --- self-registration with a DIW number ----------------------------------------------------------------------

def test_self_registration_pending_then_approved(world, client, login):
    estate = world.users["estate"]
    n_notes = Notification.objects.filter(user=estate).count()
    r = client.post("/accounts/register/", {"diw_number": "๓-๑๐๕-๑/๔๕ชบ", "role": "factory_preparer",
                                            "first_name": "Dao", "last_name": "Ruang", "email": "dao@example.test",
                                            "username": "dao", "password": PASSWORD})
    assert r.status_code == 200
    assert "accounts/register_done.html" in [t.name for t in r.templates]
    dao = User.objects.get(username="dao")
    req = RegistrationRequest.objects.get(user=dao)
    assert (req.organisation_id, req.role, req.status) == (world.F1.pk, "factory_preparer", "pending")
    assert not Membership.objects.filter(user=dao).exists()
    notes = Notification.objects.filter(user=estate).order_by("-id")
    assert notes.count() == n_notes + 1
    assert notes[0].title_en == "Factory One: new registration request"
    assert notes[0].link == "/registrations/"
    # the port manager and others are not told
    assert not Notification.objects.filter(user=world.users["port"]).exists()

    # the estate manager sees and approves it
    login(estate)
    page = client.get("/registrations/")
    assert page.status_code == 200 and req in page.context["requests"]
    r = client.post(f"/registrations/{req.pk}/decide/", {"decision": "approve"})
    assert r.status_code == 302
    req.refresh_from_db()
    assert (req.status, req.decided_by_id) == ("approved", estate.pk)
    assert Membership.objects.filter(user=dao, organisation=world.F1, role="factory_preparer", is_active=True).count() == 1
    assert Notification.objects.filter(user=dao, title_en="Factory One: registration approved").count() == 1
    # a second decision is refused and changes nothing
    before = counts()
    with pytest.raises(ValidationError):
        services.decide_registration(estate, req, approve=False)
    assert counts() == before


def test_registration_rejected_gives_no_membership(world):
    req = services.register_with_diw(diw_number="10200000125456", username="rej", password=PASSWORD,
                                     email="rej@example.test")
    services.decide_registration(world.users["estate"], req, approve=False)
    req.refresh_from_db()
    assert req.status == "rejected"
    assert not Membership.objects.filter(user=req.user).exists()
    assert Notification.objects.filter(user=req.user, title_en="Factory Two: registration not approved").count() == 1


def test_registration_cannot_be_decided_by_another_estate(world):
    req = services.register_with_diw(diw_number="3-105-1/45ชบ", username="x1", password=PASSWORD,
                                     email="x1@example.test")
    before = counts()
    with pytest.raises(Http404):
        services.decide_registration(world.users["port"], req, approve=True)
    with pytest.raises(Http404):
        services.decide_registration(world.users["preparer2"], req, approve=True)
    assert counts() == before
    req.refresh_from_db()
    assert req.status == "pending"


BUG_DIW = ("BUG: accounts/services.py:128 `_, key = diw.normalise(...)` shadows gettext `_`, so an unknown DIW "
           "raises TypeError and a malformed one UnboundLocalError (HTTP 500) instead of a diw_number error")


@pytest.mark.parametrize("diw_number, message", [
    ("3-999-9/45ชบ", "No factory with this DIW registration number is registered."),
    ("garbage", "This is not a DIW registration number"),
])
def test_registration_with_unknown_or_malformed_diw_rejected(world, client, diw_number, message):
    before = counts()
    with override("en"), pytest.raises(ValidationError) as exc:
        services.register_with_diw(diw_number=diw_number, username="ghost", password=PASSWORD,
                                   email="ghost@example.test")
    assert list(exc.value.message_dict) == ["diw_number"]
    with override("en"):
        assert exc.value.message_dict["diw_number"][0].startswith(message)
    r = client.post("/accounts/register/", {"diw_number": diw_number, "role": "factory_preparer", "first_name": "G",
                                            "last_name": "H", "email": "ghost@example.test", "username": "ghost",
                                            "password": PASSWORD}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    assert "diw_number" in r.context["form"].errors
    assert counts() == before


@pytest.mark.parametrize("diw_number", ["3-999-9/45ชบ", "garbage"])
def test_registration_with_unknown_or_malformed_diw_saves_nothing(world, diw_number):
    """Whatever the error is, nothing is saved."""
    before = counts()
    with pytest.raises(Exception):
        services.register_with_diw(diw_number=diw_number, username="ghost", password=PASSWORD,
                                   email="ghost@example.test")
    assert counts() == before


def test_registration_with_weak_password_saves_nothing(world):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.register_with_diw(diw_number="3-105-1/45ชบ", username="weakling", password="short",
                                   email="w@example.test")
    assert list(exc.value.message_dict) == ["password"]
    assert counts() == before


# --- password reset -------------------------------------------------------------------------------------------

def test_password_reset_email_and_link(world, client, mailoutbox):
    r = client.post("/accounts/password-reset/", {"email": "preparer@example.test"})
    assert r.status_code == 302 and r["Location"] == "/accounts/password-reset/done/"
    assert len(mailoutbox) == 1
    assert mailoutbox[0].to == ["preparer@example.test"]
    link = re.search(r"http://testserver(/accounts/reset/[^/\s]+/[^/\s]+/)", mailoutbox[0].body).group(1)
    r = client.get(link)
    assert r.status_code == 302  # to the set-password URL (token moved to the session)
    set_url = r["Location"]
    assert set_url.endswith("/set-password/")
    r = client.post(set_url, {"new_password1": PASSWORD, "new_password2": PASSWORD})
    assert r.status_code == 302 and r["Location"] == "/accounts/reset/done/"
    user = User.objects.get(username="preparer")
    assert user.check_password(PASSWORD)
    assert client.login(username="preparer", password=PASSWORD)
    # the link works once only
    client.logout()
    r = client.get(link)
    assert r.status_code == 200 and r.context["validlink"] is False


def test_password_reset_unknown_email_sends_nothing(world, client, mailoutbox):
    r = client.post("/accounts/password-reset/", {"email": "nobody@example.test"})
    assert r.status_code == 302
    assert mailoutbox == []


# --- switching membership and language ---------------------------------------------------------------------------

def test_switch_active_membership(world, login):
    user = world.users["preparer"]
    second = services.add_membership(world.users["admin"], user, world.F2, Role.FACTORY_APPROVER)
    first = Membership.objects.get(user=user, organisation=world.F1)
    client = login(user)
    r = client.get("/")
    default = r.wsgi_request.membership
    assert default.pk in {first.pk, second.pk}
    other = second if default.pk == first.pk else first
    r = client.post(f"/accounts/switch/{other.pk}/")
    assert r.status_code == 302
    assert client.session["active_membership"] == other.pk
    r = client.get("/")
    assert r.wsgi_request.membership.pk == other.pk
    # a membership of someone else is ignored
    foreign = Membership.objects.get(user=world.users["preparer2"])
    client.post(f"/accounts/switch/{foreign.pk}/")
    assert client.session["active_membership"] == other.pk
    assert client.get("/").wsgi_request.membership.pk == other.pk


def test_switch_requires_post_and_sign_in(world, client, login):
    m = Membership.objects.get(user=world.users["preparer"])
    assert client.post(f"/accounts/switch/{m.pk}/").status_code == 302  # to login
    assert "active_membership" not in client.session
    login(world.users["preparer"])
    assert client.get(f"/accounts/switch/{m.pk}/").status_code == 405


def test_language_switch_sets_cookie_and_preference(world, login):
    user = world.users["preparer"]
    assert user.language == "th"
    client = login(user)
    r = client.post("/i18n/setlang/", {"language": "en", "next": "/estates/"})
    assert r.status_code == 302 and r["Location"] == "/estates/"
    assert r.cookies["ecotown_language"].value == "en"
    user.refresh_from_db()
    assert user.language == "en"
    r = client.get("/")
    assert r.wsgi_request.LANGUAGE_CODE == "en"
    r = client.post("/i18n/setlang/", {"language": "th"})
    assert r.cookies["ecotown_language"].value == "th"
    user.refresh_from_db()
    assert user.language == "th"


def test_language_switch_anonymous_and_unsafe_next(db, client):
    r = client.post("/i18n/setlang/", {"language": "en", "next": "//evil.example/"})
    assert r.status_code == 302 and r["Location"] == "/"
    assert r.cookies["ecotown_language"].value == "en"
    r = client.post("/i18n/setlang/", {"language": "xx"})
    assert r.cookies["ecotown_language"].value == "th"
