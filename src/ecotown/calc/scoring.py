"""Evaluate a criteria framework against indicator values -> level reached, blockers and gaps.

Pure (no Django). The rules are the contract of `ecotown assess` (../shared/cases/README.md):

* At level L an indicator *counts* only if it has a threshold for L. It *passes* if its value
  meets the threshold; with no value it is *missing* (not passing, listed in `missing`, not in
  `failed`).
* Dimension share = points passing / points counted in that dimension at L (dimensions with
  nothing counted at L are omitted). Total share = points passing / points counted over all
  dimensions — NOT the mean of the dimension shares. Shares are exact `Fraction`s (0.6 meets 0.6).
* L is achieved when every counted prerequisite passes, every dimension share ≥
  min_dimension_share, the total share ≥ min_total_share, the level below is achieved (true for
  the lowest), and the level below was held in each of the `held_previous_years` years
  year−N … year−1, where holding a higher level counts as holding the lower ones.
* Every level is evaluated; `level` is the highest achieved. `gaps` lists, for the next level
  (above `level`, or the lowest when none is achieved; nothing above the top), every counted
  indicator that does not pass there, by points descending then framework order.
"""
from __future__ import annotations

from dataclasses import dataclass, field
from fractions import Fraction
from typing import Any, Mapping

from ecotown.calc.errors import CalcError, PathProblem, ValuesInvalid
from ecotown.calc.framework import (
    BAND_MAX,
    BAND_MIN,
    Framework,
    Indicator,
    parse_yaml,
    to_fraction,
)

HISTORY_KEY = "history"


# ---------------------------------------------------------------------------------------------
# Values
# ---------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Values:
    """Validated values: indicator id -> value (bool for checklists, number otherwise) and the
    held-years history {level id: sorted years}."""

    values: Mapping[str, Any]
    history: Mapping[str, tuple[int, ...]]


