"""Criteria frameworks as data: load, validate, export and hash (no Django import).

A framework (IEAT Eco-Industrial Town, UNIDO's EIP framework, Green Industry 1–5, an Industry 4.0
readiness index …) is a YAML document of levels and dimensions of indicators. `load_framework`
turns YAML text, a file or a mapping into frozen dataclasses, or raises `FrameworkInvalid` listing
EVERY problem, each named by its path (e.g. `dimensions[2].indicators[0].thresholds.L9`) and, when
the input was YAML text, its line.

The shape (the issue's shape, plus optional extensions marked *ext*):

    id: ieat-eit                    # [a-z0-9][a-z0-9._-]*
    version: "2026.1"               # string (or integer)
    name: {th: ..., en: ...}
    applies_to: estate              # estate | port | factory | school
    reporting: levels               # ext: levels (default) | compliance | bands
    description: {th, en}           # ext, optional
    sources: [...]                  # ext, optional, free-form (kept and exported as written)
    notes: {th, en} | [...]         # ext, optional, free-form
    levels:                         # lowest first
      - id: eco-champion
        name: {th, en}              # optional
        rule: {min_dimension_share: 0.6, min_total_share: 0.7, held_previous_years: 0}
        rule_status: inferred       # ext, optional: official | secondary_verify | illustrative | inferred
        note: {th, en}              # ext, optional
    dimensions:
      - id: physical
        name: {th, en}
        indicators:
          - id: PHY-GREEN-AREA
            name: {th, en}
            kind: metric            # metric | checklist | band (0–5)
            metric: land.green_area_share_pct   # optional KPI binding
            unit: percent           # required for metric
            points: 10              # > 0
            prerequisite: false     # optional, default false
            thresholds: {eco-champion: ">= 5", eco-excellence: ">= 10"}
            threshold_status: illustrative      # official | secondary_verify | illustrative
            evidence: required      # optional: none | optional (default) | required
            description: {th, en}   # ext, optional
            topic: [green-building] # ext, optional: a tag or a list of tags
            requirement: performance  # ext, optional: prerequisite | performance (EIP wording)

Thresholds: `"OP NUMBER"` with OP in `>= > <= < ==` for metric and band (a band may also be a bare
integer 0–5, meaning `>=`); the YAML booleans `true`/`false` for a checklist (the value must equal
it). Numbers are kept as exact `Fraction`s.
"""
from __future__ import annotations

import functools
import hashlib
import json
import re
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path
from typing import Any, Iterable, Mapping

import yaml

from ecotown.calc.errors import CalcError, FrameworkInvalid, PathProblem

KINDS = ("metric", "checklist", "band")
APPLIES_TO = ("estate", "port", "factory", "school")
THRESHOLD_STATUSES = ("official", "secondary_verify", "illustrative")
RULE_STATUSES = ("official", "secondary_verify", "illustrative", "inferred")
EVIDENCE = ("none", "optional", "required")
REPORTING = ("levels", "compliance", "bands")
OPERATORS = (">=", "<=", "==", ">", "<")
RESERVED_IDS = ("history",)
BAND_MIN, BAND_MAX = 0, 5

_ID_RE = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]*$")
_THRESHOLD_RE = re.compile(
    r"^\s*(>=|<=|==|>|<)\s*([+-]?(?:\d+(?:\.\d*)?|\.\d+)(?:[eE][+-]?\d+)?)\s*$"
)

# ---------------------------------------------------------------------------------------------
# Dataclasses
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Text:
    """A Thai + English text."""

    th: str
    en: str

    def get(self, lang: str = "en") -> str:
        return self.th if lang == "th" else self.en

    def to_dict(self) -> dict:
        return {"th": self.th, "en": self.en}


@dataclass(frozen=True)
class Rule:
    min_dimension_share: Fraction
    min_total_share: Fraction
    held_previous_years: int = 0


@dataclass(frozen=True)
class Level:
    id: str
    rule: Rule
    name: Text | None = None
    rule_status: str | None = None
    note: Text | None = None


@dataclass(frozen=True)
class Threshold:
    """One pass mark. `written` is the threshold as written in the framework file."""

    op: str  # one of OPERATORS, or "is" for a checklist
    target: Fraction | bool
    written: str | int | bool

    def met(self, value: Any) -> bool:
        """Does `value` (already validated for the indicator's kind) meet the threshold?"""
        if self.op == "is":
            return value is self.target
        v = to_fraction(value)
        t = self.target
        if self.op == ">=":
            return v >= t
        if self.op == ">":
            return v > t
        if self.op == "<=":
            return v <= t
        if self.op == "<":
            return v < t
        return v == t


