"""Reporting services: the only code that creates or changes reported records.

- `import_records(kind, ...)` — one pipeline for every kind of reported record (`kinds`: activities,
  production, employees and whatever other apps register) from Excel, CSV, the web form, the API and the
  command: every row checked, every problem listed, all or nothing in one transaction
  (`import_activities` is the same for the default kind).
- `submit`, `verify`, `return_to_draft`, `lock_year` — the review workflow (declared in
  `reporting/workflows.py`, run by `ecotown.core.workflow.transition`).
- `amend` — a change: in place while draft, otherwise a new version (reason required after lock).
- `acknowledge_flag`, `set_calendar`, `send_reminders`.
After a change of state to verified/locked, or a new version of a record whose series has a counted
version, the results are told through `ecotown.core.recompute.records_changed` inside the transaction.
A new version is a draft: the counted (verified or locked) version it corrects keeps counting until the
correction itself is verified (`workflows.count`); the results show it as a pending correction, so a
draft correction restates nothing (`restated=False`); its verification does (when the counted version
was locked).
"""
from __future__ import annotations

import bisect
import datetime as dt
import hashlib
import itertools
import operator
import statistics
import uuid
from contextlib import contextmanager
from dataclasses import dataclass, field

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import gettext_noop

from ecotown import access
from ecotown.access import Action
from ecotown.core import dates, history, recompute, workflow
from ecotown.core.errors import Problems
from ecotown.core.models import UploadedFile
from ecotown.registry.models import Organisation

from . import imports, kinds, workflows
from .errors import ReportingError
from .imports import BadFile, BadValue, Catalogue, problem
from .models import (ActivityRecord, EmployeeRecord, ImportBatch, ProductionRecord, QualityFlag,
                     ReportingCalendar, ReportingPeriod, Source, State)
from .policies import ReportingAction

CHUNK = 2000
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"


class Rejected(Exception):
    """An import refused as a whole: `problems` lists every one; `batch` is the rejected ImportBatch (if kept)."""

    def __init__(self, problems: list[dict], batch: ImportBatch | None = None):
        super().__init__(f"{len(problems)} problems")
        self.problems, self.batch = problems, batch


@dataclass
class ImportResult:
    accepted: int
    batch: ImportBatch | None
    ids: list[int] = field(default_factory=list)
    flags: int = 0
    kind: str = kinds.DEFAULT

    @property
    def records(self) -> list:
        """The created records in row order (loaded on demand: a large import does not keep them in memory)."""
        if not self.ids:
            return []
        model = kinds.get(self.kind).model
        if self.batch is not None:
            return list(model.objects.filter(batch=self.batch).order_by("pk"))
        return list(model.objects.filter(pk__in=self.ids).order_by("pk"))


def lang_of(user) -> str:
    lang = translation.get_language() or getattr(user, "language", None) or "th"
    return "en" if lang.startswith("en") else "th"


def may_report(actor, org, spec: kinds.ImportSpec | None = None) -> bool:
    """Actor None = the operator's command line (trusted)."""
    model = spec.model if spec is not None else kinds.get(kinds.DEFAULT).model
    return actor is None or access.can(actor, ReportingAction.REPORT, model(organisation=org))


def _require(actor, action, obj) -> None:
    if actor is not None:
        access.require(actor, action, obj)


# --- files ------------------------------------------------------------------------------------

def keep_file(actor, org, name: str, data: bytes) -> UploadedFile:
    """Keep an import file or evidence for an organisation (reporters may keep files; the registry's
    `store_file` needs the right to change the organisation itself). Callers check `report`."""
    from ecotown.core.services import save_upload

    return save_upload(actor, org, name, data)


# --- organisations named in rows ------------------------------------------------------------

def resolve_org(value) -> Organisation | None:
    """An organisation by ID, estate/port code or DIW registration number."""
    from ecotown.registry import diw

    text = str(value).strip()
    if not text:
        return None
    if text.isdigit() and len(text) < 12:
        org = Organisation.objects.filter(pk=int(text)).first()
        if org:
            return org
    org = Organisation.objects.filter(code__iexact=text).exclude(code="").order_by("pk").first()
    if org:
        return org
    try:
        _display, key = diw.normalise(text)
    except diw.DIWNumberError:
        return None
    return Organisation.objects.filter(factory__diw_key=key).first()


# --- checking rows ----------------------------------------------------------------------------

# --- checking rows ----------------------------------------------------------------------------

_MISS = object()


