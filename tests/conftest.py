"""Shared fixtures: a small world with one user per role, built through the services."""
from __future__ import annotations

import datetime as dt
from types import SimpleNamespace

import pytest


def pytest_generate_tests(metafunc):
    """A PermissionMatrix (tests/permissions.py) runs once per actor of its `actors`."""
    cls = metafunc.cls
    if cls is not None and "actor" in metafunc.fixturenames and hasattr(cls, "operations") and hasattr(cls, "see"):
        metafunc.parametrize("actor", cls.actors)


def _user(username: str, **extra):
    from ecotown.accounts.models import User

    return User.objects.create_user(username=username, password="pw-" + username, email=f"{username}@example.test", **extra)


@pytest.fixture
def world(db):
    """Authority A; estates E1 (factories F1, F2, school S1, community C1) and E2 (factory F3); port P
    (factory F4); auditor firm AF. One user per role plus an outsider without memberships."""
    from ecotown.accounts.models import Assignment, Membership
    from ecotown.accounts.roles import Role
    from ecotown.core import history
    from ecotown.registry.models import EstateDetail, FactoryDetail, Kind, Organisation, Product

    def org(kind, name, parent=None, **kw):
        return history.save(None, Organisation(kind=kind, name_th=name + " (ไทย)", name_en=name, parent=parent, **kw))

    A = org(Kind.AUTHORITY, "Authority", code="IEAT", province_id="TH-10")
    E1 = org(Kind.ESTATE, "Estate One", A, code="E1", province_id="TH-20", lat=13.0766, lon=100.9092)
    E2 = org(Kind.ESTATE, "Estate Two", A, code="E2", province_id="TH-21", lat=12.6787, lon=101.1318)
    P = org(Kind.PORT, "Port", A, code="PORT", province_id="TH-21", lat=12.665224, lon=101.133049)
    for e in (E1, E2, P):
        history.save(None, EstateDetail(organisation=e, operator_type="ieat", area_total_rai=1000, area_green_rai=100))
    AF = org(Kind.AUDITOR_FIRM, "Audit Firm", A)

    def factory(name, parent, diw):
        f = org(Kind.FACTORY, name, parent, lat=parent.lat + 0.001, lon=parent.lon + 0.001)
        history.save(None, FactoryDetail(organisation=f, diw_number=diw, tsic_id="2930", employees=100))
        history.save(None, Product(organisation=f, name_th="ชิ้นส่วน", name_en="parts", unit="piece"))
        return f

    F1 = factory("Factory One", E1, "3-105-1/45ชบ")
    F2 = factory("Factory Two", E1, "10200000125456")
    F3 = factory("Factory Three", E2, "3-64(1)-11/37รย")
    F4 = factory("Factory Four", P, "10200000999999")
    S1 = org(Kind.SCHOOL, "School One", E1)
    C1 = org(Kind.COMMUNITY, "Community One", E1)

    users = {}
    for name, role, o in [
        ("admin", Role.AUTHORITY_ADMIN, A), ("officer", Role.AUTHORITY_OFFICER, A), ("auditor", Role.AUDITOR, AF),
        ("estate", Role.ESTATE_MANAGER, E1), ("port", Role.ESTATE_MANAGER, P), ("preparer", Role.FACTORY_PREPARER, F1),
        ("approver", Role.FACTORY_APPROVER, F1), ("preparer2", Role.FACTORY_PREPARER, F2), ("school", Role.SCHOOL_COORDINATOR, S1),
    ]:
        users[name] = _user(name)
        history.save(None, Membership(user=users[name], organisation=o, role=role))
    users["outsider"] = _user("outsider")
    today = dt.date.today()
    history.save(None, Assignment(auditor=users["auditor"], organisation=F3, valid_from=today - dt.timedelta(days=30),
                                  valid_to=today + dt.timedelta(days=30)))
    history.save(None, Assignment(auditor=users["auditor"], organisation=F2, valid_from=today - dt.timedelta(days=60),
                                  valid_to=today - dt.timedelta(days=31)))  # expired: gives nothing
    return SimpleNamespace(A=A, E1=E1, E2=E2, P=P, AF=AF, F1=F1, F2=F2, F3=F3, F4=F4, S1=S1, C1=C1, users=users)


@pytest.fixture
def login(client):
    """`login(user)` signs the test client in; returns the client."""

    def _login(user):
        client.force_login(user)
        return client

    return _login


@pytest.fixture
def token_for(client):
    """`token_for(user)` → headers with a fresh bearer token."""

    def _token(user, lang=None):
        from ecotown.accounts.services import issue_token

        _, raw = issue_token(user)
        headers = {"Authorization": f"Bearer {raw}"}
        if lang:
            headers["Accept-Language"] = lang
        return headers

    return _token


@pytest.fixture
def listener():
    """Capture what reporting tells the results about activity data (ecotown.core.recompute):
    [{"orgs", "years", "reason", "restated"}]."""
    from ecotown.core import recompute

    calls = []

    def fn(org_ids, years, *, reason="", restated=False):
        calls.append({"orgs": org_ids, "years": years, "reason": reason, "restated": restated})

    recompute.register("activities", fn)
    yield calls
    recompute.unregister("activities", fn)