@dataclass(frozen=True)
class Indicator:
    id: str
    name: Text
    kind: str
    points: Fraction
    thresholds: tuple[tuple[str, Threshold], ...]
    threshold_status: str
    unit: str | None = None
    metric: str | None = None
    prerequisite: bool = False
    evidence: str = "optional"
    description: Text | None = None
    topic: tuple[str, ...] = ()
    requirement: str | None = None
    points_written: int | float = 0

    def threshold(self, level_id: str) -> Threshold | None:
        for lid, th in self.thresholds:
            if lid == level_id:
                return th
        return None


@dataclass(frozen=True)
class Dimension:
    id: str
    name: Text
    indicators: tuple[Indicator, ...]


@dataclass(frozen=True)
class Framework:
    id: str
    version: str
    name: Text
    applies_to: str
    levels: tuple[Level, ...]
    dimensions: tuple[Dimension, ...]
    reporting: str = "levels"
    description: Text | None = None
    sources: Any = None
    notes: Any = None

    def level_index(self, level_id: str) -> int:
        for i, lv in enumerate(self.levels):
            if lv.id == level_id:
                return i
        raise KeyError(level_id)

    def indicators(self) -> Iterable[tuple[Dimension, Indicator]]:
        for dim in self.dimensions:
            for ind in dim.indicators:
                yield dim, ind

    def indicator(self, indicator_id: str) -> Indicator:
        for _, ind in self.indicators():
            if ind.id == indicator_id:
                return ind
        raise KeyError(indicator_id)

    @property
    def content_hash(self) -> str:
        return content_hash(self)


def to_fraction(value: Any) -> Fraction:
    """Exact value of a number as written: 0.6 -> 3/5 (via its shortest decimal repr)."""
    if isinstance(value, Fraction):
        return value
    if isinstance(value, int):
        return Fraction(value)
    return Fraction(repr(float(value)))


# ---------------------------------------------------------------------------------------------
# YAML with lines, duplicate keys and strict booleans
# ---------------------------------------------------------------------------------------------


@dataclass
class YamlDoc:
    """Parsed YAML data plus, for each path, its line and (for scalars) the raw text."""

    data: Any
    lines: dict[str, int] = field(default_factory=dict)
    raw: dict[str, str] = field(default_factory=dict)
    problems: list[PathProblem] = field(default_factory=list)


def join_path(base: str, key: Any) -> str:
    if isinstance(key, int):
        return f"{base}[{key}]"
    return f"{base}.{key}" if base else str(key)


# libyaml's loader when PyYAML was built with it (several times faster), else the pure-Python one
_LOADER = getattr(yaml, "CSafeLoader", yaml.SafeLoader)


def parse_yaml(text: str, file: str | None = None) -> YamlDoc:
    """Parse YAML; record the line of every path; report duplicate keys and syntax errors."""
    doc = YamlDoc(data=None)
    try:
        node = yaml.compose(text, Loader=_LOADER)
        data = yaml.load(text, Loader=_LOADER)
    except yaml.YAMLError as exc:
        mark = getattr(exc, "problem_mark", None)
        line = mark.line + 1 if mark is not None else None
        detail = str(getattr(exc, "problem", None) or exc)
        doc.problems.append(
            PathProblem(
                f"not valid YAML: {detail}", f"ไม่ใช่ YAML ที่ถูกต้อง: {detail}", file=file, line=line,
                code=CalcError.YAML_SYNTAX,
            )
        )
        return doc
    doc.data = data
    if node is not None:
        _walk(node, "", doc, file)
    return doc


def _walk(node: yaml.Node, path: str, doc: YamlDoc, file: str | None) -> None:
    doc.lines.setdefault(path, node.start_mark.line + 1)
    if isinstance(node, yaml.MappingNode):
        seen: dict[str, int] = {}
        for knode, vnode in node.value:
            key = knode.value if isinstance(knode, yaml.ScalarNode) else "?"
            sub = join_path(path, key)
            line = knode.start_mark.line + 1
            if key in seen:
                doc.problems.append(
                    PathProblem(
                        f"duplicate key {key!r} (first on line {seen[key]})",
                        f"คีย์ {key!r} ซ้ำ (ครั้งแรกที่บรรทัด {seen[key]})",
                        file=file,
                        line=line,
                        path=sub,
                        code=CalcError.DUPLICATE_KEY,
                    )
                )
                continue
            seen[key] = line
            doc.lines[sub] = line
            _walk(vnode, sub, doc, file)
    elif isinstance(node, yaml.SequenceNode):
        for i, item in enumerate(node.value):
            _walk(item, join_path(path, i), doc, file)
    elif isinstance(node, yaml.ScalarNode):
        doc.raw[path] = node.value


