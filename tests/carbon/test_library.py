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
    assert Factor.objects.count() == 42
    assert services.sync_builtin_library(None)  # same file: returns the existing sets, adds nothing
    assert Factor.objects.count() == 42
    grid = Factor.objects.get(factor_id="ET-F0001")
    assert (grid.activity, grid.value, grid.unit, grid.scope, str(grid.valid_from), str(grid.grace_until)) == (
        "grid_electricity", 0.475, "kg/kWh", 2, "2026-01-01", "2026-03-31")
    assert grid.factor_set.kind == "builtin" and grid.factor_set.name == "TGO"
    assert Factor.objects.get(factor_id="ET-F0003").status == "secondary_verify"
    # each factor row has its change record
    assert ChangeRecord.objects.filter(content_type__model="factor").count() == 42


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
    assert grid == [("location", 0.0812, "ET-F0002", "official"), ("location", 0.475, "ET-F0001", "official"),
                    ("location", 0.4999, "ET-F0003", "secondary_verify"), ("location", 0.5812, "ET-F0004", "official"),
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
