"""The landing page's overview: counts and the short lists of what needs attention, each from the
owning app's selectors."""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from django.db.models import Count
from django.utils import timezone

from apps.contracts.choices import ContractStatus
from apps.contracts.selectors import contract_list, contracts_renewing_within
from apps.functions.selectors import policy_conflicts
from apps.vendors.choices import VendorStatus
from apps.vendors.selectors import access_grant_findings, action_item_list, certification_list, vendor_list

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
        "expiring_certifications": list(
            certification_list(user=user)
            .filter(expires_on__gte=today, expires_on__lte=today + timedelta(days=ATTENTION_DAYS))
            .order_by("expires_on")[:SHORT_LIST]
        ),
        "access_findings": access_grant_findings(as_of=today, user=user).count(),
        "attention_days": ATTENTION_DAYS,
    }
