"""Pages, exports and API of the assessment capability."""
from __future__ import annotations

import io
from pathlib import Path

from ecotown.assessment import services
from ecotown.assessment.models import FrameworkVersion

CASES = Path(__file__).resolve().parents[1] / "cases" / "assess"


def _done(world, frameworks):
    a = services.start_assessment(world.users["estate"], world.E1, frameworks["ieat-eit"], 2026)
    services.answer(world.users["estate"], a, {"ECO-SYMBIOSIS": True, "MGT-ECO-PLAN": True, "ENV-GHG-TOTAL": 900})
    services.compute_result(world.users["estate"], a)
    return a


def test_malformed_upload_on_the_page_shows_every_path_and_saves_nothing(client, world, frameworks):
    client.force_login(world.users["admin"])
    before = FrameworkVersion.objects.count()
    f = io.BytesIO((CASES / "bad-unknown-level" / "framework.yaml").read_bytes())
    f.name = "bad.yaml"
    r = client.post("/assessment/frameworks/", {"file": f})
    assert r.status_code == 422
    html = r.content.decode()
    assert "dimensions[0].indicators[0].thresholds.platinum" in html and "levels[2]" in html
    assert FrameworkVersion.objects.count() == before


def test_api_upload_422_names_the_path(client, world, token_for):
    r = client.post("/api/assessment/frameworks", {"yaml": (CASES / "bad-unknown-level" / "framework.yaml").read_text()},
                    content_type="application/json", **{"HTTP_" + k.upper(): v for k, v in token_for(world.users["admin"]).items()})
    assert r.status_code == 422
    detail = r.json()["detail"]
    assert all(d["field"] == "yaml" for d in detail)
    assert any("thresholds.platinum" in d["message"] and d["code"] == "unknown_id" for d in detail)
    assert FrameworkVersion.objects.count() == 0


def test_result_page_shows_level_gaps_radar_and_illustrative_label_in_thai_and_english(client, world, frameworks):
    a = _done(world, frameworks)
    client.force_login(world.users["estate"])
    html = client.get(f"/assessment/{a.pk}/result/", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert 'data-testid="radar"' in html and "radar-data" in html
    assert "ค่าเกณฑ์ตัวอย่าง ไม่ใช่เกณฑ์ทางการ" in html and "Illustrative defaults, not official criteria" in html
    r = a.latest_result()
    for g in r.result["gaps"]:
        assert g["indicator"] in html
    assert r.result["gaps"][0]["level"] == "eco-champion"


def test_pdf_and_excel(client, world, frameworks):
    from openpyxl import load_workbook

    a = _done(world, frameworks)
    client.force_login(world.users["estate"])
    pdf = client.get(f"/assessment/{a.pk}/result.pdf")
    assert pdf.status_code == 200 and pdf.content.startswith(b"%PDF-")
    x = client.get(f"/assessment/{a.pk}/result.xlsx")
    wb = load_workbook(io.BytesIO(x.content))
    gaps = wb.worksheets[1]
    rows = list(gaps.iter_rows(min_row=2, values_only=True))
    assert [r[0] for r in rows] == [g["indicator"] for g in a.latest_result().result["gaps"]]


def test_edit_page_round_trip_keeps_the_content_and_makes_a_new_draft(client, world, frameworks):
    from ecotown.calc.framework import framework_to_dict

    v = frameworks["ieat-eit"]
    client.force_login(world.users["admin"])
    form = _edit_form(v, new_version="2027.1")
    r = client.post(f"/assessment/frameworks/{v.pk}/edit/", form)
    assert r.status_code == 302
    new = FrameworkVersion.objects.get(framework=v.framework, version="2027.1")
    a, b = framework_to_dict(v.parsed()), framework_to_dict(new.parsed())
    a.pop("version"), b.pop("version")
    assert a == b and new.status == "draft"
    form["i-PHY-GREEN-AREA-t-eco-champion"] = ">= 7"
    form["i-PHY-GREEN-AREA-threshold_status"] = "official"
    client.post(f"/assessment/frameworks/{new.pk}/edit/", form)
    new.refresh_from_db()
    ind = new.parsed().indicator("PHY-GREEN-AREA")
    assert ind.threshold("eco-champion").written == ">= 7" and ind.threshold_status == "official"
    assert FrameworkVersion.objects.filter(framework=v.framework).count() == 2  # a draft is edited in place


def _edit_form(v, **extra):
    fw = v.parsed()
    data = {"fw_name_th": fw.name.th, "fw_name_en": fw.name.en, **extra}
    for _dim, ind in fw.indicators():
        p = f"i-{ind.id}-"
        data.update({p + "name_th": ind.name.th, p + "name_en": ind.name.en, p + "points": str(ind.points_written),
                     p + "threshold_status": ind.threshold_status})
        for lv in fw.levels:
            t = ind.threshold(lv.id)
            data[p + "t-" + lv.id] = "" if t is None else (str(t.written).lower() if isinstance(t.written, bool) else str(t.written))
    return data


def test_answer_page_post_and_assess(client, world, frameworks):
    a = services.start_assessment(world.users["estate"], world.E1, frameworks["ieat-eit"], 2026)
    client.force_login(world.users["estate"])
    r = client.post(f"/assessment/{a.pk}/", {"v-ECO-SYMBIOSIS": "true", "v-ENV-GHG-TOTAL": "1,250.5",
                                             "v-PHY-GREEN-AREA": "10", "action": "compute"})
    assert r.status_code == 302 and r["Location"].endswith(f"/assessment/{a.pk}/result/")
    a.refresh_from_db()
    assert a.values["ECO-SYMBIOSIS"] is True and a.values["ENV-GHG-TOTAL"] == 1250.5
    assert a.sources["PHY-GREEN-AREA"]["source"] == "kpi"  # unchanged KPI value stays a KPI value
    bad = client.post(f"/assessment/{a.pk}/", {"v-ENV-GHG-TOTAL": "lots", "action": "save"})
    assert bad.status_code == 422
    a.refresh_from_db()
    assert a.values["ENV-GHG-TOTAL"] == 1250.5
