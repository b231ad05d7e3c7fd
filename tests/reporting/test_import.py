"""The import pipeline: accepted forms, every problem type, overlap, all or nothing, retries."""
from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from ecotown.core import dates
from ecotown.reporting import imports, services
from ecotown.reporting.models import ActivityRecord, ImportBatch

from .conftest import counts, csv_bytes, xlsx_bytes


def _import(world, data, user="preparer", org=None, **kw):
    name = "f.xlsx" if data[:2] == b"PK" else "f.csv"
    return services.import_activities(world.users[user] if user else None, org or world.F1, data, name=name, **kw)


def _problems(world, data, user="preparer", lang="en", **kw):
    before = counts()
    with pytest.raises(services.Rejected) as exc:
        _import(world, data, user, lang=lang, **kw)
    after = counts()
    assert after[0] == before[0] and after[1] == before[1]  # no record, no flag
    return [(p["row"], p["column"], p["value"], imports.message(p, lang)) for p in exc.value.problems]


# --- accepted forms ---------------------------------------------------------------------------

@pytest.mark.parametrize("text,expected", [
    ("2025-03-31", dt.date(2025, 3, 31)),
    ("31/3/2025", dt.date(2025, 3, 31)),
    ("31/03/2568", dt.date(2025, 3, 31)),        # B.E.
    ("2568-03-31", dt.date(2025, 3, 31)),        # B.E. ISO
    ("๓๑/๓/๒๕๖๘", dt.date(2025, 3, 31)),          # Thai digits
    ("31.3.2025", dt.date(2025, 3, 31)),
    (dt.datetime(2025, 3, 31), dt.date(2025, 3, 31)),   # Excel date cell
    (dt.datetime(2568, 3, 31), dt.date(2025, 3, 31)),   # Excel date cell typed in B.E.
])
def test_date_forms(text, expected):
    assert imports.parse_date(text) == (expected, False)


def test_month_forms():
    assert imports.parse_date("2025-03") == (dt.date(2025, 3, 1), True)
    assert imports.parse_date("3/2568") == (dt.date(2025, 3, 1), True)


@pytest.mark.parametrize("text", ["31/13/2025", "2025-02-30", "yesterday", "31-3-25", ""])
def test_bad_dates(text):
    with pytest.raises(imports.BadValue):
        imports.parse_date(text)


@pytest.mark.parametrize("text,expected", [
    ("1,234.5", Decimal("1234.5")), ("๑,๒๓๔.๕", Decimal("1234.5")), ("1 234", Decimal("1234")),
    (125000, Decimal("125000")), (12.25, Decimal("12.25")), ("12,345,678", Decimal("12345678")),
])
def test_number_forms(text, expected):
    assert imports.parse_quantity(text) == expected


@pytest.mark.parametrize("text", ["12,34", "abc", "1.2.3", "nan", "inf"])
def test_bad_numbers(text):
    with pytest.raises(imports.BadValue):
        imports.parse_quantity(text)


def test_csv_accepted_with_be_dates_thai_digits_and_separators(world):
    data = csv_bytes([
        ["1/1/2568", "31/1/2568", "grid_electricity", "125,000", "kWh", "MDB-1"],
        ["2025-02-01", "", "diesel", "๑,๒๐๐.๕", "L", ""],
        ["2025-03", "", "Grid electricity", "130000", "MWh", "MDB-1"],
    ])
    result = _import(world, data)
    assert result.accepted == 3
    rows = list(ActivityRecord.objects.order_by("period_start").values_list(
        "activity", "quantity", "unit", "period_start", "period_end", "meter", "state", "source", "version", "is_current"))
    assert rows == [
        ("grid_electricity", Decimal("125000"), "kWh", dt.date(2025, 1, 1), dt.date(2025, 1, 31), "MDB-1", "draft", "csv", 1, True),
        ("diesel", Decimal("1200.5"), "L", dt.date(2025, 2, 1), dt.date(2025, 2, 28), "", "draft", "csv", 1, True),
        ("grid_electricity", Decimal("130000"), "MWh", dt.date(2025, 3, 1), dt.date(2025, 3, 31), "MDB-1", "draft", "csv", 1, True),
    ]
    batch = ImportBatch.objects.get()
    assert (batch.status, batch.rows, batch.source, batch.uploaded_by) == ("accepted", 3, "csv", world.users["preparer"])
    assert ActivityRecord.objects.filter(batch=batch).count() == 3


