"""Reading rows of any kind of reported record from Excel, CSV, the form and the API.

Everything here is about *input*: accepted forms of dates and numbers, the template workbook of a kind
(`kinds.ImportSpec`), and marking a rejected workbook. Checking and saving is `services.import_records`.

Problems are dicts {"row", "column", "cell", "value", "code", "params"}; `message(problem, lang)`
renders one in Thai or English. Rows are numbered as the spreadsheet shows them (header = row 1).
"""
from __future__ import annotations

import calendar
import csv
import datetime as dt
import functools
import io
import re
from decimal import Decimal, InvalidOperation

from django.utils import translation

from .errors import ReportingError

from ecotown.core import dates

EXAMPLE_MARK = "EXAMPLE"
META_SHEET = "_ecotown"
LIST_SHEET = "lists"
DATA_SHEET = "data"
UNSET = object()  # (a problem's value: the raw cell, unless the check gives another)

# every kind's rows may name the organisation they are for (the columns of a kind: `kinds.ImportSpec`)
OPTIONAL_COLUMNS = {"organisation": ("องค์กร (รหัสหรือเลขทะเบียนโรงงาน)", "Organisation (ID, code or DIW number)")}
# units offered per dimension (the first is the activity's usual unit family)
UNITS_BY_DIMENSION = {
    "energy": ["kWh", "MWh", "GJ", "MJ"],
    "volume": ["L", "m3"],
    "mass": ["kg", "t"],
}
THAI_DIGITS = str.maketrans("๐๑๒๓๔๕๖๗๘๙", "0123456789")
MAX_QUANTITY = Decimal("99999999999999")  # 14 integer digits (max_digits 20, 6 decimals)


# --- messages -------------------------------------------------------------------------------

def _text(code: str, p: dict) -> str:
    """One problem in the active language: its code's message (`errors.ReportingError`, else the enum of
    the app that declared the code)."""
    from ecotown.core.errors import find

    member = find(code, ReportingError)  # a kind declared by another app brings its own enum
    return member.render(**p) if member is not None else code


def _reader_date(value, lang: str):
    """"2026-03-01" → "1 มี.ค. 2569" / "1 Mar 2026"; "2026-03-01 14:05" (Bangkok time) with its time."""
    import re as _re

    from ecotown.core import dates as _dates

    if not isinstance(value, str):
        return value
    if _re.fullmatch(r"\d{4}-\d{2}-\d{2}", value):
        return _dates.format_date(dt.date.fromisoformat(value), lang)
    if _re.fullmatch(r"\d{4}-\d{2}-\d{2}[ T]\d{2}:\d{2}", value):
        return _dates.format_date(dt.datetime.fromisoformat(value), lang, with_time=True)  # already local time
    return value


def message(problem: dict, lang: str) -> str:
    params = {**problem.get("params", {}), "value": problem.get("value") or ""}
    if params.get("activity"):
        params["activity"] = Catalogue.get().name(params["activity"], lang)
    if "column_th" in params:
        params["column"] = params["column_en"] if lang == "en" else params["column_th"]
    if "products_th" in params:
        params["products"] = params["products_en"] if lang == "en" else params["products_th"]
    if problem["code"] == "wrong_kind":
        from . import kinds

        for k in ("found", "kind"):
            try:
                params[k] = kinds.get(params[k]).label(lang)
            except KeyError:
                pass
    for key in ("start", "end", "deadline", "when"):  # ISO dates and times of the params, as the reader writes them
        params[key] = _reader_date(params.get(key), lang)
    with translation.override(lang):
        if params.get("state"):
            from .models import State

            params["state"] = str(dict(State.choices).get(params["state"], params["state"]))
        return _text(problem["code"], params)


def problem(row, column, value, code, *, columns: dict[str, int] | None = None, **params) -> dict:
    """One problem; `columns` (code -> 0-based index in the file) gives the cell address."""
    idx = (columns or {}).get(column) if column else None
    cell = f"{_col_letter(idx)}{row}" if (idx is not None and row) else None
    return {"row": row, "column": column, "cell": cell, "value": _show(value), "code": code, "params": params}


def public_problems(problems: list[dict], lang: str) -> list[dict]:
    """{row, column, value, message} as the command and the API return them."""
    return [{"row": p["row"], "column": p["column"], "value": p["value"], "message": message(p, lang)} for p in problems]


