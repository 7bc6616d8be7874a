"""Forms of the invoice pages: the shape of the input. The edit locks, the number's uniqueness and the
transitions are the services' to refuse (their messages land on the fields)."""

from __future__ import annotations

from datetime import date
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.utils import timezone

from apps.core.errors import ApplicationError
from apps.core.forms import DATE_WIDGET, PersonChoiceField, WorkspaceModelForm
from apps.costs import services
from apps.costs.models import Invoice, OwnerHours
from apps.costs.selectors import is_hours_admin, loggable_contracts, week_monday


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


WEEK_HELP = "Any day of the week: the week is named by its Monday (the entry is kept under that Monday)."


class OwnerHoursForm(WorkspaceModelForm):
    """Log a week's hours on a contract: a named owner for themselves (the person is fixed), an
    administrator for anyone. The same week again replaces the entry."""

    class Meta(WorkspaceModelForm.Meta):
        model = OwnerHours
        fields = ["contract", "person", "week_of", "hours", "note"]
        labels = {"week_of": "Week of", "hours": "Hours"}

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        contracts = self.fields["contract"]
        contracts.queryset = loggable_contracts(user)  # type: ignore[attr-defined]  # fields[] is typed Field; this one is a ModelChoiceField
        contracts.label_from_instance = lambda contract: f"{contract.title} — {contract.vendor}"  # type: ignore[attr-defined]  # as above
        if is_hours_admin(user):
            self.fields["person"].help_text = "Whose hours: a named owner of the vendor, usually."
        else:
            self.fields["person"] = PersonChoiceField(
                queryset=get_user_model().objects.filter(pk=user.pk),
                initial=user.pk,
                disabled=True,
                label="Person",
                help_text="You log your own hours (administrators log anyone's).",
            )
        self.fields["person"].initial = self.fields["person"].initial or user.pk
        week = self.fields["week_of"]
        week.widget = DATE_WIDGET
        week.help_text = WEEK_HELP
        week.initial = week.initial or week_monday(timezone.localdate())
        self.fields[
            "hours"
        ].help_text = "Hours spent on the contract that week (0.25 to 80), beyond the usual overhead."
        self.fields["note"].help_text = "Optional: what took the time (an escalation, a renegotiation…)."

    def clean_week_of(self) -> date | None:
        day = self.cleaned_data.get("week_of")
        return week_monday(day) if day else day

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        # The same week again updates its entry (``owner_hours_log``): validate against that entry, so
        # the one-entry-a-week constraint does not refuse it.
        contract, person, week_of = (cleaned.get(name) for name in ("contract", "person", "week_of"))
        if contract and person and week_of:
            existing = OwnerHours.objects.filter(contract=contract, person=person, week_of=week_of).first()
            if existing is not None:
                self.instance = existing
        return cleaned
