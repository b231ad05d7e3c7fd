"""Change history: tracked models refuse untracked writes; services record who/what/before/after."""
from __future__ import annotations

import pytest

from ecotown.core import history
from ecotown.core.history import UntrackedWrite
from ecotown.core.models import ChangeRecord
from ecotown.registry import services
from ecotown.registry.models import Organisation


def counts() -> dict:
    from ecotown.accounts.models import User

    out = {m.__name__: m.objects.count() for m in history.tracked_models()}
    out["ChangeRecord"] = ChangeRecord.objects.count()
    out["User"] = User.objects.count()
    return out


def _names():
    return sorted(m.__name__ for m in history.tracked_models())


def test_tracked_models_cover_registry_and_workflow(db):
    assert set(_names()) >= set(["Membership", "Assignment", "Invitation", "RegistrationRequest", "Organisation",
                               "EstateDetail", "FactoryDetail", "Product", "Contact", "Enquiry"])
    assert "ChangeRecord" not in _names() and "User" not in _names()


def _existing(world, name):
    from ecotown.accounts.models import Assignment, Membership
    from ecotown.registry.models import Product

    return {
        "Organisation": world.C1, "EstateDetail": world.E2.estate, "FactoryDetail": world.F3.factory,
        "Product": Product.objects.filter(organisation=world.F3).first(),
        "Membership": Membership.objects.filter(user=world.users["school"]).first(),
        "Assignment": Assignment.objects.filter(organisation=world.F3).first(),
    }.get(name)


# every tracked model, including those later capabilities add (apps are ready at collection time)
MODEL_NAMES = sorted(f"{m._meta.app_label}.{m.__name__}" for m in history.tracked_models())


def _model(name):
    return next(m for m in history.tracked_models() if f"{m._meta.app_label}.{m.__name__}" == name)


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_raw_save_of_new_object_refused(world, name):
    model = _model(name)
    before = counts()
    with pytest.raises(UntrackedWrite, match=model.__name__):
        model().save()
    with pytest.raises(UntrackedWrite):
        model.objects.create()
    assert counts() == before


@pytest.mark.parametrize("name", MODEL_NAMES)
def test_queryset_update_delete_bulk_refused(world, name):
    model = _model(name)
    before = counts()
    with pytest.raises(UntrackedWrite):
        model.objects.update(pk=0)
    with pytest.raises(UntrackedWrite):
        model.objects.all().delete()
    with pytest.raises(UntrackedWrite):
        model.objects.bulk_create([model()])
    with pytest.raises(UntrackedWrite):
        model.objects.bulk_update([], fields=["pk"])
    assert counts() == before


@pytest.mark.parametrize("name", ["Organisation", "EstateDetail", "FactoryDetail", "Product", "Membership", "Assignment"])
def test_raw_save_and_delete_of_existing_object_refused(world, name):
    obj = _existing(world, name)
    assert obj is not None
    before = counts()
    with pytest.raises(UntrackedWrite):
        obj.save()
    with pytest.raises(UntrackedWrite):
        obj.delete()
    with pytest.raises(UntrackedWrite):
        type(obj).objects.filter(pk=obj.pk).update(pk=obj.pk)
    assert counts() == before
    assert type(obj).objects.filter(pk=obj.pk).exists()


def test_related_manager_writes_refused(world):
    before = counts()
    with pytest.raises(UntrackedWrite):
        world.F1.products.create(name_th="x", name_en="x", unit="t")
    with pytest.raises(UntrackedWrite):
        world.F1.products.update(unit="kg")
    with pytest.raises(UntrackedWrite):
        world.E1.children.update(name_en="x")
    assert counts() == before


def test_history_helpers_work_inside_writing(world):
    from ecotown.registry.models import Product

    p = history.save(world.users["admin"], Product(organisation=world.F3, name_th="ก", name_en="a", unit="t"))
    rec = ChangeRecord.for_object(p).get()
    assert (rec.action, rec.actor_id, rec.organisation_id) == ("create", world.users["admin"].pk, world.F3.pk)
    history.delete(world.users["admin"], p)
    assert not Product.objects.filter(pk=p.pk).exists()
    assert list(ChangeRecord.for_object(p).values_list("action", flat=True)) == ["delete", "create"]


# --- services write records ---------------------------------------------------------------------