def validate_values(
    framework: Framework,
    data: Any,
    *,
    history: Mapping[str, Any] | None = None,
    file: str | None = None,
    lines: Mapping[str, int] | None = None,
    raw: Mapping[str, str] | None = None,
) -> Values:
    """Check a values mapping against the framework; raise `ValuesInvalid` with every problem.

    `data` may contain the reserved key `history`; `history` may also be passed separately.
    Null values count as missing (not answered)."""
    lines = dict(lines or {})
    raw = dict(raw or {})
    problems: list[PathProblem] = []

    def add(path: str, en: str, th: str, value: Any = None, *, code: CalcError) -> None:
        line = lines.get(path)
        if line is None:
            line = lines.get(path.split(".")[0].split("[")[0])
        problems.append(PathProblem(en, th, file=file, line=line, path=path, value=value, code=code))

    if data is None:
        data = {}
    if not isinstance(data, Mapping):
        add("", "the values file must be a mapping of indicator id -> value",
            "ไฟล์ค่าต้องเป็นแมปปิงของรหัสตัวชี้วัด -> ค่า", data, code=CalcError.WRONG_TYPE)
        raise ValuesInvalid(problems)
    by_id: dict[str, Indicator] = {ind.id: ind for _, ind in framework.indicators()}
    out: dict[str, Any] = {}
    for key, value in data.items():
        if key == HISTORY_KEY:
            continue
        path = str(key)
        ind = by_id.get(key) if isinstance(key, str) else None
        if ind is None:
            add(path, f"unknown indicator id {key!r} in framework {framework.id}",
                f"ไม่รู้จักรหัสตัวชี้วัด {key!r} ในกรอบเกณฑ์ {framework.id}", key, code=CalcError.UNKNOWN_ID)
            continue
        if value is None:
            continue
        shown = raw.get(path, value)
        if ind.kind == "checklist":
            if not isinstance(value, bool) or (path in raw and raw[path].lower() not in ("true", "false")):
                add(path, f"a checklist value must be true or false (got {shown!r})",
                    f"ค่าของรายการตรวจสอบต้องเป็น true หรือ false (ได้ {shown!r})", value, code=CalcError.WRONG_TYPE)
                continue
        elif isinstance(value, bool) or not isinstance(value, (int, float)) or value != value \
                or value in (float("inf"), float("-inf")):
            add(path, f"a {ind.kind} value must be a number (got {shown!r})",
                f"ค่าแบบ {ind.kind} ต้องเป็นตัวเลข (ได้ {shown!r})", value, code=CalcError.WRONG_TYPE)
            continue
        elif ind.kind == "band" and (not isinstance(value, int) or not BAND_MIN <= value <= BAND_MAX):
            add(path, f"a band value must be a whole number from 0 to 5 (got {shown!r})",
                f"ค่าระดับขั้นต้องเป็นจำนวนเต็ม 0 ถึง 5 (ได้ {shown!r})", value, code=CalcError.WRONG_TYPE)
            continue
        out[key] = value

    hist_raw = history if history is not None else data.get(HISTORY_KEY)
    hist: dict[str, tuple[int, ...]] = {}
    level_ids = [lv.id for lv in framework.levels]
    if hist_raw is not None:
        if not isinstance(hist_raw, Mapping):
            add(HISTORY_KEY, "must be a mapping {level id: [years held]}",
                "ต้องเป็นแมปปิง {รหัสระดับ: [ปีที่ครองระดับ]}", hist_raw, code=CalcError.WRONG_TYPE)
        else:
            for lid, years in hist_raw.items():
                path = f"{HISTORY_KEY}.{lid}"
                if lid not in level_ids:
                    add(path, f"unknown level id {lid!r} (levels: {', '.join(level_ids)})",
                        f"ไม่รู้จักรหัสระดับ {lid!r} (ระดับที่มี: {', '.join(level_ids)})", lid, code=CalcError.UNKNOWN_ID)
                    continue
                if years is None:
                    years = []
                if not isinstance(years, (list, tuple)):
                    add(path, "must be a list of years", "ต้องเป็นรายการของปี", years, code=CalcError.WRONG_TYPE)
                    continue
                good = []
                for k, y in enumerate(years):
                    if isinstance(y, bool) or not isinstance(y, int):
                        add(f"{path}[{k}]", f"a year must be a whole number (got {y!r})",
                            f"ปีต้องเป็นจำนวนเต็ม (ได้ {y!r})", y, code=CalcError.WRONG_TYPE)
                    else:
                        good.append(y)
                hist[lid] = tuple(sorted(set(good)))
    if problems:
        raise ValuesInvalid(problems)
    return Values(values=out, history=hist)


def load_values_text(framework: Framework, text: str, file: str | None = None) -> Values:
    doc = parse_yaml(text, file)
    if doc.problems and doc.data is None:
        raise ValuesInvalid(doc.problems)
    try:
        vals = validate_values(framework, doc.data, file=file, lines=doc.lines, raw=doc.raw)
    except ValuesInvalid as exc:
        raise ValuesInvalid(doc.problems + exc.problems) from None
    if doc.problems:
        raise ValuesInvalid(doc.problems)
    return vals


# ---------------------------------------------------------------------------------------------
# Results
# ---------------------------------------------------------------------------------------------


def _share_out(f: Fraction | None) -> float | None:
    return None if f is None else float(f)


def _num_out(f: Fraction) -> int | float:
    return int(f) if f.denominator == 1 else float(f)


@dataclass(frozen=True)
class Blocker:
    """What stops a level. kind: prerequisite | dimension_share | total_share | level_below |
    held_years. `details` holds the rest (JSON-ready)."""

    kind: str
    details: Mapping[str, Any] = field(default_factory=dict)

    def to_json_dict(self) -> dict:
        return {"kind": self.kind, **self.details}


@dataclass(frozen=True)
class IndicatorOutcome:
    indicator: str
    dimension: str
    status: str  # passed | failed | missing
    value: Any
    required: Any
    points: Fraction
    prerequisite: bool


