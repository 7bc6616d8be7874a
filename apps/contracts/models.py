"""Contracts with their clause checklist and exit plan (their SLA terms, evaluations and breaches are
``apps.performance``'s)."""

from __future__ import annotations

from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MaxLengthValidator, MaxValueValidator, MinValueValidator
from django.db import models
from django.urls import reverse

from apps.contracts.choices import (
    ClauseAssessment,
    ClauseKind,
    ContractStatus,
    EngagementModel,
    ExitItemKind,
    Renewal,
)
from apps.core.models import StoredTextKeptMixin, TimeStampedModel, audit_tracked
from apps.core.search import trigram_index
from apps.core.validators import validate_currency_code

MAX_RENEWAL_TERM_MONTHS = 1200
# The longest contract text accepted, in characters: the body of a long master agreement (some 65 pages
# of dense legal prose at ~3,000 characters a page); its schedules and statements of work are contracts
# of their own, each with its text. At most 12 bytes a character however it is sent (a 4-byte UTF-8
# character, percent-encoded by a form), a text at the maximum stays under Django's 2.5 MB request body
# limit, so a longer one is always refused with this field's message. docs/product/contracts.md.
CONTRACT_TEXT_MAX_CHARS = 200_000
# A checklist row's note says where the clause is and what is weak; every row is on the contract page.
CHECKLIST_NOTE_MAX_CHARS = 10_000


def _max_chars_validator(limit: int, what: str, advice: str = "") -> MaxLengthValidator:
    message = f"{what} may be at most {limit:,} characters; this one has %(show_value)d."
    return MaxLengthValidator(limit, message=f"{message} {advice}".strip())


def contract_cancel_by_date(*, end_date: date | None, renewal: str, notice_days: int | None) -> date | None:
    """The last day on which the contract can still be cancelled (automatic renewal) or must be
    renewed (explicit renewal): ``end_date − notice_days``. None when it simply ends."""
    if end_date is None or renewal == Renewal.NONE:
        return None
    return end_date - timedelta(days=notice_days or 0)


@audit_tracked()
class Contract(StoredTextKeptMixin, TimeStampedModel):
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
    cost_of_delay_per_week = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="What a week's delay of one milestone costs us, in the reporting currency. "
        "Empty: its function's, else not set.",
    )
    status = models.CharField(max_length=12, choices=ContractStatus.choices, default=ContractStatus.DRAFT)
    governing_law = models.CharField(max_length=100, blank=True)
    text = models.TextField(
        blank=True,
        validators=[
            _max_chars_validator(
                CONTRACT_TEXT_MAX_CHARS,
                "A contract's text",
                "For a longer agreement, keep its body here and give its schedules statements of work of their own.",
            )
        ],
        help_text=f"The contract's text, checked for vague language; at most {CONTRACT_TEXT_MAX_CHARS:,} characters.",
    )

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
            # Every ordering the list page and the API offer, exactly as they order (the field, then the
            # title, then the id; either direction): a page reads the index in order instead of sorting every
            # contract (decision 0020; tests/test_list_orderings.py). The cancel-by one also serves the
            # reminders' cancel-by lookups.
            models.Index(fields=["-start_date", "title", "id"], name="contracts_start_title_idx"),
            # ?ordering=start_date or -start_date: then the title and the id in the same direction.
            models.Index(fields=["start_date", "title", "id"], name="contracts_start_idx"),
            models.Index(fields=["title", "id"], name="contracts_title_idx"),
            models.Index(fields=["engagement_model", "title", "id"], name="contracts_engagement_idx"),
            models.Index(fields=["status", "title", "id"], name="contracts_status_title_idx"),
            models.Index(fields=["value", "title", "id"], name="contracts_value_idx"),
            models.Index(fields=["end_date", "title", "id"], name="contracts_end_title_idx"),
            models.Index(fields=["cancel_by", "title", "id"], name="contracts_cancel_title_idx"),
            models.Index(fields=["created_at", "title", "id"], name="contracts_created_idx"),
            # Global search and the list's q: vg_unaccent(title / reference) ILIKE / <% (apps/core/search.py).
            trigram_index("title", name="contracts_contract_title_trgm"),
            trigram_index("reference", name="contracts_contract_ref_trgm"),
        ]

    def __str__(self) -> str:
        return self.title

    def get_absolute_url(self) -> str:
        return reverse("contracts:contract-detail", args=[self.pk])

    def save(self, *args: Any, **kwargs: Any) -> None:
        # Derived state kept true on every save, whoever saves.
        self.cancel_by = contract_cancel_by_date(
            end_date=self.end_date, renewal=self.renewal, notice_days=self.notice_days
        )
        update_fields = kwargs.get("update_fields")
        if update_fields is not None:
            kwargs["update_fields"] = {*update_fields, "cancel_by"}
        super().save(*args, **kwargs)

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
class ContractClause(StoredTextKeptMixin, TimeStampedModel):
    """One line of the clause checklist: is the clause present, weak or missing?"""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="clauses")
    kind = models.CharField(max_length=20, choices=ClauseKind.choices)
    assessment = models.CharField(max_length=8, choices=ClauseAssessment.choices, default=ClauseAssessment.MISSING)
    note = models.TextField(blank=True, validators=[_max_chars_validator(CHECKLIST_NOTE_MAX_CHARS, "A note")])

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
class ExitPlanItem(StoredTextKeptMixin, TimeStampedModel):
    """One line of the contract's exit plan, with its owner and the date it was done."""

    contract = models.ForeignKey(Contract, on_delete=models.CASCADE, related_name="exit_plan_items")
    kind = models.CharField(max_length=20, choices=ExitItemKind.choices)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="exit_plan_items"
    )
    done_on = models.DateField(null=True, blank=True)
    note = models.TextField(blank=True, validators=[_max_chars_validator(CHECKLIST_NOTE_MAX_CHARS, "A note")])
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
