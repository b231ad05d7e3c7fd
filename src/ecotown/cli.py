"""The `ecotown` command.

Calculator sub-commands (`ghg calc`, `assess`) never import Django: they work from
`pip install .` alone. Platform sub-commands set up Django lazily.
"""
from __future__ import annotations

import os
import sys

USAGE = """usage: ecotown COMMAND [ARGS]

Platform:
  migrate                 create or upgrade the database
  demo [--factories N]    load the demo dataset (marks the database as a demo)
  serve [--host H] [--port P] [--workers N]
                          serve EcoTown with gunicorn (production-grade WSGI server)
  worker [--once]         run background jobs from the database queue (imports, e-mails, recomputes)
                          and queue the daily jobs (reminders, PDPA retention); --once: until empty
  manage ARGS...          any Django management command
  setup-demo              migrate, load the demo if the database is empty, print demo logins
  import activities FILE --org ID|CODE [--replace] --format json
                          bulk-load activity data from Excel or CSV (all or nothing)

Calculators (no database needed):
  ghg calc ...            greenhouse-gas inventory from activity rows (see `ecotown ghg calc --help`)
  assess ...              assess values against a criteria framework (see `ecotown assess --help`)
"""


def _django():
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotown.web.settings")
    import django

    django.setup()


def _manage(args: list[str]) -> int:
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "ecotown.web.settings")
    from django.core.management import execute_from_command_line

    execute_from_command_line(["ecotown manage", *args])
    return 0


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in {"-h", "--help", "help"}:
        print(USAGE)
        return 0
    cmd, rest = argv[0], argv[1:]

    if cmd == "ghg":
        if not rest or rest[0] != "calc":
            print("usage: ecotown ghg calc --activities FILE ... --format json", file=sys.stderr)
            return 2
        from ecotown.calc.ghg_cli import main as ghg_main

        return ghg_main(rest[1:])
    if cmd == "assess":
        from ecotown.calc.assess_cli import main as assess_main

        return assess_main(rest)

    if cmd == "manage":
        return _manage(rest)
    if cmd == "import":
        _django()
        from ecotown.reporting.cli import main as import_main

        return import_main(rest)
    if cmd in {"migrate", "demo", "serve", "worker", "setup-demo"}:
        _django()
        from ecotown.core import commands

        return getattr(commands, "cmd_" + cmd.replace("-", "_"))(rest)

    print(f"ecotown: unknown command {cmd!r}\n\n{USAGE}", file=sys.stderr)
    return 2


if __name__ == "__main__":  # pragma: no cover
    sys.exit(main())
