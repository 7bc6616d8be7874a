"""What a vendor needs before each move of its lifecycle (``VENDOR_TRANSITIONS``): the readiness
conditions, as data, registered once with ``apps.core.gates`` (from ``VendorsConfig.ready``).

The service enforces them (``services.vendor_transition``), the transition page and the vendor page
show them as a checklist, and the API lists them (``GET vendors/{id}/readiness/``). Conditions that
only a higher floor can see (contracts, exit plans) are registered by that app on the same gates.

The vetting record that counts is the *latest* assessment (by date, then entry): a newer assessment
replaces an older verdict, so an old "approve" does not outlive a newer "reject".
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any

from django.db.models import Q
from django.utils import timezone

from apps.core.formatting import format_date
from apps.core.gates import Condition, GateReport, Outcome, can_override, gate_report, register
from apps.vendors.choices import (
    VENDOR_TRANSITIONS,
    VENDOR_TRANSITIONS_NEEDING_REASON,
    CertificationKind,
    PilotOutcome,
    RiskCategory,
    RiskStatus,
    Tier,
    VendorStatus,
    Verdict,
)
from apps.vendors.models import AccessGrant, Certification, Vendor, VendorRisk, VettingAssessment

OWNER_LABELS = {
    "engineering_owner": "engineering owner",
    "delivery_owner": "delivery owner",
    "security_contact": "security contact",
}
PASSING_VERDICTS = (Verdict.APPROVE, Verdict.CONDITIONAL)
# The certifications that stand for a vendor's security posture; the others (ISO 9001) do not.
SECURITY_CERTIFICATIONS = (CertificationKind.SOC2_TYPE2, CertificationKind.ISO27001)
TIERS_NEEDING_CERTIFICATION = (Tier.TIER_1, Tier.TIER_2)


def _latest_assessment(vendor: Vendor) -> VettingAssessment | None:
    return VettingAssessment.objects.filter(vendor=vendor).order_by("-assessed_on", "-id").first()


def _names(items: list[str]) -> str:
    return ", ".join(items)


# -- the conditions -------------------------------------------------------------------------------
def engineering_owner_named(vendor: Vendor) -> Outcome:
    if vendor.engineering_owner_id:
        return Outcome(met=True, detail=str(vendor.engineering_owner))
    return Outcome(met=False, detail="no engineering owner yet")


def owners_named(vendor: Vendor) -> Outcome:
    missing = [label for name, label in OWNER_LABELS.items() if not getattr(vendor, f"{name}_id")]
    if missing:
        return Outcome(met=False, detail=f"missing: {_names(missing)}")
    return Outcome(met=True)


def vetting_verdict_passing(vendor: Vendor) -> Outcome:
    assessment = _latest_assessment(vendor)
    if assessment is None:
        return Outcome(met=False, detail="not vetted yet")
    detail = f"{assessment.get_verdict_display()} on {format_date(assessment.assessed_on)}"
    return Outcome(met=assessment.verdict in PASSING_VERDICTS, detail=detail)


def red_flags_answered(vendor: Vendor) -> Outcome:
    assessment = _latest_assessment(vendor)
    if assessment is None or not assessment.red_flags:
        return Outcome(met=True, detail="no red flags recorded")
    unanswered = assessment.unanswered_red_flags
    if unanswered:
        return Outcome(met=False, detail=f"no note yet: {_names(unanswered)}")
    return Outcome(met=True, detail=f"{len(assessment.red_flags)} answered")


def pilot_passed(vendor: Vendor) -> Outcome:
    # The latest assessment that records a pilot at all: a later vetting without a pilot does not
    # erase the outcome of the pilot that was run.
    assessment = (
        VettingAssessment.objects.filter(vendor=vendor)
        .exclude(pilot_outcome=PilotOutcome.NOT_RUN)
        .order_by("-assessed_on", "-id")
        .first()
    )
    if assessment is None:
        return Outcome(met=False, detail="no pilot outcome recorded")
    detail = f"{assessment.get_pilot_outcome_display()} (vetting of {format_date(assessment.assessed_on)})"
    return Outcome(met=assessment.pilot_outcome == PilotOutcome.PASSED, detail=detail)


def security_certification_current(vendor: Vendor) -> Outcome:
    """Tiers 1–2: a SOC 2 Type II or ISO 27001 certification valid today (issued, not past its expiry
    date), or an *accepted* data-security risk, which is how the register records that we knowingly
    run the vendor without one."""
    if vendor.tier not in TIERS_NEEDING_CERTIFICATION:
        return Outcome(met=True, detail=f"not required for {vendor.get_tier_display()}")
    today = timezone.localdate()
    certification = (
        Certification.objects.filter(
            vendor=vendor, kind__in=SECURITY_CERTIFICATIONS, issued_on__lte=today, expires_on__gte=today
        )
        .order_by("-expires_on")
        .first()
    )
    if certification is not None:
        return Outcome(
            met=True, detail=f"{certification.get_kind_display()} until {format_date(certification.expires_on)}"
        )
    risk = (
        VendorRisk.objects.filter(vendor=vendor, category=RiskCategory.DATA_SECURITY, status=RiskStatus.ACCEPTED)
        .order_by("id")
        .first()
    )
    if risk is not None:
        return Outcome(met=True, detail=f"no certification; accepted risk “{risk.title}”", warning=True)
    return Outcome(met=False, detail="no current SOC 2 Type II or ISO 27001, no accepted data-security risk")


def access_revoked(vendor: Vendor) -> Outcome:
    today = timezone.localdate()
    unrevoked = list(
        AccessGrant.objects.filter(vendor=vendor)
        .filter(Q(revoked_on__isnull=True) | Q(revoked_on__gt=today))
        .order_by("system", "person")
        .values_list("system", "person")
    )
    if not unrevoked:
        return Outcome(met=True)
    shown = _names([f"{person} on {system}" for system, person in unrevoked[:3]])
    more = f" and {len(unrevoked) - 3} more" if len(unrevoked) > 3 else ""
    return Outcome(met=False, detail=f"{len(unrevoked)} not revoked: {shown}{more}")


OWNERS_NAMED = Condition("owners_named", "All three owners are named", owners_named)

VENDOR_GATES: dict[str, tuple[Condition, ...]] = {
    VendorStatus.VETTING: (
        Condition("engineering_owner_named", "An engineering owner is named", engineering_owner_named),
    ),
    VendorStatus.PILOT: (
        Condition(
            "vetting_verdict", "A vetting assessment with verdict Approve or Conditional", vetting_verdict_passing
        ),
        Condition("red_flags_answered", "Every red flag of the vetting has a note", red_flags_answered),
        OWNERS_NAMED,
    ),
    VendorStatus.ACTIVE: (
        Condition("pilot_passed", "A pilot with outcome Passed", pilot_passed),
        Condition(
            "security_certification",
            "Tier 1–2: a current SOC 2 Type II or ISO 27001, or an accepted data-security risk",
            security_certification_current,
        ),
        OWNERS_NAMED,
    ),
    VendorStatus.EXITED: (Condition("access_revoked", "Every access grant is revoked", access_revoked),),
}


def register_vendor_gates() -> None:
    for to_status, conditions in VENDOR_GATES.items():
        register(Vendor, to_status, *conditions)


# -- reading the gates: the vendor page's buttons, the transition page, the API -----------------------
@dataclass(frozen=True)
class Readiness:
    """One possible move of one vendor as a user sees it before trying."""

    to_status: str
    allowed: bool  # the lifecycle allows it from the current status
    report: GateReport
    reason_required: bool
    can_override: bool  # the user may pass the unmet conditions (with a reason)

    @property
    def label(self) -> str:
        return str(VendorStatus(self.to_status).label)

    @property
    def ready(self) -> bool:
        return self.allowed and self.report.passed

    @property
    def missing(self) -> int:
        return len(self.report.unmet)

    def as_dict(self) -> dict[str, Any]:
        return {
            "to_status": self.to_status,
            "label": self.label,
            "allowed": self.allowed,
            "ready": self.ready,
            "reason_required": self.reason_required,
            "can_override": self.can_override,
            "checks": [{**check.as_dict(), "warning": check.warning} for check in self.report.checks],
        }


def vendor_readiness(vendor: Vendor, *, user: Any | None, targets: Iterable[str] | None = None) -> list[Readiness]:
    """Each move of ``vendor`` (default: every move its lifecycle allows from where it is) with the
    checklist of its gate. A target the lifecycle does not allow is reported as not allowed."""
    allowed = VENDOR_TRANSITIONS[vendor.status]
    result = []
    for to_status in allowed if targets is None else targets:
        is_allowed = to_status in allowed
        report = gate_report(vendor, to_status) if is_allowed else GateReport(to_status=to_status)
        result.append(
            Readiness(
                to_status=to_status,
                allowed=is_allowed,
                report=report,
                reason_required=(vendor.status, to_status) in VENDOR_TRANSITIONS_NEEDING_REASON,
                can_override=is_allowed and not report.passed and can_override(user),
            )
        )
    return result
