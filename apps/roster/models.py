"""The team roster: which of a vendor's engineers work on which contract (assignments), what the
statement of work promised (staffing plan), the substitutions the engineering owner approves, and the
findings the roster job keeps (docs/architecture/roster.md)."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from apps.core.models import TimeStampedModel, audit_tracked
from apps.core.validators import validate_currency_code
from apps.roster.choices import FindingKind, SubstitutionStatus
from apps.vendors.choices import SeniorityBand


@audit_tracked()
class Assignment(TimeStampedModel):
    """One engineer on one contract for a time: allocation, role, whether they are a key person (named
    in the contract's staffing plan), and optionally the rate billed for them. Active on a day when it
    started on or before it and has not ended before it (``end_date`` is the last day worked)."""

    engineer = models.ForeignKey("vendors.Engineer", on_delete=models.PROTECT, related_name="assignments")
    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="assignments")
    role = models.CharField(max_length=100, help_text="The role on this contract, e.g. tech lead.")
    allocation_percent = models.PositiveSmallIntegerField(
        "allocation (%)", default=100, validators=[MinValueValidator(1), MaxValueValidator(100)]
    )
    start_date = models.DateField()
    end_date = models.DateField(null=True, blank=True, help_text="The last day on the contract; empty: ongoing.")
    key_person = models.BooleanField(default=False, help_text="Named key personnel of the contract.")
    billed_rate = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    rate_currency = models.CharField(max_length=3, blank=True, validators=[validate_currency_code])

    class Meta:
        ordering = ["contract", "-key_person", "engineer__name", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(end_date__isnull=True) | models.Q(end_date__gte=models.F("start_date")),
                name="roster_assignment_ends_after_start",
                violation_error_message="An assignment cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=models.Q(allocation_percent__gte=1, allocation_percent__lte=100),
                name="roster_assignment_allocation_1_to_100",
                violation_error_message="The allocation is a percentage from 1 to 100.",
            ),
            models.CheckConstraint(
                condition=models.Q(billed_rate__isnull=True) | ~models.Q(rate_currency=""),
                name="roster_assignment_rate_has_currency",
                violation_error_message="Give the currency of the billed rate.",
            ),
        ]
        indexes = [models.Index(fields=["contract", "start_date"], name="roster_assignment_contract_idx")]

    def __str__(self) -> str:
        return f"{self.engineer.name} on {self.contract} ({self.role})"

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract-detail", args=[self.contract_id]) + "#team"


@audit_tracked()
class StaffingPlan(TimeStampedModel):
    """What the statement of work promised: headcount per seniority band (its lines). The named key
    personnel are the contract's assignments flagged ``key_person``."""

    contract = models.OneToOneField("contracts.Contract", on_delete=models.PROTECT, related_name="staffing_plan")
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["contract"]

    def __str__(self) -> str:
        return f"Staffing plan of {self.contract}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract-detail", args=[self.contract_id]) + "#team"


@audit_tracked()
class StaffingPlanLine(models.Model):
    """The headcount (full-time equivalents) a plan expects in one seniority band."""

    plan = models.ForeignKey(StaffingPlan, on_delete=models.CASCADE, related_name="lines")
    seniority = models.CharField(max_length=10, choices=SeniorityBand.choices)
    headcount = models.DecimalField(max_digits=5, decimal_places=1, validators=[MinValueValidator(Decimal(0))])

    class Meta:
        ordering = ["plan", "seniority"]
        constraints = [
            models.UniqueConstraint(
                fields=["plan", "seniority"],
                name="roster_plan_line_unique_band",
                violation_error_message="The plan already has a line for this seniority band.",
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=models.Q(headcount__gte=0),
                name="roster_plan_line_headcount_not_negative",
                violation_error_message="The headcount cannot be negative.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.headcount} × {self.get_seniority_display()}"


@audit_tracked()
class Substitution(TimeStampedModel):
    """A request to replace the engineer of one assignment (the leaver) by another (the joiner), decided
    by the vendor's engineering owner (``SUBSTITUTION_TRANSITIONS``). Approved, it ends the leaver's
    assignment after the handover overlap and starts the joiner's in the same role."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="substitutions")
    leaver_assignment = models.ForeignKey(Assignment, on_delete=models.PROTECT, related_name="substitutions_out")
    joiner = models.ForeignKey("vendors.Engineer", on_delete=models.PROTECT, related_name="substitutions_in")
    joiner_assignment = models.OneToOneField(
        Assignment, on_delete=models.PROTECT, null=True, blank=True, related_name="substitution_in", editable=False
    )
    reason = models.TextField()
    joins_on = models.DateField(help_text="The joiner's first day.")
    overlap_days = models.PositiveSmallIntegerField(
        "handover overlap (days)",
        default=0,
        validators=[MaxValueValidator(365)],
        help_text="Days both work on it; the leaver's last day is the joiner's first plus these days.",
    )
    status = models.CharField(max_length=10, choices=SubstitutionStatus.choices, default=SubstitutionStatus.REQUESTED)
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="+", editable=False
    )
    decided_at = models.DateTimeField(null=True, blank=True, editable=False)
    decision_note = models.TextField(blank=True)

    class Meta:
        ordering = ["contract", "-joins_on", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(reason=""),
                name="roster_substitution_reason_given",
                violation_error_message="Say why the engineer is replaced.",
            ),
            models.UniqueConstraint(
                fields=["leaver_assignment"],
                condition=models.Q(status__in=[SubstitutionStatus.REQUESTED, SubstitutionStatus.APPROVED]),
                name="roster_substitution_one_open_per_leaver",
                violation_error_message="This assignment already has a substitution requested or approved.",
                violation_error_code="unique",
            ),
        ]

    def __str__(self) -> str:
        return f"Substitution on {self.contract}: {self.get_status_display()}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract-detail", args=[self.contract_id]) + "#team"


class RosterFinding(models.Model):
    """One thing the roster job found (``FindingKind``) about a vendor's team, kept while it holds and
    closed when it no longer does; ``subject`` says what it is about within its kind (an assignment,
    an access grant, an identity), so a finding is stored — and notified — once. Written only by the
    roster job (``apps.roster.findings``)."""

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.PROTECT, related_name="roster_findings")
    contract = models.ForeignKey(
        "contracts.Contract", on_delete=models.PROTECT, null=True, blank=True, related_name="roster_findings"
    )
    kind = models.CharField(max_length=24, choices=FindingKind.choices)
    subject = models.CharField(max_length=255, help_text="What it is about, within its kind.")
    engineer = models.ForeignKey(
        "vendors.Engineer", on_delete=models.PROTECT, null=True, blank=True, related_name="roster_findings"
    )
    message = models.TextField()
    figures = models.JSONField(default=dict, blank=True)
    opened_at = models.DateTimeField()
    last_seen_at = models.DateTimeField()
    closed_at = models.DateTimeField(null=True, blank=True)

    class Meta:
        ordering = ["vendor", "contract", "kind", "-opened_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "kind", "subject"],
                condition=models.Q(closed_at__isnull=True),
                name="roster_finding_one_open",
                violation_error_message="This finding is already open.",
                violation_error_code="unique",
            ),
        ]
        indexes = [models.Index(fields=["contract", "closed_at"], name="roster_finding_contract_idx")]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.message}"

    def get_absolute_url(self) -> str:
        if self.contract_id:
            return reverse("contracts:contract-detail", args=[self.contract_id]) + "#team"
        return reverse("vendors:vendor-tab", args=[self.vendor_id, "team"])
