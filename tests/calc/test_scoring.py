"""Every scoring rule of the `ecotown assess` contract, hand-computed. No database needed."""
from __future__ import annotations

from fractions import Fraction

import pytest

from ecotown.calc.errors import ValuesInvalid
from ecotown.calc.framework import load_framework, load_framework_file, shipped_frameworks
from ecotown.calc.scoring import assess, load_values_text


def ind(id, points, thresholds, kind="metric", prerequisite=False):
    d = {"id": id, "name": {"th": id, "en": id}, "kind": kind, "points": points,
         "prerequisite": prerequisite, "thresholds": thresholds, "threshold_status": "illustrative"}
    if kind == "metric":
        d["unit"] = "percent"
    return d


def fw(levels, dimensions):
    return load_framework({
        "id": "t", "version": "1", "name": {"th": "ท", "en": "T"}, "applies_to": "estate",
        "levels": [{"id": lid, "rule": {"min_dimension_share": d, "min_total_share": t,
                                        "held_previous_years": h}} for lid, d, t, h in levels],
        "dimensions": [{"id": did, "name": {"th": did, "en": did}, "indicators": inds}
                       for did, inds in dimensions],
    })


# ---- counted at L, pass / failed / missing --------------------------------------------------

def test_counted_only_with_threshold_for_level_and_missing_vs_failed():
    f = fw([("L1", 0, 0, 0), ("L2", 0, 0, 0)],
           [("a", [ind("A1", 1, {"L1": ">= 5", "L2": ">= 10"}),
                   ind("A2", 1, {"L2": ">= 1"}),
                   ind("A3", 1, {"L1": "< 3", "L2": "< 3"})])])
    r = assess(f, {"A1": 7}, 2026)  # A2 has no value, A3 has no value
    l1, l2 = r.level_result("L1"), r.level_result("L2")
    # L1 counts A1 (7 >= 5 pass) and A3 (missing); A2 has no L1 threshold -> not counted
    assert [o.indicator for o in l1.outcomes] == ["A1", "A3"]
    assert l1.failed == [] and l1.missing == ["A3"]
    assert l1.share_by_dimension == {"a": Fraction(1, 2)}
    # L2: A1 7 >= 10 fails; A2, A3 missing
    assert l2.failed == ["A1"] and l2.missing == ["A2", "A3"]


@pytest.mark.parametrize("op,target,value,ok", [
    (">=", "5", 5, True), (">=", "5", 4.999, False), (">", "5", 5, False), (">", "5", 5.1, True),
    ("<=", "-5", -5, True), ("<=", "-5", -4, False), ("<", "0", 0, False), ("<", "0", -0.5, True),
    ("==", "0.3", 0.3, True), ("==", "0.3", 0.1 + 0.2, False),
])
def test_operators_exact(op, target, value, ok):
    # 0.1 + 0.2 = 0.30000000000000004 exactly as written: not == 0.3
    f = fw([("L1", 0, 0, 0)], [("a", [ind("A", 1, {"L1": f"{op} {target}"})])])
    assert (assess(f, {"A": value}, 2026).level_result("L1").failed == []) is ok


def test_checklist_true_and_false_thresholds():
    f = fw([("L1", 1, 1, 0)], [("a", [ind("C1", 1, {"L1": True}, kind="checklist"),
                                      ind("C2", 1, {"L1": False}, kind="checklist")])])
    assert assess(f, {"C1": True, "C2": False}, 2026).level == "L1"
    r = assess(f, {"C1": False, "C2": True}, 2026)
    assert r.level is None and r.level_result("L1").failed == ["C1", "C2"]


def test_band_bare_integer_means_at_least():
    f = fw([("L1", 1, 1, 0)], [("a", [ind("B", 1, {"L1": 3}, kind="band")])])
    assert assess(f, {"B": 3}, 2026).level == "L1"
    assert assess(f, {"B": 2}, 2026).level is None


# ---- shares and the exact 0.6 boundary ------------------------------------------------------