def _col_letter(idx: int | None) -> str:
    if idx is None:
        return ""
    from openpyxl.utils import get_column_letter

    return get_column_letter(idx + 1)


def _show(value) -> str:
    if value is None:
        return ""
    if isinstance(value, dt.datetime):
        return value.date().isoformat() if value.time() == dt.time() else value.isoformat()
    if isinstance(value, dt.date):
        return value.isoformat()
    return str(value)


# --- accepted forms -------------------------------------------------------------------------

_ISO = re.compile(r"^(\d{4})-(\d{1,2})-(\d{1,2})(?:[ T].*)?$")
_DMY = re.compile(r"^(\d{1,2})[/.\-](\d{1,2})[/.\-](\d{4})$")
_YM = re.compile(r"^(\d{4})-(\d{1,2})$")
_MY = re.compile(r"^(\d{1,2})/(\d{4})$")


class BadValue(ValueError):
    pass


_ce = dates.ce_year  # a year ≥ 2400 is Buddhist Era


def parse_date(value) -> tuple[dt.date, bool]:
    """(date, is_month) from an Excel date cell or text: ISO, d/m/Y, B.E. years, Thai digits.

    `is_month` is True for a month written without a day ("2026-03", "3/2569"): the whole month.
    """
    if isinstance(value, dt.datetime):
        value = value.date()
    if isinstance(value, dt.date):
        return dates.ce_date(value), False
    if value is None:
        raise BadValue
    text = str(value).translate(THAI_DIGITS).strip()
    try:
        m = _ISO.match(text)
        if m:
            return dt.date(_ce(int(m[1])), int(m[2]), int(m[3])), False
        m = _DMY.match(text)
        if m:
            return dt.date(_ce(int(m[3])), int(m[2]), int(m[1])), False
        m = _YM.match(text)
        if m:
            return dt.date(_ce(int(m[1])), int(m[2]), 1), True
        m = _MY.match(text)
        if m:
            return dt.date(_ce(int(m[2])), int(m[1]), 1), True
    except ValueError:
        raise BadValue from None
    raise BadValue


def parse_quantity(value) -> Decimal:
    """A number from a cell or text: thousands separators, Thai digits, spaces."""
    if isinstance(value, bool):
        raise BadValue
    if isinstance(value, int):
        return Decimal(value)
    if isinstance(value, float):
        if value != value or value in (float("inf"), float("-inf")):
            raise BadValue
        return Decimal(repr(value))
    if isinstance(value, Decimal):
        return value
    text = str(value).translate(THAI_DIGITS).strip().replace("\u00a0", "").replace(" ", "")
    if re.fullmatch(r"[-+]?\d{1,3}(,\d{3})+(\.\d+)?", text):
        text = text.replace(",", "")
    try:
        d = Decimal(text)
    except InvalidOperation:
        raise BadValue from None
    if not d.is_finite():
        raise BadValue
    return d


@functools.lru_cache(maxsize=4096)
def month_end(d: dt.date) -> dt.date:
    return d.replace(day=calendar.monthrange(d.year, d.month)[1])


# --- the activity catalogue and units ---------------------------------------------------------

class Catalogue:
    """Activity codes, names and the units that fit each (from ecotown.calc; cached per process)."""

    _instance = None

    def __init__(self):
        from ecotown.calc import ghg, units

        self.activities = ghg.activity_catalogue()
        self.by_name = {}
        for code, row in self.activities.items():
            self.by_name[code.lower()] = code
            self.by_name[row["name_en"].strip().lower()] = code
            self.by_name[row["name_th"].strip().lower()] = code
        self._units = units
        self._fits: dict[tuple[str, str], str] = {}  # (activity, unit) -> "" ok | "unknown" | "dimension"

    @classmethod
    def get(cls) -> "Catalogue":
        if cls._instance is None:
            cls._instance = cls()
        return cls._instance

    def resolve(self, text) -> str | None:
        t = str(text).strip()
        if " | " in t:
            t = t.split(" | ", 1)[0].strip()
        return self.by_name.get(t.lower())

    def units_for(self, activity: str) -> list[str]:
        row = self.activities[activity]
        default = row["default_unit"]
        units = [default] + [u for u in UNITS_BY_DIMENSION.get(row["dimension"], []) if u != default]
        return units

    def all_units(self) -> list[str]:
        out = []
        for code in self.activities:
            for u in self.units_for(code):
                if u not in out:
                    out.append(u)
        return out

    def check_unit(self, activity: str, unit: str) -> str:
        key = (activity, unit)
        if key not in self._fits:
            from ecotown.calc.errors import UnitProblem

            try:
                ok = self._units.same_dimension(unit, self.activities[activity]["default_unit"])
                self._fits[key] = "" if ok else "dimension"
            except UnitProblem:
                self._fits[key] = "unknown"
        return self._fits[key]

    def name(self, activity: str, lang: str) -> str:
        row = self.activities.get(activity)
        if not row:
            return activity
        return row["name_en"] if lang == "en" else row["name_th"]


