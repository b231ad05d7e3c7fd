"""Planner statistics after bulk loads: without them PostgreSQL plans a 70,000-factory table as if it held
155 rows (and SQLite's planner has no sqlite_stat1 at all), so lists pick nested loops and full sorts.

`analyze(models)` refreshes the statistics of the given models' tables (every table without models):
PostgreSQL `ANALYZE table` (a sample of 30,000 rows per table: seconds at national scale, and allowed
inside a transaction), SQLite `ANALYZE` per table — in full up to `FULL_BELOW_ROWS` rows, a bounded
sample (`PRAGMA analysis_limit`) of bigger ones. Called at the end of `ecotown demo` and after an import of at least
`ECOTOWN_ANALYZE_AFTER_ROWS` rows; routine statistics are autovacuum's job (docs/postgresql.md).
"""
from __future__ import annotations

from django.db import OperationalError, connection

FULL_BELOW_ROWS = 3_000_000  # SQLite: tables up to this size get a full ANALYZE, bigger ones a sample


def analyze(models=None) -> list[str]:
    """Refresh the planner's statistics; -> the tables analysed (["*"]: all)."""
    tables = sorted({m._meta.db_table for m in models}) if models else []
    with connection.cursor() as cur:
        if connection.vendor == "postgresql":
            for t in tables or [None]:
                cur.execute(f"ANALYZE {connection.ops.quote_name(t)}" if t else "ANALYZE")
        elif connection.vendor == "sqlite":
            names = tables or [r[0] for r in cur.execute(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'").fetchall()]
            for t in names:
                # a full pass over a table's indexes is quick below a few million rows, and only a full pass
                # gives true estimates (the sample of `analysis_limit` is each index's first entries: an index
                # on the organisation kind then looked 25 times more selective than it is)
                try:
                    rows = cur.execute(f"SELECT max(rowid) FROM {connection.ops.quote_name(t)}").fetchone()[0] or 0
                except OperationalError:  # a WITHOUT ROWID table (e.g. a full-text index's shadow table)
                    rows = 0
                cur.execute(f"PRAGMA analysis_limit={0 if rows <= FULL_BELOW_ROWS else 200000}")
                cur.execute(f"ANALYZE {connection.ops.quote_name(t)}")
            cur.execute("PRAGMA analysis_limit=0")
    return tables or ["*"]
