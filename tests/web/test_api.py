"""The API: tokens, visibility, pagination, 401/404/422, language."""
from __future__ import annotations

import datetime as dt
import json

import pytest
from django.utils import timezone

from ecotown.accounts.models import ApiToken, User
from ecotown.core import history
from ecotown.core.models import ChangeRecord

DIW_BAD_EN = ("“nope” is not a DIW registration number: use the classic form such as 3-105-1/45ชบ or the "
              "14-digit number.")


def counts() -> dict:
    out = {m.__name__: m.objects.count() for m in history.tracked_models()}
    out.update(ChangeRecord=ChangeRecord.objects.count(), User=User.objects.count())
    return out


def post_json(client, url, data, **headers):
    return client.post(url, json.dumps(data), content_type="application/json", headers=headers)


def factory_payload(world, **kw):
    data = {"estate": world.E1.pk, "name_th": "โรงงานเอพีไอ", "name_en": "API Factory", "diw_number": "3-105-8/45ชบ",
            "tsic": "2930", "employees": 12, "lat": 13.077, "lon": 100.91,
            "products": [{"name_th": "ท่อ", "name_en": "pipes", "unit": "t"}]}
    data.update(kw)
    return data


# --- tokens ------------------------------------------------------------------------------------------------

def test_token_good_password(world, client):
    r = post_json(client, "/api/auth/token", {"username": "preparer", "password": "pw-preparer"})
    assert r.status_code == 200
    body = r.json()
    assert body["token"].startswith("et_")
    tok = ApiToken.objects.get(user=world.users["preparer"])
    assert tok.prefix == body["token"][3:11]
    assert tok.key_hash != body["token"]  # only the hash is stored
    assert tok.expires_at > timezone.now() + dt.timedelta(days=29)
    me = client.get("/api/auth/me", headers={"Authorization": f"Bearer {body['token']}"})
    assert me.status_code == 200
    assert me.json()["username"] == "preparer"
    assert [m["organisation"] for m in me.json()["memberships"]] == [world.F1.pk]


@pytest.mark.parametrize("username, password", [("preparer", "wrong"), ("nobody", "pw-nobody"), ("preparer", "")])
def test_token_bad_credentials_401(world, client, username, password):
    r = post_json(client, "/api/auth/token", {"username": username, "password": password}, **{"Accept-Language": "en"})
    assert r.status_code == 401
    assert r.json() == {"detail": [{"code": "wrong_credentials", "message": "The user name or password is not correct."}]}
    assert ApiToken.objects.count() == 0


def test_token_for_inactive_user_401(world, client):
    u = world.users["preparer"]
    u.is_active = False
    u.save()
    r = post_json(client, "/api/auth/token", {"username": "preparer", "password": "pw-preparer"})
    assert r.status_code == 401


def test_factories_without_auth_401(world, client):
    r = client.get("/api/registry/factories", headers={"Accept-Language": "en"})
    assert r.status_code == 401
    assert r.json() == {"detail": [{"code": "not_signed_in",
                                    "message": "Sign in first: send a bearer token or use a session."}]}
    assert client.get("/api/registry/factories", headers={"Authorization": "Bearer et_made-up"}).status_code == 401
    assert client.get(f"/api/registry/factories/{world.F1.pk}").status_code == 401


def test_revoked_token_401(world, client, token_for):
    headers = token_for(world.users["preparer"])
    assert client.get("/api/registry/factories", headers=headers).status_code == 200
    r = client.delete("/api/auth/token", headers=headers)
    assert r.status_code == 204
    assert ApiToken.objects.get(user=world.users["preparer"]).revoked_at is not None
    assert client.get("/api/registry/factories", headers=headers).status_code == 401
    assert client.delete("/api/auth/token", headers=headers).status_code == 401


def test_revoking_one_token_leaves_others(world, client, token_for):
    a = token_for(world.users["preparer"])
    b = token_for(world.users["preparer"])
    assert client.delete("/api/auth/token", headers=a).status_code == 204
    assert client.get("/api/registry/factories", headers=a).status_code == 401
    assert client.get("/api/registry/factories", headers=b).status_code == 200


def test_expired_token_401(world, client, token_for):
    headers = token_for(world.users["preparer"])
    ApiToken.objects.filter(user=world.users["preparer"]).update(expires_at=timezone.now() - dt.timedelta(seconds=1))
    assert client.get("/api/registry/factories", headers=headers).status_code == 401