# --- reading files --------------------------------------------------------------------------

def _spec(spec=None):
    """A kind (`ImportSpec`) from a spec, its code, or None (the default kind)."""
    from . import kinds

    if spec is None:
        return kinds.get(kinds.DEFAULT)
    if isinstance(spec, str):
        return kinds.get(spec)
    return spec


class Table:
    """Header columns and an iterator of (row number, {column: raw value}) of one kind's rows."""

    def __init__(self, columns: dict[str, int], rows, total: int, kind: str, meta: dict, spec=None):
        self.columns, self.rows, self.total, self.kind, self.meta = columns, rows, total, kind, meta
        self.spec = _spec(spec)


def is_example(get, spec=None) -> bool:
    """The template's example row, left as it was (a row written over it is imported, note or not)."""
    note = get("note")
    spec = _spec(spec)

    def same(k, v):
        raw, col = get(k), spec.column(k)
        return raw == v or (col is not None and col.entry_code is not None and isinstance(raw, str)
                            and col.entry_code(raw) == v)

    return isinstance(note, str) and note.startswith(EXAMPLE_MARK) and all(same(k, v) for k, v in spec.example.items())


def header_label(col, lang: str) -> str:
    """A column's header as the template and the export write it: its name in the reader's language, then
    in the other (`header_code` reads either back, and the column codes of older templates)."""
    return f"{col.en}\n{col.th}" if lang == "en" else f"{col.th}\n{col.en}"


def header_code(text, spec=None) -> str | None:
    if text is None:
        return None
    t = str(text).strip().lower()
    known = _spec(spec).all_columns
    first = re.split(r"[\s/(]", t, maxsplit=1)[0] if t else ""
    if first in known:
        return first
    for code, (th, en) in known.items():
        if t in (th.lower(), en.lower()) or th.lower() in t or en.lower() == t.split("\n")[-1].strip():
            return code
    for tok in re.findall(r"[a-z_]+", t):
        if tok in known:
            return tok
    return None


def read_table(data: bytes, name: str = "", spec=None) -> Table:
    """Open an uploaded file (xlsx or csv) of a kind. Raises BadFile(problems).

    Without `spec` a template's hidden sheet says the kind (else the default kind)."""
    if data[:4] == b"PK\x03\x04":
        return _read_xlsx(data, spec)
    return _read_csv(data, spec)


class BadFile(Exception):
    def __init__(self, problems: list[dict]):
        super().__init__(problems)
        self.problems = problems


def _columns_from_header(header, spec) -> dict[str, int]:
    cols: dict[str, int] = {}
    for i, h in enumerate(header):
        code = header_code(h, spec)
        if code and code not in cols:
            cols[code] = i
    missing = [c for c in spec.required if c not in cols]
    if missing:
        raise BadFile([problem(1, c, None, "missing_column", name=c) for c in missing])
    return cols


def _read_xlsx(data: bytes, spec=None) -> Table:
    """Rows of the data sheet: read with calamine (fast, Rust); openpyxl when calamine cannot open the file."""
    try:
        opened = _open_calamine(data)
    except BadFile:
        raise
    except Exception:  # not readable by calamine: openpyxl decides
        opened = None
    if opened is None:
        return _read_xlsx_openpyxl(data, spec)
    wb, meta, ws, rows_it, header = opened
    spec = _check_meta(meta, spec)
    meta = meta or {}
    if header is None:
        raise BadFile([problem(None, None, None, "empty_file")])
    cols = _columns_from_header(header, spec)
    end = ws.end
    total = max(0, (end[0] + 1 if end else 1) - 1)

    def rows():
        conv = _calamine_value
        for n, values in enumerate(rows_it, start=2):
            yield n, tuple(map(conv, values))
        wb.close()

    return Table(cols, rows(), total, "excel", meta, spec)


