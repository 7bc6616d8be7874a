"""`manage.py seed_demo` on a database that has no demo yet: the mark it leaves, records that were there
before it, and where demo data is off. (The loaded demo itself: test_seed_demo.py.)"""

from __future__ import annotations

import io
from collections.abc import Callable
from datetime import date

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from apps.accounts.models import User
from apps.contracts.models import Contract
from apps.demo.management.commands.seed_demo import demo_loaded_on
from apps.functions.models import SourcingDecision
from apps.vendors.models import Certification, ServiceReview, Vendor
from tests.factories import FunctionFactory, VendorFactory

# slow: each test loads the demo (20–40 s).
pytestmark = [pytest.mark.django_db, pytest.mark.slow]
AS_OF = "2026-11-23"


def seed() -> str:
    out = io.StringIO()
    call_command("seed_demo", "--as-of", AS_OF, stdout=out)
    return out.getvalue()


def test_the_mark_outlives_the_demo_sign_ins() -> None:
    """The audit trail, not the demo rows, remembers that the demo was loaded."""
    assert demo_loaded_on() is None
    seed()
    assert demo_loaded_on() == date(2026, 11, 23)
    User.objects.filter(username="admin").update(username="alex.morgan")  # renamed by an admin
    assert demo_loaded_on() == date(2026, 11, 23)
    assert "already loaded" in seed()


def test_first_load_leaves_existing_records_alone(user_with_role: Callable[[str], User]) -> None:
    """A record that exists before the demo is loaded (same natural key) is used as it is: not
    changed, and given none of the demo's contracts, reviews, decisions…"""
    owner = user_with_role("engineering_manager")
    vistula = VendorFactory(
        name="Vistula Software House", status="prospect", description="Ours.", engineering_owner=owner
    )
    own_function = FunctionFactory(name="Payroll systems")
    vistula_before = Vendor.objects.filter(pk=vistula.pk).values().get()

    output = seed()

    assert "Demo data ready" in output
    assert Vendor.objects.filter(pk=vistula.pk).values().get() == vistula_before
    assert not Contract.objects.filter(vendor=vistula).exists()
    assert not ServiceReview.objects.filter(vendor=vistula).exists()
    assert not Certification.objects.filter(vendor=vistula).exists()
    assert not SourcingDecision.objects.filter(function=own_function).exists()
    # The rest of the demo is there, including contracts that cover the existing function.
    assert Contract.objects.filter(vendor__name="Bangalore Digital Works").count() >= 3
    assert Contract.objects.filter(functions=own_function).exists()
    assert demo_loaded_on() == date(2026, 11, 23)


def test_refused_where_demo_data_is_off() -> None:
    with override_settings(DEMO_DATA_ALLOWED=False), pytest.raises(CommandError, match="disabled"):
        call_command("seed_demo", stdout=io.StringIO())
    assert User.objects.count() == 0
