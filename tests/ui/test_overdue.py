"""Overdue service reviews look overdue ("Overdue", not "Scheduled") and come first, in the review
list, a vendor's reviews tab and vendor 360."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import Role
from apps.vendors.models import ServiceReview
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date.today()


@pytest.fixture
def client(user_with_role: Callable[[str], Any]) -> Client:
    client = Client()
    client.force_login(user_with_role(Role.EXECUTIVE))
    return client


@pytest.fixture
def reviews() -> dict[str, Any]:
    vendor = factories.VendorFactory(status="active")
    return {
        "held": factories.ServiceReviewFactory(
            vendor=vendor,
            scheduled_for=TODAY - dt.timedelta(days=2),
            status="held",
            held_on=TODAY - dt.timedelta(days=2),
        ),
        "overdue_old": factories.ServiceReviewFactory(vendor=vendor, scheduled_for=TODAY - dt.timedelta(days=30)),
        "overdue": factories.ServiceReviewFactory(vendor=vendor, scheduled_for=TODAY - dt.timedelta(days=1)),
        "today": factories.ServiceReviewFactory(vendor=vendor, scheduled_for=TODAY),
        "later": factories.ServiceReviewFactory(vendor=vendor, scheduled_for=TODAY + dt.timedelta(days=40)),
        "soon": factories.ServiceReviewFactory(vendor=vendor, scheduled_for=TODAY + dt.timedelta(days=3)),
    }


def row(html: str, review: ServiceReview) -> str:
    start = html.index(f'data-review="{review.pk}"')
    return html[start : html.index("</tr>", start)]


def test_review_list_badges_overdue_reviews_and_lists_them_first(
    client: Client, reviews: dict[str, ServiceReview]
) -> None:
    response = client.get(reverse("vendors:review-list"))
    order = [r.pk for r in response.context["object_list"]]
    r = reviews
    assert order == [r[k].pk for k in ("overdue_old", "overdue", "today", "soon", "later", "held")]
    html = response.content.decode()
    for key in ("overdue_old", "overdue"):
        assert "Overdue" in row(html, r[key]) and "Scheduled" not in row(html, r[key])
    for key in ("today", "soon"):
        assert "Scheduled" in row(html, r[key]) and "Overdue" not in row(html, r[key])

    # The open view (scheduled only) and the overdue filter.
    scheduled = client.get(reverse("vendors:review-list"), {"status": "scheduled"}).context["object_list"]
    assert [x.pk for x in scheduled][:2] == [r["overdue_old"].pk, r["overdue"].pk]
    overdue = client.get(reverse("vendors:review-list"), {"overdue": "true"}).context["object_list"]
    assert {x.pk for x in overdue} == {r["overdue_old"].pk, r["overdue"].pk}


def test_vendor_reviews_tab_badges_overdue_first(client: Client, reviews: dict[str, ServiceReview]) -> None:
    vendor = reviews["held"].vendor
    html = client.get(reverse("vendors:vendor-tab", args=[vendor.pk, "reviews"])).content.decode()
    positions = [html.index(f'data-review="{reviews[k].pk}"') for k in ("overdue_old", "overdue", "today", "held")]
    assert positions == sorted(positions)
    assert "Overdue" in row(html, reviews["overdue"]) and "Scheduled" not in row(html, reviews["overdue"])
    assert "Scheduled" in row(html, reviews["today"])


def test_vendor_360_badges_overdue_reviews(client: Client, reviews: dict[str, ServiceReview]) -> None:
    vendor = reviews["held"].vendor
    html = client.get(reverse("dashboards:vendor-360", args=[vendor.pk])).content.decode()
    link = reverse("vendors:review-detail", args=[reviews["overdue"].pk])
    item = html[html.index(f'href="{link}"') :]
    item = item[: item.index("</li>")]
    assert "data-overdue>Overdue" in item and "Scheduled" not in item


def test_api_filters_overdue_reviews(api_client_for: Callable[[str], Any], reviews: dict[str, ServiceReview]) -> None:
    body = api_client_for(Role.EXECUTIVE).get("/api/v1/service-reviews/?overdue=true").json()
    assert {x["id"] for x in body["results"]} == {reviews["overdue_old"].pk, reviews["overdue"].pk}
