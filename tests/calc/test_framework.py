"""Framework loading and validation: every error names its path (and line for YAML)."""
from __future__ import annotations

import copy
from fractions import Fraction

import pytest
import yaml

from ecotown.calc.errors import FrameworkInvalid
from ecotown.calc.framework import (
    content_hash,
    dump_framework,
    load_framework,
    load_framework_file,
    load_framework_text,
    shipped_frameworks,
)

BASE = """\
id: demo
version: "1"
name: {th: ทดสอบ, en: Demo}
applies_to: estate
levels:
  - id: L1
    rule: {min_dimension_share: 0.6, min_total_share: 0.6, held_previous_years: 0}
  - id: L2
    name: {th: สอง, en: Two}
    rule: {min_dimension_share: 0.7, min_total_share: 0.8, held_previous_years: 3}
dimensions:
  - id: physical
    name: {th: กายภาพ, en: Physical}
    indicators:
      - id: PHY-GREEN-AREA
        name: {th: พื้นที่สีเขียว, en: Green area}
        kind: metric
        metric: land.green_area_share_pct
        unit: percent
        points: 10
        prerequisite: false
        thresholds: {L1: ">= 5", L2: ">= 10"}
        threshold_status: illustrative
        evidence: required
      - id: PHY-PLAN
        name: {th: แผน, en: Plan}
        kind: checklist
        points: 5
        thresholds: {L1: true}
        threshold_status: official
  - id: social
    name: {th: สังคม, en: Social}
    indicators:
      - id: SOC-BAND
        name: {th: ระดับ, en: Band}
        kind: band
        points: 1
        thresholds: {L2: 3}
        threshold_status: secondary_verify
"""


def base() -> dict:
    return yaml.safe_load(BASE)


def problems(data) -> list[str]:
    with pytest.raises(FrameworkInvalid) as e:
        load_framework(data)
    return [f"{p.path}: {p.message_en}" for p in e.value.problems]


def paths(data) -> list[str]:
    with pytest.raises(FrameworkInvalid) as e:
        load_framework(data)
    return [p.path for p in e.value.problems]


def test_base_loads_with_exact_fractions():
    fw = load_framework_text(BASE)
    assert fw.levels[0].rule.min_dimension_share == Fraction(3, 5)
    assert fw.levels[1].name.en == "Two" and fw.levels[0].name is None
    gi = fw.indicator("PHY-GREEN-AREA")
    assert gi.threshold("L2").target == 10 and gi.threshold("L2").written == ">= 10"
    assert fw.indicator("SOC-BAND").threshold("L2").op == ">="
    assert fw.indicator("PHY-PLAN").evidence == "optional"  # default


@pytest.mark.parametrize("name", sorted(shipped_frameworks()))
def test_shipped_frameworks_load_and_round_trip(name):
    fw = load_framework_file(shipped_frameworks()[name])
    again = load_framework_text(dump_framework(fw))
    assert again == fw and content_hash(again) == content_hash(fw)
    assert fw.name.th and fw.name.en
    for dim, ind in fw.indicators():
        assert dim.name.th and ind.name.th and ind.name.en


def test_shipped_set_is_complete():
    assert set(shipped_frameworks()) >= {"ieat-eit", "eip-international", "eco40-estate",
                                         "i40-readiness-factory", "green-industry"}


