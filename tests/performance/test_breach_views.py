"""Breach buttons on the contract and vendor pages: who may acknowledge, resolve and waive, and what a
refused action says."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import Role
from apps.core.models import StatusChange
from apps.performance.models import Breach
from tests import factories

pytestmark = pytest.mark.django_db


@pytest.fixture
def breach() -> Breach:
    term = factories.SlaTermFactory(severity="major")
    evaluation = factories.SlaEvaluationFactory(term=term, status="breached", value=Decimal("91"))
    return Breach.objects.create(
        term=term,
        evaluation=evaluation,
        window_start=evaluation.window_start,
        window_end=evaluation.window_end,
        value=Decimal("91"),
        target=Decimal("95"),
        severity="major",
        credit_amount=Decimal("1500.00"),
        currency="EUR",
        detected_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC),
    )


def client_for(user_with_role: Any, role: str) -> Client:
    client = Client()
    client.force_login(user_with_role(role))
    return client


def act(client: Client, breach: Breach, action: str, **data: str) -> Any:
    return client.post(reverse("performance:breach-action", args=[breach.pk, action]), data, follow=True)


def test_manager_acknowledges_then_resolves(breach: Breach, user_with_role: Any) -> None:
    client = client_for(user_with_role, Role.ENGINEERING_MANAGER)
    response = act(client, breach, "acknowledge")
    assert "Acknowledged the breach" in response.content.decode()
    breach.refresh_from_db()
    assert breach.status == "acknowledged" and breach.acknowledged_by is not None
    refused = act(client, breach, "resolve", reason="   ")
    assert "Resolving a breach needs a reason." in refused.content.decode()
    breach.refresh_from_db()
    assert breach.status == "acknowledged"
    act(client, breach, "resolve", reason="Root cause fixed; credit on the next invoice.")
    breach.refresh_from_db()
    assert (breach.status, breach.resolution_note) == ("resolved", "Root cause fixed; credit on the next invoice.")
    change = StatusChange.objects.filter(object_id=breach.pk, content_type__model="breach").first()
    assert change is not None
    assert (change.to_status, change.reason) == ("resolved", "Root cause fixed; credit on the next invoice.")
    again = act(client, breach, "acknowledge")
    assert "cannot become acknowledged" in again.content.decode()


def test_only_executives_waive_and_need_a_reason(breach: Breach, user_with_role: Any) -> None:
    manager = client_for(user_with_role, Role.ENGINEERING_MANAGER)
    assert (
        manager.post(reverse("performance:breach-action", args=[breach.pk, "waive"]), {"reason": "x"}).status_code
        == 403
    )
    cto = client_for(user_with_role, Role.EXECUTIVE)
    refused = act(cto, breach, "waive", reason="  ")
    assert "A waiver needs its reason." in refused.content.decode()
    breach.refresh_from_db()
    assert breach.status == "open"
    act(cto, breach, "waive", reason="Our own outage caused it.")
    breach.refresh_from_db()
    assert (breach.status, breach.waiver_reason) == ("waived", "Our own outage caused it.")


def test_procurement_cannot_touch_breaches_and_unknown_actions_are_404(breach: Breach, user_with_role: Any) -> None:
    client = client_for(user_with_role, Role.PROCUREMENT)
    assert client.post(reverse("performance:breach-action", args=[breach.pk, "acknowledge"])).status_code == 403
    assert client.post(reverse("performance:breach-action", args=[breach.pk, "delete"])).status_code == 404
    assert client.get(reverse("performance:breach-action", args=[breach.pk, "acknowledge"])).status_code == 405


@pytest.mark.parametrize(
    ("role", "buttons"),
    [
        (Role.EXECUTIVE, {"acknowledge", "resolve", "waive"}),
        (Role.ENGINEERING_MANAGER, {"acknowledge", "resolve"}),
        (Role.PROCUREMENT, set()),
        (Role.SECURITY, set()),
    ],
)
def test_breach_buttons_follow_the_role_on_contract_and_vendor_pages(
    breach: Breach, role: str, buttons: set[str], user_with_role: Any
) -> None:
    client = client_for(user_with_role, role)
    contract = breach.term.contract
    for url in (contract.get_absolute_url(), contract.vendor.get_absolute_url()):
        html = client.get(url).content.decode()
        assert f'id="breach-{breach.pk}"' in html
        shown = {name for name in ("acknowledge", "resolve", "waive") if f'data-breach-action="{name}"' in html}
        assert shown == buttons, url


def test_the_older_note_field_still_resolves_but_not_blank(breach: Breach, user_with_role: Any) -> None:
    client = client_for(user_with_role, Role.ENGINEERING_MANAGER)
    act(client, breach, "resolve", note="")
    breach.refresh_from_db()
    assert breach.status == "open"
    act(client, breach, "resolve", note="Patched.")
    breach.refresh_from_db()
    assert (breach.status, breach.resolution_note) == ("resolved", "Patched.")


@pytest.mark.parametrize(
    ("role", "buttons"),
    [
        (Role.EXECUTIVE, {"acknowledge", "resolve", "waive"}),
        (Role.ENGINEERING_MANAGER, {"acknowledge", "resolve"}),
        (Role.PROCUREMENT, set()),
    ],
)
def test_the_breach_list_offers_the_breach_page_actions(
    breach: Breach, role: str, buttons: set[str], user_with_role: Any
) -> None:
    html = client_for(user_with_role, role).get(reverse("performance:breach-list")).content.decode()
    assert f'id="breach-{breach.pk}"' in html
    shown = {name for name in ("acknowledge", "resolve", "waive") if f'data-breach-action="{name}"' in html}
    assert shown == buttons
    if "resolve" in buttons:  # the reason is asked for, and required, where the action is offered
        form = html.split('data-breach-action="resolve"', 1)[1].split("</form>", 1)[0]
        assert 'name="reason"' in form and "required" in form


def test_resolving_from_the_breach_list_needs_a_reason_and_returns_to_the_list(
    breach: Breach, user_with_role: Any
) -> None:
    client = client_for(user_with_role, Role.ENGINEERING_MANAGER)
    url = reverse("performance:breach-action", args=[breach.pk, "resolve"])
    back = reverse("performance:breach-list") + "?status=open"
    refused = client.post(url, {"reason": "", "next": back}, follow=True)
    assert refused.redirect_chain[-1][0] == back
    assert "Resolving a breach needs a reason." in refused.content.decode()
    client.post(url, {"reason": "Capacity added.", "next": back})
    breach.refresh_from_db()
    assert (breach.status, breach.resolution_note, breach.resolved_by) == (
        "resolved",
        "Capacity added.",
        user_with_role(Role.ENGINEERING_MANAGER),
    )