def check_rows(actor, org: Organisation, table: imports.Table, *, spec: kinds.ImportSpec | None = None,
               replace: bool = False, reason: str = "", progress=None, today: dt.date | None = None) -> tuple[list, list[dict]]:
    """Every row of a kind checked (the table's kind unless `spec`); returns the good rows (`spec.row_class`)
    and every problem (row numbers as the file shows them)."""
    spec = spec or table.spec
    today = today or timezone.localdate()
    cols = table.columns
    problems: list[dict] = []
    rows: list = []
    orgs: dict[str, Organisation | None] = {}
    allowed: dict[int, bool] = {org.pk: may_report(actor, org, spec)}
    period = spec.period
    i_start, i_end = cols.get(period.start), (cols.get(period.end) if period.end else None)
    i_note, i_org = cols.get("note"), cols.get("organisation")
    # (column, its index in the file, its cache of parsed values or problems)
    value_cols = [(c.code, cols.get(c.code), c.parse, c.parse_none, c.required, c.default, c.depends, c.per_org,
                   {} if c.cache else None, c) for c in spec.value_columns]
    ctx = kinds.Context(actor, org, today)
    Row = spec.row_class
    dates: dict = {}  # raw -> (date, whole month) | None: a large file repeats its dates
    Invalid = kinds.Invalid
    seen = 0

    def P(n, column, value, code, **params):
        problems.append(problem(n, column, value, code, columns=cols, **params))

    def cell(values, i):
        if i is None or i >= len(values):
            return None
        v = values[i]
        if isinstance(v, str):
            v = v.strip()
            return v or None
        return v

    def parse_date(raw):
        try:
            got = dates.get(raw, _MISS)
        except TypeError:  # (an API value that is not a scalar)
            got = _MISS
            raw = str(raw)
        if got is _MISS:
            try:
                got = imports.parse_date(raw)
            except BadValue:
                got = None
            dates[raw] = got
        return got

    def empty_params(c):
        return {"column_th": c.th, "column_en": c.en} if c.empty == "empty_value" else {}

    for n, values in table.rows:
        seen += 1
        if progress and seen % 5000 == 0:
            progress("checking", seen, table.total)
        if not values or all(v is None or (isinstance(v, str) and not v.strip()) for v in values):
            continue
        if i_note is not None and imports.is_example(lambda c: cell(values, cols.get(c)), spec):
            continue
        bad = len(problems)
        # organisation
        row_org = org
        if i_org is not None and cell(values, i_org) is not None:
            key = str(cell(values, i_org))
            if key not in orgs:
                orgs[key] = resolve_org(key)
            row_org = orgs[key]
            if row_org is None:
                P(n, "organisation", key, "org_unknown")
            else:
                if row_org.pk not in allowed:
                    allowed[row_org.pk] = may_report(actor, row_org, spec)
                if not allowed[row_org.pk]:
                    P(n, "organisation", key, "org_forbidden")
        elif not allowed[org.pk]:
            P(n, "organisation", org.name, "org_forbidden")
        # the kind's columns, in order (a parser may read the columns before it: ctx.row)
        got = ctx.row = {}
        ctx.org = row_org or org
        for code, i, parse, parse_none, required, default, depends, per_org, cache, c in value_cols:
            if i is None or i >= len(values):
                raw = None
            else:
                raw = values[i]
                if isinstance(raw, str):
                    raw = raw.strip() or None
            if raw is None and not parse_none:
                if required:
                    P(n, code, None, c.empty, **empty_params(c))
                    got[code] = None
                else:
                    got[code] = default
                continue
            if parse is None:
                got[code] = raw
                continue
            hit = _MISS
            if cache is not None:
                # (a str is its own key; 1, 1.0 and True are equal keys, so other values come with their type)
                if depends:
                    key = (raw, type(raw), ctx.org.pk if per_org else None, *[got.get(d) for d in depends])
                elif per_org:
                    key = (raw, type(raw), ctx.org.pk)
                else:
                    key = raw if type(raw) is str else (raw, type(raw))
                try:
                    hit = cache.get(key, _MISS)
                except TypeError:  # (an API value that is not a scalar)
                    cache = key = None
            if hit is _MISS:
                try:
                    hit = parse(raw, ctx)
                except Invalid as exc:
                    hit = exc
                if cache is not None:
                    cache[key] = hit
            if type(hit) is Invalid:
                P(n, code, raw if hit.value is imports.UNSET else hit.value, hit.code, **hit.params)
                got[code] = None
            else:
                got[code] = hit
        # period
        raw_s = cell(values, i_start)
        start = end = None
        whole_month = False
        if raw_s is None:
            col = spec.column(period.start)
            P(n, period.start, None, "empty_date" if not period.is_month else col.empty, **empty_params(col))
        else:
            parsed = parse_date(raw_s)
            if parsed is None:
                P(n, period.start, raw_s, "bad_date")
            else:
                start, whole_month = parsed
        raw_e = None
        if period.is_month:
            if start is not None:
                start = start.replace(day=1) if start.day != 1 else start
                end = imports.month_end(start)
        else:
            raw_e = cell(values, i_end)
            if raw_e is None:
                if start is not None:
                    if whole_month or start.day == 1:
                        end = imports.month_end(start)
                    else:
                        P(n, period.end, None, "end_needed")
            else:
                parsed = parse_date(raw_e)
                if parsed is None:
                    P(n, period.end, raw_e, "bad_date")
                else:
                    end = imports.month_end(parsed[0]) if parsed[1] else parsed[0]
        if start and end:
            last = period.end or period.start
            if end < start:
                P(n, last, raw_e, "end_before_start", start=start.isoformat(), end=end.isoformat())
            elif end > today:
                P(n, last, (raw_e if period.end else raw_s) if (raw_e if period.end else raw_s) is not None else end,
                  "future", end=end.isoformat())
        if len(problems) == bad:
            rows.append(Row(n, row_org, *got.values(), start, end))
    if progress:
        progress("checking", seen, seen)
    _check_overlaps(spec, rows, problems, replace=replace, reason=reason, cols=cols)
    order = {c.code: i for i, c in enumerate(spec.columns)}
    problems.sort(key=lambda p: (p["row"] or 0, order.get(p["column"], 99)))
    return rows, problems


