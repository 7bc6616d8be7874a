"""Forms of the contract pages: the shape of the input. Date order, money, currency and the hierarchy of
master agreements and statements of work are the models' and services' to refuse."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.contracts.gates import functions_kept_in_house, open_policy_exception
from apps.contracts.models import Contract, ContractClause, ExitPlanItem
from apps.core.formatting import format_date
from apps.core.forms import DATE_WIDGET, WorkspaceModelForm
from apps.functions.models import Function
from apps.vendors.selectors import vendor_list


class FunctionsField(forms.ModelMultipleChoiceField):
    """The functions a contract covers; the ones policy keeps in-house say so next to their name."""

    def label_from_instance(self, obj: Any) -> str:
        kept = functions_kept_in_house([obj])
        return f"{obj} — {kept[0][1]}: needs a policy exception" if kept else str(obj)


class ContractForm(WorkspaceModelForm):
    """The contract's terms. Covering a function policy keeps in-house (decided keep in-house, or
    recommended never outsource) is accepted only as a policy exception: the service asks for its
    justification and review date (required for an active contract, optional on a draft)."""

    sections = (
        ("Contract", ("title", "reference", "vendor", "parent", "engagement_model", "functions")),
        ("Policy exception", ("exception_justification", "exception_review_on")),
        ("Term and renewal", ("start_date", "end_date", "renewal", "notice_days", "renewal_term_months")),
        ("Money and law", ("value", "currency", "cost_of_delay_per_week", "governing_law")),
        ("Text (checked for vague language)", ("text",)),
    )
    exception_justification = forms.CharField(
        required=False,
        label="Justification",
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Only when a function above is marked “needs a policy exception”: why this contract may "
        "cover it anyway. An active contract cannot cover one without it.",
    )
    exception_review_on = forms.DateField(
        required=False,
        label="Review the exception by",
        widget=DATE_WIDGET,
        help_text="The date the exception is looked at again (you are reminded before it).",
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
            "cost_of_delay_per_week",
            "governing_law",
            "text",
        ]
        widgets = {"functions": forms.CheckboxSelectMultiple, "text": forms.Textarea(attrs={"rows": 14})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = vendor_list().order_by("name")  # type: ignore[attr-defined]  # fields[] is typed Field; this one is a ModelChoiceField
        parents = (
            Contract.objects.select_related("vendor").filter(parent__isnull=True).order_by("vendor__name", "title")
        )
        if self.instance.pk:
            parents = parents.exclude(pk=self.instance.pk)
        self.fields["parent"].queryset = parents  # type: ignore[attr-defined]  # fields[] is typed Field; this one is a ModelChoiceField
        self.fields["parent"].label = "Master agreement"
        functions = FunctionsField(
            queryset=Function.objects.order_by("name"),
            required=False,
            widget=forms.CheckboxSelectMultiple,
            label=self.fields["functions"].label,
            help_text=self.fields["functions"].help_text,
        )
        self.fields["functions"] = functions
        if self.instance.pk:
            exception = open_policy_exception(self.instance)
            if exception is not None:
                self.fields["exception_justification"].help_text = (
                    f"An open policy exception covers this contract until {format_date(exception.review_on)}: "
                    f"“{exception.justification}”."
                )


class ClauseForm(forms.ModelForm):
    class Meta:
        model = ContractClause
        fields = ["assessment", "note"]
        widgets = {"note": forms.TextInput(attrs={"placeholder": "Where it is, what is weak…"})}


class ExitPlanItemForm(WorkspaceModelForm):
    class Meta(WorkspaceModelForm.Meta):
        model = ExitPlanItem
        fields = ["owner", "done_on"]


class ReasonForm(forms.Form):
    """The reason a consequential step asks for (waiving an exit-plan item, resolving a breach)."""

    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        error_messages={"required": "This step needs a reason."},
        help_text="Kept on the record and in the audit trail.",
    )
