"""Shared permission test cases (in the spirit of NetBox's ViewTestCases / APIViewTestCases) and the
route matrix every URL pattern and API operation must appear in.

A capability's permission matrix subclasses `PermissionMatrix`, says which objects it builds
(`setup(world)` → {key: object}), who sees which (`see`), and lists its operations — `Detail`,
`List`, `Create`, `Edit`, `Import`, `Action`, `ApiDetail`, `ApiList`, `ApiCreate`, `ApiAction` —
each with its role → allowed-objects table. The base class runs every operation for every actor
through real requests and checks the exact status:
  anonymous → 302 to the sign-in page (401 on the API);
  object not visible → 404; visible but not allowed → 403 (object-less: `refused`);
  allowed → the operation's `ok` (200 page, 302 form post, 200/201 API);
and after every refused request that the state (`state()`) did not change. List operations also
check that exactly the visible objects are listed.

Expected outcomes are written in the subclasses from the issue's rules, not derived from
`ecotown.access`, so a wrong rule in the code fails there.
"""
from __future__ import annotations

import re
import uuid
from dataclasses import dataclass, field
from typing import Any, Callable

ACTORS = ["anonymous", "outsider", "admin", "officer", "auditor", "estate", "port", "preparer", "approver",
          "preparer2", "school"]

MATRICES: list[type] = []   # every PermissionMatrix subclass (the route-coverage test reads their operations)


# --- operations ------------------------------------------------------------------------------

@dataclass
class Op:
    """One request per object key (or one, object-less, when `allowed` is a set of actors).

    url / data: format strings ({o}: the object, {w}: the world, {c}: the case) or callables of
    (case, obj); `allowed`: {actor: keys} or {actors};
    `expect(case, actor, key, default) -> int` overrides the table where a rule has a twist."""

    label: str
    url: str | Callable
    allowed: dict | set | None = None   # None: everyone who sees the object
    method: str = "get"
    data: Any = None
    ok: int = 200
    refused: int = 403
    api: bool = False
    json: bool = False
    keys: list | None = None
    expect: Callable | None = None
    after: Callable | None = None      # (case, actor, key, response) -> failure text or None
    headers: dict = field(default_factory=dict)
    on_commit: bool = False             # run the on-commit callbacks (background imports) of the request

    def object_less(self) -> bool:
        return isinstance(self.allowed, (set, frozenset))

    def path(self, case, obj) -> str:
        return self.url(case, obj) if callable(self.url) else self.url.format(o=obj, w=case.world, c=case)

    def body(self, case, obj):
        d = self.data(case, obj) if callable(self.data) else self.data
        if isinstance(d, dict) and not self.json:
            return {k: (v.format(o=obj, w=case.world, c=case) if isinstance(v, str) else v) for k, v in d.items()}
        return d


def Detail(label, url, allowed=None, **kw):
    return Op(label, url, allowed, **kw)


def List(label, url, listed: Callable, want: Callable | None = None, **kw):
    """`listed(case, response)` → the keys the response shows; they must be exactly the visible ones
    (`want(case, actor)`, default: the actor's row of `see`)."""
    def after(case, actor, key, r):
        if actor == "anonymous" or r.status_code != 200:
            return None
        got = listed(case, r)
        want_ = want(case, actor) if want else case.see_of(actor)
        if got == want_:
            return None
        return f"lists {sorted(got)}, want {sorted(want_)}"

    return Op(label, url, set(ACTORS) - {"anonymous"}, after=after, **kw)


def Create(label, url, allowed, data=None, **kw):
    return Op(label, url, allowed, method="post", data=data, ok=kw.pop("ok", 302), **kw)


Edit = Create
Action = Create


def Import(label, url, allowed, file: Callable, **kw):
    """A file upload: `file(case, obj)` → a file object (with a name)."""
    return Op(label, url, allowed, method="post", data=lambda case, o: {"file": file(case, o)}, ok=kw.pop("ok", 302), **kw)


def ApiDetail(label, url, allowed=None, **kw):
    return Op(label, url, allowed, api=True, **kw)


def ApiList(label, url, listed: Callable, want: Callable | None = None, **kw):
    op = List(label, url, listed, want, **kw)
    op.api = True
    return op


def ApiCreate(label, url, allowed, data=None, **kw):
    return Op(label, url, allowed, method="post", data=data, json=kw.pop("json", True), api=True, ok=kw.pop("ok", 201),
              **kw)


def ApiAction(label, url, allowed, data=None, **kw):
    return Op(label, url, allowed, method=kw.pop("method", "post"), data=data, json=kw.pop("json", True), api=True,
              ok=kw.pop("ok", 200), **kw)