def _check_overlaps(spec: kinds.ImportSpec, rows: list, problems: list[dict], *, replace: bool, reason: str, cols) -> None:
    """Two rows of one series (organisation + the kind's overlap key) may not overlap, in the file or with the
    current versions already reported (unless `replace`: a locked one needs a reason)."""
    if not rows:
        return
    period = spec.period
    key_fields = spec.key_fields()
    getters = [operator.attrgetter(k) for k, _att in key_fields]

    def key_of(r):
        return (r.org.pk, *[g(r) for g in getters])

    # within the file
    by_key: dict[tuple, list] = {}
    for r in rows:
        by_key.setdefault(key_of(r), []).append(r)
    for group in by_key.values():
        if len(group) < 2:
            continue
        group.sort(key=lambda r: (r.start, r.n))
        last = group[0]
        for r in group[1:]:
            if r.start <= last.end:
                problems.append(problem(r.n, period.start, r.start, spec.overlap_code, columns=cols, other=last.n))
            if r.end > last.end:
                last = r
    # against what is already reported (current versions)
    lo, hi = min(r.start for r in rows), max(r.end for r in rows)
    sf, ef = period.start_field, period.end_field
    where = {"organisation_id__in": {r.org.pk for r in rows}, "is_current": True, **period.overlapping(lo, hi)}
    if key_fields:
        k0, att0 = key_fields[0]
        where[f"{att0}__in"] = {getattr(r, k0) for r in rows}
    fields = ["id", "organisation_id", *[att for _k, att in key_fields], sf, *([ef] if ef else []),
              "state", "series", "version"]
    index: dict[tuple, list[dict]] = {}
    for e in spec.model.objects.filter(**where).values(*fields):
        e["period_start"] = e[sf]
        e["period_end"] = e[ef] if ef else imports.month_end(e[sf])
        index.setdefault((e["organisation_id"], *[e[att] for _k, att in key_fields]), []).append(e)
    if not index:
        return
    for lst in index.values():
        lst.sort(key=lambda e: e["period_start"])
    starts = {k: [e["period_start"] for e in v] for k, v in index.items()}
    for r in rows:
        key = key_of(r)
        lst = index.get(key)
        if not lst:
            continue
        i = bisect.bisect_right(starts[key], r.end)
        hits = [e for e in lst[:i] if e["period_end"] >= r.start]
        if not hits:
            continue
        if not replace:
            e = hits[0]
            problems.append(problem(r.n, period.start, r.start, "overlap_existing", columns=cols,
                                    start=e["period_start"].isoformat(), end=e["period_end"].isoformat(),
                                    state=e["state"]))
        elif any(e["state"] == State.LOCKED for e in hits) and not (reason or "").strip():
            problems.append(problem(r.n, period.start, r.start, "locked_needs_reason", columns=cols))
        else:
            r.replaces = hits


# --- the import -----------------------------------------------------------------------------

def import_activities(actor, org: Organisation, data: bytes | None = None, **kw) -> ImportResult:
    """`import_records` of the default kind (activity data) — the entry point of the existing callers."""
    return import_records(kinds.DEFAULT, actor, org, data, **kw)


def import_records(kind, actor, org: Organisation, data: bytes | None = None, *, name: str = "",
                   items: list[dict] | None = None, source: str | None = None, replace: bool = False,
                   reason: str = "", lang: str | None = None, progress=None, keep_rejected: bool = True,
                   today: dt.date | None = None, uploaded: UploadedFile | None = None) -> ImportResult:
    """Import rows of one kind (`kind`: its code or its `ImportSpec`) from a file (`data`) or from dicts
    (`items`: form, API). All or nothing.

    Raises `Rejected(problems, batch)`; a rejected file is kept with its problems and a marked copy of
    the user's workbook (`batch.marked_file`) when `keep_rejected`. Raises KeyError for an unknown kind.
    """
    spec = kinds.get(kind) if isinstance(kind, str) else kind
    lang = lang or lang_of(actor)
    if actor is not None:  # 404 when the organisation is not visible, 403 when the user may not report for it
        access.require(actor, ReportingAction.REPORT, spec.model(organisation=org))
    sha = hashlib.sha256(data).hexdigest() if data is not None else ""
    table = None
    problems: list[dict] = []
    if data is not None:
        done = ImportBatch.objects.filter(organisation=org, sha256=sha, status=ImportBatch.Status.ACCEPTED).first()
        if done is not None:
            when = timezone.localtime(done.created_at).strftime("%Y-%m-%d %H:%M")
            problems = [problem(None, None, name, "duplicate_file", when=when, batch=done.pk)]
        else:
            try:
                table = imports.read_table(data, name, spec)
            except BadFile as exc:
                problems = exc.problems
        if source is None:
            source = Source.EXCEL if data[:4] == b"PK\x03\x04" else Source.CSV
    else:
        table = imports.rows_from_dicts(items or [], spec)
        source = source or Source.API
    rows: list = []
    if table is not None:
        rows, problems = check_rows(actor, org, table, spec=spec, replace=replace, reason=reason, progress=progress,
                                    today=today)
        if not rows and not problems:
            problems = [problem(None, None, None, "empty_file")]
    if problems:
        batch = None
        if keep_rejected and data is not None:
            batch = _keep_rejected(actor, org, data, name, sha, source, problems, lang, replace, uploaded, spec=spec)
        raise Rejected(problems, batch)
    return _save(actor, org, rows, spec=spec, data=data, name=name, sha=sha, source=source, replace=replace,
                 reason=reason, progress=progress, uploaded=uploaded)


def _keep_rejected(actor, org, data, name, sha, source, problems, lang, replace, uploaded=None, *, spec) -> ImportBatch:
    with transaction.atomic():
        f = uploaded or keep_file(actor, org, name, data)
        marked = None
        try:
            content = imports.mark_workbook(data, problems, lang, spec)
        except Exception:  # a workbook openpyxl cannot rewrite: the problem list is still there
            content = None
        if content:
            stem = (name or "upload").rsplit(".", 1)[0]
            marked = keep_file(actor, org, f"{stem}-problems.xlsx", content)
        batch = ImportBatch(organisation=org, file=f, marked_file=marked, original_name=(name or "")[:255], sha256=sha,
                            kind=spec.code, source=source, status=ImportBatch.Status.REJECTED, replace=replace, rows=0,
                            problems=problems, uploaded_by=actor if getattr(actor, "is_authenticated", False) else None)
        return history.save(actor, batch, "rejected import", validate=False)


SQLITE_IMPORT_CACHE_KIB = 16 * 1024


@contextmanager
def _sqlite_page_cache(kib: int = SQLITE_IMPORT_CACHE_KIB):
    """On SQLite, a larger page cache while a large import writes (the default 2 MiB makes every insert into the
    random `series` index go back to the file; 16 MiB keeps 100,000 rows' indexes in memory); restored after."""
    from django.db import connection

    if connection.vendor != "sqlite":
        yield
        return
    with connection.cursor() as c:
        c.execute("PRAGMA cache_size")
        old = c.fetchone()[0]
        if old < 0 and -old >= kib:
            old = None
        else:
            c.execute(f"PRAGMA cache_size = -{int(kib)}")
    try:
        yield
    finally:
        if old is not None:
            with connection.cursor() as c:
                c.execute(f"PRAGMA cache_size = {int(old)}")




