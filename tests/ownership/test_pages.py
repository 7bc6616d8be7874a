"""Pages offer a record's buttons only to those who may use them (``may_write``): a breach's
acknowledge and resolve on the breach list and the contract page, a review's record and actions."""

from __future__ import annotations

from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import Role
from tests.factories import BreachFactory, ContractFactory, ServiceReviewFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager() -> Any:
    return UserFactory(role=Role.ENGINEERING_MANAGER)


def page(user: Any, url: str) -> str:
    client = Client()
    client.force_login(user)
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def test_breach_buttons_only_on_the_managers_own_breaches(manager: Any) -> None:
    mine = BreachFactory(evaluation__term__contract=ContractFactory(vendor=VendorFactory(engineering_owner=manager)))
    theirs = BreachFactory()
    listing = page(manager, reverse("performance:breach-list"))
    assert reverse("performance:breach-action", args=[mine.pk, "acknowledge"]) in listing
    assert reverse("performance:breach-action", args=[theirs.pk, "acknowledge"]) not in listing
    assert reverse("performance:breach-action", args=[theirs.pk, "resolve"]) not in listing
    for breach, shown in ((mine, True), (theirs, False)):
        contract_page = page(manager, breach.term.contract.get_absolute_url())
        assert (reverse("performance:breach-action", args=[breach.pk, "resolve"]) in contract_page) is shown
    # An executive is not owner-scoped: every breach's buttons.
    executive_listing = page(UserFactory(role=Role.EXECUTIVE), reverse("performance:breach-list"))
    assert reverse("performance:breach-action", args=[theirs.pk, "acknowledge"]) in executive_listing


def test_review_buttons_only_on_the_managers_own_reviews(manager: Any) -> None:
    mine = ServiceReviewFactory(vendor=VendorFactory(delivery_owner=manager))
    theirs = ServiceReviewFactory()
    assert reverse("vendors:review-record", args=[mine.pk]) in page(
        manager, reverse("vendors:review-detail", args=[mine.pk])
    )
    their_page = page(manager, reverse("vendors:review-detail", args=[theirs.pk]))
    assert reverse("vendors:review-record", args=[theirs.pk]) not in their_page
    assert reverse("vendors:action-create", args=[theirs.pk]) not in their_page
    schedule = page(manager, reverse("vendors:review-create"))
    assert f'value="{mine.vendor.pk}"' in schedule and f'value="{theirs.vendor.pk}"' not in schedule
