"""Kinds of reported records: production and employees get Excel, CSV, API and command import by declaring
their kinds (no pipeline code of their own); a kind declared in this test module works the same; the
activity template's unit drop-down depends on the row's activity."""
from __future__ import annotations

import dataclasses
import datetime as dt
import io
import json
from decimal import Decimal

import openpyxl
import pytest

from ecotown.core.models import ChangeRecord
from ecotown.reporting import imports, kinds, services
from ecotown.reporting.models import ActivityRecord, EmployeeRecord, ImportBatch, ImportJob, ProductionRecord, State

from .conftest import csv_bytes, xlsx_bytes

PROD_HEADER = ("period_start", "period_end", "product", "quantity", "note")
EMP_HEADER = ("month", "employees", "note")


def _counts():
    return (ProductionRecord.objects.count(), EmployeeRecord.objects.count(), ActivityRecord.objects.count(),
            ChangeRecord.objects.count())


def _fill(data: bytes, rows: list[list], first_row: int = 2) -> bytes:
    wb = openpyxl.load_workbook(io.BytesIO(data))
    ws = wb["data"]
    for i, r in enumerate(rows):
        for j, v in enumerate(r, start=1):
            ws.cell(row=first_row + i, column=j, value=v)
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _cli(argv, capsys):
    from ecotown.reporting.cli import main

    code = main(argv)
    return code, json.loads(capsys.readouterr().out)


# --- the registry ----------------------------------------------------------------------------------

def test_the_built_in_kinds_are_registered():
    assert [k.code for k in kinds.all()][:3] == ["activities", "production", "employees"]
    assert (kinds.get("production").model, kinds.get("employees").model) == (ProductionRecord, EmployeeRecord)
    assert kinds.of(ProductionRecord()).code == "production" and kinds.of(EmployeeRecord()).code == "employees"
    assert [c.code for c in kinds.get("production").columns] == list(PROD_HEADER)
    assert [c.code for c in kinds.get("employees").columns] == list(EMP_HEADER)
    assert kinds.get("employees").required == ("month", "employees")
    with pytest.raises(KeyError):
        kinds.get("waste")


@pytest.fixture
def headcount():
    """A kind declared here, as another app would in its own module: employees again, other labels and code."""
    base = kinds.get("employees")
    spec = kinds.register(dataclasses.replace(
        base, code="headcount", label_th="กำลังคน", label_en="Headcount", template_mark="",
        columns=[dataclasses.replace(base.columns[0], th="เดือนที่นับ", en="Month counted"),
                 dataclasses.replace(base.columns[1], code="staff", th="คน", en="Staff"), base.columns[2]],
        fields={"employees": "staff"}))
    yield spec
    kinds.unregister("headcount")


def test_a_kind_declared_elsewhere_gets_the_whole_pipeline(world, headcount, tmp_path, capsys):
    assert headcount.template_mark == "ecotown-reporting-headcount"
    wb = openpyxl.load_workbook(io.BytesIO(imports.build_template(world.F1, 2025, "en", headcount)))
    assert [c.value for c in wb["data"][1]] == ["Month counted\nเดือนที่นับ", "Staff\nคน", "Note\nหมายเหตุ"]
    assert [r for r in wb["_ecotown"].iter_rows(values_only=True)][5] == ("kind", "headcount")
    # CSV
    result = services.import_records("headcount", world.users["preparer"], world.F1,
                                     csv_bytes([["2025-01", "120", ""]], header=("month", "staff", "note")), name="h.csv")
    assert (result.accepted, result.kind, result.batch.kind) == (1, "headcount", "headcount")
    assert [(r.month, r.employees, r.batch_id) for r in result.records] == [(dt.date(2025, 1, 1), 120, result.batch.pk)]
    # the command knows it (its choices come from the registry)
    f = tmp_path / "h.csv"
    f.write_bytes(csv_bytes([["2/2568", "121", ""]], header=("month", "staff", "note")))
    assert _cli(["headcount", str(f), "--org", str(world.F1.pk), "--format", "json", "--quiet"], capsys) == \
        (0, {"accepted": 1})
    # and the API
    from django.test import Client

    c = Client()
    c.force_login(world.users["preparer"])
    r = c.post("/api/reporting/headcount", {"organisation": world.F1.pk, "rows": [{"month": "2025-03", "staff": -1}]},
               content_type="application/json")
    assert (r.status_code, r.json()) == (422, {"detail": [
        {"field": "rows.1.staff", "code": "negative_number", "row": 1, "column": "staff", "value": "-1", "message": "จำนวนต้องไม่ติดลบ"}]})
    assert list(EmployeeRecord.objects.order_by("month").values_list("month", "employees")) == [
        (dt.date(2025, 1, 1), 120), (dt.date(2025, 2, 1), 121)]


