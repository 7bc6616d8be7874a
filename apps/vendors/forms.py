"""Forms of the vendor pages: the shape of the input. The rules (owners before pilot, shared accounts
never in production, rate ranges, score ranges) are the models' and services' and come back as errors."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from django import forms

from apps.core.forms import DATE_WIDGET, SCORE_WIDGET, WorkspaceModelForm
from apps.vendors.models import (
    RED_FLAG_FIELDS,
    RED_FLAG_NOTE_FIELDS,
    VETTING_SCORE_FIELDS,
    AccessGrant,
    ActionItem,
    Certification,
    Engineer,
    ServiceReview,
    Vendor,
    VendorRisk,
    VettingAssessment,
)
from apps.vendors.selectors import engineer_choice_list, vendor_list


class VendorForm(WorkspaceModelForm):
    sections = (
        ("Vendor", ("name", "country", "geography", "timezone_overlap_hours", "tier", "website")),
        ("Rates", ("rate_min", "rate_max", "currency")),
        ("Governance", ("engineering_owner", "delivery_owner", "security_contact", "review_cadence_days")),
    )

    class Meta(WorkspaceModelForm.Meta):
        model = Vendor
        fields = [
            "name",
            "country",
            "geography",
            "timezone_overlap_hours",
            "tier",
            "rate_min",
            "rate_max",
            "currency",
            "review_cadence_days",
            "engineering_owner",
            "delivery_owner",
            "security_contact",
            "website",
            "description",
        ]
        labels = {
            "rate_min": "Hourly rate from",
            "rate_max": "Hourly rate to",
            "timezone_overlap_hours": "Time-zone overlap (hours)",
        }


class VettingAssessmentForm(WorkspaceModelForm):
    class Meta(WorkspaceModelForm.Meta):
        model = VettingAssessment
        fields = [
            "assessed_on",
            "assessor",
            *VETTING_SCORE_FIELDS,
            *RED_FLAG_FIELDS,
            *RED_FLAG_NOTE_FIELDS.values(),
            "pilot_outcome",
            "verdict",
            "notes",
        ]
        widgets = {
            **dict.fromkeys(VETTING_SCORE_FIELDS, SCORE_WIDGET),
            **{note: forms.Textarea(attrs={"rows": 2}) for note in RED_FLAG_NOTE_FIELDS.values()},
        }

    sections = (
        ("Assessment", ("assessed_on", "assessor")),
        ("Scores (1 weak – 5 strong); the computed score is their mean", VETTING_SCORE_FIELDS),
        (
            "Red flags seen, each with how it was answered (a flag without a note holds the pilot)",
            tuple(name for flag, note in RED_FLAG_NOTE_FIELDS.items() for name in (flag, note)),
        ),
        ("Outcome", ("pilot_outcome", "verdict", "notes")),
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in VETTING_SCORE_FIELDS:
            self.fields[name].help_text = "1 (weak) – 5 (strong)"


class CertificationForm(WorkspaceModelForm):
    class Meta(WorkspaceModelForm.Meta):
        model = Certification
        fields = ["kind", "name", "issued_on", "expires_on", "evidence_url", "evidence_note"]


class VendorRiskForm(WorkspaceModelForm):
    class Meta(WorkspaceModelForm.Meta):
        model = VendorRisk
        fields = ["category", "title", "likelihood", "impact", "owner", "status", "description", "mitigation"]
        widgets = {"likelihood": SCORE_WIDGET, "impact": SCORE_WIDGET}


class VendorRiskWithVendorForm(VendorRiskForm):
    """The risk register's own "New risk": the vendor is chosen on the form."""

    class Meta(VendorRiskForm.Meta):
        fields = ["vendor", *VendorRiskForm.Meta.fields]

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = vendor_list().order_by("name")  # type: ignore[attr-defined]  # fields[] is typed Field; this one is a ModelChoiceField


class EngineerForm(WorkspaceModelForm):
    sections = (
        ("Engineer", ("name", "email", "role", "seniority")),
        ("Handles", ("git_handle", "tracker_handle")),
        ("Where", ("location", "overlap_hours")),
    )

    class Meta(WorkspaceModelForm.Meta):
        model = Engineer
        fields = ["name", "email", "role", "seniority", "git_handle", "tracker_handle", "location", "overlap_hours"]


class AccessGrantForm(WorkspaceModelForm):
    class Meta(WorkspaceModelForm.Meta):
        model = AccessGrant
        fields = [
            "person",
            "engineer",
            "system",
            "privilege",
            "account_name",
            "named_account",
            "mfa_enabled",
            "granted_on",
            "expires_on",
            "revoked_on",
            "granted_by",
        ]
        labels = {"engineer": "Engineer on the roster"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        # The grant's vendor's engineers only (the model refuses another vendor's, too).
        field = self.fields["engineer"]
        field.queryset = engineer_choice_list(vendor=self.instance.vendor_id, keep=self.instance.engineer_id)  # type: ignore[attr-defined]  # fields[] is typed Field; this one is a ModelChoiceField
        field.required = False
        field.help_text = "Optional: the person on the vendor's Team tab this grant is for."


class ServiceReviewScheduleForm(WorkspaceModelForm):
    class Meta(WorkspaceModelForm.Meta):
        model = ServiceReview
        fields = ["vendor", "scheduled_for"]

    def __init__(self, *args: Any, vendors: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["vendor"].queryset = vendors if vendors is not None else vendor_list().order_by("name")  # type: ignore[attr-defined]  # fields[] is typed Field; this one is a ModelChoiceField


class ServiceReviewRecordForm(WorkspaceModelForm):
    """Record the meeting: who came, how delivery went, what was decided and which risks came up."""

    class Meta(WorkspaceModelForm.Meta):
        model = ServiceReview
        fields = [
            "held_on",
            "duration_hours",
            "attendees",
            "vendor_attendees",
            "delivery_quality",
            "decisions",
            "risks_raised",
            "notes",
        ]
        widgets = {"delivery_quality": SCORE_WIDGET, "held_on": DATE_WIDGET}
        labels = {
            "delivery_quality": "Delivery quality (1–5)",
            "attendees": "Our attendees",
            "duration_hours": "Duration (hours)",
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["held_on"].required = False
        self.fields["held_on"].help_text = "Empty: the day it was scheduled for."
        self.fields["duration_hours"].required = False
        self.fields["duration_hours"].help_text = (
            "How long the meeting lasted (0.25 to 12); empty: as recorded, or 1.5. Each of our attendees' time "
            "counts in the vendor's management load."
        )

    def clean_duration_hours(self) -> Decimal:
        given = self.cleaned_data.get("duration_hours")
        return given if given is not None else self.instance.duration_hours


class ActionItemForm(WorkspaceModelForm):
    class Meta(WorkspaceModelForm.Meta):
        model = ActionItem
        fields = ["description", "owner", "due_on"]
        widgets = {"description": forms.Textarea(attrs={"rows": 2})}
