"""Registry services: estates, ports, factories, schools; DIW numbers; geometry; messages in th/en.

Every rejected call is checked to have saved nothing (row counts and ChangeRecord count unchanged).
"""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError
from django.utils.translation import override

from ecotown.registry import services
from ecotown.registry.models import EstateDetail, FactoryDetail, Kind, Organisation, Product

BOWTIE = {"type": "Polygon", "coordinates": [[[100.90, 13.07], [100.92, 13.09], [100.92, 13.07], [100.90, 13.09],
                                              [100.90, 13.07]]]}
SQUARE_CHONBURI = {"type": "Polygon", "coordinates": [[[100.90, 13.07], [100.92, 13.07], [100.92, 13.09],
                                                       [100.90, 13.09], [100.90, 13.07]]]}
SQUARE_KUALA_LUMPUR = {"type": "Polygon", "coordinates": [[[101.68, 3.13], [101.70, 3.13], [101.70, 3.15],
                                                           [101.68, 3.15], [101.68, 3.13]]]}


def counts() -> dict:
    from ecotown.accounts.models import ApiToken, User
    from ecotown.core import history
    from ecotown.core.models import ChangeRecord, Notification, UploadedFile

    out = {m.__name__: m.objects.count() for m in history.tracked_models()}
    for m in (ChangeRecord, User, Notification, UploadedFile, ApiToken):
        out[m.__name__] = m.objects.count()
    return out


def errors_of(excinfo, lang: str = "en") -> dict:
    """Field -> messages, rendered in `lang` (model messages may be lazy)."""
    with override(lang):
        return {k: [str(m) for m in v] for k, v in excinfo.value.message_dict.items()}


def estate_data(**kw):
    data = {"code": "NEW1", "name_th": "นิคมใหม่", "name_en": "New Estate", "province_id": "TH-20",
            "lat": 13.08, "lon": 100.91, "operator_type": "ieat", "area_total_rai": 500, "area_green_rai": 50}
    data.update(kw)
    return data


def factory_data(**kw):
    data = {"name_th": "โรงงานใหม่", "name_en": "New Factory", "diw_number": "3-105-7/45ชบ", "tsic_id": "2930",
            "employees": 42, "lat": 13.0770, "lon": 100.9100}
    data.update(kw)
    return data


# --- create ----------------------------------------------------------------------------------

def test_create_estate_saves_org_detail_and_history(world):
    from ecotown.core.models import ChangeRecord

    admin = world.users["admin"]
    before = counts()
    org = services.create_estate(admin, estate_data(boundary=SQUARE_CHONBURI))
    org.refresh_from_db()
    assert (org.kind, org.code, org.name_en, org.parent_id, org.province_id) == ("estate", "NEW1", "New Estate",
                                                                                 world.A.pk, "TH-20")
    assert org.boundary == SQUARE_CHONBURI
    assert org.estate.operator_type == "ieat"
    assert org.estate.area_total_rai == 500
    after = counts()
    assert after["Organisation"] == before["Organisation"] + 1
    assert after["EstateDetail"] == before["EstateDetail"] + 1
    assert after["ChangeRecord"] == before["ChangeRecord"] + 2
    rec = ChangeRecord.for_object(org).get()
    assert (rec.action, rec.actor_id, rec.before, rec.organisation_id) == ("create", admin.pk, None, org.pk)
    assert rec.after["code"] == "NEW1" and rec.after["name_en"] == "New Estate"


def test_create_port_at_map_ta_phut_point_in_the_sea(world):
    org = services.create_estate(world.users["officer"], estate_data(code="MTP-PORT", lat=12.665224, lon=101.133049),
                                 kind=Kind.PORT)
    org.refresh_from_db()
    assert (org.kind, org.lat, org.lon) == ("port", 12.665224, 101.133049)


def test_create_factory_with_products(world):
    mgr = world.users["estate"]
    before = counts()
    org = services.create_factory(mgr, world.E1, factory_data(), products=[
        {"name_th": "ท่อ", "name_en": "pipes", "unit": "t"}])
    org = Organisation.objects.select_related("factory").get(pk=org.pk)
    assert (org.kind, org.parent_id, org.name_en) == ("factory", world.E1.pk, "New Factory")
    assert (org.factory.diw_number, org.factory.diw_key) == ("3-105-7/45ชบ", "C3-105-7/45ชบ")
    assert list(org.products.values_list("name_en", "unit")) == [("pipes", "t")]
    assert "3-105-7/45ชบ" in org.search_text
    after = counts()
    assert after["Organisation"] - before["Organisation"] == 1
    assert after["FactoryDetail"] - before["FactoryDetail"] == 1
    assert after["Product"] - before["Product"] == 1
    assert after["ChangeRecord"] - before["ChangeRecord"] == 3


