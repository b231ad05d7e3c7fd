"""An organisation picker instead of a drop-down of thousands (web/pickers.py): the start form of an
estate manager with many factories is a search box; its suggestions are exactly the form's choices,
filtered by what is typed; the chosen id is validated by the form as before."""
from __future__ import annotations

import re

import pytest

from ecotown.assessment.models import Assessment
from ecotown.core import history
from ecotown.registry.models import Kind, Organisation

from tests.assessment.conftest import frameworks  # noqa: F401


@pytest.fixture
def many(world):
    """60 more factories in estate E1 (the estate manager's): 63 organisations to start for."""
    orgs = [history.save(None, Organisation(kind=Kind.FACTORY, name_th=f"โรงงานเพิ่ม {i:02d}",
                                            name_en=f"Extra Works {i:02d}", parent=world.E1)) for i in range(60)]
    return orgs


def test_a_long_list_is_a_search_box_not_a_drop_down(client, world, frameworks, many):  # noqa: F811
    client.force_login(world.users["estate"])
    html = client.get("/assessment/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="picker-organisation"' in html
    assert 'hx-get="/pick/assessment.start/"' in html
    assert not re.search(r'<select[^>]*name="organisation"', html) and "Extra Works" not in html
    # a factory user's one factory: still the drop-down, chosen
    client.force_login(world.users["approver"])
    html = client.get("/assessment/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'<select[^>]*name="organisation"', html) and 'data-testid="picker-organisation"' not in html


def test_suggestions_are_the_form_s_choices_that_match(client, world, frameworks, many):  # noqa: F811
    client.force_login(world.users["estate"])
    r = client.get("/pick/assessment.start/", {"picker_q": "extra works 05"}, HTTP_ACCEPT_LANGUAGE="en")
    assert re.findall(r'data-label="([^"]+)"', r.content.decode()) == ["Extra Works 05 (Factory)"]
    r = client.get("/pick/assessment.start/", {"picker_q": "works 5"}, HTTP_ACCEPT_LANGUAGE="en")   # every word
    assert re.findall(r'data-label="([^"]+)"', r.content.decode()) == [
        f"Extra Works {i:02d} (Factory)" for i in (5, 15, 25, 35, 45, 50, 51, 52, 53, 54, 55, 56)]
    r = client.get("/pick/assessment.start/", {"picker_q": "extra"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert r.count('data-label="') == 12 and "More match: type more of the name." in r
    r = client.get("/pick/assessment.start/", {"picker_q": "Factory Three"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="picker-none"' in r          # F3 is estate E2's: not this manager's to choose
    assert client.get("/pick/assessment.start/", {"picker_q": "e"}).content.decode().strip() == ""   # 1 letter
    assert client.get("/pick/nothing/", {"picker_q": "extra"}).status_code == 404
    # Thai names too
    r = client.get("/pick/assessment.start/", {"picker_q": "โรงงานเพิ่ม 59"}, HTTP_ACCEPT_LANGUAGE="th").content.decode()
    assert re.findall(r'data-label="([^"]+)"', r) == ["โรงงานเพิ่ม 59 (โรงงาน)"]


@pytest.mark.parametrize("who", ["preparer", "auditor", "outsider"])
def test_others_are_suggested_nothing_of_the_estate(client, world, frameworks, many, who):  # noqa: F811
    client.force_login(world.users[who])
    r = client.get("/pick/assessment.start/", {"picker_q": "extra"}).content.decode()
    assert 'data-value="' not in r


def test_anonymous_is_sent_to_sign_in(client, world):
    r = client.get("/pick/assessment.start/", {"picker_q": "extra"})
    assert r.status_code == 302 and r["Location"].startswith("/accounts/login/")


def test_the_chosen_id_is_validated_by_the_form(client, world, frameworks, many):  # noqa: F811
    client.force_login(world.users["estate"])
    fw = frameworks["green-industry"]
    r = client.post("/assessment/start/", {"organisation": world.F3.pk, "framework_version": fw.pk,
                                           "year": 2569, "scenario": "current"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422 and Assessment.objects.count() == 0     # E2's factory: not a choice
    html = r.content.decode()
    assert 'data-testid="picker-organisation"' in html and "Select a valid choice" in html
    r = client.post("/assessment/start/", {"organisation": many[7].pk, "framework_version": fw.pk,
                                           "year": 2569, "scenario": "current"})
    assert r.status_code == 302
    assert list(Assessment.objects.values_list("organisation_id", "year")) == [(many[7].pk, 2026)]


def test_people_admin_chooses_organisations_with_a_search_box(client, world, many):
    """The authority administrator's membership and assignment forms: every organisation of the country is
    a choice, so both are search boxes; the suggestions follow the form (assignments: no firms, no authority)
    and nobody else is suggested anything."""
    client.force_login(world.users["admin"])
    html = client.get(f"/users/{world.users['auditor'].pk}/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'hx-get="/pick/accounts.membership/"' in html and 'hx-get="/pick/accounts.assignment/"' in html
    assert not re.search(r'<select[^>]*name="[am]-organisation"', html) and "Extra Works" not in html
    r = client.get("/pick/accounts.membership/", {"picker_q": "audit firm"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.findall(r'data-label="([^"]+)"', r) == ["Audit Firm (Auditor firm)"]
    r = client.get("/pick/accounts.assignment/", {"picker_q": "audit firm"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'data-testid="picker-none"' in r
    r = client.get("/pick/accounts.assignment/", {"picker_q": "extra works 07"}, HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.findall(r'data-label="([^"]+)"', r) == ["Extra Works 07 (Factory)"]
    for who in ("officer", "estate", "preparer"):
        client.force_login(world.users[who])
        for code in ("accounts.membership", "accounts.assignment"):
            r = client.get(f"/pick/{code}/", {"picker_q": "extra"}).content.decode()
            assert 'data-value="' not in r, (who, code)


def test_the_factor_library_offers_what_the_user_may_change(client, world, many):
    """A supplier-specific factor set's organisation: the CHANGE rule as one filter, the same answer as
    `can` for every organisation, and a search box once it is long (the estate manager: 63 + the estate)."""
    from ecotown import access
    from ecotown.access import Action
    from ecotown.carbon import selectors

    for who, user in world.users.items():
        offered = set(selectors.supplier_set_orgs(user).values_list("pk", flat=True))
        decided = {o.pk for o in Organisation.objects.filter(kind__in=["factory", "waste_processor", "estate", "port"])
                   if access.can(user, Action.VIEW, o) and access.can(user, Action.CHANGE, o)}
        assert offered == decided, who
    client.force_login(world.users["estate"])
    html = client.get("/carbon/factors/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert 'hx-get="/pick/carbon.factor_set/"' in html and "Extra Works" not in html
    client.force_login(world.users["approver"])
    html = client.get("/carbon/factors/", HTTP_ACCEPT_LANGUAGE="en").content.decode()
    assert re.search(r'<select[^>]*name="organisation"', html) and 'carbon.factor_set' not in html
