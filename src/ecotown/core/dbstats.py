"""Planner statistics after bulk loads: without them PostgreSQL plans a 70,000-factory table as if it held
155 rows (and SQLite's planner has no sqlite_stat1 at all), so lists pick nested loops and full sorts.

`analyze(models)` refreshes the statistics of the given models' tables (every table without models):
PostgreSQL `ANALYZE table` (a sample of 30,000 rows per table: seconds at national scale, and allowed
inside a transaction), SQLite `ANALYZE` with `PRAGMA analysis_limit` so that it reads a bounded sample of
each index instead of all of it. Called at the end of `ecotown demo` and after an import of at least
`ECOTOWN_ANALYZE_AFTER_ROWS` rows; routine statistics are autovacuum's job (docs/postgresql.md).
"""
from __future__ import annotations

from django.db import connection


def analyze(models=None) -> list[str]:
    """Refresh the planner's statistics; -> the tables analysed (["*"]: all)."""
    tables = sorted({m._meta.db_table for m in models}) if models else []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for t in tables or [None]:
                cur.execute(f"ANALYZE {connection.ops.quote_name(t)}" if t else "ANALYZE")
        elif connection.vendor == "sqlite":
            cur.execute("PRAGMA analysis_limit=2000")
            for t in tables or [None]:
                cur.execute(f"ANALYZE {connection.ops.quote_name(t)}" if t else "ANALYZE")
    return tables or ["*"]