def test_excel_date_cells_and_numbers(world):
    data = xlsx_bytes([[dt.datetime(2025, 4, 15), dt.datetime(2025, 5, 14), "water", 1234.5, "m3", "main"]])
    services.import_activities(world.users["preparer"], world.F1, data, name="bill.xlsx")
    r = ActivityRecord.objects.get()
    assert (r.period_start, r.period_end, r.quantity, r.source) == (dt.date(2025, 4, 15), dt.date(2025, 5, 14), Decimal("1234.5"), "excel")


# --- every problem type, all listed, nothing saved ----------------------------------------------

def test_every_problem_listed_with_spreadsheet_rows(world):
    future = dt.date.today() + dt.timedelta(days=40)
    data = csv_bytes([
        ["2025-01-01", "2025-01-31", "grid_electricity", "100", "kWh", ""],       # row 2: fine
        ["2025-01-01", "2025-01-31", "unobtainium", "100", "kg", ""],             # 3: unknown activity
        ["2025-01-01", "2025-01-31", "diesel", "100", "bananas", ""],            # 4: unknown unit
        ["2025-01-01", "2025-01-31", "diesel", "100", "kWh", ""],                 # 5: wrong dimension
        ["2025-01-01", "2025-01-31", "lpg", "", "kg", ""],                        # 6: empty quantity
        ["2025-01-01", "2025-01-31", "lpg", "lots", "kg", "B"],                   # 7: not a number
        ["2025-01-01", "2025-01-31", "water", "-5", "m3", ""],                    # 8: negative
        ["32/1/2025", "2025-01-31", "steam", "5", "GJ", ""],                      # 9: unparsable date
        ["2025-02-10", "2025-02-01", "steam", "5", "GJ", "S"],                    # 10: end before start
        [future.replace(day=1).isoformat(), "", "natural_gas", "5", "MJ", ""],     # 11: future
        ["2025-01-15", "2025-02-14", "grid_electricity", "50", "kWh", ""],        # 12: overlaps row 2
    ])
    got = _problems(world, data)
    assert got == [
        (3, "activity", "unobtainium", "Unknown activity “unobtainium”: use a code from the activity list (sheet “lists”)."),
        (4, "unit", "bananas", "Unknown unit “bananas”: use one of L, m3."),
        (5, "unit", "kWh", "The unit “kWh” cannot be used for Diesel (stationary combustion) — use L, m3."),
        (6, "quantity", "", "The quantity is empty."),
        (7, "quantity", "lots", "“lots” is not a number."),
        (8, "quantity", "-5", "The quantity cannot be negative."),
        (9, "period_start", "32/1/2025", "“32/1/2025” is not a date: write 2026-03-31, 31/3/2026 or 31/3/2569."),
        (10, "period_end", "2025-02-01", "The period ends (1 Feb 2025) before it starts (10 Feb 2025)."),
        (11, "period_end", imports.month_end(future).isoformat(),
         f"The period ends in the future ({dates.format_date(imports.month_end(future), 'en')}): report it after it has ended."),
        (12, "period_start", "2025-01-15", "The period overlaps row 2 (same organisation, activity and meter)."),
    ]
    assert ActivityRecord.objects.count() == 0
    batch = ImportBatch.objects.get()
    assert batch.status == "rejected" and len(batch.problems) == 10 and batch.marked_file is not None


