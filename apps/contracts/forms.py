"""Forms of the contract pages: the shape of the input. Date order, money, currency, the hierarchy of
master agreements and statements of work, and SLA-term rules are the models' and services' to refuse."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.contracts.models import Contract, ContractClause, ExitPlanItem, SlaTerm
from apps.core.forms import WorkspaceModelForm
from apps.functions.models import Function
from apps.kpis.models import KpiDefinition
from apps.vendors.selectors import vendor_list


class ContractForm(WorkspaceModelForm):
    sections = (
        ("Contract", ("title", "reference", "vendor", "parent", "engagement_model", "functions")),
        ("Term and renewal", ("start_date", "end_date", "renewal", "notice_days", "renewal_term_months")),
        ("Money and law", ("value", "currency", "governing_law")),
        ("Text (checked for vague language)", ("text",)),
    )

    class Meta(WorkspaceModelForm.Meta):
        model = Contract
        fields = [
            "title",
            "reference",
            "vendor",
            "parent",
            "engagement_model",
            "functions",
            "start_date",
            "end_date",
            "renewal",
            "notice_days",
            "renewal_term_months",
            "value",
            "currency",
            "governing_law",
            "text",
        ]
        widgets = {"functions": forms.CheckboxSelectMultiple, "text": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = vendor_list().order_by("name")  # type: ignore[attr-defined]
        parents = (
            Contract.objects.select_related("vendor").filter(parent__isnull=True).order_by("vendor__name", "title")
        )
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]
        self.fields["parent"].label = "Master agreement"
        self.fields["functions"].queryset = Function.objects.order_by("name")  # type: ignore[attr-defined]


class ClauseForm(forms.ModelForm):  # type: ignore[type-arg]
    class Meta:
        model = ContractClause
        fields = ["assessment", "note"]
        widgets = {"note": forms.TextInput(attrs={"placeholder": "Where it is, what is weak…"})}


class ExitPlanItemForm(WorkspaceModelForm):
    class Meta(WorkspaceModelForm.Meta):
        model = ExitPlanItem
        fields = ["owner", "done_on"]


class SlaTermForm(WorkspaceModelForm):
    class Meta(WorkspaceModelForm.Meta):
        model = SlaTerm
        fields = [
            "area",
            "kpi",
            "comparator",
            "target",
            "warning_target",
            "window",
            "window_days",
            "aggregation",
            "min_samples",
            "severity",
            "credit_percent",
            "description",
        ]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["kpi"].queryset = KpiDefinition.objects.order_by("name")  # type: ignore[attr-defined]