@dataclass(frozen=True)
class LevelResult:
    level: str
    achieved: bool
    share_by_dimension: Mapping[str, Fraction]
    points_by_dimension: Mapping[str, tuple[Fraction, Fraction]]  # (passing, counted)
    total_share: Fraction | None
    points_passing: Fraction
    points_counted: Fraction
    outcomes: tuple[IndicatorOutcome, ...]  # counted indicators, framework order
    blockers: tuple[Blocker, ...]

    @property
    def failed(self) -> list[str]:
        return [o.indicator for o in self.outcomes if o.status == "failed"]

    @property
    def missing(self) -> list[str]:
        return [o.indicator for o in self.outcomes if o.status == "missing"]

    @property
    def passed(self) -> list[str]:
        return [o.indicator for o in self.outcomes if o.status == "passed"]

    def to_json_dict(self) -> dict:
        return {
            "achieved": self.achieved,
            "share_by_dimension": {k: _share_out(v) for k, v in self.share_by_dimension.items()},
            "total_share": _share_out(self.total_share),
            "failed": self.failed,
            "missing": self.missing,
            "blockers": [b.to_json_dict() for b in self.blockers],
        }


@dataclass(frozen=True)
class Gap:
    indicator: str
    level: str
    value: Any
    required: Any
    points: Fraction
    dimension: str

    def to_json_dict(self) -> dict:
        return {"indicator": self.indicator, "level": self.level, "value": self.value,
                "required": self.required, "points": _num_out(self.points)}


@dataclass(frozen=True)
class AssessmentResult:
    framework: str
    version: str
    year: int
    level: str | None
    levels: tuple[LevelResult, ...]
    gaps: tuple[Gap, ...]
    content_hash: str = ""
    # band frameworks: {dimension: {indicator: band or None}}
    band_profile: Mapping[str, Mapping[str, Any]] | None = None
    # single-level frameworks: % compliance per dimension and overall
    compliance: Mapping[str, Any] | None = None

    def level_result(self, level_id: str) -> LevelResult:
        for lr in self.levels:
            if lr.level == level_id:
                return lr
        raise KeyError(level_id)

    def to_json_dict(self) -> dict:
        out: dict[str, Any] = {
            "framework": self.framework,
            "version": self.version,
            "level": self.level,
            "levels": {lr.level: lr.to_json_dict() for lr in self.levels},
            "gaps": [g.to_json_dict() for g in self.gaps],
            "year": self.year,
            "framework_hash": self.content_hash,
        }
        if self.band_profile is not None:
            out["band_profile"] = {d: dict(p) for d, p in self.band_profile.items()}
        if self.compliance is not None:
            out["compliance"] = dict(self.compliance)
        return out


# ---------------------------------------------------------------------------------------------
# The engine
# ---------------------------------------------------------------------------------------------


def _held(framework: Framework, level_index: int, year: int, history: Mapping[str, tuple[int, ...]]) -> bool:
    """Was the level at `level_index` (or any higher level) held in `year`?"""
    return any(year in history.get(lv.id, ()) for lv in framework.levels[level_index:])


