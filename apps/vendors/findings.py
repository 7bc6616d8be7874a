"""Access findings: the rules that say an access grant of vendor staff needs attention, each with a
code, a sentence and a severity.

Each rule is written twice, side by side, and nowhere else: as SQL (a ``Q`` over ``AccessGrant`` rows,
so lists filter, sort and count in the database) and in Python for one grant already in memory.
``tests/vendors/test_access_findings.py`` runs both over a table of cases and asserts they agree.

Only a grant not yet revoked on the day has findings: a revocation dated in the future has not happened
yet. The vendor's status is read as it is now.
"""

from __future__ import annotations

import operator
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date
from functools import reduce
from typing import Any

from django.db import models
from django.db.models import BooleanField, Case, CharField, IntegerField, Q, Sum, Value, When

from apps.vendors.choices import Privilege, VendorStatus
from apps.vendors.models import AccessGrant


class FindingSeverity(models.TextChoices):
    HIGH = "high", "High"
    MEDIUM = "medium", "Medium"


# Worst first: the order findings are listed and grants are sorted in.
SEVERITIES_WORST_FIRST = (FindingSeverity.HIGH, FindingSeverity.MEDIUM)
SEVERITY_RANK: dict[str, int] = {FindingSeverity.HIGH: 2, FindingSeverity.MEDIUM: 1}
SEVERITY_TONE: dict[str, str] = {FindingSeverity.HIGH: "bad", FindingSeverity.MEDIUM: "warn"}

PRIVILEGED = (Privilege.ADMIN, Privilege.PRODUCTION)
SHARED_REFUSED = (Privilege.ADMIN, Privilege.PRODUCTION, Privilege.WRITE)
LEAVING_VENDOR_STATUSES = (VendorStatus.OFFBOARDING, VendorStatus.EXITED)

SHARED_PRIVILEGED = "shared_privileged"
NO_MFA = "no_mfa"
NO_EXPIRY = "no_expiry"
EXPIRED = "expired"
VENDOR_LEAVING = "vendor_leaving"


@dataclass(frozen=True)
class Finding:
    """One rule a grant breaks: what the API lists and the pages show."""

    code: str
    severity: str
    label: str  # a few words, for a badge or a filter
    message: str  # the sentence: what is wrong and what to do

    @property
    def tone(self) -> str:
        return SEVERITY_TONE[self.severity]

    def as_dict(self) -> dict[str, str]:
        return {"code": self.code, "severity": self.severity, "message": self.message}


@dataclass(frozen=True)
class AccessRule:
    finding: Finding
    sql: Callable[[date], Q]  # the grants it finds on a day (revocation is checked apart)
    python: Callable[[AccessGrant, date], bool]  # the same for one grant

    @property
    def code(self) -> str:
        return self.finding.code

    @property
    def severity(self) -> str:
        return self.finding.severity


RULES: tuple[AccessRule, ...] = (
    AccessRule(
        Finding(
            SHARED_PRIVILEGED,
            FindingSeverity.HIGH,
            "shared account, privileged",
            "A shared account has admin, production or write access: give each person a named account.",
        ),
        sql=lambda as_of: Q(named_account=False, privilege__in=SHARED_REFUSED),
        python=lambda grant, as_of: not grant.named_account and grant.privilege in SHARED_REFUSED,
    ),
    AccessRule(
        Finding(
            NO_MFA,
            FindingSeverity.HIGH,
            "no MFA",
            "Admin or production access without MFA: turn MFA on or lower the privilege.",
        ),
        sql=lambda as_of: Q(mfa_enabled=False, privilege__in=PRIVILEGED),
        python=lambda grant, as_of: not grant.mfa_enabled and grant.privilege in PRIVILEGED,
    ),
    AccessRule(
        Finding(
            NO_EXPIRY,
            FindingSeverity.MEDIUM,
            "no expiry",
            "Admin or production access with no expiry date: set the date it ends.",
        ),
        sql=lambda as_of: Q(expires_on__isnull=True, privilege__in=PRIVILEGED),
        python=lambda grant, as_of: grant.expires_on is None and grant.privilege in PRIVILEGED,
    ),
    AccessRule(
        Finding(
            EXPIRED,
            FindingSeverity.HIGH,
            "past expiry",
            "Past its expiry date and not revoked: revoke it and record the date.",
        ),
        sql=lambda as_of: Q(expires_on__lt=as_of),
        python=lambda grant, as_of: grant.expires_on is not None and grant.expires_on < as_of,
    ),
    AccessRule(
        Finding(
            VENDOR_LEAVING,
            FindingSeverity.HIGH,
            "vendor leaving",
            "The vendor is offboarding or has exited and this access is still open: revoke it.",
        ),
        sql=lambda as_of: Q(vendor__status__in=LEAVING_VENDOR_STATUSES),
        python=lambda grant, as_of: grant.vendor.status in LEAVING_VENDOR_STATUSES,
    ),
)
RULES_BY_CODE = {rule.code: rule for rule in RULES}
FINDING_CODES = tuple(RULES_BY_CODE)
FINDING_CHOICES = tuple((rule.code, rule.finding.label.capitalize()) for rule in RULES)


