"""Platform commands: `ecotown demo` and `ecotown serve` (production refuses a demo database)."""
from __future__ import annotations

import pytest
from django.contrib.auth import authenticate
from django.test import override_settings

from ecotown import cli
from ecotown.core import commands
from ecotown.core.models import SiteState

DEMO_USERS = ["authority", "officer", "auditor", "estate-manager", "factory-a", "approver-a", "factory-b", "school"]


@pytest.fixture
def demo_db(db):
    from ecotown.core import demo

    counts = demo.load(factories=20)
    return counts


def test_demo_load_marks_database_and_counts(demo_db):
    from ecotown.registry.models import Organisation

    assert SiteState.is_demo() is True
    assert demo_db["factories"] == 20 and demo_db["users"] == 8
    assert Organisation.objects.filter(kind="factory").count() == 20
    assert demo_db["estates_and_ports"] == Organisation.objects.filter(kind__in=["estate", "port"]).count()
    assert demo_db["estates_and_ports"] > 10
    # every synthetic factory says so in its name
    for name in Organisation.objects.filter(kind="factory").values_list("name_en", flat=True):
        assert "(synthetic)" in name


def test_every_demo_object_has_a_change_record(demo_db):
    from ecotown.core.models import ChangeRecord
    from ecotown.registry.models import FactoryDetail, Organisation

    ct_org = ChangeRecord.content_type_for(Organisation())
    ct_det = ChangeRecord.content_type_for(FactoryDetail())
    assert ChangeRecord.objects.filter(content_type=ct_org, action="create").count() == Organisation.objects.count()
    assert ChangeRecord.objects.filter(content_type=ct_det, action="create").count() == FactoryDetail.objects.count()


def test_demo_users_sign_in_with_demo(demo_db, client):
    from ecotown.accounts.models import User

    assert sorted(User.objects.values_list("username", flat=True)) == sorted(DEMO_USERS)
    for username in DEMO_USERS:
        assert authenticate(username=username, password="demo") is not None, username
        assert authenticate(username=username, password="wrong") is None
    r = client.post("/accounts/login/", {"username": "factory-a", "password": "demo"})
    assert r.status_code == 302
    assert client.get("/").wsgi_request.user.username == "factory-a"


def test_factory_a_and_b_prepare_two_factories_in_one_estate(demo_db):
    from ecotown.accounts.models import Membership

    a = Membership.objects.select_related("organisation").get(user__username="factory-a")
    b = Membership.objects.select_related("organisation").get(user__username="factory-b")
    assert a.role == b.role == "factory_preparer"
    assert a.organisation.kind == b.organisation.kind == "factory"
    assert a.organisation_id != b.organisation_id
    assert a.organisation.parent_id == b.organisation.parent_id
    assert a.organisation.parent.name_en == "Laem Chabang Industrial Estate"
    em = Membership.objects.get(user__username="estate-manager")
    assert (em.role, em.organisation_id) == ("estate_manager", a.organisation.parent_id)


def test_demo_roles(demo_db):
    from ecotown.accounts.models import Membership

    roles = dict(Membership.objects.values_list("user__username", "role"))
    assert roles == {"authority": "authority_admin", "officer": "authority_officer", "auditor": "auditor",
                     "estate-manager": "estate_manager", "factory-a": "factory_preparer",
                     "approver-a": "factory_approver", "factory-b": "factory_preparer", "school": "school_coordinator"}


def test_demo_users_see_what_their_role_gives(demo_db, login):
    from ecotown import access
    from ecotown.accounts.models import User
    from ecotown.registry.models import Organisation

    fa = User.objects.get(username="factory-a")
    visible = access.visible_orgs(fa, Organisation.objects.filter(kind="factory"))
    assert list(visible.values_list("name_en", flat=True)) == ["Demo Auto Parts A Co., Ltd. (synthetic)"]
    em = User.objects.get(username="estate-manager")
    n_in_estate = Organisation.objects.filter(kind="factory", parent__name_en="Laem Chabang Industrial Estate").count()
    assert access.visible_orgs(em, Organisation.objects.filter(kind="factory")).count() == n_in_estate >= 2


@pytest.mark.django_db
def test_cli_demo_command(capsys):
    from ecotown.accounts.models import User
    from ecotown.registry.models import Organisation

    assert cli.main(["demo", "--factories", "20"]) == 0
    out = capsys.readouterr().out
    assert "Demo sign-ins (password for all: 'demo')" in out
    for username in DEMO_USERS:
        assert username in out
    assert SiteState.is_demo()
    assert Organisation.objects.filter(kind="factory").count() == 20
    assert User.objects.count() == 8
    # a second run refuses to load on top of the data
    assert cli.main(["demo", "--factories", "20"]) == 2
    assert "already has data" in capsys.readouterr().err
    assert cli.main(["demo", "--if-empty"]) == 0
    assert Organisation.objects.filter(kind="factory").count() == 20


def test_serve_refuses_production_on_demo_database(demo_db, capsys, monkeypatch):
    started = []
    from gunicorn.app.base import BaseApplication

    monkeypatch.setattr(BaseApplication, "run", lambda self: started.append(self))
    with override_settings(PRODUCTION=True):
        assert commands.cmd_serve([]) == 2
    assert started == []
    assert "Refusing to start as production" in capsys.readouterr().err