@pytest.fixture
def checked_headcount():
    """A kind with a cell check of its own and its own error code, declared as another app would."""
    from django.utils.translation import gettext_noop

    from ecotown.core import errors

    class HeadcountError(errors.ErrorCode):
        IMPLAUSIBLE = "implausible_headcount", gettext_noop("%(value)s people is not a plausible headcount.")

    def staff(raw, ctx):
        n = kinds.whole_number(raw, ctx)
        if n > 100_000:
            raise kinds.Invalid(HeadcountError.IMPLAUSIBLE.code)
        return n

    base = kinds.get("employees")
    spec = kinds.register(dataclasses.replace(
        base, code="checked_headcount", label_th="กำลังคน", label_en="Headcount", template_mark="",
        columns=[base.columns[0], dataclasses.replace(base.columns[1], code="staff", th="คน", en="Staff", parse=staff),
                 base.columns[2]],
        fields={"employees": "staff"}))
    yield spec
    kinds.unregister("checked_headcount")
    del errors.REGISTRY["HeadcountError"]


def test_a_kind_brings_its_own_error_codes(world, checked_headcount):
    with pytest.raises(services.Rejected) as exc:
        services.import_records("checked_headcount", world.users["preparer"], world.F1,
                                csv_bytes([["2025-01", "250000", ""]], header=("month", "staff", "note")), name="h.csv",
                                lang="en")
    assert [(p["row"], p["column"], p["code"], imports.message(p, "en")) for p in exc.value.problems] == [
        (2, "staff", "implausible_headcount", "250000 people is not a plausible headcount.")]
    assert EmployeeRecord.objects.count() == 0


# --- production --------------------------------------------------------------------------------------

def test_production_template(world):
    product = world.F1.products.get()
    wb = openpyxl.load_workbook(io.BytesIO(imports.build_template(world.F1, 2025, "th", "production")))
    assert wb.sheetnames == ["data", "lists", "help", "_ecotown"]
    assert (wb["lists"].sheet_state, wb["_ecotown"].sheet_state) == ("hidden", "veryHidden")
    ws = wb["data"]
    assert [c.value for c in ws[1]] == ["วันเริ่มต้นงวด\nPeriod start", "วันสิ้นสุดงวด\nPeriod end", "ผลิตภัณฑ์\nProduct",
                                        "ปริมาณ\nQuantity", "หมายเหตุ\nNote"]
    assert [(str(dv.sqref), dv.formula1) for dv in ws.data_validations.dataValidation] == [("C2:C5000", "=lists!$A$2:$A$2")]
    assert [c.value for c in wb["lists"]["A"]] == ["product", f"{product.pk} | ชิ้นส่วน (piece)"]
    assert (ws["A2"].value, ws["C2"].value, ws["D2"].value) == (dt.datetime(2025, 1, 1), f"{product.pk} | ชิ้นส่วน (piece)", 1000)
    assert ws["A3"].number_format == "[$-1070000]d/m/yyyy;@" and ws["D3"].number_format == "#,##0.###"
    assert list(wb["_ecotown"].iter_rows(values_only=True))[:2] == [("template", "ecotown-reporting-production"),
                                                                     ("version", 1)]
    assert list(wb["_ecotown"].iter_rows(values_only=True))[5] == ("kind", "production")
    help_text = [r[0] for r in wb["help"].iter_rows(values_only=True)]
    assert help_text[0] == "คำแนะนำ: ปริมาณการผลิต / How to fill in: Production"
    assert help_text[-1] == f"{product.pk} | ชิ้นส่วน (piece)"


