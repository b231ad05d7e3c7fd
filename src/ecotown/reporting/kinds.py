"""Kinds of reported records: one declaration (`ImportSpec`) per kind, one registry, one pipeline.

A kind says what a row of its data looks like — its columns (Thai and English labels, required flag,
parser and check, drop-down list, help), its period (a date range or a month), which fields make two rows
of the same series (the overlap key), the model and how a checked row becomes a record, its optional
quality checks, and its template mark and version. Everything else — reading Excel and CSV, the row
checks, the all-or-nothing save with history, the template and the marked workbook, the API rows
endpoint, `ecotown import KIND FILE`, background jobs, versions and replace — is one pipeline
(`imports`, `services.import_records`) that takes a kind.

Reporting declares `activities`, `production` and `employees` below. Another app declares its own
kind in its own module and registers it when Django starts:

    class WasteConfig(AppConfig):
        def ready(self):
            from ecotown.reporting import kinds
            from . import reporting_kinds          # module that builds the ImportSpec
            kinds.register(reporting_kinds.WASTE)

Parsers are `parse(raw, ctx) -> value` and raise `Invalid(code, **params)`; `ctx.row` holds the values of
the row's columns parsed so far (in column order), `ctx.org` the row's organisation. A column's results
are cached per (raw value, the columns it depends on — and the organisation with `per_org=True`) unless
`cache=False`.
"""
from __future__ import annotations

import builtins
import dataclasses
import datetime as dt
from dataclasses import dataclass, field
from decimal import Decimal
from typing import Any, Callable

from . import imports
from .models import ActivityRecord, DataSource, EmployeeRecord, ProductionRecord


class Invalid(Exception):
    """A bad cell: a problem code (see `imports.message`) and its parameters."""

    def __init__(self, code: str, value: Any = imports.UNSET, **params):
        super().__init__(code)
        self.code, self.value, self.params = code, value, params


@dataclass(frozen=True)
class Column:
    code: str
    th: str
    en: str
    required: bool = False
    parse: Callable[[Any, "Context"], Any] | None = None  # None: the trimmed text as it is
    empty: str = "empty_value"      # problem code of an empty required cell
    parse_none: bool = False         # the parser also gets empty cells (it decides)
    default: Any = None              # the value of an empty optional cell
    depends: tuple[str, ...] = ()    # columns (earlier in the row) the parser reads from ctx.row
    cache: bool = True               # parse each distinct (raw value, depends) once per import
    per_org: bool = False            # the parser's answer depends on the row's organisation (part of the cache key)
    kind: str = "text"               # date | number | integer | text: the template's cell format
    width: int = 18
    # (organisation, lang) -> the drop-down list: entries, or (entry, code) pairs when what is shown is a
    # label (the code then sits beside it in the hidden lists sheet, for a list that depends on it)
    choices: Callable[[Any, str], list] | None = None
    # a drop-down entry (or a code) read back to its code, None if unknown (the template's example row)
    entry_code: Callable[[str], str | None] | None = None
    # a drop-down that depends on another column's choice: (organisation, lang) -> {choice code: [values]}
    choices_by: Callable[[Any, str], dict[str, list[str]]] | None = None
    strict: bool = False             # the drop-down refuses other values in Excel
    help_th: str = ""
    help_en: str = ""

    def label(self, lang: str) -> str:
        return self.en if lang == "en" else self.th


@dataclass(frozen=True)
class Period:
    """How a row's period is given: two date columns (`start`, `end`; an empty end on the 1st = the whole
    month) or one month column (`month`). `start_field`/`end_field` are the model's fields (`end_field`
    None: the model keeps the month only)."""
    start: str = "period_start"
    end: str | None = "period_end"
    start_field: str = "period_start"
    end_field: str | None = "period_end"

    @property
    def is_month(self) -> bool:
        return self.end is None

    @property
    def codes(self) -> tuple[str, ...]:
        return (self.start,) if self.end is None else (self.start, self.end)

    def overlapping(self, lo: dt.date, hi: dt.date) -> dict:
        """Model lookups of the records whose period overlaps [lo, hi]."""
        if self.end_field is None:  # a month (its 1st): it overlaps when it starts in [lo's month, hi]
            return {f"{self.start_field}__lte": hi, f"{self.start_field}__gte": lo.replace(day=1)}
        return {f"{self.start_field}__lte": hi, f"{self.end_field}__gte": lo}


