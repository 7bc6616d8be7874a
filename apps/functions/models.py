"""The catalogue of IT functions the company performs, and the sourcing decisions taken for them."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django.conf import settings
from django.core.validators import MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse

from apps.core.models import TimeStampedModel, audit_tracked
from apps.core.search import trigram_index
from apps.core.validators import score_validators
from apps.functions.choices import Decision, FunctionCategory, category_defaults

SCORE_FIELDS = ("strategic", "sensitive", "repeatable", "scarce")


def _score_constraints(prefix: str, fields: tuple[str, ...]) -> list[models.CheckConstraint]:
    return [
        models.CheckConstraint(
            condition=models.Q(**{f"{name}__gte": 1, f"{name}__lte": 5}),
            name=f"{prefix}_{name}_1_to_5",
            violation_error_message=f"{name.replace('_', ' ').capitalize()} must be a score from 1 to 5.",
        )
        for name in fields
    ]


@audit_tracked()
class Function(TimeStampedModel):
    """An IT function with its sourcing profile: four scores from 1 (low) to 5 (high).

    The current decision is denormalised from the latest ``SourcingDecision`` (written by the same
    service), so lists and the policy-conflict check need no subquery.
    """

    name = models.CharField(max_length=150)
    category = models.CharField(max_length=32, choices=FunctionCategory.choices)
    description = models.TextField(blank=True)
    strategic = models.PositiveSmallIntegerField(
        validators=score_validators, help_text="How much it differentiates the product (1–5)."
    )
    sensitive = models.PositiveSmallIntegerField(
        validators=score_validators, help_text="How sensitive its data, IP or access are (1–5)."
    )
    repeatable = models.PositiveSmallIntegerField(
        validators=score_validators, help_text="How repeatable and specifiable the work is (1–5)."
    )
    scarce = models.PositiveSmallIntegerField(
        validators=score_validators, help_text="How scarce the skills are in-house (1–5)."
    )
    # Empty (None) only until saved: it means "the category's default" (``CATEGORY_DEFAULTS``), which
    # ``clean()``/``save()`` fill in, so the API, the forms and the imports agree; a stored row always
    # holds an explicit value (the constraint), so queries on it need no knowledge of categories — and
    # a value read back is a bool (hence the get type, which the stubs would make optional).
    velocity_critical: models.BooleanField[bool | None, bool] = models.BooleanField(  # type: ignore[misc]  # None only before save (above)
        null=True,
        blank=True,
        default=None,
        help_text="Vital to delivery velocity (e.g. the CI/CD platform): stays in-house. "
        "Not given: the category's default.",
    )
    cost_of_delay_per_week = models.DecimalField(
        max_digits=14,
        decimal_places=2,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0))],
        help_text="What a week's delay of one milestone of this function costs us, in the reporting currency "
        "(a contract's own figure comes first). Empty: not set.",
    )
    decision = models.CharField(max_length=16, choices=Decision.choices, blank=True, editable=False)
    rationale = models.TextField(blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="functions_function_name_unique_ci",
                violation_error_message="A function with this name already exists.",
                violation_error_code="unique",
            ),
            *_score_constraints("functions_function", SCORE_FIELDS),
            models.CheckConstraint(
                condition=models.Q(velocity_critical__isnull=False),
                name="functions_function_velocity_critical_resolved",
                violation_error_message="Say whether the function is velocity-critical, or choose a category.",
            ),
        ]
        # Global search and the list's q: vg_unaccent(name) ILIKE / <% (apps/core/search.py).
        indexes = [trigram_index("name", name="functions_function_name_trgm")]

    def __str__(self) -> str:
        return self.name

    def apply_category_defaults(self) -> None:
        """Fill each profile flag that was not given (None) with the category's default."""
        for flag, value in category_defaults(self.category).items():
            if getattr(self, flag) is None:
                setattr(self, flag, value)

    def clean(self) -> None:
        super().clean()
        self.apply_category_defaults()

    def save(self, *args: Any, **kwargs: Any) -> None:
        self.apply_category_defaults()  # also for rows saved without full_clean() (fixtures, factories)
        super().save(*args, **kwargs)

    def get_absolute_url(self) -> str:
        return reverse("functions:function-detail", args=[self.pk])

    @property
    def recommendation(self) -> Any:
        """The recommendation the profile derives (``apps.functions.services.function_recommendation``)."""
        from apps.functions.services import recommendation_for  # a cycle: services imports these models

        return recommendation_for(self)


@audit_tracked()
class SourcingDecision(models.Model):
    """A decision to keep a function in-house, run it hybrid or outsource it. Never edited: a new
    decision supersedes the previous one, so the history is the list of these rows."""

    function = models.ForeignKey(Function, on_delete=models.PROTECT, related_name="decisions")
    decision = models.CharField(max_length=16, choices=Decision.choices)
    rationale = models.TextField()
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, related_name="sourcing_decisions"
    )
    decided_on = models.DateField()
    figures = models.JSONField(
        default=dict,
        blank=True,
        editable=False,
        help_text="The cost figures the decision was made on (its vendors' TCO and the in-house estimate), "
        "recorded when it was made.",
    )
    created_at = models.DateTimeField(auto_now_add=True, editable=False)

    class Meta:
        ordering = ["-decided_on", "-created_at"]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(rationale=""),
                name="functions_decision_rationale_required",
                violation_error_message="A sourcing decision needs its rationale.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.function}: {self.get_decision_display()} ({self.decided_on})"