def test_ieat_structure_and_all_thresholds_illustrative():
    fw = load_framework_file(shipped_frameworks()["ieat-eit"])
    assert [d.id for d in fw.dimensions] == ["physical", "economic", "environmental", "social", "management"]
    assert [lv.id for lv in fw.levels] == ["eco-champion", "eco-excellence", "eco-world-class"]
    assert all(i.threshold_status == "illustrative" for _, i in fw.indicators())
    assert fw.levels[1].rule_status == "inferred"
    where = {i.id: d.id for d, i in fw.indicators()}
    assert where["MGT-GREEN-TRANSPORT"] == "management"
    assert set(dict(fw.indicator("MGT-GREEN-TRANSPORT").thresholds)) == {"eco-champion"}
    assert where["PHY-GREEN-TRANSPORT"] == "physical"
    assert "eco-excellence" in dict(fw.indicator("PHY-GREEN-TRANSPORT").thresholds)
    assert where["SOC-ECO-SCHOOL"] == "social"
    assert set(dict(fw.indicator("SOC-ECO-SCHOOL").thresholds)) == {"eco-world-class"}
    topics = {t for _, i in fw.indicators() for t in i.topic}
    assert {"green-building", "rnd-technology", "ghg-reduction", "eco-community", "eco-school",
            "green-network", "sdg-operations"} <= topics
    metrics = {i.metric for _, i in fw.indicators() if i.metric}
    assert {"ghg.scope12_location_t", "ghg.intensity_per_employee", "ghg.change_vs_base_year_pct",
            "energy.renewable_share_pct", "land.green_area_share_pct", "reporting.on_time_share_pct",
            "network.ghg_reduction_member_share_pct"} <= metrics


def test_i40_has_16_band_dimensions_in_3_blocks():
    fw = load_framework_file(shipped_frameworks()["i40-readiness-factory"])
    assert len(fw.dimensions) == 3 and len(list(fw.indicators())) == 16
    assert all(i.kind == "band" for _, i in fw.indicators())


def test_hash_is_stable_and_changes_with_content():
    a = load_framework(base())
    b = load_framework(yaml.safe_load(BASE))
    assert content_hash(a) == content_hash(b) and content_hash(a).startswith("sha256:")
    d = base()
    d["dimensions"][0]["indicators"][0]["thresholds"]["L1"] = ">= 6"
    assert content_hash(load_framework(d)) != content_hash(a)


# ---- every validation error names its path ----------------------------------------------------

def test_unknown_level_id_in_thresholds():
    d = base()
    d["dimensions"][1]["indicators"][0]["thresholds"]["L9"] = 3
    assert paths(d) == ["dimensions[1].indicators[0].thresholds.L9"]


def test_level_with_no_threshold_at_all():
    d = base()
    d["levels"].append({"id": "L3", "rule": {"min_dimension_share": 1, "min_total_share": 1}})
    assert problems(d) == ["levels[2]: level 'L3' has no threshold in any indicator"]


def test_held_years_on_lowest_level():
    d = base()
    d["levels"][0]["rule"]["held_previous_years"] = 1
    assert paths(d) == ["levels[0].rule.held_previous_years"]


@pytest.mark.parametrize("dim,idx,value", [
    (0, 0, 5),            # metric needs "OP NUMBER", not a bare number
    (0, 0, ">== 5"),      # bad operator
    (0, 0, "at least 5"),
    (0, 0, True),         # boolean on a metric
    (0, 1, ">= 1"),       # checklist needs true/false
    (0, 1, "true"),       # the string "true" is not the boolean
    (1, 0, 6),            # band out of 0–5
    (1, 0, ">= 7"),
    (1, 0, True),
    (1, 0, None),
])
def test_wrong_threshold_type(dim, idx, value):
    d = base()
    th = d["dimensions"][dim]["indicators"][idx]["thresholds"]
    lid = next(iter(th))
    th[lid] = value
    assert paths(d) == [f"dimensions[{dim}].indicators[{idx}].thresholds.{lid}"]


@pytest.mark.parametrize("points", [0, -1, "10", True])
def test_points_must_be_positive_number(points):
    d = base()
    d["dimensions"][0]["indicators"][1]["points"] = points
    assert paths(d) == ["dimensions[0].indicators[1].points"]


def test_duplicate_ids():
    d = base()
    d["dimensions"][1]["indicators"][0]["id"] = "PHY-PLAN"
    d["dimensions"][1]["id"] = "physical"
    d["levels"][1]["id"] = "L1"
    got = paths(d)
    assert "levels[1].id" in got
    assert "dimensions[1].id" in got
    assert "dimensions[1].indicators[0].id" in got