def _save(actor, org, rows: list, **kw) -> ImportResult:
    if len(rows) < CHUNK:
        return _save_rows(actor, org, rows, **kw)
    with _sqlite_page_cache():
        return _save_rows(actor, org, rows, **kw)


@transaction.atomic
def _save_rows(actor, org, rows: list, *, spec: kinds.ImportSpec, data, name, sha, source, replace, reason, progress,
               uploaded=None) -> ImportResult:
    model = spec.model
    user = actor if getattr(actor, "is_authenticated", False) else None
    f = uploaded or (keep_file(actor, org, name, data) if data is not None else None)
    batch = history.save(actor, ImportBatch(
        organisation=org, file=f, original_name=(name or "")[:255], sha256=sha, kind=spec.code, source=source,
        status=ImportBatch.Status.ACCEPTED, replace=replace, rows=len(rows), problems=[], uploaded_by=user,
    ), "import", validate=False)
    # versions being replaced stop being current first (one current version per series)
    old_by_id: dict[int, object] = {}
    ids = {e["id"] for r in rows for e in r.replaces}
    if ids:
        for old in model.objects.select_for_update().filter(pk__in=ids):
            old_by_id[old.pk] = old
            old.is_current = False
            history.save(actor, old, _("replaced by import %(batch)s") % {"batch": batch.pk}, validate=False)
    # records are built, written (with their history) and dropped chunk by chunk
    fields = model._meta.concrete_fields
    pos = {f.attname: i for i, f in enumerate(fields)}
    template = [f.get_default() for f in fields]  # Django's defaults ("" for text, None …); series: per row below
    for k, v in {"state": State.DRAFT, "version": 1, "is_current": True, "reason": reason or "", "source": source,
                 "batch_id": batch.pk, "created_by_id": user.pk if user else None}.items():
        template[pos[k]] = v
    # the row's attributes written to the model's columns: the organisation, the period, the kind's fields
    mapping = [("organisation_id", "organisation_id"), (spec.period.start_field, "start")]
    if spec.period.end_field:
        mapping.append((spec.period.end_field, "end"))
    mapping += list(spec.fields.items())
    targets = [pos[att] for att, _attr in mapping]
    get = operator.attrgetter(*[attr for _att, attr in mapping])
    put = list(zip(targets, range(len(targets))))
    p_series, p_version, p_supersedes = pos["series"], pos["version"], pos["supersedes_id"]
    new_series = uuid.uuid4
    used_series: set = set()
    note = f"import {batch.pk}"
    total = len(rows)
    for i in range(0, total, CHUNK):
        part = rows[i:i + CHUNK]
        objs = []
        for r in part:
            values = template.copy()
            got = get(r)
            for p, j in put:
                values[p] = got[j]
            values[p_series] = new_series()
            for e in r.replaces:
                if e["series"] not in used_series:
                    old = old_by_id[e["id"]]
                    values[p_series], values[p_version], values[p_supersedes] = old.series, old.version + 1, old.pk
                    used_series.add(e["series"])
                    break
            objs.append(model(*values))
        history.bulk_create(actor, objs, note)
        for r, o in zip(part, objs):
            r.pk = o.pk
        del objs
        if progress:
            progress("saving", min(i + CHUNK, total), total)
    n_flags = spec.flags(rows, batch=batch) if spec.flags else 0
    _announce_replaced(spec, list(old_by_id.values()), reason or _("replaced by an import"))
    if rows:  # the organisation's approver is told (one notification for the whole import)
        starts = sorted({r.start for r in rows})
        probe = model(organisation=org, state=State.DRAFT, **{spec.period.start_field: starts[0]})
        probe.months = {(d.year, d.month) for d in starts}  # (what the link shows: one month, or the year)
        _tell_saved(actor, probe, total)
    if total >= settings.ECOTOWN_ANALYZE_AFTER_ROWS:   # a bulk load: fresh planner statistics once it is in
        from ecotown.core import dbstats
        from ecotown.core.models import ChangeRecord

        transaction.on_commit(lambda: dbstats.analyze([model, ChangeRecord]))
    return ImportResult(accepted=total, batch=batch, ids=[r.pk for r in rows], flags=n_flags, kind=spec.code)


def _tell_saved(actor, record, n: int = 1) -> None:
    """Records saved as drafts: whoever submits them is told (`workflows.SAVED`; see ecotown.core.workflow)."""
    from .workflows import SAVED

    workflow.announce(actor, record, SAVED, n=n)


def _feeding_results(olds: list) -> list:
    """Of versions about to be superseded, those whose series has a counted version (the results use
    it, and will show the new version as a pending correction of it)."""
    if not olds:
        return []
    counted = {o.series for o in olds if o.is_counted}
    rest = [o for o in olds if o.series not in counted]
    if rest:
        counted |= set(type(rest[0]).objects.filter(series__in={o.series for o in rest}, is_counted=True)
                       .values_list("series", flat=True))
    return [o for o in olds if o.series in counted]


def _announce_replaced(spec, olds: list, reason: str) -> None:
    """A new (draft) version of counted data: the results show it as a pending correction; the counted
    version keeps counting, so nothing is restated until the correction is verified."""
    hit = _feeding_results(olds)
    if not hit:
        return
    recompute.records_changed(spec.code, {o.organisation_id for o in hit}, {y for o in hit for y in o.years()},
                              reason=reason, restated=False)


# --- data-quality flags -------------------------------------------------------------------------

YOY_LIMIT = 0.5
PEER_FACTOR = 10.0
MIN_PEERS = 3