MONTH = Period(start="month", end=None, start_field="month", end_field=None)


@dataclass
class ImportSpec:
    code: str
    label_th: str
    label_en: str
    model: type
    columns: list[Column]
    overlap_key: tuple[str, ...]        # columns that, with the organisation, make one series
    fields: dict[str, str]              # model attname -> column code (the period is given by `period`)
    period: Period = field(default_factory=Period)
    flags: Callable[..., int] | None = None  # flags(rows, batch=batch) -> number of quality flags
    template_mark: str = ""
    template_version: int = 1
    example: dict[str, Any] = field(default_factory=dict)  # the template's example row (without dates and note)
    help: list[tuple[str, str]] = field(default_factory=list)  # (Thai, English) lines of the help sheet
    overlap_code: str = "overlap_series"  # the problem of two rows of one series overlapping in a file
    row_class: type = field(init=False, repr=False)

    def __post_init__(self):
        self.template_mark = self.template_mark or f"ecotown-reporting-{self.code}"
        codes = [c.code for c in self.columns]
        for p in self.period.codes:
            if p not in codes:
                raise ValueError(f"{self.code}: the period column {p!r} is not among the columns")
        if len(set(codes)) != len(codes) or "organisation" in codes:
            raise ValueError(f"{self.code}: column codes must be unique (and 'organisation' is given by the pipeline)")
        for k in self.overlap_key:
            if k not in codes:
                raise ValueError(f"{self.code}: overlap key {k!r} is not a column")
        self.row_class = _row_class(self)

    # --- what the pipeline reads --------------------------------------------------------------
    def label(self, lang: str) -> str:
        return self.label_en if lang == "en" else self.label_th

    @property
    def value_columns(self) -> list[Column]:
        """The columns parsed into the row (all but the period's)."""
        return [c for c in self.columns if c.code not in self.period.codes]

    @property
    def required(self) -> tuple[str, ...]:
        return tuple(c.code for c in self.columns if c.required)

    @property
    def all_columns(self) -> dict[str, tuple[str, str]]:
        """code -> (Thai, English), the optional organisation column last."""
        return {**{c.code: (c.th, c.en) for c in self.columns}, **imports.OPTIONAL_COLUMNS}

    def column(self, code: str) -> Column | None:
        return next((c for c in self.columns if c.code == code), None)

    def key_fields(self) -> list[tuple[str, str]]:
        """(column code, model attname) of the overlap key."""
        inverse = {col: att for att, col in self.fields.items()}
        return [(k, inverse[k]) for k in self.overlap_key]


class Context:
    """What a parser may read: the actor, the row's organisation, the row parsed so far, a per-import cache."""

    __slots__ = ("actor", "org", "row", "cache", "today")

    def __init__(self, actor, org, today):
        self.actor, self.org, self.row, self.cache, self.today = actor, org, {}, {}, today


def _row_class(spec: ImportSpec) -> type:
    """A small slotted class per kind: n, org, one attribute per value column, start, end, replaces, pk."""
    reserved = {"n", "org", "start", "end", "replaces", "pk", "organisation_id", "period_start", "period_end"}
    names = [c.code for c in spec.value_columns]
    clash = reserved & set(names)
    if clash:
        raise ValueError(f"{spec.code}: column codes {sorted(clash)} are reserved")
    ns = {
        "organisation_id": property(lambda self: self.org.pk),
        "period_start": property(lambda self: self.start),
        "period_end": property(lambda self: self.end),
    }
    return dataclasses.make_dataclass(
        f"{spec.code.title().replace('_', '')}Row",
        [("n", int), ("org", Any)] + [(n, Any) for n in names] + [("start", dt.date), ("end", dt.date),
                                                                   ("replaces", Any, field(default=())),
                                                                   ("pk", Any, field(default=None))],
        slots=True, namespace=ns)


# --- the registry ---------------------------------------------------------------------------------

_registry: dict[str, ImportSpec] = {}
DEFAULT = "activities"  # the kind of the entry points that name none (`import_activities`, old routes)


def register(spec: ImportSpec) -> ImportSpec:
    """Declare a kind (idempotent for the same spec; another spec under the same code replaces it)."""
    _registry[spec.code] = spec
    return spec


def unregister(code: str) -> None:
    _registry.pop(code, None)


