"""Forms of the invoice pages: the shape of the input. The edit locks, the number's uniqueness and the
transitions are the services' to refuse (their messages land on the fields)."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.core.errors import ApplicationError
from apps.core.forms import WorkspaceModelForm
from apps.costs import services
from apps.costs.models import Invoice


class InvoiceForm(WorkspaceModelForm):
    """One invoice of the contract's vendor; the billed hours by role as one line of text."""

    hours = forms.CharField(
        required=False,
        label="Billed hours by role",
        help_text="Optional: “role: hours; role: hours”, each role with its seniority in brackets if known "
        "(junior, mid, senior or principal; none: counted as mid), e.g. “Developer (senior): 120; QA: 40”.",
    )

    class Meta(WorkspaceModelForm.Meta):
        model = Invoice
        fields = ["number", "period_start", "period_end", "amount", "currency", "received_on", "note"]
        widgets = {"note": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.pk:
            self.fields["hours"].initial = services.hours_text(
                services.invoice_hours_of(self.instance), services.invoice_seniority_of(self.instance)
            )

    def clean_hours(self) -> dict[str, Any]:
        try:
            hours, seniority = services.hours_lines_parse(self.cleaned_data.get("hours") or "")
        except ApplicationError as exc:
            raise forms.ValidationError(exc.message) from exc
        # The services take the bands beside the hours (``seniority``, ``{role: band}``).
        self.cleaned_data["seniority"] = seniority
        return hours


class InvoiceTransitionForm(forms.Form):
    """The reason of a move: kept on the status change and in the audit trail (required to dispute)."""

    reason = forms.CharField(
        required=False, widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept in the audit trail."
    )

    def __init__(self, *args: Any, reason_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if reason_required:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = "Say why the invoice is disputed."
