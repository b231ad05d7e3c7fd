"""Pages, exports and API of inventories: drill-down from totals to lines, factors and evidence."""
from __future__ import annotations

import io

import pytest
from django.utils import translation

from ecotown.carbon import services
from ecotown.carbon.models import Factor
from ecotown.core.models import ChangeRecord

from .factories import record


@pytest.fixture
def inv(world, settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    services.sync_builtin_library(None)
    from ecotown.core.services import store_file

    bill = store_file(world.users["admin"], world.F1, "diesel-bill.pdf", b"%PDF-1.4 bill")
    r = record(world.F1, "diesel", 1000, "L", "2025-03-01", "2025-03-31")
    r.evidence.add(bill)
    record(world.F1, "grid_electricity", 2000, "kWh", "2025-03-01", "2025-03-31")
    record(world.F1, "wood", 1000, "kg", "2025-04-01", "2025-04-30")
    return services.compute_inventory(world.F1, 2025)


def test_inventory_page_drills_down_to_lines_factor_and_evidence(world, client, inv):
    client.force_login(world.users["approver"])
    with translation.override("en"):
        html = client.get(f"/carbon/inventory/{inv.pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    # diesel 1000 L x 2.7078 = 2.7078 t (secondary_verify, TEI edition ended 2022); grid 2000 x 0.4999 = 0.9998 t
    # wood 1000 kg x 0.0304 = 0.0304 t
    assert inv.totals["co2e_t"] == 3.738 and inv.totals["scope1_t"] == 2.7382
    assert "3.738" in html and "ET-F0013" in html and "secondary_verify" in html
    lines = client.get(f"/carbon/inventory/{inv.pk}/lines/?scope=1").content.decode()
    # diesel, wood CH4+N2O as CO2e, wood biogenic CO2 (1000 x 1.7909 kg, reported apart)
    assert lines.count('data-testid="line"') == 3 and "diesel-bill.pdf" in lines
    assert inv.totals["biogenic_co2_t"] == 1.7909
    f = Factor.objects.get(factor_id="ET-F0013")
    assert f'/carbon/factor/{f.pk}/' in lines
    page = client.get(f"/carbon/factor/{f.pk}/").content.decode()
    assert "2.7078 kg/L" in page and "secondary_verify" in page
    cat2 = client.get(f"/carbon/inventory/{inv.pk}/lines/?category=2").content.decode()
    assert cat2.count('data-testid="line"') == 1 and "ET-F0003" in cat2


def test_excel_in_iso_category_layout(world, client, inv):
    from openpyxl import load_workbook

    client.force_login(world.users["approver"])
    r = client.get(f"/carbon/inventory/{inv.pk}/inventory.xlsx")
    wb = load_workbook(io.BytesIO(r.content))
    assert wb.sheetnames == ["ISO 14064-1", "Lines", "Factors", "Disclosure"]
    rows = [[c for c in row] for row in wb["ISO 14064-1"].iter_rows(values_only=True)]
    total = next(r for r in rows if r[0] == "ประเภท / Category").index("t CO2e")
    cat_rows = [r for r in rows if r[0] and str(r[0]).startswith("ประเภทที่")]
    assert len(cat_rows) == 6 and cat_rows[0][total] == 2.7382 and cat_rows[1][total] == 0.9998 and cat_rows[5][total] == 0
    assert any(r[0] == "รวม / Total (Scope 1 + 2 location + 3)" and r[total] == 3.738 for r in rows)
    assert wb["Lines"].max_row == 5  # header + 4 lines


def test_pdf_report_in_thai_and_english(world, client, inv, tmp_path):
    client.force_login(world.users["approver"])
    r = client.get(f"/carbon/inventory/{inv.pk}/report.pdf")
    assert r.status_code == 200 and r.content.startswith(b"%PDF")
    import subprocess

    p = tmp_path / "r.pdf"
    p.write_bytes(r.content)
    text = subprocess.run(["pdftotext", str(p), "-"], capture_output=True, text=True).stdout
    assert "Organisational greenhouse gas inventory" in text and "บัญชีก๊าซเรือนกระจก" in text
    assert "ฉบับร่าง / draft" in text  # the status in words, both languages
    fonts = subprocess.run(["pdffonts", str(p)], capture_output=True, text=True).stdout
    assert "Sarabun" in fonts


def test_api_inventory_lines_and_422(world, client, inv, token_for):
    h = token_for(world.users["approver"], lang="en")
    h = {"HTTP_" + k.upper().replace("-", "_"): v for k, v in h.items()}
    d = client.get(f"/api/carbon/inventories/{inv.pk}", **h).json()
    assert d["totals"]["co2e_t"] == 3.738 and d["by_category"] == {"1": 2.7382, "2": 0.9998}
    lines = client.get(f"/api/carbon/inventories/{inv.pk}/lines?scope=1", **h).json()
    assert lines["count"] == 3
    diesel = next(x for x in lines["items"] if x["activity"] == "diesel")
    assert diesel["factor"]["factor_id"] == "ET-F0013" and diesel["factor"]["status"] == "secondary_verify"
    r = client.post(f"/api/carbon/inventories/{inv.pk}/options", {"gwp_set": "AR9"}, content_type="application/json", **h)
    assert r.status_code == 422 and r.json() == {"detail": [{"field": "gwp_set", "code": "gwp_set_invalid",
                                                               "message": "Choose AR4, AR5 or AR6."}]}
    months = client.get(f"/api/carbon/inventories/{inv.pk}/months", **h).json()["items"]
    assert months[2]["co2e_t"] == 3.7076 and months[3]["co2e_t"] == 0.0304
    i = client.get(f"/api/carbon/organisations/{world.F1.pk}/intensity?year=2025", **h).json()
    assert i["employees"] == 100 and i["per_employee"] == pytest.approx(0.03738)


def test_estate_manager_declares_energy_sold_to_members(world, client, settings, tmp_path):
    from ecotown.carbon import selectors
    from ecotown.carbon.models import EstateEnergySale

    services.sync_builtin_library(None)
    record(world.E1, "grid_electricity", 10000, "kWh", "2025-03-01", "2025-03-31")  # 4.999 t bought
    record(world.F1, "grid_electricity", 4000, "kWh", "2025-03-01", "2025-03-31")   # 1.9996 t bought from E1
    for org in (world.E1, world.F1):
        services.compute_inventory(org, 2025)
    assert selectors.estate_wide(world.E1, 2025)["co2e_t"] == 6.9986  # the 4,000 kWh counted twice
    client.force_login(world.users["estate"])
    url = f"/carbon/estate/{world.E1.pk}/energy-sales/?year=2025"
    with translation.override("en"):
        page = client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'value="grid_electricity"' in page and 'value="steam"' in page and 'value="diesel"' not in page
    # more than the operator bought is refused with the quantities; nothing is saved
    before = ChangeRecord.objects.count()
    body = {"seller": world.E1.pk, "year": 2025, "activity": "grid_electricity", "quantity": "12000", "unit": "kWh"}
    with translation.override("en"):
        r = client.post(url, body, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    assert ("grid_electricity: the declared resale (12,000 kWh) exceeds what the estate operator bought in 2025 "
            "(10,000 kWh, its counted activity records).") in r.content.decode()
    assert EstateEnergySale.objects.count() == 0 and ChangeRecord.objects.count() == before
    r = client.post(url, {**body, "quantity": "4000"})
    assert r.status_code == 302 and r["Location"] == f"/carbon/estate/{world.E1.pk}/?year=2025"
    assert list(EstateEnergySale.objects.values_list("seller_id", "year", "activity", "quantity")) == [
        (world.E1.pk, 2025, "grid_electricity", 4000)]
    wide = selectors.estate_wide(world.E1, 2025)
    assert (wide["co2e_t"], wide["scope2_imported_t"], wide["scope2_resold_t"]) == (4.999, 4.999, 1.9996)
    with translation.override("th"):
        html = client.get(f"/carbon/estate/{world.E1.pk}/?year=2025", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "ไฟฟ้าจากระบบสายส่ง" in html and "4,000 kWh" in html  # the declared resale, named in Thai
    # withdrawn (quantity 0): counted as bought by both again
    client.post(url, {**body, "quantity": "0"})
    assert EstateEnergySale.objects.count() == 0 and selectors.estate_wide(world.E1, 2025)["co2e_t"] == 6.9986


@pytest.mark.parametrize("lang, summary, button", [
    ("en", "The 2025 inventory of Factory One becomes final with the figures below", "Confirm: make final"),
    ("th", "บัญชีก๊าซเรือนกระจกปี 2568 ของ", "ยืนยันการปรับเป็นฉบับสมบูรณ์"),
])
def test_make_final_after_a_confirmation_page(world, client, inv, lang, summary, button):
    client.force_login(world.users["approver"])
    client.post("/i18n/setlang/", {"language": lang})
    page = client.get(f"/carbon/inventory/{inv.pk}/").content.decode()
    assert f'href="/carbon/inventory/{inv.pk}/finalise/" data-testid="finalise"' in page  # a link, not a form
    n = ChangeRecord.objects.count()
    confirm = client.get(f"/carbon/inventory/{inv.pk}/finalise/").content.decode()
    assert summary in confirm and button in confirm
    assert "3.738 t CO2e" in confirm and "2.738 t CO2e" in confirm   # the total and Scope 1 that become final
    # a POST without the confirmation changes nothing and says so
    res = client.post(f"/carbon/inventory/{inv.pk}/finalise/")
    assert res.status_code == 200 and 'data-testid="not-confirmed"' in res.content.decode()
    inv.refresh_from_db()
    assert inv.status == "draft" and ChangeRecord.objects.count() == n
    res = client.post(f"/carbon/inventory/{inv.pk}/finalise/", {"confirm": "yes"})
    assert (res.status_code, res["Location"]) == (302, f"/carbon/inventory/{inv.pk}/")
    inv.refresh_from_db()
    assert inv.status == "final" and inv.final_totals["co2e_t"] == 3.738
    again = client.get(f"/carbon/inventory/{inv.pk}/finalise/").content.decode()
    assert 'data-testid="nothing"' in again and 'data-testid="confirm"' not in again