def test_create_school_and_community(world):
    s = services.create_member_org(world.users["estate"], world.E1, Kind.SCHOOL,
                                   {"name_th": "โรงเรียนใหม่", "name_en": "New School", "lat": 13.08, "lon": 100.92})
    c = services.create_member_org(world.users["admin"], world.E2, Kind.COMMUNITY,
                                   {"name_th": "ชุมชนใหม่", "name_en": "New Community"})
    assert Organisation.objects.get(pk=s.pk).parent_id == world.E1.pk
    assert Organisation.objects.get(pk=c.pk).kind == "community"


def test_member_org_of_unsupported_kind_rejected(world):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.create_member_org(world.users["admin"], world.E1, Kind.FACTORY, {"name_th": "x", "name_en": "x"})
    assert "kind" in errors_of(exc)
    assert counts() == before


# --- DIW numbers -----------------------------------------------------------------------------

@pytest.mark.parametrize("raw, display, key", [
    ("3-105-7/45ชบ", "3-105-7/45ชบ", "C3-105-7/45ชบ"),
    ("๓-๑๐๕-๗/๔๕ชบ", "3-105-7/45ชบ", "C3-105-7/45ชบ"),
    (" 3-105-007/2545ชบ. ", "3-105-7/2545ชบ", "C3-105-7/45ชบ"),
    ("จ3-64(1)-11/37สป", "จ3-64(1)-11/37สป", "C3-64(1)-11/37สป"),
    ("1020-0000-1234-56", "10200000123456", "N10200000123456"),
    ("10-2000-0012-3457", "10200000123457", "N10200000123457"),
    ("๑๐๒๐๐๐๐๐๑๒๓๔๕๘", "10200000123458", "N10200000123458"),
])
def test_diw_number_forms_accepted(world, raw, display, key):
    org = services.create_factory(world.users["admin"], world.E1, factory_data(diw_number=raw))
    detail = FactoryDetail.objects.get(organisation=org)
    assert (detail.diw_number, detail.diw_key) == (display, key)


@pytest.mark.parametrize("raw", ["ABC", "4-105-1/45ชบ", "3-105-1/45XX", "3-105-1/4ชบ", "3-105-1", "1234567890123",
                                 "123456789012345", "3/105/1-45ชบ"])
def test_malformed_diw_number_rejected_on_diw_number(world, raw):
    before = counts()
    with override("en"), pytest.raises(ValidationError) as exc:
        services.create_factory(world.users["admin"], world.E1, factory_data(diw_number=raw))
    errs = errors_of(exc)
    assert list(errs) == ["diw_number"]
    assert errs["diw_number"][0].endswith(
        "is not a DIW registration number: use the classic form such as 3-105-1/45ชบ or the 14-digit number.")
    assert counts() == before


DUPLICATES = ["3-105-1/45ชบ", "๓-๑๐๕-๑/๔๕ชบ", "3-105-01/2545ชบ", "10-2000-0012-5456"]


@pytest.mark.parametrize("raw", DUPLICATES)
def test_duplicate_diw_number_rejected_in_any_form(world, raw):
    before = counts()
    with override("en"), pytest.raises(ValidationError) as exc:
        services.create_factory(world.users["admin"], world.E2, factory_data(diw_number=raw))
    with override("en"):
        msgs = errors_of(exc)["diw_number"]
    assert len(msgs) == 1
    assert msgs[0].startswith("DIW registration number ") and msgs[0].endswith(" is already registered.")
    assert counts() == before


def test_duplicate_diw_number_names_only_diw_number(world):
    with pytest.raises(ValidationError) as exc:
        services.create_factory(world.users["admin"], world.E2, factory_data(diw_number="3-105-1/45ชบ"))
    assert list(errors_of(exc)) == ["diw_number"]


def test_changing_diw_number_to_a_taken_one_rejected(world):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.update_organisation(world.users["admin"], world.F2, {"diw_number": "3-105-1/45ชบ"})
    assert "diw_number" in errors_of(exc)
    assert counts() == before
    assert FactoryDetail.objects.get(organisation=world.F2).diw_number == "10200000125456"


