"""Error codes: one service error per capability with its code and its Thai and English message,
the helpers of ecotown.core.errors, the API bodies (422/404/403/401) and the calculators' codes."""
from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
from django.core.exceptions import ValidationError
from django.utils.translation import override

from ecotown.core.errors import CoreError, Problems, problems, schema_problems, status_body

CASES = Path(__file__).resolve().parents[1] / "cases"


def both(exc: ValidationError) -> tuple[list[dict], list[dict]]:
    """The same error read by an English and by a Thai reader."""
    with override("en"):
        en = problems(exc)
    with override("th"):
        th = problems(exc)
    return en, th


def counts() -> dict:
    from django.apps import apps

    return {m.__name__: m.objects.count() for m in apps.get_models() if m._meta.app_label != "contenttypes"}


# --- one service error per capability -------------------------------------------------------------

def test_registry_error_code_and_messages(world):
    from ecotown.registry import services

    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.delete_organisation(world.users["admin"], world.E1)
    assert both(exc.value) == (
        [{"field": None, "code": "has_children", "message": "This organisation still has organisations in it."}],
        [{"field": None, "code": "has_children", "message": "ยังมีหน่วยงานอื่นอยู่ภายใต้หน่วยงานนี้"}])
    assert counts() == before


def test_registry_model_error_with_parameters_in_both_languages(world):
    from ecotown.core import history
    from ecotown.registry.models import Kind, Organisation

    before = counts()
    with pytest.raises(ValidationError) as exc:
        history.save(world.users["admin"], Organisation(kind=Kind.FACTORY, name_th="ก", name_en="F", parent=world.F1))
    assert both(exc.value) == (
        [{"field": "parent", "code": "parent_kind", "message": "A Factory cannot belong to a Factory."}],
        [{"field": "parent", "code": "parent_kind", "message": "โรงงาน ไม่สามารถอยู่ภายใต้ โรงงาน ได้"}])
    assert counts() == before


def test_accounts_error_code_and_messages(world):
    from ecotown.accounts import services

    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.accept_invitation("no-such-token", username="ghost", password="a long pass phrase 42")
    assert both(exc.value) == (
        [{"field": "token", "code": "invitation_invalid", "message": "This invitation is not valid or has expired."}],
        [{"field": "token", "code": "invitation_invalid", "message": "คำเชิญนี้ไม่ถูกต้องหรือหมดอายุแล้ว"}])
    assert counts() == before


def test_accounts_keeps_django_password_codes(world):
    from ecotown.accounts import services

    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.register_with_diw(diw_number="3-105-1/45ชบ", username="", password="123", email="x@example.test")
    en, _th = both(exc.value)
    assert [(p["field"], p["code"]) for p in en] == [
        ("username", "username_required"), ("password", "password_too_short"), ("password", "password_too_common")]
    assert en[0]["message"] == "Choose a user name."
    assert counts() == before


def test_enquiries_error_code_and_messages(world):
    from ecotown.enquiries import services

    data = {"programme": "eco_factory", "name": "Malee", "email": "malee@example.test", "phone": "",
            "subject": "Criteria", "message": "Where?", "organisation": world.F2}
    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.submit(world.users["preparer"], data)
    assert both(exc.value) == (
        [{"field": "organisation", "code": "not_your_organisation",
          "message": "You can only send an enquiry for an organisation you belong to."}],
        [{"field": "organisation", "code": "not_your_organisation",
          "message": "ท่านส่งคำถามได้เฉพาะในนามหน่วยงานที่ท่านสังกัดเท่านั้น"}])
    assert counts() == before


def test_enquiries_unknown_fields_each_coded(world):
    from ecotown.enquiries import services

    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.submit(None, {"subject": "x", "zeta": 1, "alpha": 2})
    with override("en"):
        assert problems(exc.value) == [
            {"field": "alpha", "code": "unknown_field", "message": "This field is not accepted."},
            {"field": "zeta", "code": "unknown_field", "message": "This field is not accepted."}]
    assert counts() == before