_INT_FLOAT = float(2 ** 53)


def _calamine_value(v):
    """A calamine cell as openpyxl (read_only, data_only) gives it: None for empty, int for a whole number
    (Excel stores 125000 as "125000"), datetime for a date cell."""
    t = type(v)
    if t is str:
        return v if v else None
    if t is float:
        return int(v) if (v.is_integer() and -_INT_FLOAT < v < _INT_FLOAT) else v
    if t is dt.date:
        return dt.datetime(v.year, v.month, v.day)
    return v


def _open_calamine(data: bytes):
    from python_calamine import CalamineWorkbook

    wb = CalamineWorkbook.from_filelike(io.BytesIO(data))
    names = wb.sheet_names
    meta = None
    if META_SHEET in names:
        meta = {}
        for row in wb.get_sheet_by_name(META_SHEET).to_python(skip_empty_area=False, nrows=20):
            row = [_calamine_value(v) for v in row[:2]] + [None, None]
            if row[0]:
                meta[str(row[0])] = row[1]
    ws = wb.get_sheet_by_name(DATA_SHEET if DATA_SHEET in names else names[0])
    it = iter(ws.iter_rows())
    header = next(it, None)
    if header is not None:
        header = tuple(_calamine_value(v) for v in header)
    return wb, meta, ws, it, header


def _check_meta(meta: dict | None, spec=None):
    """The kind of the rows: the template's hidden sheet must be the current template of the kind asked for
    (None: there is none — any workbook with the right columns is read as that kind)."""
    from . import kinds

    if meta is None:
        return _spec(spec)
    found = kinds.by_mark(meta.get("template"))
    if found is None:
        raise BadFile([problem(None, None, None, "not_template")])
    wanted = _spec(spec) if spec is not None else found
    if found.code != wanted.code:
        raise BadFile([problem(None, None, found.code, "wrong_kind", found=found.code, kind=wanted.code)])
    version = int(meta.get("version") or 0)
    if version != wanted.template_version:
        raise BadFile([problem(None, None, version, "old_template", found=version, current=wanted.template_version)])
    return wanted


def _read_xlsx_openpyxl(data: bytes, spec=None) -> Table:
    import openpyxl

    try:
        wb = openpyxl.load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except Exception:
        raise BadFile([problem(None, None, None, "unreadable")]) from None
    meta = None
    if META_SHEET in wb.sheetnames:
        meta = {}
        for row in wb[META_SHEET].iter_rows(min_row=1, max_row=20, max_col=2, values_only=True):
            if row and row[0]:
                meta[str(row[0])] = row[1]
    spec = _check_meta(meta, spec)
    meta = meta or {}
    ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
    it = ws.iter_rows(values_only=True)
    header = next(it, None)
    if header is None:
        raise BadFile([problem(None, None, None, "empty_file")])
    cols = _columns_from_header(header, spec)
    total = max(0, (ws.max_row or 1) - 1)

    def rows():
        for n, values in enumerate(it, start=2):
            yield n, values
        wb.close()

    return Table(cols, rows(), total, "excel", meta, spec)


def _read_csv(data: bytes, spec=None) -> Table:
    spec = _spec(spec)
    for enc in ("utf-8-sig", "cp874"):
        try:
            text = data.decode(enc)
            break
        except UnicodeDecodeError:
            continue
    else:
        raise BadFile([problem(None, None, None, "unreadable")])
    sample = text[:4096]
    delim = ";" if sample.count(";") > sample.count(",") and "\t" not in sample else ("\t" if "\t" in sample.split("\n", 1)[0] else ",")
    reader = csv.reader(io.StringIO(text), delimiter=delim)
    header = next(reader, None)
    if not header:
        raise BadFile([problem(None, None, None, "empty_file")])
    cols = _columns_from_header(header, spec)
    total = text.count("\n")

    def rows():
        for n, values in enumerate(reader, start=2):
            yield n, values

    return Table(cols, rows(), total, "csv", {}, spec)


def rows_from_dicts(items: list[dict], spec=None) -> Table:
    """API/form rows of a kind: numbered 1..n (the API has no header row)."""
    spec = _spec(spec)
    codes = list(spec.all_columns)
    cols = {c: i for i, c in enumerate(codes)}

    def rows():
        for n, item in enumerate(items, start=1):
            yield n, tuple(item.get(c) for c in codes)

    return Table(cols, rows(), len(items), "api", {}, spec)