def _is_month(start: dt.date, end: dt.date) -> bool:
    return start.day == 1 and end == imports.month_end(start)


def _in_default(qty, unit, activity, cache: dict | None = None) -> float | None:
    from ecotown.calc import units
    from ecotown.calc.errors import UnitProblem

    key = (unit, activity)
    if cache is not None and key in cache:
        f = cache[key]
    else:
        try:
            f = units.factor(unit, Catalogue.get().activities[activity]["default_unit"])
        except (UnitProblem, KeyError):
            f = None
        if cache is not None:
            cache[key] = f
    return None if f is None else float(qty) * f


YOY_MESSAGE = gettext_noop(
    "%(pct)+d %% compared with the same month last year (%(qty)s %(unit)s): check the value or explain it.")
MISSING_MESSAGE = gettext_noop(
    "No data for %(months)s before this month: report the missing month or explain why there is none.")
PEERS_MESSAGE = gettext_noop(
    "Far from the %(n)s factories of the same industry (TSIC %(tsic)s): their median is %(median)s %(unit)s.")


class _Texts:
    """Thai and English texts of the flags, each translated once per computation."""

    def __init__(self):
        self._cache: dict[tuple[str, str], str] = {}

    def get(self, lang: str, msgid: str) -> str:
        key = (lang, msgid)
        if key not in self._cache:
            with translation.override(lang):
                self._cache[key] = _(msgid)
        return self._cache[key]

    def flag(self, rec, kind, msgid: str, params) -> QualityFlag:
        """`params(lang)` -> the message's parameters in that language."""
        th = self.get("th", msgid) % params("th")
        en = self.get("en", msgid) % params("en")
        return QualityFlag(organisation_id=rec.organisation_id, record_id=rec.pk, kind=kind, message_th=th,
                           message_en=en)


def _month_name(d: dt.date, lang: str | None = None) -> str:
    lang = lang or ("en" if (translation.get_language() or "th").startswith("en") else "th")
    return dates.month_label(d, lang)  # "Mar 2026" / "มี.ค. 2569"


def compute_flags(records, actor=None, *, batch: ImportBatch | None = None) -> int:
    """Flag (not block) monthly values far from last year, missing months and values far from TSIC peers.

    `records`: ActivityRecords just written (or anything with their pk, organisation_id, activity, meter,
    period_start, period_end, quantity and unit). One query reads the history the first two checks need;
    with `batch` (`records` are then all of that import's records) it skips them: they are in memory.
    """
    monthly = [r for r in records if _is_month(r.period_start, r.period_end)]
    if not monthly:
        return 0
    factors: dict = {}
    texts = _Texts()
    flags: list[QualityFlag] = []
    orgs = {r.organisation_id for r in monthly}
    acts = {r.activity for r in monthly}
    years = {r.period_start.year for r in monthly}
    prev_starts = {r.period_start.replace(year=r.period_start.year - 1) for r in monthly}
    # the organisations' current records of these activities from the year before the first to the last year
    prev: dict[tuple, dict] = {}  # (org, activity, meter) -> {month start: (quantity, unit)}
    covered: dict[tuple, dict[int, object]] = {}  # (org, activity, meter, year) -> {month: record checked now}
    history_qs = ActivityRecord.objects.filter(
        organisation_id__in=orgs, activity__in=acts, is_current=True,
        period_start__gte=dt.date(min(years) - 1, 1, 1), period_start__lte=dt.date(max(years), 12, 31))
    if batch is not None:
        history_qs = history_qs.exclude(batch=batch)
    rows = history_qs.values_list("id", "organisation_id", "activity", "meter", "period_start", "period_end",
                                  "quantity", "unit").iterator(chunk_size=5000)
    if batch is not None:
        rows = itertools.chain(rows, ((r, r.organisation_id, r.activity, r.meter, r.period_start, r.period_end,
                                       r.quantity, r.unit) for r in records))
    by_id = {r.pk: r for r in monthly} if batch is None else None  # (without a batch they come back from the query)
    for rec, org_id, act, meter, start, end, qty, unit in rows:  # rec: one of `records`, or a record id
        is_month = _is_month(start, end)
        if start in prev_starts and is_month:
            prev.setdefault((org_id, act, meter), {})[start] = (qty, unit)
        if start.year in years:
            if isinstance(rec, int):
                rec = by_id.get(rec) if by_id is not None else None
            elif not is_month:
                rec = None
            months = covered.setdefault((org_id, act, meter, start.year), {})
            for m in range(start.month, (end.month if end.year == start.year else 12) + 1):
                months[m] = rec  # None: covered by a record that is not checked now
    # 1. year on year
    for r in monthly:
        e = prev.get((r.organisation_id, r.activity, r.meter), {}).get(r.period_start.replace(year=r.period_start.year - 1))
        if not e:
            continue
        old, new = _in_default(e[0], e[1], r.activity, factors), _in_default(r.quantity, r.unit, r.activity, factors)
        if old and new is not None and abs(new - old) / old > YOY_LIMIT:
            params = {"pct": round((new - old) / old * 100), "qty": f"{e[0].normalize():,f}", "unit": e[1]}
            flags.append(texts.flag(r, QualityFlag.Kind.YEAR_ON_YEAR, YOY_MESSAGE, lambda lang, p=params: p))
    # 2. a missing month inside a reported year (per activity and meter)
    for k, months in covered.items():
        lo, hi = min(months), max(months)
        for m in range(lo + 1, hi + 1):
            if m in months and (m - 1) not in months:
                rec = months[m]
                if rec is None:
                    continue
                gap_start = max(x for x in months if x < m) + 1
                missing = [dt.date(k[3], x, 1) for x in range(gap_start, m)]
                flags.append(texts.flag(rec, QualityFlag.Kind.MISSING_MONTH, MISSING_MESSAGE, lambda lang, missing=missing: {
                    "months": ", ".join(_month_name(d, lang) for d in missing)}))
    # 3. far outside the factory's peers in the same TSIC class
    from ecotown.registry.models import FactoryDetail

    tsic = dict(FactoryDetail.objects.filter(organisation_id__in=orgs).values_list("organisation_id", "tsic_id"))
    for code in {t for t in tsic.values() if t}:
        mine = [r for r in monthly if tsic.get(r.organisation_id) == code]
        peer_vals: dict[tuple, list[float]] = {}
        for act, start, end, qty, unit in ActivityRecord.objects.filter(
                is_current=True, activity__in={r.activity for r in mine}, period_start__in={r.period_start for r in mine},
                organisation__factory__tsic_id=code).exclude(organisation_id__in={r.organisation_id for r in mine}).values_list(
                "activity", "period_start", "period_end", "quantity", "unit"):
            if _is_month(start, end):
                v = _in_default(qty, unit, act, factors)
                if v is not None:
                    peer_vals.setdefault((act, start), []).append(v)
        for r in mine:
            vals = peer_vals.get((r.activity, r.period_start), [])
            if len(vals) < MIN_PEERS:
                continue
            med = statistics.median(vals)
            v = _in_default(r.quantity, r.unit, r.activity, factors)
            if med > 0 and v is not None and (v > med * PEER_FACTOR or v < med / PEER_FACTOR):
                params = {"n": len(vals), "tsic": code, "median": f"{med:,.0f}",
                          "unit": Catalogue.get().activities[r.activity]["default_unit"]}
                flags.append(texts.flag(r, QualityFlag.Kind.PEERS, PEERS_MESSAGE, lambda lang, p=params: p))
    if flags:
        history.bulk_create(actor, flags, "quality check")
    return len(flags)