def test_update_records_actor_before_after_and_changed_fields(world):
    officer = world.users["officer"]
    n = ChangeRecord.objects.count()
    services.update_organisation(officer, world.F1, {"name_en": "Factory Uno", "employees": 120}, note="typo")
    org_rec = ChangeRecord.for_object(world.F1).first()
    det_rec = ChangeRecord.for_object(world.F1.factory).first()
    assert ChangeRecord.objects.count() == n + 2
    assert (org_rec.action, org_rec.actor_id, org_rec.note, org_rec.organisation_id) == (
        "update", officer.pk, "typo", world.F1.pk)
    assert (org_rec.before["name_en"], org_rec.after["name_en"]) == ("Factory One", "Factory Uno")
    assert "name_en" in org_rec.changed_fields
    assert (det_rec.before["employees"], det_rec.after["employees"]) == (100, 120)
    assert det_rec.changed_fields == ["employees"]
    assert det_rec.diff() == [("employees", 100, 120)]


def test_changed_fields_exact_and_no_op_update_writes_nothing(world):
    officer = world.users["officer"]
    services.update_organisation(officer, world.F1, {"name_en": "Factory Uno"})
    assert ChangeRecord.for_object(world.F1).first().changed_fields == ["name_en"]
    n = ChangeRecord.objects.count()
    services.update_organisation(officer, world.F1, {"name_en": "Factory Uno"})
    assert ChangeRecord.objects.count() == n


def test_every_registry_service_writes_records(world):
    admin = world.users["admin"]
    n0 = ChangeRecord.objects.count()
    estate = services.create_estate(admin, {"code": "H1", "name_th": "ก", "name_en": "H Estate", "lat": 13.1, "lon": 100.95})
    assert ChangeRecord.objects.count() == n0 + 2
    factory = services.create_factory(admin, estate, {"name_th": "ข", "name_en": "H Factory", "diw_number": "3-1-1/60ชบ"})
    assert ChangeRecord.objects.count() == n0 + 4
    school = services.create_member_org(admin, estate, "school", {"name_th": "ค", "name_en": "H School"})
    assert ChangeRecord.objects.count() == n0 + 5
    product = services.add_product(admin, factory, {"name_th": "ง", "name_en": "bolts", "unit": "t"})
    contact = services.add_contact(admin, factory, {"name": "Ann", "email": "ann@example.test"})
    assert ChangeRecord.objects.count() == n0 + 7
    services.delete_organisation(admin, school)
    assert ChangeRecord.objects.count() == n0 + 8
    for obj, action in [(estate, "create"), (estate.estate, "create"), (factory, "create"), (factory.factory, "create"),
                        (product, "create"), (contact, "create"), (school, "delete")]:
        rec = ChangeRecord.for_object(obj).first()
        assert rec.action == action, obj
        assert rec.actor_id == admin.pk
    assert ChangeRecord.for_object(school).first().before["name_en"] == "H School"
    assert ChangeRecord.for_object(school).first().after is None


def test_deleting_a_factory_records_its_cascaded_memberships(world):
    from ecotown.accounts.models import Membership

    ids = list(Membership.objects.filter(organisation=world.F1).values_list("pk", flat=True))
    assert len(ids) == 2
    services.delete_organisation(world.users["admin"], world.F1)
    assert not Membership.objects.filter(pk__in=ids).exists()
    ct = ChangeRecord.content_type_for(Membership())
    assert ChangeRecord.objects.filter(content_type=ct, object_id__in=[str(i) for i in ids],
                                       action="delete").count() == 2


def test_failed_service_call_leaves_no_record(world):
    from django.core.exceptions import ValidationError

    before = counts()
    with pytest.raises(ValidationError):
        services.update_organisation(world.users["admin"], world.F1, {"name_en": "ok", "diw_number": "bad"})
    assert counts() == before
    assert Organisation.objects.get(pk=world.F1.pk).name_en == "Factory One"


# --- shown on the page -------------------------------------------------------------------------------

