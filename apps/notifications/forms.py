"""The e-mail preferences form: one checkbox per kind of notification, grouped by topic."""

from __future__ import annotations

from typing import Any

from django import forms

from apps.notifications.choices import NotificationKind as Kind

HELP = {
    Kind.BREACH_OPENED: "An SLA term missed its target over a closed window.",
    Kind.BREACH_RETRACTED: "Late measurements cleared a breach.",
    Kind.SLA_AT_RISK: "The open window is heading for a breach.",
    Kind.KPI_MISSING: "A KPI of an SLA term was not logged for the last closed month.",
    Kind.REVIEW_DUE: "A service review of a vendor you own is two days away.",
    Kind.REVIEW_OVERDUE: "A service review of a vendor you own is past its date.",
    Kind.CONTRACT_CANCEL_BY: "A contract's cancel-by date is 90, 60 or 30 days away.",
    Kind.CERTIFICATION_EXPIRING: "A vendor certification expires in 60, 30 or 7 days.",
    Kind.CERTIFICATION_EXPIRED: "A vendor certification has expired.",
    Kind.ACCESS_FINDING: "Vendor staff access breaks an access rule: a shared privileged account, no MFA or expiry, past its expiry, or a vendor leaving.",
    Kind.SUBSTITUTION_REQUESTED: "Someone asks to replace an engineer of a vendor whose engineering owner you are.",
    Kind.SUBSTITUTION_DECIDED: "The engineering owner approved or refused a substitution you asked for.",
    Kind.ROSTER_FINDING: "A vendor's team changed against the contract: a key person swapped without approval, seniority or headcount below plan, a leaver with live access, an unlisted or inactive contributor.",
}
SECTIONS: tuple[tuple[str, tuple[str, ...]], ...] = (
    ("SLAs and KPIs", (Kind.BREACH_OPENED, Kind.BREACH_RETRACTED, Kind.SLA_AT_RISK, Kind.KPI_MISSING)),
    ("Governance rhythm", (Kind.REVIEW_DUE, Kind.REVIEW_OVERDUE, Kind.CONTRACT_CANCEL_BY)),
    ("Security", (Kind.CERTIFICATION_EXPIRING, Kind.CERTIFICATION_EXPIRED, Kind.ACCESS_FINDING)),
)


class EmailPreferencesForm(forms.Form):
    """Ticked: e-mail me about this kind (every notification is shown under the bell either way)."""

    sections = SECTIONS

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for kind, label in Kind.choices:
            self.fields[kind] = forms.BooleanField(required=False, label=label, help_text=HELP.get(Kind(kind), ""))

    def grouped_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        placed = {name for _, names in self.sections for name in names}
        groups = [(heading, [self[name] for name in names]) for heading, names in self.sections]
        rest = [self[name] for name in self.fields if name not in placed]
        return [*groups, ("Other", rest)] if rest else groups

    def enabled_by_kind(self) -> dict[str, bool]:
        return {kind: bool(self.cleaned_data.get(kind)) for kind in Kind.values}