@transaction.atomic
def acknowledge_flag(actor, flag: QualityFlag, note: str = "") -> QualityFlag:
    access.require(actor, ReportingAction.REPORT, flag)
    if flag.acknowledged_at is None:
        flag.acknowledged_by, flag.acknowledged_at, flag.note = actor, timezone.now(), note[:2000]
        history.save(actor, flag, "acknowledged", validate=False)
    return flag


# --- the review workflow ------------------------------------------------------------------------

# the review workflow itself is declared in reporting/workflows.py (ecotown.core.workflow)
def submit(actor, records: list[ActivityRecord]) -> int:
    """draft → submitted (the factory approver). Refused as a whole while a record has an open flag."""
    return len(workflow.transition(actor, list(records), "submit"))


def verify(actor, records: list[ActivityRecord]) -> int:
    """submitted → verified (the estate or the authority). Tells the results."""
    return len(workflow.transition(actor, list(records), "verify"))


def return_to_draft(actor, record: ActivityRecord, reason: str) -> ActivityRecord:
    """submitted → draft with a reason (the verifier or the approver sends it back)."""
    return workflow.transition(actor, record, "return", reason)[0]


@transaction.atomic
def lock_year(actor, year: int, organisations=None) -> int:
    """Year end: every current verified record ending in `year` (activities, production, employees) becomes
    locked (authority administrator)."""
    _require(actor, ReportingAction.LOCK, ReportingCalendar(year=year))
    records = []
    for model, lookup in ((ActivityRecord, "period_end__year"), (ProductionRecord, "period_end__year"),
                          (EmployeeRecord, "month__year")):
        qs = model.objects.select_for_update(of=("self",)).select_related("organisation").filter(
            is_current=True, state=State.VERIFIED, **{lookup: year})
        if organisations is not None:
            qs = qs.filter(organisation__in=organisations)
        records += list(qs)
    return len(workflow.transition(actor, records, "lock", note=f"locked at the end of {year}", year=year))


def _label(r) -> str:
    return workflows.label(r)


@transaction.atomic
def amend(actor, record: ActivityRecord, data: dict, reason: str = "") -> ActivityRecord:
    """Change a record: in place while it is a draft, otherwise a new version (reason required after lock)."""
    access.require(actor, ReportingAction.REPORT, record)
    record = ActivityRecord.objects.select_for_update().get(pk=record.pk)
    if not record.is_current:
        raise ReportingError.OLD_VERSION.invalid()
    if record.state == State.LOCKED and not (reason or "").strip():
        raise ReportingError.LOCKED_RECORD_NEEDS_REASON.invalid("reason")
    item = {"period_start": record.period_start, "period_end": record.period_end, "activity": record.activity,
            "quantity": record.quantity, "unit": record.unit, "meter": record.meter, "data_source": record.data_source,
            **data}
    table = imports.rows_from_dicts([item])
    rows, problems = check_rows(actor, record.organisation, table)
    # the record itself does not count as an overlap
    problems = [p for p in problems if p["code"] not in {"overlap_existing"}]
    if not problems:
        others = ActivityRecord.objects.filter(
            organisation=record.organisation, activity=rows[0].activity, meter=rows[0].meter, is_current=True,
            period_start__lte=rows[0].end, period_end__gte=rows[0].start).exclude(pk=record.pk)
        if others.exists():
            o = others.first()
            problems.append(problem(1, "period_start", rows[0].start, "overlap_existing", start=o.period_start.isoformat(),
                                    end=o.period_end.isoformat(), state=o.state))
    if problems:
        raise _as_validation_error(problems, lang_of(actor))
    row = rows[0]
    fields = dict(activity=row.activity, quantity=row.quantity, unit=row.unit, period_start=row.start,
                  period_end=row.end, meter=row.meter, data_source=row.data_source)
    if record.state == State.DRAFT:
        for k, v in fields.items():
            setattr(record, k, v)
        if reason:
            record.reason = reason
        history.save(actor, record, reason or "changed", validate=False)
        for flag in record.flags.filter(acknowledged_at__isnull=True):  # checked again below
            history.delete(actor, flag, "record changed")
        compute_flags([record], actor)
        if _feeding_results([record]):  # a pending correction changed: the results show its new size
            recompute.records_changed(kinds.of(record).code, {record.organisation_id}, record.years(),
                                      reason=reason or "changed", restated=False)
        _tell_saved(actor, record)
        return record
    feeds = bool(_feeding_results([record]))
    record.is_current = False
    history.save(actor, record, f"superseded: {reason}"[:500], validate=False)
    new = ActivityRecord(organisation=record.organisation, series=record.series, version=record.version + 1,
                         supersedes=record, reason=reason, source=Source.FORM, state=State.DRAFT,
                         created_by=actor if getattr(actor, "is_authenticated", False) else None, **fields)
    history.save(actor, new, f"version {new.version}: {reason}"[:500], validate=False)
    if feeds:  # a pending correction of counted data: the results show it (their totals stay)
        recompute.records_changed(kinds.of(record).code, {record.organisation_id}, record.years() | new.years(),
                                  reason=reason or "new version", restated=False)
    compute_flags([new], actor)
    _tell_saved(actor, new)
    return new


