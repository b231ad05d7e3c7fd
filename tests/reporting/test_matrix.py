"""Completeness as a matrix: factories × months, each cell the month's state (reporting.matrix)."""
from __future__ import annotations

import datetime as dt
import io
import re
from decimal import Decimal

import openpyxl
import pytest

from ecotown.core import history
from ecotown.registry.models import FactoryDetail, Kind, Organisation
from ecotown.reporting import matrix
from ecotown.reporting.models import ActivityRecord

MONTH_END = {m: (dt.date(2025 + (m == 12), m % 12 + 1, 1) - dt.timedelta(days=1)) for m in range(1, 13)}


def rec(org, month, state, activity="diesel", *, year=2025, current=True, start=None, end=None):
    start = start or dt.date(year, month, 1)
    end = end or start.replace(day=1) + (MONTH_END[month] - dt.date(2025, month, 1))
    return ActivityRecord(organisation=org, activity=activity, quantity=Decimal("10"), unit="L", period_start=start,
                          period_end=end, state=state, is_current=current,
                          is_counted=current and state in ("verified", "locked"))


@pytest.fixture
def reported(world):
    """F1: Jan verified; Feb verified + submitted; Mar draft; Apr locked; May only a superseded verified version;
    a record 15 Nov – 31 Dec submitted. F2: Jan submitted. F3: Jan draft. F4: nothing."""
    F1, F2, F3 = world.F1, world.F2, world.F3
    history.bulk_create(None, [
        rec(F1, 1, "verified"), rec(F1, 2, "verified"), rec(F1, 2, "submitted", "grid_electricity"),
        rec(F1, 3, "draft"), rec(F1, 4, "locked"), rec(F1, 5, "verified", current=False),
        rec(F1, 11, "submitted", start=dt.date(2025, 11, 15), end=dt.date(2025, 12, 31)),
        rec(F2, 1, "submitted"), rec(F3, 1, "draft"),
    ])
    return world


def test_a_month_state_follows_its_current_records_and_its_deadline(reported):
    w = reported
    admin = w.users["admin"]
    ids = [w.F1.pk, w.F2.pk, w.F3.pk, w.F4.pk]
    after = matrix.cells(admin, ids, 2025, today=dt.date(2026, 6, 1))     # every deadline of 2025 passed
    assert after[w.F1.pk] == ["verified", "submitted", "late", "verified", "late", "late", "late", "late", "late",
                              "late", "submitted", "submitted"]
    assert after[w.F2.pk] == ["submitted"] + ["late"] * 11
    assert after[w.F3.pk] == ["late"] * 12
    assert after[w.F4.pk] == ["late"] * 12
    # on 10 April 2025: March is due on 15 April (drafts only: draft), May not yet (nothing: not reported)
    april = matrix.cells(admin, ids, 2025, today=dt.date(2025, 4, 10))
    assert april[w.F1.pk] == ["verified", "submitted", "draft", "verified", "none", "none", "none", "none", "none",
                              "none", "submitted", "submitted"]
    assert april[w.F3.pk] == ["late", "late", "none"] + ["none"] * 9   # January's draft: due 15 Feb, passed
    assert april[w.F4.pk] == ["late", "late"] + ["none"] * 10


@pytest.mark.parametrize("today", [dt.date(2026, 6, 1), dt.date(2025, 4, 10)])
def test_the_state_filter_in_sql_agrees_with_the_cells(reported, today):
    w = reported
    admin = w.users["admin"]
    due = matrix.deadlines(2025)
    keys = {w.F1.pk: "F1", w.F2.pk: "F2", w.F3.pk: "F3", w.F4.pk: "F4"}
    states = matrix.cells(admin, list(keys), 2025, today=today)
    checked = 0
    for state in matrix.CELL_STATES:
        for month in [None, *range(1, 13)]:
            got = {keys[o.pk] for o in matrix.factories(admin, matrix.Filter(2025, state=state, month=month), today, due)}
            want = {keys[pk] for pk, row in states.items()
                    if (row[month - 1] == state if month else state in row)}
            assert got == want, (state, month)
            checked += bool(want)
    assert checked >= 20