def assess(
    framework: Framework,
    values: Mapping[str, Any] | Values,
    year: int,
    history: Mapping[str, Any] | None = None,
) -> AssessmentResult:
    """Assess `values` ({indicator id: value}) for `year` against `framework`.

    `history` is {level id: [years held]}; it may also be given as the `history` key of `values`.
    Raises `ValuesInvalid` if a value does not fit the framework."""
    if not isinstance(values, Values):
        values = validate_values(framework, dict(values), history=history)
    vals, hist = values.values, values.history

    results: list[LevelResult] = []
    below_achieved = True
    for li, lv in enumerate(framework.levels):
        outcomes: list[IndicatorOutcome] = []
        pts: dict[str, list[Fraction]] = {}
        for dim, ind in framework.indicators():
            th = ind.threshold(lv.id)
            if th is None:
                continue
            value = vals.get(ind.id)
            if value is None:
                status = "missing"
            else:
                status = "passed" if th.met(value) else "failed"
            outcomes.append(IndicatorOutcome(ind.id, dim.id, status, value, th.written, ind.points,
                                             ind.prerequisite))
            acc = pts.setdefault(dim.id, [Fraction(0), Fraction(0)])
            acc[1] += ind.points
            if status == "passed":
                acc[0] += ind.points
        share_by_dim = {d: p / c for d, (p, c) in pts.items()}
        passing = sum((p for p, _ in pts.values()), Fraction(0))
        counted = sum((c for _, c in pts.values()), Fraction(0))
        total = passing / counted if counted else None

        blockers: list[Blocker] = []
        for o in outcomes:
            if o.prerequisite and o.status != "passed":
                blockers.append(Blocker("prerequisite", {
                    "indicator": o.indicator, "dimension": o.dimension, "status": o.status,
                    "value": o.value, "required": o.required}))
        for d, share in share_by_dim.items():
            if share < lv.rule.min_dimension_share:
                p, c = pts[d]
                blockers.append(Blocker("dimension_share", {
                    "dimension": d, "share": float(share),
                    "required": float(lv.rule.min_dimension_share),
                    "points_passing": _num_out(p), "points_counted": _num_out(c)}))
        if total is None or total < lv.rule.min_total_share:
            blockers.append(Blocker("total_share", {
                "share": _share_out(total), "required": float(lv.rule.min_total_share),
                "points_passing": _num_out(passing), "points_counted": _num_out(counted)}))
        if li > 0 and not below_achieved:
            blockers.append(Blocker("level_below", {"level": framework.levels[li - 1].id}))
        n = lv.rule.held_previous_years
        if li > 0 and n > 0:
            wanted = list(range(year - n, year))
            not_held = [y for y in wanted if not _held(framework, li - 1, y, hist)]
            if not_held:
                blockers.append(Blocker("held_years", {
                    "level": framework.levels[li - 1].id, "years_required": wanted,
                    "years_not_held": not_held}))
        achieved = not blockers
        results.append(LevelResult(
            level=lv.id, achieved=achieved, share_by_dimension=share_by_dim,
            points_by_dimension={d: (p, c) for d, (p, c) in pts.items()}, total_share=total,
            points_passing=passing, points_counted=counted, outcomes=tuple(outcomes),
            blockers=tuple(blockers)))
        below_achieved = achieved

    level = None
    for lr in results:
        if lr.achieved:
            level = lr.level
        else:
            break
    next_index = 0 if level is None else framework.level_index(level) + 1
    gaps: list[Gap] = []
    if next_index < len(results):
        nxt = results[next_index]
        order = [o for o in nxt.outcomes if o.status != "passed"]
        # stable sort: points descending, ties keep framework order
        order.sort(key=lambda o: -o.points)
        gaps = [Gap(o.indicator, nxt.level, o.value, o.required, o.points, o.dimension) for o in order]

    band_profile = None
    if any(ind.kind == "band" for _, ind in framework.indicators()):
        band_profile = {}
        for dim in framework.dimensions:
            bands = {ind.id: vals.get(ind.id) for ind in dim.indicators if ind.kind == "band"}
            if not bands:
                continue
            given = [v for v in bands.values() if v is not None]
            band_profile[dim.id] = {
                "bands": bands,
                "min": min(given) if given else None,
                "mean": float(sum(to_fraction(v) for v in given) / len(given)) if given else None,
            }

    compliance = None
    if len(framework.levels) == 1 or framework.reporting == "compliance":
        only = results[0]
        compliance = {
            "level": only.level,
            "by_dimension_pct": {d: float(s * 100) for d, s in only.share_by_dimension.items()},
            "overall_pct": None if only.total_share is None else float(only.total_share * 100),
        }

    return AssessmentResult(
        framework=framework.id, version=framework.version, year=year, level=level,
        levels=tuple(results), gaps=tuple(gaps), content_hash=framework.content_hash,
        band_profile=band_profile, compliance=compliance)
