"""Performance measurement and SLAs: the measurements logged against contracts (and their CSV
imports), the SLA terms of contracts, the evaluation of each term's windows, and breaches.

These models moved here from ``contracts`` and ``kpis`` without moving their data: each keeps its
table (``Meta.db_table``) and its audit trail's table (``meta`` of the audit decorator), so their
names still say where they were born (``contracts_slaterm``, ``kpis_measurement``). Migration
``0001_models_from_contracts_and_kpis`` explains the move.
"""

from __future__ import annotations

from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from apps.core.formatting import format_number, format_period
from apps.core.models import TimeStampedModel, audit_tracked
from apps.core.validators import validate_currency_code
from apps.kpis.choices import Aggregation
from apps.performance.choices import (
    BreachStatus,
    Comparator,
    EvaluationStatus,
    ImportStatus,
    MeasurementSource,
    Severity,
    SlaArea,
    WindowKind,
)
from apps.performance.term_rules import sla_term_check

MAX_ROLLING_WINDOW_DAYS = 366


@audit_tracked(meta={"db_table": "contracts_slatermevent"})
class SlaTerm(TimeStampedModel):
    """A measurable obligation: the KPI, how it is compared to its target, over which window."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="sla_terms")
    area = models.CharField(max_length=16, choices=SlaArea.choices)
    kpi = models.ForeignKey("kpis.KpiDefinition", on_delete=models.PROTECT, related_name="sla_terms")
    comparator = models.CharField(max_length=3, choices=Comparator.choices)
    target = models.DecimalField(max_digits=14, decimal_places=4)
    warning_target = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Early-warning threshold on the safe side of the target.",
    )
    window = models.CharField(max_length=8, choices=WindowKind.choices, default=WindowKind.MONTH)
    window_days = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=[MinValueValidator(1), MaxValueValidator(MAX_ROLLING_WINDOW_DAYS)]
    )
    aggregation = models.CharField(
        max_length=8, choices=Aggregation.choices, blank=True, help_text="Blank: the KPI's default."
    )
    min_samples = models.PositiveSmallIntegerField(default=1, validators=[MinValueValidator(1)])
    severity = models.CharField(max_length=8, choices=Severity.choices, default=Severity.MAJOR)
    credit_percent = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        default=Decimal(0),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(100))],
        help_text="Service credit owed on a breach, as % of the window's contract value.",
    )
    description = models.TextField(blank=True)

    class Meta:
        db_table = "contracts_slaterm"
        ordering = ["contract", "area", "id"]
        verbose_name = "SLA term"
        constraints = [
            models.CheckConstraint(
                condition=(models.Q(window=WindowKind.ROLLING) & models.Q(window_days__isnull=False))
                | (~models.Q(window=WindowKind.ROLLING) & models.Q(window_days__isnull=True)),
                name="contracts_term_window_days_rolling_only",
                violation_error_message="Give the number of days for a rolling window, and only for a rolling window.",
            ),
            models.CheckConstraint(
                condition=models.Q(warning_target__isnull=True)
                | models.Q(comparator=Comparator.GTE, warning_target__gte=models.F("target"))
                | models.Q(comparator=Comparator.LTE, warning_target__lte=models.F("target")),
                name="contracts_term_warning_on_safe_side",
                violation_error_message="The warning target must sit on the safe side of the target "
                "(above it for “at least”, below it for “at most”).",
            ),
            models.CheckConstraint(
                condition=models.Q(credit_percent__gte=0, credit_percent__lte=100),
                name="contracts_term_credit_0_to_100",
                violation_error_message="The service credit is a percentage from 0 to 100.",
            ),
            models.CheckConstraint(
                condition=models.Q(min_samples__gte=1),
                name="contracts_term_min_samples_positive",
                violation_error_message="At least one sample is needed.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.get_comparator_display()} {format_number(self.target)} ({self.get_window_display()})"

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract-detail", args=[self.contract_id]) + "#sla-terms"

    def clean(self) -> None:
        super().clean()
        if self.kpi_id is not None:  # without a KPI the field error says so; nothing to compare with
            sla_term_check(
                kpi=self.kpi, comparator=self.comparator, target=self.target, warning_target=self.warning_target
            )

    @property
    def effective_aggregation(self) -> str:
        return self.aggregation or self.kpi.aggregation


# The audit trail of an evaluation is its revisions. A sweep writes hundreds of thousands of them in one
# statement, so the triggers are statement-level (row-level ones would run one INSERT each). A new
# evaluation is not copied into the trail: the row is its own record, and copying it doubled the cost
# of a first sweep. Each revision records the evaluation as it stood before ("superseded"), each
# deletion the deleted row: the current row and its superseded versions are its whole history.
@pghistory.track(
    pghistory.UpdateEvent("superseded", row=pghistory.Old),
    pghistory.DeleteEvent(),
    level=pghistory.Statement,
    meta={"db_table": "contracts_slaevaluationevent"},
)
class SlaEvaluation(models.Model):
    """The evaluation of one SLA term over one window (closed, or the open one as an early warning)."""

    # No index of its own: the unique (term, window) constraint's index starts with it.
    term = models.ForeignKey(SlaTerm, on_delete=models.PROTECT, related_name="evaluations", db_index=False)
    window_start = models.DateField()
    window_end = models.DateField()
    value = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    samples = models.PositiveIntegerField(default=0)
    status = models.CharField(max_length=20, choices=EvaluationStatus.choices)
    is_closed = models.BooleanField(default=True, help_text="False while the window is still open.")
    evaluated_at = models.DateTimeField()

    class Meta:
        db_table = "contracts_slaevaluation"
        ordering = ["-window_start", "term_id"]
        verbose_name = "SLA evaluation"
        constraints = [
            models.UniqueConstraint(
                fields=["term", "window_start", "window_end"],
                name="contracts_evaluation_unique_window",
                violation_error_message="This SLA term already has an evaluation for this window.",
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=models.Q(window_end__gte=models.F("window_start")),
                name="contracts_evaluation_window_valid",
                violation_error_message="A window cannot end before it starts.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.term} {format_period(self.window_start, self.window_end)}: {self.get_status_display()}"


# Statement-level audit triggers: a sweep opens tens of thousands of breaches in one statement, and
# row-level triggers would run one INSERT each (the same events are recorded either way).
@audit_tracked(level=pghistory.Statement, meta={"db_table": "contracts_breachevent"})
class Breach(TimeStampedModel):
    """A closed window that missed its target: at most one per term and window, never deleted."""

    # No index of its own: the unique (term, window) constraint's index starts with it.
    term = models.ForeignKey(SlaTerm, on_delete=models.PROTECT, related_name="breaches", db_index=False)
    evaluation = models.OneToOneField(SlaEvaluation, on_delete=models.PROTECT, related_name="breach")
    window_start = models.DateField()
    window_end = models.DateField()
    value = models.DecimalField(max_digits=16, decimal_places=4)
    target = models.DecimalField(max_digits=14, decimal_places=4)
    severity = models.CharField(max_length=8, choices=Severity.choices)
    status = models.CharField(max_length=12, choices=BreachStatus.choices, default=BreachStatus.OPEN)
    credit_amount = models.DecimalField(max_digits=14, decimal_places=2, default=Decimal(0))
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    detected_at = models.DateTimeField()
    acknowledged_at = models.DateTimeField(null=True, blank=True)
    acknowledged_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolved_at = models.DateTimeField(null=True, blank=True)
    resolved_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    resolution_note = models.TextField(blank=True)
    waived_at = models.DateTimeField(null=True, blank=True)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+"
    )
    waiver_reason = models.TextField(blank=True)
    retracted_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        db_table = "contracts_breach"
        ordering = ["-window_start", "-detected_at"]
        verbose_name_plural = "breaches"
        permissions = [
            ("acknowledge_breach", "Can acknowledge a breach"),
            ("resolve_breach", "Can resolve a breach"),
            ("waive_breach", "Can waive a breach"),
        ]
        constraints = [
            models.UniqueConstraint(
                fields=["term", "window_start", "window_end"],
                name="contracts_breach_unique_window",
                violation_error_message="This SLA term already has a breach for this window.",
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=models.Q(credit_amount__gte=0),
                name="contracts_breach_credit_non_negative",
                violation_error_message="A service credit cannot be negative.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=BreachStatus.WAIVED) | ~models.Q(waiver_reason=""),
                name="contracts_breach_waiver_has_reason",
                violation_error_message="A waiver needs its reason.",
            ),
        ]
        indexes = [models.Index(fields=["status", "severity"], name="contracts_breach_status_idx")]

    def __str__(self) -> str:
        return f"Breach of {self.term} ({format_period(self.window_start, self.window_end)})"

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract-detail", args=[self.term.contract_id]) + f"#breach-{self.pk}"

    @property
    def magnitude(self) -> Decimal:
        """How far the window's value missed the target (in the KPI's unit)."""
        return abs(self.value - self.target)


@audit_tracked(meta={"db_table": "kpis_measurementevent"})
class Measurement(TimeStampedModel):
    """One value of one KPI for one contract and period. It belongs to the SLA window that contains
    its ``period_end``. Posting the same (contract, KPI, period) again updates this row."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="measurements")
    kpi = models.ForeignKey("kpis.KpiDefinition", on_delete=models.PROTECT, related_name="measurements")
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.DecimalField(max_digits=16, decimal_places=4)
    numerator = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    source = models.CharField(max_length=12, choices=MeasurementSource.choices, default=MeasurementSource.FORM)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="measurements"
    )
    note = models.TextField(blank=True)

    class Meta:
        db_table = "kpis_measurement"
        ordering = ["-period_end", "contract_id", "kpi_id"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "kpi", "period_start", "period_end"],
                name="kpis_measurement_unique_period",
                violation_error_message="This contract already has a measurement of this KPI for this period.",
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="kpis_measurement_period_valid",
                violation_error_message="The period cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=models.Q(numerator__isnull=True, denominator__isnull=True)
                | models.Q(numerator__isnull=False, denominator__gt=0),
                name="kpis_measurement_ratio_parts_valid",
                violation_error_message="Give both numerator and denominator (denominator above zero), or neither.",
            ),
            models.CheckConstraint(
                condition=models.Q(numerator__isnull=True) | models.Q(numerator__gte=0),
                name="kpis_measurement_numerator_non_negative",
                violation_error_message="The numerator cannot be negative.",
            ),
        ]
        indexes = [
            models.Index(fields=["kpi", "period_end"], name="kpis_meas_kpi_end_idx"),
            # The SLA sweep reads each window's measurements by contract, KPI and period end; with the
            # values included it is an index-only range scan (built concurrently by migration 0005).
            models.Index(
                fields=["contract", "kpi", "period_end"],
                include=["period_start", "id", "value", "numerator", "denominator", "updated_at"],
                name="kpis_meas_sla_window_idx",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.period_start}–{self.period_end}: {self.value}"


# The uploaded rows and their error list are the import's payload, not its history: the audit trail
# records who imported what and how it went, without a copy of the file at every progress update (nor
# the heartbeat, which only says a worker is alive, nor the per-sheet counts, which the totals repeat).
# The table keeps the name it was born with (``kpis_measurementimport``) when imports were of
# measurements only: renaming it would rewrite its audit triggers and event table for nothing.
@audit_tracked(exclude=["rows", "errors", "sheets", "heartbeat_at"], meta={"db_table": "kpis_measurementimportevent"})
class ImportJob(TimeStampedModel):
    """A file (CSV, or an XLSX workbook) for one register, or a workbook with a sheet per register
    (``register`` = ``"workbook"``): uploaded and previewed (``pending``), confirmed (``queued``),
    written by the Celery task ``imports.run`` (``apps.performance.tasks``) in chunks (``running``,
    ``processed_rows`` moves on after each), then ``done`` (or ``failed``, with the reason). The parsed
    rows are kept here, not as a file path, so a worker on another machine reads them from the
    database. ``IMPORT_TRANSITIONS`` is its lifecycle; a queued or running import that shows no sign of
    life (``heartbeat_at``) is sent to the workers again by the watchdog, ``attempts`` times at most,
    then failed. The engine: ``apps.performance.imports``; the registers: ``apps.core.importing``."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="import_jobs",
        help_text="Who uploaded it; the records are written as theirs.",
    )
    register = models.CharField(
        max_length=40,
        default="measurements",
        help_text="The register it imports into (apps.core.importing), or “workbook”: a sheet per register.",
    )
    file_name = models.CharField(max_length=255)
    status = models.CharField(max_length=8, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows = models.JSONField(
        default=list,
        help_text="The file's data rows: each the cells by column, with its register, sheet and row number.",
    )
    sheets = models.JSONField(
        default=list,
        blank=True,
        help_text="Per register (sheet): [{register, sheet, label, rows, valid, created, updated, unchanged, errors}].",
    )
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0, help_text="Rows without an error in the preview.")
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list,
        blank=True,
        help_text="Row errors: [{row, register, sheet, errors: {column: [messages]}}] (the first ones).",
    )
    failure = models.TextField(blank=True, help_text="Why the import failed, when it did.")
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    heartbeat_at = models.DateTimeField(
        null=True,
        blank=True,
        help_text="The last sign of life while queued or running: sent to the workers, picked up, a chunk written.",
    )
    attempts = models.PositiveSmallIntegerField(
        default=0, help_text="How many times it was sent to the workers since it was started or retried."
    )

    class Meta:
        db_table = "kpis_measurementimport"
        ordering = ["-created_at", "-id"]
        verbose_name = "import"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(processed_rows__lte=models.F("total_rows")),
                name="kpis_import_processed_within_total",
                violation_error_message="An import cannot process more rows than its file has.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.file_name} ({self.created_at:%Y-%m-%d %H:%M})" if self.created_at else self.file_name

    def get_absolute_url(self) -> str:
        return reverse("imports:detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        """Queued or running: the page keeps polling its progress."""
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def progress_percent(self) -> int:
        if self.status == ImportStatus.DONE or not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)


# The telemetry models live in their own module (apps.performance.telemetry); Django finds an app's
# models here.
from apps.performance.telemetry.models import (  # noqa: E402
    Change,
    Delivery,
    Deployment,
    DeploymentChange,
    Incident,
    PullRequest,
    SourceBinding,
    Sprint,
    TelemetryRecompute,
    TrackerIssue,
)

__all__ = [
    "Breach",
    "Change",
    "Delivery",
    "Deployment",
    "DeploymentChange",
    "ImportJob",
    "Incident",
    "Measurement",
    "PullRequest",
    "SlaEvaluation",
    "SlaTerm",
    "SourceBinding",
    "Sprint",
    "TelemetryRecompute",
    "TrackerIssue",
]


class VendorScorecardRollup(models.Model):
    """A vendor's scorecard for one period, worked out and stored
    (``apps.performance.scorecards.league_scorecards``): its score and the period before's, from which the
    standing and trend follow. Dropped as soon as anything it is
    made of changes (``apps.core.rollups``); bookkeeping, so it has no audit trail of its own."""

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.CASCADE, related_name="+")
    period_kind = models.CharField(max_length=10)
    period_start = models.DateField()
    score = models.DecimalField(max_digits=6, decimal_places=1, null=True)
    previous_score = models.DecimalField(max_digits=6, decimal_places=1, null=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["period_kind", "period_start", "vendor"], name="performance_scorecard_rollup_unique"
            )
        ]
        indexes = [models.Index(fields=["vendor"], name="performance_scorecard_rollup_v")]

    def __str__(self) -> str:
        return f"Scorecard of vendor {self.vendor_id} for {self.period_kind} {self.period_start}"
