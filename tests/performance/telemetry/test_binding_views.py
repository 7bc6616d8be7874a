"""The contract page's telemetry panel and the pages that manage source bindings: who sees what and may
do what, the secret shown once (in the answer to the POST that made it, never again), the forms'
refusals on their fields, the setup instructions of each tool, and the panel's query budget."""

from __future__ import annotations

import datetime as dt
import json
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.performance.choices import TELEMETRY_DEFAULT_KPIS
from apps.performance.models import Delivery, SourceBinding
from apps.performance.telemetry import secrets
from apps.performance.telemetry.setup import webhook_url
from tests.factories import (
    ContractFactory,
    MeasurementFactory,
    SlaTermFactory,
    SourceBindingFactory,
    UserFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db

SITE = "https://vg.example"


@pytest.fixture(autouse=True)
def site_url(settings: Any) -> None:
    settings.SITE_URL = SITE


def browser(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def as_role(role: str) -> Client:
    return browser(UserFactory(username=f"views-{role}", role=role))


def contract_page(contract: Any) -> str:
    return reverse("contracts:contract-detail", args=[contract.pk])


def create_url(contract: Any) -> str:
    return reverse("performance:binding-create", args=[contract.pk])


def form_data(**fields: Any) -> dict[str, Any]:
    data = {
        "source": "github",
        "scope": "vendor-org/payments",
        "name": "",
        "component": "",
        "label": "",
        "production_environments": "production, prod-eu",
        "measures": ["deployment_frequency", "lead_time_for_changes"],
        "covers_from": "2026-10-01",
    }
    data.update(fields)
    return {key: value for key, value in data.items() if value is not None}


def shown_secret(html: str) -> str:
    start = html.index("data-secret>") + len("data-secret>")
    return html[start : html.index("</code>", start)].strip()


# -- who sees what ----------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("role", "writes"),
    [
        (Role.EXECUTIVE, False),
        (Role.PROCUREMENT, True),
        (Role.ENGINEERING_MANAGER, True),
        (Role.SECURITY, False),
        (Role.ADMIN, True),
    ],
)
def test_every_role_sees_the_panel_and_only_writers_get_its_buttons(role: str, writes: bool) -> None:
    binding = SourceBindingFactory(scope="vendor-org/payments")
    html = as_role(role).get(contract_page(binding.contract)).content.decode()
    assert 'id="telemetry"' in html and "vendor-org/payments" in html
    assert reverse("performance:binding-setup", args=[binding.pk]) in html  # everyone reads the setup
    assert (create_url(binding.contract) in html) is writes
    assert (reverse("performance:binding-update", args=[binding.pk]) in html) is writes
    assert (reverse("performance:binding-rotate", args=[binding.pk]) in html) is writes
    assert (reverse("performance:binding-active", args=[binding.pk, "deactivate"]) in html) is writes


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.SECURITY])
def test_a_role_without_the_permission_gets_403_on_every_write_page(role: str) -> None:
    binding = SourceBindingFactory(source="pagerduty", scope="PABC123")
    client = as_role(role)
    for url in (
        create_url(binding.contract),
        reverse("performance:binding-update", args=[binding.pk]),
        reverse("performance:binding-rotate", args=[binding.pk]),
        reverse("performance:binding-set-secret", args=[binding.pk]),
    ):
        assert client.get(url).status_code == 403, url
        assert client.post(url, {}).status_code == 403, url
    assert client.post(reverse("performance:binding-active", args=[binding.pk, "deactivate"])).status_code == 403
    binding.refresh_from_db()
    assert binding.active


@pytest.mark.ownership
def test_an_engineering_manager_writes_only_the_bindings_of_vendors_they_own() -> None:
    manager = UserFactory(username="binding-manager", role=Role.ENGINEERING_MANAGER)
    mine = SourceBindingFactory(contract=ContractFactory(vendor=VendorFactory(engineering_owner=manager)))
    theirs = SourceBindingFactory(contract=ContractFactory(vendor=VendorFactory(name="Elsewhere Ltd")))
    client = browser(manager)
    assert create_url(mine.contract) in client.get(contract_page(mine.contract)).content.decode()
    html = client.get(contract_page(theirs.contract)).content.decode()
    assert create_url(theirs.contract) not in html
    assert reverse("performance:binding-update", args=[theirs.pk]) not in html
    refused = client.post(create_url(theirs.contract), form_data())
    assert refused.status_code == 403 and "Elsewhere Ltd" in refused.content.decode()
    assert client.post(reverse("performance:binding-rotate", args=[theirs.pk])).status_code == 403
    assert SourceBinding.objects.filter(contract=theirs.contract).count() == 1


