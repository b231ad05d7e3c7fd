"""`ecotown import KIND FILE.xlsx|FILE.csv --org ID|CODE|DIW [--replace] [--reason TEXT] --format json`.

KIND is a registered kind of reported record (`ecotown.reporting.kinds`: activities, production, employees …).

Exit 0 with {"accepted": N}; exit 2 with {"problems": [{"row", "column", "value", "message"}]} and nothing
saved. Progress goes to stderr (a bar on a terminal, one line per step otherwise). Django is set up by the
caller (`ecotown.cli`). Runs as the operator: no user permission check.
"""
from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path


def _progress(stream):
    tty = stream.isatty()
    last = {"key": None}

    def show(step: str, done: int, total: int) -> None:
        pct = int(done * 100 / total) if total else 100
        if tty:
            bar = "#" * (pct // 4)
            stream.write(f"\r{step:8} [{bar:<25}] {pct:3d}% {done}/{total}")
            if done >= total:
                stream.write("\n")
        else:
            key = (step, pct // 10)
            if key == last["key"] and done < total:
                return
            last["key"] = key
            stream.write(f"{step} {done}/{total} {pct}%\n")
        stream.flush()

    return show


def main(argv: list[str]) -> int:
    from ecotown.reporting import kinds

    parser = argparse.ArgumentParser(prog="ecotown import", description="Bulk-load reported data (all or nothing).")
    parser.add_argument("what", choices=[k.code for k in kinds.all()], help="the kind of reported record")
    parser.add_argument("file", type=Path)
    parser.add_argument("--org", required=True, help="organisation: ID, estate/port code or DIW registration number")
    parser.add_argument("--replace", action="store_true", help="replace overlapping records (old versions are kept)")
    parser.add_argument("--reason", default="", help="why (required when replacing locked records)")
    parser.add_argument("--format", choices=["json", "text"], default="text")
    parser.add_argument("--lang", choices=["th", "en"], default="en", help="language of the messages")
    parser.add_argument("--quiet", action="store_true", help="no progress on stderr")
    args = parser.parse_args(argv)

    from django.utils import translation

    with translation.override(args.lang):
        return _run(args)


def _run(args) -> int:
    from ecotown.reporting import imports, services

    def out(payload: dict, text: str) -> None:
        if args.format == "json":
            print(json.dumps(payload, ensure_ascii=False))
        else:
            print(text)

    org = services.resolve_org(args.org)
    if org is None:
        out({"problems": [{"row": None, "column": "org", "value": args.org,
                           "message": imports.message({"code": "org_unknown", "value": args.org}, args.lang)}]},
            f"unknown organisation {args.org!r}")
        return 2
    try:
        data = args.file.read_bytes()
    except OSError as exc:
        out({"problems": [{"row": None, "column": None, "value": str(args.file), "message": str(exc)}]}, str(exc))
        return 2
    progress = None if args.quiet else _progress(sys.stderr)
    try:
        result = services.import_records(args.what, None, org, data, name=args.file.name, replace=args.replace,
                                            reason=args.reason, lang=args.lang, progress=progress, keep_rejected=False)
    except services.Rejected as exc:
        problems = imports.public_problems(exc.problems, args.lang)
        out({"problems": problems}, "\n".join(
            f"row {p['row'] or '-'}, {p['column'] or '-'}: {p['message']}" for p in problems))
        return 2
    out({"accepted": result.accepted}, f"accepted {result.accepted} rows (import {result.batch.pk})")
    return 0
