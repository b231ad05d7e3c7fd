"""The fast import paths give what the plain ones give: calamine reads what openpyxl reads (date cells, Thai
text, B.E. text dates), and the history fast path writes the records and change history the ORM path writes."""
from __future__ import annotations

import datetime as dt
import io
import json
from decimal import Decimal

import pytest

from ecotown.core import history
from ecotown.core.models import ChangeRecord
from ecotown.reporting import imports, services
from ecotown.reporting.models import ActivityRecord, QualityFlag, State

from .conftest import csv_bytes, xlsx_bytes


def _filled_template(world, lang="th") -> bytes:
    """The real template (its Thai B.E. date format on the date columns), filled as a user would."""
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(imports.build_template(world.F1, 2025, lang)))
    ws = wb[imports.DATA_SHEET]
    assert ws.cell(row=3, column=1).number_format == "[$-1070000]d/m/yyyy;@" if lang == "th" else True
    rows = [
        # row 3: Excel date cells in the template's own (Thai B.E.) format, a float quantity
        [dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 31), "diesel", 1200.5, "L", "เครื่องกำเนิดไฟฟ้า ๑", "ไทย"],
        # row 4: B.E. text dates, the Thai activity name, Thai digits with separators
        ["1/2/2568", "28/2/2568", "ไฟฟ้าจากระบบสายส่ง", "๑๒๕,๐๐๐", "kWh", "MDB-1", None],
        # row 5: a date cell typed with a B.E. year, no end (a whole month), an int quantity
        [dt.datetime(2568, 3, 1), None, "grid_electricity | ไฟฟ้าจากระบบสายส่ง | Grid electricity", 130000, "kWh",
         "MDB-1", ""],
        # row 6: ISO text dates and a quantity as text
        ["2025-04-01", "2025-04-30", "water", "1,234.25", "m3", "  ประปา  ", None],
        # row 8 (after an empty row): a bad unit and a bad date — problems must read the same
        ["31/2/2568", "2025-05-31", "lpg", 3, "bananas", None, None],
    ]
    for i, r in enumerate(rows):
        n = 3 + i + (1 if i == 4 else 0)
        for j, v in enumerate(r, start=1):
            ws.cell(row=n, column=j, value=v)
    ws.cell(row=20, column=4).number_format = "#,##0.00"  # a formatted but empty cell further down
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _trimmed(table) -> list[tuple]:
    out = []
    for n, values in table.rows:
        values = list(values)
        while values and values[-1] is None:
            values.pop()
        if values:
            out.append((n, tuple(values)))
    return out


@pytest.mark.parametrize("lang", ["th", "en"])
def test_calamine_and_openpyxl_read_the_same_rows(world, lang):
    data = _filled_template(world, lang)
    fast, plain = imports._read_xlsx(data), imports._read_xlsx_openpyxl(data)
    assert (fast.columns, fast.kind, fast.meta["version"], fast.meta["template"]) == \
        (plain.columns, plain.kind, plain.meta["version"], plain.meta["template"])
    got, expected = _trimmed(fast), _trimmed(plain)
    assert got == expected
    by_row = dict(got)
    assert by_row[3][:6] == (dt.datetime(2025, 1, 1), dt.datetime(2025, 1, 31), "diesel", 1200.5, "L",
                             "เครื่องกำเนิดไฟฟ้า ๑")
    assert by_row[4][:4] == ("1/2/2568", "28/2/2568", "ไฟฟ้าจากระบบสายส่ง", "๑๒๕,๐๐๐")
    assert by_row[5][:4] == (dt.datetime(2568, 3, 1), None, "grid_electricity | ไฟฟ้าจากระบบสายส่ง | Grid electricity",
                             130000)
    assert type(by_row[5][3]) is int and 7 not in by_row and by_row[2][-1].startswith(imports.EXAMPLE_MARK)
    # and the pipeline makes the same rows and problems of both
    fast_rows, fast_problems = services.check_rows(None, world.F1, imports._read_xlsx(data))
    plain_rows, plain_problems = services.check_rows(None, world.F1, imports._read_xlsx_openpyxl(data))
    assert fast_rows == plain_rows and fast_problems == plain_problems
    assert [(r.n, r.activity, r.quantity, r.unit, r.start, r.end, r.meter) for r in fast_rows] == [
        (3, "diesel", Decimal("1200.500000"), "L", dt.date(2025, 1, 1), dt.date(2025, 1, 31), "เครื่องกำเนิดไฟฟ้า ๑"),
        (4, "grid_electricity", Decimal("125000.000000"), "kWh", dt.date(2025, 2, 1), dt.date(2025, 2, 28), "MDB-1"),
        (5, "grid_electricity", Decimal("130000.000000"), "kWh", dt.date(2025, 3, 1), dt.date(2025, 3, 31), "MDB-1"),
        (6, "water", Decimal("1234.250000"), "m3", dt.date(2025, 4, 1), dt.date(2025, 4, 30), "ประปา"),
    ]
    assert [(p["row"], p["column"], p["code"]) for p in fast_problems] == [
        (8, "period_start", "bad_date"), (8, "unit", "unknown_unit")]