def test_problems_in_thai(world):
    data = csv_bytes([["2025-01-01", "2025-01-31", "diesel", "-1", "kWh", ""]])
    got = _problems(world, data, lang="th")
    assert [g[:3] for g in got] == [(2, "quantity", "-1"), (2, "unit", "kWh")]
    assert got[0][3] == "ปริมาณต้องไม่ติดลบ"
    assert got[1][3] == "ใช้หน่วย “kWh” กับ น้ำมันดีเซล (เผาไหม้อยู่กับที่) ไม่ได้ — กรุณาใช้ L, m3"


def test_organisation_not_permitted(world):
    data = csv_bytes([["2025-01-01", "2025-01-31", "water", "10", "m3", "", str(world.F2.pk)],
                      ["2025-01-01", "2025-01-31", "water", "10", "m3", "", "NOPE-123"]],
                     header=("period_start", "period_end", "activity", "quantity", "unit", "meter", "organisation"))
    got = _problems(world, data)
    assert got == [(2, "organisation", str(world.F2.pk), f"You may not report for “{world.F2.pk}”."),
                   (3, "organisation", "NOPE-123", "Unknown organisation “NOPE-123”.")]
    # the estate manager verifies but does not report for the estate's factories
    from django.core.exceptions import PermissionDenied
    from django.http import Http404

    before = counts()
    with pytest.raises(PermissionDenied):
        _import(world, csv_bytes([["2025-01-01", "2025-01-31", "water", "10", "m3", ""]]), user="estate")
    with pytest.raises(Http404):
        _import(world, csv_bytes([["2025-01-01", "2025-01-31", "water", "10", "m3", ""]]), user="preparer2")
    assert counts() == before and ImportBatch.objects.count() == 1


def test_missing_columns_and_empty_file(world):
    got = _problems(world, b"period_start,activity,quantity\n2025-01-01,water,1\n")
    assert got == [(1, "unit", "", "The column “unit” is missing from the header row.")]
    got = _problems(world, csv_bytes([]))
    assert got == [(None, None, "", "The file has no data rows.")]


# --- overlap -------------------------------------------------------------------------------------

def test_overlap_with_existing_rejected_unless_replace_which_keeps_the_old_version(world, listener):
    _import(world, csv_bytes([["2025-01-01", "2025-01-31", "grid_electricity", "100", "kWh", "M1"]]))
    old = ActivityRecord.objects.get()
    # a bill from the 15th to the 14th overlaps January (not an identical period)
    bill = csv_bytes([["15/1/2025", "14/2/2025", "grid_electricity", "120", "kWh", "M1"]])
    got = _problems(world, bill)
    assert got == [(2, "period_start", "2025-01-15",
                    "The period overlaps a record already reported (1 Jan 2025 to 31 Jan 2025, draft). "
                    "Choose “replace” to put this row in its place (the old version is kept).")]
    # another meter is another series: no overlap
    _import(world, csv_bytes([["2025-01-01", "2025-01-31", "grid_electricity", "7", "kWh", "M2"]]))
    result = _import(world, bill, replace=True, reason="the bill period")
    new = result.records[0]
    old.refresh_from_db()
    assert (old.is_current, old.version) == (False, 1)
    assert (new.is_current, new.version, new.series, new.supersedes_id, new.reason) == (True, 2, old.series, old.pk, "the bill period")
    assert ActivityRecord.objects.filter(series=old.series).count() == 2
    assert ActivityRecord.objects.filter(is_current=True).count() == 2
    assert listener == []  # drafts replaced: results unaffected


def test_retried_upload_recognised(world):
    data = csv_bytes([["2025-01-01", "2025-01-31", "water", "10", "m3", ""]])
    _import(world, data)
    got = _problems(world, data, replace=True)
    assert len(got) == 1 and got[0][3].startswith("This file was already imported on ")
    assert ActivityRecord.objects.count() == 1