def test_exact_boundary_0_6_meets_0_6():
    # 3 of 5 points pass: 3/5 == 0.6 exactly (in floats 3/5 vs 0.6 could differ; we use Fraction)
    inds = [ind(f"A{i}", 1, {"L1": ">= 1"}) for i in range(5)]
    f = fw([("L1", 0.6, 0.6, 0)], [("a", inds)])
    r = assess(f, {"A0": 1, "A1": 1, "A2": 1, "A3": 0, "A4": 0}, 2026)
    assert r.level_result("L1").total_share == Fraction(3, 5)
    assert r.level == "L1"
    # 0.1 * 3 points of 1 passing vs 0.3 total: points 0.1+0.2 -> share computed exactly
    f2 = fw([("L1", 0.3, 0.3, 0)], [("a", [ind("X", 0.1, {"L1": ">= 1"}), ind("Y", 0.2, {"L1": ">= 1"}),
                                          ind("Z", 0.7, {"L1": ">= 1"})])])
    # passing X+Y = 0.1+0.2 = 3/10 exactly; counted 1 -> 0.3 meets 0.3 (floats would give 0.30000000000000004)
    r2 = assess(f2, {"X": 1, "Y": 1, "Z": 0}, 2026)
    assert r2.level_result("L1").total_share == Fraction(3, 10) and r2.level == "L1"


def test_just_below_boundary_fails_with_blockers():
    # 2 of 5 points in dimension a -> 0.4 < 0.6; total 2/5 < 0.6
    inds = [ind(f"A{i}", 1, {"L1": ">= 1"}) for i in range(5)]
    f = fw([("L1", 0.6, 0.6, 0)], [("a", inds)])
    r = assess(f, {"A0": 1, "A1": 1, "A2": 0, "A3": 0, "A4": 0}, 2026)
    kinds = [b.kind for b in r.level_result("L1").blockers]
    assert kinds == ["dimension_share", "total_share"]
    d = r.to_json_dict()["levels"]["L1"]["blockers"][0]
    assert d == {"kind": "dimension_share", "dimension": "a", "share": 0.4, "required": 0.6,
                 "points_passing": 2, "points_counted": 5}


def test_total_share_is_not_mean_of_dimension_shares():
    # dimension a: 1 of 1 point passes -> 1; dimension b: 1 of 9 points pass -> 1/9
    # mean of shares = (1 + 1/9)/2 = 5/9 ≈ 0.556 ; total = (1+1)/(1+9) = 2/10 = 0.2
    f = fw([("L1", 0, 0.5, 0)],
           [("a", [ind("A", 1, {"L1": ">= 1"})]),
            ("b", [ind("B1", 1, {"L1": ">= 1"}), ind("B2", 8, {"L1": ">= 1"})])])
    r = assess(f, {"A": 1, "B1": 1, "B2": 0}, 2026)
    l1 = r.level_result("L1")
    assert l1.share_by_dimension == {"a": 1, "b": Fraction(1, 9)}
    assert l1.total_share == Fraction(1, 5)
    assert r.level is None  # 0.2 < 0.5 although the mean 0.556 would pass
    assert [b.kind for b in l1.blockers] == ["total_share"]


def test_dimension_with_nothing_counted_is_omitted():
    f = fw([("L1", 1, 1, 0), ("L2", 1, 1, 0)],
           [("a", [ind("A", 1, {"L1": ">= 1", "L2": ">= 1"})]), ("b", [ind("B", 1, {"L2": ">= 1"})])])
    r = assess(f, {"A": 1}, 2026)
    out = r.to_json_dict()["levels"]
    assert out["L1"]["share_by_dimension"] == {"a": 1.0}
    assert out["L2"]["share_by_dimension"] == {"a": 1.0, "b": 0.0}


def test_missing_value_counts_against_share():
    # A passes (2 points), B missing (3 points): share 2/5 -> below 0.5
    f = fw([("L1", 0.5, 0, 0)], [("a", [ind("A", 2, {"L1": ">= 1"}), ind("B", 3, {"L1": ">= 1"})])])
    r = assess(f, {"A": 1}, 2026)
    assert r.level_result("L1").share_by_dimension["a"] == Fraction(2, 5)
    assert r.level_result("L1").missing == ["B"] and r.level_result("L1").failed == []
    assert r.level is None


# ---- prerequisites --------------------------------------------------------------------------

def test_prerequisite_must_pass_even_if_shares_pass():
    f = fw([("L1", 0.5, 0.5, 0)],
           [("a", [ind("P", 1, {"L1": True}, kind="checklist", prerequisite=True),
                   ind("A", 9, {"L1": ">= 1"})])])
    r = assess(f, {"P": False, "A": 5}, 2026)  # shares 9/10 pass; prerequisite fails
    assert r.level is None
    assert r.to_json_dict()["levels"]["L1"]["blockers"] == [
        {"kind": "prerequisite", "indicator": "P", "dimension": "a", "status": "failed",
         "value": False, "required": True}]
    r2 = assess(f, {"A": 5}, 2026)  # prerequisite missing also blocks
    assert r2.level_result("L1").blockers[0].details["status"] == "missing"
    assert assess(f, {"P": True, "A": 5}, 2026).level == "L1"