def test_token_of_deactivated_user_401(world, client, token_for):
    headers = token_for(world.users["preparer"])
    User.objects.filter(pk=world.users["preparer"].pk).update(is_active=False)
    assert client.get("/api/registry/factories", headers=headers).status_code == 401


# --- visibility and pagination -----------------------------------------------------------------------------

@pytest.mark.parametrize("user, expected", [
    ("admin", ["Factory Four", "Factory One", "Factory Three", "Factory Two"]),
    ("officer", ["Factory Four", "Factory One", "Factory Three", "Factory Two"]),
    ("estate", ["Factory One", "Factory Two"]),
    ("port", ["Factory Four"]),
    ("preparer", ["Factory One"]),
    ("approver", ["Factory One"]),
    ("preparer2", ["Factory Two"]),
    ("auditor", ["Factory Three"]),  # current assignment only; the expired one gives nothing
    ("school", []),
    ("outsider", []),
])
def test_factories_only_visible(world, client, token_for, user, expected):
    r = client.get("/api/registry/factories", headers=token_for(world.users[user]))
    assert r.status_code == 200
    body = r.json()
    assert set(body) == {"items", "count"}
    assert [f["name_en"] for f in body["items"]] == expected
    assert body["count"] == len(expected)


def test_factories_limit_offset(world, client, token_for):
    h = token_for(world.users["admin"])
    r = client.get("/api/registry/factories?limit=2&offset=1", headers=h).json()
    assert r["count"] == 4
    assert [f["name_en"] for f in r["items"]] == ["Factory One", "Factory Three"]
    r = client.get("/api/registry/factories?limit=2&offset=3", headers=h).json()
    assert [f["name_en"] for f in r["items"]] == ["Factory Two"]
    r = client.get("/api/registry/factories?limit=2&offset=9", headers=h).json()
    assert (r["items"], r["count"]) == ([], 4)
    r = client.get(f"/api/registry/factories?estate={world.E1.pk}&q=one", headers=h).json()
    assert [f["name_en"] for f in r["items"]] == ["Factory One"]


def test_factory_detail_and_404_when_not_visible(world, client, token_for):
    h = token_for(world.users["preparer"])
    r = client.get(f"/api/registry/factories/{world.F1.pk}", headers=h)
    assert r.status_code == 200
    body = r.json()
    assert (body["id"], body["name_en"], body["diw_number"], body["estate"], body["employees"]) == (
        world.F1.pk, "Factory One", "3-105-1/45ชบ", world.E1.pk, 100)
    for other in (world.F2, world.F3, world.F4):
        assert client.get(f"/api/registry/factories/{other.pk}", headers=h).status_code == 404
    assert client.get(f"/api/registry/factories/{world.E1.pk}", headers=h).status_code == 404  # not a factory
    assert client.get("/api/registry/factories/999999", headers=h).status_code == 404


def test_estates_list_visible(world, client, token_for):
    r = client.get("/api/registry/estates", headers=token_for(world.users["estate"])).json()
    assert [e["code"] for e in r["items"]] == ["E1"]
    assert r["items"][0]["factories"] == 2
    r = client.get("/api/registry/estates", headers=token_for(world.users["admin"])).json()
    assert r["count"] == 3
    assert client.get(f"/api/registry/estates/{world.E2.pk}", headers=token_for(world.users["estate"])).status_code == 404


def test_session_auth_works_too(world, login):
    client = login(world.users["preparer2"])
    r = client.get("/api/registry/factories")
    assert r.status_code == 200
    assert [f["name_en"] for f in r.json()["items"]] == ["Factory Two"]


# --- writes and validation -----------------------------------------------------------------------------------

def test_create_factory_201(world, client, token_for):
    before = counts()
    r = post_json(client, "/api/registry/factories", factory_payload(world), **token_for(world.users["estate"]))
    assert r.status_code == 201, r.content
    body = r.json()
    assert (body["name_en"], body["diw_number"], body["estate"], body["tsic"]) == (
        "API Factory", "3-105-8/45ชบ", world.E1.pk, "2930")
    after = counts()
    assert after["Organisation"] - before["Organisation"] == 1
    assert after["Product"] - before["Product"] == 1
    assert after["ChangeRecord"] - before["ChangeRecord"] == 3