# --- estate code, boundary, location -----------------------------------------------------------

def test_duplicate_estate_code_rejected_on_code(world):
    before = counts()
    with override("en"), pytest.raises(ValidationError) as exc:
        services.create_estate(world.users["admin"], estate_data(code="E1"))
    errs = errors_of(exc)
    assert "code" in errs
    assert "The code E1 is already used by another Industrial estate." in errs["code"]
    assert counts() == before


def test_same_code_allowed_for_a_different_kind(world):
    org = services.create_estate(world.users["admin"], estate_data(code="E1"), kind=Kind.PORT)
    assert Organisation.objects.filter(code="E1").count() == 2
    assert org.kind == "port"


@pytest.mark.parametrize("boundary, message", [
    (BOWTIE, "The boundary polygon is not valid (for example, it crosses itself)."),
    ({"type": "Point", "coordinates": [100.91, 13.08]}, "The boundary must be a GeoJSON Polygon or MultiPolygon."),
    ({"type": "LineString", "coordinates": [[100.91, 13.08], [100.92, 13.09]]},
     "The boundary must be a GeoJSON Polygon or MultiPolygon."),
    (SQUARE_KUALA_LUMPUR, "The boundary lies outside Thailand."),
    ("{not json", "The boundary is not valid JSON."),
    ({"type": "Polygon", "coordinates": [[[100.9, 13.0], [100.9]]]}, "The boundary's coordinates are malformed."),
])
def test_invalid_boundary_rejected_on_boundary(world, boundary, message):
    before = counts()
    with override("en"), pytest.raises(ValidationError) as exc:
        services.create_estate(world.users["admin"], estate_data(boundary=boundary))
    errs = errors_of(exc)
    assert list(errs) == ["boundary"]
    assert errs["boundary"][0].startswith(message)
    assert counts() == before


def test_feature_boundary_accepted_and_stored_as_geometry(world):
    feature = {"type": "Feature", "properties": {"name": "x"}, "geometry": SQUARE_CHONBURI}
    org = services.create_estate(world.users["admin"], estate_data(boundary=feature))
    assert Organisation.objects.get(pk=org.pk).boundary == SQUARE_CHONBURI


def test_location_outside_thailand_rejected_on_lat(world):
    before = counts()
    with override("en"), pytest.raises(ValidationError) as exc:
        services.create_factory(world.users["admin"], world.E1, factory_data(lat=3.139, lon=101.6869))
    errs = errors_of(exc)
    assert errs == {"lat": ["The location (3.139, 101.6869) is outside Thailand."]}
    assert counts() == before


def test_estate_location_outside_thailand_rejected(world):
    before = counts()
    with override("en"), pytest.raises(ValidationError) as exc:
        services.create_estate(world.users["admin"], estate_data(lat=3.139, lon=101.6869))
    assert errors_of(exc)["lat"] == ["The location (3.139, 101.6869) is outside Thailand."]
    assert counts() == before


def test_half_a_location_rejected(world):
    before = counts()
    with override("en"), pytest.raises(ValidationError) as exc:
        services.create_estate(world.users["admin"], estate_data(lat=13.0, lon=None))
    assert errors_of(exc)["lat"] == ["Give both latitude and longitude, or neither."]
    assert counts() == before


def test_update_moving_an_estate_abroad_rejected(world):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.update_organisation(world.users["admin"], world.E1, {"lat": 3.139, "lon": 101.6869})
    assert list(errors_of(exc)) == ["lat"]
    assert counts() == before
    world.E1.refresh_from_db()
    assert (world.E1.lat, world.E1.lon) == (13.0766, 100.9092)


def test_all_errors_collected_at_once(world):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.create_factory(world.users["admin"], world.E1, factory_data(diw_number="nope", lat=3.139, lon=101.6869))
    assert set(errors_of(exc)) == {"diw_number", "lat"}
    assert counts() == before


def test_estate_areas_exceeding_total_rejected(world):
    before = counts()
    with override("en"), pytest.raises(ValidationError) as exc:
        services.create_estate(world.users["admin"], estate_data(area_total_rai=100, area_industrial_rai=90,
                                                                 area_green_rai=20))
    assert errors_of(exc)["area_total_rai"] == [
        "Industrial, utilities and green areas add up to more than the total area."]
    assert counts() == before