def test_prerequisite_counts_only_where_it_has_a_threshold():
    f = fw([("L1", 0, 0, 0), ("L2", 0, 0, 0)],
           [("a", [ind("P", 1, {"L2": True}, kind="checklist", prerequisite=True),
                   ind("A", 1, {"L1": ">= 1"})])])
    r = assess(f, {"A": 1}, 2026)
    assert r.level == "L1"
    assert [b.kind for b in r.level_result("L2").blockers] == ["prerequisite"]


# ---- level below, held years, the lowest level -----------------------------------------------

THREE = [("L1", 0.5, 0.5, 0), ("L2", 0.5, 0.5, 2), ("L3", 0.5, 0.5, 1)]


def three_levels():
    return fw(THREE, [("a", [ind("A", 1, {"L1": ">= 1", "L2": ">= 2", "L3": ">= 3"})])])


def test_lowest_level_needs_no_level_below_nor_history():
    r = assess(three_levels(), {"A": 1}, 2026)
    assert r.level == "L1" and r.level_result("L1").blockers == ()


def test_held_years_required_and_reported():
    # L2 needs L1 held in 2024 and 2025; only 2025 given -> blocker names 2024
    r = assess(three_levels(), {"A": 2, "history": {"L1": [2025]}}, 2026)
    assert r.level == "L1"
    assert r.to_json_dict()["levels"]["L2"]["blockers"] == [
        {"kind": "held_years", "level": "L1", "years_required": [2024, 2025], "years_not_held": [2024]}]
    r2 = assess(three_levels(), {"A": 2}, 2026, history={"L1": [2024, 2025]})
    assert r2.level == "L2"


def test_held_years_are_the_years_just_before():
    # 2023 and 2026 do not count for year 2026 with N=2 (2024, 2025)
    r = assess(three_levels(), {"A": 2}, 2026, history={"L1": [2023, 2026]})
    assert r.level_result("L2").blockers[0].details["years_not_held"] == [2024, 2025]


def test_holding_a_higher_level_counts_as_holding_the_lower():
    # L1 held 2024, L3 held 2025 (higher than L1) -> L1 held in both years -> L2 achieved
    r = assess(three_levels(), {"A": 2}, 2026, history={"L1": [2024], "L3": [2025]})
    assert r.level == "L2"
    # the lower does not count for the higher: L3 needs L2 held in 2025; L1 in 2025 is not enough
    r3 = assess(three_levels(), {"A": 3}, 2026, history={"L1": [2024, 2025]})
    assert r3.level == "L2"
    assert r3.to_json_dict()["levels"]["L3"]["blockers"] == [
        {"kind": "held_years", "level": "L2", "years_required": [2025], "years_not_held": [2025]}]


def test_level_below_not_achieved_blocks_even_if_own_rules_pass():
    # L1 needs A >= 1 via prerequisite P; L2 counts only B. B passes, P fails.
    f = fw([("L1", 0, 0, 0), ("L2", 0, 0, 0)],
           [("a", [ind("P", 1, {"L1": True}, kind="checklist", prerequisite=True),
                   ind("B", 1, {"L2": ">= 1"})])])
    r = assess(f, {"P": False, "B": 1}, 2026)
    assert r.level is None
    l2 = r.to_json_dict()["levels"]["L2"]
    assert l2["achieved"] is False and l2["blockers"] == [{"kind": "level_below", "level": "L1"}]
    assert l2["total_share"] == 1.0


def test_every_level_evaluated_and_reported():
    r = assess(three_levels(), {"A": 0}, 2026)
    assert list(r.to_json_dict()["levels"]) == ["L1", "L2", "L3"]
    assert r.level is None


# ---- gaps -------------------------------------------------------------------------------------

def gap_framework():
    return fw([("L1", 1, 1, 0), ("L2", 1, 1, 0)],
              [("a", [ind("A1", 2, {"L1": ">= 1", "L2": ">= 5"}), ind("A2", 5, {"L2": ">= 1"})]),
               ("b", [ind("B1", 2, {"L2": True}, kind="checklist"), ind("B2", 5, {"L2": "<= 3"})])])


