"""Whose dates are in a feed: a person's own address has the vendors they are a named owner of
(engineering owner, delivery owner, security contact) or watch, the policy exceptions they raised and
the reviews they attend; the whole-portfolio address has everything. Only live dates are there: no
cancelled review, superseded certification, draft or terminated contract, closed exception, nothing
of an exited vendor's still to do, and nothing outside the window."""

from __future__ import annotations

import pytest
from django.test import Client, override_settings

from apps.notifications.calendar.registry import calendar_items
from apps.vendors.services import vendor_unwatch, vendor_watch
from tests import factories
from tests.notifications.calendar.conftest import World, day, event_uids, fetch, make_policy_exception, today

pytestmark = pytest.mark.django_db


def uids_for(user: object, *, portfolio: bool = False) -> set[str]:
    start, end = day(-90), day(730)
    return {item.uid for item in calendar_items(user=user, portfolio=portfolio, start=start, end=end)}


def test_named_owners_see_their_vendors_dates(world: World) -> None:
    assert uids_for(world.owner) == world.uids("Alpha")
    assert uids_for(world.security) == world.uids("Alpha")
    delivery_owner = world.vendors["Alpha"].delivery_owner
    assert uids_for(delivery_owner) == world.uids("Alpha")


def test_watchers_see_the_vendors_they_watch(world: World) -> None:
    assert uids_for(world.watcher) == world.uids("Beta")
    vendor_watch(vendor=world.vendors["Gamma"], user=world.watcher)
    assert uids_for(world.watcher) == world.uids("Beta") | world.uids("Gamma")
    vendor_unwatch(vendor=world.vendors["Beta"], user=world.watcher)
    assert uids_for(world.watcher) == world.uids("Gamma")


def test_someone_who_owns_and_watches_nothing_sees_nothing_but_the_portfolio(client: Client, world: World) -> None:
    assert uids_for(world.stranger) == set()
    everything = world.uids("Alpha") | world.uids("Beta") | world.uids("Gamma")
    assert uids_for(world.stranger, portfolio=True) == everything
    assert event_uids(fetch(client, world.stranger).content) == set()
    portfolio = fetch(client, world.stranger, portfolio=True)
    assert event_uids(portfolio.content) == everything
    assert b"whole portfolio" in portfolio.content


def test_attendees_see_the_review_they_attend(world: World) -> None:
    review = world.records["Gamma"]["review"]
    review.attendees.add(world.stranger)
    assert uids_for(world.stranger) == {f"service-review-{review.pk}"}


def test_policy_exceptions_go_to_their_raiser_and_the_vendors_followers(world: World) -> None:
    on_gamma = make_policy_exception(
        subject=world.records["Gamma"]["contract"], review_on=day(20), raised_by=world.stranger
    )
    on_alpha = make_policy_exception(subject=world.records["Alpha"]["contract"], review_on=day(21))
    function = factories.FunctionFactory(name="Payroll")
    on_function = make_policy_exception(
        subject=function, review_on=day(22), raised_by=world.stranger, kind="decision_against_recommendation"
    )
    make_policy_exception(
        subject=world.records["Gamma"]["contract"], review_on=day(23), raised_by=world.stranger, closed_on=today()
    )
    uid = "policy-exception-{}-review".format
    assert uids_for(world.stranger) == {uid(on_gamma.pk), uid(on_function.pk)}
    assert uids_for(world.owner) == world.uids("Alpha") | {uid(on_alpha.pk)}
    assert {uid(on_gamma.pk), uid(on_alpha.pk), uid(on_function.pk)} <= uids_for(world.watcher, portfolio=True)
    item = next(
        i
        for i in calendar_items(user=world.stranger, portfolio=False, start=day(0), end=day(30))
        if i.uid == uid(on_function.pk)
    )
    assert item.summary.startswith("Policy exception review: ")
    assert "the function “Payroll”" in item.description
    assert item.url.endswith(f"#exception-{on_function.pk}")


def test_only_live_dates(world: World) -> None:
    alpha = world.vendors["Alpha"]
    live = world.uids("Alpha")
    # Not there: a cancelled review, a draft and a terminated contract, a certification a later one
    # supersedes (the later one is there), and what an exited vendor still had to do.
    factories.ServiceReviewFactory(vendor=alpha, scheduled_for=day(10), status="cancelled")
    for status in ("draft", "terminated"):
        factories.ContractFactory(vendor=alpha, status=status, start_date=day(-10), end_date=day(100))
    old = world.records["Alpha"]["certification"]
    renewal = factories.CertificationFactory(vendor=alpha, kind=old.kind, issued_on=day(-5), expires_on=day(700))
    live = (live - {f"certification-{old.pk}-expiry"}) | {f"certification-{renewal.pk}-expiry"}
    exited = factories.VendorFactory(name="Gone", status="exited", engineering_owner=world.owner)
    factories.CertificationFactory(vendor=exited, issued_on=day(-300), expires_on=day(30))
    factories.ServiceReviewFactory(vendor=exited, scheduled_for=day(5))
    held = factories.ServiceReviewFactory(vendor=exited, scheduled_for=day(-20), status="held", held_on=day(-19))
    live |= {f"service-review-{held.pk}"}  # the past stays: it was held
    assert uids_for(world.owner) == live


def test_expired_contracts_keep_their_end_and_lose_their_cancel_by(world: World) -> None:
    ended = factories.ContractFactory(
        vendor=world.vendors["Alpha"], status="expired", start_date=day(-400), end_date=day(-10), renewal="explicit"
    )
    found = {i.uid: i for i in calendar_items(user=world.owner, portfolio=False, start=day(-90), end=day(730))}
    assert f"contract-{ended.pk}-end" in found and f"contract-{ended.pk}-cancel-by" not in found
    assert found[f"contract-{ended.pk}-end"].summary.startswith("Contract ended: ")
    renewing = world.records["Alpha"]["contract"]
    assert found[f"contract-{renewing.pk}-end"].summary == "Contract renews: Alpha services (Alpha)"


def test_the_window(world: World) -> None:
    alpha = world.vendors["Alpha"]
    inside = factories.ServiceReviewFactory(vendor=alpha, scheduled_for=day(-90), status="held", held_on=day(-90))
    before = factories.ServiceReviewFactory(vendor=alpha, scheduled_for=day(-91), status="held", held_on=day(-91))
    last = factories.CertificationFactory(vendor=alpha, kind="soc2", issued_on=day(-10), expires_on=day(730))
    beyond = factories.CertificationFactory(vendor=alpha, kind="iso9001", issued_on=day(-10), expires_on=day(731))
    found = uids_for(world.owner)
    assert {f"service-review-{inside.pk}", f"certification-{last.pk}-expiry"} <= found
    assert not {f"service-review-{before.pk}", f"certification-{beyond.pk}-expiry"} & found


@override_settings(CALENDAR_FEED_DAYS_BACK=0, CALENDAR_FEED_DAYS_AHEAD=10)
def test_the_window_is_a_setting(client: Client, world: World) -> None:
    review = world.records["Alpha"]["review"]  # in 7 days; the rest is further away
    assert event_uids(fetch(client, world.owner).content) == {f"service-review-{review.pk}"}
