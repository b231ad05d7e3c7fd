"""Reference data (activity catalogue, conversions, blends, GWP extras, KPI definitions) is versioned
like factors: one edition row per file content, never edited; results record the editions they used."""
from __future__ import annotations

import csv
import hashlib
import io
import shutil

import pytest
import yaml

from ecotown.calc import reference
from ecotown.core.models import ChangeRecord, ReferenceEdition
from ecotown.core.services import sync_reference_editions
from tests.carbon.factories import record

STATUS_ORDER = ("illustrative", "secondary_verify", "official")  # weakest first


def test_the_manifest_names_every_reference_file_with_a_true_status():
    assert reference.names() == ("activity_catalogue", "conversions", "blends", "gwp_extra", "kpi_definitions",
                               "uncertainty")
    for name in reference.names():
        d = reference.manifest()[name]
        assert reference.path(name).is_file(), name
        rows = list(csv.DictReader(io.StringIO(reference.text(name)))) if reference.FILES[name].endswith(".csv") else []
        if rows and "status" in rows[0]:
            weakest = next(s for s in STATUS_ORDER if s in {r["status"] for r in rows})
            assert d["status"] == weakest, name
    kpi_doc = yaml.safe_load(reference.text("kpi_definitions"))
    assert (reference.manifest()["kpi_definitions"]["edition"], reference.manifest()["kpi_definitions"]["status"]) == (
        kpi_doc["edition"], kpi_doc["status"])


def test_sync_stores_one_row_per_content_once(db):
    rows = sync_reference_editions(None)
    assert [(r.name, r.edition, r.status) for r in rows] == [
        ("activity_catalogue", "2026.2", "illustrative"), ("conversions", "2026.1", "secondary_verify"),
        ("blends", "2026.2", "secondary_verify"), ("gwp_extra", "2026.1", "official"),
        ("kpi_definitions", "2026.1", "illustrative"), ("uncertainty", "2026.1", "illustrative")]
    cat = rows[0]
    assert cat.sha256 == hashlib.sha256(reference.path("activity_catalogue").read_bytes()).hexdigest()
    assert (cat.file_name, cat.title_en, cat.title_th) == ("ghg/activities.csv", "activity catalogue", "รายการกิจกรรม")
    assert cat.loaded_at is not None
    assert ChangeRecord.objects.filter(content_type__model="referenceedition", action="create").count() == 6
    assert [r.pk for r in sync_reference_editions(None)] == [r.pk for r in rows]  # same contents: nothing added
    assert ReferenceEdition.objects.count() == 6


def test_an_edition_is_never_edited_and_ecotown_migrate_stores_the_editions(db, capsys):
    from ecotown.core import history
    from ecotown.core.commands import load_shipped_reference

    load_shipped_reference()
    assert "reference data editions: activity_catalogue 2026.2, conversions 2026.1, blends 2026.2, " \
           "gwp_extra 2026.1, kpi_definitions 2026.1, uncertainty 2026.1" in capsys.readouterr().out
    row = ReferenceEdition.objects.get(name="activity_catalogue")
    n_changes = ChangeRecord.objects.count()
    row.edition = "2026.9"
    with pytest.raises(ValueError) as exc:
        history.save(None, row)
    assert str(exc.value) == "a reference edition is never edited: new content is a new edition"
    row.refresh_from_db()
    assert row.edition == "2026.2" and ChangeRecord.objects.count() == n_changes
    assert ReferenceEdition.objects.count() == 6


@pytest.fixture
def data_copy(tmp_path, monkeypatch):
    """The reference data read from a copy that the test may change (restored afterwards)."""
    from ecotown.carbon import library

    shutil.copytree(reference.DATA_DIR, tmp_path / "data")
    monkeypatch.setattr(reference, "DATA_DIR", tmp_path / "data")
    reference.clear()
    library.clear_caches()
    yield tmp_path / "data"
    monkeypatch.undo()
    reference.clear()
    library.clear_caches()


def _add_activity(data_dir):
    path = data_dir / "ghg" / "activities.csv"
    path.write_text(path.read_text(encoding="utf-8") + "rail_freight,การขนส่งสินค้าทางราง,Rail freight,tkm,other,3,3,4,"
                    "transport,no\n", encoding="utf-8")
    reference.clear()


