"""Frameworks in the database and self-assessments: every rejected action leaves nothing behind;
the database path gives exactly what `ecotown assess` prints for the same inputs."""
from __future__ import annotations

import io
import json
from contextlib import redirect_stdout
from pathlib import Path

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from ecotown.assessment import services
from ecotown.assessment.models import Assessment, AssessmentResult, Framework, FrameworkVersion
from ecotown.calc import assess_cli
from ecotown.core.models import ChangeRecord

CASES = Path(__file__).resolve().parents[1] / "cases" / "assess"


def _counts():
    return (Framework.objects.count(), FrameworkVersion.objects.count(), Assessment.objects.count(),
            AssessmentResult.objects.count(), ChangeRecord.objects.count())


def test_shipped_frameworks_are_installed_published_once(world):
    added = services.install_shipped(None)
    assert sorted(v.framework.code for v in added) == [
        "eco40-estate", "eip-international", "green-industry", "i40-readiness-factory", "ieat-eit"]
    assert all(v.is_published and v.published_at for v in added)
    assert services.install_shipped(None) == []
    v = services.latest_published("ieat-eit")
    assert v.applies_to == "estate" and v.content_hash == v.parsed().content_hash
    assert "ILLUSTRATIVE" in v.yaml_text  # the stored text keeps the file's comments


def test_malformed_upload_names_every_problem_with_its_path_and_saves_nothing(world):
    text = (CASES / "bad-unknown-level" / "framework.yaml").read_text()
    before = _counts()
    with pytest.raises(ValidationError) as e:
        services.upload_framework(world.users["admin"], text, "bad.yaml")
    msgs = e.value.message_dict["yaml"]
    assert any("dimensions[0].indicators[0].thresholds.platinum" in m for m in msgs)
    assert any("levels[2]" in m for m in msgs)
    assert _counts() == before


def test_only_the_authority_admin_uploads(world):
    text = (CASES / "boundary-0-6" / "framework.yaml").read_text()
    before = _counts()
    for name in ("officer", "estate", "approver", "auditor", "outsider"):
        with pytest.raises(PermissionDenied):
            services.upload_framework(world.users[name], text, "f.yaml")
    assert _counts() == before


def test_upload_is_a_draft_publish_makes_it_read_only_and_an_edit_makes_a_new_version(world):
    admin = world.users["admin"]
    text = (CASES / "boundary-0-6" / "framework.yaml").read_text()
    v = services.upload_framework(admin, text, "boundary.yaml")
    assert v.status == "draft" and v.framework.code == "boundary"
    services.publish(admin, v)
    v.refresh_from_db()
    assert v.is_published
    # uploading the same version again is refused: published versions never change
    before = _counts()
    with pytest.raises(ValidationError):
        services.upload_framework(admin, text, "boundary.yaml")
    assert _counts() == before
    ind = v.parsed().dimensions[0].indicators[0]
    lid = v.parsed().levels[0].id
    new = services.edit_framework(admin, v, {ind.id: {"points": "7", "threshold_status": "official",
                                                      "name_th": "ชื่อใหม่", "thresholds": {lid: ">= 3"}}})
    v.refresh_from_db()
    assert v.yaml_text == text and v.is_published  # untouched
    assert new.status == "draft" and new.version == f"{v.version}-edit1" and new.based_on_id == v.pk
    edited = new.parsed().indicator(ind.id)
    assert edited.points == 7 and edited.threshold_status == "official" and edited.name.th == "ชื่อใหม่"
    assert edited.threshold(lid).written == ">= 3"
    assert new.content_hash != v.content_hash


def test_an_edit_that_breaks_the_framework_is_refused_with_its_path(world, frameworks):
    admin = world.users["admin"]
    v = frameworks["ieat-eit"]
    before = _counts()
    with pytest.raises(ValidationError) as e:
        services.edit_framework(admin, v, {"PHY-GREEN-AREA": {"thresholds": {"eco-champion": "at least 5"}}})
    assert any("dimensions[0].indicators[0].thresholds.eco-champion" in m for m in e.value.message_dict["yaml"])
    with pytest.raises(ValidationError):
        services.edit_framework(admin, v, {"PHY-GREEN-AREA": {"points": "-1"}})
    assert _counts() == before


