"""Forms of the function pages: they check the shape of the input; the services and the model's
constraints decide the rest (and their refusals land on these forms)."""

from __future__ import annotations

from django import forms

from apps.core.forms import DATE_WIDGET, SCORE_WIDGET, WorkspaceModelForm
from apps.functions.choices import Decision
from apps.functions.models import Function


class FunctionForm(WorkspaceModelForm):
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
            "description",
        ]
        widgets = dict.fromkeys(("strategic", "sensitive", "repeatable", "scarce"), SCORE_WIDGET)


class SourcingDecisionForm(forms.Form):
    decision = forms.ChoiceField(choices=Decision.choices)
    rationale = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), max_length=5000)
    decided_on = forms.DateField(required=False, widget=DATE_WIDGET, help_text="Empty: today.")