@pytest.mark.parametrize("lang, expected", [("en", DIW_BAD_EN)])
def test_create_factory_bad_diw_422_nothing_saved(world, client, token_for, lang, expected):
    before = counts()
    r = post_json(client, "/api/registry/factories", factory_payload(world, diw_number="nope"),
                  **token_for(world.users["estate"], lang=lang))
    assert r.status_code == 422
    assert r.json() == {"detail": [{"field": "diw_number", "code": "diw_number_invalid", "message": expected}]}
    assert counts() == before


def test_create_factory_duplicate_diw_422(world, client, token_for):
    before = counts()
    r = post_json(client, "/api/registry/factories", factory_payload(world, diw_number="3-105-1/45ชบ"),
                  **token_for(world.users["admin"], lang="en"))
    assert r.status_code == 422
    assert r.json() == {"detail": [{"field": "diw_number", "code": "diw_number_taken",
                                    "message": "DIW registration number 3-105-1/45ชบ is already registered."}]}
    assert counts() == before


def test_create_factory_outside_thailand_422(world, client, token_for):
    before = counts()
    r = post_json(client, "/api/registry/factories", factory_payload(world, lat=3.139, lon=101.6869),
                  **token_for(world.users["admin"], lang="en"))
    assert r.status_code == 422
    assert r.json()["detail"] == [{"field": "lat", "code": "outside_thailand",
                                   "message": "The location (3.139, 101.6869) is outside Thailand."}]
    assert counts() == before


@pytest.mark.parametrize("missing", ["name_en", "diw_number", "estate"])
def test_create_factory_missing_field_422(world, client, token_for, missing):
    data = factory_payload(world)
    del data[missing]
    before = counts()
    r = post_json(client, "/api/registry/factories", data, **token_for(world.users["admin"], lang="en"))
    assert r.status_code == 422
    assert r.json() == {"detail": [{"field": missing, "code": "required", "message": "This field is required."}]}
    assert counts() == before


def test_create_factory_wrong_type_422(world, client, token_for):
    before = counts()
    r = post_json(client, "/api/registry/factories", factory_payload(world, employees="many"),
                  **token_for(world.users["admin"], lang="en"))
    assert r.status_code == 422
    assert r.json() == {"detail": [{"field": "employees", "code": "not_a_whole_number", "message": "Enter a whole number."}]}
    assert counts() == before


def test_invalid_json_400(world, client, token_for):
    r = client.post("/api/registry/factories", "{nope", content_type="application/json",
                    headers=token_for(world.users["admin"], lang="en"))
    assert r.status_code == 400  # the body does not parse (a body that parses but breaks the schema is 422)
    assert r.json() == {"detail": [{"code": "invalid_json", "message": "The request body is not valid JSON."}]}


def test_create_factory_in_invisible_estate_404_and_forbidden_403(world, client, token_for):
    before = counts()
    r = post_json(client, "/api/registry/factories", factory_payload(world, estate=world.E2.pk),
                  **token_for(world.users["estate"]))
    assert r.status_code == 404
    r = post_json(client, "/api/registry/factories", factory_payload(world),
                  **token_for(world.users["preparer"]))
    assert r.status_code == 404  # a preparer does not see the estate itself
    r = post_json(client, "/api/registry/factories", factory_payload(world),
                  **token_for(world.users["school"]))
    assert r.status_code == 404
    assert counts() == before


def test_patch_forbidden_403_invisible_404(world, client, token_for):
    before = counts()
    r = client.patch(f"/api/registry/organisations/{world.F1.pk}", json.dumps({"name_en": "X"}),
                     content_type="application/json", headers=token_for(world.users["preparer"], lang="en"))
    assert r.status_code == 403
    assert r.json() == {"detail": [{"code": "forbidden", "message": "You may not do this."}]}
    r = client.patch(f"/api/registry/organisations/{world.F1.pk}", json.dumps({"name_en": "X"}),
                     content_type="application/json", headers=token_for(world.users["preparer2"]))
    assert r.status_code == 404
    assert counts() == before
    r = client.patch(f"/api/registry/organisations/{world.F1.pk}", json.dumps({"employees": 150}),
                     content_type="application/json", headers=token_for(world.users["approver"]))
    assert r.status_code == 200
    assert r.json() == {"id": world.F1.pk, "updated": ["employees"]}