# -- the secret, once -------------------------------------------------------------------------------------
def test_adding_a_source_shows_its_secret_once_and_never_again() -> None:
    contract = ContractFactory()
    client = as_role(Role.PROCUREMENT)
    assert client.get(create_url(contract)).status_code == 200
    response = client.post(create_url(contract), form_data())
    assert response.status_code == 200  # rendered in reply to the POST: no redirect carrying it
    assert response["Cache-Control"] == "no-store"
    html = response.content.decode()
    binding = SourceBinding.objects.get(contract=contract)
    secret = shown_secret(html)
    assert secrets.unseal(binding.secret_sealed) == secret and len(secret) >= 40
    assert "will not be shown again" in html
    assert webhook_url(binding) in html and webhook_url(binding).startswith(f"{SITE}/api/v1/telemetry/github/")
    assert binding.measures == ["deployment_frequency", "lead_time_for_changes"]
    assert binding.production_environments == ["production", "prod-eu"]
    assert binding.created_by is not None
    # Not in the session, not in a message, not on any later page.
    session = client.session
    assert all(secret not in json.dumps(value, default=str) for _key, value in session.items())
    for url in (contract_page(contract), reverse("performance:binding-setup", args=[binding.pk])):
        later = client.get(url)
        assert later.status_code == 200 and secret not in later.content.decode(), url


def test_no_kpi_ticked_measures_what_the_source_can() -> None:
    contract = ContractFactory()
    response = as_role(Role.PROCUREMENT).post(
        create_url(contract), form_data(source="jira", scope="PAY", measures=None)
    )
    assert response.status_code == 200
    assert SourceBinding.objects.get().measures == list(TELEMETRY_DEFAULT_KPIS["jira"])


def test_rotating_shows_the_new_secret_once_and_the_old_one_stops_working() -> None:
    binding = SourceBindingFactory()
    old = binding.secret_plain
    client = as_role(Role.ENGINEERING_MANAGER)
    url = reverse("performance:binding-rotate", args=[binding.pk])
    confirm = client.get(url)
    assert confirm.status_code == 200 and "stops working at once" in confirm.content.decode()
    response = client.post(url)
    assert response.status_code == 200 and response["Cache-Control"] == "no-store"
    new = shown_secret(response.content.decode())
    binding.refresh_from_db()
    assert new != old and secrets.unseal(binding.secret_sealed) == new
    assert binding.secret_rotated_at is not None
    assert new not in client.get(contract_page(binding.contract)).content.decode()
    # A delivery signed with the old secret is refused; with the new one it is taken.
    receiver = webhook_url(binding).removeprefix(SITE)
    body = b'{"zen": "Keep it logically awesome.", "hook_id": 1}'
    for secret, expected in ((old, 401), (new, 200)):
        answer = Client().post(
            receiver,
            body,
            content_type="application/json",
            headers={
                "X-GitHub-Event": "ping",
                "X-GitHub-Delivery": "d-1",
                "X-Hub-Signature-256": "sha256=" + secrets.hmac_sha256_hex(secret, body),
            },
        )
        assert answer.status_code == expected, answer.content


def test_pagerduty_takes_the_signing_secret_pagerduty_made() -> None:
    binding = SourceBindingFactory(source="pagerduty", scope="PABC123")
    client = as_role(Role.ENGINEERING_MANAGER)
    made = client.post(create_url(ContractFactory()), form_data(source="pagerduty", scope="PXYZ789", measures=None))
    assert "give it to this binding" in made.content.decode()  # PagerDuty's own secret is the one to use
    url = reverse("performance:binding-set-secret", args=[binding.pk])
    assert "Generic Webhooks (v3)" in client.get(url).content.decode()
    short = client.post(url, {"secret": "too-short"})
    assert short.status_code == 400 and "at least 16 characters" in short.content.decode()
    theirs = "pd-whsec-" + "x" * 32
    saved = client.post(url, {"secret": f"  {theirs} "})
    assert saved.status_code == 302 and saved["Location"] == reverse("performance:binding-setup", args=[binding.pk])
    binding.refresh_from_db()
    assert secrets.unseal(binding.secret_sealed) == theirs
    assert theirs not in client.get(saved["Location"]).content.decode()


