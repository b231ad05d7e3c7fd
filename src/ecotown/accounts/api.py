from __future__ import annotations

from django.contrib.auth import authenticate
from ninja import Router, Schema, Status

from ecotown.core.api import BearerToken, Out, Session, StatusBody
from ecotown.core.errors import status_body

from . import services
from .errors import AccountsError
from .services import memberships_of

router = Router(tags=["auth"])


class TokenIn(Schema):
    username: str
    password: str


class TokenOut(Out):
    token: str
    expires_at: str


class MembershipOut(Out):
    id: int
    organisation: int
    organisation_name: str
    kind: str
    role: str


class MeOut(Out):
    id: int
    username: str
    language: str
    memberships: list[MembershipOut]


@router.post("/token", auth=None, response={200: TokenOut, 401: StatusBody})
def create_token(request, payload: TokenIn):
    """Exchange a user name and password for a bearer token (it expires; revoke with DELETE)."""
    user = authenticate(request, username=payload.username, password=payload.password)
    if user is None:
        return Status(401, status_body(AccountsError.WRONG_CREDENTIALS))
    token, raw = services.issue_token(user)
    return Status(200, {"token": raw, "expires_at": token.expires_at.isoformat()})


@router.delete("/token", auth=[BearerToken()], response={204: None})
def revoke_token(request):
    """Revoke the token used for this request."""
    token = getattr(request.user, "_api_token", None)
    if token is not None:
        services.revoke_token(request.user, token_id=token.pk)
    return Status(204, None)


@router.get("/me", auth=[BearerToken(), Session()], response=MeOut)
def me(request):
    u = request.user
    return {"id": u.pk, "username": u.username, "language": u.language,
            "memberships": [{"id": m.pk, "organisation": m.organisation_id, "organisation_name": m.organisation.name,
                             "kind": m.organisation.kind, "role": m.role} for m in memberships_of(u)]}