def _rows(html):
    return re.findall(r'<tr data-org="(\d+)">', html)


def _names(world, html):
    by_pk = {str(getattr(world, k).pk): k for k in ("F1", "F2", "F3", "F4")}
    return [by_pk[pk] for pk in _rows(html)]


@pytest.mark.parametrize("who, want", [
    ("admin", ["F1", "F2", "F3", "F4"]), ("officer", ["F1", "F2", "F3", "F4"]), ("estate", ["F1", "F2"]),
    ("port", ["F4"]), ("preparer", ["F1"]), ("approver", ["F1"]), ("preparer2", ["F2"]), ("auditor", ["F3"]),
    ("school", []), ("outsider", []),
])
def test_each_role_sees_the_rows_of_the_factories_it_may_see(reported, client, who, want):
    client.force_login(reported.users[who])
    r = client.get("/reporting/completeness/matrix/?year=2025", HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200
    html = r.content.decode()
    assert _names(reported, html) == want
    if not want:
        assert "No factory matches." in html
    assert f"{len(want)} factor{'y' if len(want) == 1 else 'ies'}" in html


def test_rows_are_grouped_by_estate_and_each_cell_reads_without_colour_and_links_to_the_month(reported, client):
    w = reported
    client.force_login(w.users["admin"])
    html = client.get("/reporting/completeness/matrix/?year=2025", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    groups = re.findall(r'<th colspan="13" scope="rowgroup">([^<]+)</th>', html)
    assert groups == ["Estate One", "Estate Two", "Port"]
    row = html.split(f'<tr data-org="{w.F1.pk}">')[1].split("</tr>")[0]
    cells = re.findall(r'<a class="et-cell et-cell-(\w+)" data-state="\w+" href="([^"]+)" title="([^"]+)">'
                       r'<span aria-hidden="true">(.)</span><span class="visually-hidden">([^<]+)</span>', row)
    assert len(cells) == 12
    assert cells[0] == ("verified", f"/reporting/org/{w.F1.pk}/?year=2025#month-1", "Jan 2025: verified", "✓",
                        "Jan 2025: verified")
    assert cells[1][0] == "submitted" and cells[1][3] == "↑" and cells[1][4] == "Feb 2025: submitted"
    assert cells[2][0] == "late" and cells[2][3] == "!" and cells[2][4] == "Mar 2025: late"
    # every month's anchor exists on the factory's page, an empty month's too (F1 reported nothing in May–Oct)
    page = client.get(f"/reporting/org/{w.F1.pk}/?year=2025").content.decode()
    assert all(f'id="month-{m}"' in page for m in range(1, 13))
    # Thai: B.E. months and Thai words
    th = client.get("/reporting/completeness/matrix/?year=2025", HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert "ม.ค. 2568: ตรวจสอบแล้ว" in th
    assert "ความครบถ้วนของการรายงานทั้งปี 2568" in th


def test_a_future_year_shows_draft_and_not_reported(reported, client):
    w = reported
    year = dt.date.today().year + 1
    history.bulk_create(None, [rec(w.F1, 2, "draft", year=year)])
    client.force_login(w.users["preparer"])
    html = client.get(f"/reporting/completeness/matrix/?year={year}", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    states = re.findall(r'data-state="(\w+)"', html)
    assert states == ["none", "draft"] + ["none"] * 10


def test_filters_estate_state_month_and_search(reported, client):
    w = reported
    client.force_login(w.users["admin"])

    def shown(query):
        r = client.get("/reporting/completeness/matrix/?year=2025&" + query, HTTP_ACCEPT_LANGUAGE="en")
        assert r.status_code == 200
        return _names(w, r.content.decode())

    assert shown(f"estate={w.E1.pk}") == ["F1", "F2"]
    assert shown("state=submitted") == ["F1", "F2"]
    assert shown("state=submitted&month=2") == ["F1"]
    assert shown("state=verified&month=4") == ["F1"]
    assert shown("state=late&month=1") == ["F3", "F4"]
    assert shown("q=factory+two") == ["F2"]
    assert shown("q=" + "ไทย") == ["F1", "F2", "F3", "F4"]      # Thai names, substring
    assert shown("q=45ชบ") == ["F1"]                           # DIW registration number
    assert shown(f"estate={w.E2.pk}&state=late&month=1") == ["F3"]
    assert shown("year=2568&state=verified&month=1") == ["F1"]  # a B.E. year


def test_an_estate_the_user_may_not_see_is_not_found(reported, client):
    client.force_login(reported.users["estate"])
    assert client.get(f"/reporting/completeness/matrix/?estate={reported.E2.pk}").status_code == 404
    assert client.get(f"/reporting/completeness/matrix.xlsx?estate={reported.E2.pk}").status_code == 404
    assert client.get(f"/reporting/completeness/matrix/?estate={reported.E1.pk}").status_code == 200


def test_the_matrix_is_paginated(world, client):
    rows = [Organisation(kind=Kind.FACTORY, parent=world.E2, name_th=f"โรงงานเพิ่ม {i:03d}", name_en=f"Extra {i:03d}",
                         search_text=f"extra {i:03d}") for i in range(60)]
    history.bulk_create(None, rows)
    client.force_login(world.users["admin"])
    first = client.get("/reporting/completeness/matrix/?year=2025&q=extra", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    second = client.get("/reporting/completeness/matrix/?year=2025&q=extra&page=2", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert len(_rows(first)) == 50 and len(_rows(second)) == 10
    assert "60 factories" in first and "1 / 2" in first
    assert set(_rows(first)).isdisjoint(_rows(second))


def _sheet(content):
    wb = openpyxl.load_workbook(io.BytesIO(content))
    return wb, [[c.value for c in row] for row in wb.worksheets[0].iter_rows()]


def test_the_export_is_a_real_workbook_with_thai_headers_and_buddhist_era_months(reported, client):
    w = reported
    client.force_login(w.users["estate"])
    r = client.get("/reporting/completeness/matrix.xlsx?year=2025", HTTP_ACCEPT_LANGUAGE="th")
    assert r.status_code == 200
    assert r["Content-Type"] == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    assert r["Content-Disposition"] == 'attachment; filename="ecotown-completeness-2568.xlsx"'
    wb, rows = _sheet(r.content)
    assert wb.sheetnames == ["ความครบถ้วนของการรายงาน", "คำอธิบาย"]
    assert rows[0][:4] == ["นิคมอุตสาหกรรมหรือท่าเรืออุตสาหกรรม", "โรงงาน", "เลขทะเบียนโรงงาน", "ม.ค. 2568"]
    assert rows[0][-1] == "ธ.ค. 2568"
    assert [row[1] for row in rows[1:]] == ["Factory One (ไทย)", "Factory Two (ไทย)"]   # the estate's factories only
    assert rows[1][2] == "3-105-1/45ชบ"
    assert rows[1][3:6] == ["✓ ตรวจสอบแล้ว", "↑ ส่งแล้ว", "! เลยกำหนดส่ง"]
    assert wb.worksheets[0]["D2"].fill.fgColor.rgb.endswith("009E73")
    en = client.get("/reporting/completeness/matrix.xlsx?year=2025&state=submitted&month=2", HTTP_ACCEPT_LANGUAGE="en")
    assert en["Content-Disposition"] == 'attachment; filename="ecotown-completeness-2025.xlsx"'
    _wb, rows = _sheet(en.content)
    assert rows[0][:4] == ["estate or port", "Factory", "DIW registration number", "Jan 2025"]
    assert [row[1] for row in rows[1:]] == ["Factory One"]
    assert rows[1][3:6] == ["✓ verified", "↑ submitted", "! late"]