def test_org_detail_page_shows_history_who_and_what(world, login):
    officer = world.users["officer"]
    officer.first_name, officer.last_name = "Olivia", "Officer"
    officer.save()
    services.update_organisation(officer, world.F1, {"name_en": "Factory Renamed"})
    client = login(world.users["admin"])
    r = client.get(f"/orgs/{world.F1.pk}/", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    html = r.content.decode()
    assert 'data-testid="history"' in html
    assert "Olivia Officer" in html
    # the field's label, not its name
    assert '<span class="text-muted">Name (English)</span>: Factory One → <strong>Factory Renamed</strong>' in html
    assert "name_en" not in html


def test_org_detail_history_hidden_from_those_who_cannot_see_the_org(world, login):
    client = login(world.users["preparer2"])
    assert client.get(f"/orgs/{world.F1.pk}/").status_code == 404
    api = client.get(f"/api/registry/organisations/{world.F1.pk}/history")
    assert api.status_code == 404


def test_history_api_lists_records(world, login):
    services.update_organisation(world.users["officer"], world.F1, {"name_en": "Factory Renamed"})
    client = login(world.users["approver"])
    r = client.get(f"/api/registry/organisations/{world.F1.pk}/history")
    assert r.status_code == 200
    data = r.json()
    assert data["count"] == ChangeRecord.objects.filter(organisation_id=world.F1.pk).count()
    top = data["items"][0]
    assert (top["actor"], top["action"], top["model"]) == ("officer", "update", "organisation")
    assert top["after"]["name_en"] == "Factory Renamed"


# --- bulk_create: the fast path writes what the ORM path writes -------------------------------------

def _raw_rows(model, pks, skip=()):
    """The stored columns (as the database holds them) of these rows, in pk order, without `skip`."""
    from django.db import connection

    cols = [f.column for f in model._meta.concrete_fields if f.column not in skip]
    with connection.cursor() as c:
        c.execute(f"SELECT {', '.join(connection.ops.quote_name(x) for x in cols)} FROM "
                  f"{connection.ops.quote_name(model._meta.db_table)} WHERE id IN ({', '.join(['%s'] * len(pks))}) "
                  "ORDER BY id", list(pks))
        return [dict(zip(cols, r)) for r in c.fetchall()]


def _change_rows(objs):
    from django.db import connection

    ids = [str(o.pk) for o in objs]
    with connection.cursor() as c:
        c.execute("SELECT content_type_id, object_id, object_repr, action, actor_id, organisation_id, before, after, "
                  f"changed_fields, note FROM core_changerecord WHERE object_id IN ({', '.join(['%s'] * len(ids))}) "
                  "AND content_type_id = %s ORDER BY id", ids + [ChangeRecord.content_type_for(objs[0]).pk])
        return c.fetchall()


def _orgs(world, tag):
    from ecotown.registry.models import Kind, Organisation

    return [Organisation(kind=Kind.FACTORY, name_th=f"โรงงาน {tag} {i}", name_en=f"Factory {tag} {i}",
                         parent=world.E1 if i % 2 else None, parent_id=None if i % 2 else world.E2.pk,
                         address="ถนน ๑ / road 1", lat=13.5 + i / 7 if i % 3 else None, lon=100.25,
                         boundary={"type": "Point", "coordinates": [100.25, 13.5], "ชื่อ": "ไทย"} if i % 2 else None,
                         is_public=bool(i % 2), eco_level="green" if i % 4 else "", eco_level_year=2020 + i % 3 or None)
            for i in range(7)]


def test_fast_bulk_create_writes_the_same_rows_and_change_records_as_the_orm(world):
    from ecotown.registry.models import Contact, Organisation

    actor = world.users["officer"]
    slow = history.bulk_create(actor, _orgs(world, "x"), "n" * 600, fast=False)
    fast = history.bulk_create(actor, _orgs(world, "x"), "n" * 600, fast=True)
    assert all(o.pk and not o._state.adding for o in fast)
    assert [o.pk for o in fast] == sorted(o.pk for o in fast) and fast[0].pk > slow[-1].pk
    skip = ("id", "created_at", "updated_at")
    assert _raw_rows(Organisation, [o.pk for o in fast], skip) == _raw_rows(Organisation, [o.pk for o in slow], skip)
    assert [(o.parent_id, o.name_en) for o in fast] == [(o.parent_id, o.name_en) for o in slow]
    s_rows, f_rows = _change_rows(slow), _change_rows(fast)
    assert len(s_rows) == len(f_rows) == 7

    def comparable(row, obj):  # the same except the object's own id and its creation time
        import json

        ct, oid, rep, action, actor_id, org_id, before, after, changed, note = row
        after = json.loads(after) if isinstance(after, str) else after
        assert (oid, after["id"]) == (str(obj.pk), obj.pk)
        assert "created_at" not in after and "updated_at" not in after and "search_text" not in after
        after = {k: v for k, v in after.items() if k != "id"}
        org_id = "#" if org_id == obj.pk else org_id  # an organisation's history is its own
        return ct, rep.replace(str(obj.pk), "#"), action, actor_id, org_id, before, after, changed, note

    assert [comparable(r, o) for r, o in zip(f_rows, fast)] == [comparable(r, o) for r, o in zip(s_rows, slow)]
    assert (f_rows[1][4], f_rows[1][5], f_rows[1][9]) == (actor.pk, fast[1].pk, "n" * 500)
    # the JSON text itself is what Django stores (SQLite keeps it as text)
    from django.db import connection

    if connection.vendor == "sqlite":
        assert [r[7].replace(str(o.pk), "#", 1) for r, o in zip(f_rows, fast)] == \
            [r[7].replace(str(o.pk), "#", 1) for r, o in zip(s_rows, slow)]
    # personal fields masked the same way
    people = lambda: [Contact(organisation=world.F1, name="สมชาย", email="a@example.org", phone=""),
                      Contact(organisation=world.F2, name="", email="", phone="0812345678")]
    s_c = history.bulk_create(None, people(), fast=False)
    f_c = history.bulk_create(None, people(), fast=True)
    after = lambda objs: [{k: v for k, v in ChangeRecord.for_object(o).get().after.items() if k != "id"} for o in objs]
    assert after(f_c) == after(s_c) == [
        {"organisation": world.F1.pk, "name": "•", "position": "", "email": "•", "phone": ""},
        {"organisation": world.F2.pk, "name": "", "position": "", "email": "", "phone": "•"}]
    assert [ChangeRecord.for_object(o).get().actor_id for o in f_c] == [None, None]


def test_fast_bulk_create_prepares_values_as_django_does(world):
    """The shortcuts of the fast path give what each field's get_db_prep_save gives."""
    import datetime as dt
    import uuid
    from decimal import Decimal

    from django.db import connection
    from django.utils import timezone

    from ecotown.reporting.models import ActivityRecord, State

    samples = {
        "state": [State.DRAFT, "verified", ""], "series": [uuid.uuid4(), str(uuid.uuid4())], "version": [1, 7],
        "is_current": [True, False], "supersedes": [None, 5], "organisation": [world.F1.pk],
        "quantity": [Decimal("1.250000"), Decimal("1.25"), Decimal("0"), 12, 1.5, "3.5"],
        "period_start": [dt.date(2025, 3, 1), dt.datetime(2025, 3, 1, 10, 0), "2025-03-02"],
        "created_at": [timezone.now(), dt.datetime(2025, 3, 1, 10, 0, tzinfo=dt.timezone.utc)],
        "activity": ["grid_electricity", "ไฟฟ้า"],
    }
    for name, values in samples.items():
        f = ActivityRecord._meta.get_field(name)
        expected = [f.get_db_prep_save(v, connection) for v in values * 2]
        assert history._prepare_column(f, values * 2, connection) == expected, name
        assert [type(x) for x in history._prepare_column(f, values * 2, connection)] == [type(x) for x in expected], name


def test_fast_path_refused_where_it_cannot_write_the_same(world):
    from ecotown.registry.models import Organisation

    existing = Organisation.objects.get(pk=world.F1.pk)
    with pytest.raises(ValueError):
        history.bulk_create(None, [existing], fast=True)  # not new: the ORM path decides (and refuses)
    before = counts()
    with pytest.raises(UntrackedWrite):
        Organisation.objects.bulk_create(_orgs(world, "raw"))  # the guard is still there
    assert counts() == before


def test_history_shows_field_labels_choice_labels_and_bangkok_times_in_the_readers_era(world, login):
    """A record's history in Thai: field labels (verbose names), choice labels, B.E. dates and Bangkok times,
    yes/no in words — never field names, codes, ISO strings or UTC offsets."""
    import datetime as dt
    from decimal import Decimal

    from ecotown.core import dates, workflow
    from ecotown.reporting.models import ActivityRecord

    rec = history.save(None, ActivityRecord(organisation=world.F1, activity="diesel", quantity=Decimal("411058.2"),
                                            unit="L", period_start=dt.date(2026, 1, 1), period_end=dt.date(2026, 1, 31)))
    workflow.transition(world.users["approver"], [rec], "submit")
    submitted_at = ActivityRecord.objects.get(pk=rec.pk).submitted_at
    change = ChangeRecord.for_object(rec).get(event="reporting.submit")
    assert {"state", "submitted_at", "submitted_by"} <= set(change.changed_fields)
    client = login(world.users["approver"])
    client.cookies["ecotown_language"] = "th"
    html = client.get(f"/reporting/records/{rec.pk}/").content.decode()
    when = dates.format_date(submitted_at, "th", with_time=True)  # Bangkok time, B.E.
    assert '<span class="text-muted">สถานะ</span>: ฉบับร่าง → <strong>ส่งแล้ว</strong>' in html
    assert f'<span class="text-muted">ส่งเมื่อ</span>: ∅ → <strong>{when}</strong>' in html
    assert "submitted_at" not in html and "+00:00" not in html and ">draft<" not in html
    assert "411,058.2 L" in html and "411058.200000" not in html
