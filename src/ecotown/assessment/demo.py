"""Demo data of the assessment capability, loaded by ecotown.core.demo after the registry,
reporting and carbon demos: the shipped frameworks (published), a completed IEAT self-assessment of
the demo estate (Laem Chabang) with a level and gaps, and one of Pinthong with three earlier years
held (so the held-years rule is visible). Every other estate can start one from the page."""
from __future__ import annotations

from django.utils import timezone

from ecotown.registry.models import Organisation

from . import services
from .models import FrameworkVersion

# answers given by hand in the demo (synthetic; the KPI library fills the metric indicators it can)
CHAMPION_ANSWERS = {
    "ECO-SYMBIOSIS": True, "ECO-LOCAL-BUSINESS": True, "SOC-COMMUNITY-DIALOGUE": True, "MGT-ECO-PLAN": True,
    "MGT-GREEN-TRANSPORT": True, "PHY-GREEN-TRANSPORT": False, "PHY-GREEN-BUILDING": False, "ECO-RND": False,
    "ENV-GHG-MEASURES": True, "SOC-ECO-COMMUNITY": False, "SOC-ECO-SCHOOL": True, "MGT-SDG": False,
}
# manual values for metric indicators whose KPI has no stored data in the demo
MANUAL_METRICS = {
    "PHY-GREEN-AREA": 11, "ENV-GHG-TOTAL": 412000, "ENV-GHG-INTENSITY": 31, "ENV-GHG-CHANGE": -2.5,
    "ENV-RENEWABLE": 7.5, "MGT-REPORTING": 86, "MGT-GHG-NETWORK": 22,
}
EXCELLENCE_ANSWERS = {**CHAMPION_ANSWERS, "PHY-GREEN-TRANSPORT": True}
EXCELLENCE_METRICS = {**MANUAL_METRICS, "ENV-GHG-INTENSITY": 21, "ENV-GHG-CHANGE": -7, "ENV-RENEWABLE": 12,
                      "MGT-REPORTING": 93, "MGT-GHG-NETWORK": 35}


def _assess(actor, org, version, year, answers, metrics, say=None):
    a = services.start_assessment(actor, org, version, year)
    manual = dict(answers)
    for iid, value in metrics.items():
        if iid not in a.values:  # the KPI library had no data: entered by hand (marked manual)
            manual[iid] = value
    services.answer(actor, a, manual, note="demo answers (synthetic)")
    r = services.compute_result(actor, a)
    if say:
        say(f"  assessment: {org.name_en} {year} → {r.level or 'no level'} ({len(r.result['gaps'])} gaps)")
    return a, r


def load(ctx: dict) -> dict:
    users = ctx["users"]
    authority = users["authority"]
    say = ctx.get("say")
    services.install_shipped(authority)
    version = services.latest_published("ieat-eit")
    year = timezone.localdate().year
    counts = {"frameworks": FrameworkVersion.objects.count(), "assessments": 0}
    demo_estate = ctx["demo_estate"]
    _assess(users["estate-manager"], demo_estate, version, year, CHAMPION_ANSWERS, MANUAL_METRICS, say)
    counts["assessments"] += 1
    pinthong = (Organisation.objects.filter(kind="estate", name_en="Pinthong Industrial Estate").first()
                or Organisation.objects.filter(kind="estate", name_en__startswith="Pinthong").first())
    if pinthong is not None:
        for y in (year - 3, year - 2, year - 1):
            _assess(authority, pinthong, version, y, CHAMPION_ANSWERS, MANUAL_METRICS)
            counts["assessments"] += 1
        _assess(authority, pinthong, version, year, EXCELLENCE_ANSWERS, EXCELLENCE_METRICS, say)
        counts["assessments"] += 1
    return counts
