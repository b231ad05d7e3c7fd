"""Load registry reference data (provinces, TSIC classes) from the shipped files. Idempotent."""
from __future__ import annotations

import csv
from pathlib import Path

DATA = Path(__file__).resolve().parent.parent / "data"


def _rows(path: Path):
    with path.open(encoding="utf-8") as f:
        yield from csv.DictReader(f)


def load(apps=None) -> dict:
    if apps is None:
        from django.apps import apps as global_apps

        apps = global_apps
    Province = apps.get_model("registry", "Province")
    TSIC = apps.get_model("registry", "TSIC")
    n_prov = n_tsic = 0
    for row in _rows(DATA / "geo" / "provinces.csv"):
        Province.objects.update_or_create(code=row["iso_code"], defaults={"name_th": row["name_th"], "name_en": row["name_en"]})
        n_prov += 1
    for row in _rows(DATA / "registry" / "tsic.csv"):
        TSIC.objects.update_or_create(code=row["code"], defaults={"name_th": row["name_th"], "name_en": row["name_en"]})
        n_tsic += 1
    return {"provinces": n_prov, "tsic": n_tsic}


def province_by_english_name() -> dict:
    return {row["name_en"].lower(): row["iso_code"] for row in _rows(DATA / "geo" / "provinces.csv")}
