"""Narrow exception classes for the calculation core (no Django import).

Every user-facing problem is a `Problem` (file, line, column, message in Thai and English);
an `InputError` carries all problems found in one pass so the user sees every one at once.
"""
from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    """One thing wrong with an input. `line` is 1-based with the header as line 1."""

    message_en: str
    message_th: str
    file: str | None = None
    line: int | None = None
    column: str | None = None
    value: object = None

    def message(self, lang: str = "en") -> str:
        return self.message_th if lang == "th" else self.message_en

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

    def __init__(self, message_en: str, message_th: str, unit: object = None):
        super().__init__(message_en)
        self.message_en = message_en
        self.message_th = message_th
        self.unit = unit


# --- Criteria frameworks and scoring (ecotown.calc.framework, ecotown.calc.scoring) --------


@dataclass(frozen=True)
class PathProblem(Problem):
    """A problem in a structured (YAML) input, named by its PATH, e.g.
    `dimensions[2].indicators[0].thresholds.L9`. `line` is the YAML line (1-based) when known."""

    path: str = ""

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