def test_carbon_error_code_and_messages(world):
    from ecotown.carbon import services
    from ecotown.carbon.models import EstateEnergySale

    before = counts()
    with pytest.raises(ValidationError) as exc:
        services.declare_energy_sale(world.users["estate"], world.E1, year=2025, activity="diesel", quantity=1,
                                     unit="L")
    assert both(exc.value) == (
        [{"field": "activity", "code": "not_purchased_energy",
          "message": "Not a purchased-energy (Scope 2) activity: diesel"}],
        [{"field": "activity", "code": "not_purchased_energy",
          "message": "ไม่ใช่กิจกรรมการซื้อพลังงาน (ขอบเขตที่ 2): diesel"}])
    assert EstateEnergySale.objects.count() == 0
    assert counts() == before


def test_carbon_factor_file_problems_carry_the_calculator_codes(world):
    from ecotown.carbon import services
    from ecotown.carbon.models import FactorSet

    before = counts()
    data = b"activity,gas,value,unit,scope,source\ndiesel,CO2,abc,kg/L,1,x\ndiesel,CO2,2.7,kg/L,7,x\n"
    with pytest.raises(ValidationError) as exc:
        services.upload_factor_set(world.users["admin"], data=data, file_name="mine.csv", name="Mine", source="me",
                                   edition="1")
    en, th = both(exc.value)
    assert en == [
        {"field": "file", "code": "not_a_number", "message": "mine.csv, line 2, column value: not a number: 'abc'"},
        {"field": "file", "code": "not_a_choice",
         "message": "mine.csv, line 3, column scope: scope must be 1, 2 or 3, not '7'"}]
    assert [p["message"] for p in th] == ["mine.csv, บรรทัด 2, คอลัมน์ value: ไม่ใช่ตัวเลข: 'abc'",
                                          "mine.csv, บรรทัด 3, คอลัมน์ scope: scope ต้องเป็น 1, 2 หรือ 3 ไม่ใช่ '7'"]
    assert FactorSet.objects.filter(name="Mine").count() == 0
    assert counts() == before


def test_assessment_error_code_and_messages(world):
    from ecotown.assessment import services
    from ecotown.assessment.models import FrameworkVersion

    with pytest.raises(ValidationError) as exc:
        services.upload_framework(world.users["admin"], "   ")
    assert both(exc.value) == ([{"field": "yaml", "code": "file_empty", "message": "The file is empty."}],
                               [{"field": "yaml", "code": "file_empty", "message": "ไฟล์ว่างเปล่า"}])
    assert FrameworkVersion.objects.count() == 0


def test_assessment_framework_problems_carry_path_codes(world):
    from ecotown.assessment import services
    from ecotown.assessment.models import FrameworkVersion

    text = (CASES / "assess" / "bad-unknown-level" / "framework.yaml").read_text(encoding="utf-8")
    with pytest.raises(ValidationError) as exc:
        services.upload_framework(world.users["admin"], text, "bad.yaml")
    en, th = both(exc.value)
    assert {(p["field"], p["code"]) for p in en} == {("yaml", "unknown_id"), ("yaml", "invalid_threshold")}
    unknown = [p["message"] for p in en if p["code"] == "unknown_id"]
    assert unknown == ["bad.yaml, line 14, dimensions[0].indicators[0].thresholds.platinum: unknown level id "
                       "'platinum' (levels: bronze, gold, silver)"]
    assert [p["message"] for p in th if p["code"] == "unknown_id"] == [
        "bad.yaml, บรรทัด 14, dimensions[0].indicators[0].thresholds.platinum: ไม่รู้จักรหัสระดับ 'platinum' "
        "(ระดับที่มี: bronze, gold, silver)"]
    assert FrameworkVersion.objects.count() == 0


def test_core_error_code_and_messages(db):
    from ecotown.core.services import check_upload

    with pytest.raises(ValidationError) as exc:
        check_upload("tool.exe", b"MZ\x90\x00 not a document")
    assert both(exc.value) == (
        [{"field": "file", "code": "file_type_not_accepted",
          "message": "This kind of file is not accepted: use PDF, JPEG, PNG, Excel (.xlsx) or CSV."}],
        [{"field": "file", "code": "file_type_not_accepted",
          "message": "ไม่รองรับไฟล์ประเภทนี้ กรุณาใช้ไฟล์ PDF, JPEG, PNG, Excel (.xlsx) หรือ CSV"}])


