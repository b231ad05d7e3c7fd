"""`ecotown ghg calc`: a GHG inventory from activity rows, as one JSON object on stdout.

Exit 0 on success; exit 2 on bad input with one line per problem on stderr (file, line, column,
what is wrong) and nothing on stdout; `--errors json` makes each line a JSON object with the
problem's code. No Django import.
"""
from __future__ import annotations

import argparse
import json
import sys

from ecotown.calc.errors import CalcError, InputError, Problem, errors_format_from, problem_line
from ecotown.calc.lang import default_lang

HELP_EN = """Compute a greenhouse-gas inventory from activity rows.

Activities: columns org,period_start,period_end,activity,quantity,unit (CSV or Parquet).
Factors (optional): activity,gas,value,unit,scope,source[,basis][,heating_basis][,gwp_set]; without
it the built-in factor library is used (editions chosen by day). gwp_set (AR4/AR5/AR6): the GWP set
a CO2e factor embeds; when it is not --gwp the factor is applied as published and a gwp_mismatch
warning says so. Conversions (optional):
activity,property,value,unit[,heating_basis] with property density or heating_value.
Output: one JSON object (totals, by_gas, by_org, memo) with unrounded numbers."""


class _Parser(argparse.ArgumentParser):
    def error(self, message):  # exit 2 with the message, like any bad input
        raise _UsageError(message)


class _UsageError(Exception):
    pass


def _parser() -> argparse.ArgumentParser:
    p = _Parser(prog="ecotown ghg calc", description=HELP_EN,
                formatter_class=argparse.RawDescriptionHelpFormatter)
    p.add_argument("--activities", required=True, metavar="A.csv|A.parquet", help="activity rows")
    p.add_argument("--factors", metavar="F.csv", help="emission factors (replaces the built-in library)")
    p.add_argument("--conversions", metavar="C.csv", help="heating values and densities")
    p.add_argument("--gwp", default="AR5", choices=["AR4", "AR5", "AR6"], help="GWP100 set (default AR5)")
    p.add_argument("--lines", metavar="OUT.csv|OUT.parquet", help="write one row per activity line x gas")
    p.add_argument("--format", required=True, choices=["json"], help="output format (json)")
    p.add_argument("--lang", choices=["th", "en"], help="message language (default from the locale)")
    p.add_argument("--errors", choices=["text", "json"], default="text",
                   help="bad-input lines on stderr: text (default) or one JSON object per problem "
                        "{path, code, message, file, line}")
    p.add_argument("--allow-previous-edition", action="store_true",
                   help="TGO transition: rows ending by an edition's grace date use the previous edition")
    return p


def _lang_from(argv: list[str]) -> str:
    for i, a in enumerate(argv):
        if a == "--lang" and i + 1 < len(argv) and argv[i + 1] in ("th", "en"):
            return argv[i + 1]
        if a.startswith("--lang=") and a.split("=", 1)[1] in ("th", "en"):
            return a.split("=", 1)[1]
    return default_lang()


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    lang = _lang_from(argv)
    errors = errors_format_from(argv)
    try:
        args = _parser().parse_args(argv)
    except _UsageError as exc:
        msg = str(exc)
        if errors == "json":
            print(problem_line(Problem(msg, msg, code=CalcError.USAGE), lang, errors), file=sys.stderr)
            return 2
        print(("ecotown ghg calc: " if lang == "en" else "ecotown ghg calc: อาร์กิวเมนต์ไม่ถูกต้อง: ") + msg,
              file=sys.stderr)
        return 2
    from ecotown.calc import ghg  # imported late so that --help stays fast

    try:
        result = ghg.calculate(args.activities, factors=args.factors, conversions=args.conversions,
                               gwp=args.gwp, lines_path=args.lines,
                               allow_previous_edition=args.allow_previous_edition)
    except InputError as exc:
        for p in exc.problems:
            print(problem_line(p, lang, errors), file=sys.stderr)
        return 2
    except OSError as exc:
        print(problem_line(Problem(f"cannot write or read a file: {exc}", f"อ่านหรือเขียนไฟล์ไม่ได้: {exc}",
                                   code=CalcError.FILE_UNREADABLE), lang, errors),
              file=sys.stderr)
        return 2
    sys.stdout.write(json.dumps(result.to_json_dict(), ensure_ascii=False, default=str) + "\n")
    return 0


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
