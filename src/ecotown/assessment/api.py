"""API of the assessment capability (/api/assessment/): frameworks and self-assessments."""
from __future__ import annotations

from typing import Any, Optional

from django.http import HttpResponse
from ninja import Router, Schema, Status

from ecotown import access
from ecotown.access import Action
from ecotown.core.api import Out, Page, paginate
from ecotown.registry.models import Organisation

from . import selectors, services
from .models import Assessment

router = Router(tags=["assessment"])


class VersionOut(Out):
    id: int
    framework: str
    version: str
    name: str
    name_th: str
    name_en: str
    applies_to: str
    status: str
    content_hash: str
    published_at: Optional[str]


class VersionDetailOut(VersionOut):
    content: dict[str, Any]


class AssessmentOut(Out):
    id: int
    organisation: int
    organisation_name: str
    framework: str
    framework_version_id: int
    version: str
    year: int
    scenario: str
    status: str
    values: Any
    sources: Any
    history: Any
    level: Optional[str]


class ResultOut(Out):
    id: int
    assessment: int
    level: Optional[str]
    result: Any
    values: Any
    history: Any
    sources: Any
    framework_hash: str
    engine: str
    computed_at: str


def _version_out(v, full: bool = False) -> dict:
    out = {"id": v.pk, "framework": v.framework.code, "version": v.version, "name": v.name, "name_th": v.name_th,
           "name_en": v.name_en, "applies_to": v.applies_to, "status": v.status, "content_hash": v.content_hash,
           "published_at": v.published_at.isoformat() if v.published_at else None}
    if full:
        from ecotown.calc.framework import framework_to_dict

        out["content"] = framework_to_dict(v.parsed())
    return out


def _assessment_out(a: Assessment) -> dict:
    r = a.latest_result()
    return {"id": a.pk, "organisation": a.organisation_id, "organisation_name": a.organisation.name,
            "framework": a.framework_version.framework.code, "framework_version_id": a.framework_version_id,
            "version": a.framework_version.version, "year": a.year, "scenario": a.scenario, "status": a.status,
            "values": a.values, "sources": a.sources, "history": a.history,
            "level": (r.level or None) if r else None}


@router.get("/frameworks", response=Page[VersionOut])
def list_frameworks(request, limit: int = 50, offset: int = 0):
    """Framework versions the caller may see (published; drafts too for authority staff)."""
    return paginate(selectors.versions_for(request.user), limit, offset, _version_out)


@router.get("/frameworks/{version_id}", response=VersionDetailOut)
def framework_detail(request, version_id: int):
    return _version_out(selectors.version_or_404(request.user, version_id), full=True)


@router.get("/frameworks/{version_id}/export")
def framework_export(request, version_id: int):
    v = selectors.version_or_404(request.user, version_id)
    return HttpResponse(services.export_yaml(v), content_type="application/yaml; charset=utf-8")


class UploadIn(Schema):
    yaml: str
    filename: str = "upload.yaml"


@router.post("/frameworks", response={201: VersionOut})
def framework_upload(request, payload: UploadIn):
    """Authority admin: upload a framework version (kept as a draft). 422 lists every problem with its path."""
    v = services.upload_framework(request.user, payload.yaml, payload.filename)
    return Status(201, _version_out(v))


@router.post("/frameworks/{version_id}/publish", response=VersionOut)
def framework_publish(request, version_id: int):
    v = selectors.version_or_404(request.user, version_id)
    access.require(request.user, Action.CHANGE, v)
    return _version_out(services.publish(request.user, v))


@router.get("/assessments", response=Page[AssessmentOut])
def list_assessments(request, organisation: Optional[int] = None, year: Optional[int] = None, limit: int = 50,
                     offset: int = 0):
    qs = selectors.assessments_for(request.user).order_by("-year", "pk")
    if organisation:
        qs = qs.filter(organisation_id=organisation)
    if year:
        qs = qs.filter(year=year)
    return paginate(qs, limit, offset, _assessment_out)


class StartIn(Schema):
    organisation: int
    framework_version: int
    year: int
    scenario: str = "current"


@router.post("/assessments", response={201: AssessmentOut})
def create_assessment(request, payload: StartIn):
    org = access.get_or_404(request.user, Organisation.objects.all(), pk=payload.organisation)
    v = selectors.version_or_404(request.user, payload.framework_version)
    a = services.start_assessment(request.user, org, v, payload.year, payload.scenario)
    return Status(201, _assessment_out(a))


@router.get("/assessments/{assessment_id}", response=AssessmentOut)
def assessment_detail(request, assessment_id: int):
    return _assessment_out(access.get_or_404(request.user, Assessment.objects.all(), pk=assessment_id))


class AnswerIn(Schema):
    values: dict[str, Any]
    note: str = ""


@router.post("/assessments/{assessment_id}/answers", response=AssessmentOut)
def assessment_answer(request, assessment_id: int, payload: AnswerIn):
    """Record answers {indicator id: value or null}; 422 names each wrong indicator."""
    a = access.get_or_404(request.user, Assessment.objects.all(), pk=assessment_id)
    return _assessment_out(services.answer(request.user, a, payload.values, payload.note))


@router.post("/assessments/{assessment_id}/result", response=ResultOut)
def assessment_compute(request, assessment_id: int):
    """Assess now and store the result; returns what `ecotown assess` prints, plus provenance."""
    a = access.get_or_404(request.user, Assessment.objects.all(), pk=assessment_id)
    r = services.compute_result(request.user, a)
    return _result_out(r)


@router.get("/assessments/{assessment_id}/result", response=ResultOut)
def assessment_result(request, assessment_id: int):
    a = access.get_or_404(request.user, Assessment.objects.all(), pk=assessment_id)
    r = a.latest_result()
    if r is None:
        from django.http import Http404

        raise Http404
    return _result_out(r)


def _result_out(r) -> dict:
    return {"id": r.pk, "assessment": r.assessment_id, "level": r.level or None, "result": r.result,
            "values": r.values, "history": r.history, "sources": r.sources, "framework_hash": r.framework_hash,
            "engine": r.engine, "computed_at": r.computed_at.isoformat()}
