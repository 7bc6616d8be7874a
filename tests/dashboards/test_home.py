"""The landing page (non-executives): overdue action items lead to their review and say they are
overdue; expired certifications stay on the card until renewed or retired; access findings link to
their list."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import Role
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@pytest.fixture
def client(user_with_role: Callable[[str], Any]) -> Client:
    client = Client()
    client.force_login(user_with_role(Role.SECURITY))
    return client


def home(client: Client) -> str:
    response = client.get(reverse("home"))
    assert response.status_code == 200
    assert "overdue_actions" in response.context, "the security role lands on the workspace page"
    return response.content.decode()


def test_overdue_actions_link_to_their_review_and_are_marked_overdue(client: Client) -> None:
    review = factories.ServiceReviewFactory(
        scheduled_for=TODAY - dt.timedelta(days=20), status="held", held_on=TODAY - dt.timedelta(days=20)
    )
    item = factories.ActionItemFactory(
        review=review, description="Rotate the deploy keys", due_on=TODAY - dt.timedelta(days=3)
    )
    factories.ActionItemFactory(review=review, description="Not due yet", due_on=TODAY + dt.timedelta(days=3))
    html = home(client)
    card = html[html.index(f'data-overdue-action="{item.pk}"') :]
    card = card[: card.index("</p>")]
    assert f'<a href="{review.get_absolute_url()}">Rotate the deploy keys</a>' in card
    assert '<span class="badge badge-bad">overdue</span>' in card
    assert "Not due yet" not in html


def test_expired_certifications_stay_on_the_home_card(client: Client) -> None:
    vendor = factories.VendorFactory(status="active", name="Lapsed Ltd")
    expired = factories.CertificationFactory(vendor=vendor, kind="iso27001", expires_on=TODAY - dt.timedelta(days=200))
    renewed = factories.CertificationFactory(vendor=vendor, kind="soc2_type2", expires_on=TODAY - dt.timedelta(days=30))
    factories.CertificationFactory(vendor=vendor, kind="soc2_type2", expires_on=TODAY + dt.timedelta(days=300))
    retired = factories.CertificationFactory(
        vendor=factories.VendorFactory(status="exited"), expires_on=TODAY - dt.timedelta(days=10)
    )
    soon = factories.CertificationFactory(vendor=vendor, kind="iso9001", expires_on=TODAY + dt.timedelta(days=20))
    html = home(client)
    shown = [c.pk for c in client.get(reverse("home")).context["expiring_certifications"]]
    assert shown == [expired.pk, soon.pk]
    assert renewed.pk not in shown and retired.pk not in shown
    card = html[html.index(f'data-certification="{expired.pk}"') :]
    assert '<span class="badge badge-bad">expired</span>' in card[: card.index("</p>")]


def test_access_findings_stat_links_to_the_findings(client: Client) -> None:
    factories.AccessGrantFactory(granted_on=TODAY - dt.timedelta(days=5), privilege="admin", mfa_enabled=False)
    factories.AccessGrantFactory(granted_on=TODAY - dt.timedelta(days=5), privilege="admin")
    html = home(client)
    end = html.index('data-stat="access-findings"')
    stat = html[html.rindex("<a ", 0, end) :]
    stat = stat[: stat.index("</a>")]
    assert reverse("vendors:access-list") + "?has_findings=true" in stat
    assert "<strong>2</strong>" in stat and "(1 high)" in stat
