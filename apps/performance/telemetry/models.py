"""The telemetry records: bindings, raw deliveries and normalised events (``apps.performance.telemetry``).

Normalised events are facts observed in another system, not governance records: they are not in the
audit trail (the raw delivery they came from is their record) and are written by upsert on their
source id, so a delivery seen twice, or replayed by ``telemetry_reprocess``, leaves one row. Every
event carries its binding's contract (bindings never move between contracts) so the metrics group by
contract without a join. ``observed_at`` is when the source says the state was observed; a later
delivery overwrites what an earlier one said, an older one arriving late only fills gaps
(``apps.performance.telemetry.services.events_store``).
"""

from __future__ import annotations

import uuid
from datetime import timedelta
from typing import ClassVar

from django.conf import settings
from django.contrib.postgres.fields import ArrayField
from django.core.exceptions import ValidationError
from django.db import models
from django.urls import reverse
from django.utils import timezone

from apps.core.models import TimeStampedModel, audit_tracked
from apps.performance.choices import (
    BindingHealth,
    DeliveryStatus,
    DeploymentStatus,
    IncidentStatus,
    PullRequestState,
    TelemetrySource,
)


def _default_environments() -> list[str]:
    return ["production"]


@audit_tracked(exclude=["secret_sealed", "api_token_sealed", "last_event_at"])
class SourceBinding(TimeStampedModel):
    """A source of delivery events bound to a contract: a GitHub repository (``owner/repo``) or
    organisation (``owner``), a GitLab project (``group/project``) or group, a Jira project (its key,
    optionally narrowed by a component or a label), a PagerDuty service (its id), or a generic source
    posting the project's own JSON. Each has its own webhook URL (``public_id``) and secret."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="source_bindings")
    source = models.CharField(max_length=12, choices=TelemetrySource.choices)
    name = models.CharField(max_length=100, blank=True, help_text="A label for pages; the scope when blank.")
    scope = models.CharField(
        max_length=255,
        help_text="GitHub owner/repo or owner; GitLab group/project or group; Jira project key; "
        "PagerDuty service id; any name for the generic API.",
    )
    component = models.CharField(max_length=100, blank=True, help_text="Jira only: count this component's issues.")
    label = models.CharField(max_length=100, blank=True, help_text="Jira only: count issues with this label.")
    production_environments = ArrayField(
        models.CharField(max_length=100),
        default=_default_environments,
        blank=True,
        help_text="The CI/CD environment names whose deployments are production deployments.",
    )
    measures = ArrayField(
        models.CharField(max_length=64),
        default=list,
        blank=True,
        help_text="The KPI codes this binding measures: telemetry is their one source for the contract.",
    )
    covers_from = models.DateField(
        default=timezone.localdate,
        help_text="Telemetry is the source of the measured KPIs for periods ending on or after this date.",
    )
    active = models.BooleanField(default=True)
    public_id = models.UUIDField(default=uuid.uuid4, unique=True, editable=False)
    secret_sealed = models.TextField(editable=False, help_text="The webhook secret, sealed (telemetry.secrets).")
    secret_rotated_at = models.DateTimeField(null=True, blank=True, editable=False)
    api_base_url = models.URLField(
        blank=True, max_length=300, help_text="For backfill from a self-hosted instance; blank for the cloud service."
    )
    api_token_sealed = models.TextField(blank=True, editable=False)
    last_event_at = models.DateTimeField(null=True, blank=True, editable=False)
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )

    class Meta:
        db_table = "performance_sourcebinding"
        ordering = ["contract", "source", "scope", "id"]
        verbose_name = "source binding"
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "source", "scope", "component", "label"],
                name="performance_binding_unique_scope",
                violation_error_message="The contract already has a binding of this source and scope.",
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(scope=""),
                name="performance_binding_scope_given",
                violation_error_message="Say what the binding watches (a repository, project or service).",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_source_display()} {self.label_text}"

    @property
    def label_text(self) -> str:
        extra = " · ".join(part for part in (self.component, self.label) if part)
        return self.name or (f"{self.scope} ({extra})" if extra else self.scope)

    def get_absolute_url(self) -> str:
        # The contract page's telemetry panel (apps.performance.telemetry.sections), by its anchor.
        return reverse("contracts:contract-detail", args=[self.contract_id]) + "#telemetry"

    def clean(self) -> None:
        super().clean()
        self.scope = (self.scope or "").strip()
        if self.source != TelemetrySource.JIRA:
            narrowing = {
                name: "Only a Jira binding narrows by component or label: leave it blank."
                for name in ("component", "label")
                if getattr(self, name)
            }
            if narrowing:
                raise ValidationError(narrowing)
        if self.source != TelemetrySource.GENERIC and any(character.isspace() for character in self.scope):
            raise ValidationError({"scope": "A repository, project key or service id has no spaces."})

    @property
    def health(self) -> str:
        if not self.active:
            return BindingHealth.INACTIVE
        if self.last_event_at is None:
            return BindingHealth.WAITING
        silent_after = timedelta(days=settings.TELEMETRY_SILENT_DAYS)
        return BindingHealth.SILENT if timezone.now() - self.last_event_at > silent_after else BindingHealth.HEALTHY

    @property
    def silent_days(self) -> int | None:
        if self.last_event_at is None:
            return None
        return (timezone.now() - self.last_event_at).days


class Delivery(models.Model):
    """One webhook delivery (or one backfilled page item) as received: the payload is kept (JSONB) for
    ``TELEMETRY_RETENTION_DAYS`` and can be processed again after a rule change. ``delivery_id`` is the
    source's own id (``X-GitHub-Delivery``, ``X-Gitlab-Event-UUID``, the PagerDuty event id …): a
    delivery seen twice is stored once."""

    binding = models.ForeignKey(SourceBinding, on_delete=models.PROTECT, related_name="deliveries")
    delivery_id = models.CharField(max_length=255)
    event_type = models.CharField(max_length=100)
    status = models.CharField(max_length=10, choices=DeliveryStatus.choices, default=DeliveryStatus.RECEIVED)
    payload = models.JSONField(null=True, blank=True, help_text="Cleared after the retention period.")
    received_at = models.DateTimeField(default=timezone.now)
    processed_at = models.DateTimeField(null=True, blank=True)
    attempts = models.PositiveSmallIntegerField(default=0)
    error = models.TextField(blank=True, help_text="Why the parser refused it, when it did.")
    event_count = models.PositiveIntegerField(default=0, help_text="Normalised events it yielded.")

    class Meta:
        db_table = "performance_delivery"
        ordering = ["-received_at", "-id"]
        verbose_name_plural = "deliveries"
        constraints = [
            models.UniqueConstraint(
                fields=["binding", "delivery_id"],
                name="performance_delivery_unique_id",
                violation_error_message="This delivery was received before.",
                violation_error_code="unique",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "received_at"], name="perf_delivery_status_idx"),
            models.Index(fields=["binding", "-received_at"], name="perf_delivery_recent_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.delivery_id}"


class TelemetryEvent(models.Model):
    """What every normalised event has. ``source_id`` is unique within its binding."""

    # Fields a later delivery may not move back in time: the earliest value seen wins (LEAST).
    EARLIEST_FIELDS: ClassVar[tuple[str, ...]] = ()

    binding = models.ForeignKey(SourceBinding, on_delete=models.PROTECT, related_name="+")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="+")
    source_id = models.CharField(max_length=255)
    observed_at = models.DateTimeField(help_text="When the source observed the state this row holds.")
    url = models.URLField(max_length=500, blank=True, help_text="The event in its source, for the evidence.")

    class Meta:
        abstract = True


def _unique_source_id(name: str) -> models.UniqueConstraint:
    return models.UniqueConstraint(
        fields=["binding", "source_id"],
        name=f"performance_{name}_unique_source",
        violation_error_message="This event was stored before.",
        violation_error_code="unique",
    )


class Deployment(TelemetryEvent):
    """A deployment of a repository to an environment. It is a production deployment when its
    environment is one of its binding's ``production_environments`` (decided when metrics are
    computed, so changing the list applies to the history). ``is_rollback`` marks a rollback or
    hot-fix deployment, which counts the deployment it follows as failed."""

    repository = models.CharField(max_length=255)
    environment = models.CharField(max_length=100)
    status = models.CharField(max_length=12, choices=DeploymentStatus.choices)
    sha = models.CharField(max_length=64, blank=True, help_text="The commit it deployed.")
    title = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    is_rollback = models.BooleanField(default=False)

    class Meta:
        db_table = "performance_deployment"
        ordering = ["-finished_at", "-id"]
        constraints = [_unique_source_id("deployment")]
        indexes = [
            models.Index(fields=["contract", "finished_at"], name="perf_deploy_time_idx"),
            models.Index(fields=["binding", "repository", "sha"], name="perf_deploy_sha_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.repository} → {self.environment} ({self.sha[:7]})"


class Change(TelemetryEvent):
    """A commit. ``parent_sha`` is its parent as far as the source told (a push lists its commits in
    order after ``before``): the chain walked to find the commits a deployment shipped first."""

    repository = models.CharField(max_length=255)
    sha = models.CharField(max_length=64)
    parent_sha = models.CharField(max_length=64, blank=True)
    authored_at = models.DateTimeField()
    author_email = models.CharField(max_length=254, blank=True)
    author_login = models.CharField(max_length=100, blank=True)
    by_vendor = models.BooleanField(
        null=True, blank=True, help_text="Whether the author is the vendor's (unknown: None)."
    )
    message = models.CharField(max_length=255, blank=True, help_text="The first line of the commit message.")
    is_revert = models.BooleanField(default=False)
    is_hotfix = models.BooleanField(default=False)

    class Meta:
        db_table = "performance_change"
        ordering = ["-authored_at", "-id"]
        constraints = [_unique_source_id("change")]
        indexes = [
            models.Index(fields=["binding", "repository", "sha"], name="perf_change_sha_idx"),
            models.Index(fields=["contract", "authored_at"], name="perf_change_time_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.repository}@{self.sha[:7]}"


class DeploymentChange(models.Model):
    """A commit a successful production deployment shipped for the first time (derived by the metrics
    from the deployments and the commit chain; rebuilt, never edited)."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="+")
    deployment = models.ForeignKey(Deployment, on_delete=models.CASCADE, related_name="shipped")
    change = models.ForeignKey(Change, on_delete=models.CASCADE, related_name="shipped_by")

    class Meta:
        db_table = "performance_deploymentchange"
        ordering = ["deployment", "change"]
        constraints = [
            models.UniqueConstraint(fields=["deployment", "change"], name="performance_deploymentchange_unique")
        ]
        indexes = [models.Index(fields=["contract"], name="perf_depchange_contract_idx")]

    def __str__(self) -> str:
        return f"{self.change} in {self.deployment}"