def test_framework_must_apply_to_the_organisation_kind(world, frameworks):
    before = _counts()
    with pytest.raises(ValidationError) as e:
        services.start_assessment(world.users["approver"], world.F1, frameworks["ieat-eit"], 2026)
    assert "framework_version" in e.value.message_dict
    assert _counts() == before
    a = services.start_assessment(world.users["approver"], world.F1, frameworks["green-industry"], 2026)
    assert a.organisation == world.F1


def test_a_draft_version_cannot_be_used(world):
    admin = world.users["admin"]
    v = services.upload_framework(admin, (CASES / "held-years-higher-level" / "framework.yaml").read_text(), "h.yaml")
    with pytest.raises(ValidationError):
        services.start_assessment(admin, world.E1, v, 2026)
    assert Assessment.objects.count() == 0


def test_metric_indicators_are_prefilled_with_inputs_and_the_rest_marked_manual(world, frameworks):
    a = services.start_assessment(world.users["estate"], world.E1, frameworks["ieat-eit"], 2026)
    assert a.values["PHY-GREEN-AREA"] == 10
    assert a.sources["PHY-GREEN-AREA"]["source"] == "kpi"
    assert a.sources["PHY-GREEN-AREA"]["inputs"] == {"registry.area_green_rai": 100.0, "registry.area_total_rai": 1000.0}
    assert a.values["MGT-GHG-NETWORK"] == 0
    # no inventory in this world: the GHG indicators are left for a manual answer, not zero
    assert "ENV-GHG-TOTAL" not in a.values
    assert a.sources["ENV-GHG-TOTAL"]["source"] == "manual-needed"
    services.answer(world.users["estate"], a, {"ENV-GHG-TOTAL": "1200.5", "MGT-ECO-PLAN": True}, note="audited report")
    a.refresh_from_db()
    assert a.values["ENV-GHG-TOTAL"] == 1200.5 and a.sources["ENV-GHG-TOTAL"] == {
        "source": "manual", "kpi": "ghg.scope12_location_t", "note": "audited report"}
    # a refresh of the KPIs keeps the manual answer
    services.prefill(world.users["estate"], a)
    a.refresh_from_db()
    assert a.values["ENV-GHG-TOTAL"] == 1200.5


def test_wrong_answers_are_all_refused_and_nothing_is_saved(world, frameworks):
    a = services.start_assessment(world.users["approver"], world.F1, frameworks["i40-readiness-factory"], 2026)
    band = next(ind.id for _, ind in a.framework_version.parsed().indicators() if ind.kind == "band")
    before = (dict(a.values), ChangeRecord.objects.count())
    with pytest.raises(ValidationError) as e:
        services.answer(world.users["approver"], a, {band: "7", "NOPE": 1})
    assert set(e.value.message_dict) == {band, "NOPE"}
    a.refresh_from_db()
    assert (a.values, ChangeRecord.objects.count()) == before


def test_evidence_file_is_kept_for_the_organisation(world, frameworks):
    a = services.start_assessment(world.users["estate"], world.E1, frameworks["ieat-eit"], 2026)
    ev = services.attach_evidence(world.users["estate"], a, "MGT-ECO-PLAN", "plan.pdf", b"%PDF-1.4 plan", "board minutes")
    assert ev.file.organisation == world.E1 and ev.indicator == "MGT-ECO-PLAN"
    with pytest.raises(ValidationError):
        services.attach_evidence(world.users["estate"], a, "NOPE", "x.pdf", b"%PDF-1.4")
    assert a.evidence.count() == 1


def _cli(framework_text: str, values_text: str, year: int, tmp_path: Path) -> dict:
    f = tmp_path / "framework.yaml"
    v = tmp_path / "values.yaml"
    f.write_text(framework_text, encoding="utf-8")
    v.write_text(values_text, encoding="utf-8")
    out = io.StringIO()
    with redirect_stdout(out):
        code = assess_cli.main(["--framework", str(f), "--values", str(v), "--year", str(year), "--format", "json"])
    assert code == 0
    return json.loads(out.getvalue())


