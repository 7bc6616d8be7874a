"""`manage.py seed_demo`: a believable portfolio, built through the services, idempotent."""

from __future__ import annotations

import io

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings
from pghistory.models import Events

from apps.accounts.models import User
from apps.contracts.models import Contract, SlaTerm
from apps.core.demo_data import DEMO_PASSWORD, USERS
from apps.functions.models import Function
from apps.functions.selectors import policy_conflicts
from apps.kpis.models import Measurement
from apps.vendors.models import AccessGrant, Certification, ServiceReview, Vendor, VendorRisk
from apps.vendors.selectors import access_grant_findings_list

pytestmark = pytest.mark.django_db
AS_OF = "2026-11-23"


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", "--as-of", AS_OF, stdout=out)
    return out.getvalue()


def test_builds_the_portfolio() -> None:
    seed()
    assert Function.objects.values("category").distinct().count() >= 12
    assert Vendor.objects.count() >= 8
    assert Vendor.objects.values("geography").distinct().count() == 3
    assert Vendor.objects.values("status").distinct().count() == 6
    assert Contract.objects.count() >= 12
    assert Contract.objects.filter(parent__isnull=False).count() >= 2
    assert Contract.objects.values("engagement_model").distinct().count() == 3
    assert set(SlaTerm.objects.values_list("area", flat=True)) == {
        "delivery",
        "quality",
        "support",
        "security",
        "documentation",
    }
    months = {m.period_end.strftime("%Y-%m") for m in Measurement.objects.all()}
    assert len(months) == 12
    assert Certification.objects.filter(expires_on__lte="2027-01-22", expires_on__gte=AS_OF).exists()
    assert VendorRisk.objects.count() >= 5 and ServiceReview.objects.count() >= 5
    from datetime import date

    assert access_grant_findings_list(as_of=date(2026, 11, 23)).count() >= 1
    assert policy_conflicts().exists()


def test_breaching_values_are_present() -> None:
    seed()
    defect = Measurement.objects.filter(kpi__code="defect_rate", value__gt=2)
    slow = Measurement.objects.filter(kpi__code="first_response_time", contract__title="L1 service desk", value__gt=1)
    assert defect.exists() and slow.exists()


def test_one_demo_user_per_role_who_can_sign_in() -> None:
    seed()
    for username, _first, _last, role in USERS:
        user = User.objects.get(username=username)
        assert role in user.roles
        assert user.check_password(DEMO_PASSWORD)


def test_second_run_changes_nothing() -> None:
    seed()
    counts = {
        model: model.objects.count()
        for model in (User, Function, Vendor, Contract, SlaTerm, Measurement, AccessGrant, ServiceReview)
    }
    events = Events.objects.count()
    assert "nothing new" in seed()
    assert {model: model.objects.count() for model in counts} == counts
    assert Events.objects.count() == events


def test_refused_where_demo_data_is_off() -> None:
    with override_settings(DEMO_DATA_ALLOWED=False), pytest.raises(CommandError, match="disabled"):
        call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.count() == 0