def test_production_from_the_excel_template(world):
    product = world.F1.products.get()
    data = _fill(imports.build_template(world.F1, 2025, "th", "production"), [
        [dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 31), f"{product.pk} | ชิ้นส่วน (piece)", 1500, None],
        ["1/2/2568", None, "ชิ้นส่วน", "๑,๒๐๐.๕", None],
        ["2025-03-01", "2025-03-31", "parts", "900", "night shift"],
    ])  # (row 2, the example row, is written over)
    result = services.import_records("production", world.users["preparer"], world.F1, data, name="p.xlsx")
    assert (result.accepted, result.flags, result.batch.kind, result.batch.source) == (3, 0, "production", "excel")
    assert [(r.product_id, r.period_start, r.period_end, r.quantity, r.state, r.source, r.version) for r in result.records] == [
        (product.pk, dt.date(2025, 1, 1), dt.date(2025, 1, 31), Decimal("1500"), State.DRAFT, "excel", 1),
        (product.pk, dt.date(2025, 2, 1), dt.date(2025, 2, 28), Decimal("1200.5"), State.DRAFT, "excel", 1),
        (product.pk, dt.date(2025, 3, 1), dt.date(2025, 3, 31), Decimal("900"), State.DRAFT, "excel", 1),
    ]
    assert ChangeRecord.objects.filter(content_type__model="productionrecord").count() == 3


def test_production_template_example_row_left_alone_is_skipped(world):
    data = _fill(imports.build_template(world.F1, 2025, "en", "production"), [["2025-04-01", "", "parts", 10]], first_row=3)
    result = services.import_records("production", world.users["preparer"], world.F1, data, name="p.xlsx")
    assert [(r.period_start, r.quantity) for r in result.records] == [(dt.date(2025, 4, 1), Decimal("10"))]


def test_production_from_csv_api_and_the_command(world, login, tmp_path, capsys):
    product = world.F1.products.get()
    services.import_records("production", world.users["preparer"], world.F1,
                            csv_bytes([["2025-01-01", "", "parts", "10", ""]], header=PROD_HEADER), name="p.csv")
    c = login(world.users["preparer"])
    r = c.post("/api/reporting/production", {"organisation": world.F1.pk, "rows": [
        {"period_start": "2025-02-01", "product": "ชิ้นส่วน", "quantity": 20}]}, content_type="application/json")
    assert r.status_code == 201
    ids = r.json()["ids"]
    assert r.json() == {"accepted": 1, "ids": ids, "flags": 0}
    f = tmp_path / "p.csv"
    f.write_bytes(csv_bytes([["1/3/2568", "31/3/2568", str(product.pk), "30", ""]], header=PROD_HEADER))
    assert _cli(["production", str(f), "--org", str(world.F1.pk), "--format", "json", "--quiet"], capsys) == (0, {"accepted": 1})
    got = list(ProductionRecord.objects.order_by("period_start").values_list("period_start", "quantity", "source"))
    assert got == [(dt.date(2025, 1, 1), Decimal("10"), "csv"), (dt.date(2025, 2, 1), Decimal("20"), "api"),
                   (dt.date(2025, 3, 1), Decimal("30"), "csv")]
    assert list(ImportBatch.objects.order_by("pk").values_list("kind", "status", "rows")) == [
        ("production", "accepted", 1), ("production", "accepted", 1), ("production", "accepted", 1)]