def test_calamine_cells_as_openpyxl_gives_them(world):
    import openpyxl

    wb = openpyxl.Workbook()
    ws = wb.active
    ws.append(["period_start", "period_end", "activity", "quantity", "unit", "meter", "note"])
    ws.append([dt.datetime(2025, 3, 1, 13, 30), dt.date(2025, 3, 31), "ไทย", 10 ** 15, 1e20, 0.1 + 0.2, True])
    ws.append([45000, None, "  x ", -3, 2.5, dt.time(10, 0), "=1/0"])
    ws.cell(row=3, column=1).number_format = "[$-1070000]d/m/yyyy;@"
    ws.cell(row=3, column=2, value=45000.5).number_format = "yyyy-mm-dd hh:mm"
    out = io.BytesIO()
    wb.save(out)
    data = out.getvalue()
    assert _trimmed(imports._read_xlsx(data)) == _trimmed(imports._read_xlsx_openpyxl(data)) == [
        # (openpyxl writes 0.1 + 0.2 as "0.3")
        (2, (dt.datetime(2025, 3, 1, 13, 30), dt.datetime(2025, 3, 31), "ไทย", 10 ** 15, 1e20, 0.3,
             True)),
        (3, (dt.datetime(2023, 3, 15), dt.datetime(2023, 3, 15, 12, 0), "  x ", -3, 2.5, dt.time(10, 0))),
    ]


def test_openpyxl_reads_when_calamine_cannot(world, monkeypatch):
    import python_calamine

    def broken(*a, **kw):
        raise python_calamine.CalamineError("cannot")

    data = xlsx_bytes([[dt.datetime(2025, 4, 1), dt.datetime(2025, 4, 30), "water", 12, "m3", "main"]])
    monkeypatch.setattr(python_calamine.CalamineWorkbook, "from_filelike", broken)
    result = services.import_activities(world.users["preparer"], world.F1, data, name="a.xlsx")
    assert result.accepted == 1
    r = ActivityRecord.objects.get()
    assert (r.period_start, r.period_end, r.quantity, r.source) == (dt.date(2025, 4, 1), dt.date(2025, 4, 30),
                                                                     Decimal("12"), "excel")
    # neither can read it: one clear problem, nothing saved
    with pytest.raises(imports.BadFile) as exc:
        imports.read_table(b"PK\x03\x04 not a workbook")
    assert [p["code"] for p in exc.value.problems] == ["unreadable"]


def test_old_template_refused_by_the_fast_reader(world):
    import openpyxl

    wb = openpyxl.load_workbook(io.BytesIO(imports.build_template(world.F1, 2025, "en")))
    wb[imports.META_SHEET]["B2"] = 2
    out = io.BytesIO()
    wb.save(out)
    with pytest.raises(imports.BadFile) as exc:
        imports._read_xlsx(out.getvalue())
    assert [(p["code"], p["params"]) for p in exc.value.problems] == [("old_template", {"found": 2, "current": 3})]


# --- the history fast path for activity records ----------------------------------------------------

ROWS = [
    [f"2024-{m:02d}-01", "", "grid_electricity", str(1000 + m), "kWh", "M1"] for m in range(1, 13)
] + [
    ["2025-01-01", "", "grid_electricity", "2500", "kWh", "M1"],   # +148 % on January last year: flagged
    ["2025-03-01", "", "grid_electricity", "1003", "kWh", "M1"],   # February missing: flagged
    ["2025-01-15", "2025-02-14", "water", "12.5", "m3", "ประปา"],
]


def _stored(org):
    """Records and their change history of one organisation, without what differs between two imports."""
    recs = list(ActivityRecord.objects.filter(organisation=org).order_by("pk").values())
    out = []
    for r in recs:
        ch = ChangeRecord.objects.get(content_type=ChangeRecord.content_type_for(ActivityRecord()), object_id=str(r["id"]))
        after = {k: v for k, v in ch.after.items() if k not in ("id", "series", "organisation", "batch")}
        out.append(({k: v for k, v in r.items() if k not in ("id", "series", "organisation_id", "batch_id", "created_at")},
                    (ch.object_repr, ch.action, ch.actor_id, ch.before, ch.changed_fields, ch.note.split()[0], after)))
    flags = sorted((f.kind, f.message_th, f.message_en, f.record.period_start)
                   for f in QualityFlag.objects.filter(organisation=org).select_related("record"))
    return out, flags


