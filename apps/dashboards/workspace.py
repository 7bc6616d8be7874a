"""The landing page's overview (the home page of everyone but executives): counts and the short lists of
what needs attention now, each from the owning app's selectors."""

from __future__ import annotations

from typing import Any

from django.db.models import Count, Q
from django.utils import timezone

from apps.contracts.choices import ContractStatus
from apps.contracts.selectors import contract_list, contracts_renewing_within
from apps.functions.selectors import policy_conflicts
from apps.vendors.choices import VendorStatus
from apps.vendors.findings import FindingSeverity
from apps.vendors.selectors import access_grant_list, action_item_list, certifications_to_renew, vendor_list

ATTENTION_DAYS = 90
SHORT_LIST = 6


def workspace_overview(*, user: Any) -> dict[str, Any]:
    today = timezone.localdate()
    by_status = dict(vendor_list(user=user).order_by().values_list("status").annotate(n=Count("pk")))
    return {
        "vendor_counts": [(status, label, by_status.get(status, 0)) for status, label in VendorStatus.choices],
        "active_contracts": contract_list(user=user).filter(status=ContractStatus.ACTIVE).count(),
        "renewals": list(
            contracts_renewing_within(as_of=today, days=ATTENTION_DAYS, user=user).order_by("cancel_by")[:SHORT_LIST]
        ),
        "conflicts": list(policy_conflicts(user=user).order_by("name")[:SHORT_LIST]),
        "overdue_actions": list(
            action_item_list(user=user).filter(done_on__isnull=True, due_on__lt=today).order_by("due_on")[:SHORT_LIST]
        ),
        # Expired ones first (the oldest first), however long ago, until renewed or retired.
        "expiring_certifications": list(
            certifications_to_renew(as_of=today, within_days=ATTENTION_DAYS, user=user).order_by("expires_on", "pk")[
                :SHORT_LIST
            ]
        ),
        "access_findings": access_grant_list(user=user, as_of=today).aggregate(
            total=Count("pk", filter=Q(finding_count__gt=0)),
            high=Count("pk", filter=Q(finding_severity=FindingSeverity.HIGH)),
        ),
        "today": today,
        "attention_days": ATTENTION_DAYS,
    }
