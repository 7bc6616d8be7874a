"""Forms of the function pages: they check the shape of the input; the services and the model's
constraints decide the rest (and their refusals land on these forms)."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.core.forms import DATE_WIDGET, SCORE_WIDGET, WorkspaceModelForm
from apps.functions.choices import CATEGORY_DEFAULTS, Decision, FunctionCategory
from apps.functions.models import Function


class CategoryDefaultSelect(forms.NullBooleanSelect):
    """Yes / No / the category's default (an empty value: the model fills it in on save)."""

    def __init__(self, attrs: dict[str, Any] | None = None) -> None:
        super().__init__(attrs)
        self.choices = [("unknown", "As the category implies"), ("true", "Yes"), ("false", "No")]


def _velocity_help() -> str:
    implied = [
        str(FunctionCategory(c).label) for c, flags in CATEGORY_DEFAULTS.items() if flags.get("velocity_critical")
    ]
    return (
        "Vital to delivery velocity: stays in-house. “As the category implies”: yes for "
        + ", ".join(implied)
        + ", no otherwise."
    )


class FunctionForm(WorkspaceModelForm):
    velocity_critical = forms.NullBooleanField(
        required=False, widget=CategoryDefaultSelect, label="Velocity-critical", help_text=_velocity_help()
    )

    class Meta(WorkspaceModelForm.Meta):
        model = Function
        fields = [
            "name",
            "category",
            "strategic",
            "sensitive",
            "repeatable",
            "scarce",
            "velocity_critical",
            "cost_of_delay_per_week",
            "description",
        ]
        widgets = dict.fromkeys(("strategic", "sensitive", "repeatable", "scarce"), SCORE_WIDGET)


class SourcingDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    decided_on = forms.DateField(required=False, widget=DATE_WIDGET, help_text="Empty: today.")
    # Asked only of a decision that outsources more than the recommendation (the service says so).
    justification = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=5000,
        help_text="Only for a decision against the recommendation: why the policy exception is accepted.",
    )
    review_on = forms.DateField(
        required=False,
        widget=DATE_WIDGET,
        label="Review exception on",
        help_text="Only for a decision against the recommendation: when the exception is reviewed.",
    )