def test_a_bad_production_row_saves_nothing_and_comes_back_marked(world):
    before = _counts()
    data = _fill(imports.build_template(world.F1, 2025, "th", "production"), [
        ["2025-01-01", "", "parts", 10, None],
        ["2025-02-01", "", "bolts", 10, None],
        ["2025-03-01", "", "parts", "ten", None],
    ])
    with pytest.raises(services.Rejected) as exc:
        services.import_records("production", world.users["preparer"], world.F1, data, name="mine.xlsx", lang="th")
    assert _counts()[:3] == before[:3]
    batch = exc.value.batch
    assert (batch.kind, batch.status, batch.rows) == ("production", "rejected", 0)
    assert [(p["row"], p["column"], p["cell"], p["code"]) for p in batch.problems] == [
        (3, "product", "C3", "unknown_product"), (4, "quantity", "D4", "not_number")]
    assert imports.message(batch.problems[0], "en") == "Unknown product “bolts”: use one of the organisation's products (parts)."
    wb = openpyxl.load_workbook(batch.marked_file.file.open("rb"))
    ws = wb["data"]
    assert (ws["C3"].fill.fgColor.rgb, ws["D4"].fill.fgColor.rgb) == ("00F8B4B4", "00F8B4B4")
    assert ws["C3"].comment.text == "ไม่รู้จักผลิตภัณฑ์ “bolts” กรุณาใช้ผลิตภัณฑ์ของหน่วยงาน (ชิ้นส่วน)"
    assert ws["D4"].comment.text == "“ten” ไม่ใช่ตัวเลข"
    assert ws["C2"].fill.fgColor.rgb == "00000000"


def test_production_overlap_replace_and_versions(world, kind_listener):
    product = world.F1.products.get()
    first = services.import_records("production", world.users["preparer"], world.F1,
                                    csv_bytes([["2025-01-01", "", "parts", "10", ""]], header=PROD_HEADER), name="a.csv").records[0]
    services.submit(world.users["approver"], [first])
    services.verify(world.users["estate"], [first])
    assert kind_listener == [{"kind": "production", "orgs": [world.F1.pk], "years": [2025], "reason": "verified",
                              "restated": False}]
    again = csv_bytes([["2025-01-15", "2025-01-31", "parts", "12", ""]], header=PROD_HEADER)
    with pytest.raises(services.Rejected) as exc:
        services.import_records("production", world.users["preparer"], world.F1, again, name="b.csv")
    assert [imports.message(p, "en") for p in exc.value.problems] == [
        "The period overlaps a record already reported (1 Jan 2025 to 31 Jan 2025, verified). "
        "Choose “replace” to put this row in its place (the old version is kept)."]
    kind_listener.clear()
    new = services.import_records("production", world.users["preparer"], world.F1, again, name="b.csv", replace=True).records[0]
    first.refresh_from_db()
    assert (new.version, new.series, new.supersedes_id, new.product_id, new.quantity) == (2, first.series, first.pk, product.pk, Decimal("12"))
    assert (first.is_current, ProductionRecord.objects.filter(is_current=True).count()) == (False, 1)
    assert kind_listener == [{"kind": "production", "orgs": [world.F1.pk], "years": [2025],
                              "reason": "replaced by an import", "restated": False}]
    # two rows of the same product overlapping in one file
    with pytest.raises(services.Rejected) as exc:
        services.import_records("production", world.users["preparer"], world.F1, csv_bytes(
            [["2025-05-01", "2025-05-31", "parts", "1", ""], ["2025-05-10", "2025-06-10", "parts", "1", ""]],
            header=PROD_HEADER), name="c.csv")
    assert [(p["row"], imports.message(p, "en")) for p in exc.value.problems] == [
        (3, "The period overlaps row 2 (same organisation and series).")]


# --- employees -------------------------------------------------------------------------------------

def test_employees_template(world):
    wb = openpyxl.load_workbook(io.BytesIO(imports.build_template(world.F1, 2025, "en", "employees")))
    ws = wb["data"]
    assert [c.value for c in ws[1]] == ["Month\nเดือน", "Employees\nจำนวนพนักงาน", "Note\nหมายเหตุ"]
    assert list(ws.data_validations.dataValidation) == []
    assert (ws["A2"].value, ws["B2"].value, ws["A2"].number_format, ws["B3"].number_format) == (
        dt.datetime(2025, 1, 1), 250, "yyyy-mm-dd", "#,##0")
    assert ws["A1"].comment.text == "เดือน: 2026-03, 3/2569 (พ.ศ.) หรือวันใดก็ได้ในเดือนนั้น\nMonth: 2026-03, 3/2569 (B.E.) or any date in the month"
    assert list(wb["_ecotown"].iter_rows(values_only=True))[5] == ("kind", "employees")