def annotation_name(code: str) -> str:
    return f"finding_{code}"


# -- SQL -------------------------------------------------------------------------------------------
def unrevoked(as_of: date) -> Q:
    return Q(revoked_on__isnull=True) | Q(revoked_on__gt=as_of)


def rule_condition(code: str, as_of: date) -> Q:
    """The grants that have the finding ``code`` on ``as_of``."""
    return unrevoked(as_of) & RULES_BY_CODE[code].sql(as_of)


def any_finding_condition(as_of: date, *, codes: Iterable[str] = FINDING_CODES) -> Q:
    return unrevoked(as_of) & reduce(operator.or_, (RULES_BY_CODE[code].sql(as_of) for code in codes))


def severity_condition(severity: str, as_of: date) -> Q:
    """The grants with at least one finding of ``severity``."""
    return any_finding_condition(as_of, codes=[rule.code for rule in RULES if rule.severity == severity])


def _flag(condition: Q) -> Case:
    # CASE rather than the bare condition: a NULL column (no expiry) must read as False, never as NULL.
    return Case(When(condition, then=Value(True)), default=Value(False), output_field=BooleanField())


def finding_annotations(as_of: date) -> dict[str, Any]:
    """``finding_<code>`` (bool) for each rule; ``finding_severity``: the worst severity of the grant's
    findings ("" without any); ``finding_rank``: the same as a number to sort by (high 2, medium 1, 0);
    ``finding_count``: how many rules the grant breaks."""
    flags: dict[str, Any] = {annotation_name(rule.code): _flag(rule_condition(rule.code, as_of)) for rule in RULES}
    worst = [(severity, severity_condition(severity, as_of)) for severity in SEVERITIES_WORST_FIRST]
    flags["finding_severity"] = Case(
        *(When(condition, then=Value(str(severity))) for severity, condition in worst),
        default=Value(""),
        output_field=CharField(),
    )
    flags["finding_rank"] = Case(
        *(When(condition, then=Value(SEVERITY_RANK[severity])) for severity, condition in worst),
        default=Value(0),
        output_field=IntegerField(),
    )
    flags["finding_count"] = sum(
        (
            Case(When(rule_condition(rule.code, as_of), then=Value(1)), default=Value(0), output_field=IntegerField())
            for rule in RULES
        ),
        start=Value(0),
    )
    return flags


def findings_count_expression(severity: str, as_of: date) -> Any:
    """The number of findings of ``severity`` over the rows of a grouped query (one per rule a grant breaks)."""
    return sum(
        (
            Sum(Case(When(rule_condition(rule.code, as_of), then=Value(1)), default=Value(0)))
            for rule in RULES
            if rule.severity == severity
        ),
        start=Value(0),
    )


# -- Python ----------------------------------------------------------------------------------------
def grant_findings(grant: AccessGrant, *, as_of: date) -> list[Finding]:
    """The findings of one grant on ``as_of``, worked out from the row itself (reads ``grant.vendor``)."""
    if grant.revoked_on is not None and grant.revoked_on <= as_of:
        return []
    return [rule.finding for rule in RULES if rule.python(grant, as_of)]


def annotated_findings(grant: AccessGrant) -> list[Finding] | None:
    """The findings the SQL annotations of ``finding_annotations`` put on the grant, or None when it
    carries none (a grant not read through ``selectors.access_grant_list``)."""
    names = [annotation_name(rule.code) for rule in RULES]
    if not all(hasattr(grant, name) for name in names):
        return None
    return [rule.finding for rule, name in zip(RULES, names, strict=True) if getattr(grant, name)]


def worst_severity(findings: Iterable[Finding]) -> str:
    ranks = [SEVERITY_RANK[f.severity] for f in findings]
    if not ranks:
        return ""
    return str(next(s for s in SEVERITIES_WORST_FIRST if SEVERITY_RANK[s] == max(ranks)))
