"""The exceptions register: policy exceptions of both kinds with their review status and the open gate
overrides, for everyone signed in; renew (executives) and close (executives or the raiser); the
read-only API; the selector others count with; and the daily clearing of overrides."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from typing import Any

import pytest
from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import models
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.errors import ConflictError, PermissionDeniedError
from apps.core.models import PolicyException, StatusChange
from apps.core.selectors import expired_policy_exceptions, policy_exception_list
from apps.core.services import policy_exception_close, policy_exception_renew
from apps.core.tasks import clear_overrides
from config.celery import app as celery_app
from tests.factories import ContractFactory, FunctionFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db


def in_days(days: int) -> dt.date:
    return timezone.localdate() + dt.timedelta(days=days)


def make_exception(subject: models.Model, *, kind: str, review_on: dt.date, raised_by: Any = None, **extra: Any) -> Any:
    return PolicyException.objects.create(
        content_type=ContentType.objects.get_for_model(subject),
        object_id=subject.pk,
        kind=kind,
        summary=extra.pop("summary", f"{subject}: departure"),
        justification=extra.pop("justification", "Accepted for the transition."),
        review_on=review_on,
        raised_by=raised_by,
        **extra,
    )


@pytest.fixture
def register(user_with_role: Callable[[str], Any]) -> dict[str, Any]:
    raiser = user_with_role("procurement")
    function = FunctionFactory(name="Core architecture")
    contract = ContractFactory(title="Platform MSA")
    vendor = VendorFactory(name="Override Ltd", status="active")
    return {
        "raiser": raiser,
        "open": make_exception(
            function, kind="decision_against_recommendation", review_on=in_days(90), raised_by=raiser
        ),
        "due": make_exception(contract, kind="contract_covers_in_house", review_on=in_days(30), raised_by=raiser),
        "expired": make_exception(function, kind="decision_against_recommendation", review_on=in_days(-1)),
        "closed": make_exception(
            contract, kind="contract_covers_in_house", review_on=in_days(5), closed_on=timezone.localdate()
        ),
        "override": StatusChange.objects.create(
            content_type=ContentType.objects.get_for_model(vendor),
            object_id=vendor.pk,
            from_status="pilot",
            to_status="active",
            reason="Board decision",
            overridden=[{"code": "pilot_passed", "label": "A passed pilot outcome", "detail": ""}],
        ),
        "cleared": StatusChange.objects.create(
            content_type=ContentType.objects.get_for_model(vendor),
            object_id=vendor.pk,
            from_status="vetting",
            to_status="pilot",
            reason="Old",
            overridden=[{"code": "x", "label": "Something long met", "detail": ""}],
            cleared_on=timezone.localdate(),
        ),
        "vendor": vendor,
    }


def test_statuses_and_the_expired_selector(register: dict[str, Any]) -> None:
    status = dict(policy_exception_list().values_list("pk", "status"))
    assert status == {
        register["open"].pk: "open",
        register["due"].pk: "due",
        register["expired"].pk: "expired",
        register["closed"].pk: "closed",
    }
    assert policy_exception_list().first() == register["expired"]  # expired first
    assert list(expired_policy_exceptions()) == [register["expired"]]
    assert list(expired_policy_exceptions(as_of=in_days(31))) == [register["expired"], register["due"]]


@pytest.mark.parametrize("role", ["security", "engineering_manager", "executive"])
def test_everyone_signed_in_reads_the_register(
    register: dict[str, Any], user_with_role: Callable[[str], Any], role: str
) -> None:
    client = Client()
    client.force_login(user_with_role(role))
    response = client.get(reverse("exception-list"))
    assert response.status_code == 200
    page = response.content.decode()
    assert 'href="/exceptions/"' in page  # in the navigation
    for key in ("open", "due", "expired"):
        assert f'data-exception="{register[key].pk}"' in page
    assert f'data-exception="{register["closed"].pk}"' not in page
    assert f'data-override="{register["override"].pk}"' in page
    assert f'data-override="{register["cleared"].pk}"' not in page
    assert "Due for review" in page and "Expired" in page and "A passed pilot outcome" in page
    assert register["open"].subject.get_absolute_url() in page and "Platform MSA" in page
    assert ("Renew</a>" in page) is (role == "executive")
    closed = client.get(reverse("exception-list"), {"status": "closed"}).content.decode()
    assert (
        f'data-exception="{register["closed"].pk}"' in closed
        and f'data-exception="{register["open"].pk}"' not in closed
    )


def test_signed_out_is_sent_to_sign_in() -> None:
    assert Client().get(reverse("exception-list")).status_code == 302


def test_renew_by_an_executive(register: dict[str, Any], user_with_role: Callable[[str], Any]) -> None:
    client = Client()
    client.force_login(user_with_role("executive"))
    exception = register["expired"]
    url = reverse("exception-renew", args=[exception.pk])
    assert client.get(url).status_code == 200
    refused = client.post(url, {"justification": "Still needed", "review_on": in_days(-2).isoformat()})
    assert refused.status_code == 400 and "review_on" in refused.context["form"].errors
    response = client.post(url, {"justification": "Still needed", "review_on": in_days(120).isoformat()})
    assert response.status_code == 302
    exception.refresh_from_db()
    assert (exception.justification, exception.review_on) == ("Still needed", in_days(120))
    assert not expired_policy_exceptions().exists()
    event = exception.events.order_by("-pgh_id").first()
    assert event.pgh_context.metadata["reason"] == "Still needed"


def test_renew_needs_the_executive_and_an_open_exception(register: dict[str, Any]) -> None:
    with pytest.raises(PermissionDeniedError):
        policy_exception_renew(
            exception=register["due"], justification="x", review_on=in_days(9), actor=register["raiser"]
        )
    client = Client()
    client.force_login(register["raiser"])
    assert client.get(reverse("exception-renew", args=[register["due"].pk])).status_code == 403
    executive = UserFactory(role="executive")
    with pytest.raises(ValidationError) as caught:
        policy_exception_renew(exception=register["due"], justification=" ", review_on=None, actor=executive)
    assert set(caught.value.message_dict) == {"justification", "review_on"}
    with pytest.raises(ConflictError):
        policy_exception_renew(exception=register["closed"], justification="x", review_on=in_days(9), actor=executive)


def test_close_by_the_raiser_or_an_executive_only(
    register: dict[str, Any], user_with_role: Callable[[str], Any]
) -> None:
    stranger = Client()
    stranger.force_login(user_with_role("security"))
    assert stranger.post(reverse("exception-close", args=[register["due"].pk])).status_code == 403
    raiser = Client()
    raiser.force_login(register["raiser"])
    response = raiser.post(reverse("exception-close", args=[register["due"].pk]), follow=True)
    assert response.status_code == 200
    register["due"].refresh_from_db()
    assert register["due"].closed_on == timezone.localdate()
    with pytest.raises(PermissionDeniedError):
        policy_exception_close(exception=register["expired"], actor=register["raiser"])  # raised by nobody
    policy_exception_close(exception=register["expired"], actor=UserFactory(role="executive"))
    assert not expired_policy_exceptions().exists()


def test_the_api_lists_read_only(register: dict[str, Any], api_client_for: Callable[[str], APIClient]) -> None:
    client = api_client_for("security")
    body = client.get("/api/v1/exceptions/").json()
    rows = body["results"] if isinstance(body, dict) else body
    by_id = {row["id"]: row for row in rows}
    assert by_id[register["expired"].pk]["status"] == "expired"
    assert by_id[register["due"].pk]["subject_type"] == "contract"
    assert by_id[register["due"].pk]["subject_name"] == "Platform MSA"
    expired = client.get("/api/v1/exceptions/", {"status": "expired"}).json()
    assert [row["id"] for row in (expired["results"] if isinstance(expired, dict) else expired)] == [
        register["expired"].pk
    ]
    # Read-only: no role writes here, not even an admin (renew and close are on the page).
    assert api_client_for("admin").post("/api/v1/exceptions/", {}, format="json").status_code == 405
    assert api_client_for("admin").patch(f"/api/v1/exceptions/{register['due'].pk}/", {}).status_code == 405


def test_overrides_clear_daily(register: dict[str, Any]) -> None:
    schedule = {entry["task"]: entry for entry in celery_app.conf.beat_schedule.values()}
    assert "core.clear_overrides" in schedule
    register["vendor"].status = "offboarding"  # left the status the override let it into
    register["vendor"].save()
    assert clear_overrides.apply(kwargs={"as_of": timezone.localdate().isoformat()}).get() == 1
    register["override"].refresh_from_db()
    assert register["override"].cleared_on == timezone.localdate()
    assert clear_overrides.apply().get() == 0  # idempotent
