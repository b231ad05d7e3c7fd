"""Who sees the change history, notifications, uploaded files and workflow runs."""
from __future__ import annotations

from django.db.models import QuerySet

from ecotown.access import Action, OrganisationOwnedPolicy, Policy, Principal, decide

from .models import (ChangeRecord, Download, Notification, OrganisationOwned, ReferenceEdition, Task, TaskState, UploadedFile, Workflow,
                     WorkflowState)


class ChangeRecordPolicy(Policy):
    """History is seen with the organisation it belongs to (authority staff: all); never changed."""

    organisation_id_field = "organisation_id"

    def can(self, p: Principal, action: str, obj) -> bool:
        if action != Action.VIEW or not p.authenticated:
            return False
        if p.sees_all:
            return True
        if obj.organisation_id is None:
            return False
        from ecotown.registry.models import Organisation

        return Organisation.objects.filter(p.org_filter(), pk=obj.organisation_id).exists()

    def visible(self, p: Principal, qs: QuerySet) -> QuerySet:
        if p.sees_all:
            return qs
        if not p.authenticated:
            return qs.none()
        from ecotown.registry.models import Organisation

        ids = Organisation.objects.filter(p.org_filter()).values("pk")
        return qs.filter(**{f"{self.organisation_id_field}__in": ids})

    def visible_rows(self, p: Principal, qs: QuerySet) -> QuerySet:
        return p.rows(qs, self.organisation_id_field)


class NotificationPolicy(Policy):
    """A notification is its user's alone."""

    def can(self, p: Principal, action: str, obj) -> bool:
        return p.authenticated and obj.user_id == p.user_id

    def visible(self, p: Principal, qs: QuerySet) -> QuerySet:
        return qs.filter(user_id=p.user_id) if p.authenticated else qs.none()


class DownloadPolicy(NotificationPolicy):
    """A file built in the background is its user's alone (it holds what that user may see)."""


class WorkflowDefinitionPolicy(Policy):
    """Workflows and their tasks are reference data: read by the signed-in, defined by the authority admin."""

    def can(self, p: Principal, action: str, obj) -> bool:
        return p.authenticated if action == Action.VIEW else p.authority_admin

    def visible(self, p: Principal, qs: QuerySet) -> QuerySet:
        return qs if p.authenticated else qs.none()


class ReferenceEditionPolicy(Policy):
    """An edition of shipped reference data (activity catalogue, conversions, KPI definitions, blends)
    is read by every signed-in user; nobody changes one (a new file content is a new edition, stored by
    `ecotown migrate`)."""

    def can(self, p: Principal, action: str, obj) -> bool:
        return p.authenticated and action == Action.VIEW

    def visible(self, p: Principal, qs: QuerySet) -> QuerySet:
        return qs if p.authenticated else qs.none()


class WorkflowRunPolicy(ChangeRecordPolicy):
    """A workflow run and its task states follow the object they run on: whoever sees the object sees
    them; a task is decided by whoever holds the task's `action` on the object, and a run is
    resubmitted or cancelled by whoever may start the workflow on it. Lists: by the organisation
    recorded with the run."""

    def can(self, p: Principal, action: str, obj) -> bool:
        run = obj if isinstance(obj, WorkflowState) else obj.workflow_state
        target = run.content_object
        if action == Action.VIEW:
            return decide(p, Action.VIEW, target)
        needed = run.workflow.start_action if isinstance(obj, WorkflowState) else obj.task.action
        return decide(p, needed, target)


class TaskStatePolicy(WorkflowRunPolicy):
    organisation_id_field = "workflow_state__organisation_id"


POLICIES = {
    # the default of every organisation-owned model: an app registers a more specific policy for its own
    OrganisationOwned: OrganisationOwnedPolicy(),
    ChangeRecord: ChangeRecordPolicy(),
    Notification: NotificationPolicy(),
    Download: DownloadPolicy(),
    ReferenceEdition: ReferenceEditionPolicy(),
    UploadedFile: OrganisationOwnedPolicy(),
    Workflow: WorkflowDefinitionPolicy(),
    Task: WorkflowDefinitionPolicy(),
    WorkflowState: WorkflowRunPolicy(),
    TaskState: TaskStatePolicy(),
}