# --- the shared test case --------------------------------------------------------------------

class PermissionMatrix:
    """Subclass as `TestSomething(PermissionMatrix)`; set `see`, `operations`, and implement `setup`
    (and `state` if the default — the number of change records — is not enough)."""

    actors: list[str] = ACTORS
    see: dict[str, set] = {}
    operations: list[Op] = []
    extra_fixtures: tuple[str, ...] = ()

    def __init_subclass__(cls, **kw):
        super().__init_subclass__(**kw)
        MATRICES.append(cls)

    # to implement
    def setup(self, world) -> dict:
        raise NotImplementedError

    def state(self):
        from ecotown.core.models import ChangeRecord

        return (ChangeRecord.objects.count(),)

    def extra(self, actor) -> list[str]:
        """More checks of one actor (free-form); returns failures."""
        return []

    # the machinery
    def see_of(self, actor) -> set:
        return set(self.see.get(actor, set()))

    def expected(self, op: Op, actor: str, key) -> int:
        if actor == "anonymous":
            want = 401 if op.api else 302
        elif op.object_less():
            want = op.ok if actor in op.allowed else op.refused
        elif key not in self.see_of(actor):
            want = 404
        elif op.allowed is None:
            want = op.ok
        else:
            want = op.ok if key in op.allowed.get(actor, set()) else 403
        return op.expect(self, actor, key, want) if op.expect else want

    def request(self, op: Op, path: str, body):
        c = self.client
        headers = self.api_headers if op.api else {}
        fn = getattr(c, op.method)
        if op.json:
            return fn(path, body, content_type="application/json", **headers, **op.headers)
        if body is None:
            return fn(path, **headers, **op.headers)
        return fn(path, body, **headers, **op.headers)

    def run(self, actor, world, client, request) -> None:
        self.world, self.client, self.actor, self.request_ = world, client, actor, request
        self.objects = self.setup(world)
        self.api_headers = {}
        if actor != "anonymous":
            client.force_login(world.users[actor])
            from ecotown.accounts.services import issue_token

            self.api_headers = {"HTTP_AUTHORIZATION": "Bearer " + issue_token(world.users[actor])[1]}
        failures: list[str] = []
        for op in self.operations:
            keys = [None] if op.object_less() else (op.keys or list(self.objects))
            for key in keys:
                obj = self.objects.get(key) if key is not None else None
                before = self.state()
                if op.on_commit:
                    with self.request_.getfixturevalue("django_capture_on_commit_callbacks")(execute=True):
                        r = self.request(op, op.path(self, obj), op.body(self, obj))
                else:
                    r = self.request(op, op.path(self, obj), op.body(self, obj))
                want = self.expected(op, actor, key)
                label = op.label + (f" {key}" if key is not None else "")
                if r.status_code != want:
                    failures.append(f"{actor:9} {label}: got {r.status_code}, want {want}")
                elif want == 302 and actor == "anonymous" and not r["Location"].startswith("/accounts/login/"):
                    failures.append(f"{actor:9} {label}: redirected to {r['Location']}, want the sign-in page")
                if want not in (200, 201, 302) and self.state() != before:
                    failures.append(f"{actor:9} {label}: refused but state changed {before} → {self.state()}")
                if op.after is not None:
                    msg = op.after(self, actor, key, r)
                    if msg:
                        failures.append(f"{actor:9} {label}: {msg}")
        failures += self.extra(actor)
        assert not failures, "\n" + "\n".join(failures)

    def test_matrix(self, actor, world, client, request):
        """Every operation × every actor (`actor` is parametrised from `actors` by tests/conftest.py)."""
        for name in self.extra_fixtures:
            request.getfixturevalue(name)
        self.run(actor, world, client, request)


# --- the route matrix --------------------------------------------------------------------------

@dataclass(frozen=True)
class Route:
    """Who may use a route: "public" (anyone), "signed-in" (any signed-in user; what is shown is
    filtered by access.visible), "<app.Model>:<action>" (decided by that model's policy), or
    "<action>" (an object-less action). `tested_by`: the test module that checks it per role, when
    no PermissionMatrix operation requests it."""

    rule: str
    tested_by: str | None = None


def P(rule, tested_by=None):
    return Route(rule, tested_by)


PUBLIC = Route("public")
SIGNED_IN = Route("signed-in")

