"""Contracts with their clauses and exit plan, SLA terms, their evaluations, and breaches."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal

import pghistory
from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from apps.contracts.choices import (
    BreachStatus,
    ClauseAssessment,
    ClauseKind,
    Comparator,
    ContractStatus,
    EngagementModel,
    EvaluationStatus,
    ExitItemKind,
    Renewal,
    Severity,
    SlaArea,
    WindowKind,
)
from apps.contracts.term_rules import sla_term_check
from apps.core.models import TimeStampedModel, audit_tracked
from apps.core.validators import validate_currency_code
from apps.kpis.choices import Aggregation

MAX_ROLLING_WINDOW_DAYS = 366
MAX_RENEWAL_TERM_MONTHS = 1200


def contract_cancel_by_date(*, end_date: date | None, renewal: str, notice_days: int | None) -> date | None:
    """The last day on which the contract can still be cancelled (automatic renewal) or must be
    renewed (explicit renewal): ``end_date − notice_days``. None when it simply ends."""
    if end_date is None or renewal == Renewal.NONE:
        return None
    return end_date - timedelta(days=notice_days or 0)


@audit_tracked()
class Contract(TimeStampedModel):
    """An agreement with a vendor: a master agreement or a statement of work under one (``parent``)."""

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="contracts")
    parent = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="children",
        help_text="The master agreement this statement of work falls under.",
    )
    title = models.CharField(max_length=200)
    reference = models.CharField(max_length=64, blank=True, help_text="Our contract number.")
    engagement_model = models.CharField(max_length=20, choices=EngagementModel.choices)
    functions = models.ManyToManyField("functions.Function", blank=True, related_name="contracts")
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="Empty: open-ended.")
    renewal = models.CharField(max_length=10, choices=Renewal.choices, default=Renewal.NONE)
    notice_days = models.PositiveSmallIntegerField(default=0, validators=[MaxValueValidator(3650)])
    renewal_term_months = models.PositiveSmallIntegerField(
        null=True,
        blank=True,
        validators=[MinValueValidator(1), MaxValueValidator(MAX_RENEWAL_TERM_MONTHS)],
        help_text="Automatic renewal: each renewal extends the end date by this many months. "
        "Empty: by the original term (remembered at the first renewal).",
    )
    renewal_term_days = models.PositiveIntegerField(
        null=True,
        blank=True,
        editable=False,
        help_text="Derived at the first automatic renewal: the original term in days, when it is not a "
        "whole number of months.",
    )
    cancel_by = models.DateField(
        null=True,
        blank=True,
        editable=False,
        help_text="Derived: the end date minus the notice period, when the contract renews.",
    )
    value = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        validators=[MinValueValidator(Decimal(0))],
        help_text="Total contract value over its term.",
    )
    currency = models.CharField(max_length=3, default="USD", validators=[validate_currency_code])
    status = models.CharField(max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    governing_law = models.CharField(max_length=100, blank=True)
    text = models.TextField(blank=True, help_text="The contract's text, checked for vague language.")

    class Meta:
        ordering = ["-start_date", "title"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="contracts_contract_dates_valid",
                violation_error_message="A contract cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=models.Q(value__gte=0),
                name="contracts_contract_value_non_negative",
                violation_error_message="The contract value cannot be negative.",
            ),
            models.CheckConstraint(
                condition=~models.Q(parent=models.F("id")),
                name="contracts_contract_not_own_parent",
                violation_error_message="A contract cannot be its own master agreement.",
            ),
            models.CheckConstraint(
                condition=models.Q(renewal_term_months__isnull=True) | models.Q(renewal_term_days__isnull=True),
                name="contracts_contract_one_renewal_term",
                violation_error_message="A renewal term is in months or in days, not both.",
            ),
        ]
        indexes = [
            models.Index(fields=["status", "end_date"], name="contracts_status_end_idx"),
            models.Index(fields=["cancel_by"], name="contracts_cancel_by_idx"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract-detail", args=[self.pk])

    def save(self, *args: object, **kwargs: object) -> None:
        # Derived state kept true on every save, whoever saves.
        self.cancel_by = contract_cancel_by_date(
            end_date=self.end_date, renewal=self.renewal, notice_days=self.notice_days
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "cancel_by"}  # type: ignore[misc]
        super().save(*args, **kwargs)  # type: ignore[arg-type]

    def clean(self) -> None:
        from django.core.exceptions import ValidationError

        errors: dict[str, str] = {}
        if self.parent_id is not None:
            parent = self.parent
            assert parent is not None
            if parent.parent_id is not None:
                errors["parent"] = "Statements of work hang under a master agreement, which itself has no parent."
            elif self.vendor_id is not None and parent.vendor_id != self.vendor_id:
                errors["parent"] = "The master agreement must be with the same vendor."
            elif self.pk is not None and parent.pk == self.pk:
                errors["parent"] = "A contract cannot be its own master agreement."
        if self.renewal != Renewal.NONE and self.end_date is None:
            errors["end_date"] = "A renewing contract needs an end date (its cancel-by date is derived from it)."
        if errors:
            raise ValidationError(errors)


@audit_tracked()
class ContractClause(TimeStampedModel):
    """One line of the clause checklist: is the clause present, weak or missing?"""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="clauses")
    kind = models.CharField(max_length=20, choices=ClauseKind.choices)
    assessment = models.CharField(max_length=8, choices=ClauseAssessment.choices, default=ClauseAssessment.MISSING)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["contract", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "kind"],
                name="contracts_clause_unique_kind",
                violation_error_message="This contract already has this clause on its checklist.",
                violation_error_code="unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.get_assessment_display()}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract-detail", args=[self.contract_id]) + "#clauses"


@audit_tracked()
class ExitPlanItem(TimeStampedModel):
    """One line of the contract's exit plan, with its owner and the date it was done."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="exit_plan_items")
    kind = models.CharField(max_length=20, choices=ExitItemKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="exit_plan_items"
    )
    done_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)
    # An item that does not apply (nothing to hand back) is waived, never silently skipped: the vendor
    # cannot exit until each item is done or waived with its reason.
    waived_on = models.DateField(null=True, blank=True, editable=False)
    waived_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, editable=False, related_name="+"
    )
    waiver_reason = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["contract", "kind"]
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "kind"],
                name="contracts_exit_item_unique_kind",
                violation_error_message="This contract's exit plan already has this item.",
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=models.Q(waived_on__isnull=True) | ~models.Q(waiver_reason=""),
                name="contracts_exit_item_waiver_has_reason",
                violation_error_message="Waiving an exit-plan item needs its reason.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()} ({self.contract})"

    @property
    def is_closed(self) -> bool:
        """Done, or waived with a reason: nothing left to do before the vendor may exit."""
        return self.done_on is not None or self.waived_on is not None

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract-detail", args=[self.contract_id]) + "#exit-plan"


@audit_tracked()
class SlaTerm(TimeStampedModel):
    """A measurable obligation: the KPI, how it is compared to its target, over which window."""

    contract = models.ForeignKey(Contract, on_delete=models.PROTECT, related_name="sla_terms")
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
        return f"{self.kpi} {self.get_comparator_display()} {self.target} ({self.get_window_display()})"

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
    pghistory.UpdateEvent("superseded", row=pghistory.Old), pghistory.DeleteEvent(), level=pghistory.Statement
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
        return f"{self.term} {self.window_start}–{self.window_end}: {self.get_status_display()}"


# Statement-level audit triggers: a sweep opens tens of thousands of breaches in one statement, and
# row-level triggers would run one INSERT each (the same events are recorded either way).
@audit_tracked(level=pghistory.Statement)
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
        return f"Breach of {self.term} ({self.window_start}–{self.window_end})"

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract-detail", args=[self.term.contract_id]) + f"#breach-{self.pk}"

    @property
    def magnitude(self) -> Decimal:
        """How far the window's value missed the target (in the KPI's unit)."""
        return abs(self.value - self.target)
