"""The KPI catalogue and performance bands (as data); the measurements logged against contracts are
``apps.performance``'s."""

from __future__ import annotations

from django.core.validators import MinValueValidator, RegexValidator
from django.db import models

from apps.core.models import TimeStampedModel, audit_tracked
from apps.kpis.choices import Aggregation, Band, BandSource, Direction

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
    # Scorecards (apps.performance.scorecards): what a KPI is held to where no SLA term of the contract sets a target.
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
