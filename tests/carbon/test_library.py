"""Factor library in the database: the built-in file, uploads (validation, overlap), retirement."""
from __future__ import annotations

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecotown.carbon import library, services
from ecotown.carbon.models import Factor, FactorSet
from ecotown.core.models import ChangeRecord


@pytest.fixture
def lib(db):
    services.sync_builtin_library(None)


def test_builtin_library_loads_every_row_once(lib):
    assert Factor.objects.count() == 47
    assert services.sync_builtin_library(None)  # same file: returns the existing sets, adds nothing
    assert Factor.objects.count() == 47
    grid = Factor.objects.get(factor_id="ET-F0001")
    assert (grid.activity, grid.value, grid.unit, grid.scope, str(grid.valid_from), str(grid.grace_until)) == (
        "grid_electricity", 0.475, "kg/kWh", 2, "2026-01-01", "2026-03-31")
    assert grid.factor_set.kind == "builtin" and grid.factor_set.name == "TGO"
    assert Factor.objects.get(factor_id="ET-F0003").status == "secondary_verify"
    # each factor row has its change record
    assert ChangeRecord.objects.filter(content_type__model="factor").count() == 47


def test_builtin_factor_changed_in_file_is_refused(lib, monkeypatch, tmp_path):
    f = tmp_path / "factors.csv"
    f.write_text(library.BUILTIN_FILE.read_text(encoding="utf-8").replace("ET-F0001,grid_electricity,CO2e,0.475",
                                                                           "ET-F0001,grid_electricity,CO2e,0.48"), encoding="utf-8")
    monkeypatch.setattr(library, "BUILTIN_FILE", f)
    with pytest.raises(ValidationError) as exc:
        services.sync_builtin_library(None)
    assert "ET-F0001" in str(exc.value)
    assert Factor.objects.get(factor_id="ET-F0001").value == 0.475


CSV = ("activity,gas,value,unit,scope,source,valid_from,valid_to\n"
       "grid_electricity,CO2e,0.41,kg/kWh,2,Supplier PPA,,\n")


def test_supplier_set_replaces_library_for_its_organisation_only(world, lib):
    """Issue 9: the own set replaces the library rows of the same (activity, gas, scope, basis) only
    (before: every grid_electricity row of the library was dropped for F1)."""
    data = CSV.replace("2,Supplier PPA", "2,Supplier PPA").replace("source,valid_from", "basis,source,valid_from").replace(
        "kg/kWh,2,", "kg/kWh,2,market,")
    fs = services.upload_factor_set(world.users["approver"], data=data.encode(), file_name="ppa.csv", name="PPA",
                                    source="Supplier", edition="2025", organisation=world.F1)
    assert fs.kind == "supplier" and fs.factors.count() == 1
    f1_factors, _sets = library.factors_for(world.F1.pk)
    grid = sorted((f.basis, f.value, f.factor_id, f.status) for f in f1_factors if f.activity == "grid_electricity")
    # statuses tell the truth (issue 9): the TGO 2026 (news report) and 2009 (TEI citing page) grid factors
    # are secondary_verify until a TGO document is loaded (were "official")
    assert grid == [("location", 0.0812, "ET-F0002", "secondary_verify"), ("location", 0.475, "ET-F0001", "secondary_verify"),
                    ("location", 0.4999, "ET-F0003", "secondary_verify"), ("location", 0.5812, "ET-F0004", "secondary_verify"),
                    ("market", 0.41, f"FS{fs.pk}-2", "user")]
    f2_grid = sorted(f.value for f in library.factors_for(world.F2.pk)[0] if f.activity == "grid_electricity")
    assert f2_grid == [0.0812, 0.475, 0.4999, 0.5812]


def test_upload_refusals_save_nothing(world, lib):
    before = (FactorSet.objects.count(), Factor.objects.count())
    with pytest.raises(PermissionDenied):  # a factory may not add to the shared library
        services.upload_factor_set(world.users["approver"], data=CSV.encode(), file_name="x.csv", name="X",
                                   source="S", edition="1")
    with pytest.raises(ValidationError) as exc:  # overlaps the TGO factors in force
        services.upload_factor_set(world.users["officer"], data=CSV.encode(), file_name="x.csv", name="X",
                                   source="S", edition="1")
    assert "ET-F0001" in str(exc.value.message_dict["file"]) and "line 2" in str(exc.value.message_dict["file"])
    with pytest.raises(ValidationError) as exc:
        services.upload_factor_set(world.users["officer"], data=b"activity,gas,value,unit,scope,source\nnope,CO2,x,kg/L,4,S\n",
                                   file_name="bad.csv", name="", source="S", edition="1")
    assert exc.value.message_dict["name"] == ["This field is required."]
    with pytest.raises(ValidationError) as exc:
        services.upload_factor_set(world.users["officer"], data=b"activity,gas,value,unit,scope,source\nnope,CO2,x,kg/L,4,S\n",
                                   file_name="bad.csv", name="Bad", source="S", edition="1")
    msgs = exc.value.message_dict["file"]
    assert any("bad.csv" in m and "line 2" in m and "not a number" in m for m in msgs), msgs
    assert any("scope must be 1, 2 or 3" in m for m in msgs), msgs
    with pytest.raises(PermissionDenied):  # preparer may not change the factory
        services.upload_factor_set(world.users["preparer"], data=CSV.encode(), file_name="x.csv", name="X",
                                   source="S", edition="1", organisation=world.F1)
    assert (FactorSet.objects.count(), Factor.objects.count()) == before