def test_create_estate_duplicate_code_422(world, client, token_for):
    before = counts()
    r = post_json(client, "/api/registry/estates", {"code": "E1", "name_th": "ก", "name_en": "Dup"},
                  **token_for(world.users["officer"], lang="en"))
    assert r.status_code == 422
    assert r.json() == {"detail": [{"field": "code", "code": "code_taken",
                                    "message": "The code E1 is already used by another Industrial estate."}]}
    assert counts() == before


# --- language ---------------------------------------------------------------------------------------------------

def _bad(client, world, headers):
    r = post_json(client, "/api/registry/factories", factory_payload(world, diw_number="nope"), **headers)
    assert r.status_code == 422
    return r.json()["detail"][0]["message"], r.headers.get("Content-Language")


def test_accept_language_selects_message_language(world, client, token_for):
    user = world.users["admin"]
    en, en_header = _bad(client, world, token_for(user, lang="en"))
    th, th_header = _bad(client, world, token_for(user, lang="th"))
    assert en == DIW_BAD_EN
    assert (en_header, th_header) == ("en", "th")


def test_user_preference_when_no_accept_language(world, client, token_for):
    user = world.users["admin"]
    user.language = "en"
    user.save()
    msg, header = _bad(client, world, token_for(user))
    assert (msg, header) == (DIW_BAD_EN, "en")
    user.language = "th"
    user.save()
    _, header = _bad(client, world, token_for(user))
    assert header == "th"


def test_thai_message_differs(world, client, token_for):
    en, _ = _bad(client, world, token_for(world.users["admin"], lang="en"))
    th, _ = _bad(client, world, token_for(world.users["admin"], lang="th"))
    assert th != en


def test_401_message_in_english_and_thai(world, client):
    en = client.get("/api/registry/factories", headers={"Accept-Language": "en"})
    th = client.get("/api/registry/factories", headers={"Accept-Language": "th"})
    assert en.status_code == th.status_code == 401
    assert en.json() == {"detail": [{"code": "not_signed_in",
                                     "message": "Sign in first: send a bearer token or use a session."}]}
    assert th.headers["Content-Language"] == "th"


# --- documentation -------------------------------------------------------------------------------------------

def test_openapi_and_docs(db, client):
    r = client.get("/api/openapi.json")
    assert r.status_code == 200
    spec = r.json()
    assert spec["info"]["title"] == "EcoTown API"
    for path in ("/api/auth/token", "/api/registry/estates", "/api/registry/factories",
                 "/api/registry/factories/{org_id}", "/api/enquiries"):
        assert path in spec["paths"], path
    r = client.get("/api/docs")
    assert r.status_code == 200
    assert b"openapi.json" in r.content


def test_docs_page_loads_swagger_ui_from_the_sites_own_static_files(db, client):
    """No CDN: an installation without internet access still shows the API's documentation."""
    import re

    from django.contrib.staticfiles import finders

    html = client.get("/api/docs").content.decode()
    sources = re.findall(r'(?:src|href)="([^"]+)"', html)
    assert sources == ["data:,", "/static/vendor/swagger-ui/swagger-ui.css",
                       "/static/vendor/swagger-ui/swagger-ui-bundle.js", "/static/ecotown/swagger-init.js"]
    for path in sources[1:]:
        assert finders.find(path.removeprefix("/static/")), path
    settings = json.loads(re.search(r'<script type="application/json" id="swagger-settings">(.*?)</script>', html, re.S).group(1))
    assert settings["url"] == "/api/openapi.json" and settings["validatorUrl"] is None


def test_openapi_document_has_one_key_per_response_status(db, client):
    """Swagger UI refuses a document with a duplicated key ("duplicated mapping key"): ninja's int
    statuses and the error bodies added as strings must merge."""
    dupes = []

    def pairs(items):
        keys = [k for k, _ in items]
        dupes.extend(k for k in set(keys) if keys.count(k) > 1)
        return dict(items)

    spec = json.loads(client.get("/api/openapi.json").content, object_pairs_hook=pairs)
    assert dupes == []
    token = spec["paths"]["/api/auth/token"]["post"]["responses"]
    assert sorted(token) == ["200", "401", "403", "404", "409", "422"]
    assert token["401"]["content"]["application/json"]["schema"] == {"$ref": "#/components/schemas/StatusBody"}