def test_history_is_reserved_as_indicator_id():
    d = base()
    d["dimensions"][0]["indicators"][1]["id"] = "history"
    assert problems(d) == [
        "dimensions[0].indicators[1].id: 'history' is reserved for the held-years history; choose another id"]


@pytest.mark.parametrize("key,path", [
    ("name", "dimensions[0].indicators[0].name"),
    ("kind", "dimensions[0].indicators[0].kind"),
    ("points", "dimensions[0].indicators[0].points"),
    ("thresholds", "dimensions[0].indicators[0].thresholds"),
    ("threshold_status", "dimensions[0].indicators[0].threshold_status"),
    ("unit", "dimensions[0].indicators[0].unit"),   # required for metric
    ("id", "dimensions[0].indicators[0].id"),
])
def test_missing_indicator_fields(key, path):
    d = base()
    del d["dimensions"][0]["indicators"][0][key]
    assert path in paths(d)


@pytest.mark.parametrize("key", ["id", "version", "name", "applies_to", "levels", "dimensions"])
def test_missing_top_fields(key):
    d = base()
    del d[key]
    assert key in paths(d)


def test_missing_rule_fields_and_bad_shares():
    d = base()
    del d["levels"][0]["rule"]["min_total_share"]
    d["levels"][1]["rule"]["min_dimension_share"] = 1.5
    assert paths(d) == ["levels[0].rule.min_total_share", "levels[1].rule.min_dimension_share"]


def test_enums_are_checked():
    d = base()
    d["applies_to"] = "city"
    d["dimensions"][0]["indicators"][0]["kind"] = "score"
    d["dimensions"][0]["indicators"][0]["threshold_status"] = "guess"
    d["dimensions"][0]["indicators"][0]["evidence"] = "maybe"
    assert paths(d) == ["applies_to", "dimensions[0].indicators[0].kind",
                        "dimensions[0].indicators[0].threshold_status",
                        "dimensions[0].indicators[0].evidence"]


def test_name_needs_th_and_en():
    d = base()
    d["dimensions"][0]["name"] = {"en": "Physical"}
    assert paths(d) == ["dimensions[0].name.th"]


def test_unknown_field_is_reported():
    d = base()
    d["dimensions"][0]["indicators"][0]["threshhold_status"] = "illustrative"
    assert paths(d) == ["dimensions[0].indicators[0].threshhold_status"]


def test_all_problems_reported_at_once():
    d = base()
    d["dimensions"][1]["indicators"][0]["thresholds"]["L9"] = 3
    d["dimensions"][0]["indicators"][1]["points"] = 0
    d["levels"][0]["rule"]["held_previous_years"] = 2
    assert len(paths(d)) == 3


def test_yaml_text_errors_carry_lines_and_strict_booleans():
    text = BASE.replace("thresholds: {L1: true}", "thresholds: {L1: yes}")
    with pytest.raises(FrameworkInvalid) as e:
        load_framework_text(text, file="f.yaml")
    (p,) = e.value.problems
    assert p.format("en") == (
        "f.yaml, line 29, dimensions[0].indicators[1].thresholds.L1: a checklist threshold must be "
        "true or false (got 'yes')")
    assert p.format("th").startswith("f.yaml, บรรทัด 29, dimensions[0].indicators[1].thresholds.L1: ")


def test_duplicate_yaml_key_and_syntax_error():
    text = BASE.replace("applies_to: estate\n", "applies_to: estate\napplies_to: port\n")
    with pytest.raises(FrameworkInvalid) as e:
        load_framework_text(text, file="f.yaml")
    assert [p.path for p in e.value.problems] == ["applies_to"]
    assert e.value.problems[0].line == 5
    with pytest.raises(FrameworkInvalid) as e:
        load_framework_text("id: [unclosed\n", file="f.yaml")
    assert e.value.problems[0].file == "f.yaml" and "YAML" in e.value.problems[0].message_en


def test_dict_input_is_not_mutated():
    d = base()
    before = copy.deepcopy(d)
    load_framework(d)
    assert d == before
