"""The EcoTown API root (django-ninja). Each app contributes its own router.

Auth: `POST /api/auth/token` → bearer token, or the browser session. Lists return
`{"items": [...], "count": N}` with limit/offset. Language: Accept-Language, else the user's
preference. Errors: `{"detail": [{"field", "code", "message"}]}` (schema `ProblemBody`) with a
stable code per problem (`ecotown.core.errors`; each app's `errors.py`) and the message in the
caller's language — 422 for validation (every problem at once); 401/403/404 with one problem
(`field` left out, schema `StatusBody`); a refused workflow transition (an object not in the
right state, a missing reason): 409 with `{"detail": [{"code", "message", "field", "object"}]}`
(schema `ConflictBody`).
The root holds only the NinjaAPI object, its exception handlers and the mounting of the app
routers; what routers use (auth, paging, the output and error schemas) is in `ecotown.core.api`.
"""
from __future__ import annotations

import json

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from ninja import NinjaAPI, Swagger
from ninja.openapi.docs import _csrf_needed
from ninja.errors import AuthenticationError, HttpError
from ninja.errors import ValidationError as SchemaValidationError

from ecotown.core import errors
from ecotown.core.api import BearerToken, ConflictBody, ProblemBody, Session, StatusBody
from ecotown.core.errors import CoreError
from ecotown.core.workflow import IllegalTransition


class OfflineSwagger(Swagger):
    """/api/docs with Swagger UI served from EcoTown's own static files (vendored from npm
    `swagger-ui-dist`): ninja's default loads it from a CDN when "ninja" is not an installed app, and
    an installation without internet access showed an empty page."""

    template = "api/swagger.html"

    def render_page(self, request, api, **kwargs):
        from django.shortcuts import render

        self.settings["url"] = self.get_openapi_url(api, kwargs)
        return render(request, self.template, {"swagger_settings": json.dumps(self.settings, indent=1), "api": api,
                                               "add_csrf": _csrf_needed(api)})


class EcoTownAPI(NinjaAPI):
    """NinjaAPI whose OpenAPI schema documents the error bodies (ProblemBody, StatusBody,
    ConflictBody) on every operation."""

    def get_openapi_schema(self, *, path_prefix=None, path_params=None):
        schema = super().get_openapi_schema(path_prefix=path_prefix, path_params=path_params)
        components = schema.setdefault("components", {}).setdefault("schemas", {})
        for model in (ProblemBody, StatusBody, ConflictBody):
            body = model.model_json_schema(ref_template="#/components/schemas/{model}")
            components.update(body.pop("$defs", {}))
            components[model.__name__] = body

        def ref(name):
            return {"content": {"application/json": {"schema": {"$ref": f"#/components/schemas/{name}"}}}}

        described = {"401": ("Not signed in", "StatusBody"), "403": ("Forbidden", "StatusBody"),
                     "404": ("Not found", "StatusBody"), "409": ("Not allowed in the current state", "ConflictBody"),
                     "422": ("Invalid input", "ProblemBody")}
        for item in schema.get("paths", {}).values():
            for op in item.values():
                responses = op.setdefault("responses", {})
                # ninja keys responses by int status; one key per status in the JSON (a "401" added
                # beside a 401 made duplicate keys and Swagger UI refused the whole document)
                for status in [k for k in responses if not isinstance(k, str)]:
                    responses[str(status)] = {**responses.get(str(status), {}), **responses.pop(status)}
                for status, (text, name) in described.items():
                    if status not in responses or "content" not in responses[status]:
                        responses[status] = {"description": text, **ref(name)}
        return schema


api = EcoTownAPI(
    title="EcoTown API",
    version="1",
    description="Registry, reporting and results of the Eco-Industrial Town programme. "
                "Every list returns {items, count}; every error returns {detail: [{field, code, message}]} "
                "with a stable code and the message in the caller's language.",
    auth=[BearerToken(), Session()],
    docs_url="/docs",
    docs=OfflineSwagger(settings={"validatorUrl": None, "docExpansion": "list", "defaultModelsExpandDepth": -1}),
    openapi_url="/openapi.json",
    urls_namespace="api",
)


@api.exception_handler(DjangoValidationError)
def on_validation_error(request, exc):
    return api.create_response(request, {"detail": errors.problems(exc)}, status=422)


@api.exception_handler(IllegalTransition)
def on_illegal_transition(request, exc):
    """A refused workflow transition (ecotown.core.workflow): 409 Conflict, nothing changed;
    detail = [{code, message, field, object}] in the caller's language."""
    return api.create_response(request, {"detail": exc.as_detail()}, status=409)


@api.exception_handler(SchemaValidationError)
def on_schema_error(request, exc):
    return api.create_response(request, {"detail": errors.schema_problems(exc.errors)}, status=422)


@api.exception_handler(Http404)
def on_404(request, exc):
    return api.create_response(request, errors.status_body(CoreError.NOT_FOUND), status=404)


@api.exception_handler(PermissionDenied)
def on_403(request, exc):
    return api.create_response(request, errors.status_body(CoreError.FORBIDDEN), status=403)


@api.exception_handler(HttpError)
def on_http_error(request, exc):
    """django-ninja's own HTTP errors (a body that does not parse: 400) in the one error shape."""
    by_status = {400: CoreError.INVALID_JSON, 401: CoreError.NOT_SIGNED_IN, 403: CoreError.FORBIDDEN,
                 404: CoreError.NOT_FOUND, 409: CoreError.WRONG_STATE}
    code = by_status.get(exc.status_code)
    body = errors.status_body(code) if code else {"detail": [{"code": CoreError.INVALID.value, "message": str(exc)}]}
    return api.create_response(request, body, status=exc.status_code)


@api.exception_handler(AuthenticationError)
def on_401(request, exc):
    return api.create_response(request, errors.status_body(CoreError.NOT_SIGNED_IN), status=401)


def _routers():
    from ecotown.accounts.api import router as accounts_router
    from ecotown.enquiries.api import router as enquiries_router
    from ecotown.registry.api import router as registry_router

    api.add_router("/auth", accounts_router)
    api.add_router("/registry", registry_router)
    api.add_router("/enquiries", enquiries_router)
    from ecotown.assessment.api import router as assessment_router
    from ecotown.carbon.api import router as carbon_router
    from ecotown.reporting.api import router as reporting_router

    api.add_router("/reporting", reporting_router)
    api.add_router("/carbon", carbon_router)
    api.add_router("/assessment", assessment_router)


_routers()
