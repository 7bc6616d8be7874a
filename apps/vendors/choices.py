from django.db import models

from apps.core.tones import BAD, GOOD, INFO, QUIET, WARN, register_tones


class Geography(models.TextChoices):
    ONSHORE = "onshore", "Onshore"
    NEARSHORE = "nearshore", "Nearshore"
    OFFSHORE = "offshore", "Offshore"


class VendorStatus(models.TextChoices):
    PROSPECT = "prospect", "Prospect"
    VETTING = "vetting", "Vetting"
    PILOT = "pilot", "Pilot"
    ACTIVE = "active", "Active"
    OFFBOARDING = "offboarding", "Offboarding"
    EXITED = "exited", "Exited"


register_tones(
    {
        VendorStatus.PROSPECT: QUIET,
        VendorStatus.VETTING: INFO,
        VendorStatus.PILOT: INFO,
        VendorStatus.ACTIVE: GOOD,
        VendorStatus.OFFBOARDING: WARN,
        VendorStatus.EXITED: QUIET,
    }
)


# The vendor lifecycle: status → the statuses it may move to. A vendor becomes active only from
# pilot (nobody skips the pilot); offboarding → active cancels an exit and is kept, with a reason, for
# a vendor that was active before. What each move needs is in ``apps.vendors.gates``.
VENDOR_TRANSITIONS: dict[str, tuple[str, ...]] = {
    VendorStatus.PROSPECT: (VendorStatus.VETTING, VendorStatus.EXITED),
    VendorStatus.VETTING: (VendorStatus.PILOT, VendorStatus.EXITED),
    VendorStatus.PILOT: (VendorStatus.ACTIVE, VendorStatus.OFFBOARDING, VendorStatus.EXITED),
    VendorStatus.ACTIVE: (VendorStatus.OFFBOARDING,),
    VendorStatus.OFFBOARDING: (VendorStatus.EXITED, VendorStatus.ACTIVE),
    VendorStatus.EXITED: (),
}

# The consequential moves: (from, to) → why a reason is asked. The reason is kept on the status
# change and in the audit trail; the API answers 400 on ``reason`` without one.
VENDOR_TRANSITIONS_NEEDING_REASON: dict[tuple[str, str], str] = {
    **{(start, VendorStatus.EXITED): "Exiting a vendor" for start in VendorStatus.values},
    (VendorStatus.OFFBOARDING, VendorStatus.ACTIVE): "Cancelling an offboarding",
}


class Tier(models.TextChoices):
    """How critical the vendor is to the business."""

    TIER_1 = "tier_1", "Tier 1 — critical"
    TIER_2 = "tier_2", "Tier 2 — important"
    TIER_3 = "tier_3", "Tier 3 — standard"


class PilotOutcome(models.TextChoices):
    NOT_RUN = "not_run", "Not run"
    PASSED = "passed", "Passed"
    MIXED = "mixed", "Mixed"
    FAILED = "failed", "Failed"


register_tones(
    {
        PilotOutcome.NOT_RUN: QUIET,
        PilotOutcome.PASSED: GOOD,
        PilotOutcome.MIXED: WARN,
        PilotOutcome.FAILED: BAD,
    }
)


class Verdict(models.TextChoices):
    APPROVE = "approve", "Approve"
    CONDITIONAL = "conditional", "Conditional"
    REJECT = "reject", "Reject"


register_tones(
    {
        Verdict.APPROVE: GOOD,
        Verdict.CONDITIONAL: WARN,
        Verdict.REJECT: BAD,
    }
)


class CertificationKind(models.TextChoices):
    SOC2_TYPE2 = "soc2_type2", "SOC 2 Type II"
    ISO27001 = "iso27001", "ISO 27001"
    ISO9001 = "iso9001", "ISO 9001"
    OTHER = "other", "Other"


class RiskCategory(models.TextChoices):
    IP_OWNERSHIP = "ip_ownership", "IP & code ownership"
    DATA_SECURITY = "data_security", "Data security & access"
    JURISDICTION = "jurisdiction", "Jurisdiction & enforceability"
    KNOWLEDGE_LOSS = "knowledge_loss", "Knowledge loss"
    LOCK_IN = "lock_in", "Lock-in & exit"
    FINANCIAL = "financial", "Financial"
    DELIVERY = "delivery", "Delivery"


class RiskStatus(models.TextChoices):
    OPEN = "open", "Open"
    MITIGATING = "mitigating", "Mitigating"
    ACCEPTED = "accepted", "Accepted"
    CLOSED = "closed", "Closed"


register_tones(
    {
        RiskStatus.OPEN: BAD,
        RiskStatus.MITIGATING: WARN,
        RiskStatus.ACCEPTED: INFO,
        RiskStatus.CLOSED: QUIET,
    }
)


class Privilege(models.TextChoices):
    READ = "read", "Read"
    WRITE = "write", "Write"
    ADMIN = "admin", "Admin"
    PRODUCTION = "production", "Production"


class ReviewStatus(models.TextChoices):
    SCHEDULED = "scheduled", "Scheduled"
    HELD = "held", "Held"
    CANCELLED = "cancelled", "Cancelled"


register_tones(
    {
        ReviewStatus.SCHEDULED: INFO,
        ReviewStatus.HELD: GOOD,
        ReviewStatus.CANCELLED: QUIET,
    }
)


class IdentityKind(models.TextChoices):
    """What a vendor identity rule matches (``apps.vendors.identity``): the people whose commits, reviews,
    comments and incidents count as the vendor's in delivery telemetry."""

    EMAIL_DOMAIN = "email_domain", "E-mail domain"
    LOGIN = "login", "Git hosting or tracker login"
    TEAM = "team", "Git hosting team"
    GROUP = "group", "Tracker group"


class SeniorityBand(models.TextChoices):
    """An engineer's seniority band; the weights (junior 1 … principal 4) give a team's weighted
    seniority (docs/architecture/roster.md, "Seniority drift")."""

    JUNIOR = "junior", "Junior"
    MID = "mid", "Mid"
    SENIOR = "senior", "Senior"
    PRINCIPAL = "principal", "Principal"


SENIORITY_WEIGHTS: dict[str, int] = {
    SeniorityBand.JUNIOR: 1,
    SeniorityBand.MID: 2,
    SeniorityBand.SENIOR: 3,
    SeniorityBand.PRINCIPAL: 4,
}
