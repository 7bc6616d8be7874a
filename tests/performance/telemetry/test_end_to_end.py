"""Delivery telemetry end to end (issue 14, "Done when"): a GitHub ``push`` + ``pull_request`` +
``deployment_status`` sequence and a PagerDuty incident, signed with their bindings' secrets and posted
over HTTP to the receivers, are processed by a real Celery worker on the real Redis broker into the four
DORA measurements; the SLA sweep opens the change-failure-rate breach and its notification carries the
evidence; replaying every delivery changes nothing."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any
from zoneinfo import ZoneInfo

import httpx
import pytest
from django.conf import settings
from django.utils import timezone

from apps.demo.telemetry_demo import (
    DemoDelivery,
    Engineer,
    github_commit,
    github_deployment_status,
    github_pull_request,
    github_push,
    pagerduty_incident,
    signed_headers,
)
from apps.kpis.models import KpiDefinition
from apps.notifications.models import Notification
from apps.performance.models import Breach, Measurement
from apps.performance.sla import sla_sweep
from apps.performance.tasks import evaluate_slas
from apps.performance.telemetry.models import Change, Delivery, Deployment, Incident, PullRequest
from config.celery import app
from tests.celery_worker import running_worker, wait_until
from tests.factories import ContractFactory, SlaTermFactory, SourceBindingFactory

pytestmark = [pytest.mark.celery, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

REPOSITORY = "northwind-labs/checkout"
SERVICE = "PCHK0UT"
DORA = {"deployment_frequency", "lead_time_for_changes", "change_failure_rate", "time_to_restore"}
AUTHOR = Engineer("Anna Kowalska", "anna-vsh", "anna.kowalska@vistulasoftware.example")
REVIEWER = Engineer("Marco Rossi", "marco-rossi", "manager@example.com")


def first_monday_of_last_month() -> tuple[dt.date, dt.date]:
    """The last closed month's first day, and its first Monday (its week ends inside the month)."""
    today = timezone.localdate()
    month = (today.replace(day=1) - dt.timedelta(days=1)).replace(day=1)
    return month, month + dt.timedelta(days=(7 - month.weekday()) % 7)


def at(day: dt.date, hour: int, minute: int = 0) -> dt.datetime:
    return dt.datetime.combine(day, dt.time(hour, minute), tzinfo=ZoneInfo(settings.TIME_ZONE))


def sha(n: int) -> str:
    return f"{n:040x}"


def merged_pull_request(
    number: int, *, title: str, branch: str, commits: list[dict[str, Any]], opened: dt.datetime, merged: dt.datetime
) -> list[DemoDelivery]:
    pull = {
        "number": number,
        "title": title,
        "author": AUTHOR,
        "branch": branch,
        "head_sha": commits[-1]["id"],
        "labels": (),
        "commits": len(commits),
        "opened_at": opened,
    }
    return [
        DemoDelivery(
            "github",
            "pull_request",
            f"pr-{number}-opened",
            github_pull_request(
                action="opened",
                repository=REPOSITORY,
                sender=AUTHOR,
                updated_at=opened,
                merged_at=None,
                merge_sha=None,
                **pull,
            ),
            opened,
        ),
        DemoDelivery(
            "github",
            "pull_request",
            f"pr-{number}-merged",
            github_pull_request(
                action="closed",
                repository=REPOSITORY,
                sender=AUTHOR,
                updated_at=merged,
                merged_at=merged,
                merge_sha=sha(1000 + number),
                **pull,
            ),
            merged,
        ),
    ]