def test_import_writes_the_same_through_the_fast_and_the_orm_path(world, monkeypatch):
    from django.db import connection

    user = world.users["preparer"]
    fast = services.import_activities(user, world.F1, csv_bytes(ROWS), name="a.csv")
    monkeypatch.setattr(history, "_fast_ok", lambda *a: False)
    slow = services.import_activities(world.users["preparer2"], world.F2, csv_bytes(ROWS), name="a.csv")
    assert fast.accepted == slow.accepted == 15 and fast.flags == slow.flags == 2
    f_stored, f_flags = _stored(world.F1)
    s_stored, s_flags = _stored(world.F2)
    # the same except who imported it
    s_stored = [(rec | {"created_by_id": user.pk}, ch[:2] + (user.pk,) + ch[3:6] + (ch[6] | {"created_by": user.pk},))
                for rec, ch in s_stored]
    assert f_stored == s_stored
    assert f_flags == s_flags and [f[0] for f in f_flags] == ["missing_month", "yoy"]
    first_rec, (repr_, action, actor_id, before, changed, note, after) = f_stored[0]
    assert (first_rec["quantity"], first_rec["period_end"], first_rec["state"], first_rec["version"]) == (
        Decimal("1001.000000"), dt.date(2024, 1, 31), State.DRAFT, 1)
    assert (repr_, action, actor_id, before, changed, note) == (
        "grid_electricity 1001.000000 kWh 2024-01-01..2024-01-31 v1", "create", user.pk, None, None, "import")
    assert after == {"state": "draft", "version": 1, "is_current": True, "supersedes": None, "reason": "",
                     "source": "csv", "created_by": user.pk, "submitted_at": None, "submitted_by": None,
                     "verified_at": None, "verified_by": None, "activity": "grid_electricity",
                     "quantity": "1001.000000", "unit": "kWh", "period_start": "2024-01-01",
                     "period_end": "2024-01-31", "meter": "M1", "is_counted": False, "data_source": ""}
    # the snapshot JSON as stored is what the ORM path stores
    if connection.vendor == "sqlite":
        with connection.cursor() as c:
            c.execute("SELECT after FROM core_changerecord WHERE object_id = %s AND content_type_id = %s",
                      [str(fast.ids[0]), ChangeRecord.content_type_for(ActivityRecord()).pk])
            text = c.fetchone()[0]
        assert text == json.dumps(ActivityRecord.objects.get(pk=fast.ids[0]).snapshot())
    assert [r.pk for r in fast.records] == fast.ids == sorted(fast.ids)


def test_fast_path_keeps_versions_and_results_hand_over(world, listener):
    """--replace through the fast path: new versions of verified records, the old ones kept, results told."""
    user = world.users["preparer"]
    first = services.import_activities(user, world.F1, csv_bytes(ROWS[:3]), name="a.csv").records
    services.submit(world.users["approver"], first)
    services.verify(world.users["estate"], first)
    listener.clear()
    again = [["2024-01-01", "", "grid_electricity", "1500", "kWh", "M1"],
             ["2024-02-01", "", "grid_electricity", "1600", "kWh", "M1"]]
    new = services.import_activities(user, world.F1, csv_bytes(again), name="b.csv", replace=True,
                                     reason="meter re-read").records
    assert [(r.version, r.supersedes_id, r.series, r.is_current, r.reason) for r in new] == [
        (2, first[0].pk, first[0].series, True, "meter re-read"), (2, first[1].pk, first[1].series, True, "meter re-read")]
    assert list(ActivityRecord.objects.filter(pk__in=[r.pk for r in first]).order_by("pk").values_list(
        "is_current", "state")) == [(False, "verified"), (False, "verified"), (True, "verified")]
    assert listener == [{"orgs": [world.F1.pk], "years": [2024], "reason": "meter re-read", "restated": False}]
    assert ChangeRecord.for_object(new[0]).get().after["supersedes"] == first[0].pk


def test_sqlite_page_cache_only_while_importing(world):
    from django.db import connection

    if connection.vendor != "sqlite":
        pytest.skip("SQLite only")

    def size():
        with connection.cursor() as c:
            c.execute("PRAGMA cache_size")
            return c.fetchone()[0]

    before = size()
    assert before > -services.SQLITE_IMPORT_CACHE_KIB
    with services._sqlite_page_cache():
        assert size() == -services.SQLITE_IMPORT_CACHE_KIB
    assert size() == before