# --- the helpers ---------------------------------------------------------------------------------

def test_problems_collects_fields_and_keeps_django_codes(db):
    from ecotown.registry.models import Organisation

    errs = Problems()
    assert not errs
    errs.add("year", CoreError.NOT_A_WHOLE_NUMBER)
    errs.add(None, CoreError.MORE_PROBLEMS, n=3)
    try:
        Organisation(kind="estate", name_th="", name_en="X").full_clean(exclude=["parent"])
    except ValidationError as exc:
        errs.extend(exc)
    with pytest.raises(ValidationError) as raised:
        errs.raise_if_any()
    with override("en"):
        assert problems(raised.value) == [
            {"field": "year", "code": "not_a_whole_number", "message": "Enter a whole number."},
            {"field": None, "code": "more_problems", "message": "… and 3 more problems"},
            {"field": "name_th", "code": "required", "message": "This field cannot be blank."}]


def test_plain_validation_error_without_a_code_is_invalid():
    with override("en"):
        assert problems(ValidationError("Something is off.")) == [
            {"field": None, "code": "invalid", "message": "Something is off."}]
        assert problems(ValidationError({"x": "Bad."})) == [{"field": "x", "code": "invalid", "message": "Bad."}]


def test_schema_problems_map_pydantic_types():
    errs = [{"type": "missing", "loc": ("body", "payload", "name_en"), "msg": "Field required"},
            {"type": "int_parsing", "loc": ("body", "payload", "rows", 2, "employees"), "msg": "…"},
            {"type": "greater_than", "loc": ("query", "limit"), "msg": "Input should be greater than 0"}]
    with override("th"):
        assert schema_problems(errs) == [
            {"field": "name_en", "code": "required", "message": "จำเป็นต้องกรอกช่องนี้"},
            {"field": "rows.2.employees", "code": "not_a_whole_number", "message": "กรุณากรอกจำนวนเต็ม"},
            {"field": "limit", "code": "invalid", "message": "Input should be greater than 0"}]


def test_status_body():
    with override("th"):
        assert status_body(CoreError.NOT_FOUND) == {"detail": [{"code": "not_found", "message": "ไม่พบข้อมูล"}]}


# --- API bodies ----------------------------------------------------------------------------------

def test_api_404_body(world, client, token_for):
    en, th = token_for(world.users["preparer2"], lang="en"), token_for(world.users["preparer2"], lang="th")
    before = counts()
    for headers, message in ((en, "Not found."), (th, "ไม่พบข้อมูล")):
        r = client.patch(f"/api/registry/organisations/{world.F1.pk}", json.dumps({"name_en": "X"}),
                         content_type="application/json", headers=headers)
        assert r.status_code == 404
        assert r.json() == {"detail": [{"code": "not_found", "message": message}]}
    assert counts() == before


def test_api_403_body_in_thai(world, client, token_for):
    headers = token_for(world.users["preparer"], lang="th")
    before = counts()
    r = client.patch(f"/api/registry/organisations/{world.F1.pk}", json.dumps({"name_en": "X"}),
                     content_type="application/json", headers=headers)
    assert r.status_code == 403
    assert r.json() == {"detail": [{"code": "forbidden", "message": "ท่านไม่มีสิทธิ์ดำเนินการนี้"}]}
    assert counts() == before


def test_api_401_body_in_thai(db, client):
    r = client.get("/api/registry/factories", headers={"Accept-Language": "th"})
    assert r.status_code == 401
    assert r.json() == {"detail": [{"code": "not_signed_in",
                                    "message": "กรุณาเข้าสู่ระบบก่อน โดยส่ง bearer token หรือใช้เซสชัน"}]}


def test_api_422_service_error_in_thai(world, client, token_for):
    headers = token_for(world.users["officer"], lang="th")
    before = counts()
    r = client.post("/api/registry/estates", json.dumps({"code": "E9", "name_th": "ก", "name_en": "X", "province": "TH-99"}),
                    content_type="application/json", headers=headers)
    assert r.status_code == 422
    assert r.json() == {"detail": [{"field": "province", "code": "unknown_province", "message": "ไม่รู้จักรหัสจังหวัด TH-99"}]}
    assert counts() == before