def the_sequence(monday: dt.date) -> list[DemoDelivery]:
    """Monday: a pull request merged and deployed, an incident 30 minutes later, a hot-fix deployed an
    hour after that (so Monday's deployment failed), the incident resolved; Tuesday: another pull
    request merged and deployed. Change failure rate 1 ÷ 3 deployments, against a 15 % target."""
    tuesday = monday + dt.timedelta(days=1)
    deliveries: list[DemoDelivery] = []
    head = sha(1)

    def commit(n: int, message: str, when: dt.datetime) -> dict[str, Any]:
        return github_commit(repository=REPOSITORY, sha=sha(n), message=message, author=AUTHOR, at=when)

    def merge_and_push(
        number: int, title: str, branch: str, commits: list[dict[str, Any]], opened: dt.datetime, merged: dt.datetime
    ) -> str:
        deliveries.extend(
            merged_pull_request(number, title=title, branch=branch, commits=commits, opened=opened, merged=merged)
        )
        merge = github_commit(
            repository=REPOSITORY,
            sha=sha(1000 + number),
            message=f"Merge pull request #{number}",
            author=AUTHOR,
            at=merged,
        )
        pushed = [*commits, merge]
        deliveries.append(
            DemoDelivery(
                "github",
                "push",
                f"push-{number}",
                github_push(
                    repository=REPOSITORY, ref="refs/heads/main", before=head, commits=pushed, pusher=AUTHOR, at=merged
                ),
                merged,
            )
        )
        return str(merge["id"])

    def deploy(deployment_id: int, deployed_sha: str, ref: str, when: dt.datetime) -> None:
        deliveries.append(
            DemoDelivery(
                "github",
                "deployment_status",
                f"deployment-{deployment_id}",
                github_deployment_status(
                    repository=REPOSITORY,
                    deployment_id=deployment_id,
                    sha=deployed_sha,
                    ref=ref,
                    environment="production",
                    state="success",
                    created_at=when - dt.timedelta(minutes=5),
                    finished_at=when,
                ),
                when,
            )
        )

    saturday = monday - dt.timedelta(days=2)
    head = merge_and_push(
        1,
        "Add saved carts",
        "feature/saved-carts",
        [commit(11, "Add saved carts", at(saturday, 11)), commit(12, "Saved carts: tests", at(saturday, 15))],
        at(monday, 8),
        at(monday, 11),
    )
    deploy(9001, head, "main", at(monday, 14))
    incident = {
        "incident_id": "Q1CHK0UT0001",
        "number": 1,
        "title": "Checkout 5xx after release",
        "service_id": SERVICE,
    }
    incident |= {"service_name": "Checkout", "created_at": at(monday, 14, 30)}
    deliveries.append(
        DemoDelivery(
            "pagerduty",
            "incident.triggered",
            "01CHK0UTTRIGGERED00000001",
            pagerduty_incident(
                event_id="01CHK0UTTRIGGERED00000001",
                event_type="incident.triggered",
                occurred_at=at(monday, 14, 30),
                status="triggered",
                **incident,
            ),
            at(monday, 14, 30),
        )
    )
    head = merge_and_push(
        2,
        "Hotfix: checkout timeout",
        "hotfix/checkout-timeout",
        [commit(21, "Hotfix: checkout timeout", at(monday, 15))],
        at(monday, 15, 10),
        at(monday, 15, 40),
    )
    deploy(9002, head, "hotfix/checkout-timeout", at(monday, 16))
    deliveries.append(
        DemoDelivery(
            "pagerduty",
            "incident.resolved",
            "01CHK0UTRESOLVED000000001",
            pagerduty_incident(
                event_id="01CHK0UTRESOLVED000000001",
                event_type="incident.resolved",
                occurred_at=at(monday, 16, 30),
                status="resolved",
                **incident,
            ),
            at(monday, 16, 30),
        )
    )
    head = merge_and_push(
        3,
        "Speed up cart totals",
        "feature/cart-totals",
        [commit(31, "Speed up cart totals", at(tuesday, 9))],
        at(tuesday, 10),
        at(tuesday, 12),
    )
    deploy(9003, head, "main", at(tuesday, 15))
    return deliveries


def post_all(base_url: str, deliveries: list[DemoDelivery], urls: dict[str, str], secrets: dict[str, str]) -> list[int]:
    with httpx.Client(base_url=base_url, timeout=30) as client:
        return [
            client.post(
                urls[delivery.source],
                content=delivery.body(),
                headers={
                    "Content-Type": "application/json",
                    **signed_headers(delivery, secret=secrets[delivery.source]),
                },
            ).status_code
            for delivery in deliveries
        ]