# ---------------------------------------------------------------------------------------------
# Validation
# ---------------------------------------------------------------------------------------------


class _Checker:
    """Collects problems; knows the file and the line of each path."""

    def __init__(self, file: str | None, lines: Mapping[str, int] | None, raw: Mapping[str, str] | None):
        self.file = file
        self.lines = dict(lines or {})
        self.raw = dict(raw or {})
        self.problems: list[PathProblem] = []

    def line_of(self, path: str) -> int | None:
        p = path
        while True:
            if p in self.lines:
                return self.lines[p]
            if not p:
                return None
            cut = max(p.rfind("."), p.rfind("["))
            p = p[:cut] if cut > 0 else ""

    def add(self, path: str, en: str, th: str, value: Any = None, *, code: CalcError) -> None:
        self.problems.append(
            PathProblem(en, th, file=self.file, line=self.line_of(path), path=path, value=value, code=code)
        )

    # --- typed getters: return None (after recording a problem) when wrong ---

    def mapping(self, obj: Any, path: str) -> Mapping | None:
        if not isinstance(obj, Mapping):
            self.add(path, "must be a mapping (key: value)", "ต้องเป็นแมปปิง (คีย์: ค่า)", obj, code=CalcError.WRONG_TYPE)
            return None
        return obj

    def unknown_keys(self, obj: Mapping, path: str, allowed: Iterable[str]) -> None:
        allowed = set(allowed)
        for key in obj:
            if key not in allowed:
                self.add(
                    join_path(path, key),
                    f"unknown field {key!r} (allowed: {', '.join(sorted(allowed))})",
                    f"ไม่รู้จักฟิลด์ {key!r} (ที่ใช้ได้: {', '.join(sorted(allowed))})",
                    code=CalcError.UNKNOWN_FIELD)

    def required(self, obj: Mapping, key: str, path: str) -> Any:
        if key not in obj or obj[key] is None:
            self.add(join_path(path, key), f"missing field {key!r}", f"ไม่มีฟิลด์ {key!r}", code=CalcError.MISSING_FIELD)
            return None
        return obj[key]

    def string(self, obj: Mapping, key: str, path: str, *, required: bool = True) -> str | None:
        if key not in obj or obj[key] is None:
            if required:
                self.add(join_path(path, key), f"missing field {key!r}", f"ไม่มีฟิลด์ {key!r}", code=CalcError.MISSING_FIELD)
            return None
        v = obj[key]
        if not isinstance(v, str) or not v.strip():
            self.add(join_path(path, key), "must be a non-empty text", "ต้องเป็นข้อความที่ไม่ว่าง", v, code=CalcError.WRONG_TYPE)
            return None
        return v

    def ident(self, obj: Mapping, key: str, path: str) -> str | None:
        v = obj.get(key)
        if v is None:
            self.add(join_path(path, key), f"missing field {key!r}", f"ไม่มีฟิลด์ {key!r}", code=CalcError.MISSING_FIELD)
            return None
        if not isinstance(v, str) or not _ID_RE.match(v):
            self.add(
                join_path(path, key),
                f"must be an id of letters, digits, '.', '_' or '-' (got {v!r})",
                f"ต้องเป็นรหัสที่ประกอบด้วยตัวอักษร ตัวเลข '.', '_' หรือ '-' (ได้ {v!r})",
                v,
                code=CalcError.WRONG_TYPE)
            return None
        return v

    def choice(self, obj: Mapping, key: str, path: str, choices: tuple[str, ...], default: str | None = None) -> str | None:
        if key not in obj or obj[key] is None:
            if default is None:
                self.add(
                    join_path(path, key),
                    f"missing field {key!r} (one of: {', '.join(choices)})",
                    f"ไม่มีฟิลด์ {key!r} (ค่าใดค่าหนึ่งใน: {', '.join(choices)})",
                    code=CalcError.MISSING_FIELD)
            return default
        v = obj[key]
        if v not in choices:
            self.add(
                join_path(path, key),
                f"must be one of: {', '.join(choices)} (got {v!r})",
                f"ต้องเป็นค่าใดค่าหนึ่งใน: {', '.join(choices)} (ได้ {v!r})",
                v,
                code=CalcError.NOT_A_CHOICE)
            return None
        return v

    def boolean(self, obj: Mapping, key: str, path: str, default: bool) -> bool:
        if key not in obj or obj[key] is None:
            return default
        v = obj[key]
        p = join_path(path, key)
        if not self.is_strict_bool(v, p):
            self.add(p, f"must be true or false (got {self.raw.get(p, v)!r})",
                     f"ต้องเป็น true หรือ false (ได้ {self.raw.get(p, v)!r})", v, code=CalcError.WRONG_TYPE)
            return default
        return v

    def is_strict_bool(self, v: Any, path: str) -> bool:
        """True for a real boolean spelled true/false (YAML 1.1's yes/no/on/off are refused)."""
        if not isinstance(v, bool):
            return False
        raw = self.raw.get(path)
        return raw is None or raw.lower() in ("true", "false")

    def text(self, obj: Mapping, key: str, path: str, *, required: bool = True) -> Text | None:
        if key not in obj or obj[key] is None:
            if required:
                self.add(join_path(path, key), f"missing field {key!r} ({{th, en}})",
                         f"ไม่มีฟิลด์ {key!r} ({{th, en}})", code=CalcError.MISSING_FIELD)
            return None
        p = join_path(path, key)
        m = self.mapping(obj[key], p)
        if m is None:
            return None
        self.unknown_keys(m, p, ("th", "en"))
        th = self.string(m, "th", p)
        en = self.string(m, "en", p)
        if th is None or en is None:
            return None
        return Text(th=th, en=en)

    def share(self, obj: Mapping, key: str, path: str) -> Fraction | None:
        p = join_path(path, key)
        if key not in obj or obj[key] is None:
            self.add(p, f"missing field {key!r} (a share from 0 to 1)", f"ไม่มีฟิลด์ {key!r} (สัดส่วน 0 ถึง 1)", code=CalcError.MISSING_FIELD)
            return None
        v = obj[key]
        if isinstance(v, bool) or not isinstance(v, (int, float)):
            self.add(p, f"must be a number from 0 to 1 (got {v!r})", f"ต้องเป็นตัวเลข 0 ถึง 1 (ได้ {v!r})", v, code=CalcError.WRONG_TYPE)
            return None
        f = to_fraction(v)
        if not 0 <= f <= 1:
            self.add(p, f"must be from 0 to 1 (got {v!r})", f"ต้องอยู่ระหว่าง 0 ถึง 1 (ได้ {v!r})", v, code=CalcError.OUT_OF_RANGE)
            return None
        return f