def test_new_edition_with_dates_after_the_library_is_accepted(world, lib):
    data = ("activity,gas,value,unit,scope,source,valid_from\n"
            "lignite,CO2e,1.1,kg/kg,1,TGO,2027-01-01\n").encode()
    with pytest.raises(ValidationError):  # ET-F0010 lignite has open validity
        services.upload_factor_set(world.users["officer"], data=data, file_name="t.csv", name="TGO", source="TGO", edition="2027")
    data = ("activity,gas,value,unit,scope,source,valid_from\n"
            "steam,CO2e,70,kg/GJ,2,Supplier steam,2025-01-01\n").encode()
    fs = services.upload_factor_set(world.users["officer"], data=data, file_name="steam.csv", name="Steam",
                                    source="S", edition="2025", status="illustrative")
    assert Factor.objects.get(factor_set=fs).status == "illustrative"
    services.retire_factor_set(world.users["officer"], fs)
    assert not any(f.activity == "steam" for f in library.factors_for(None)[0])


def _previous_edition(tmp_path):
    """The built-in file as an earlier build wrote it: TGO 2026 grid factors `official`, no GWP set
    recorded (what databases loaded before issue 9 hold)."""
    import csv
    import io

    text = library.BUILTIN_FILE.read_text(encoding="utf-8")
    rows = list(csv.DictReader(io.StringIO(text)))
    for r in rows:
        if r["factor_id"] in ("ET-F0001", "ET-F0002", "ET-F0034"):
            r["status"], r["gwp_set"] = "official", ""
    out = io.StringIO()
    wr = csv.DictWriter(out, fieldnames=list(rows[0]), lineterminator="\n")
    wr.writeheader()
    wr.writerows(rows)
    f = tmp_path / "factors_previous.csv"
    f.write_text(out.getvalue(), encoding="utf-8")
    return f


def test_a_changed_builtin_file_is_a_new_edition_and_retires_what_it_supersedes(db, world, monkeypatch, tmp_path):
    from ecotown.carbon.models import InventoryLine
    from tests.carbon.factories import record

    current = library.BUILTIN_FILE
    monkeypatch.setattr(library, "BUILTIN_FILE", _previous_edition(tmp_path))
    services.sync_builtin_library(None)
    old_grid = Factor.objects.get(factor_id="ET-F0001")
    assert (old_grid.status, old_grid.gwp_set, old_grid.factor_set.is_active) == ("official", "", True)
    record(world.F1, "grid_electricity", 1000, "kWh", "2026-02-01", "2026-02-28", state="verified")
    inv = services.compute_inventory(world.F1, 2026)
    line = InventoryLine.objects.get(inventory=inv, scope=2)
    assert (line.factor_id, line.factor_status, line.factor_gwp_set) == (old_grid.pk, "official", "")
    n_before = Factor.objects.count()

    monkeypatch.setattr(library, "BUILTIN_FILE", current)
    created = services.sync_builtin_library(None)
    sha8 = library.builtin_sha256()[:8]
    # before: an id already present with the same numbers was skipped, so the database kept
    # `official` and no GWP set for ever; now the TGO 2026 set is a new edition, the old one retired
    assert sorted((fs.name, fs.edition[:20], fs.status, fs.is_active) for fs in created) == [
        ("TGO", "2026 (board decision", "secondary_verify", True), ("TGO", "2026 (same decision)", "secondary_verify", True)]
    old_grid.factor_set.refresh_from_db()
    assert old_grid.factor_set.is_active is False
    assert Factor.objects.count() == n_before + 3  # ET-F0001, ET-F0002, ET-F0034 of the new edition
    new_grid = Factor.objects.get(factor_id=f"ET-F0001@{sha8}")
    assert (new_grid.status, new_grid.gwp_set, new_grid.value) == ("secondary_verify", "AR5", 0.475)
    Factor.objects.get(pk=old_grid.pk)  # never edited, never deleted
    assert Factor.objects.get(pk=old_grid.pk).status == "official"
    # the other sets were unchanged: still active, not duplicated
    assert FactorSet.objects.filter(kind="builtin", is_active=True).count() == \
        FactorSet.objects.filter(kind="builtin").exclude(name="factors.csv").count() - 2
    # new computations use the new edition; the inventory computed before keeps its lines until then
    assert InventoryLine.objects.get(inventory=inv, scope=2).factor_id == old_grid.pk
    grid = sorted((f.factor_id, f.status, f.gwp_set) for f in library.factors_for(world.F1.pk)[0]
                  if f.activity == "grid_electricity" and f.valid_from.year == 2026)
    assert grid == [(f"ET-F0001@{sha8}", "secondary_verify", "AR5"), (f"ET-F0002@{sha8}", "secondary_verify", "AR5")]
    inv = services.compute_inventory(world.F1, 2026)
    line = InventoryLine.objects.get(inventory=inv, scope=2)
    assert (line.factor_code, line.factor_status, line.factor_gwp_set, line.co2e_t) == (
        f"ET-F0001@{sha8}", "secondary_verify", "AR5", 0.475)
    assert services.sync_builtin_library(None) == created  # idempotent
    assert Factor.objects.count() == n_before + 3