def test_unknown_field_rejected(world):
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.create_estate(world.users["admin"], estate_data(colour="green"))
    assert list(errors_of(exc)) == ["colour"]
    assert counts() == before


# --- parents and permission ----------------------------------------------------------------------

def test_factory_under_a_school_rejected_by_the_service(world):
    before = counts()
    with pytest.raises(PermissionDenied):
        services.create_factory(world.users["admin"], world.S1, factory_data())
    assert counts() == before


def test_factory_under_a_school_rejected_by_the_model(world):
    org = Organisation(kind=Kind.FACTORY, parent=world.S1, name_th="x", name_en="x")
    with override("en"), pytest.raises(ValidationError) as exc:
        org.full_clean()
    with override("en"):
        assert errors_of(exc)["parent"] == ["A Factory cannot belong to a School."]


def test_factory_without_parent_rejected_by_the_model(world):
    org = Organisation(kind=Kind.FACTORY, name_th="x", name_en="x")
    with override("en"), pytest.raises(ValidationError) as exc:
        org.full_clean()
    with override("en"):
        assert errors_of(exc)["parent"] == ["Choose the estate or port the factory is in."]


def test_estate_manager_cannot_add_a_factory_to_another_estate(world):
    from django.http import Http404

    before = counts()
    with pytest.raises(Http404):  # E2 is not visible to E1's manager: 404, not 403
        services.create_factory(world.users["estate"], world.E2, factory_data())
    assert counts() == before


def test_preparer_cannot_create_factories_or_estates(world):
    before = counts()
    with pytest.raises(PermissionDenied):
        services.create_factory(world.users["preparer"], world.F1, factory_data())
    with pytest.raises(PermissionDenied):
        services.create_estate(world.users["estate"], estate_data())
    assert counts() == before


def test_update_organisation_by_preparer_forbidden(world):
    before = counts()
    with pytest.raises(PermissionDenied):
        services.update_organisation(world.users["preparer"], world.F1, {"name_en": "Hijacked"})
    assert counts() == before
    assert Organisation.objects.get(pk=world.F1.pk).name_en == "Factory One"


def test_delete_organisation_with_children_refused(world):
    before = counts()
    with pytest.raises(ValidationError):
        services.delete_organisation(world.users["admin"], world.E2)
    assert counts() == before


def test_delete_factory_records_each_deleted_object(world):
    from ecotown.core.models import ChangeRecord

    admin = world.users["admin"]
    f = services.create_factory(admin, world.E2, factory_data(), products=[{"name_th": "ก", "name_en": "a", "unit": "t"}])
    services.add_contact(admin, f, {"name": "Somchai", "email": "somchai@example.test"})
    before = counts()
    services.delete_organisation(admin, f, "closed down")
    after = counts()
    assert before["Organisation"] - after["Organisation"] == 1
    assert before["FactoryDetail"] - after["FactoryDetail"] == 1
    assert before["Product"] - after["Product"] == 1
    assert before["Contact"] - after["Contact"] == 1
    deletes = ChangeRecord.objects.filter(action="delete", note="closed down")
    assert deletes.count() == 4
    assert set(deletes.values_list("actor_id", flat=True)) == {admin.pk}


# --- messages in the user's language -----------------------------------------------------------------

def _diw_message(lang: str) -> str:
    with override(lang), pytest.raises(ValidationError) as exc:
        FactoryDetail(diw_number="nope").clean()
    with override(lang):
        return str(exc.value.message_dict["diw_number"][0])


def _lat_message(lang: str) -> str:
    with override(lang), pytest.raises(ValidationError) as exc:
        Organisation(kind=Kind.ESTATE, name_th="x", name_en="x", lat=3.139, lon=101.6869).clean()
    with override(lang):
        return str(exc.value.message_dict["lat"][0])


def test_english_messages(db):
    assert _diw_message("en") == ("“nope” is not a DIW registration number: use the classic form such as "
                                  "3-105-1/45ชบ or the 14-digit number.")
    assert _lat_message("en") == "The location (3.139, 101.6869) is outside Thailand."


def test_thai_messages_differ_from_english(db):
    assert _diw_message("th") != _diw_message("en")
    assert _lat_message("th") != _lat_message("en")
    assert any("\u0e00" <= ch <= "\u0e7f" for ch in _lat_message("th"))