def test_employees_from_excel_csv_api_and_the_command(world, login, tmp_path, capsys):
    data = _fill(imports.build_template(world.F1, 2025, "th", "employees"), [
        ["2025-01", 120, None], ["2/2568", "1,250", None], [dt.datetime(2025, 3, 15), 130.0, None], ["๔/๒๕๖๘", "๑๔๐", None]])
    result = services.import_records("employees", world.users["preparer"], world.F1, data, name="e.xlsx")
    assert (result.accepted, result.batch.kind) == (4, "employees")
    services.import_records("employees", world.users["preparer"], world.F1,
                            csv_bytes([["2025-05-01", "150", ""]], header=EMP_HEADER), name="e.csv")
    c = login(world.users["preparer"])
    r = c.post("/api/reporting/employees", {"organisation": world.F1.pk, "rows": [{"month": "2025-06", "employees": 160}]},
               content_type="application/json")
    assert r.status_code == 201 and r.json()["accepted"] == 1
    f = tmp_path / "e.csv"
    f.write_bytes(csv_bytes([["7/2568", "170", ""]], header=EMP_HEADER))
    assert _cli(["employees", str(f), "--org", str(world.F1.pk), "--format", "json", "--quiet"], capsys) == (0, {"accepted": 1})
    assert list(EmployeeRecord.objects.order_by("month").values_list("month", "employees", "source", "state")) == [
        (dt.date(2025, m, 1), n, src, "draft") for m, n, src in
        [(1, 120, "excel"), (2, 1250, "excel"), (3, 130, "excel"), (4, 140, "excel"), (5, 150, "csv"), (6, 160, "api"), (7, 170, "csv")]]


def test_a_bad_employees_row_saves_nothing_and_comes_back_marked(world, tmp_path, capsys):
    rows = [["2025-01", "120", ""], ["2025-02", "12.5", ""], ["2025-03", "-4", ""], ["13/2568", "10", ""], ["", "5", ""],
            ["2025-01", "121", ""]]
    before = _counts()
    with pytest.raises(services.Rejected) as exc:
        services.import_records("employees", world.users["preparer"], world.F1, csv_bytes(rows, header=EMP_HEADER),
                                name="e.csv", lang="en")
    assert _counts()[:3] == before[:3]
    batch = exc.value.batch
    assert [(p["row"], p["column"], p["value"], imports.message(p, "en")) for p in batch.problems] == [
        (3, "employees", "12.5", "“12.5” is not a whole number."),
        (4, "employees", "-4", "The number cannot be negative."),
        (5, "month", "13/2568", "“13/2568” is not a date: write 2026-03-31, 31/3/2026 or 31/3/2569."),
        (6, "month", "", "“Month” is empty."),
        (7, "month", "2025-01-01", "The period overlaps row 2 (same organisation and series)."),
    ]
    assert imports.message(batch.problems[3], "th") == "ไม่ได้กรอก “เดือน”"
    wb = openpyxl.load_workbook(batch.marked_file.file.open("rb"))
    assert (wb["data"]["B3"].fill.fgColor.rgb, wb["data"]["B3"].comment.text) == ("00F8B4B4", "“12.5” is not a whole number.")
    # the command: the same problems, nothing saved
    f = tmp_path / "e.csv"
    f.write_bytes(csv_bytes(rows[:2], header=EMP_HEADER))
    assert _cli(["employees", str(f), "--org", str(world.F1.pk), "--format", "json", "--quiet"], capsys) == (2, {"problems": [
        {"row": 3, "column": "employees", "value": "12.5", "message": "“12.5” is not a whole number."}]})
    assert EmployeeRecord.objects.count() == 0


def test_employees_month_again_needs_replace_then_is_a_new_version(world):
    services.import_records("employees", None, world.F1, csv_bytes([["2025-01", "120", ""]], header=EMP_HEADER), name="a.csv")
    with pytest.raises(services.Rejected) as exc:
        services.import_records("employees", None, world.F1, csv_bytes([["1/2025", "125", ""]], header=EMP_HEADER), name="b.csv")
    assert [p["code"] for p in exc.value.problems] == ["overlap_existing"]
    new = services.import_records("employees", None, world.F1, csv_bytes([["1/2025", "125", ""]], header=EMP_HEADER),
                                  name="b.csv", replace=True).records[0]
    assert (new.version, new.employees) == (2, 125)
    assert list(EmployeeRecord.objects.order_by("pk").values_list("employees", "is_current", "version")) == [
        (120, False, 1), (125, True, 2)]


