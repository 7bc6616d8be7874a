"""The records of the total cost of ownership: the vendors' invoices against their contracts, with the
hours they bill by role (docs/architecture/costs.md)."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from apps.core.models import TimeStampedModel, audit_tracked
from apps.core.validators import validate_currency_code
from apps.costs.choices import InvoiceStatus
from apps.vendors.choices import SeniorityBand


@audit_tracked()
class Invoice(TimeStampedModel):
    """One invoice of the contract's vendor for a period of work: its number (unique per contract, any
    case), amount and currency, and where it stands (``INVOICE_TRANSITIONS``). Approved and paid invoices
    count as invoiced; the flags (``apps.costs.flags``) compare it with the contract's value and term."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="invoices")
    number = models.CharField(max_length=64, help_text="The vendor's invoice number.")
    period_start = models.DateField(help_text="The first day of the work invoiced.")
    period_end = models.DateField(help_text="The last day of the work invoiced.")
    amount = models.DecimalField(max_digits=14, decimal_places=2, validators=[MinValueValidator(Decimal(0))])
    currency = models.CharField(max_length=3, validators=[validate_currency_code])
    status = models.CharField(max_length=10, choices=InvoiceStatus.choices, default=InvoiceStatus.RECEIVED)
    received_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True)

    class Meta:
        ordering = ["contract", "-period_end", "number", "id"]
        constraints = [
            models.UniqueConstraint(
                "contract",
                Lower("number"),
                name="costs_invoice_unique_number_per_contract",
                violation_error_message="The contract already has an invoice with this number.",
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=models.Q(period_end__gte=models.F("period_start")),
                name="costs_invoice_period_ends_after_start",
                violation_error_message="The invoice's period cannot end before it starts.",
            ),
            models.CheckConstraint(
                condition=models.Q(amount__gte=0),
                name="costs_invoice_amount_not_negative",
                violation_error_message="The invoice's amount cannot be negative.",
            ),
            models.CheckConstraint(
                condition=~models.Q(number=""),
                name="costs_invoice_number_given",
                violation_error_message="Give the invoice's number.",
            ),
        ]
        indexes = [models.Index(fields=["contract", "status"], name="costs_invoice_contract_idx")]

    def __str__(self) -> str:
        return f"Invoice {self.number}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract-detail", args=[self.contract_id]) + "#invoices"

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        # Before the validators: "eur" is EUR, and a number is compared without its surrounding spaces.
        self.number = (self.number or "").strip()
        self.currency = (self.currency or "").strip().upper()
        super().clean_fields(exclude=exclude)


@audit_tracked()
class InvoiceHours(models.Model):
    """The hours one invoice bills for one role (optional; one line per role, any case)."""

    invoice = models.ForeignKey(Invoice, on_delete=models.CASCADE, related_name="hours")
    role = models.CharField(max_length=100)
    hours = models.DecimalField(max_digits=8, decimal_places=2)
    seniority = models.CharField(
        max_length=10,
        choices=SeniorityBand.choices,
        blank=True,
        help_text="The role's seniority band, for the in-house comparison; empty: counted as mid.",
    )

    class Meta:
        ordering = ["invoice", "role"]
        verbose_name = "invoice hours"
        verbose_name_plural = "invoice hours"
        constraints = [
            models.UniqueConstraint(
                "invoice",
                Lower("role"),
                name="costs_invoice_hours_unique_role",
                violation_error_message="The invoice already bills hours for this role.",
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gt=0),
                name="costs_invoice_hours_positive",
                violation_error_message="Billed hours must be more than zero.",
            ),
            models.CheckConstraint(
                condition=~models.Q(role=""),
                name="costs_invoice_hours_role_given",
                violation_error_message="Name the role the hours are billed for.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hours} h {self.role}"

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        self.role = (self.role or "").strip()
        super().clean_fields(exclude=exclude)


def _money(default: str, help_text: str) -> models.DecimalField:
    return models.DecimalField(
        max_digits=12,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal(0))],
        help_text=help_text,
    )


def _hours(default: str, help_text: str, *, most: int = 168) -> models.DecimalField:
    return models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal(default),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(most))],
        help_text=help_text,
    )


