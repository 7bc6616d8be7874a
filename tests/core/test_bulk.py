"""The bulk-action machinery (apps.core.bulk) on the breach list: selection, permission, scope, one
transaction per row, the summary, the form step, export of the selection and the request's limits."""

from __future__ import annotations

import csv
import io
from typing import Any

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import Role
from apps.core.bulk import BULK_MAX_ROWS, NOT_FOUND, NOT_SAVED, BulkAction, bulk_run, selected_ids
from apps.core.models import StatusChange
from apps.performance import services
from apps.performance.models import Breach
from apps.performance.selectors import breach_list
from tests import factories

pytestmark = pytest.mark.django_db

URL = "performance:breach-list"


def client_for(user_with_role: Any, role: str) -> Client:
    client = Client()
    client.force_login(user_with_role(role))
    return client


def post(client: Client, action: str, ids: list[Any], **data: Any) -> Any:
    return client.post(reverse(URL), {"action": action, "ids": [str(pk) for pk in ids], **data})


@pytest.fixture
def breaches() -> list[Breach]:
    return factories.BreachFactory.create_batch(10)


def test_selected_ids_keep_order_once_each_and_name_the_rest() -> None:
    assert selected_ids(["3", " 1", "3", "x", "", "-2", "9" * 30]) == ([3, 1], ["x", "-2", "9" * 30])


def test_an_executive_acknowledges_ten_breaches_at_once(breaches: list[Breach], user_with_role: Any) -> None:
    client = client_for(user_with_role, Role.EXECUTIVE)
    response = post(client, "acknowledge", [breach.pk for breach in breaches])
    assert response.status_code == 200
    page = response.content.decode()
    assert 'data-bulk-done="10"' in page and 'data-bulk-refused="0"' in page
    assert "Acknowledged 10 breaches." in page
    assert set(Breach.objects.values_list("status", flat=True)) == {"acknowledged"}
    # The same service as the button: each move recorded with who made it.
    assert StatusChange.objects.filter(to_status="acknowledged").count() == 10


def test_refused_rows_say_why_and_the_others_are_done(breaches: list[Breach], user_with_role: Any) -> None:
    executive = user_with_role(Role.EXECUTIVE)
    for breach in breaches[:2]:
        services.breach_acknowledge(breach=breach, actor=executive)
        services.breach_resolve(breach=breach, actor=executive, reason="Fixed.")
    client = Client()
    client.force_login(executive)
    response = post(client, "acknowledge", [*(breach.pk for breach in breaches), 987654321, "abc"])
    page = response.content.decode()
    assert 'data-bulk-done="8"' in page and 'data-bulk-refused="4"' in page
    assert "cannot become acknowledged" in page  # the lifecycle's own message, per row
    assert NOT_FOUND.split(":")[0] in page
    assert f'data-refused="{breaches[0].pk}"' in page
    assert breaches[0].get_absolute_url() in page  # each refused row links to its page
    assert Breach.objects.filter(status="resolved").count() == 2
    assert Breach.objects.filter(status="acknowledged").count() == 8


def test_one_transaction_per_row_a_failing_row_keeps_the_others(
    breaches: list[Breach], user_with_role: Any, monkeypatch: pytest.MonkeyPatch
) -> None:
    doomed = breaches[4]
    real = services.breach_acknowledge

    def flaky(*, breach: Breach, actor: Any) -> Breach:
        saved = real(breach=breach, actor=actor)  # written, then the row fails: its transaction rolls back
        if breach.pk == doomed.pk:
            raise IntegrityError("simulated")
        return saved

    monkeypatch.setattr(services, "breach_acknowledge", flaky)
    response = post(client_for(user_with_role, Role.EXECUTIVE), "acknowledge", [breach.pk for breach in breaches])
    page = response.content.decode()
    assert 'data-bulk-done="9"' in page and NOT_SAVED in page
    doomed.refresh_from_db()
    assert doomed.status == "open" and doomed.acknowledged_by is None
    assert not StatusChange.objects.filter(object_id=str(doomed.pk)).exists()
    assert Breach.objects.filter(status="acknowledged").count() == 9


def test_bulk_run_reports_a_validation_error_as_the_rows_reason(breaches: list[Breach]) -> None:
    def refuse(row: Any, *, actor: Any, data: Any) -> None:
        from django.core.exceptions import ValidationError

        raise ValidationError({"reason": "Too short."})

    summary = bulk_run(
        BulkAction("x", "X", run=refuse), queryset=breach_list(), ids=[breaches[0].pk], actor=None, data={}
    )
    assert [result.reason for result in summary.refused] == ["Reason: Too short."]


def test_a_role_without_the_permission_sees_no_checkboxes_and_gets_403(
    breaches: list[Breach], user_with_role: Any
) -> None:
    client = client_for(user_with_role, Role.PROCUREMENT)
    page = client.get(reverse(URL)).content.decode()
    assert "data-bulk-row" not in page and "data-bulk-bar" not in page
    assert post(client, "acknowledge", [breaches[0].pk]).status_code == 403
    assert Breach.objects.get(pk=breaches[0].pk).status == "open"


