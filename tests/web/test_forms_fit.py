"""Forms offer only what applies: a factory takes its estate's province; the assessment start form offers
the organisations the user may assess and only the frameworks that apply to them."""
from __future__ import annotations

import pytest
from django.core.exceptions import ValidationError

from ecotown.registry import services
from ecotown.registry.models import Organisation


def test_a_new_factory_takes_its_estates_province(world):
    org = services.create_factory(world.users["estate"], world.E1, {"name_th": "ใหม่", "name_en": "New",
                                                                    "diw_number": "10200000777777"})
    assert org.province_id == "TH-20" == world.E1.province_id


def test_a_factory_may_not_claim_another_province_than_its_estates(world):
    from django.utils import translation

    with translation.override("en"), pytest.raises(ValidationError) as exc:
        services.create_factory(world.users["estate"], world.E1, {"name_th": "ใหม่", "name_en": "New",
                                                                  "diw_number": "10200000777777", "province_id": "TH-21"})
    with translation.override("en"):
            assert exc.value.message_dict == {
            "province": ["Estate One is in Chon Buri: a factory in it is in the same province."]}
    assert not Organisation.objects.filter(name_en="New").exists()
    with pytest.raises(ValidationError) as exc:   # and when it is changed later
        services.update_organisation(world.users["admin"], world.F3, {"province_id": "TH-20"})
    assert [e.code for e in exc.value.error_dict["province"]] == ["province_not_estates"]


def test_the_new_factory_form_prefills_the_estates_province_and_offers_no_other(world, client):
    client.force_login(world.users["estate"])
    html = client.get(f"/orgs/{world.E1.pk}/new/factory/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    select = html.split('name="province"', 1)[1].split("</select>", 1)[0]
    assert select.count("<option") == 1
    assert '<option value="TH-20" selected>' in select
    assert "The province of Estate One." in html
    r = client.post(f"/orgs/{world.E1.pk}/new/factory/", {"name_th": "ใหม่", "name_en": "New", "diw_number": "10200000777777",
                                                         "province": "TH-21"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 200   # the form says the choice is not offered; nothing created
    assert not Organisation.objects.filter(name_en="New").exists()
    r = client.post(f"/orgs/{world.E1.pk}/new/factory/", {"name_th": "ใหม่", "name_en": "New", "diw_number": "10200000777777",
                                                         "province": "TH-20"})
    assert r.status_code == 302
    assert Organisation.objects.get(name_en="New").province_id == "TH-20"


def test_a_factory_created_through_the_api_takes_its_estates_province(world, client, token_for):
    r = client.post("/api/registry/factories", {"estate": world.E1.pk, "name_th": "ใหม่", "name_en": "New",
                                               "diw_number": "10200000777777"},
                    content_type="application/json", headers=token_for(world.users["estate"], "en"))
    assert r.status_code == 201, r.content
    assert r.json()["province"] == "TH-20"