@transaction.atomic
def add_evidence(actor, record: ActivityRecord, name: str, data: bytes) -> UploadedFile:
    """Attach a bill or meter photo to a record (recorded in its history)."""
    access.require(actor, ReportingAction.REPORT, record)
    f = keep_file(actor, record.organisation, name, data)
    before = sorted(record.evidence.values_list("pk", flat=True))
    record.evidence.add(f)
    history._record(actor, record, "update", {"evidence": before}, {"evidence": before + [f.pk]},
                    f"evidence: {f.original_name}")
    return f


# --- the reporting calendar and reminders -------------------------------------------------------

def default_deadline(year: int, month: int) -> dt.date:
    """Without a calendar: the given day of the following month (setting ECOTOWN_REPORTING_DEADLINE_DAY, 15)."""
    day = int(getattr(settings, "ECOTOWN_REPORTING_DEADLINE_DAY", 15))
    y, m = (year + 1, 1) if month == 12 else (year, month + 1)
    return dt.date(y, m, min(day, 28))


@transaction.atomic
def set_calendar(actor, year: int, deadlines: dict[int, dt.date] | None = None, *, note: str = "",
                 remind_days_before: int | None = None, escalate_days_after: int | None = None) -> ReportingCalendar:
    """Create or change the year's reporting calendar (authority administrator)."""
    cal = ReportingCalendar.objects.filter(year=year).first() or ReportingCalendar(year=year)
    _require(actor, Action.CHANGE, cal)
    if not 2000 <= year <= 2100:
        raise ReportingError.BAD_YEAR.invalid("year")
    cal.note = note or cal.note
    if remind_days_before is not None:
        cal.remind_days_before = remind_days_before
    if escalate_days_after is not None:
        cal.escalate_days_after = escalate_days_after
    history.save(actor, cal, "calendar")
    existing = {p.month: p for p in cal.periods.all()}
    errors = Problems()
    for month in range(1, 13):
        deadline = (deadlines or {}).get(month) or (existing[month].deadline if month in existing else default_deadline(year, month))
        if deadline <= imports.month_end(dt.date(year, month, 1)):
            errors.add(f"m{month}", ReportingError.DEADLINE_IN_MONTH)
            continue
        p = existing.get(month) or ReportingPeriod(calendar=cal, year=year, month=month, deadline=deadline)
        if p.pk is None or p.deadline != deadline:
            p.deadline = deadline
            history.save(actor, p, "deadline")
    errors.raise_if_any()
    return cal


def periods_for(year: int) -> dict[int, ReportingPeriod]:
    """month -> period (from the calendar; unsaved defaults where there is none)."""
    found = {p.month: p for p in ReportingPeriod.objects.filter(year=year)}
    return {m: found.get(m) or ReportingPeriod(year=year, month=m, deadline=default_deadline(year, m)) for m in range(1, 13)}


def send_reminders(today: dt.date | None = None) -> dict:
    """Reminders before and after each deadline to the factory's reporters, and an escalation to the
    estate manager; each sent once (see tasks.send_reminders, run daily by the worker)."""
    from ecotown.accounts.models import Membership
    from ecotown.accounts.roles import Role
    from ecotown.core.services import notify

    from .models import Reminder
    from .selectors import reported_org_ids

    today = today or timezone.localdate()
    sent = {"before": 0, "after": 0, "escalate": 0}
    reporters: dict[int, list] = {}
    for m in Membership.objects.filter(is_active=True, role__in=[Role.FACTORY_PREPARER, Role.FACTORY_APPROVER],
                                       organisation__kind="factory").select_related("user", "organisation"):
        reporters.setdefault(m.organisation_id, []).append(m)
    managers: dict[int, list] = {}
    for m in Membership.objects.filter(is_active=True, role=Role.ESTATE_MANAGER).select_related("user"):
        managers.setdefault(m.organisation_id, []).append(m.user)
    for period in ReportingPeriod.objects.select_related("calendar").filter(
            deadline__gte=today - dt.timedelta(days=120), deadline__lte=today + dt.timedelta(days=60)):
        cal = period.calendar
        if today < period.deadline - dt.timedelta(days=cal.remind_days_before):
            continue
        if today <= period.deadline:
            kind = "before"
        elif today <= period.deadline + dt.timedelta(days=cal.escalate_days_after):
            kind = "after"
        else:
            kind = "escalate"
        reported = reported_org_ids(period.start, period.end)
        done = set(Reminder.objects.filter(period=period, kind=kind).values_list("organisation_id", flat=True))
        month_th = _month_th(period)
        month_en = period.start.strftime("%B %Y")
        late_by_estate: dict[int, list] = {}
        for org_id, members in reporters.items():
            if org_id in reported or org_id in done:
                continue
            org = members[0].organisation
            if kind == "escalate":
                late_by_estate.setdefault(org.parent_id, []).append(org)
                continue
            for m in members:
                if kind == "before":
                    notify(m.user, title_th=f"เตือน: ส่งข้อมูลเดือน{month_th} ภายใน {dates.numeric_date_th(period.deadline)}",
                           title_en=f"Reminder: report {month_en} by {period.deadline.isoformat()}",
                           body_th=f"{org.name_th} ยังไม่ได้ส่งข้อมูลกิจกรรมของเดือน{month_th}",
                           body_en=f"{org.name_en} has not yet reported activity data for {month_en}.",
                           link=f"/reporting/org/{org.pk}/")
                else:
                    notify(m.user, title_th=f"เลยกำหนด: ข้อมูลเดือน{month_th} ยังไม่ได้ส่ง",
                           title_en=f"Overdue: {month_en} has not been reported",
                           body_th=f"กำหนดส่งคือ {dates.numeric_date_th(period.deadline)}",
                           body_en=f"The deadline was {period.deadline.isoformat()}.", link=f"/reporting/org/{org.pk}/")
            Reminder.objects.create(period=period, organisation=org, kind=kind)
            sent[kind] += 1
        for estate_id, orgs in late_by_estate.items():
            for user in managers.get(estate_id, []):
                names_th = ", ".join(o.name_th for o in orgs[:20])
                names_en = ", ".join(o.name_en for o in orgs[:20])
                notify(user, title_th=f"ติดตาม: {len(orgs)} โรงงานยังไม่ส่งข้อมูลเดือน{month_th}",
                       title_en=f"Escalation: {len(orgs)} factories have not reported {month_en}",
                       body_th=names_th, body_en=names_en, link=f"/reporting/completeness/?year={period.year}&month={period.month}")
            for o in orgs:
                Reminder.objects.create(period=period, organisation=o, kind=kind)
                sent[kind] += 1
    return sent