def test_api_invalid_json_400(world, client, token_for):
    headers = token_for(world.users["admin"], lang="en")
    before = counts()
    r = client.post("/api/registry/factories", "{nope", content_type="application/json", headers=headers)
    assert r.status_code == 400
    assert r.json() == {"detail": [{"code": "invalid_json", "message": "The request body is not valid JSON."}]}
    assert counts() == before


def test_openapi_documents_the_error_bodies(db, client):
    spec = client.get("/api/openapi.json").json()
    schemas = spec["components"]["schemas"]
    assert schemas["Problem"]["required"] == ["code", "message"]
    assert sorted(schemas["Problem"]["properties"]) == ["code", "field", "message"]
    assert schemas["ProblemBody"]["properties"]["detail"]["items"] == {"$ref": "#/components/schemas/Problem"}
    assert sorted(schemas["StatusProblem"]["properties"]) == ["code", "message"]
    op = spec["paths"]["/api/registry/factories"]["post"]["responses"]
    assert op["422"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ProblemBody"}
    for status in ("401", "403", "404"):
        assert op[status]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/StatusBody"}
    assert op["409"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/ConflictBody"}
    assert sorted(schemas["ConflictProblem"]["properties"]) == ["code", "field", "message", "object"]
    token = spec["paths"]["/api/auth/token"]["post"]["responses"]["401"]
    assert token["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/StatusBody"}


# --- calculators ---------------------------------------------------------------------------------

def test_ghg_problems_carry_codes(tmp_path):
    from ecotown.calc import ghg
    from ecotown.calc.errors import InputError

    acts = tmp_path / "a.csv"
    acts.write_text("org,period_start,period_end,activity,quantity,unit\n"
                    "F1,2026-01-01,2026-01-31,diesel,-3,L\n"
                    "F1,2026-01-01,2026-01-31,unobtainium,1,kg\n"
                    "F1,2026-01-01,2026-01-31,diesel,1,ton\n"
                    "F1,2026-02-01,2026-01-31,diesel,1,L\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        ghg.calculate(str(acts))
    got = [p.to_dict("en") for p in exc.value.problems]
    assert [(p["line"], p["path"], p["code"]) for p in got] == [
        (2, "quantity", "negative_value"), (3, "activity", "unknown_activity"), (4, "unit", "ambiguous_unit"),
        (5, "period_end", "end_before_start")]
    assert got[0] == {"path": "quantity", "code": "negative_value", "file": str(acts), "line": 2,
                      "message": "negative quantity -3 (quantities must be >= 0)"}
    assert exc.value.problems[0].to_dict("th")["message"] == "ปริมาณติดลบ -3 (ต้องไม่น้อยกว่า 0)"


def test_framework_and_values_problems_carry_codes():
    from ecotown.calc.errors import FrameworkInvalid, ValuesInvalid
    from ecotown.calc.framework import load_framework_file, load_framework_text
    from ecotown.calc.scoring import validate_values

    with pytest.raises(FrameworkInvalid) as exc:
        load_framework_file(CASES / "assess" / "bad-unknown-level" / "framework.yaml")
    assert sorted({p.code for p in exc.value.problems}) == ["invalid_threshold", "unknown_id"]
    with pytest.raises(FrameworkInvalid) as exc:
        load_framework_text("id: x\nid: y\n: [", file="f.yaml")
    assert [p.to_dict("en")["code"] for p in exc.value.problems] == ["yaml_syntax"]
    fw = load_framework_file(CASES / "assess" / "ieat-champion-gaps" / "framework.yaml")
    with pytest.raises(ValuesInvalid) as exc:
        validate_values(fw, {"no_such_indicator": 1})
    assert [p.to_dict("en") for p in exc.value.problems] == [
        {"path": "no_such_indicator", "code": "unknown_id",
         "message": f"unknown indicator id 'no_such_indicator' in framework {fw.id}"}]


def test_cli_error_lines_keep_the_contract(tmp_path):
    """`ecotown ghg calc` bad input: exit 2, nothing on stdout, one line per problem on stderr, as
    ../shared/cases/README.md specifies (the codes are in the Python API and the platform, not in
    these lines)."""
    acts = tmp_path / "a.csv"
    acts.write_text("org,period_start,period_end,activity,quantity,unit\nF1,2026-01-01,2026-01-31,diesel,-3,L\n",
                    encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "ecotown.cli", "ghg", "calc", "--activities", str(acts),
                        "--format", "json", "--lang", "en"], capture_output=True, text=True)
    assert (r.returncode, r.stdout) == (2, "")
    assert r.stderr == f"{acts}, line 2, column quantity: negative quantity -3 (quantities must be >= 0)\n"


def test_cli_errors_json_carries_the_codes(tmp_path):
    """`--errors json` (opt-in): still exit 2, nothing on stdout, one line per problem on stderr —
    each line one JSON object {path, code, message, file, line}."""
    acts = tmp_path / "a.csv"
    acts.write_text("org,period_start,period_end,activity,quantity,unit\nF1,2026-01-01,2026-01-31,diesel,-3,gal\n",
                    encoding="utf-8")
    r = subprocess.run([sys.executable, "-m", "ecotown.cli", "ghg", "calc", "--activities", str(acts),
                        "--format", "json", "--lang", "th", "--errors", "json"], capture_output=True, text=True)
    assert (r.returncode, r.stdout) == (2, "")
    lines = [json.loads(x) for x in r.stderr.splitlines()]
    assert [(x["line"], x["path"], x["code"]) for x in lines] == [(2, "quantity", "negative_value"),
                                                                  (2, "unit", "ambiguous_unit")]
    assert lines[0] == {"path": "quantity", "code": "negative_value", "message": "ปริมาณติดลบ -3 (ต้องไม่น้อยกว่า 0)",
                        "file": str(acts), "line": 2}
    fw = CASES / "assess" / "bad-unknown-level" / "framework.yaml"
    r = subprocess.run([sys.executable, "-m", "ecotown.cli", "assess", "--framework", str(fw), "--values",
                        str(tmp_path / "none.yaml"), "--year", "2026", "--format", "json", "--errors", "json",
                        "--lang", "en"], capture_output=True, text=True)
    assert (r.returncode, r.stdout) == (2, "")
    assert [(x["path"], x["code"]) for x in map(json.loads, r.stderr.splitlines())] == [
        ("dimensions[0].indicators[0].thresholds.platinum", "unknown_id"), ("levels[2]", "invalid_threshold"),
        (None, "file_not_found")]


CODED_APPS = ("registry", "accounts", "enquiries", "carbon", "assessment", "core", "reporting")


def test_no_uncoded_validation_error_in_the_coded_apps():
    """Every ValidationError the coded apps build goes through an ErrorCode (`Code.X.invalid(...)`,
    `Problems.add`) or passes `code=` itself; only the mechanism (core/errors.py) builds raw ones."""
    import ast

    src = Path(__file__).resolve().parents[2] / "src" / "ecotown"
    found = []
    for app in CODED_APPS:
        for path in sorted((src / app).rglob("*.py")):
            if path.name == "errors.py" and app == "core" or "migrations" in path.parts:
                continue
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if (isinstance(node, ast.Call) and getattr(node.func, "id", getattr(node.func, "attr", None))
                        == "ValidationError"):
                    inner_coded = node.args and isinstance(node.args[0], ast.Dict) and all(
                        isinstance(v, ast.Call) and any(k.arg == "code" for k in v.keywords) for v in node.args[0].values)
                    if not any(k.arg == "code" for k in node.keywords) and not inner_coded:
                        found.append(f"{path.relative_to(src)}:{node.lineno}")
    assert found == []


def test_conversion_problems_carry_codes(tmp_path):
    from ecotown.calc import ghg
    from ecotown.calc.errors import InputError

    conv = tmp_path / "c.csv"
    conv.write_text("activity,property,value,unit\ndiesel,density,0.84,kg\ndiesel,colour,1,kg/L\n", encoding="utf-8")
    with pytest.raises(InputError) as exc:
        ghg.load_conversions(str(conv))
    assert [(p.line, p.column, p.code) for p in exc.value.problems] == [(2, "unit", "unit_dimension"),
                                                                        (3, "property", "not_a_choice")]