def get(code: str) -> ImportSpec:
    """The kind (KeyError when none is registered under `code`)."""
    return _registry[code]


def all() -> list[ImportSpec]:  # noqa: A001 — the registry's own vocabulary
    return list(_registry.values())


def of(record) -> ImportSpec:
    """The kind of a record (by its model; subclasses inherit their parent's kind)."""
    for spec in _registry.values():
        if type(record) is spec.model:
            return spec
    for spec in _registry.values():
        if isinstance(record, spec.model):
            return spec
    raise KeyError(type(record).__name__)


def records_changed(records, *, reason: str = "", restated: bool = False) -> None:
    """Tell the results (`ecotown.core.recompute`) which records changed: one call per kind."""
    from ecotown.core import recompute

    by_kind: dict[str, list] = {}
    for r in records:
        by_kind.setdefault(of(r).code, []).append(r)
    for kind, recs in by_kind.items():
        recompute.records_changed(kind, {r.organisation_id for r in recs}, {y for r in recs for y in r.years()},
                                  reason=reason, restated=restated)


def by_mark(mark) -> ImportSpec | None:
    return next((s for s in _registry.values() if s.template_mark == mark), None)


# --- parsers shared by kinds ------------------------------------------------------------------------

def text(max_length: int):
    def parse(raw, ctx):
        return str(raw)[:max_length]
    return parse


def quantity(raw, ctx) -> Decimal:
    """A quantity ≥ 0 (thousands separators, Thai digits), kept to 6 decimals."""
    try:
        q = imports.parse_quantity(raw)
    except imports.BadValue:
        raise Invalid("not_number") from None
    if q < 0:
        raise Invalid("negative")
    if q > imports.MAX_QUANTITY:
        raise Invalid("too_large")
    return q.quantize(Decimal("0.000001"))


def whole_number(raw, ctx) -> int:
    """A whole number ≥ 0 (1,250 or Thai digits; 12.0 from Excel is 12)."""
    try:
        q = imports.parse_quantity(raw)
    except imports.BadValue:
        raise Invalid("not_whole_number") from None
    if q != q.to_integral_value():
        raise Invalid("not_whole_number")
    if q < 0:
        raise Invalid("negative_number")
    if q > 2_000_000_000:
        raise Invalid("too_large")
    return int(q)


# activities: a code from the activity catalogue; the unit must fit it

def _activity(raw, ctx) -> str:
    code = imports.Catalogue.get().resolve(raw)
    if code is None:
        raise Invalid("unknown_activity")
    return code


def _unit(raw, ctx) -> str:
    cat = imports.Catalogue.get()
    activity = ctx.row.get("activity")
    unit = str(raw).strip() if raw is not None else ""
    suggestions = ", ".join(cat.units_for(activity)) if activity else ", ".join(cat.all_units())
    if not unit:
        raise Invalid("empty_unit", None, units=suggestions)
    if activity:
        fit = cat.check_unit(activity, unit)
        if fit == "unknown":
            raise Invalid("unknown_unit", units=suggestions)
        if fit == "dimension":
            raise Invalid("wrong_dimension", activity=activity, units=suggestions)
    elif builtins.all(cat.check_unit(a, unit) == "unknown" for a in ("grid_electricity", "diesel", "lpg")):
        raise Invalid("unknown_unit", units=suggestions)
    return unit


def _both(th: str, en: str, lang: str) -> str:
    """A drop-down entry in the reader's language first, the other after it (both are read back)."""
    return f"{en} | {th}" if lang == "en" else f"{th} | {en}"


def _activity_choices(org, lang) -> list[tuple[str, str]]:
    cat = imports.Catalogue.get()
    return [(_both(row["name_th"], row["name_en"], lang), code) for code, row in cat.activities.items()]


def _units_by_activity(org, lang) -> dict[str, list[str]]:
    cat = imports.Catalogue.get()
    return {code: cat.units_for(code) for code in cat.activities}


#: the data sources of an activity quantity: code -> (Thai, English)
DATA_SOURCES = {DataSource.METER: ("มาตรวัด", "Meter"), DataSource.INVOICE: ("ใบแจ้งหนี้", "Invoice"),
                DataSource.ESTIMATE: ("ประมาณการ", "Estimate")}
_DATA_SOURCE_NAMES = {k.strip().lower(): str(code) for code, names in DATA_SOURCES.items()
                      for k in (str(code), *names)}


