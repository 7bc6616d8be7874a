"""Re-processing stored deliveries after a rule change (``manage.py telemetry_reprocess``,
``apps.performance.telemetry.operations.deliveries_reprocess``): the events follow the new rules, a
purged payload is skipped and counted, ``--status failed`` takes only the failed ones, and the filters
choose the binding, the contract and the day."""

from __future__ import annotations

import datetime as dt
import json
from io import StringIO
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.utils import timezone

from apps.performance.models import Change, Delivery
from apps.performance.telemetry.operations import deliveries_reprocess
from apps.performance.telemetry.processing import delivery_process
from apps.performance.telemetry.services import delivery_receive
from tests import factories

pytestmark = pytest.mark.django_db

SHA1, SHA2 = "1" * 40, "2" * 40


def push(repository: str, sha: str, parent: str, email: str, login: str) -> dict[str, Any]:
    """A GitHub ``push`` delivery of one commit (https://docs.github.com/en/webhooks/webhook-events-and-payloads#push)."""
    commit = {
        "id": sha,
        "tree_id": sha,
        "distinct": True,
        "message": "Add export",
        "timestamp": "2026-10-05T09:00:00Z",
        "url": f"https://github.com/{repository}/commit/{sha}",
        "author": {"name": "A Developer", "email": email, "username": login},
        "committer": {"name": "GitHub", "email": "noreply@github.com", "username": "web-flow"},
        "added": [],
        "removed": [],
        "modified": ["export.py"],
    }
    return {
        "ref": "refs/heads/main",
        "before": parent,
        "after": sha,
        "created": False,
        "deleted": False,
        "forced": False,
        "base_ref": None,
        "compare": f"https://github.com/{repository}/compare/{parent[:12]}...{sha[:12]}",
        "commits": [commit],
        "head_commit": commit,
        "repository": {
            "id": 1,
            "name": repository.split("/")[1],
            "full_name": repository,
            "html_url": f"https://github.com/{repository}",
            "pushed_at": 1791190800,
        },
        "pusher": {"name": login, "email": email},
        "sender": {"login": login, "id": 1, "type": "User"},
    }


def receive(binding: Any, delivery_id: str, event_type: str, payload: dict[str, Any]) -> int:
    pk, _ = delivery_receive(
        binding=binding, delivery_id=delivery_id, event_type=event_type, raw_payload=json.dumps(payload)
    )
    delivery_process(delivery_id=pk)
    return pk


@pytest.fixture
def binding() -> Any:
    return factories.SourceBindingFactory(source="github", scope="vendor-org/api")


def test_a_new_identity_rule_applies_to_the_history_after_reprocess(binding: Any) -> None:
    receive(binding, "d-1", "push", push("vendor-org/api", SHA1, "0" * 40, "dev@vendor.example", "vendor-dev"))
    receive(binding, "d-2", "push", push("vendor-org/api", SHA2, SHA1, "someone@customer.example", "cust"))
    assert set(Change.objects.values_list("by_vendor", flat=True)) == {None}  # the vendor has no rules yet
    factories.VendorIdentityRuleFactory(vendor=binding.contract.vendor, kind="email_domain", value="vendor.example")
    result = deliveries_reprocess(binding_id=binding.pk)
    assert dict(result.statuses) == {"processed": 2}
    assert dict(Change.objects.values_list("sha", "by_vendor")) == {SHA1: True, SHA2: False}
    assert Change.objects.count() == 2  # upserted by source id: nothing doubled
    assert set(Delivery.objects.values_list("attempts", flat=True)) == {2}


def test_purged_payloads_are_skipped_and_counted_in_received_order(binding: Any, monkeypatch: Any) -> None:
    first = receive(binding, "d-1", "push", push("vendor-org/api", SHA1, "0" * 40, "a@vendor.example", "a"))
    purged = receive(binding, "d-2", "push", push("vendor-org/api", SHA2, SHA1, "b@vendor.example", "b"))
    last = receive(binding, "d-3", "push", push("other-org/elsewhere", SHA2, SHA1, "b@vendor.example", "b"))
    Delivery.objects.filter(pk=purged).update(payload=None)
    # The order the deliveries were received in, not their ids.
    Delivery.objects.filter(pk=first).update(received_at=timezone.now() + dt.timedelta(seconds=5))
    seen: list[int] = []
    from apps.performance.telemetry import operations

    real = operations.delivery_process

    def noting(*, delivery_id: int, again: bool = False) -> str | None:
        seen.append(delivery_id)
        return real(delivery_id=delivery_id, again=again)

    monkeypatch.setattr(operations, "delivery_process", noting)
    result = deliveries_reprocess(binding_id=binding.pk, batch_size=1)
    assert seen == [last, first]
    assert dict(result.statuses) == {"processed": 1, "ignored": 1, "purged": 1}  # another repository: ignored


def test_only_the_failed_ones_and_the_filters(binding: Any) -> None:
    other = factories.SourceBindingFactory(source="github", scope="vendor-org/web")
    ok = receive(binding, "d-1", "push", push("vendor-org/api", SHA1, "0" * 40, "a@vendor.example", "a"))
    failed = receive(binding, "d-2", "push", push("vendor-org/api", SHA2, SHA1, "a@vendor.example", "a"))
    Delivery.objects.filter(pk=failed).update(status="failed", error="The parser of the day refused it.")
    receive(other, "d-1", "push", push("vendor-org/web", SHA1, "0" * 40, "a@vendor.example", "a"))
    assert dict(deliveries_reprocess(status="failed").statuses) == {"processed": 1}
    assert Delivery.objects.get(pk=failed).error == ""
    assert Delivery.objects.get(pk=ok).attempts == 1  # not taken again
    assert deliveries_reprocess(contract_id=other.contract_id).total == 1
    assert deliveries_reprocess(binding_id=binding.pk, since=timezone.localdate() + dt.timedelta(days=1)).total == 0
    assert deliveries_reprocess().total == 3


def test_the_command_prints_counts_per_status(binding: Any) -> None:
    receive(binding, "d-1", "push", push("vendor-org/api", SHA1, "0" * 40, "a@vendor.example", "a"))
    purged = receive(binding, "d-2", "push", push("vendor-org/api", SHA2, SHA1, "a@vendor.example", "a"))
    Delivery.objects.filter(pk=purged).update(payload=None)
    out = StringIO()
    call_command("telemetry_reprocess", "--binding", str(binding.public_id), "--since", "2026-01-01", stdout=out)
    assert "Re-processed 2 deliveries: 1 processed, 1 purged." in out.getvalue()
    assert "1 were skipped: their payload was cleared" in out.getvalue()


@pytest.mark.parametrize(
    ("arguments", "message"),
    [
        (["--binding", "4242424"], "No source binding has the id “4242424”."),
        (["--contract", "4242424"], "No contract has the id 4242424."),
        (["--since", "yesterday"], "--since wants a date as YYYY-MM-DD"),
        (["--status", "processed"], "invalid choice"),
    ],
)
def test_wrong_arguments_are_readable_errors(arguments: list[str], message: str) -> None:
    with pytest.raises(CommandError) as refused:
        call_command("telemetry_reprocess", *arguments, stdout=StringIO())
    assert message in str(refused.value)
