"""Forms of the function pages: they check the shape of the input; the services and the model's
constraints decide the rest (and their refusals land on these forms)."""

from __future__ import annotations

from django import forms

from apps.functions.choices import Decision
from apps.functions.models import Function

SCORE_WIDGET = forms.NumberInput(attrs={"min": 1, "max": 5, "step": 1, "inputmode": "numeric"})


class FunctionForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = Function
        fields = [
            "name",
            "category",
            "strategic",
            "sensitive",
            "repeatable",
            "scarce",
            "velocity_critical",
            "description",
        ]
        widgets = dict.fromkeys(("strategic", "sensitive", "repeatable", "scarce"), SCORE_WIDGET)


class SourcingDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    decided_on = forms.DateField(
        required=False, widget=forms.DateInput(attrs={"type": "date"}), help_text="Empty: today."
    )
