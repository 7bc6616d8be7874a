from django.db import models

from apps.core.tones import BAD, GOOD, INFO, QUIET, WARN, register_tones


class SlaArea(models.TextChoices):
    DELIVERY = "delivery", "Delivery"
    QUALITY = "quality", "Quality"
    SUPPORT = "support", "Support"
    SECURITY = "security", "Security"
    DOCUMENTATION = "documentation", "Documentation"


class Comparator(models.TextChoices):
    GTE = "gte", "at least (≥)"
    LTE = "lte", "at most (≤)"


class WindowKind(models.TextChoices):
    MONTH = "month", "Calendar month"
    QUARTER = "quarter", "Calendar quarter"
    ROLLING = "rolling", "Rolling N days"


class Severity(models.TextChoices):
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


register_tones(
    {
        Severity.MINOR: INFO,
        Severity.MAJOR: WARN,
        Severity.CRITICAL: BAD,
    }
)


class EvaluationStatus(models.TextChoices):
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    NO_DATA = "no_data", "No data"
    INSUFFICIENT_DATA = "insufficient_data", "Insufficient data"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"


register_tones(
    {
        EvaluationStatus.MET: GOOD,
        EvaluationStatus.BREACHED: BAD,
        EvaluationStatus.NO_DATA: QUIET,
        EvaluationStatus.INSUFFICIENT_DATA: WARN,
        EvaluationStatus.ON_TRACK: GOOD,
        EvaluationStatus.AT_RISK: WARN,
    }
)


class BreachStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"
    WAIVED = "waived", "Waived"
    RETRACTED = "retracted", "Retracted"


register_tones(
    {
        BreachStatus.OPEN: BAD,
        BreachStatus.ACKNOWLEDGED: WARN,
        BreachStatus.RESOLVED: GOOD,
        BreachStatus.WAIVED: QUIET,
        BreachStatus.RETRACTED: QUIET,
    }
)


BREACH_TRANSITIONS: dict[str, tuple[str, ...]] = {
    BreachStatus.OPEN: (BreachStatus.ACKNOWLEDGED, BreachStatus.RESOLVED, BreachStatus.WAIVED, BreachStatus.RETRACTED),
    BreachStatus.ACKNOWLEDGED: (BreachStatus.RESOLVED, BreachStatus.WAIVED, BreachStatus.RETRACTED),
    BreachStatus.RESOLVED: (),
    BreachStatus.WAIVED: (),
    BreachStatus.RETRACTED: (BreachStatus.OPEN,),  # later data made the window breached again
}


class MeasurementSource(models.TextChoices):
    FORM = "form", "Form"
    API = "api", "API"
    IMPORT = "import", "Import"
    TELEMETRY = "telemetry", "Telemetry"
    ROSTER = "roster", "Team roster"


class MeasurementPeriodKind(models.TextChoices):
    """The period the entry grid logs a measurement for (a scorecard's period is a calendar month or
    quarter: ``apps.performance.scorecards.Period``)."""

    WEEK = "week", "Week"
    MONTH = "month", "Month"
    SPRINT = "sprint", "Sprint"


class ImportStatus(models.TextChoices):
    PENDING = "pending", "Awaiting confirmation"
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    FAILED = "failed", "Failed"


# A CSV import's lifecycle (``apps.performance.imports``): status → the statuses it may move to. Every
# queued or running import ends done or failed: the watchdog (``measurement_imports_watch``) sends a
# silent one to the workers again (queued → queued, running → queued), a bounded number of times, then
# fails it with the reason; its owner retries a failed one (failed → queued).
IMPORT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ImportStatus.PENDING: (ImportStatus.QUEUED,),
    ImportStatus.QUEUED: (ImportStatus.QUEUED, ImportStatus.RUNNING, ImportStatus.FAILED),
    ImportStatus.RUNNING: (ImportStatus.DONE, ImportStatus.FAILED, ImportStatus.QUEUED),
    ImportStatus.DONE: (),
    ImportStatus.FAILED: (ImportStatus.QUEUED,),
}