def test_new_catalogue_content_is_a_new_edition_and_the_old_inventory_keeps_naming_the_old_one(world, data_copy, client,
                                                                                             token_for):
    from ecotown.carbon import services

    services.sync_builtin_library(None)
    record(world.F1, "diesel", 1000, "L", "2026-02-01", "2026-02-28")
    record(world.F2, "diesel", 500, "L", "2026-02-01", "2026-02-28")
    old = services.compute_inventory(world.F1, 2026)
    first = {e["name"]: e for e in old.reference_editions}
    assert sorted(first) == ["activity_catalogue", "blends", "conversions", "gwp_extra"]
    assert {k: v for k, v in first["activity_catalogue"].items() if k != "id"} == {
        "name": "activity_catalogue", "title_th": "รายการกิจกรรม", "title_en": "activity catalogue", "edition": "2026.2",
        "status": "illustrative", "sha256": hashlib.sha256((data_copy / "ghg" / "activities.csv").read_bytes()).hexdigest()}

    _add_activity(data_copy)
    new_sha = hashlib.sha256((data_copy / "ghg" / "activities.csv").read_bytes()).hexdigest()
    other = services.compute_inventory(world.F2, 2026)
    second = {e["name"]: e for e in other.reference_editions}
    assert second["activity_catalogue"]["edition"] == f"2026.2+{new_sha[:8]}"
    assert second["activity_catalogue"]["sha256"] == new_sha
    assert second["activity_catalogue"]["id"] != first["activity_catalogue"]["id"]
    assert second["conversions"] == first["conversions"]  # unchanged file: same edition
    assert ReferenceEdition.objects.filter(name="activity_catalogue").count() == 2
    kept = ReferenceEdition.objects.get(pk=first["activity_catalogue"]["id"])
    assert (kept.edition, kept.sha256) == ("2026.2", first["activity_catalogue"]["sha256"])  # never edited

    old.refresh_from_db()
    assert old.reference_editions == list(first.values())
    client.force_login(world.users["estate"])  # sees both factories of the estate
    en = client.get(f"/carbon/inventory/{old.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert ("Reference data: <span data-edition=\"activity_catalogue\" title=\"SHA-256 "
            f"{first['activity_catalogue']['sha256']}\">activity catalogue edition 2026.2, status illustrative default"
            "</span>") in en
    th = client.get(f"/carbon/inventory/{other.pk}/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert f"ข้อมูลอ้างอิง: <span data-edition=\"activity_catalogue\" title=\"SHA-256 {new_sha}\">รายการกิจกรรม ฉบับ 2026.2+{new_sha[:8]}, สถานะ ค่าตัวอย่างเบื้องต้น</span>" in th
    assert "ค่าความร้อนและความหนาแน่น ฉบับ 2026.1, สถานะ แหล่งข้อมูลทุติยภูมิ: ควรตรวจสอบ" in th
    api = client.get(f"/api/carbon/inventories/{old.pk}", headers=token_for(world.users["estate"])).json()
    assert api["reference_editions"] == old.reference_editions

    again = services.compute_inventory(world.F1, 2026)  # recomputed: now with the new catalogue
    assert {e["name"]: e["sha256"] for e in again.reference_editions}["activity_catalogue"] == new_sha


def test_an_assessment_result_records_the_kpi_definitions_edition(world, data_copy, client):
    from ecotown.assessment import services

    from ecotown.assessment.models import FrameworkVersion

    services.install_shipped(None)

    version = FrameworkVersion.objects.get(framework__code="ieat-eit")
    estate = world.users["estate"]
    a = services.start_assessment(estate, world.E1, version, 2026)
    first = services.compute_result(estate, a)
    assert [(e["name"], e["edition"], e["status"]) for e in first.reference_editions] == [
        ("kpi_definitions", "2026.1", "illustrative"), ("activity_catalogue", "2026.2", "illustrative")]
    kpi_file = data_copy / "kpi" / "kpis.yaml"
    kpi_file.write_text(kpi_file.read_text(encoding="utf-8") + "# a comment is new content too\n", encoding="utf-8")
    reference.clear()
    second = services.compute_result(estate, a)
    new_sha = hashlib.sha256(kpi_file.read_bytes()).hexdigest()
    assert second.reference_editions[0]["edition"] == f"2026.1+{new_sha[:8]}"
    assert second.reference_editions[1] == first.reference_editions[1]
    first.refresh_from_db()
    assert first.reference_editions[0]["edition"] == "2026.1"
    assert first.reference_editions[0]["sha256"] != new_sha
    client.force_login(estate)
    html = client.get(f"/assessment/{a.pk}/result/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert f"KPI definitions edition 2026.1+{new_sha[:8]}, status illustrative default" in html
    th = client.get(f"/assessment/{a.pk}/result/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert f"นิยามตัวชี้วัด ฉบับ 2026.1+{new_sha[:8]}, สถานะ ค่าตัวอย่างเบื้องต้น" in th