def _data_source(raw, ctx) -> str:
    """meter | invoice | estimate, by code, Thai or English name or the drop-down's "code | ชื่อ | name"."""
    t = str(raw).strip()
    if " | " in t:
        t = t.split(" | ", 1)[0].strip()
    code = _DATA_SOURCE_NAMES.get(t.lower())
    if code is None:
        raise Invalid("unknown_data_source")
    return code


def _data_source_choices(org, lang) -> list[tuple[str, str]]:
    return [(_both(th, en, lang), str(code)) for code, (th, en) in DATA_SOURCES.items()]


def activity_label(code: str, lang: str) -> str:
    """An activity as the drop-down and the export write it (read back by the import)."""
    row = imports.Catalogue.get().activities.get(code)
    return _both(row["name_th"], row["name_en"], lang) if row else code


def data_source_label(code: str, lang: str) -> str:
    names = DATA_SOURCES.get(code)
    return _both(names[0], names[1], lang) if names else (code or "")


def _activity_flags(rows, batch=None) -> int:
    from .services import compute_flags

    return compute_flags(rows, batch=batch)


# production: one of the organisation's own products (by name, ID or the drop-down's "ID | name")

def _products(ctx) -> dict:
    key = ("products", ctx.org.pk)
    found = ctx.cache.get(key)
    if found is None:
        from ecotown.registry.models import Product

        found = {"by": {}, "names": [], "names_en": []}
        for p in Product.objects.filter(organisation_id=ctx.org.pk).order_by("pk"):
            for k in (str(p.pk), p.name_th.strip().lower(), p.name_en.strip().lower()):
                found["by"].setdefault(k, p.pk)
            found["names"].append(p.name_th)
            found["names_en"].append(p.name_en or p.name_th)
        ctx.cache[key] = found
    return found


def _product(raw, ctx) -> int:
    found = _products(ctx)
    t = str(raw).strip()
    if " | " in t:
        t = t.split(" | ", 1)[0].strip()
    pk = found["by"].get(t.lower())
    if pk is None:
        if not found["names"]:
            raise Invalid("no_products")
        raise Invalid("unknown_product", products_th=", ".join(found["names"][:20]),
                      products_en=", ".join(found["names_en"][:20]))  # the reader's language picks one
    return pk


def _product_choices(org, lang) -> list[str]:
    return [f"{p.pk} | {p.name_en if lang == 'en' else p.name_th} ({p.unit})" for p in org.products.order_by("pk")]


_DATES_TH = "วันที่: 2026-03-01, 1/3/2026 หรือ 1/3/2569 (พ.ศ.)"
_DATES_EN = "Dates: 2026-03-01, 1/3/2026 or 1/3/2569 (B.E.)"
_MONTH_TH = "เดือน: 2026-03, 3/2569 (พ.ศ.) หรือวันใดก็ได้ในเดือนนั้น"
_MONTH_EN = "Month: 2026-03, 3/2569 (B.E.) or any date in the month"
NOTE = Column("note", "หมายเหตุ", "Note", parse=text(500), width=26, cache=False)

