"""Narrow exception classes and error codes of the calculation core (no Django import).

Every user-facing problem is a `Problem` (file, line, column, a `code` from `CalcError`, message in
Thai and English); an `InputError` carries all problems found in one pass so the user sees every
one at once. `Problem.to_dict(lang)` is the one error shape of EcoTown for calculators:
`{"path", "code", "message"}` (plus `file` and `line` when known); the Django side
(`ecotown.core.errors`) turns problems into service errors with the same codes.
"""
from __future__ import annotations

import enum
from dataclasses import dataclass, field


class CalcError(str, enum.Enum):
    """Codes of every problem the calculators report; each with a short Thai/English title (the
    problem's own message says exactly what is wrong)."""

    def __new__(cls, value: str, en: str, th: str):
        obj = str.__new__(cls, value)
        obj._value_ = value
        obj.title_en = en
        obj.title_th = th
        return obj

    def __str__(self) -> str:
        return self.value

    def title(self, lang: str = "en") -> str:
        return self.title_th if lang == "th" else self.title_en

    # files and tables
    USAGE = "usage", "wrong command-line arguments", "อาร์กิวเมนต์ไม่ถูกต้อง"
    FILE_NOT_FOUND = "file_not_found", "file not found", "ไม่พบไฟล์"
    FILE_UNREADABLE = "file_unreadable", "the file cannot be read", "อ่านไฟล์ไม่ได้"
    FILE_EMPTY = "file_empty", "the file is empty", "ไฟล์ว่าง"
    MISSING_COLUMN = "missing_column", "a required column is missing", "ไม่มีคอลัมน์ที่ต้องมี"
    EMPTY_VALUE = "empty_value", "a required value is empty", "ไม่ได้ระบุค่าที่ต้องมี"
    NOT_A_NUMBER = "not_a_number", "not a number", "ไม่ใช่ตัวเลข"
    NEGATIVE_VALUE = "negative_value", "a negative value", "ค่าติดลบ"
    NOT_A_DATE = "not_a_date", "not a date (YYYY-MM-DD)", "วันที่ไม่ถูกต้อง"
    END_BEFORE_START = "end_before_start", "the end is before the start", "วันสิ้นสุดมาก่อนวันเริ่มต้น"
    NOT_A_CHOICE = "not_a_choice", "not one of the allowed values", "ไม่ใช่ค่าที่กำหนดให้เลือก"
    DUPLICATE_KEY = "duplicate_key", "a duplicate key", "คีย์ซ้ำ"
    MORE_PROBLEMS = "more_problems", "more lines with the same problem", "มีบรรทัดอื่นที่มีปัญหาเดียวกันอีก"
    # units and conversions
    EMPTY_UNIT = "empty_unit", "no unit given", "ไม่ได้ระบุหน่วย"
    AMBIGUOUS_UNIT = "ambiguous_unit", "an ambiguous unit", "หน่วยกำกวม"
    UNKNOWN_UNIT = "unknown_unit", "an unknown unit", "ไม่รู้จักหน่วย"
    UNIT_DIMENSION = "unit_dimension", "a unit of the wrong dimension", "หน่วยผิดมิติ"
    NO_CONVERSION = "no_conversion", "no conversion reaches the factor's unit", "ไม่มีค่าแปลงหน่วยไปยังหน่วยของค่าสัมประสิทธิ์"
    AMBIGUOUS_CONVERSION = "ambiguous_conversion", "several conversions fit", "มีค่าแปลงหน่วยหลายค่า"
    HEATING_BASIS_MISMATCH = "heating_basis_mismatch", "the factor and the heating value use different bases", \
        "ค่าสัมประสิทธิ์และค่าความร้อนใช้ฐานต่างกัน"
    # greenhouse gases
    UNKNOWN_ACTIVITY = "unknown_activity", "an unknown activity (no factor)", "ไม่รู้จักกิจกรรม"
    NO_FACTOR_FOR_PERIOD = "no_factor_for_period", "no factor valid for the period", "ไม่มีค่าสัมประสิทธิ์ที่ใช้ได้ในช่วงเวลานั้น"
    NO_GWP = "no_gwp", "a gas without a GWP in the chosen set", "ก๊าซไม่มีค่า GWP ในชุดที่เลือก"
    MARKET_BASIS_SCOPE = "market_basis_scope", "the market basis applies only to Scope 2", "ฐาน market ใช้ได้กับขอบเขตที่ 2 เท่านั้น"
    BLEND_FRACTIONS = "blend_fractions", "the mass fractions of a blend do not sum to 1", \
        "สัดส่วนโดยมวลของสารผสมรวมกันไม่เท่ากับ 1"
    # structured files (frameworks, values)
    YAML_SYNTAX = "yaml_syntax", "not valid YAML", "ไม่ใช่ YAML ที่ถูกต้อง"
    MISSING_FIELD = "missing_field", "a required field is missing", "ไม่มีฟิลด์ที่ต้องมี"
    UNKNOWN_FIELD = "unknown_field", "an unknown field", "ไม่รู้จักฟิลด์"
    WRONG_TYPE = "wrong_type", "a value of the wrong type", "ชนิดของค่าไม่ถูกต้อง"
    OUT_OF_RANGE = "out_of_range", "a value out of range", "ค่าอยู่นอกช่วงที่กำหนด"
    DUPLICATE_ID = "duplicate_id", "a duplicate id", "รหัสซ้ำ"
    RESERVED_ID = "reserved_id", "a reserved id", "รหัสที่เป็นคำสงวน"
    UNKNOWN_ID = "unknown_id", "an unknown id", "ไม่รู้จักรหัส"
    INVALID_THRESHOLD = "invalid_threshold", "an invalid threshold", "เกณฑ์ไม่ถูกต้อง"
    INVALID = "invalid", "invalid input", "ข้อมูลไม่ถูกต้อง"


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input. `line` is 1-based with the header as line 1."""

    message_en: str
    message_th: str
    file: str | None = None
    line: int | None = None
    column: str | None = None
    value: object = None
    code: str = CalcError.INVALID.value

    def message(self, lang: str = "en") -> str:
        return self.message_th if lang == "th" else self.message_en

    def where(self) -> str | None:
        """What the problem is in: the column (tables) or the path (structured files)."""
        return self.column

    def to_dict(self, lang: str = "en") -> dict:
        """The one error shape: {"path", "code", "message"} (+ "file", "line" when known)."""
        out = {"path": self.where(), "code": str(self.code), "message": self.message(lang)}
        if self.file is not None:
            out["file"] = self.file
        if self.line is not None:
            out["line"] = self.line
        return out

    def format(self, lang: str = "en") -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            parts.append(("บรรทัด " if lang == "th" else "line ") + str(self.line))
        if self.column:
            parts.append(("คอลัมน์ " if lang == "th" else "column ") + str(self.column))
        where = ", ".join(parts)
        return f"{where}: {self.message(lang)}" if where else self.message(lang)


def problem_line(problem: Problem, lang: str, errors: str = "text") -> str:
    """One stderr line of a command-line calculator: the contract's text line (file, line, column
    or path, what is wrong), or with ERRORS "json" the same as one JSON object with the code."""
    if errors == "json":
        import json

        return json.dumps(problem.to_dict(lang), ensure_ascii=False, default=str)
    return problem.format(lang)


def errors_format_from(argv: list[str]) -> str:
    """`--errors json|text` picked early (usage errors are reported in it too)."""
    for i, a in enumerate(argv):
        if a == "--errors" and i + 1 < len(argv) and argv[i + 1] in ("json", "text"):
            return argv[i + 1]
        if a.startswith("--errors=") and a.split("=", 1)[1] in ("json", "text"):
            return a.split("=", 1)[1]
    return "text"


class EcoTownError(Exception):
    """Base class of every error the calculation core raises on purpose."""


@dataclass
class InputError(EcoTownError):
    """Bad input: one or more problems, each naming where and what."""

    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:  # pragma: no cover - convenience
        return "; ".join(p.format("en") for p in self.problems)


# --- GHG engine (ecotown.calc.ghg, ecotown.calc.units) -------------------------------------


class UnitProblem(EcoTownError):
    """A unit string is empty, unknown, ambiguous, or cannot be converted as asked."""

    def __init__(self, message_en: str, message_th: str, unit: object = None,
                 code: str = CalcError.UNKNOWN_UNIT.value):
        super().__init__(message_en)
        self.message_en = message_en
        self.message_th = message_th
        self.unit = unit
        self.code = str(code)


# --- Criteria frameworks and scoring (ecotown.calc.framework, ecotown.calc.scoring) --------


@dataclass(frozen=True)
class PathProblem(Problem):
    """A problem in a structured (YAML) input, named by its PATH, e.g.
    `dimensions[2].indicators[0].thresholds.L9`. `line` is the YAML line (1-based) when known."""

    path: str = ""

    def where(self) -> str | None:
        return self.path or self.column

    def format(self, lang: str = "en") -> str:
        parts = []
        if self.file:
            parts.append(self.file)
        if self.line is not None:
            parts.append(("บรรทัด " if lang == "th" else "line ") + str(self.line))
        if self.path:
            parts.append(self.path)
        where = ", ".join(parts)
        return f"{where}: {self.message(lang)}" if where else self.message(lang)


class FrameworkInvalid(InputError):
    """A criteria framework (YAML or mapping) breaks the framework schema."""


class ValuesInvalid(InputError):
    """An assessment's values (indicator id -> value, `history`) do not fit the framework."""