def test_old_template_refused_clearly(world):
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(imports.build_template(world.F1, 2025)))
    wb[imports.META_SHEET]["B2"] = 1
    out = io.BytesIO()
    wb.save(out)
    got = _problems(world, out.getvalue())
    assert got == [(None, None, "1", "This workbook is version 1 of the template; the current version is 3. "
                                      "Download the current template and copy your rows into it.")]


def test_template_round_trip_skips_example_row(world):
    import io

    import openpyxl

    data = imports.build_template(world.F1, 2025, "th")
    wb = openpyxl.load_workbook(io.BytesIO(data))
    assert wb.sheetnames == ["data", "lists", "help", "_ecotown"]
    assert wb["lists"].sheet_state == "hidden"
    ws = wb["data"]
    assert ws["A1"].value == "วันเริ่มต้นงวด\nPeriod start"   # names, no column code
    assert ws["A2"].number_format == "[$-1070000]d/m/yyyy;@"
    # activity, unit and (issue 9) the data source
    assert {str(dv.sqref) for dv in ws.data_validations.dataValidation} == {"C2:C5000", "E2:E5000", "H2:H5000"}
    ws.append([dt.datetime(2025, 6, 1), None, "diesel | น้ำมันดีเซล (เผาไหม้อยู่กับที่) | Diesel (stationary combustion)", 500, "L"])

    out = io.BytesIO()
    wb.save(out)
    result = services.import_activities(world.users["preparer"], world.F1, out.getvalue(), name="t.xlsx")
    assert result.accepted == 1
    r = ActivityRecord.objects.get()
    assert (r.activity, r.period_start, r.period_end) == ("diesel", dt.date(2025, 6, 1), dt.date(2025, 6, 30))


def test_marked_workbook_is_the_users_own_with_comments(world):
    import io

    import openpyxl

    data = xlsx_bytes([["2025-01-01", "2025-01-31", "water", "ten", "m3", "keep me"]])
    with pytest.raises(services.Rejected) as exc:
        services.import_activities(world.users["preparer"], world.F1, data, name="mine.xlsx", lang="en")
    batch = exc.value.batch
    assert batch.marked_file.original_name == "mine-problems.xlsx"
    wb = openpyxl.load_workbook(batch.marked_file.file.open("rb"))
    ws = wb.worksheets[0]
    assert ws["F2"].value == "keep me"
    assert ws["D2"].fill.fgColor.rgb == "00F8B4B4"
    assert ws["D2"].comment.text == "“ten” is not a number."
    assert [c.value for c in wb["problems"][2]] == [2, "quantity", "ten", "“ten” is not a number."]


def test_row_written_over_the_example_is_imported_even_with_its_note(world):
    import io

    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(imports.build_template(world.F1, 2025, "en")))
    ws = wb["data"]
    assert ws["G2"].value.startswith("EXAMPLE")
    ws["A2"], ws["B2"], ws["D2"] = dt.datetime(2025, 2, 1), dt.datetime(2025, 2, 28), 99000  # note left as it was
    out = io.BytesIO()
    wb.save(out)
    assert services.import_activities(world.users["preparer"], world.F1, out.getvalue(), name="t.xlsx").accepted == 1
    r = ActivityRecord.objects.get()
    assert (r.activity, r.quantity, r.meter, r.period_start) == ("grid_electricity", Decimal("99000"), "MDB-1", dt.date(2025, 2, 1))


def test_problem_messages_write_dates_as_the_reader_does():
    """A problem's dates in its message: Thai month and B.E. year in Thai, never the ISO strings the
    problem carries (the codes and params stay ISO for the API)."""
    p = imports.problem(3, "period_end", "2025-02-01", "end_before_start", start="2025-02-10", end="2025-02-01")
    assert p["params"] == {"start": "2025-02-10", "end": "2025-02-01"}
    assert imports.message(p, "en") == "The period ends (1 Feb 2025) before it starts (10 Feb 2025)."
    th = imports.message(p, "th")
    assert "1 ก.พ. 2568" in th and "10 ก.พ. 2568" in th and "2025-02" not in th