class TelemetrySource(models.TextChoices):
    """The delivery tool a source binding receives events from (``apps.performance.telemetry``)."""

    GITHUB = "github", "GitHub"
    GITLAB = "gitlab", "GitLab"
    JIRA = "jira", "Jira"
    PAGERDUTY = "pagerduty", "PagerDuty"
    GENERIC = "generic", "Generic event API"


class DeliveryStatus(models.TextChoices):
    """A received webhook delivery: stored (``received``), then turned into normalised events
    (``processed``), found to hold nothing the metrics use (``ignored``), or refused by its parser
    (``failed``, with the reason)."""

    RECEIVED = "received", "Received"
    PROCESSED = "processed", "Processed"
    IGNORED = "ignored", "Ignored"
    FAILED = "failed", "Failed"


register_tones(
    {
        DeliveryStatus.RECEIVED: INFO,
        DeliveryStatus.PROCESSED: GOOD,
        DeliveryStatus.IGNORED: QUIET,
        DeliveryStatus.FAILED: BAD,
    }
)


class DeploymentStatus(models.TextChoices):
    SUCCESS = "success", "Succeeded"
    FAILURE = "failure", "Failed"
    IN_PROGRESS = "in_progress", "In progress"
    OTHER = "other", "Other"


register_tones(
    {
        DeploymentStatus.SUCCESS: GOOD,
        DeploymentStatus.FAILURE: BAD,
        DeploymentStatus.IN_PROGRESS: INFO,
        DeploymentStatus.OTHER: QUIET,
    }
)


class IncidentStatus(models.TextChoices):
    TRIGGERED = "triggered", "Triggered"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"


# "acknowledged" and "resolved" have a breach's tones already (one tone per value everywhere).
register_tones({IncidentStatus.TRIGGERED: BAD})


class PullRequestState(models.TextChoices):
    OPEN = "open", "Open"
    MERGED = "merged", "Merged"
    CLOSED = "closed", "Closed without merging"


class BindingHealth(models.TextChoices):
    """A binding's health (``SourceBinding.health``): events arrive, it is silent for longer than
    ``TELEMETRY_SILENT_DAYS``, it has never received one, or it is switched off."""

    HEALTHY = "healthy", "Receiving"
    SILENT = "silent", "Silent"
    WAITING = "waiting", "Waiting for the first event"
    INACTIVE = "inactive", "Switched off"


register_tones(
    {
        BindingHealth.HEALTHY: GOOD,
        BindingHealth.SILENT: WARN,
        BindingHealth.WAITING: INFO,
        BindingHealth.INACTIVE: QUIET,
    }
)

# The KPIs telemetry can measure (DESIGN: "Delivery telemetry"), in the order pages list them, and what
# a new binding of each source measures unless its owner chooses otherwise. A KPI that a contract's
# active binding measures is written with source ``telemetry`` and refused from any other source.
TELEMETRY_KPI_CODES: tuple[str, ...] = (
    "deployment_frequency",
    "lead_time_for_changes",
    "change_failure_rate",
    "time_to_restore",
    "bug_resolution_time",
    "first_response_time",
    "sprint_velocity",
    "say_do_ratio",
    "pr_review_turnaround",
    "rework_rate",
)
_GIT_KPIS = (
    "deployment_frequency",
    "lead_time_for_changes",
    "change_failure_rate",
    "pr_review_turnaround",
    "rework_rate",
)
TELEMETRY_DEFAULT_KPIS: dict[str, tuple[str, ...]] = {
    TelemetrySource.GITHUB: _GIT_KPIS,
    TelemetrySource.GITLAB: _GIT_KPIS,
    TelemetrySource.JIRA: ("bug_resolution_time", "first_response_time", "sprint_velocity", "say_do_ratio"),
    TelemetrySource.PAGERDUTY: ("time_to_restore",),
    TelemetrySource.GENERIC: TELEMETRY_KPI_CODES,
}
