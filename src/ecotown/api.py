"""The EcoTown API root (django-ninja). Each app contributes its own router.

Auth: `POST /api/auth/token` → bearer token, or the browser session. Lists return
`{"items": [...], "count": N}` with limit/offset. Language: Accept-Language, else the user's
preference. Validation errors: 422 with the field and the message in the caller's language; a
refused workflow transition (an object not in the right state, a missing reason): 409 with
`{"detail": [{"code", "message", "field", "object"}]}`.
The root holds only the NinjaAPI object, its exception handlers and the mounting of the app
routers; the helpers routers use (auth, paging, problem lists) are in `ecotown.core.api`.
"""
from __future__ import annotations

from django.core.exceptions import PermissionDenied
from django.core.exceptions import ValidationError as DjangoValidationError
from django.http import Http404
from django.utils.translation import gettext as _
from ninja import NinjaAPI
from ninja.errors import AuthenticationError
from ninja.errors import ValidationError as SchemaValidationError

from ecotown.core.api import SCHEMA_MESSAGES, BearerToken, Session, problem_list
from ecotown.core.workflow import IllegalTransition


api = NinjaAPI(
    title="EcoTown API",
    version="1",
    description="Registry, reporting and results of the Eco-Industrial Town programme. "
                "Every list returns {items, count}; errors name the field in the caller's language.",
    auth=[BearerToken(), Session()],
    docs_url="/docs",
    openapi_url="/openapi.json",
    urls_namespace="api",
)


@api.exception_handler(DjangoValidationError)
def on_validation_error(request, exc):
    return api.create_response(request, {"detail": problem_list(exc)}, status=422)


@api.exception_handler(IllegalTransition)
def on_illegal_transition(request, exc):
    """A refused workflow transition (ecotown.core.workflow): 409 Conflict, nothing changed;
    detail = [{code, message, field, object}] in the caller's language."""
    return api.create_response(request, {"detail": exc.as_detail()}, status=409)


@api.exception_handler(SchemaValidationError)
def on_schema_error(request, exc):
    items = []
    for err in exc.errors:
        loc = [str(p) for p in err.get("loc", []) if p not in ("body", "query", "path", "payload")]
        msg = SCHEMA_MESSAGES.get(err.get("type"))
        items.append({"field": ".".join(loc) or None, "message": msg() if msg else err.get("msg", "")})
    return api.create_response(request, {"detail": items}, status=422)


@api.exception_handler(Http404)
def on_404(request, exc):
    return api.create_response(request, {"detail": _("Not found.")}, status=404)


@api.exception_handler(PermissionDenied)
def on_403(request, exc):
    return api.create_response(request, {"detail": _("You may not do this.")}, status=403)


@api.exception_handler(AuthenticationError)
def on_401(request, exc):
    return api.create_response(request, {"detail": _("Sign in first: send a bearer token or use a session.")}, status=401)


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
