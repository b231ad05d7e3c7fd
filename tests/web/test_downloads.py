"""Files built in the background for one user (ecotown.core.downloads): a big completeness export goes to
the worker, the user is sent to its page and notified when it is ready; only that user sees it."""
from __future__ import annotations

import datetime as dt
import io
import os

import openpyxl
import pytest
from django.utils import timezone

from ecotown.core import downloads, worker
from ecotown.core.models import Download, Notification

from tests.reporting.test_matrix import reported  # noqa: F401 — the matrix's records fixture
from tests.web.test_worker import db_queue  # noqa: F401


def _rows(data: bytes) -> list[list]:
    ws = openpyxl.load_workbook(io.BytesIO(data)).worksheets[0]
    return [[c.value for c in r] for r in ws.iter_rows()]


def test_a_small_export_is_the_response_a_big_one_a_download(reported, client, settings,  # noqa: F811
                                                             django_capture_on_commit_callbacks):
    u = reported.users
    client.force_login(u["estate"])   # estate E1: factories F1 and F2
    client.post("/i18n/setlang/", {"language": "en"})
    r = client.get("/reporting/completeness/matrix.xlsx?year=2025")
    assert r.status_code == 200 and r["Content-Type"].startswith("application/vnd.openxmlformats")
    settings.ECOTOWN_INLINE_EXPORT_ROWS = 1
    page = client.get("/reporting/completeness/matrix/?year=2025").content.decode()
    assert "(many rows: prepared in the background, you will be notified)" in page
    with django_capture_on_commit_callbacks(execute=True):
        r = client.get("/reporting/completeness/matrix.xlsx?year=2025")
    d = Download.objects.get()
    assert (r.status_code, r["Location"]) == (302, f"/downloads/{d.pk}/")
    assert (d.user, d.status, d.rows, d.title_en, d.title_th) == (
        u["estate"], "done", 2, "Completeness 2025 · 2 factories", "ความครบถ้วนของการรายงาน 2568 · 2 โรงงาน")
    page = client.get(r["Location"]).content.decode()
    assert 'data-testid="download-ready"' in page and "2 rows" in page
    assert f'href="/downloads/{d.pk}/file"' in page and f'hx-get="/downloads/{d.pk}/"' not in page  # done: no polling
    f = client.get(f"/downloads/{d.pk}/file")
    assert f.status_code == 200 and f["Content-Disposition"] == 'attachment; filename="ecotown-completeness-2025.xlsx"'
    rows = _rows(b"".join(f.streaming_content))
    assert [r[1] for r in rows[1:]] == ["Factory One", "Factory Two"]   # the same rows as the inline export
    assert rows == _rows_inline(client, settings)
    n = Notification.objects.get(user=u["estate"])
    assert (n.title_en, n.link) == ("Your file is ready: Completeness 2025 · 2 factories", f"/downloads/{d.pk}/")
    listing = client.get("/downloads/").content.decode()
    assert listing.count('data-testid="download-item"') == 1 and "Completeness 2025 · 2 factories" in listing


def _rows_inline(client, settings):
    settings.ECOTOWN_INLINE_EXPORT_ROWS = 5000
    try:
        return _rows(client.get("/reporting/completeness/matrix.xlsx?year=2025").content)
    finally:
        settings.ECOTOWN_INLINE_EXPORT_ROWS = 1


@pytest.mark.parametrize("who", ["officer", "port", "preparer", "anonymous"])
def test_only_its_user_sees_a_download(reported, client, who):  # noqa: F811
    d = Download.objects.create(user=reported.users["estate"], builder="reporting.matrix", title_th="ก", title_en="A",
                                params={"year": 2025, "estate": None, "state": "", "month": None, "q": ""})
    downloads.run(str(d.pk))
    if who != "anonymous":
        client.force_login(reported.users[who])
    for url in (f"/downloads/{d.pk}/", f"/downloads/{d.pk}/file"):
        r = client.get(url)
        assert r.status_code == (302 if who == "anonymous" else 404), url
    if who != "anonymous":
        assert 'data-testid="download-item"' not in client.get("/downloads/").content.decode()


def test_without_a_worker_the_page_says_so_then_the_worker_builds_it(reported, client, settings, db_queue,  # noqa: F811
                                                                     django_capture_on_commit_callbacks):
    settings.ECOTOWN_INLINE_EXPORT_ROWS = 1
    client.force_login(reported.users["officer"])
    client.post("/i18n/setlang/", {"language": "th"})
    with django_capture_on_commit_callbacks(execute=True):
        r = client.get("/reporting/completeness/matrix.xlsx?year=2025&state=late&month=3")
    d = Download.objects.get()
    assert d.status == "queued" and d.params["state"] == "late" and d.params["month"] == 3
    page = client.get(r["Location"]).content.decode()
    assert 'data-testid="worker-missing"' in page and "ไฟล์อยู่ในคิวแล้ว" in page
    assert f'hx-get="/downloads/{d.pk}/"' in page                  # it keeps looking
    assert client.get(f"/downloads/{d.pk}/file").status_code == 404  # nothing to download yet
    worker.beat("w1")
    assert worker.process_once("w1") >= 1
    d.refresh_from_db()
    assert d.status == "done"
    fragment = client.get(r["Location"], HTTP_HX_REQUEST="true").content.decode()
    assert fragment.startswith('<div id="download"') and 'data-testid="download-ready"' in fragment
    assert Notification.objects.get(user=reported.users["officer"]).title_th.startswith("ไฟล์พร้อมดาวน์โหลดแล้ว: ความครบถ้วน")


def test_a_failed_build_is_told_and_kept_for_the_administrator(world, client):
    def broken(user, params):
        raise RuntimeError("disk full")

    downloads.register("test.broken", broken)
    try:
        d = downloads.request(world.users["officer"], "test.broken", {}, title_th="ทดสอบ", title_en="Test")
        assert downloads.run(str(d.pk)) == "failed"
    finally:
        downloads._builders.pop("test.broken")
    d.refresh_from_db()
    assert (d.status, d.error) == ("failed", "disk full")
    client.force_login(world.users["officer"])
    client.post("/i18n/setlang/", {"language": "en"})
    page = client.get(f"/downloads/{d.pk}/").content.decode()
    assert "The file could not be prepared. Please try again" in page and "disk full" not in page
    assert Notification.objects.get().title_en == "The file could not be prepared: Test"


def test_old_downloads_are_deleted_with_their_files(reported, settings, tmp_path):  # noqa: F811
    settings.MEDIA_ROOT = tmp_path
    old, new = (Download.objects.create(user=reported.users["estate"], builder="reporting.matrix", title_th="ก",
                                        title_en="A", params={"year": 2025, "estate": None, "state": "", "month": None,
                                                              "q": ""}) for _ in range(2))
    for d in (old, new):
        downloads.run(str(d.pk))
    Download.objects.filter(pk=old.pk).update(created_at=timezone.now() - dt.timedelta(days=8))
    old.refresh_from_db()
    path = old.file.path
    assert downloads.expire() == 1
    assert list(Download.objects.values_list("pk", flat=True)) == [new.pk]
    assert not os.path.exists(path)