def _parse_threshold(ck: _Checker, kind: str, value: Any, path: str) -> Threshold | None:
    if kind == "checklist":
        if ck.is_strict_bool(value, path):
            return Threshold("is", value, value)
        ck.add(path,
               f"a checklist threshold must be true or false (got {ck.raw.get(path, value)!r})",
               f"เกณฑ์ของรายการตรวจสอบต้องเป็น true หรือ false (ได้ {ck.raw.get(path, value)!r})", value, code=CalcError.WRONG_TYPE)
        return None
    if kind == "band" and isinstance(value, int) and not isinstance(value, bool):
        if BAND_MIN <= value <= BAND_MAX:
            return Threshold(">=", Fraction(value), value)
        ck.add(path, f"a band threshold must be from 0 to 5 (got {value!r})",
               f"เกณฑ์ระดับขั้นต้องอยู่ระหว่าง 0 ถึง 5 (ได้ {value!r})", value, code=CalcError.INVALID_THRESHOLD)
        return None
    if isinstance(value, str):
        m = _THRESHOLD_RE.match(value)
        if m:
            target = Fraction(m.group(2))
            if kind == "band" and not BAND_MIN <= target <= BAND_MAX:
                ck.add(path, f"a band threshold must be from 0 to 5 (got {value!r})",
                       f"เกณฑ์ระดับขั้นต้องอยู่ระหว่าง 0 ถึง 5 (ได้ {value!r})", value, code=CalcError.INVALID_THRESHOLD)
                return None
            return Threshold(m.group(1), target, value)
    shown = ck.raw.get(path, value)
    extra_en = " or an integer 0–5" if kind == "band" else ""
    extra_th = " หรือจำนวนเต็ม 0–5" if kind == "band" else ""
    ck.add(path,
           f"a {kind} threshold must be a text 'OP NUMBER' with OP one of >= > <= < =={extra_en} (got {shown!r})",
           f"เกณฑ์แบบ {kind} ต้องเป็นข้อความ 'OP ตัวเลข' โดย OP เป็น >= > <= < =={extra_th} (ได้ {shown!r})",
           value, code=CalcError.INVALID_THRESHOLD)
    return None