# Django URL patterns (resolver routes; the API's operations are listed in API_ROUTES)
PAGE_ROUTES: dict[str, Route] = {
    "": PUBLIC,
    "healthz": PUBLIC,
    "healthz/worker": PUBLIC,
    "i18n/setlang/": PUBLIC,
    "accounts/login/": PUBLIC,
    "accounts/logout/": PUBLIC,
    "accounts/password-reset/": PUBLIC,
    "accounts/password-reset/done/": PUBLIC,
    "accounts/reset/<uidb64>/<token>/": PUBLIC,
    "accounts/reset/done/": PUBLIC,
    "accounts/register/": PUBLIC,
    "accounts/invitation/<str:token>/": PUBLIC,
    "accounts/preferences/": SIGNED_IN,
    "accounts/switch/<int:pk>/": P("accounts.Membership:view", "tests/web/test_accounts.py"),
    "registrations/": Route("signed-in, accounts.RegistrationRequest:approve_registration"),
    "registrations/<int:pk>/decide/": P("accounts.RegistrationRequest:approve_registration", "tests/web/test_accounts.py"),
    "notifications/": Route("signed-in, core.Notification:view"),
    "downloads/": P("signed-in, core.Download:view", "tests/web/test_downloads.py"),
    # suggestions of a picker are its source's queryset (the form's own choices, filtered by access)
    "pick/<str:source>/": P("signed-in", "tests/web/test_pickers.py"),
    "downloads/<uuid:pk>/": P("core.Download:view", "tests/web/test_downloads.py"),
    "downloads/<uuid:pk>/file": P("core.Download:view", "tests/web/test_downloads.py"),
    # anyone may search; what is found is filtered by access.visible (organisations, reported months) and
    # access.public (estate pages) — per role in tests/web/test_permission_matrix.py and tests/web/test_search.py
    "search/": PUBLIC,
    "search/suggest/": PUBLIC,
    "tasks/": SIGNED_IN,
    "people/": Route("admin_people"),
    "users/": Route("admin_people"),
    "users/<int:pk>/": Route("admin_people"),
    "estates/": SIGNED_IN,
    "factories/": SIGNED_IN,
    "map/": SIGNED_IN,
    "map/estates.geojson": SIGNED_IN,
    "orgs/new/<str:kind>/": Route("add_estate"),
    "orgs/<int:parent>/new/<str:kind>/": Route("registry.Organisation:add_child"),
    "orgs/<int:pk>/": Route("registry.Organisation:view"),
    "orgs/<int:pk>/edit/": Route("registry.Organisation:change"),
    "orgs/<int:pk>/members/": Route("registry.Organisation:manage_members"),
    "orgs/<int:pk>/files/": P("registry.Organisation:change", "tests/web/test_pdpa_files.py"),
    "orgs/<int:pk>/add/<str:item>/": Route("registry.Organisation:change"),
    "files/<int:pk>/": Route("core.UploadedFile:view"),
    "enquiry/": PUBLIC,
    "enquiry/status/": PUBLIC,   # reference number AND sender's e-mail (tests/web/test_enquiries.py)
    "enquiries/": Route("signed-in, enquiries.Enquiry:view"),
    "enquiries/<int:pk>/": Route("enquiries.Enquiry:view"),
    "enquiries/<int:pk>/<str:action>/": Route("enquiries.Enquiry:handle"),
    "public/estates/": PUBLIC,
    "public/estates/<int:pk>/": PUBLIC,
    # reporting
    "reporting/": SIGNED_IN,
    "reporting/org/<int:pk>/": Route("reporting.ActivityRecord:view"),
    "reporting/org/<int:pk>/new/": Route("reporting.ActivityRecord:report"),
    "reporting/org/<int:pk>/template.xlsx": Route("reporting.ActivityRecord:report"),
    "reporting/org/<int:pk>/export.xlsx": Route("reporting.ActivityRecord:view"),
    "reporting/org/<int:pk>/upload/": Route("reporting.ActivityRecord:report"),
    "reporting/org/<int:pk>/input/<str:kind>/": P("reporting.ProductionRecord:report, reporting.EmployeeRecord:report",
                                                 "tests/reporting/test_workflow.py"),
    "reporting/org/<int:pk>/<str:action>/": Route("reporting.ActivityRecord:submit, reporting.ActivityRecord:verify"),
    "reporting/units/": SIGNED_IN,
    "reporting/records/<int:pk>/": Route("reporting.ActivityRecord:view"),
    "reporting/records/<int:pk>/edit/": Route("reporting.ActivityRecord:report"),
    "reporting/records/<int:pk>/<str:action>/": Route("reporting.ActivityRecord:submit, reporting.ActivityRecord:verify"),
    "reporting/flags/<int:pk>/ack/": Route("reporting.QualityFlag:report"),
    "reporting/jobs/<uuid:pk>/": Route("reporting.ImportJob:view"),
    "reporting/jobs/<uuid:pk>/progress/": Route("reporting.ImportJob:view"),
    "reporting/imports/<int:pk>/": Route("reporting.ImportBatch:view"),
    "reporting/completeness/": Route("completeness"),
    "reporting/completeness/matrix/": Route("signed-in, reporting.ActivityRecord:view"),
    "reporting/completeness/matrix.xlsx": Route("signed-in, reporting.ActivityRecord:view"),
    "reporting/calendar/": Route("signed-in, reporting.ReportingCalendar:change, reporting.ReportingCalendar:lock"),
    # carbon
    "carbon/": P("signed-in", "tests/carbon/test_permissions.py"),
    "carbon/inventory/<int:pk>/": Route("carbon.Inventory:view"),
    "carbon/inventory/<int:pk>/lines/": Route("carbon.InventoryLine:view"),
    "carbon/inventory/<int:pk>/recompute/": Route("carbon.Inventory:change"),
    "carbon/inventory/<int:pk>/finalise/": Route("carbon.Inventory:finalise"),
    "carbon/inventory/<int:pk>/options/": Route("carbon.Inventory:change"),
    "carbon/inventory/<int:pk>/inventory.xlsx": Route("carbon.Inventory:view"),
    "carbon/inventory/<int:pk>/report.pdf": P("carbon.Inventory:view", "tests/carbon/test_pages.py"),
    "carbon/factor/<int:pk>/": Route("carbon.Factor:view"),
    "carbon/factors/": Route("signed-in, carbon.FactorSet:change"),
    "carbon/estate/<int:pk>/": Route("registry.Organisation:view, carbon.EstateResult:view"),
    "carbon/estate/<int:pk>/energy-sales/": Route("registry.Organisation:change"),
    "carbon/organisation/<int:pk>/energy-sales/": Route("registry.Organisation:change"),
    "carbon/authority/": Route("rollup"),
    "carbon/map.json": SIGNED_IN,
    # assessment
    "assessment/": P("signed-in", "tests/assessment/test_permissions.py"),
    "assessment/start/": Route("assessment.Assessment:change"),
    "assessment/overview/": P("signed-in", "tests/assessment/test_permissions.py"),
    "assessment/overview/data.json": P("signed-in", "tests/assessment/test_permissions.py"),
    "assessment/frameworks/": Route("signed-in, admin_reference"),
    "assessment/frameworks/<int:pk>/": Route("assessment.FrameworkVersion:view"),
    "assessment/frameworks/<int:pk>/export.yaml": Route("assessment.FrameworkVersion:view"),
    "assessment/frameworks/<int:pk>/publish/": Route("assessment.FrameworkVersion:change"),
    "assessment/frameworks/<int:pk>/edit/": Route("assessment.FrameworkVersion:change"),
    "assessment/<int:pk>/": Route("assessment.Assessment:view"),
    "assessment/<int:pk>/kpis/": Route("assessment.Assessment:change"),
    "assessment/<int:pk>/evidence/": Route("assessment.Assessment:change"),
    "assessment/<int:pk>/compute/": Route("assessment.Assessment:change"),
    "assessment/<int:pk>/result/": Route("assessment.AssessmentResult:view"),
    "assessment/<int:pk>/result.pdf": P("assessment.AssessmentResult:view", "tests/assessment/test_views_api.py"),
    "assessment/<int:pk>/result.xlsx": Route("assessment.AssessmentResult:view"),
    "assessment/<int:pk>/values.yaml": Route("assessment.Assessment:view"),
    "assessment/<int:pk>/reassess/": Route("assessment.Assessment:change"),
    # the API's own pages
    "api/": PUBLIC,
    "api/openapi.json": PUBLIC,
    "api/docs": PUBLIC,
}