def _month_th(period) -> str:
    return dates.month_year_th(period.year, period.month)


# --- production and employees (for intensity indicators) -----------------------------------------

def _versioned_save(actor, spec: kinds.ImportSpec, current, new, reason: str):
    """Same period again: a draft changes in place; otherwise a new version (reason required after lock)."""
    if current is None:
        history.save(actor, new, "reported")
        _tell_saved(actor, new)
        return new
    if current.state == State.DRAFT:
        for att in spec.fields:
            setattr(current, att, getattr(new, att))
        history.save(actor, current, reason or "changed")
        if _feeding_results([current]):  # a pending correction changed
            recompute.records_changed(spec.code, {current.organisation_id}, current.years(), reason=reason or "changed",
                                      restated=False)
        _tell_saved(actor, current)
        return current
    if current.state == State.LOCKED and not (reason or "").strip():
        raise ReportingError.LOCKED_RECORD_NEEDS_REASON.invalid("reason")
    feeds = bool(_feeding_results([current]))
    current.is_current = False
    history.save(actor, current, f"superseded: {reason}"[:500], validate=False)
    new.series, new.version, new.supersedes, new.reason = current.series, current.version + 1, current, reason
    history.save(actor, new, f"version {new.version}: {reason}"[:500])
    if feeds:  # a pending correction of counted data (the counted version keeps counting)
        recompute.records_changed(spec.code, {new.organisation_id}, current.years() | new.years(),
                                  reason=reason or "new version", restated=False)
    _tell_saved(actor, new)
    return new


def _as_validation_error(problems: list[dict], lang: str) -> ValidationError:
    """The pipeline's problems of one row as a form's coded errors ({column: [message with its code]})."""
    errs = Problems()
    for p in problems:
        errs.extend(ValidationError(imports.message(p, lang), code=p["code"]), p["column"])
    return errs.exception()


@transaction.atomic
def save_one(kind, actor, org, item: dict, reason: str = ""):
    """One row of a kind entered on a form: the import's own checks (`check_rows`, the kind's parsers),
    then the same period again changes a draft in place or makes a new version (a reason after lock);
    an overlapping other period is refused. Returns the saved record; raises ValidationError with the
    pipeline's codes (field = the kind's column)."""
    spec = kinds.get(kind) if isinstance(kind, str) else kind
    lang = lang_of(actor)
    access.require(actor, ReportingAction.REPORT, spec.model(organisation=org))
    rows, problems = check_rows(actor, org, imports.rows_from_dicts([item], spec), spec=spec)
    current = None
    if rows and [p["code"] for p in problems] == ["overlap_existing"]:
        row = rows[0]
        period = spec.period
        same = {f"{att}": getattr(row, code) for code, att in spec.key_fields()}
        same[period.start_field] = row.start
        if period.end_field:
            same[period.end_field] = row.end
        current = spec.model.objects.select_for_update().filter(organisation=org, is_current=True, **same).first()
        if current is not None:
            problems = []  # the same period of the same series: a change, not an overlap
    if problems:
        raise _as_validation_error(problems, lang)
    row = rows[0]
    values = {att: getattr(row, code) for att, code in spec.fields.items()}
    values[spec.period.start_field] = row.start
    if spec.period.end_field:
        values[spec.period.end_field] = row.end
    user = actor if getattr(actor, "is_authenticated", False) else None
    new = spec.model(organisation=org, created_by=user, source=Source.FORM, **values)
    return _versioned_save(actor, spec, current, new, reason)


def save_production(actor, org, product, period_start: dt.date, period_end: dt.date, quantity, reason: str = "") -> ProductionRecord:
    """Production of one of the organisation's products for a period (in the product's unit): `save_one`."""
    return save_one("production", actor, org, {"period_start": period_start, "period_end": period_end,
                                               "product": product.pk, "quantity": quantity}, reason)


def save_employees(actor, org, month: dt.date, employees: int, reason: str = "") -> EmployeeRecord:
    """Employees in a month (any day of the month may be given): `save_one`."""
    return save_one("employees", actor, org, {"month": month, "employees": employees}, reason)