_TOP_KEYS = ("id", "version", "name", "applies_to", "levels", "dimensions", "reporting",
             "description", "sources", "notes")
_LEVEL_KEYS = ("id", "name", "rule", "rule_status", "note")
_RULE_KEYS = ("min_dimension_share", "min_total_share", "held_previous_years")
_DIM_KEYS = ("id", "name", "indicators", "description")
_IND_KEYS = ("id", "name", "kind", "metric", "unit", "points", "prerequisite", "thresholds",
             "threshold_status", "evidence", "description", "topic", "requirement")


def validate_framework(
    data: Any,
    *,
    file: str | None = None,
    lines: Mapping[str, int] | None = None,
    raw: Mapping[str, str] | None = None,
) -> Framework:
    """Validate a mapping (parsed YAML) into a `Framework`; raise `FrameworkInvalid` with all
    problems. `lines`/`raw` (from `parse_yaml`) add line numbers and strict boolean checks."""
    ck = _Checker(file, lines, raw)
    top = ck.mapping(data, "")
    if top is None:
        raise FrameworkInvalid(ck.problems)
    ck.unknown_keys(top, "", _TOP_KEYS)
    fid = ck.ident(top, "id", "")
    version = top.get("version")
    if version is None:
        ck.add("version", "missing field 'version'", "ไม่มีฟิลด์ 'version'", code=CalcError.MISSING_FIELD)
    elif isinstance(version, bool) or not isinstance(version, (str, int)) or (isinstance(version, str) and not version.strip()):
        ck.add("version", f"must be a text such as \"2026.1\" (quote it; got {version!r})",
               f"ต้องเป็นข้อความ เช่น \"2026.1\" (ใส่เครื่องหมายคำพูด; ได้ {version!r})", version, code=CalcError.WRONG_TYPE)
        version = None
    name = ck.text(top, "name", "")
    applies_to = ck.choice(top, "applies_to", "", APPLIES_TO)
    reporting = ck.choice(top, "reporting", "", REPORTING, default="levels")
    description = ck.text(top, "description", "", required=False)

    # --- levels ---
    levels: list[Level] = []
    level_ids: list[str] = []
    raw_levels = ck.required(top, "levels", "")
    if raw_levels is not None:
        if not isinstance(raw_levels, list) or not raw_levels:
            ck.add("levels", "must be a non-empty list (lowest level first)",
                   "ต้องเป็นรายการที่ไม่ว่าง (ระดับต่ำสุดก่อน)", code=CalcError.WRONG_TYPE)
        else:
            for i, lv in enumerate(raw_levels):
                p = f"levels[{i}]"
                m = ck.mapping(lv, p)
                if m is None:
                    level_ids.append(None)  # keep positions
                    continue
                ck.unknown_keys(m, p, _LEVEL_KEYS)
                lid = ck.ident(m, "id", p)
                if lid is not None:
                    if lid in level_ids:
                        ck.add(f"{p}.id", f"duplicate level id {lid!r}", f"รหัสระดับ {lid!r} ซ้ำ", lid, code=CalcError.DUPLICATE_ID)
                        lid = None
                    elif lid in RESERVED_IDS:
                        ck.add(f"{p}.id", f"{lid!r} is reserved", f"{lid!r} เป็นคำสงวน", lid, code=CalcError.RESERVED_ID)
                level_ids.append(lid)
                lname = ck.text(m, "name", p, required=False)
                rule = None
                rp = f"{p}.rule"
                rm = ck.required(m, "rule", p)
                if rm is not None:
                    rm = ck.mapping(rm, rp)
                if rm is not None:
                    ck.unknown_keys(rm, rp, _RULE_KEYS)
                    mds = ck.share(rm, "min_dimension_share", rp)
                    mts = ck.share(rm, "min_total_share", rp)
                    held = rm.get("held_previous_years", 0)
                    if held is None:
                        held = 0
                    if isinstance(held, bool) or not isinstance(held, int) or held < 0:
                        ck.add(f"{rp}.held_previous_years",
                               f"must be a whole number ≥ 0 (got {held!r})",
                               f"ต้องเป็นจำนวนเต็ม ≥ 0 (ได้ {held!r})", held, code=CalcError.WRONG_TYPE)
                        held = None
                    elif i == 0 and held > 0:
                        ck.add(f"{rp}.held_previous_years",
                               f"must be 0 on the lowest level: there is no level below to hold (got {held})",
                               f"ระดับต่ำสุดต้องเป็น 0 เพราะไม่มีระดับที่ต่ำกว่าให้ครองไว้ (ได้ {held})", held, code=CalcError.OUT_OF_RANGE)
                        held = None
                    if mds is not None and mts is not None and held is not None:
                        rule = Rule(mds, mts, held)
                rule_status = ck.choice(m, "rule_status", p, RULE_STATUSES, default="") or None
                note = ck.text(m, "note", p, required=False)
                if lid is not None and rule is not None:
                    levels.append(Level(id=lid, rule=rule, name=lname, rule_status=rule_status, note=note))
    known_levels = {lid for lid in level_ids if lid}

    # --- dimensions ---
    dimensions: list[Dimension] = []
    dim_ids: set[str] = set()
    ind_ids: dict[str, str] = {}
    counted_levels: set[str] = set()
    raw_dims = ck.required(top, "dimensions", "")
    if raw_dims is not None:
        if not isinstance(raw_dims, list) or not raw_dims:
            ck.add("dimensions", "must be a non-empty list", "ต้องเป็นรายการที่ไม่ว่าง", code=CalcError.WRONG_TYPE)
        else:
            for d, dm in enumerate(raw_dims):
                p = f"dimensions[{d}]"
                m = ck.mapping(dm, p)
                if m is None:
                    continue
                ck.unknown_keys(m, p, _DIM_KEYS)
                did = ck.ident(m, "id", p)
                if did is not None:
                    if did in dim_ids:
                        ck.add(f"{p}.id", f"duplicate dimension id {did!r}", f"รหัสมิติ {did!r} ซ้ำ", did, code=CalcError.DUPLICATE_ID)
                    dim_ids.add(did)
                dname = ck.text(m, "name", p)
                inds: list[Indicator] = []
                raw_inds = ck.required(m, "indicators", p)
                if raw_inds is not None and (not isinstance(raw_inds, list) or not raw_inds):
                    ck.add(f"{p}.indicators", "must be a non-empty list", "ต้องเป็นรายการที่ไม่ว่าง", code=CalcError.WRONG_TYPE)
                    raw_inds = None
                for j, im in enumerate(raw_inds or []):
                    ind = _indicator(ck, im, f"{p}.indicators[{j}]", known_levels, ind_ids, counted_levels)
                    if ind is not None:
                        inds.append(ind)
                if did is not None and dname is not None:
                    dimensions.append(Dimension(id=did, name=dname, indicators=tuple(inds)))

    # every level must be counted somewhere
    if raw_dims and isinstance(raw_dims, list):
        for i, lid in enumerate(level_ids):
            if lid and lid not in counted_levels:
                ck.add(f"levels[{i}]",
                       f"level {lid!r} has no threshold in any indicator",
                       f"ระดับ {lid!r} ไม่มีเกณฑ์ในตัวชี้วัดใดเลย", lid, code=CalcError.INVALID_THRESHOLD)
    if reporting == "compliance" and isinstance(raw_levels, list) and len(raw_levels) != 1:
        ck.add("reporting", "'compliance' reporting needs exactly one level (e.g. 'compliant')",
               "การรายงานแบบ 'compliance' ต้องมีระดับเดียว (เช่น 'compliant')", code=CalcError.INVALID)

    if ck.problems:
        raise FrameworkInvalid(ck.problems)
    return Framework(
        id=fid, version=str(version), name=name, applies_to=applies_to, levels=tuple(levels),
        dimensions=tuple(dimensions), reporting=reporting, description=description,
        sources=top.get("sources"), notes=top.get("notes"),
    )


