"""The records of the total cost of ownership: the vendors' invoices against their contracts, with the
hours they bill by role (docs/architecture/costs.md)."""

from __future__ import annotations

from collections.abc import Collection
from decimal import Decimal

from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from apps.core.models import TimeStampedModel, audit_tracked
from apps.core.validators import validate_currency_code
from apps.costs.choices import InvoiceStatus


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
