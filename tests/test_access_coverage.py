"""Tests that cannot be forgotten: every tenant model has a policy, every URL pattern and API
operation is in the permission matrix (tests/permissions.py), with a rule that names a real policy
or object-less action and a test that requests it, and every route that is not public refuses an
anonymous caller."""
from __future__ import annotations

import importlib
import pathlib
import re
import uuid

import pytest
from django.apps import apps
from django.urls import URLResolver, get_resolver

from ecotown import access

from tests.permissions import API_ROUTES, MATRICES, PAGE_ROUTES, route_of

TESTS = pathlib.Path(__file__).parent
ROOT = TESTS.parent


def project_models():
    return [m for m in apps.get_models() if m.__module__.startswith("ecotown.")]


def label(model) -> str:
    return f"{model._meta.app_label}.{model.__name__}"


def has_organisation(model) -> bool:
    """A forward foreign key (or one-to-one) called organisation: a tenant model."""
    return any(f.name == "organisation" and f.is_relation for f in model._meta.fields)


def test_every_tenant_model_has_a_policy():
    missing = []
    for model in project_models():
        has_org = has_organisation(model)
        if access.policy_for(model) is None and (has_org or label(model) not in access.UNGUARDED):
            why = "it has an organisation foreign key" if has_org else "it is not declared in access.UNGUARDED"
            missing.append(f"{label(model)} has no access policy ({why}): register one in "
                           f"src/ecotown/{model._meta.app_label}/policies.py (see docs/access.md)")
    assert not missing, "\n" + "\n".join(missing)


def test_unguarded_list_names_real_models_without_organisation():
    known = {label(m): m for m in project_models()}
    stale = [name for name in access.UNGUARDED if name not in known]
    assert stale == []
    with_org = [name for name in access.UNGUARDED
                if has_organisation(known[name])]
    assert with_org == []


def test_a_policy_for_an_abstract_base_covers_every_subclass():
    from ecotown.reporting.models import ActivityRecord, EmployeeRecord, ProductionRecord, ReviewedRecord
    from ecotown.reporting.policies import ReportedDataPolicy

    assert ReviewedRecord._meta.abstract is True
    assert {type(access.policy_for(m)) for m in (ActivityRecord, ProductionRecord, EmployeeRecord)} == {ReportedDataPolicy}


# --- routes ---------------------------------------------------------------------------------

def _walk(patterns, prefix=""):
    for p in patterns:
        if isinstance(p, URLResolver):
            yield from _walk(p.url_patterns, prefix + str(p.pattern))
        else:
            yield prefix + str(p.pattern)


def api_operations() -> list[str]:
    from ecotown.api import api

    return [f"{method.upper()} {path}" for path, ops in api.get_openapi_schema()["paths"].items() for method in ops]


def page_routes() -> list[str]:
    api_paths = {op.split(" ", 1)[1].lstrip("/") for op in api_operations()}
    out = []
    for route in _walk(get_resolver().url_patterns):
        if re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", route) in api_paths:
            continue  # an API operation: covered by API_ROUTES, per method
        out.append(route)
    return out


def _load_matrices():
    for path in sorted(TESTS.rglob("test_*.py")):
        if "PermissionMatrix" in path.read_text() and path.name != pathlib.Path(__file__).name:
            importlib.import_module(".".join(path.relative_to(ROOT).with_suffix("").parts))
    return MATRICES


def test_every_url_pattern_is_in_the_matrix():
    missing = [r for r in page_routes() if r not in PAGE_ROUTES]
    assert not missing, "\n" + "\n".join(
        f'route {r!r} is not in the permission matrix: add  "{r}": Route("<app.Model>:<action>"),  to PAGE_ROUTES '
        f"in tests/permissions.py (or PUBLIC / SIGNED_IN) and an operation for it in a PermissionMatrix" for r in missing)
    stale = sorted(set(PAGE_ROUTES) - set(page_routes()))
    assert stale == [], "remove these PAGE_ROUTES entries, the routes are gone"


def test_every_api_operation_is_in_the_matrix():
    ops = api_operations()
    missing = [op for op in ops if op not in API_ROUTES]
    assert not missing, "\n" + "\n".join(
        f'API operation {op!r} is not in the permission matrix: add  "{op}": Route("<app.Model>:<action>"),  to '
        f"API_ROUTES in tests/permissions.py (or PUBLIC / SIGNED_IN) and an operation for it in a PermissionMatrix"
        for op in missing)
    stale = sorted(set(API_ROUTES) - set(ops))
    assert stale == [], "remove these API_ROUTES entries, the operations are gone"


def test_every_rule_names_a_policy_or_an_object_less_action():
    answered = access.object_less_actions()
    wrong = []
    for key, route in {**PAGE_ROUTES, **API_ROUTES}.items():
        for part in route.rule.split(", "):
            if part in {"public", "signed-in"}:
                continue
            if ":" in part:
                name, _action = part.split(":", 1)
                try:
                    model = apps.get_model(name)
                except LookupError:
                    wrong.append(f"{key}: no model {name}")
                    continue
                if access.policy_for(model) is None:
                    wrong.append(f"{key}: {name} has no policy")
            elif part not in answered:
                wrong.append(f"{key}: no policy answers the object-less action {part!r}")
    assert wrong == []


def _sample(template: str) -> re.Pattern:
    parts = re.split(r"(<[^>]+>|\{[^}]+\})", template)
    body = "".join(r"(\{[^}]*\}|[^/\"'{}?]+)" if p[:1] in "<{" else re.escape(p) for p in parts)
    return re.compile(r"[\"']" + body + r"(\?|[\"'])")


def test_every_guarded_route_is_requested_per_role():
    """Each route that is not public is requested by an operation of a PermissionMatrix, or its
    matrix entry names the test module that requests it (and that module does)."""
    covered = {route_of(op) for cls in _load_matrices() for op in cls.operations}
    missing = []
    for key, route in {**PAGE_ROUTES, **API_ROUTES}.items():
        if route.rule == "public" or key in covered:
            continue
        if route.tested_by is None:
            missing.append(f"{key}: no PermissionMatrix operation requests it — add one (or tested_by=...)")
            continue
        text = (ROOT / route.tested_by).read_text()
        url = key.split(" ", 1)[1] if key[:1].isupper() else "/" + key
        if not _sample(url).search(text):
            missing.append(f"{key}: {route.tested_by} does not request it")
    assert not missing, "\n" + "\n".join(missing)


def _fill(route: str) -> str:
    def value(m):
        return {"int": "999999", "uuid": str(uuid.UUID(int=7))}.get(m.group(1) or "str", "x")

    return re.sub(r"<(?:(\w+):)?\w+>", value, route)


@pytest.mark.django_db
def test_anonymous_callers_are_refused_on_every_route_not_public(client):
    wrong = []
    for route in page_routes():
        if PAGE_ROUTES[route].rule == "public":
            continue
        url = "/" + _fill(route)
        for method in ("get", "post"):
            r = getattr(client, method)(url)
            if r.status_code != 302 or not r["Location"].startswith("/accounts/login/"):
                wrong.append(f"{method.upper()} {url}: {r.status_code} {r.get('Location', '')}")
    for op in api_operations():
        if API_ROUTES[op].rule == "public":
            continue
        method, path = op.split(" ", 1)
        url = re.sub(r"\{\w+\}", "999999", path)
        r = getattr(client, method.lower())(url, content_type="application/json")
        if r.status_code != 401:
            wrong.append(f"{op}: {r.status_code}")
    assert wrong == []