# -- the forms refuse bad input on its field ---------------------------------------------------------------
@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"measures": ["deployment_frequency", "happiness"]}, "measures", "Telemetry cannot measure happiness"),
        ({"scope": ""}, "scope", "This field is required."),
        ({"scope": "vendor org/payments"}, "scope", "has no spaces"),
        ({"component": "Payments"}, "component", "Only a Jira binding narrows by component or label"),
        ({"source": "svn"}, "source", "Select a valid choice"),
        ({"covers_from": "2026-02-30"}, "covers_from", "Enter a valid date."),
    ],
)
def test_the_form_refuses_bad_input_on_its_field(fields: dict[str, Any], field: str, message: str) -> None:
    contract = ContractFactory()
    response = as_role(Role.PROCUREMENT).post(create_url(contract), form_data(**fields))
    assert response.status_code == 400
    form = response.context["form"]
    assert any(message in error for error in form.errors[field]), form.errors
    assert not SourceBinding.objects.exists()


def test_a_jira_binding_may_narrow_by_component() -> None:
    contract = ContractFactory()
    data = form_data(source="jira", scope="PAY", component="Checkout", measures=["bug_resolution_time"])
    assert as_role(Role.PROCUREMENT).post(create_url(contract), data).status_code == 200
    assert SourceBinding.objects.get().component == "Checkout"


def test_a_duplicate_binding_is_a_form_error_not_a_500() -> None:
    binding = SourceBindingFactory(scope="vendor-org/payments")
    response = as_role(Role.PROCUREMENT).post(create_url(binding.contract), form_data())
    assert response.status_code == 400
    assert "already has a binding of this source and scope" in response.content.decode()
    assert SourceBinding.objects.count() == 1


# -- changing, switching off and on ------------------------------------------------------------------------
def test_editing_changes_what_it_measures_not_its_source_or_scope(django_capture_on_commit_callbacks: Any) -> None:
    binding = SourceBindingFactory(scope="vendor-org/payments")
    client = as_role(Role.ENGINEERING_MANAGER)
    url = reverse("performance:binding-update", args=[binding.pk])
    form = client.get(url).context["form"]
    assert {"source", "scope", "component", "label"}.isdisjoint(form.fields)  # GitHub: no Jira narrowing
    data = {
        "name": "Payments API",
        "production_environments": "live",
        "measures": ["change_failure_rate"],
        "covers_from": "2026-11-01",
        "api_base_url": "",
        "api_token": "ghp_backfill-token",
        "scope": "someone-else/repo",  # not a field of the form: ignored
    }
    with django_capture_on_commit_callbacks(execute=False):
        response = client.post(url, data)
    assert response.status_code == 302 and response["Location"].endswith("#telemetry")
    binding.refresh_from_db()
    assert (binding.name, binding.scope, binding.measures) == (
        "Payments API",
        "vendor-org/payments",
        ["change_failure_rate"],
    )
    assert binding.production_environments == ["live"] and binding.covers_from == dt.date(2026, 11, 1)
    assert secrets.unseal(binding.api_token_sealed) == "ghp_backfill-token"
    assert "ghp_backfill-token" not in client.get(url).content.decode()


def test_switching_off_makes_its_address_404_and_on_again_takes_deliveries() -> None:
    binding = SourceBindingFactory()
    client = as_role(Role.PROCUREMENT)
    receiver = webhook_url(binding).removeprefix(SITE)
    off = client.post(reverse("performance:binding-active", args=[binding.pk, "deactivate"]))
    assert off.status_code == 302
    binding.refresh_from_db()
    assert not binding.active
    assert Client().post(receiver, b"{}", content_type="application/json").status_code == 404
    html = client.get(contract_page(binding.contract)).content.decode()
    assert "Switched off" in html and reverse("performance:binding-active", args=[binding.pk, "activate"]) in html
    client.post(reverse("performance:binding-active", args=[binding.pk, "activate"]))
    binding.refresh_from_db()
    assert binding.active
    assert Client().post(receiver, b"{}", content_type="application/json").status_code == 401  # unsigned
    assert client.post(reverse("performance:binding-active", args=[binding.pk, "explode"])).status_code == 404