# django-ninja operations: "METHOD /api/path" as in the OpenAPI document
API_ROUTES: dict[str, Route] = {
    "POST /api/auth/token": PUBLIC,
    "DELETE /api/auth/token": P("signed-in", "tests/web/test_api.py"),
    "GET /api/auth/me": P("signed-in", "tests/web/test_api.py"),
    "GET /api/registry/estates": Route("signed-in"),
    "POST /api/registry/estates": P("add_estate", "tests/web/test_api.py"),
    "GET /api/registry/estates/{org_id}": Route("registry.Organisation:view"),
    "GET /api/registry/factories": Route("signed-in"),
    "POST /api/registry/factories": P("registry.Organisation:add_child", "tests/web/test_api.py"),
    "GET /api/registry/factories/{org_id}": Route("registry.Organisation:view"),
    "PATCH /api/registry/organisations/{org_id}": Route("registry.Organisation:change"),
    "GET /api/registry/organisations/{org_id}/history": Route("core.ChangeRecord:view"),
    "POST /api/enquiries": PUBLIC,
    "GET /api/enquiries": P("enquiries.Enquiry:view", "tests/web/test_enquiries.py"),
    "GET /api/reporting/activities": Route("signed-in"),
    "POST /api/reporting/activities": Route("reporting.ActivityRecord:report"),
    "POST /api/reporting/{kind}": Route("reporting.EmployeeRecord:report, reporting.ProductionRecord:report"),
    "GET /api/reporting/activities/{record_id}": Route("reporting.ActivityRecord:view"),
    "POST /api/reporting/activities/{record_id}/submit": Route("reporting.ActivityRecord:submit"),
    "POST /api/reporting/activities/{record_id}/verify": Route("reporting.ActivityRecord:verify"),
    "GET /api/reporting/completeness": Route("completeness"),
    "GET /api/carbon/inventories": Route("signed-in"),
    "POST /api/carbon/inventories": Route("registry.Organisation:change"),
    "GET /api/carbon/inventories/{pk}": Route("carbon.Inventory:view"),
    "GET /api/carbon/inventories/{pk}/lines": Route("carbon.InventoryLine:view"),
    "GET /api/carbon/inventories/{pk}/months": Route("carbon.MonthResult:view"),
    "POST /api/carbon/inventories/{pk}/options": Route("carbon.Inventory:change"),
    "POST /api/carbon/inventories/{pk}/finalise": Route("carbon.Inventory:finalise"),
    "POST /api/carbon/inventories/{pk}/recompute": Route("carbon.Inventory:change"),
    "GET /api/carbon/organisations/{org_id}/intensity": Route("registry.Organisation:view"),
    "GET /api/carbon/organisations/{org_id}/trend": Route("registry.Organisation:view, carbon.Inventory:view"),
    "GET /api/carbon/estates/{estate_id}": Route("registry.Organisation:view, carbon.EstateResult:view"),
    "PUT /api/carbon/estates/{estate_id}/energy-sales": Route("registry.Organisation:change"),
    "GET /api/carbon/rollup": Route("rollup"),
    "GET /api/carbon/factor-sets": Route("signed-in"),
    "POST /api/carbon/factor-sets": Route("carbon.FactorSet:change"),
    "GET /api/carbon/factors": Route("signed-in"),
    "GET /api/carbon/factors/{pk}": Route("carbon.Factor:view"),
    "GET /api/assessment/frameworks": Route("signed-in"),
    "POST /api/assessment/frameworks": P("admin_reference", "tests/assessment/test_views_api.py"),
    "GET /api/assessment/frameworks/{version_id}": Route("assessment.FrameworkVersion:view"),
    "GET /api/assessment/frameworks/{version_id}/export": Route("assessment.FrameworkVersion:view"),
    "POST /api/assessment/frameworks/{version_id}/publish": Route("assessment.FrameworkVersion:change"),
    "GET /api/assessment/assessments": Route("signed-in"),
    "POST /api/assessment/assessments": P("assessment.Assessment:change", "tests/assessment/test_permissions.py"),
    "GET /api/assessment/assessments/{assessment_id}": Route("assessment.Assessment:view"),
    "POST /api/assessment/assessments/{assessment_id}/answers": Route("assessment.Assessment:change"),
    "POST /api/assessment/assessments/{assessment_id}/result": Route("assessment.Assessment:change"),
    "GET /api/assessment/assessments/{assessment_id}/result": Route("assessment.AssessmentResult:view"),
}


def sample_path(template: str) -> str:
    """An Op's URL template with sample values, to find the route it requests."""
    return re.sub(r"\{[^}]*\}", "1", template.split("?", 1)[0])


def route_of(op: Op) -> str | None:
    """The PAGE_ROUTES / API_ROUTES key an operation requests (None if its URL is a callable)."""
    from django.urls import Resolver404, resolve

    if callable(op.url):
        return None
    path = sample_path(op.url)
    for candidate in (path, re.sub(r"/1/", f"/{uuid.UUID(int=1)}/", path)):
        try:
            m = resolve(candidate)
        except Resolver404:
            continue
        if candidate.startswith("/api/"):
            return f"{op.method.upper()} /" + re.sub(r"<(?:\w+:)?(\w+)>", r"{\1}", m.route)
        return m.route
    return None
