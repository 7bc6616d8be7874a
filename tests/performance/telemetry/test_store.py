"""Storing deliveries and normalised events: a delivery seen twice is stored once, and events merge by
source id whatever order their deliveries arrive in (``apps.performance.telemetry.services``)."""

from __future__ import annotations

import datetime as dt

import pytest

from apps.performance.models import Delivery, Deployment, PullRequest, TelemetryRecompute
from apps.performance.telemetry.services import delivery_receive, events_store, recompute_request
from tests import factories

pytestmark = pytest.mark.django_db

T0 = dt.datetime(2026, 10, 5, 9, 0, tzinfo=dt.UTC)


def _pr(**fields: object) -> PullRequest:
    base: dict[str, object] = {
        "source_id": "vendor-org/api#7",
        "repository": "vendor-org/api",
        "number": 7,
        "state": "open",
        "opened_at": T0,
        "observed_at": T0,
    }
    return PullRequest(**{**base, **fields})


def test_a_delivery_seen_twice_is_stored_once(django_capture_on_commit_callbacks: object) -> None:
    binding = factories.SourceBindingFactory()
    first = delivery_receive(binding=binding, delivery_id="abc", event_type="push", raw_payload='{"a": 1}')
    again = delivery_receive(binding=binding, delivery_id="abc", event_type="push", raw_payload='{"a": 2}')
    assert first[1] is True and again == (first[0], False)
    stored = Delivery.objects.get()
    assert stored.payload == {"a": 1}
    binding.refresh_from_db()
    assert binding.last_event_at is not None


def test_a_later_observation_overwrites_and_an_earlier_one_only_fills_gaps() -> None:
    binding = factories.SourceBindingFactory()
    merged_at = T0 + dt.timedelta(hours=5)
    events_store(binding=binding, events=[_pr(state="merged", merged_at=merged_at, observed_at=merged_at, title="Fix")])
    # The "opened" delivery arrives last: it does not reopen the PR, but gives what it alone knows.
    events_store(binding=binding, events=[_pr(state="open", author_login="dev-1", observed_at=T0, title="")])
    pr = PullRequest.objects.get()
    assert (pr.state, pr.merged_at, pr.author_login, pr.title) == ("merged", merged_at, "dev-1", "Fix")
    assert pr.contract_id == binding.contract_id


def test_the_first_review_is_the_earliest_whatever_the_order() -> None:
    binding = factories.SourceBindingFactory()
    late, early = T0 + dt.timedelta(hours=9), T0 + dt.timedelta(hours=2)
    events_store(binding=binding, events=[_pr(first_review_at=late, observed_at=late)])
    events_store(binding=binding, events=[_pr(first_review_at=early, observed_at=early)])
    assert PullRequest.objects.get().first_review_at == early


def test_many_events_are_upserted_in_one_call() -> None:
    binding = factories.SourceBindingFactory()
    deployments = [
        Deployment(
            source_id=str(index),
            repository="vendor-org/api",
            environment="production",
            status="success",
            sha=f"{index:040x}",
            finished_at=T0 + dt.timedelta(hours=index),
            observed_at=T0 + dt.timedelta(hours=index),
        )
        for index in range(2_500)
    ]
    assert events_store(binding=binding, events=deployments) == {"Deployment": 2_500}
    assert events_store(binding=binding, events=deployments[:10]) == {"Deployment": 10}
    assert Deployment.objects.filter(binding=binding).count() == 2_500


def test_a_recompute_request_keeps_the_earliest_date(django_capture_on_commit_callbacks: object) -> None:
    contract = factories.ContractFactory()
    recompute_request(contract_ids=[contract.pk], since=dt.date(2026, 10, 9))
    recompute_request(contract_ids=[contract.pk], since=dt.date(2026, 10, 2))
    recompute_request(contract_ids=[contract.pk], since=dt.date(2026, 10, 20))
    assert TelemetryRecompute.objects.get().since == dt.date(2026, 10, 2)