# -- what the panel shows -------------------------------------------------------------------------------------
def test_the_panel_shows_health_kpi_sources_and_the_latest_deliveries_newest_first() -> None:
    contract = ContractFactory()
    now = timezone.now()
    receiving = SourceBindingFactory(contract=contract, scope="vendor-org/api", last_event_at=now)
    silent = SourceBindingFactory(
        contract=contract, source="jira", scope="PAY", last_event_at=now - dt.timedelta(days=12), measures=[]
    )
    SourceBindingFactory(contract=contract, source="pagerduty", scope="PABC123")  # waiting
    SourceBindingFactory(contract=contract, source="generic", scope="ci", active=False)
    SlaTermFactory(contract=contract, kpi__code="defect_rate_custom", kpi__name="Escaped defects")
    MeasurementFactory(contract=contract, kpi__code="uptime_custom", kpi__name="Uptime")
    for minute in range(25):
        Delivery.objects.create(
            binding=receiving if minute % 2 else silent,
            delivery_id=f"d-{minute}",
            event_type="push",
            status="failed" if minute == 24 else "processed",
            error="Broken payload" if minute == 24 else "",
            received_at=now - dt.timedelta(minutes=60 - minute),
            event_count=minute,
        )
    html = as_role(Role.EXECUTIVE).get(contract_page(contract)).content.decode()
    panel = html[html.index('id="telemetry"') :]
    for text in ("Receiving", "Silent for 12 days", "Waiting for the first event", "Switched off"):
        assert text in panel, text
    assert 'data-kpi="deployment_frequency" data-measured="yes"' in panel
    assert 'data-kpi="uptime_custom" data-measured="no"' in panel and "1 value logged" in panel
    assert 'data-kpi="defect_rate_custom" data-measured="no"' in panel
    rows = [int(part.split('"')[0]) for part in panel.split('data-delivery="')[1:]]
    newest = list(Delivery.objects.order_by("-received_at").values_list("pk", flat=True)[:20])
    assert rows == newest
    assert "Broken payload" in panel


def test_the_panel_costs_the_same_queries_with_many_bindings_and_deliveries(
    django_assert_max_num_queries: Any,
) -> None:
    contract = ContractFactory()
    client = as_role(Role.PROCUREMENT)
    SourceBindingFactory(contract=contract)
    client.get(contract_page(contract))  # warm caches
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as one:
        client.get(contract_page(contract))
    for index in range(6):
        binding = SourceBindingFactory(contract=contract, source=("github", "jira", "pagerduty")[index % 3])
        for n in range(5):
            Delivery.objects.create(binding=binding, delivery_id=f"{index}-{n}", event_type="push")
    with django_assert_max_num_queries(len(one)):
        response = client.get(contract_page(contract))
    assert response.content.decode().count("data-binding=") == 7


# -- setup instructions ---------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("source", "scope", "expected"),
    [
        (
            "github",
            "vendor-org/api",
            [
                "Payload URL",
                "application/json",
                "Secret",
                "Pushes",
                "Pull request reviews",
                "Deployment statuses",
                "Workflow runs",
            ],
        ),
        ("gitlab", "vendor/api", ["Secret token", "Merge request events", "Deployment events", "Comments"]),
        (
            "jira",
            "PAY",
            [
                "System",
                "WebHooks",
                "project = PAY",
                "Issue: created",
                "Comment: created",
                "Sprint: started",
                "Sprint: closed",
            ],
        ),
        (
            "pagerduty",
            "PABC123",
            ["Generic Webhooks (v3)", "incident.triggered", "incident.resolved", "makes the signing secret"],
        ),
        (
            "generic",
            "ci",
            ["Authorization: Bearer", "curl -X POST", "Content-Type: application/json", "/devlake", "deploy-4711"],
        ),
    ],
)
def test_each_tool_gets_its_setup_with_the_exact_address(source: str, scope: str, expected: list[str]) -> None:
    binding = SourceBindingFactory(source=source, scope=scope)
    response = as_role(Role.EXECUTIVE).get(reverse("performance:binding-setup", args=[binding.pk]))
    html = response.content.decode()
    url = f"{SITE}/api/v1/telemetry/{source}/{binding.public_id}/"
    assert webhook_url(binding) == url and url in html
    for text in expected:
        assert text in html, text
    assert binding.secret_plain not in html
