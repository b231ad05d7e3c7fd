"""Planner statistics after bulk loads (ecotown.core.dbstats): the demo and a big import leave the
database with statistics of what they wrote — on SQLite and on PostgreSQL."""
from __future__ import annotations

import pytest
from django.db import connection

from ecotown.core import dbstats
from ecotown.registry.models import Organisation
from ecotown.reporting.models import ActivityRecord


def _analysed(table: str) -> bool:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if not cur.fetchone():
                return False
            cur.execute("SELECT count(*) FROM sqlite_stat1 WHERE tbl = %s", [table])
            return cur.fetchone()[0] > 0
        cur.execute("SELECT reltuples FROM pg_class WHERE relname = %s", [table])
        return cur.fetchone()[0] >= 0   # -1: never analysed (PostgreSQL 14+)


def _forget(table: str) -> None:
    with connection.cursor() as cur:
        if connection.vendor == "sqlite":
            cur.execute("SELECT name FROM sqlite_master WHERE name = 'sqlite_stat1'")
            if cur.fetchone():
                cur.execute("DELETE FROM sqlite_stat1 WHERE tbl = %s", [table])
        else:
            pytest.skip("PostgreSQL keeps its statistics: checked by the demo test")


@pytest.mark.django_db
def test_the_demo_leaves_statistics_of_what_it_loaded():
    from ecotown.core import demo

    demo.load(factories=12)
    assert _analysed(Organisation._meta.db_table) and _analysed(ActivityRecord._meta.db_table)


def test_a_big_import_refreshes_the_statistics_of_its_table(world, settings, django_capture_on_commit_callbacks):
    from ecotown.reporting import services

    from tests.reporting.conftest import csv_bytes

    table = ActivityRecord._meta.db_table
    _forget(table)
    rows = [[f"2025-{m:02d}-01", "", "diesel", "1", "L", ""] for m in range(1, 13)]
    settings.ECOTOWN_ANALYZE_AFTER_ROWS = 13
    with django_capture_on_commit_callbacks(execute=True):
        services.import_activities(world.users["preparer"], world.F1, csv_bytes(rows), name="small.csv")
    assert not _analysed(table)                   # 12 rows: below the threshold, nothing
    settings.ECOTOWN_ANALYZE_AFTER_ROWS = 12
    with django_capture_on_commit_callbacks(execute=True):
        services.import_activities(world.users["preparer"], world.F1,
                                   csv_bytes([[f"2024-{m:02d}-01", "", "diesel", "1", "L", ""] for m in range(1, 13)]),
                                   name="big.csv")
    assert _analysed(table)


def test_analyze_names_what_it_did(db):
    assert dbstats.analyze([ActivityRecord, Organisation]) == ["registry_organisation", "reporting_activityrecord"]
    assert dbstats.analyze() == ["*"]