def test_serve_starts_gunicorn_when_allowed(db, capsys, monkeypatch):
    """Not a demo database in production, or a demo database outside production: gunicorn is started."""
    started = []
    from gunicorn.app.base import BaseApplication

    monkeypatch.setattr(BaseApplication, "run", lambda self: started.append(self.cfg.bind))
    with override_settings(PRODUCTION=True):
        assert commands.cmd_serve(["--port", "8123"]) == 0
    assert started == [["127.0.0.1:8123"]]
    SiteState.objects.create(key=SiteState.DEMO, value=True)
    with override_settings(PRODUCTION=False):
        assert commands.cmd_serve(["--host", "0.0.0.0", "--port", "8124"]) == 0
    assert started[-1] == ["0.0.0.0:8124"]
    assert "EcoTown demo — not for production data." in capsys.readouterr().out


def test_demo_mark_false_value_is_not_demo(db):
    SiteState.objects.create(key=SiteState.DEMO, value=False)
    assert SiteState.is_demo() is False


def test_demo_leaves_imported_production_and_employees_batches(demo_db):
    from ecotown.registry.models import Organisation
    from ecotown.reporting.models import EmployeeRecord, ImportBatch, ProductionRecord

    b = Organisation.objects.get(name_en="Demo Electronics B Co., Ltd. (synthetic)")
    n_products = b.products.count()
    assert n_products >= 1
    assert list(ImportBatch.objects.filter(kind__in=["production", "employees"]).order_by("pk")
                .values_list("kind", "status", "rows", "organisation_id")) == [
        ("production", "accepted", 12 * n_products, b.pk), ("employees", "accepted", 12, b.pk)]
    assert ProductionRecord.objects.filter(organisation=b, batch__kind="production").count() == 12 * n_products
    assert EmployeeRecord.objects.filter(organisation=b, batch__kind="employees").count() == 12


def test_the_demo_shows_what_the_pages_of_issue_10_need(demo_db, client):
    """The demo visitor's enquiry can be followed by its reference; every demo enquiry has one; factory-a reaches
    its estate's public page from the navigation; the completeness matrix has rows of several states."""
    import re

    from ecotown.core.demo import DEMO_ENQUIRY_REFERENCE
    from ecotown.enquiries.models import Enquiry
    from ecotown.registry.models import Organisation

    assert Enquiry.objects.filter(reference="").count() == 0
    html = client.get("/enquiry/status/", {"reference": DEMO_ENQUIRY_REFERENCE.lower(),
                                           "email": "teacher@demo.ecotown.invalid"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert '<strong data-testid="enquiry-status-value">answered</strong>' in html
    client.login(username="factory-a", password="demo")
    home = client.get("/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    estate = Organisation.objects.get(name_en="Laem Chabang Industrial Estate")
    assert f'href="/public/estates/{estate.pk}/" data-testid="own-estate">My estate: Laem Chabang Industrial Estate</a>' in home
    client.login(username="estate-manager", password="demo")
    import datetime as dt

    last = client.get(f"/reporting/completeness/matrix/?year={dt.date.today().year - 1}").content.decode()
    assert "verified" in set(re.findall(r'data-state="(\w+)"', last))
    this = client.get("/reporting/completeness/matrix/").content.decode()   # this year: factory-a left to report
    if dt.date.today() > dt.date(dt.date.today().year, 2, 15):   # (January's deadline passed)
        assert "late" in set(re.findall(r'data-state="(\w+)"', this))


def test_demo_users_have_work_waiting_and_notifications(demo_db):
    """`ecotown demo` leaves work flowing to the next person, through the real workflows."""
    from django.utils import translation

    from ecotown.accounts.models import User
    from ecotown.core import workflow

    users = {u.username: u for u in User.objects.all()}
    with translation.override("en"):
        tasks = {name: [(t.kind, t.task) for t in workflow.tasks(u)] for name, u in users.items()}
    assert ("carbon.inventory", "Make final") in tasks["approver-a"]
    assert ("assessment", "Answer and score") in tasks["approver-a"]
    assert {k for k, _t in tasks["estate-manager"]} == {"reporting"} and len(tasks["estate-manager"]) > 5
    assert tasks["officer"] == tasks["authority"] == [("enquiries", "Assign or answer")]
    assert tasks["factory-a"] == tasks["factory-b"] == tasks["auditor"] == tasks["school"] == []
    told = {name: set(u.notifications.values_list("title_en", flat=True)) for name, u in users.items()}
    assert "Demo Auto Parts A Co., Ltd. (synthetic): GHG inventory restated" in told["approver-a"]
    assert "Demo Auto Parts A Co., Ltd. (synthetic): assessment started" in told["approver-a"]
    assert "Demo Auto Parts A Co., Ltd. (synthetic): 1 record submitted" in told["estate-manager"]
    assert "Demo Auto Parts A Co., Ltd. (synthetic): 1 record verified" in told["factory-a"]
    assert "Your enquiry has been answered: สนใจเข้าร่วมเครือข่ายลดก๊าซเรือนกระจก" in told["factory-b"]
    assert "ขอข้อมูลการแลกเปลี่ยนของเสียระหว่างโรงงานในนิคมฯ: new enquiry" in told["officer"] & told["authority"]
