"""`ecotown assess`: score indicator values against a criteria framework (no database).

    ecotown assess --framework F.yaml --values V.yaml --year YYYY --format json [--lang th|en]

Exit 0 with one JSON object on stdout; exit 2 on bad input with nothing on stdout and one line per
problem on stderr (file, line, path, what is wrong), in Thai or English.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path

from ecotown.calc.errors import CalcError, InputError, PathProblem, errors_format_from, problem_line
from ecotown.calc.framework import load_framework_file
from ecotown.calc.lang import default_lang
from ecotown.calc.scoring import assess, load_values_text

HELP = """usage: ecotown assess --framework F.yaml --values V.yaml --year YYYY --format json [--lang th|en]

Assess indicator values against a criteria framework and print the level reached, every level's
shares, failed and missing indicators, blockers, and the gaps to the next level.

  --framework F.yaml   criteria framework (shipped ones: src/ecotown/data/frameworks/*.yaml)
  --values V.yaml      mapping indicator id -> value, plus `history: {level-id: [years held]}`
  --year YYYY          assessment year (held years are YYYY-N … YYYY-1)
  --format json        output format (json only)
  --lang th|en         language of error messages (default: from the locale, else English)
  --errors text|json   bad-input lines on stderr: text (default) or one JSON object per problem
                       {path, code, message, file, line}

Exit status: 0 success, 2 bad input (one line per problem on stderr).
"""


class _Parser(argparse.ArgumentParser):
    def error(self, message: str) -> None:  # noqa: D401 - argparse hook
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _msg(en: str, th: str, code: CalcError = CalcError.USAGE) -> PathProblem:
    return PathProblem(en, th, file=None, code=code)


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    errors = errors_format_from(argv)
    lang = default_lang()
    # pick --lang early so usage errors are in the right language too
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv) and argv[i + 1] in ("th", "en"):
            lang = argv[i + 1]
        elif a.startswith("--lang=") and a.split("=", 1)[1] in ("th", "en"):
            lang = a.split("=", 1)[1]
    if any(a in ("-h", "--help") for a in argv):
        print(HELP)
        return 0

    p = _Parser(prog="ecotown assess", add_help=False)
    p.add_argument("--framework")
    p.add_argument("--values")
    p.add_argument("--year")
    p.add_argument("--format", default="json")
    p.add_argument("--lang", default=None)
    p.add_argument("--errors", default="text")
    try:
        args = p.parse_args(argv)
    except _UsageError as exc:
        return _fail([_msg(f"{exc} (see ecotown assess --help)",
                           f"{exc} (ดู ecotown assess --help)")], lang, errors)

    problems: list[PathProblem] = []
    if args.lang is not None and args.lang not in ("th", "en"):
        problems.append(_msg(f"--lang must be th or en (got {args.lang!r})",
                             f"--lang ต้องเป็น th หรือ en (ได้ {args.lang!r})"))
    for opt in ("framework", "values", "year"):
        if getattr(args, opt) is None:
            problems.append(_msg(f"--{opt} is required (see ecotown assess --help)",
                                 f"ต้องระบุ --{opt} (ดู ecotown assess --help)"))
    if args.errors not in ("text", "json"):
        problems.append(_msg(f"--errors must be text or json (got {args.errors!r})",
                             f"--errors ต้องเป็น text หรือ json (ได้ {args.errors!r})"))
    if args.format != "json":
        problems.append(_msg(f"--format must be json (got {args.format!r})",
                             f"--format ต้องเป็น json (ได้ {args.format!r})"))
    year = None
    if args.year is not None:
        try:
            year = int(args.year)
            if not 1 <= year <= 9999:
                raise ValueError
        except ValueError:
            problems.append(_msg(f"--year must be a year such as 2026 (got {args.year!r})",
                                 f"--year ต้องเป็นปี ค.ศ. เช่น 2026 (ได้ {args.year!r})"))
            year = None

    framework = None
    if args.framework is not None:
        try:
            framework = load_framework_file(args.framework)
        except InputError as exc:
            problems.extend(exc.problems)
    values_text = None
    if args.values is not None:
        try:
            values_text = Path(args.values).read_text(encoding="utf-8")
        except (OSError, UnicodeDecodeError) as exc:
            code = CalcError.FILE_NOT_FOUND if isinstance(exc, FileNotFoundError) else CalcError.FILE_UNREADABLE
            problems.append(PathProblem(f"cannot read the file: {exc}", f"อ่านไฟล์ไม่ได้: {exc}",
                                        file=args.values, code=code))
    if framework is not None and values_text is not None:
        try:
            values = load_values_text(framework, values_text, file=args.values)
        except InputError as exc:
            problems.extend(exc.problems)
            values = None
    else:
        values = None
    if problems or values is None or year is None or framework is None:
        return _fail(problems, lang, errors)

    result = assess(framework, values, year)
    sys.stdout.write(json.dumps(result.to_json_dict(), ensure_ascii=False, indent=1) + "\n")
    return 0


def _fail(problems: list, lang: str, errors: str = "text") -> int:
    for prob in problems:
        print(problem_line(prob, lang, errors), file=sys.stderr)
    return 2