@pytest.mark.parametrize("case", ["boundary-0-6", "held-years-higher-level", "ieat-champion-gaps"])
def test_the_database_path_and_the_command_give_the_same_result(world, case, tmp_path):
    """Upload the case's framework, answer its values through the services, score, then export the
    framework YAML and the values YAML and run `ecotown assess`: the JSON is identical, and it is
    the case's expected answer."""
    import yaml

    admin = world.users["admin"]
    folder = CASES / case
    v = services.upload_framework(admin, (folder / "framework.yaml").read_text(encoding="utf-8"), "f.yaml")
    services.publish(admin, v)
    org = {"estate": world.E1, "factory": world.F1}[v.applies_to]
    a = services.start_assessment(admin, org, v, 2026, prefill_kpis=False)
    values = yaml.safe_load((folder / "values.yaml").read_text(encoding="utf-8")) or {}
    held = values.pop("history", None)
    services.answer(admin, a, values)
    if held:
        services.set_history(admin, a, held, note="awards before EcoTown")
    r = services.compute_result(admin, a)
    cli = _cli(services.export_yaml(v), services.values_yaml(a), 2026, tmp_path)
    assert cli == r.result
    expected = json.loads((folder / "expected.json").read_text())
    for path, want in expected.get("expected", {}).items():
        got = r.result
        for key in path.split("."):
            got = got[int(key)] if isinstance(got, list) else got[key]
        assert got == want, path
    assert r.framework_hash == v.content_hash and r.engine.startswith("ecotown.calc.scoring")
    assert r.values == a.values


def test_shipped_ieat_assessment_matches_the_command(world, frameworks, tmp_path):
    a = services.start_assessment(world.users["estate"], world.E1, frameworks["ieat-eit"], 2026)
    services.answer(world.users["estate"], a, {"ECO-SYMBIOSIS": True, "MGT-ECO-PLAN": True, "ENV-GHG-TOTAL": 900})
    r = services.compute_result(world.users["estate"], a)
    assert _cli(frameworks["ieat-eit"].yaml_text, services.values_yaml(a), 2026, tmp_path) == r.result


def test_levels_held_in_earlier_results_feed_the_held_years_rule(world, frameworks):
    """Eco-Excellence needs Eco-Champion (or higher) held in each of the 3 years before."""
    v = frameworks["ieat-eit"]
    admin = world.users["admin"]
    champion = {"ECO-SYMBIOSIS": True, "ECO-LOCAL-BUSINESS": True, "SOC-COMMUNITY-DIALOGUE": True,
                "MGT-ECO-PLAN": True, "MGT-GREEN-TRANSPORT": True, "PHY-GREEN-TRANSPORT": True,
                "ENV-GHG-TOTAL": 900, "ENV-GHG-INTENSITY": 10, "ENV-GHG-CHANGE": -8, "ENV-RENEWABLE": 15,
                "MGT-REPORTING": 95, "MGT-GHG-NETWORK": 40}
    levels = {}
    for y in (2023, 2024, 2025, 2026):
        a = services.start_assessment(admin, world.E1, v, y)
        services.answer(admin, a, champion)
        levels[y] = services.compute_result(admin, a)
    assert levels[2023].level == "eco-champion"
    assert levels[2023].result["levels"]["eco-excellence"]["blockers"] == [
        {"kind": "held_years", "level": "eco-champion", "years_required": [2020, 2021, 2022],
         "years_not_held": [2020, 2021, 2022]}]
    assert levels[2025].level == "eco-champion"
    assert levels[2026].level == "eco-excellence"
    assert levels[2026].history == {"eco-champion": [2023, 2024, 2025]}
    # intended performance never counts as a level held
    a = services.start_assessment(admin, world.E2, v, 2025, "intended")
    services.answer(admin, a, champion)
    services.compute_result(admin, a)
    assert services.held_history(world.E2, v.parsed(), 2026) == {}


def test_reassess_with_a_new_version_keeps_the_manual_answers(world, frameworks):
    admin = world.users["admin"]
    v = frameworks["ieat-eit"]
    a = services.start_assessment(world.users["estate"], world.E1, v, 2026)
    services.answer(world.users["estate"], a, {"ECO-SYMBIOSIS": True, "MGT-ECO-PLAN": True})
    services.compute_result(world.users["estate"], a)
    new_v = services.edit_framework(admin, v, {"ECO-SYMBIOSIS": {"points": "20"}}, "2027.1")
    services.publish(admin, new_v)
    b = services.reassess(admin, a, new_v)
    assert b.framework_version == new_v and b.values["ECO-SYMBIOSIS"] is True and b.values["MGT-ECO-PLAN"] is True
    assert b.latest_result().framework_hash == new_v.content_hash
    assert a.latest_result().framework_hash == v.content_hash  # the old assessment keeps its version