def _indicator(ck: _Checker, im: Any, p: str, known_levels: set[str], ind_ids: dict[str, str],
               counted_levels: set[str]) -> Indicator | None:
    m = ck.mapping(im, p)
    if m is None:
        return None
    ck.unknown_keys(m, p, _IND_KEYS)
    iid = ck.ident(m, "id", p)
    if iid is not None:
        if iid in RESERVED_IDS:
            ck.add(f"{p}.id", f"{iid!r} is reserved for the held-years history; choose another id",
                   f"{iid!r} สงวนไว้สำหรับประวัติการครองระดับ กรุณาใช้รหัสอื่น", iid, code=CalcError.RESERVED_ID)
            iid = None
        elif iid in ind_ids:
            ck.add(f"{p}.id", f"duplicate indicator id {iid!r} (also at {ind_ids[iid]})",
                   f"รหัสตัวชี้วัด {iid!r} ซ้ำ (มีที่ {ind_ids[iid]} แล้ว)", iid, code=CalcError.DUPLICATE_ID)
            iid = None
        else:
            ind_ids[iid] = p
    name = ck.text(m, "name", p)
    kind = ck.choice(m, "kind", p, KINDS)
    metric = ck.string(m, "metric", p, required=False)
    unit = ck.string(m, "unit", p, required=(kind == "metric"))
    points_raw = m.get("points")
    points = None
    if points_raw is None:
        ck.add(f"{p}.points", "missing field 'points'", "ไม่มีฟิลด์ 'points'", code=CalcError.MISSING_FIELD)
    elif isinstance(points_raw, bool) or not isinstance(points_raw, (int, float)) or points_raw != points_raw:
        ck.add(f"{p}.points", f"must be a number > 0 (got {points_raw!r})",
               f"ต้องเป็นตัวเลขที่มากกว่า 0 (ได้ {points_raw!r})", points_raw, code=CalcError.WRONG_TYPE)
    elif points_raw <= 0:
        ck.add(f"{p}.points", f"must be > 0 (got {points_raw!r})", f"ต้องมากกว่า 0 (ได้ {points_raw!r})",
               points_raw, code=CalcError.OUT_OF_RANGE)
    else:
        points = to_fraction(points_raw)
    prerequisite = ck.boolean(m, "prerequisite", p, False)
    status = ck.choice(m, "threshold_status", p, THRESHOLD_STATUSES)
    evidence = ck.choice(m, "evidence", p, EVIDENCE, default="optional")
    description = ck.text(m, "description", p, required=False)
    requirement = ck.choice(m, "requirement", p, ("prerequisite", "performance"), default="") or None
    topic_raw = m.get("topic")
    topic: tuple[str, ...] = ()
    if isinstance(topic_raw, str):
        topic = (topic_raw,)
    elif isinstance(topic_raw, list) and all(isinstance(t, str) for t in topic_raw):
        topic = tuple(topic_raw)
    elif topic_raw is not None:
        ck.add(f"{p}.topic", "must be a tag or a list of tags", "ต้องเป็นแท็กหรือรายการแท็ก", topic_raw, code=CalcError.WRONG_TYPE)

    thresholds: list[tuple[str, Threshold]] = []
    tp = f"{p}.thresholds"
    traw = ck.required(m, "thresholds", p)
    ok = True
    if traw is not None:
        tm = ck.mapping(traw, tp)
        if tm is None:
            ok = False
        elif not tm:
            ck.add(tp, "must name at least one level", "ต้องระบุอย่างน้อยหนึ่งระดับ", code=CalcError.MISSING_FIELD)
            ok = False
        else:
            for lid, tv in tm.items():
                sp = f"{tp}.{lid}"
                if lid not in known_levels:
                    ck.add(sp, f"unknown level id {lid!r} (levels: {', '.join(sorted(known_levels))})",
                           f"ไม่รู้จักรหัสระดับ {lid!r} (ระดับที่มี: {', '.join(sorted(known_levels))})", lid, code=CalcError.UNKNOWN_ID)
                    ok = False
                    continue
                counted_levels.add(lid)
                if kind is None:
                    continue
                th = _parse_threshold(ck, kind, tv, sp)
                if th is None:
                    ok = False
                else:
                    thresholds.append((lid, th))
    if None in (iid, name, kind, points, status, evidence) or traw is None or not ok:
        return None
    if kind == "metric" and unit is None:
        return None
    return Indicator(
        id=iid, name=name, kind=kind, points=points, thresholds=tuple(thresholds),
        threshold_status=status, unit=unit, metric=metric, prerequisite=prerequisite,
        evidence=evidence, description=description, topic=topic, requirement=requirement,
        points_written=points_raw,
    )


