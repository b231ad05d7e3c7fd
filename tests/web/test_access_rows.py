"""`access.visible_rows` (the cut as a condition on each row, for work queues) gives exactly the rows of
`access.visible`, for every guarded model and every actor."""
from __future__ import annotations

import pytest
from django.apps import apps

from ecotown import access
from ecotown.core import history
from tests.carbon.factories import record

ACTORS = ["admin", "officer", "auditor", "estate", "port", "preparer", "approver", "preparer2", "school", "outsider"]


@pytest.fixture
def queues(world):
    from ecotown.accounts.models import RegistrationRequest

    record(world.F1, "electricity_grid", 10, "kWh", "2025-01-01", "2025-01-31", state="draft")
    record(world.F2, "electricity_grid", 20, "kWh", "2025-01-01", "2025-01-31", state="submitted")
    record(world.F3, "electricity_grid", 30, "kWh", "2025-01-01", "2025-01-31", state="submitted")
    record(world.F4, "electricity_grid", 40, "kWh", "2025-01-01", "2025-01-31", state="verified")
    record(world.E1, "electricity_grid", 50, "kWh", "2025-01-01", "2025-01-31", state="draft")
    for org in (world.F2, world.F3, world.F4):
        history.save(None, RegistrationRequest(user=world.users["outsider"], organisation=org, role="factory_preparer"))
    return world


def _guarded():
    return [m for m in apps.get_models() if m._meta.app_label in {
        "accounts", "assessment", "carbon", "core", "enquiries", "registry", "reporting"}
        and access.policy_for(m) is not None]


@pytest.mark.parametrize("actor", ACTORS + ["anonymous"])
def test_visible_rows_are_the_visible_rows_for_every_model(queues, actor):
    from django.contrib.auth.models import AnonymousUser

    user = AnonymousUser() if actor == "anonymous" else queues.users[actor]
    differ = {}
    for model in _guarded():
        qs = model._base_manager.all()
        seen = set(access.visible(user, qs).values_list("pk", flat=True))
        rows = set(access.visible_rows(user, qs).values_list("pk", flat=True))
        if seen != rows:
            differ[model._meta.label] = (sorted(seen - rows), sorted(rows - seen))
    assert differ == {}


@pytest.mark.parametrize("actor, want", [
    ("admin", {"F1", "F2", "F3", "F4", "E1"}), ("officer", {"F1", "F2", "F3", "F4", "E1"}),
    ("estate", {"F1", "F2", "E1"}), ("port", {"F4"}), ("auditor", {"F3"}), ("preparer", {"F1"}),
    ("approver", {"F1"}), ("preparer2", {"F2"}), ("school", set()), ("outsider", set()),
])
def test_the_records_each_actor_sees_through_the_row_condition(queues, actor, want):
    from ecotown.reporting.models import ActivityRecord

    names = {getattr(queues, k).pk: k for k in ("F1", "F2", "F3", "F4", "E1")}
    got = access.visible_rows(queues.users[actor], ActivityRecord.objects.all()).values_list("organisation_id", flat=True)
    assert {names[o] for o in got} == want


def test_the_row_condition_is_a_correlated_exists_not_the_set_of_organisations(queues):
    from ecotown.reporting.models import ActivityRecord

    sql = str(access.visible_rows(queues.users["estate"], ActivityRecord.objects.filter(state="submitted")).query)
    assert ("EXISTS" in sql, " IN (SELECT" in sql) == (True, False)