def test_a_template_uploaded_as_another_kind_is_refused_clearly(world):
    data = _fill(imports.build_template(world.F1, 2025, "en", "employees"), [["2025-01", 120, None]])
    with pytest.raises(services.Rejected) as exc:
        services.import_records("production", world.users["preparer"], world.F1, data, name="e.xlsx")
    assert [imports.message(p, "en") for p in exc.value.problems] == [
        "This workbook is the template for “Employees”, not for “Production”: upload it there, or download the "
        "template for “Production”."]
    assert [imports.message(p, "th") for p in exc.value.problems] == [
        "ไฟล์นี้เป็นแม่แบบของ “จำนวนพนักงาน” ไม่ใช่ของ “ปริมาณการผลิต” กรุณาอัปโหลดเป็นข้อมูลประเภทนั้น "
        "หรือดาวน์โหลดแม่แบบของ “ปริมาณการผลิต”"]
    assert (_counts()[:3], ImportBatch.objects.get().kind) == ((0, 0, 0), "production")


# --- the activity template: units that fit the row's activity ----------------------------------------

def test_activity_template_lists_only_the_units_of_the_chosen_activity(world):
    cat = imports.Catalogue.get()
    wb = openpyxl.load_workbook(io.BytesIO(imports.build_template(world.F1, 2025, "en")))
    ws, ls = wb["data"], wb["lists"]
    dvs = {str(dv.sqref): dv for dv in ws.data_validations.dataValidation}
    assert set(dvs) == {"C2:C5000", "E2:E5000", "H2:H5000"}  # (H: the data source, a strict list)
    assert (dvs["H2:H5000"].errorStyle, dvs["H2:H5000"].showErrorMessage) == (None, True)  # (None: Excel's "stop")
    n = len(cat.activities)
    assert dvs["C2:C5000"].formula1 == f"=lists!$A$2:$A${n + 1}"
    # the drop-down shows names (the reader's language first), their codes beside them in column B
    assert ls["A5"].value == "Diesel (stationary combustion) | น้ำมันดีเซล (เผาไหม้อยู่กับที่)"
    assert ls["B5"].value == "diesel" and ls["B1"].value == "activity_code"
    entries = {ls[f"A{r}"].value: ls[f"B{r}"].value for r in range(2, n + 2)}
    assert list(entries.values()) == list(cat.activities)
    assert all(cat.resolve(e) == c for e, c in entries.items())   # the import reads every entry back
    # the unit list of the row: the code looked up beside the entry chosen (or a typed code's first word)
    assert dvs["E2:E5000"].formula1 == (
        f'=INDIRECT(IF($C2="","unit_all","unit_"&LOWER(IFERROR(VLOOKUP($C2,lists!$A$2:$B${n + 1},2,FALSE),'
        'LEFT($C2,FIND(" ",$C2&" ")-1)))))')
    assert (dvs["E2:E5000"].errorStyle, dvs["E2:E5000"].showErrorMessage) == ("warning", True)
    names = wb.defined_names
    assert len(names) == n + 1
    assert names["unit_all"].attr_text == f"lists!$C$2:$C${len(cat.all_units()) + 1}"
    # one list per activity, in the column after the previous one: exactly its units
    for i, code in enumerate(cat.activities):
        col = openpyxl.utils.get_column_letter(4 + i)
        units = cat.units_for(code)
        assert names[f"unit_{code}"].attr_text == f"lists!${col}$2:${col}${len(units) + 1}"
        assert [c.value for c in ls[col]][:len(units) + 1] == [code] + units
    assert names["unit_grid_electricity"].attr_text == "lists!$D$2:$D$5"
    assert [ls[f"D{r}"].value for r in range(2, 6)] == ["kWh", "MWh", "GJ", "MJ"]
    assert [ls[f"G{r}"].value for r in range(2, 4)] == ["L", "m3"]  # diesel
    # the example row shows the entry, and is still recognised as the example (skipped on import)
    assert ws["C2"].value == "Grid electricity | ไฟฟ้าจากระบบสายส่ง"
    assert names["unit_sf6"].attr_text.startswith("lists!$")


