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