@audit_tracked()
class CostSettings(TimeStampedModel):
    """The figures the total cost of ownership is computed with (one row, kept by administrators in the
    admin; ``apps.costs.selectors.cost_settings``). Every amount is in the reporting currency
    (``REPORTING_CURRENCY``): internal costs are the organisation's own. docs/architecture/costs.md."""

    # What an internal hour costs, by the role of who spends it (a person with several roles counts at
    # the dearest; one with none at the engineering rate).
    hourly_cost_executive = _money("150", "An executive's internal hourly cost.")
    hourly_cost_procurement = _money("70", "Procurement's internal hourly cost.")
    hourly_cost_engineering_manager = _money("95", "An engineering manager's internal hourly cost.")
    hourly_cost_security = _money("90", "Security's internal hourly cost.")
    hourly_cost_admin = _money("70", "An administrator's internal hourly cost.")
    hourly_cost_engineering = _money(
        "85", "The internal engineering rate: what an hour of our engineers fixing a vendor's defect costs."
    )
    # The standing weekly overhead of each named owner of the vendor, per active contract.
    overhead_hours_staff_augmentation = _hours(
        "4", "Weekly hours each named owner spends on a staff-augmentation contract."
    )
    overhead_hours_managed_services = _hours(
        "2", "Weekly hours each named owner spends on a managed-services contract."
    )
    overhead_hours_project_based = _hours("3", "Weekly hours each named owner spends on a project-based contract.")
    fix_hours_per_defect = _hours(
        "6", "Internal hours to fix one escaped defect (or one revert or hot-fix).", most=1000
    )
    # The in-house estimate.
    salary_junior = _money("55000", "A junior engineer's yearly salary.")
    salary_mid = _money("80000", "A mid-level engineer's yearly salary.")
    salary_senior = _money("110000", "A senior engineer's yearly salary.")
    salary_principal = _money("140000", "A principal engineer's yearly salary.")
    overhead_percent = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal(35),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(500))],
        help_text="Employment overhead on a salary (benefits, taxes, equipment, management), in %.",
    )
    working_hours_per_year = models.PositiveIntegerField(
        default=1720,
        validators=[MinValueValidator(1), MaxValueValidator(8784)],
        help_text="Productive hours of one engineer in a year.",
    )
    in_house_flag_percent = models.DecimalField(
        max_digits=6,
        decimal_places=2,
        default=Decimal(20),
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(1000))],
        help_text="A function whose vendors' TCO exceeds its in-house estimate by more than this % is flagged for review.",
    )

    class Meta:
        verbose_name = "cost settings"
        verbose_name_plural = "cost settings"
        constraints = [
            models.CheckConstraint(condition=models.Q(id=1), name="costs_costsettings_single_row"),
        ]

    def __str__(self) -> str:
        return f"Cost settings ({settings.REPORTING_CURRENCY})"

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.pk = 1  # the one row
        super().save(*args, **kwargs)


@audit_tracked()
class OwnerHours(TimeStampedModel):
    """The hours one internal person spent governing one contract in one week (Monday to Sunday, named by
    its Monday): the *logged* part of the management load."""

    contract = models.ForeignKey("contracts.Contract", on_delete=models.PROTECT, related_name="owner_hours")
    person = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="owner_hours")
    week_of = models.DateField(help_text="The Monday of the week.")
    hours = models.DecimalField(
        max_digits=5,
        decimal_places=2,
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal(80))],
        help_text="Hours spent on the contract in the week (0.25 to 80).",
    )
    note = models.CharField(max_length=300, blank=True)

    class Meta:
        ordering = ["contract", "-week_of", "person"]
        verbose_name = "owner hours"
        verbose_name_plural = "owner hours"
        constraints = [
            models.UniqueConstraint(
                fields=["contract", "person", "week_of"],
                name="costs_owner_hours_one_per_week",
                violation_error_message="These hours are already logged for this week: change that entry.",
            ),
            models.CheckConstraint(
                condition=models.Q(hours__gte=Decimal("0.25"), hours__lte=80),
                name="costs_owner_hours_range",
                violation_error_message="Log from 0.25 to 80 hours a week.",
            ),
            models.CheckConstraint(
                condition=models.Q(week_of__week_day=2),
                name="costs_owner_hours_week_is_monday",
                violation_error_message="A week is named by its Monday.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.hours} h on {self.contract} in the week of {self.week_of}"

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract-detail", args=[self.contract_id]) + "#costs"


class VendorCostRollup(models.Model):
    """A vendor's ledger summed over a window of months (``first_month`` to ``last_month``), worked out and
    stored (``apps.costs.ledger_rollup.league_vendor_costs``); ``has_lines`` False: nothing in the ledger.
    Dropped as soon as anything it is made of changes (``apps.core.rollups``); bookkeeping, so it has no
    audit trail of its own."""

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.CASCADE, related_name="+")
    first_month = models.DateField()
    last_month = models.DateField()
    has_lines = models.BooleanField(default=True)
    tco = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    invoiced = models.DecimalField(max_digits=20, decimal_places=2, default=0)
    billed_hours = models.DecimalField(max_digits=14, decimal_places=2, default=0)
    complete = models.BooleanField(default=True)

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["first_month", "last_month", "vendor"], name="costs_vendor_cost_rollup_unique"
            )
        ]
        indexes = [models.Index(fields=["vendor"], name="costs_vendor_cost_rollup_v")]

    def __str__(self) -> str:
        return f"Costs of vendor {self.vendor_id} from {self.first_month} to {self.last_month}"