# ---------------------------------------------------------------------------------------------
# Loading, export, hash
# ---------------------------------------------------------------------------------------------


def load_framework_text(text: str, file: str | None = None) -> Framework:
    """Parse and validate; the same text is parsed once per process (the frameworks are frozen dataclasses,
    shared safely; a list of 1,000 results of one framework version reads it once, not 1,000 times)."""
    return _load_cached(hashlib.sha256(text.encode("utf-8")).hexdigest(), text, file)


@functools.lru_cache(maxsize=128)
def _load_cached(_digest: str, text: str, file: str | None) -> Framework:
    doc = parse_yaml(text, file)
    if doc.problems and doc.data is None:
        raise FrameworkInvalid(doc.problems)
    try:
        fw = validate_framework(doc.data, file=file, lines=doc.lines, raw=doc.raw)
    except FrameworkInvalid as exc:
        raise FrameworkInvalid(doc.problems + exc.problems) from None
    if doc.problems:
        raise FrameworkInvalid(doc.problems)
    return fw


def load_framework_file(path: str | Path) -> Framework:
    path = Path(path)
    try:
        text = path.read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        code = CalcError.FILE_NOT_FOUND if isinstance(exc, FileNotFoundError) else CalcError.FILE_UNREADABLE
        raise FrameworkInvalid([PathProblem(f"cannot read the file: {exc}", f"อ่านไฟล์ไม่ได้: {exc}",
                                            file=str(path), code=code)]) from None
    return load_framework_text(text, file=str(path))


