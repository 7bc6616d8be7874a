"""Forms of the roster pages: the shape of the input. Who may be assigned, overlaps and the substitution
rules are the services' to refuse (their messages land on the fields)."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.core.forms import DATE_WIDGET, DecimalField, WorkspaceModelForm
from apps.roster import selectors
from apps.roster.models import Assignment, StaffingPlanLine, Substitution
from apps.vendors.choices import SeniorityBand
from apps.vendors.selectors import engineer_choice_list


class EngineerChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return f"{obj.name} — {obj.get_seniority_display()}, {obj.role}" if obj.role else obj.name


class AssignmentForm(WorkspaceModelForm):
    """One engineer of the contract's vendor on the contract. The engineer of an existing assignment stays."""

    engineer = EngineerChoiceField(queryset=engineer_choice_list(vendor=0))

    class Meta(WorkspaceModelForm.Meta):
        model = Assignment
        fields = [
            "engineer",
            "role",
            "allocation_percent",
            "start_date",
            "end_date",
            "key_person",
            "billed_rate",
            "rate_currency",
        ]
        help_texts = {"key_person": "Named key personnel of the contract (the staffing plan's named people)."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        vendor_id = self.instance.contract.vendor_id if self.instance.contract_id else 0
        self.fields["engineer"].queryset = engineer_choice_list(  # type: ignore[attr-defined]  # a ModelChoiceField
            vendor=vendor_id, keep=self.instance.engineer_id
        )
        if self.instance.pk:
            self.fields["engineer"].disabled = True
            self.fields["engineer"].help_text = "A different person is a new assignment, or a substitution."


class AssignmentEndForm(forms.Form):
    end_date = forms.DateField(label="Last day on the contract", widget=DATE_WIDGET)
    reason = forms.CharField(widget=forms.Textarea(attrs={"rows": 3}), help_text="Kept in the audit trail.")


class StaffingPlanForm(forms.Form):
    """The headcount (full-time equivalents) the statement of work expects per seniority band; an empty
    band has no line. The named key personnel are the assignments marked key person."""

    def __init__(self, *args: Any, plan: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        lines: dict[str, StaffingPlanLine] = {line.seniority: line for line in plan.lines.all()} if plan else {}
        for band, label in SeniorityBand.choices:
            self.fields[band] = DecimalField(
                label=f"{label} (FTE)",
                required=False,
                min_value=0,
                max_digits=5,
                decimal_places=1,
                initial=lines[band].headcount if band in lines else None,
            )
        self.fields["note"] = forms.CharField(
            required=False, widget=forms.Textarea(attrs={"rows": 3}), initial=plan.note if plan else ""
        )

    def lines(self) -> dict[str, Any]:
        return {band: self.cleaned_data.get(band) for band in SeniorityBand.values}


class SubstitutionForm(WorkspaceModelForm):
    """Who leaves (one of the contract's current assignments), who joins (another engineer of the vendor),
    from when, with how many days of handover, and why."""

    leaver_assignment = forms.ModelChoiceField(queryset=Assignment.objects.none(), label="Who leaves")
    joiner = EngineerChoiceField(queryset=engineer_choice_list(vendor=0), label="Who joins")

    class Meta(WorkspaceModelForm.Meta):
        model = Substitution
        fields = ["leaver_assignment", "joiner", "joins_on", "overlap_days", "reason"]
        widgets = {"reason": forms.Textarea(attrs={"rows": 3})}

    def __init__(self, *args: Any, contract: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if contract is not None:
            self.fields["leaver_assignment"].queryset = selectors.leaver_assignment_choices(contract)  # type: ignore[attr-defined]  # a ModelChoiceField
            self.fields["leaver_assignment"].label_from_instance = (  # type: ignore[attr-defined]  # as above
                lambda obj: f"{obj.engineer.name} — {obj.role}" + (" (key person)" if obj.key_person else "")
            )
            self.fields["joiner"].queryset = engineer_choice_list(vendor=contract.vendor_id)  # type: ignore[attr-defined]  # as above


class DecisionForm(forms.Form):
    """The engineering owner's note on a decision (required to refuse)."""

    note = forms.CharField(required=False, widget=forms.Textarea(attrs={"rows": 3}), label="Note")

    def __init__(self, *args: Any, note_required: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if note_required:
            self.fields["note"].required = True
            self.fields["note"].error_messages["required"] = "Say why the substitution is refused."
