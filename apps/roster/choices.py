from django.db import models

from apps.core.tones import BAD, GOOD, QUIET, WARN, register_tones


class SubstitutionStatus(models.TextChoices):
    REQUESTED = "requested", "Requested"
    APPROVED = "approved", "Approved"
    REFUSED = "refused", "Refused"
    WITHDRAWN = "withdrawn", "Withdrawn"


register_tones(
    {
        SubstitutionStatus.REQUESTED: WARN,
        SubstitutionStatus.APPROVED: GOOD,
        SubstitutionStatus.REFUSED: BAD,
        SubstitutionStatus.WITHDRAWN: QUIET,
    }
)

# A substitution request: status → the statuses it may move to. Only a request is decided; a decision
# is final (a new request is made instead).
SUBSTITUTION_TRANSITIONS: dict[str, tuple[str, ...]] = {
    SubstitutionStatus.REQUESTED: (
        SubstitutionStatus.APPROVED,
        SubstitutionStatus.REFUSED,
        SubstitutionStatus.WITHDRAWN,
    ),
    SubstitutionStatus.APPROVED: (),
    SubstitutionStatus.REFUSED: (),
    SubstitutionStatus.WITHDRAWN: (),
}


class FindingKind(models.TextChoices):
    """What the roster job finds (docs/architecture/roster.md, "Findings")."""

    UNAPPROVED_SWAP = "unapproved_swap", "Unapproved swap"
    SENIORITY_DRIFT = "seniority_drift", "Seniority drift"
    UNDERSTAFFED = "understaffed", "Understaffed"
    LEAVER_WITH_ACCESS = "leaver_with_access", "Leaver with live access"
    UNLISTED_CONTRIBUTOR = "unlisted_contributor", "Unlisted contributor"
    KEY_PERSON_INACTIVE = "key_person_inactive", "Key person inactive"
