"""Bulk actions of the vendor lists (apps.vendors.bulk): revoke access grants, reassign vendors' owners —
each row through the same service as the single change, refused rows with their reason."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.core.errors import ApplicationError
from apps.vendors import services
from apps.vendors.models import AccessGrant, Vendor
from tests import factories

pytestmark = pytest.mark.django_db


def client_for(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


# -- the service ---------------------------------------------------------------------------------------------
def test_access_grant_revoke_sets_today_and_refuses_a_second_time(user_with_role: Any) -> None:
    grant = factories.AccessGrantFactory(granted_on=timezone.localdate() - dt.timedelta(days=30))
    security = user_with_role(Role.SECURITY)
    revoked = services.access_grant_revoke(grant=grant, actor=security)
    assert revoked.revoked_on == timezone.localdate()
    with pytest.raises(ApplicationError, match="Already revoked on"):
        services.access_grant_revoke(grant=grant, actor=security)


# -- revoke in bulk ----------------------------------------------------------------------------------------------
def test_security_revokes_several_grants_and_is_told_which_were_refused(user_with_role: Any) -> None:
    today = timezone.localdate()
    grants = factories.AccessGrantFactory.create_batch(3, granted_on=today - dt.timedelta(days=30))
    done_before = factories.AccessGrantFactory(
        granted_on=today - dt.timedelta(days=30), revoked_on=today - dt.timedelta(days=1)
    )
    # Granted in the future: revoking it today would end it before it began (the model's constraint).
    future = factories.AccessGrantFactory(granted_on=today + dt.timedelta(days=30))
    client = client_for(user_with_role(Role.SECURITY))
    ids = [grant.pk for grant in (*grants, done_before, future)]
    response = client.post(reverse("vendors:access-list"), {"action": "revoke", "ids": ids})
    page = response.content.decode()
    assert response.status_code == 200
    assert 'data-bulk-done="3"' in page and 'data-bulk-refused="2"' in page
    assert "Revoked 3 access grants." in page
    assert "Already revoked on" in page and "cannot be revoked before it is granted" in page
    assert AccessGrant.objects.filter(revoked_on=timezone.localdate()).count() == 3
    future.refresh_from_db()
    assert future.revoked_on is None


def test_roles_without_the_permission_see_no_checkboxes_on_access_grants(user_with_role: Any) -> None:
    grant = factories.AccessGrantFactory()
    client = client_for(user_with_role(Role.PROCUREMENT))
    assert "data-bulk-row" not in client.get(reverse("vendors:access-list")).content.decode()
    assert client.post(reverse("vendors:access-list"), {"action": "revoke", "ids": [grant.pk]}).status_code == 403


# -- reassign owners --------------------------------------------------------------------------------------------
def test_procurement_reassigns_the_delivery_owner_of_several_vendors(user_with_role: Any) -> None:
    keeper = factories.UserFactory(username="keeper")
    vendors = factories.VendorFactory.create_batch(3, engineering_owner=keeper)
    new_owner = factories.UserFactory(username="newowner")
    client = client_for(user_with_role(Role.PROCUREMENT))
    url = reverse("vendors:vendor-list")
    ids = [vendor.pk for vendor in vendors]

    form = client.post(url, {"action": "reassign_owners", "ids": ids})
    assert form.status_code == 200 and 'name="delivery_owner"' in form.content.decode()
    nothing = client.post(url, {"action": "reassign_owners", "ids": ids, "confirm": "1"})
    assert nothing.status_code == 400 and "Choose at least one owner to set." in nothing.content.decode()

    done = client.post(url, {"action": "reassign_owners", "ids": ids, "confirm": "1", "delivery_owner": new_owner.pk})
    assert 'data-bulk-done="3"' in done.content.decode()
    for vendor in Vendor.objects.filter(pk__in=ids):
        assert vendor.delivery_owner_id == new_owner.pk
        assert vendor.engineering_owner_id == keeper.pk  # left empty: kept


def test_security_may_not_reassign_owners(user_with_role: Any) -> None:
    vendor = factories.VendorFactory()
    client = client_for(user_with_role(Role.SECURITY))
    assert "data-bulk-row" not in client.get(reverse("vendors:vendor-list")).content.decode()
    response = client.post(reverse("vendors:vendor-list"), {"action": "reassign_owners", "ids": [vendor.pk]})
    assert response.status_code == 403