ACTIVITIES = register(ImportSpec(
    code="activities", label_th="ข้อมูลกิจกรรม", label_en="Activity data",
    model=ActivityRecord,
    columns=[
        Column("period_start", "วันเริ่มต้นงวด", "Period start", required=True, kind="date",
               help_th=_DATES_TH, help_en=_DATES_EN),
        Column("period_end", "วันสิ้นสุดงวด", "Period end", kind="date"),
        Column("activity", "กิจกรรม", "Activity", required=True, parse=_activity, empty="empty_activity", width=26,
               choices=_activity_choices, entry_code=lambda t: imports.Catalogue.get().resolve(t)),
        Column("quantity", "ปริมาณ", "Quantity", required=True, parse=quantity, empty="empty_quantity", cache=False,
               kind="number"),
        # (a warning, not a refusal, off the list: an activity typed by its Thai name has no list of its own)
        Column("unit", "หน่วย", "Unit", required=True, parse=_unit, parse_none=True, depends=("activity",),
               choices_by=_units_by_activity),
        Column("meter", "มิเตอร์หรือสถานที่", "Meter or site", parse=text(100), default=""),
        NOTE,
        # (after the note: the columns of workbooks filled before it came keep their places)
        Column("data_source", "แหล่งข้อมูล", "Data source", parse=_data_source, default="", choices=_data_source_choices,
               strict=True, help_th="มาตรวัด ใบแจ้งหนี้ หรือประมาณการ (เว้นว่าง = ไม่ทราบ)",
               help_en="Meter, invoice or estimate (empty = unknown)"),
    ],
    overlap_key=("activity", "meter"),
    fields={"activity": "activity", "quantity": "quantity", "unit": "unit", "meter": "meter",
            "data_source": "data_source"},
    flags=_activity_flags, template_mark="ecotown-reporting-activities", template_version=3, overlap_code="overlap_file",
    example={"activity": "grid_electricity", "quantity": 125000, "unit": "kWh", "meter": "MDB-1"},
    help=[
        ("หนึ่งแถวต่อหนึ่งกิจกรรมต่องวด (ปกติเป็นรายเดือน)", "One row per activity and period (usually a month)"),
        ("หน่วยต้องเข้ากับกิจกรรม (เช่น ไฟฟ้า: kWh หรือ MWh) รายการหน่วยแสดงเฉพาะหน่วยที่ใช้กับกิจกรรมที่เลือก",
         "The unit must fit the activity (electricity: kWh or MWh); the unit list shows only the units of the chosen activity"),
        ("ช่วงเวลาที่ซ้อนกันของกิจกรรมและมิเตอร์เดียวกันจะถูกปฏิเสธ เว้นแต่เลือก “แทนที่”",
         "Overlapping periods of the same activity and meter are refused unless you choose “replace”"),
    ],
))

PRODUCTION = register(ImportSpec(
    code="production", label_th="ปริมาณการผลิต", label_en="Production",
    model=ProductionRecord,
    columns=[
        Column("period_start", "วันเริ่มต้นงวด", "Period start", required=True, kind="date",
               help_th=_DATES_TH, help_en=_DATES_EN),
        Column("period_end", "วันสิ้นสุดงวด", "Period end", kind="date"),
        Column("product", "ผลิตภัณฑ์", "Product", required=True, parse=_product, empty="empty_product", width=30, per_org=True,
               choices=_product_choices, help_th="เลือกผลิตภัณฑ์ขององค์กร (ปริมาณเป็นหน่วยของผลิตภัณฑ์)",
               help_en="Choose one of the organisation's products (the quantity is in the product's unit)"),
        Column("quantity", "ปริมาณ", "Quantity", required=True, parse=quantity, empty="empty_quantity", cache=False,
               kind="number"),
        NOTE,
    ],
    overlap_key=("product",),
    fields={"product_id": "product", "quantity": "quantity"},
    example={"quantity": 1000},
    help=[
        ("หนึ่งแถวต่อหนึ่งผลิตภัณฑ์ต่องวด (ปกติเป็นรายเดือน) ปริมาณเป็นหน่วยของผลิตภัณฑ์ (แสดงในวงเล็บ)",
         "One row per product and period (usually a month); the quantity is in the product's unit (in brackets)"),
        ("ช่วงเวลาที่ซ้อนกันของผลิตภัณฑ์เดียวกันจะถูกปฏิเสธ เว้นแต่เลือก “แทนที่”",
         "Overlapping periods of the same product are refused unless you choose “replace”"),
    ],
))

EMPLOYEES = register(ImportSpec(
    code="employees", label_th="จำนวนพนักงาน", label_en="Employees",
    model=EmployeeRecord,
    columns=[
        Column("month", "เดือน", "Month", required=True, kind="date", help_th=_MONTH_TH, help_en=_MONTH_EN),
        Column("employees", "จำนวนพนักงาน", "Employees", required=True, parse=whole_number, kind="integer",
               help_th="จำนวนเต็มตั้งแต่ 0 ขึ้นไป", help_en="A whole number, 0 or more"),
        NOTE,
    ],
    period=MONTH,
    overlap_key=(),
    fields={"employees": "employees"},
    example={"employees": 250},
    help=[("หนึ่งแถวต่อเดือน: จำนวนพนักงานทั้งหมดในเดือนนั้น", "One row per month: the number of employees in that month"),
          ("เดือนที่รายงานแล้วจะถูกปฏิเสธ เว้นแต่เลือก “แทนที่”", "A month already reported is refused unless you choose “replace”")],
))