def test_the_action_bar_offers_what_the_role_may_do(breaches: list[Breach], user_with_role: Any) -> None:
    manager_page = client_for(user_with_role, Role.ENGINEERING_MANAGER).get(reverse(URL)).content.decode()
    assert manager_page.count("data-bulk-row") == 10 and "data-bulk-all" in manager_page
    assert 'data-bulk-action="acknowledge"' in manager_page and 'data-bulk-action="resolve"' in manager_page
    assert 'data-bulk-action="waive"' not in manager_page  # executives waive
    executive_page = client_for(user_with_role, Role.EXECUTIVE).get(reverse(URL)).content.decode()
    assert 'data-bulk-action="waive"' in executive_page and 'data-bulk-action="export_xlsx"' in executive_page


def test_an_engineering_manager_is_refused_the_breaches_of_vendors_they_do_not_own(
    breaches: list[Breach], user_with_role: Any
) -> None:
    manager = user_with_role(Role.ENGINEERING_MANAGER)
    mine = breaches[0]
    vendor = mine.term.contract.vendor
    vendor.engineering_owner = manager
    vendor.save()
    client = Client()
    client.force_login(manager)
    page = post(client, "acknowledge", [mine.pk, breaches[1].pk]).content.decode()
    assert 'data-bulk-done="1"' in page and 'data-bulk-refused="1"' in page
    assert Breach.objects.get(pk=breaches[1].pk).status == "open"


def test_resolve_asks_for_the_reason_first_and_a_blank_one_writes_nothing(
    breaches: list[Breach], user_with_role: Any
) -> None:
    client = client_for(user_with_role, Role.EXECUTIVE)
    ids = [breach.pk for breach in breaches[:3]]
    form = post(client, "resolve", ids)
    assert form.status_code == 200
    page = form.content.decode()
    assert 'name="reason"' in page and page.count('name="ids"') == 3 and "3 breaches selected" in page
    refused = post(client, "resolve", ids, confirm="1", reason="  ")
    assert refused.status_code == 400 and "Resolving breaches needs a reason." in refused.content.decode()
    assert not Breach.objects.filter(status="resolved").exists()
    done = post(client, "resolve", ids, confirm="1", reason="Capacity added.")
    assert 'data-bulk-done="3"' in done.content.decode()
    assert set(Breach.objects.filter(pk__in=ids).values_list("resolution_note", flat=True)) == {"Capacity added."}


def test_blank_unknown_and_oversized_selections_are_messages_not_errors(
    breaches: list[Breach], user_with_role: Any
) -> None:
    client = client_for(user_with_role, Role.EXECUTIVE)
    blank = client.post(reverse(URL), {"action": "acknowledge"}, follow=True)
    assert blank.status_code == 200 and "Select at least one row first." in blank.content.decode()
    unknown = client.post(reverse(URL), {"action": "explode", "ids": [breaches[0].pk]}, follow=True)
    assert "Choose one of the actions offered." in unknown.content.decode()
    many = client.post(
        reverse(URL), {"action": "acknowledge", "ids": [str(n) for n in range(1, BULK_MAX_ROWS + 2)]}, follow=True
    )
    assert f"Select at most {BULK_MAX_ROWS} rows at a time." in many.content.decode()
    assert not Breach.objects.exclude(status="open").exists()


def test_the_post_needs_the_csrf_token(breaches: list[Breach], user_with_role: Any) -> None:
    client = Client(enforce_csrf_checks=True)
    client.force_login(user_with_role(Role.EXECUTIVE))
    assert post(client, "acknowledge", [breaches[0].pk]).status_code == 403
    assert Breach.objects.get(pk=breaches[0].pk).status == "open"


def test_export_the_selection_as_csv_holds_only_the_rows_picked(breaches: list[Breach], user_with_role: Any) -> None:
    client = client_for(user_with_role, Role.ENGINEERING_MANAGER)
    picked = breaches[2:5]
    response = post(client, "export_csv", [breach.pk for breach in picked])
    assert response.status_code == 200 and "breaches-selection-" in response["Content-Disposition"]
    rows = list(csv.reader(io.StringIO(b"".join(response.streaming_content).decode("utf-8-sig"))))
    assert len(rows) == 4
    assert sorted(row[0] for row in rows[1:]) == sorted(breach.term.contract.title for breach in picked)


def test_the_list_with_bulk_actions_keeps_its_query_budget(
    breaches: list[Breach], user_with_role: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(user_with_role, Role.EXECUTIVE)
    client.get(reverse(URL))  # warm the session and permission caches
    with django_assert_max_num_queries(12):
        assert client.get(reverse(URL)).status_code == 200


def test_a_bulk_request_is_bounded_per_row(
    breaches: list[Breach], user_with_role: Any, django_assert_max_num_queries: Any
) -> None:
    client = client_for(user_with_role, Role.EXECUTIVE)
    client.get(reverse(URL))
    # What one acknowledgement costs through its service (lock, audit, status change, webhook event),
    # once per row: linear, no more.
    with django_assert_max_num_queries(10 + 26 * len(breaches)):
        post(client, "acknowledge", [breach.pk for breach in breaches])
