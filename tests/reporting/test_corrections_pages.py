"""Issue 9 on reporting's own pages and API: the data source on the form, the API and the CSV; the
counted version and a pending correction shown on the record page."""
from __future__ import annotations

from ecotown.reporting import services
from ecotown.reporting.models import ActivityRecord

from .conftest import csv_bytes


def test_data_source_on_the_form_and_the_api(world, login, client, token_for):
    c = login(world.users["preparer"])
    c.post("/i18n/setlang/", {"language": "en"})
    url = f"/reporting/org/{world.F1.pk}/new/"
    html = c.get(url).content.decode()
    assert '<option value="invoice">invoice</option>' in html and '<option value="" selected>unknown</option>' in html
    r = c.post(url, {"activity": "diesel", "quantity": "100", "unit": "L", "period_start": "1/3/2568",
                     "data_source": "invoice"})
    assert r.status_code == 302
    rec = ActivityRecord.objects.get()
    assert rec.data_source == "invoice"
    # changing the draft on the form keeps or changes it
    r = c.post(f"/reporting/records/{rec.pk}/edit/", {"activity": "diesel", "quantity": "120", "unit": "L",
                                                      "period_start": "2025-03-01", "period_end": "2025-03-31",
                                                      "data_source": "meter"})
    rec.refresh_from_db()
    assert (r.status_code, rec.quantity, rec.data_source) == (302, 120, "meter")
    h = token_for(world.users["preparer"], "en")
    rows = [{"period_start": "2025-04-01", "activity": "water", "quantity": "1", "unit": "m3", "data_source": "estimate"}]
    r = client.post("/api/reporting/activities", {"organisation": world.F1.pk, "rows": rows},
                    content_type="application/json", HTTP_AUTHORIZATION=h["Authorization"])
    assert r.status_code == 201
    items = client.get(f"/api/reporting/activities?organisation={world.F1.pk}", HTTP_AUTHORIZATION=h["Authorization"]).json()["items"]
    assert sorted((i["activity"], i["data_source"], i["is_counted"]) for i in items) == [
        ("diesel", "meter", False), ("water", "estimate", False)]


def test_record_page_shows_the_counted_version_and_the_pending_correction(world, login):
    u = world.users
    rec = services.import_activities(u["preparer"], world.F1, csv_bytes(
        [["2025-01-01", "2025-01-31", "grid_electricity", "100", "kWh", ""]]), name="a.csv").records[0]
    services.submit(u["approver"], [rec])
    services.verify(u["estate"], [rec])
    new = services.amend(u["preparer"], ActivityRecord.objects.get(pk=rec.pk), {"quantity": "150"}, reason="re-read")
    c = login(u["preparer"])
    c.post("/i18n/setlang/", {"language": "en"})
    html = c.get(f"/reporting/records/{new.pk}/").content.decode()
    assert 'data-testid="pending-correction"' in html
    assert "A correction awaiting verification: version 1 counts in the results until this one is verified." in html
    assert html.count('data-testid="counted"') == 1
    c.post("/i18n/setlang/", {"language": "th"})
    html = c.get(f"/reporting/records/{new.pk}/").content.decode()
    assert "ฉบับที่ 1 ยังคงใช้ในผลการคำนวณจนกว่าฉบับนี้จะได้รับการตรวจสอบ" in html and "ใช้ในผลการคำนวณ" in html
    # verified: the correction counts, nothing is pending
    services.submit(u["approver"], [new])
    services.verify(u["estate"], [new])
    html = c.get(f"/reporting/records/{new.pk}/").content.decode()
    assert 'data-testid="pending-correction"' not in html and html.count('data-testid="counted"') == 1
    assert list(ActivityRecord.objects.filter(is_counted=True).values_list("pk", flat=True)) == [new.pk]