class PullRequest(TelemetryEvent):
    """A pull (merge) request. ``is_revert`` / ``is_hotfix`` make it rework."""

    EARLIEST_FIELDS = ("first_review_at", "first_commit_at")

    repository = models.CharField(max_length=255)
    number = models.PositiveIntegerField()
    title = models.CharField(max_length=255, blank=True)
    author_login = models.CharField(max_length=100, blank=True)
    by_vendor = models.BooleanField(null=True, blank=True)
    state = models.CharField(max_length=8, choices=PullRequestState.choices)
    opened_at = models.DateTimeField()
    first_commit_at = models.DateTimeField(null=True, blank=True)
    first_review_at = models.DateTimeField(null=True, blank=True)
    merged_at = models.DateTimeField(null=True, blank=True)
    merge_sha = models.CharField(max_length=64, blank=True)
    is_revert = models.BooleanField(default=False)
    is_hotfix = models.BooleanField(default=False)

    class Meta:
        db_table = "performance_pullrequest"
        ordering = ["-opened_at", "-id"]
        constraints = [_unique_source_id("pullrequest")]
        indexes = [
            models.Index(fields=["contract", "merged_at"], name="perf_pr_merged_idx"),
            models.Index(fields=["contract", "first_review_at"], name="perf_pr_review_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.repository}#{self.number}"


class Incident(TelemetryEvent):
    """A production incident. ``caused_by_sha`` / ``caused_by_deployment`` (a deployment's source id)
    link it to the change that caused it, when the source says."""

    service = models.CharField(max_length=255)
    title = models.CharField(max_length=255, blank=True)
    severity = models.CharField(max_length=32, blank=True)
    status = models.CharField(max_length=12, choices=IncidentStatus.choices)
    opened_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    caused_by_sha = models.CharField(max_length=64, blank=True)
    caused_by_deployment = models.CharField(max_length=255, blank=True)

    class Meta:
        db_table = "performance_incident"
        ordering = ["-opened_at", "-id"]
        constraints = [_unique_source_id("incident")]
        indexes = [models.Index(fields=["contract", "resolved_at"], name="perf_incident_resolved_idx")]

    def __str__(self) -> str:
        return self.title or self.source_id


class TrackerIssue(TelemetryEvent):
    """An issue of the tracker (or of the Git hosting's issues). ``first_response_at`` is the first
    response by someone other than its reporter (the vendor's, where identity rules say)."""

    EARLIEST_FIELDS = ("first_response_at",)

    project = models.CharField(max_length=100, blank=True)
    key = models.CharField(max_length=100, help_text="The issue's key or number in its source.")
    title = models.CharField(max_length=255, blank=True)
    issue_type = models.CharField(max_length=50, blank=True)
    is_bug = models.BooleanField(default=False)
    opened_at = models.DateTimeField()
    first_response_at = models.DateTimeField(null=True, blank=True)
    resolved_at = models.DateTimeField(null=True, blank=True)
    sprint = models.CharField(max_length=255, blank=True, help_text="The source id of its sprint, if any.")
    points = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        db_table = "performance_trackerissue"
        ordering = ["-opened_at", "-id"]
        constraints = [_unique_source_id("trackerissue")]
        indexes = [
            models.Index(fields=["contract", "resolved_at"], name="perf_issue_resolved_idx"),
            models.Index(fields=["contract", "first_response_at"], name="perf_issue_response_idx"),
        ]

    def __str__(self) -> str:
        return self.key


class Sprint(TelemetryEvent):
    """A sprint of the tracker: what was committed at its start and completed by its close."""

    name = models.CharField(max_length=255, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    closed_at = models.DateTimeField(null=True, blank=True)
    committed_points = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)
    completed_points = models.DecimalField(max_digits=10, decimal_places=2, null=True, blank=True)

    class Meta:
        db_table = "performance_sprint"
        ordering = ["-closed_at", "-id"]
        constraints = [_unique_source_id("sprint")]
        indexes = [models.Index(fields=["contract", "closed_at"], name="perf_sprint_closed_idx")]

    def __str__(self) -> str:
        return self.name or self.source_id


# The normalised event models, by the name parsers and the explain page use.
EVENT_MODELS: dict[str, type[TelemetryEvent]] = {
    "deployment": Deployment,
    "change": Change,
    "pull_request": PullRequest,
    "incident": Incident,
    "issue": TrackerIssue,
    "sprint": Sprint,
}


class TelemetryRecompute(models.Model):
    """A contract whose telemetry metrics must be computed again from ``since`` (the earliest event
    time a processed delivery touched). Written by processing, consumed by the ``telemetry.measure``
    task in one set-based pass over every pending contract."""

    contract = models.OneToOneField("contracts.Contract", on_delete=models.CASCADE, primary_key=True, related_name="+")
    since = models.DateField()
    requested_at = models.DateTimeField(default=timezone.now)

    class Meta:
        db_table = "performance_telemetryrecompute"
        ordering = ["requested_at"]

    def __str__(self) -> str:
        return f"contract {self.contract_id} from {self.since}"