def test_gaps_next_level_points_desc_then_framework_order():
    r = assess(gap_framework(), {"A1": 2, "B1": False}, 2026)
    assert r.level == "L1"
    # L2: A1 2<5 fails (2 pts), A2 missing (5), B1 false fails (2), B2 missing (5)
    # sorted: A2 (5), B2 (5), A1 (2), B1 (2)  — ties keep framework order
    assert r.to_json_dict()["gaps"] == [
        {"indicator": "A2", "level": "L2", "value": None, "required": ">= 1", "points": 5},
        {"indicator": "B2", "level": "L2", "value": None, "required": "<= 3", "points": 5},
        {"indicator": "A1", "level": "L2", "value": 2, "required": ">= 5", "points": 2},
        {"indicator": "B1", "level": "L2", "value": False, "required": True, "points": 2},
    ]


def test_gaps_when_level_is_null_are_for_the_lowest():
    r = assess(gap_framework(), {"A1": 0}, 2026)
    assert r.level is None
    assert r.to_json_dict()["gaps"] == [
        {"indicator": "A1", "level": "L1", "value": 0, "required": ">= 1", "points": 2}]


def test_gaps_at_the_top_are_empty():
    r = assess(gap_framework(), {"A1": 5, "A2": 1, "B1": True, "B2": 0}, 2026)
    assert r.level == "L2" and r.to_json_dict()["gaps"] == []


def test_passing_indicators_are_not_gaps():
    r = assess(gap_framework(), {"A1": 2, "A2": 1, "B1": True, "B2": 9}, 2026)
    assert [g.indicator for g in r.gaps] == ["B2", "A1"]


# ---- JSON shape, compliance, band profile -------------------------------------------------------

def test_json_shape():
    out = assess(three_levels(), {"A": 1}, 2026).to_json_dict()
    assert {"framework", "version", "level", "levels", "gaps"} <= set(out)
    assert set(out["levels"]["L1"]) == {"achieved", "share_by_dimension", "total_share", "failed",
                                        "missing", "blockers"}
    assert out["framework"] == "t" and out["version"] == "1"


def test_single_level_compliance_percent():
    # park-management: 2 of 2 pass -> 100 %; environmental 1 of 6 -> 16.67 %; overall 3/14 points
    f = load_framework_file(shipped_frameworks()["eip-international"])
    vals = {"PM-SERVICES": True, "PM-PLANNING-ZONING": True, "ENV-EMS-MONITORING": True, "ENV-ENERGY": 5}
    r = assess(f, vals, 2026)
    c = r.to_json_dict()["compliance"]
    assert c["by_dimension_pct"]["park-management"] == 100.0
    assert c["by_dimension_pct"]["environmental"] == pytest.approx(100 / 6)
    assert c["overall_pct"] == pytest.approx(300 / 14)
    assert r.level is None


def test_band_profile_per_dimension():
    f = load_framework_file(shipped_frameworks()["i40-readiness-factory"])
    ids = [i.id for _, i in f.indicators()]
    vals = {i: 3 for i in ids}
    vals["ORG-STRATEGY"] = 1
    r = assess(f, vals, 2026)
    prof = r.to_json_dict()["band_profile"]
    assert set(prof) == {"process", "technology", "organisation"}
    assert prof["organisation"]["min"] == 1 and prof["organisation"]["mean"] == 2.5  # (3+3+3+1)/4
    assert r.level == "i4-basic"  # every band >= 1 but ORG-STRATEGY < 2
    assert [g.indicator for g in r.gaps] == ["ORG-STRATEGY"]


# ---- values validation --------------------------------------------------------------------------

def test_values_validation_reports_every_problem():
    f = gap_framework()
    text = "A1: '7'\nB1: yes\nZZ: 1\nA2: true\nhistory: {L9: [2024], L1: [x]}\n"
    with pytest.raises(ValuesInvalid) as e:
        load_values_text(f, text, file="v.yaml")
    lines = [p.format("en") for p in e.value.problems]
    assert lines == [
        "v.yaml, line 1, A1: a metric value must be a number (got '7')",
        "v.yaml, line 2, B1: a checklist value must be true or false (got 'yes')",
        "v.yaml, line 3, ZZ: unknown indicator id 'ZZ' in framework t",
        "v.yaml, line 4, A2: a metric value must be a number (got 'true')",
        "v.yaml, line 5, history.L9: unknown level id 'L9' (levels: L1, L2)",
        "v.yaml, line 5, history.L1[0]: a year must be a whole number (got 'x')",
    ]


def test_band_value_must_be_integer_0_to_5():
    f = fw([("L1", 0, 0, 0)], [("a", [ind("B", 1, {"L1": 2}, kind="band")])])
    for bad in (6, -1, 2.5, True):
        with pytest.raises(ValuesInvalid):
            assess(f, {"B": bad}, 2026)


def test_null_value_is_missing():
    r = assess(three_levels(), {"A": None}, 2026)
    assert r.level_result("L1").missing == ["A"]
