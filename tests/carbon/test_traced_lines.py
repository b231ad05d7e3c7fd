"""Inventory lines trace to their source: kind + id (today reporting's activity records)."""
from __future__ import annotations

import importlib
import io

from django.apps import apps

from ecotown.carbon import inputs, services
from ecotown.carbon.models import InventoryLine

from .factories import record


def test_lines_record_their_source_kind_and_id_and_the_drill_down_follows_them(world, client, settings, tmp_path,
                                                                             token_for):
    settings.MEDIA_ROOT = tmp_path
    from ecotown.core.services import store_file

    services.sync_builtin_library(None)
    diesel = record(world.F1, "diesel", 1000, "L", "2026-03-01", "2026-03-31")
    diesel.evidence.add(store_file(world.users["admin"], world.F1, "diesel-bill.pdf", b"%PDF-1.4 bill"))
    grid = record(world.F1, "grid_electricity", 2000, "kWh", "2026-03-01", "2026-03-31")
    inv = services.compute_inventory(world.F1, 2026)
    got = sorted(InventoryLine.objects.filter(inventory=inv).values_list("activity", "scope", "source_kind", "source_id",
                                                                        "record_id"))
    assert got == [("diesel", 1, "activities", diesel.pk, diesel.pk),
                   ("grid_electricity", 2, "activities", grid.pk, grid.pk),
                   ("grid_electricity", 3, "activities", grid.pk, grid.pk)]
    assert inputs.source_model("activities") is apps.get_model("reporting", "ActivityRecord")
    # the drill-down finds the record (and its evidence) through the line's source
    InventoryLine.objects.filter(inventory=inv).update(record_id=None)
    client.force_login(world.users["approver"])
    html = client.get(f"/carbon/inventory/{inv.pk}/lines/?scope=1", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert html.count('data-testid="line"') == 1 and html.count("diesel-bill.pdf") == 1
    api = client.get(f"/api/carbon/inventories/{inv.pk}/lines?scope=1", headers=token_for(world.users["approver"])).json()
    assert [(r["source_kind"], r["source_id"], r["record_id"]) for r in api["items"]] == [("activities", diesel.pk, None)]
    from openpyxl import load_workbook

    wb = load_workbook(io.BytesIO(client.get(f"/carbon/inventory/{inv.pk}/inventory.xlsx").content))
    sheet = [row[:3] for row in wb["Lines"].iter_rows(values_only=True)]
    assert sheet == [("source_kind", "source_id", "record_id"), ("activities", diesel.pk, None),
                     ("activities", grid.pk, None), ("activities", grid.pk, None)]


def test_migration_backfills_existing_lines_from_their_record(world):
    services.sync_builtin_library(None)
    rec = record(world.F1, "diesel", 100, "L", "2026-02-01", "2026-02-28")
    inv = services.compute_inventory(world.F1, 2026)
    InventoryLine.objects.filter(inventory=inv).update(source_id=None, source_kind="")  # as before the migration
    migration = importlib.import_module("ecotown.carbon.migrations.0002_traced_lines_reference_editions")
    migration.backfill_sources(apps, None)
    assert list(InventoryLine.objects.filter(inventory=inv).values_list("source_kind", "source_id")) == [
        ("activities", rec.pk)]
