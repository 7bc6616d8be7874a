"""KPI definitions, the measurements logged against contracts, and performance bands (as data)."""

from __future__ import annotations

from django.conf import settings
from django.core.validators import MinValueValidator, RegexValidator
from django.db import models
from django.urls import reverse

from apps.core.models import TimeStampedModel, audit_tracked
from apps.kpis.choices import Aggregation, Band, BandSource, Direction, ImportStatus, MeasurementSource

code_validator = RegexValidator(
    r"^[a-z][a-z0-9_]*$", "Use lower-case letters, digits and underscores, starting with a letter."
)


@audit_tracked()
class KpiDefinition(TimeStampedModel):
    """A measurable indicator. Ratio KPIs (``aggregation == ratio``) are logged as numerator and
    denominator; their value is ``numerator ÷ denominator × multiplier`` (100 for percentages)."""

    code = models.CharField(max_length=64, unique=True, validators=[code_validator])
    name = models.CharField(max_length=150)
    unit = models.CharField(max_length=32, help_text="e.g. %, hours, deploy-days/week, points")
    direction = models.CharField(max_length=8, choices=Direction.choices)
    aggregation = models.CharField(
        max_length=8, choices=Aggregation.choices, help_text="Default aggregation over an SLA window."
    )
    multiplier = models.DecimalField(
        max_digits=10,
        decimal_places=4,
        default=1,
        validators=[MinValueValidator(0)],
        help_text="Ratio KPIs: value = numerator ÷ denominator × multiplier (100 for a percentage).",
    )
    numerator_label = models.CharField(max_length=100, blank=True)
    denominator_label = models.CharField(max_length=100, blank=True)
    min_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    max_value = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    description = models.TextField(blank=True, help_text="A plain-language definition, shown wherever it is entered.")
    # Scorecards (apps.kpis.scorecards): what a KPI is held to where no SLA term of the contract sets a target.
    default_target = models.DecimalField(
        max_digits=14,
        decimal_places=4,
        null=True,
        blank=True,
        help_text="Scorecards: the target where a contract has no SLA term for this KPI (“at least” when higher "
        "is better, “at most” when lower is). Empty: scored only where an SLA term sets a target.",
    )
    score_tolerance_percent = models.DecimalField(
        max_digits=7,
        decimal_places=2,
        null=True,
        blank=True,
        help_text="Scorecards: how far past its target the KPI's score falls from 100 to 0, as a percentage of the "
        "target (100: zero at twice an “at most” target, or at nothing for an “at least” one). Empty: 100.",
    )

    class Meta:
        ordering = ["name"]
        verbose_name = "KPI definition"
        constraints = [
            models.CheckConstraint(
                condition=models.Q(score_tolerance_percent__isnull=True) | models.Q(score_tolerance_percent__gt=0),
                name="kpis_kpi_score_tolerance_positive",
                violation_error_message="The score tolerance must be above zero (leave it empty for the default).",
            ),
            models.CheckConstraint(
                condition=models.Q(min_value__isnull=True)
                | models.Q(max_value__isnull=True)
                | models.Q(min_value__lte=models.F("max_value")),
                name="kpis_kpi_value_range_valid",
                violation_error_message="The lowest allowed value cannot be above the highest.",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def is_ratio(self) -> bool:
        return self.aggregation == Aggregation.RATIO


@audit_tracked()
class Measurement(TimeStampedModel):
    """One value of one KPI for one contract and period. It belongs to the SLA window that contains
    its ``period_end``. Posting the same (contract, KPI, period) again updates this row."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="measurements")
    kpi = models.ForeignKey(KpiDefinition, on_delete=models.PROTECT, related_name="measurements")
    period_start = models.DateField()
    period_end = models.DateField()
    value = models.DecimalField(max_digits=16, decimal_places=4)
    numerator = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    denominator = models.DecimalField(max_digits=16, decimal_places=4, null=True, blank=True)
    source = models.CharField(max_length=8, choices=MeasurementSource.choices, default=MeasurementSource.FORM)
    recorded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="measurements"
    )
    note = models.TextField(blank=True)

    class Meta:
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


@audit_tracked()
class PerformanceBand(TimeStampedModel):
    """A band of a KPI's values (``lower ≤ value < upper``; either bound may be open), keyed by its
    source and report year: DORA's published bands, or bands the organisation defines itself."""

    kpi = models.ForeignKey(KpiDefinition, on_delete=models.CASCADE, related_name="bands")
    source = models.CharField(max_length=16, choices=BandSource.choices)
    year = models.PositiveSmallIntegerField(validators=[MinValueValidator(2000)])
    band = models.CharField(max_length=8, choices=Band.choices)
    rank = models.PositiveSmallIntegerField(help_text="1 = best.")
    lower = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    upper = models.DecimalField(max_digits=14, decimal_places=4, null=True, blank=True)
    label = models.CharField(max_length=150, blank=True, help_text="How the source words it, e.g. “on demand”.")

    class Meta:
        ordering = ["kpi", "source", "-year", "rank"]
        constraints = [
            models.UniqueConstraint(
                fields=["kpi", "source", "year", "band"],
                name="kpis_band_unique",
                violation_error_message="This KPI already has this band for this source and year.",
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=models.Q(lower__isnull=True)
                | models.Q(upper__isnull=True)
                | models.Q(lower__lt=models.F("upper")),
                name="kpis_band_bounds_valid",
                violation_error_message="A band's lower bound must be below its upper bound.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.kpi} {self.get_source_display()} {self.year}: {self.get_band_display()}"


# The uploaded rows and their error list are the import's payload, not its history: the audit trail
# records who imported what and how it went, without a copy of the file at every progress update.
@audit_tracked(exclude=["rows", "errors"])
class MeasurementImport(TimeStampedModel):
    """A CSV file of measurements: uploaded and previewed (``pending``), confirmed (``queued``), written
    by the Celery task ``kpis.import_measurements`` in chunks (``running``, ``processed_rows`` moves on
    after each), then ``done`` (or ``failed``). The parsed rows are kept here, not as a file path, so a
    worker on another machine reads them from the database."""

    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="measurement_imports",
        help_text="Who uploaded it; the measurements are recorded as theirs.",
    )
    file_name = models.CharField(max_length=255)
    status = models.CharField(max_length=8, choices=ImportStatus.choices, default=ImportStatus.PENDING)
    rows = models.JSONField(
        default=list, help_text="The file's data rows: each the cells by column, with its row number in the file."
    )
    total_rows = models.PositiveIntegerField(default=0)
    valid_rows = models.PositiveIntegerField(default=0, help_text="Rows without an error in the preview.")
    processed_rows = models.PositiveIntegerField(default=0)
    created_count = models.PositiveIntegerField(default=0)
    updated_count = models.PositiveIntegerField(default=0)
    unchanged_count = models.PositiveIntegerField(default=0)
    error_count = models.PositiveIntegerField(default=0)
    errors = models.JSONField(
        default=list, blank=True, help_text="Row errors: [{row, errors: {column: [messages]}}] (the first ones)."
    )
    failure = models.TextField(blank=True, help_text="Why the import failed, when it did.")
    queued_at = models.DateTimeField(null=True, blank=True)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["-created_at", "-id"]
        verbose_name = "measurement import"
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
        return reverse("kpis:import-detail", args=[self.pk])

    @property
    def is_active(self) -> bool:
        """Queued or running: the page keeps polling its progress."""
        return self.status in (ImportStatus.QUEUED, ImportStatus.RUNNING)

    @property
    def progress_percent(self) -> int:
        if self.status == ImportStatus.DONE or not self.total_rows:
            return 100 if self.status == ImportStatus.DONE else 0
        return min(100, self.processed_rows * 100 // self.total_rows)
