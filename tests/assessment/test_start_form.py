"""The assessment start form offers only what applies to the user: the organisations they may assess and
the published frameworks of those organisations' kinds; nothing to start for an auditor or for a school
coordinator while no framework applies to schools."""
from __future__ import annotations

import re

import pytest

from ecotown.assessment.models import Assessment


def _options(html, name):
    block = html.split(f'name="{name}"', 1)[1].split("</select>", 1)[0]
    return re.findall(r'<option value="(\d+)"(?: selected)?>([^<]+)</option>', block)


def _form(client, who, world, lang="en"):
    client.force_login(world.users[who])
    return client.get("/assessment/", HTTP_ACCEPT_LANGUAGE=lang).content.decode()


def test_a_factory_user_is_offered_its_factory_and_only_factory_frameworks(client, world, frameworks):
    html = _form(client, "approver", world)
    assert _options(html, "organisation") == [(str(world.F1.pk), "Factory One (Factory)")]
    offered = {pk for pk, _label in _options(html, "framework_version")}
    assert offered == {str(v.pk) for v in frameworks.values() if v.applies_to == "factory"}
    assert len(offered) == 2
    assert f'<option value="{world.F1.pk}" selected>' in html     # the only organisation, chosen
    assert all(label.endswith("(Factory)") for _pk, label in _options(html, "framework_version"))


def test_an_estate_manager_is_offered_estate_and_factory_frameworks_for_its_organisations(client, world, frameworks):
    html = _form(client, "estate", world)
    orgs = [label for _pk, label in _options(html, "organisation")]
    assert orgs == ["Estate One (Industrial estate)", "Factory One (Factory)", "Factory Two (Factory)"]  # not the school
    kinds = {v.applies_to for v in frameworks.values() if str(v.pk) in {pk for pk, _ in _options(html, "framework_version")}}
    assert kinds == {"estate", "factory"}


@pytest.mark.parametrize("who, text", [
    ("auditor", "You may read the assessments of the organisations you see; starting one is for the organisation "
                "itself, its estate or the authority."),
    ("school", "No criteria framework applies to School yet: there is nothing to start."),
    ("outsider", "You may read the assessments"),
])
def test_nothing_to_start_says_why_instead_of_an_empty_form(client, world, frameworks, who, text):
    html = _form(client, who, world)
    assert 'data-testid="start-form"' not in html
    assert text in html


def test_the_form_refuses_a_framework_of_another_kind_and_reads_a_buddhist_era_year(client, world, frameworks):
    client.force_login(world.users["estate"])
    estate_fw = frameworks["ieat-eit"]
    r = client.post("/assessment/start/", {"organisation": world.F1.pk, "framework_version": estate_fw.pk,
                                           "year": 2569, "scenario": "current"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422
    assert "This framework is for another kind of organisation than Factory One." in r.content.decode()
    assert Assessment.objects.count() == 0
    r = client.post("/assessment/start/", {"organisation": world.F1.pk, "framework_version": frameworks["green-industry"].pk,
                                           "year": 2569, "scenario": "current"})
    assert r.status_code == 302
    assert list(Assessment.objects.values_list("organisation_id", "year")) == [(world.F1.pk, 2026)]
    r = client.post("/assessment/start/", {"organisation": world.F1.pk, "framework_version": frameworks["green-industry"].pk,
                                           "year": 1999, "scenario": "current"}, HTTP_ACCEPT_LANGUAGE="en")
    assert r.status_code == 422 and "Enter a year between 2000 and 2100 (2543 and 2643 B.E.)." in r.content.decode()


def test_the_year_is_offered_in_buddhist_era_to_thai_readers(client, world, frameworks):
    import datetime as dt

    th = _form(client, "approver", world, lang="th")
    assert f'name="year" value="{dt.date.today().year + 543}"' in th
    en = _form(client, "approver", world, lang="en")
    assert f'name="year" value="{dt.date.today().year}"' in en


def test_the_organisations_offered_are_exactly_those_the_policy_lets_the_user_change(world):
    """`assessable_orgs` states the assessment policy's rule as one filter: for every role it offers exactly
    the visible assessable organisations for which `can(CHANGE)` holds — no more, no fewer."""
    from ecotown import access
    from ecotown.access import Action
    from ecotown.assessment import selectors
    from ecotown.assessment.models import Assessment
    from ecotown.registry.models import Organisation

    checked = 0
    for name, user in sorted(world.users.items()):
        access.forget(user)
        offered = set(selectors.assessable_orgs(user).values_list("pk", flat=True))
        want = {o.pk for o in access.visible_orgs(user, Organisation.objects.filter(kind__in=selectors.ASSESSABLE_KINDS))
                if access.can(user, Action.CHANGE, Assessment(organisation=o))}
        assert offered == want, name
        checked += bool(want)
    assert checked >= 6