def load_framework(source: str | Path | Mapping, file: str | None = None) -> Framework:
    """Load a framework from a mapping, YAML text or a `Path`; raise `FrameworkInvalid`."""
    if isinstance(source, Framework):
        return source
    if isinstance(source, Path):
        return load_framework_file(source)
    if isinstance(source, str):
        return load_framework_text(source, file=file)
    return validate_framework(source, file=file)


def shipped_frameworks_dir() -> Path:
    return Path(__file__).resolve().parent.parent / "data" / "frameworks"


def shipped_frameworks() -> dict[str, Path]:
    """{file stem: path} of the frameworks shipped under ecotown/data/frameworks/."""
    return {p.stem: p for p in sorted(shipped_frameworks_dir().glob("*.yaml"))}


def _threshold_out(th: Threshold) -> Any:
    return th.written


def framework_to_dict(fw: Framework) -> dict:
    """A plain mapping of the framework in the file shape (round-trips through `load_framework`)."""
    out: dict[str, Any] = {
        "id": fw.id,
        "version": fw.version,
        "name": fw.name.to_dict(),
        "applies_to": fw.applies_to,
        "reporting": fw.reporting,
    }
    if fw.description:
        out["description"] = fw.description.to_dict()
    if fw.sources is not None:
        out["sources"] = fw.sources
    if fw.notes is not None:
        out["notes"] = fw.notes
    out["levels"] = []
    for lv in fw.levels:
        d: dict[str, Any] = {"id": lv.id}
        if lv.name:
            d["name"] = lv.name.to_dict()
        d["rule"] = {
            "min_dimension_share": _num(lv.rule.min_dimension_share),
            "min_total_share": _num(lv.rule.min_total_share),
            "held_previous_years": lv.rule.held_previous_years,
        }
        if lv.rule_status:
            d["rule_status"] = lv.rule_status
        if lv.note:
            d["note"] = lv.note.to_dict()
        out["levels"].append(d)
    out["dimensions"] = []
    for dim in fw.dimensions:
        inds = []
        for ind in dim.indicators:
            i: dict[str, Any] = {"id": ind.id, "name": ind.name.to_dict(), "kind": ind.kind}
            if ind.metric:
                i["metric"] = ind.metric
            if ind.unit:
                i["unit"] = ind.unit
            i["points"] = ind.points_written
            i["prerequisite"] = ind.prerequisite
            i["thresholds"] = {lid: _threshold_out(th) for lid, th in ind.thresholds}
            i["threshold_status"] = ind.threshold_status
            i["evidence"] = ind.evidence
            if ind.requirement:
                i["requirement"] = ind.requirement
            if ind.topic:
                i["topic"] = list(ind.topic)
            if ind.description:
                i["description"] = ind.description.to_dict()
            inds.append(i)
        out["dimensions"].append({"id": dim.id, "name": dim.name.to_dict(), "indicators": inds})
    return out


def _num(f: Fraction) -> int | float:
    return int(f) if f.denominator == 1 else float(f)


def dump_framework(fw: Framework) -> str:
    """Export a framework as YAML text (Thai kept as UTF-8; order as in the framework)."""
    header = (
        f"# {fw.name.en} / {fw.name.th}\n"
        f"# framework {fw.id} version {fw.version}; content hash {content_hash(fw)}\n"
    )
    return header + yaml.safe_dump(framework_to_dict(fw), allow_unicode=True, sort_keys=False, width=100)


def content_hash(fw: Framework) -> str:
    """A stable SHA-256 of the framework's content (independent of comments, key order and
    formatting of the source file)."""
    canon = json.dumps(framework_to_dict(fw), sort_keys=True, ensure_ascii=False, separators=(",", ":"),
                       default=str)
    return "sha256:" + hashlib.sha256(canon.encode("utf-8")).hexdigest()