# --- the template and marked workbooks -------------------------------------------------------

HEADER_FILL = "1F6F4A"
TEMPLATE_ROWS = 5000  # rows with drop-downs
FORMAT_ROWS = 2000    # rows with date and number formats


date_format = dates.excel_date_format


def list_name(column: str, choice: str) -> str:
    """The defined name of a dependent drop-down list (column `unit`, activity `diesel` → `unit_diesel`)."""
    return f"{column}_{re.sub(r'[^0-9A-Za-z_]', '_', str(choice))}".lower()


NUMBER_FORMATS = {"number": "#,##0.###", "integer": "#,##0"}


def build_template(org, year: int, lang: str = "th", spec=None) -> bytes:
    """The Excel template of a kind for one organisation and year: a header per column (code, Thai and English
    label), the example row, date and number formats, drop-downs (a dependent one lists only what fits the
    row's choice in another column), the hidden lists sheet, the help sheet and the hidden meta sheet."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import Alignment, Font, PatternFill
    from openpyxl.utils import get_column_letter
    from openpyxl.workbook.defined_name import DefinedName
    from openpyxl.worksheet.datavalidation import DataValidation

    spec = _spec(spec)
    wb = openpyxl.Workbook()
    ws = wb.active
    ws.title = DATA_SHEET
    columns = spec.columns
    letter = {c.code: get_column_letter(i) for i, c in enumerate(columns, start=1)}
    for i, col in enumerate(columns, start=1):
        c = ws.cell(row=1, column=i, value=header_label(col, lang))
        c.font = Font(bold=True, color="FFFFFF")
        c.fill = PatternFill("solid", fgColor=HEADER_FILL)
        c.alignment = Alignment(wrap_text=True, vertical="top")
        ws.column_dimensions[c.column_letter].width = col.width
        if col.help_th or col.help_en:
            c.comment = Comment("\n".join(t for t in (col.help_th, col.help_en) if t), "EcoTown")
    ws.row_dimensions[1].height = 48
    ws.freeze_panes = "A2"
    # drop-down lists (hidden sheet): one column per list
    ls = wb.create_sheet(LIST_SHEET)
    ls.sheet_state = "hidden"
    lists: dict[str, list[str]] = {}
    next_col = 1

    def put_list(header: str, values: list[str]) -> str:
        nonlocal next_col
        col = get_column_letter(next_col)
        ls.cell(row=1, column=next_col, value=header)
        for r, v in enumerate(values, start=2):
            ls.cell(row=r, column=next_col, value=v)
        next_col += 1
        return f"{LIST_SHEET}!${col}$2:${col}${max(2, len(values) + 1)}"

    codes: dict[str, dict[str, str]] = {}   # column -> entry shown -> its code (drop-downs of labels)
    lookups: dict[str, str] = {}            # column -> the lists sheet's range of (entry, code) rows

    def put_pairs(header: str, pairs: list[tuple[str, str]]) -> tuple[str, str]:
        """The entries in one column and their codes in the next: (range of entries, range of both)."""
        nonlocal next_col
        first = get_column_letter(next_col)
        entries = put_list(header, [e for e, _c in pairs])
        second = get_column_letter(next_col)
        ls.cell(row=1, column=next_col, value=f"{header}_code")
        for r, (_e, code) in enumerate(pairs, start=2):
            ls.cell(row=r, column=next_col, value=code)
        next_col += 1
        return entries, f"{LIST_SHEET}!${first}$2:${second}${max(2, len(pairs) + 1)}"

    for col in columns:
        if col.choices is not None:
            raw = col.choices(org, lang)
            if raw and isinstance(raw[0], tuple):
                values = [e for e, _c in raw]
                codes[col.code] = dict(raw)
                ref, lookups[col.code] = put_pairs(col.code, raw)
            else:
                values = raw
                ref = put_list(col.code, values)
            lists[col.code] = values
            dv = DataValidation(type="list", formula1=f"={ref}", allow_blank=True, showErrorMessage=col.strict,
                                errorTitle=f"{col.th} / {col.en}",
                                error="เลือกจากรายการ / choose from the list")
            ws.add_data_validation(dv)
            dv.add(f"{letter[col.code]}2:{letter[col.code]}{TEMPLATE_ROWS}")
        elif col.choices_by is not None:
            by = col.choices_by(org, lang)
            every = []
            for values in by.values():
                every += [v for v in values if v not in every]
            names = {"all": put_list(col.code, every)}
            for choice, values in by.items():
                names[choice] = put_list(choice, values)
            for choice, ref in names.items():
                wb.defined_names[list_name(col.code, choice)] = DefinedName(list_name(col.code, choice), attr_text=ref)
            dep = f"${letter[col.depends[0]]}2"
            # the list of the row's choice (its code: looked up beside the entry chosen, or the text before
            # the first space of a typed code), all of them while empty
            typed = f'LEFT({dep},FIND(" ",{dep}&" ")-1)'
            key = (f"IFERROR(VLOOKUP({dep},{lookups[col.depends[0]]},2,FALSE),{typed})"
                   if col.depends[0] in lookups else typed)
            formula = f'=INDIRECT(IF({dep}="","{list_name(col.code, "all")}","{col.code}_"&LOWER({key})))'

            dv = DataValidation(type="list", formula1=formula, allow_blank=True, showErrorMessage=True,
                                errorStyle="warning" if not col.strict else "stop",
                                errorTitle=f"{col.th} / {col.en}",
                                error="เลือกจากรายการที่เข้ากับ “{0}” / choose from the list that fits the {1}".format(
                                    spec.column(col.depends[0]).th, spec.column(col.depends[0]).en.lower()))
            ws.add_data_validation(dv)
            dv.add(f"{letter[col.code]}2:{letter[col.code]}{TEMPLATE_ROWS}")
    # the example row (skipped on import while its note still says EXAMPLE)
    if spec.column("note") is not None:
        ex_year = min(year, dt.date.today().year)
        example = dict(spec.example)
        if spec.period.is_month:
            example[spec.period.start] = dt.date(ex_year, 1, 1)
        else:
            example[spec.period.start], example[spec.period.end] = dt.date(ex_year, 1, 1), dt.date(ex_year, 1, 31)
        for col in columns:
            if col.code in example and col.code in codes:   # the example shows the entry, not its code
                example[col.code] = next((e for e, c in codes[col.code].items() if c == example[col.code]),
                                         example[col.code])
            if col.code not in example and col.required and lists.get(col.code):
                example[col.code] = lists[col.code][0]
        example["note"] = EXAMPLE_MARK + " — ตัวอย่าง: ลบหรือเขียนทับแถวนี้ / delete or overwrite this row"
        for i, col in enumerate(columns, start=1):
            if col.code in example:
                c = ws.cell(row=2, column=i, value=example[col.code])
                c.font = Font(italic=True, color="808080")
    fmt = date_format(lang)
    for i, col in enumerate(columns, start=1):
        number_format = fmt if col.kind == "date" else NUMBER_FORMATS.get(col.kind)
        if number_format:
            for r in range(2, FORMAT_ROWS + 2):
                ws.cell(row=r, column=i).number_format = number_format
    # help
    hs = wb.create_sheet("help")
    hs.column_dimensions["A"].width = 110
    lines = [
        (f"คำแนะนำ: {spec.label_th} / How to fill in: {spec.label_en}", True),
        (f"องค์กร / Organisation: {org.name_th} / {org.name_en} (ID {org.pk})", False),
        (f"ปี / Year: {dates.be_year(year)} (พ.ศ.) / {year}", False),
        (f"รุ่นแม่แบบ / Template version: {spec.template_version}", False),
        ("", False),
        *[(f"{th} / {en}", False) for th, en in spec.help],
        ("วันที่ที่รับ: 2026-03-31, 31/3/2026, 31/3/2569 (ปี ≥ 2400 ถือเป็น พ.ศ.), เลขไทย ๓๑/๓/๒๕๖๙, เซลล์วันที่ของ Excel",
         False),
        ("Accepted dates: 2026-03-31, 31/3/2026, 31/3/2569 (a year ≥ 2400 is B.E.), Thai digits, Excel date cells", False),
    ]
    if not spec.period.is_month:
        lines.append(("เดือนทั้งเดือน: เว้นวันสิ้นสุดว่างได้ถ้าวันเริ่มต้นเป็นวันที่ 1 / A whole month: leave the end empty "
                      "when the start is the 1st", False))
    lines += [
        ("ตัวเลข: 1,234.5 หรือ ๑,๒๓๔.๕ ห้ามติดลบ / Numbers: 1,234.5 or Thai digits; not negative", False),
        ("ไฟล์ที่มีแถวผิดแม้แถวเดียวจะไม่ถูกบันทึกเลย และจะได้ไฟล์คืนพร้อมทำเครื่องหมายเซลล์ที่ผิด / A file with any bad row "
         "saves nothing; you get it back with the bad cells marked", False),
        ("", False),
        ("คอลัมน์ / Columns:", True),
    ]
    for col in columns:
        need = "จำเป็น / required" if col.required else "ไม่บังคับ / optional"
        extra = " — ".join(t for t in (col.help_th, col.help_en) if t)
        lines.append((f"{col.th} / {col.en} ({need}){' — ' + extra if extra else ''}", False))
    for col in columns:
        if col.choices_by is not None:
            dep = spec.column(col.depends[0])
            lines += [("", False), (f"{col.th} ตาม{dep.th} / {col.en} by {dep.en.lower()}:", True)]
            by = col.choices_by(org, lang)
            for choice in lists.get(dep.code, []):
                code = codes.get(dep.code, {}).get(choice) or choice.split(" | ", 1)[0]
                lines.append((f"{choice.replace(' | ', ' — ', 1)} — {', '.join(by.get(code, []))}", False))
        elif col.choices is not None and col.code not in {c.depends[0] for c in columns if c.depends}:
            lines += [("", False), (f"{col.th} / {col.en}:", True)]
            lines += [(v, False) for v in lists[col.code]] or [("—", False)]
    for text, bold in lines:
        hs.append([text])
        hs.cell(row=hs.max_row, column=1).font = Font(bold=bold)
    meta = wb.create_sheet(META_SHEET)
    for k, v in [("template", spec.template_mark), ("version", spec.template_version), ("organisation", org.pk),
                 ("year", year), ("created", dt.date.today().isoformat()), ("kind", spec.code)]:
        meta.append([k, v])
    meta.sheet_state = "veryHidden"
    wb.active = 0
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def mark_workbook(data: bytes, problems: list[dict], lang: str, spec=None) -> bytes | None:
    """The user's own workbook with each bad cell filled red and commented (CSV → a new workbook)."""
    import openpyxl
    from openpyxl.comments import Comment
    from openpyxl.styles import PatternFill

    spec = _spec(spec)
    if data[:4] == b"PK\x03\x04":
        try:
            wb = openpyxl.load_workbook(io.BytesIO(data))
        except Exception:
            return None
        ws = wb[DATA_SHEET] if DATA_SHEET in wb.sheetnames else wb.worksheets[0]
        header = [c.value for c in ws[1]]
    else:
        try:
            table = _read_csv(data, spec)
        except BadFile:
            return None
        wb = openpyxl.Workbook()
        ws = wb.active
        ws.title = DATA_SHEET
        text = data.decode("utf-8-sig", errors="replace")
        for values in csv.reader(io.StringIO(text)):
            ws.append(values)
        header = [c.value for c in ws[1]]
        del table
    cols = {}
    for i, h in enumerate(header):
        code = header_code(h, spec)
        if code and code not in cols:
            cols[code] = i + 1
    red = PatternFill("solid", fgColor="F8B4B4")
    by_cell: dict[tuple[int, int], list[str]] = {}
    for p in problems:
        if not p.get("row"):
            continue
        col = cols.get(p.get("column")) or 1
        by_cell.setdefault((p["row"], col), []).append(message(p, lang))
    for (r, c), msgs in by_cell.items():
        cell = ws.cell(row=r, column=c)
        cell.fill = red
        cell.comment = Comment("\n".join(msgs), "EcoTown", width=320, height=120)
    # the general problems (no row) on a sheet of their own
    general = [p for p in problems if not p.get("row")]
    if general or by_cell:
        ps = wb.create_sheet("problems" if lang == "en" else "ปัญหา")
        ps.append([_h("row", lang), _h("column", lang), _h("value", lang), _h("message", lang)])
        for p in problems:
            ps.append([p.get("row"), p.get("column"), p.get("value"), message(p, lang)])
        ps.column_dimensions["D"].width = 100
    out = io.BytesIO()
    wb.save(out)
    return out.getvalue()


def _h(word: str, lang: str) -> str:
    th = {"row": "แถว", "column": "คอลัมน์", "value": "ค่า", "message": "ปัญหา"}
    return word if lang == "en" else th[word]