def rows() -> dict[str, list[dict[str, Any]]]:
    return {
        model.__name__: list(model.objects.order_by("pk").values())
        for model in (Delivery, Deployment, Change, PullRequest, Incident, Measurement, Breach, Notification)
    }


def test_signed_events_become_dora_measurements_a_breach_and_its_evidence(live_server: Any) -> None:
    month, monday = first_monday_of_last_month()
    contract = ContractFactory(start_date=month - dt.timedelta(days=200), end_date=None)
    term = SlaTermFactory(
        contract=contract,
        kpi=KpiDefinition.objects.get(code="change_failure_rate"),
        comparator="lte",
        target=Decimal("15"),
        window="month",
        min_samples=1,
    )
    github = SourceBindingFactory(contract=contract, source="github", scope=REPOSITORY, covers_from=month)
    pagerduty = SourceBindingFactory(contract=contract, source="pagerduty", scope=SERVICE, covers_from=month)
    urls = {
        "github": f"/api/v1/telemetry/github/{github.public_id}/",
        "pagerduty": f"/api/v1/telemetry/pagerduty/{pagerduty.public_id}/",
    }
    secrets = {"github": github.secret_plain, "pagerduty": pagerduty.secret_plain}
    deliveries = the_sequence(monday)
    owner = contract.vendor.engineering_owner

    # The burst arrives before the worker runs (the receivers only store): processing then runs in
    # the order received, and the metrics, queued behind it, see the whole week at once.
    assert post_all(live_server.url, deliveries, urls, secrets) == [202] * len(deliveries)
    assert Delivery.objects.filter(status="received").count() == len(deliveries)
    with running_worker():
        assert wait_until(lambda: Delivery.objects.filter(status="processed").count() == len(deliveries)), list(
            Delivery.objects.values_list("delivery_id", "status", "error")
        )

        def measured() -> set[str]:
            return set(
                Measurement.objects.filter(contract=contract, source="telemetry").values_list("kpi__code", flat=True)
            )

        assert wait_until(lambda: measured() >= DORA), measured()
        evaluate_slas.delay(timezone.localdate().isoformat())
        assert wait_until(lambda: Breach.objects.filter(term=term, window_start=month).exists())
        assert wait_until(lambda: Notification.objects.filter(recipient=owner, kind="breach_opened").exists())

    week = {"period_start": monday, "period_end": monday + dt.timedelta(days=6)}
    cfr = Measurement.objects.get(contract=contract, kpi__code="change_failure_rate", **week)
    assert (cfr.numerator, cfr.denominator) == (Decimal(1), Decimal(3))
    assert Measurement.objects.get(contract=contract, kpi__code="deployment_frequency", **week).value == Decimal(2)
    assert Measurement.objects.get(contract=contract, kpi__code="time_to_restore", **week).value == Decimal(2)
    assert Measurement.objects.get(contract=contract, kpi__code="lead_time_for_changes", **week).value > 0

    notice = Notification.objects.get(recipient=owner, kind="breach_opened")
    assert "Measured by telemetry" in notice.body
    assert "(1 ÷ 3)" in notice.body
    assert f"/contracts/{contract.pk}/telemetry/explain/change_failure_rate/" in notice.body

    # Replayed (GitHub's "Redeliver", PagerDuty's retries): every delivery is answered 200 duplicate,
    # nothing is enqueued (the broker's queue is as long as before), and a sweep finds nothing new to say.
    before, waiting = rows(), queued()
    assert post_all(live_server.url, deliveries, urls, secrets) == [200] * len(deliveries)
    assert queued() == waiting
    sla_sweep(as_of=timezone.localdate())
    assert rows() == before


def queued() -> int:
    """Messages waiting in the test's Celery queue on Redis (no worker is running): the list kombu
    keeps under the queue's name (tasks are published without a priority)."""
    with app.connection_for_write() as connection:
        return int(connection.default_channel.client.llen(app.conf.task_default_queue))