# --- pages -------------------------------------------------------------------------------------------

def test_pages_offer_each_kind_and_show_the_kind_of_an_import(world, login, django_capture_on_commit_callbacks):
    c = login(world.users["preparer"])
    page = c.get(f"/reporting/org/{world.F1.pk}/?year=2025").content.decode()
    for code, label in (("activities", "ข้อมูลกิจกรรม"), ("production", "ปริมาณการผลิต"), ("employees", "จำนวนพนักงาน")):
        assert f'?year=2025&amp;kind={code}">ดาวน์โหลดแม่แบบ Excel: {label}</a>' in page
        assert f'<option value="{code}"' in page
    r = c.get(f"/reporting/org/{world.F1.pk}/template.xlsx?year=2025&kind=employees")
    assert r["Content-Disposition"] == f'attachment; filename="ecotown-employees-{world.F1.pk}-2025.xlsx"'
    assert c.get(f"/reporting/org/{world.F1.pk}/template.xlsx?kind=waste").status_code == 404
    upload = io.BytesIO(_fill(r.content, [["2025-01", 99, None]]))
    upload.name = "staff.xlsx"
    with django_capture_on_commit_callbacks(execute=True):
        r = c.post(f"/reporting/org/{world.F1.pk}/upload/", {"file": upload, "kind": "employees"})
    job = ImportJob.objects.get()
    assert (r.status_code, job.kind, job.batch.kind, job.batch.status) == (302, "employees", "employees", "accepted")
    assert list(EmployeeRecord.objects.values_list("month", "employees")) == [(dt.date(2025, 1, 1), 99)]
    assert '<span class="small text-muted" data-testid="job-kind">· จำนวนพนักงาน</span>' in c.get(r["Location"]).content.decode()
    batch_page = c.get(f"/reporting/imports/{job.batch.pk}/").content.decode()
    assert '<span data-testid="batch-kind">จำนวนพนักงาน</span>' in batch_page
    org_page = c.get(f"/reporting/org/{world.F1.pk}/?year=2025").content.decode()
    assert '<span data-testid="batch-kind">จำนวนพนักงาน</span>' in org_page
    assert c.post("/api/reporting/waste", {"organisation": world.F1.pk, "rows": []},
                  content_type="application/json").status_code == 404


def test_activity_import_batch_kind(world):
    batch = services.import_activities(world.users["preparer"], world.F1, xlsx_bytes(
        [["2025-01-01", "2025-01-31", "water", "10", "m3", ""]]), name="a.xlsx").batch
    assert (batch.kind, ImportBatch.objects.get().kind) == ("activities", "activities")


def test_completeness_and_versions_after_lock_per_kind(world, kind_listener):
    from ecotown.reporting import selectors

    rec = services.import_records("employees", world.users["preparer"], world.F1,
                                  csv_bytes([["2025-01", "120", ""]], header=EMP_HEADER), name="a.csv").records[0]
    jan = (dt.date(2025, 1, 1), dt.date(2025, 1, 31))
    assert selectors.reported_org_ids(*jan, kind="employees") == set()
    services.submit(world.users["approver"], [rec])
    assert (selectors.reported_org_ids(*jan, kind="employees"), selectors.reported_org_ids(*jan)) == ({world.F1.pk}, set())
    c = selectors.completeness(world.users["estate"], 2025, 1, world.E1, kind="employees")
    assert (c.reported, c.expected - c.reported) == (1, c.expected - 1)
    assert selectors.completeness(world.users["estate"], 2025, 1, world.E1).reported == 0
    services.verify(world.users["estate"], [rec])
    assert services.lock_year(world.users["admin"], 2025) == 1
    kind_listener.clear()
    again = csv_bytes([["2025-01", "125", ""]], header=EMP_HEADER)
    with pytest.raises(services.Rejected) as exc:
        services.import_records("employees", world.users["preparer"], world.F1, again, name="b.csv", replace=True)
    assert [(p["row"], p["column"], imports.message(p, "en")) for p in exc.value.problems] == [
        (2, "month", "The record this row replaces is locked: give a reason for the change.")]
    assert (EmployeeRecord.objects.count(), kind_listener) == (1, [])
    new = services.import_records("employees", world.users["preparer"], world.F1, again, name="b.csv", replace=True,
                                  reason="headcount corrected").records[0]
    assert (new.version, new.reason, new.state) == (2, "headcount corrected", "draft")
    assert kind_listener == [{"kind": "employees", "orgs": [world.F1.pk], "years": [2025], "reason": "headcount corrected",
                              "restated": False}]  # issue 9: was restated=True; a draft correction restates nothing (the locked version counts until it is verified)


# --- one row on a form goes through the same checks -------------------------------------------------

def test_the_forms_use_the_kinds_checks_and_codes(world):
    """save_production / save_employees are the pipeline's row checks (`save_one`): the same codes and
    messages as an import, nothing saved when refused; the same period again is a change, not an overlap."""
    from django.core.exceptions import ValidationError
    from django.utils import translation

    from ecotown.core.errors import problems

    prep = world.users["preparer"]
    product = world.F1.products.get()
    apr = (dt.date(2025, 4, 1), dt.date(2025, 4, 30))
    before = _counts()
    refusals = []
    for call in (lambda: services.save_production(prep, world.F1, product, *apr, "-1"),
                 lambda: services.save_production(prep, world.F1, world.F2.products.get(), *apr, "1"),
                 lambda: services.save_production(prep, world.F1, product, dt.date(2025, 4, 30), dt.date(2025, 4, 1), "1"),
                 lambda: services.save_employees(prep, world.F1, dt.date(2025, 4, 1), -5)):
        with pytest.raises(ValidationError) as exc:
            call()
        with translation.override("en"):
            refusals.append(problems(exc.value))
    assert refusals == [
        [{"field": "quantity", "code": "negative", "message": "The quantity cannot be negative."}],
        [{"field": "product", "code": "unknown_product",
          "message": f"Unknown product “{world.F2.products.get().pk}”: use one of the organisation's products "
                     "(parts)."}],
        [{"field": "period_end", "code": "end_before_start",
          "message": "The period ends (1 Apr 2025) before it starts (30 Apr 2025)."}],
        [{"field": "employees", "code": "negative_number", "message": "The number cannot be negative."}],
    ]
    assert _counts() == before
    # the same period again: the draft changes in place; an overlapping other period is refused
    first = services.save_production(prep, world.F1, product, *apr, "1,000")
    again = services.save_production(prep, world.F1, product, *apr, "1,100")
    assert (again.pk, again.version, again.quantity, ProductionRecord.objects.count()) == (first.pk, 1, Decimal("1100"), 1)
    with pytest.raises(ValidationError) as exc:
        services.save_production(prep, world.F1, product, dt.date(2025, 4, 15), dt.date(2025, 5, 14), "5")
    with translation.override("th"):
        assert [(p["field"], p["code"]) for p in problems(exc.value)] == [("period_start", "overlap_existing")]
    assert ProductionRecord.objects.count() == 1


def test_pages_name_the_columns_of_problems_in_the_readers_language(world, client):
    """The problems table shows the kind's column label (not its code) with the cell, in Thai and English."""
    with pytest.raises(services.Rejected) as exc:
        services.import_records("employees", world.users["preparer"], world.F1,
                                csv_bytes([["2025-01", "-3", ""]], header=EMP_HEADER), name="e.csv")
    client.force_login(world.users["preparer"])
    url = f"/reporting/imports/{exc.value.batch.pk}/"
    import re

    def cells(html):
        row = re.search(r'data-testid="problems">.*?<tbody><tr>(.*?)</tr>', html, re.S).group(1)
        return [re.sub(r"<[^>]+>", "", c).strip() for c in re.findall(r"<td>(.*?)</td>", row, re.S)]

    assert cells(client.get(url, HTTP_ACCEPT_LANGUAGE="th").content.decode()) == [
        "2", "จำนวนพนักงาน (B2)", "-3", "จำนวนต้องไม่ติดลบ"]
    client.cookies["ecotown_language"] = "en"
    assert cells(client.get(url, HTTP_ACCEPT_LANGUAGE="en").content.decode()) == [
        "2", "Employees (B2)", "-3", "The number cannot be negative."]
