"""SLA term sanity: the comparator agrees with the KPI's direction, targets lie in the unit's range, the
warning target warns before the breach — refused the same way by the model, the services, the API and
the form — and every target and value is printed with its unit."""

from __future__ import annotations

import csv
import datetime as dt
import io
from collections.abc import Callable
from decimal import Decimal as D
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.demo import demo_data
from apps.kpis.models import KpiDefinition
from apps.kpis.units import with_unit
from apps.notifications.models import Notification
from apps.performance import services
from apps.performance.evaluation import Window
from apps.performance.models import Breach, SlaTerm
from apps.performance.notices import announce_at_risk, announce_breaches
from apps.performance.term_rules import sla_term_errors
from tests import factories

pytestmark = pytest.mark.django_db

ON_TIME_LTE = "On-time delivery rate is higher-is-better: its target is a minimum, use ‘at least (≥)’."
DEFECTS_GTE = "Defect rate is lower-is-better: its target is a maximum, use ‘at most (≤)’."


def kpi(code: str) -> KpiDefinition:
    """A KPI of the shipped catalogue (loaded by the kpis data migrations)."""
    return KpiDefinition.objects.get(code=code)


def term_data(code: str, comparator: str, target: str, warning: str | None = None, **extra: Any) -> dict[str, Any]:
    return {
        "contract": factories.ContractFactory(),
        "area": "delivery",
        "kpi": kpi(code),
        "comparator": comparator,
        "target": D(target),
        "warning_target": D(warning) if warning is not None else None,
        "window": "month",
        **extra,
    }


def refusal(data: dict[str, Any]) -> dict[str, list[str]]:
    with pytest.raises(ValidationError) as raised:
        services.sla_term_create(actor=None, data=data)
    assert not SlaTerm.objects.exists()
    return raised.value.message_dict


# -- the rules, in the model (through the service that every entry point uses) ----------------------------
def test_the_seen_scenario_on_time_delivery_at_most_95_is_refused_on_the_comparator() -> None:
    errors = refusal(term_data("on_time_delivery_rate", "lte", "95"))
    assert errors == {"comparator": [ON_TIME_LTE]}


def test_a_lower_is_better_kpi_needs_at_most() -> None:
    assert refusal(term_data("defect_rate", "gte", "2")) == {"comparator": [DEFECTS_GTE]}


@pytest.mark.parametrize(
    ("code", "comparator", "target", "message"),
    [
        # a percentage lies in 0–100
        (
            "on_time_delivery_rate",
            "gte",
            "101",
            "On-time delivery rate is a percentage: its target lies between 0 % and 100 %.",
        ),
        ("defect_rate", "lte", "-1", "Defect rate is a percentage: its target lies between 0 % and 100 %."),
        # hours are never negative
        (
            "time_to_restore",
            "lte",
            "-4",
            "Time to restore service is a number of hours: its target cannot be below 0 h.",
        ),
        # a week has seven days
        (
            "deployment_frequency",
            "gte",
            "8",
            "Deployment frequency is a number of deploy-days per week: its target lies between "
            "0 deploy-days/week and 7 deploy-days/week.",
        ),
        # points (a count) are never negative
        ("sprint_velocity", "gte", "-5", "Sprint velocity is a number of points: its target cannot be below 0 points."),
    ],
)
def test_a_target_outside_its_units_range_is_refused(code: str, comparator: str, target: str, message: str) -> None:
    assert refusal(term_data(code, comparator, target)) == {"target": [message]}


def test_a_warning_target_outside_the_range_is_refused_on_its_field() -> None:
    errors = refusal(term_data("on_time_delivery_rate", "gte", "95", warning="101"))
    assert errors == {
        "warning_target": ["On-time delivery rate is a percentage: its warning target lies between 0 % and 100 %."]
    }


@pytest.mark.parametrize(
    ("code", "comparator", "target", "warning", "side"),
    [
        ("on_time_delivery_rate", "gte", "95", "90", "above the target of 95 %"),
        ("on_time_delivery_rate", "gte", "95", "95", "above the target of 95 %"),  # equal warns only at the breach
        ("first_response_time", "lte", "4", "6", "below the target of 4 h"),
        ("first_response_time", "lte", "4", "4", "below the target of 4 h"),
    ],
)
def test_the_warning_target_sits_strictly_on_the_safe_side(
    code: str, comparator: str, target: str, warning: str, side: str
) -> None:
    errors = refusal(term_data(code, comparator, target, warning=warning))
    assert list(errors) == ["warning_target"]
    assert side in errors["warning_target"][0] and "leave it empty" in errors["warning_target"][0]


@pytest.mark.parametrize(
    ("code", "comparator", "target"),
    [("on_time_delivery_rate", "gte", "0"), ("defect_rate", "lte", "100"), ("deployment_frequency", "gte", "0")],
)
def test_a_target_that_can_never_be_missed_is_refused(code: str, comparator: str, target: str) -> None:
    errors = refusal(term_data(code, comparator, target))
    assert list(errors) == ["target"] and "set a target the vendor could miss" in errors["target"][0]


@pytest.mark.parametrize(
    ("code", "comparator", "target", "warning"),
    [
        ("on_time_delivery_rate", "gte", "95", "97"),
        ("on_time_delivery_rate", "gte", "100", None),  # perfection may be demanded
        ("defect_rate", "lte", "0", None),
        ("defect_rate", "lte", "2", "1.5"),
        ("deployment_frequency", "gte", "7", None),
        ("time_to_restore", "lte", "4", "2"),
        ("sprint_velocity", "gte", "30", "35"),
    ],
)
def test_sane_terms_are_saved(code: str, comparator: str, target: str, warning: str | None) -> None:
    term = services.sla_term_create(actor=None, data=term_data(code, comparator, target, warning=warning))
    assert SlaTerm.objects.get().pk == term.pk


def test_a_kpis_own_bounds_narrow_its_unit_and_an_unknown_unit_has_none() -> None:
    latency = factories.KpiDefinitionFactory(name="Latency", unit="ms", direction="lower", min_value=D(0))
    nps = factories.KpiDefinitionFactory(name="Net promoter score", unit="NPS", direction="higher")
    capped = factories.KpiDefinitionFactory(name="Coverage", unit="%", direction="higher", max_value=D(90))
    assert sla_term_errors(kpi=latency, comparator="lte", target=D(-1), warning_target=None) == {
        "target": ["Latency is a value in ms: its target cannot be below 0 ms."]
    }
    assert sla_term_errors(kpi=nps, comparator="gte", target=D(-20), warning_target=None) == {}
    assert sla_term_errors(kpi=capped, comparator="gte", target=D(95), warning_target=None) == {
        "target": ["Coverage is a percentage: its target lies between 0 % and 90 %."]
    }


def test_every_demo_sla_term_is_sane() -> None:
    for _contract, _area, code, comparator, target, warning, *_rest in demo_data.SLA_TERMS:
        assert sla_term_errors(kpi=kpi(code), comparator=comparator, target=target, warning_target=warning) == {}, code


def test_an_existing_wrong_way_term_is_kept_and_must_be_turned_round_on_its_next_edit() -> None:
    # A term saved before the rule (no data migration rewrites it): it still reads and evaluates, and
    # the next change to it must fix its comparator as well.
    legacy = factories.SlaTermFactory(kpi=kpi("on_time_delivery_rate"), comparator="lte", target=D(95))
    with pytest.raises(ValidationError) as raised:
        services.sla_term_update(instance=legacy, actor=None, data={"severity": "critical"})
    assert raised.value.message_dict == {"comparator": [ON_TIME_LTE]}
    assert SlaTerm.objects.get(pk=legacy.pk).severity == "major"
    services.sla_term_update(instance=legacy, actor=None, data={"severity": "critical", "comparator": "gte"})
    assert SlaTerm.objects.values_list("comparator", "severity").get(pk=legacy.pk) == ("gte", "critical")


# -- the API: 400 with the field's message, nothing written ----------------------------------------------
def api_body(code: str, **overrides: Any) -> dict[str, Any]:
    return {
        "contract": factories.ContractFactory().pk,
        "area": "delivery",
        "kpi": code,
        "comparator": "gte",
        "target": "95",
        "window": "month",
        **overrides,
    }


@pytest.mark.parametrize(
    ("code", "overrides", "field"),
    [
        ("on_time_delivery_rate", {"comparator": "lte"}, "comparator"),
        ("defect_rate", {"comparator": "gte", "target": "2"}, "comparator"),
        ("on_time_delivery_rate", {"target": "120"}, "target"),
        ("lead_time_for_changes", {"comparator": "lte", "target": "-1"}, "target"),
        ("deployment_frequency", {"target": "10"}, "target"),
        ("on_time_delivery_rate", {"warning_target": "90"}, "warning_target"),
    ],
)
def test_the_api_refuses_with_the_fields_message(
    code: str, overrides: dict[str, Any], field: str, api_client_for: Callable[[str], APIClient]
) -> None:
    response = api_client_for("procurement").post("/api/v1/sla-terms/", api_body(code, **overrides), format="json")
    assert response.status_code == 400, response.content
    assert list(response.json()) == [field]
    assert not SlaTerm.objects.exists()


def test_the_api_says_which_way_the_kpi_goes(api_client_for: Callable[[str], APIClient]) -> None:
    client = api_client_for("procurement")
    response = client.post("/api/v1/sla-terms/", api_body("on_time_delivery_rate", comparator="lte"), format="json")
    assert response.json() == {"comparator": [ON_TIME_LTE]}
    created = client.post("/api/v1/sla-terms/", api_body("on_time_delivery_rate", warning_target="97"), format="json")
    assert created.status_code == 201, created.content
    turned = client.patch(f"/api/v1/sla-terms/{created.json()['id']}/", {"comparator": "lte"}, format="json")
    assert turned.status_code == 400 and turned.json() == {"comparator": [ON_TIME_LTE]}
    assert SlaTerm.objects.get().comparator == "gte"


# -- the form: the refusal on its field, the unit next to the targets -------------------------------------
HX = {"HTTP_HX_REQUEST": "true"}


def procurement(user_with_role: Callable[[str], Any]) -> Client:
    client = Client()
    client.force_login(user_with_role(Role.PROCUREMENT))
    return client


def form_data(kpi_pk: int, **overrides: Any) -> dict[str, Any]:
    return {
        "area": "delivery",
        "kpi": kpi_pk,
        "comparator": "gte",
        "target": "95",
        "window": "month",
        "min_samples": "1",
        "severity": "major",
        "credit_percent": "5",
        **overrides,
    }


def field_block(html: str, name: str) -> str:
    """The markup of one field of the form (templates/includes/field.html)."""
    start = html.rindex('<div class="field', 0, html.index(f'data-field="{name}"'))
    return html[start : html.index('<div class="field', start + 1)]


def test_the_form_shows_the_direction_refusal_under_the_comparator(user_with_role: Callable[[str], Any]) -> None:
    client = procurement(user_with_role)
    contract = factories.ContractFactory()
    on_time = kpi("on_time_delivery_rate")
    create = reverse("performance:sla-term-create", args=[contract.pk])
    html = client.post(create, form_data(on_time.pk, comparator="lte"), **HX).content.decode()
    assert "has-error" in field_block(html, "comparator")
    assert "On-time delivery rate is higher-is-better: its target is a minimum, use ‘at least (≥)’." in field_block(
        html, "comparator"
    )
    out_of_range = client.post(create, form_data(on_time.pk, target="150"), **HX).content.decode()
    assert "its target lies between 0 % and 100 %." in field_block(out_of_range, "target")
    assert not SlaTerm.objects.exists()
    client.post(create, form_data(on_time.pk, warning_target="97"), **HX)
    assert SlaTerm.objects.values_list("comparator", "target", "warning_target").get() == ("gte", D(95), D(97))


def test_the_form_shows_the_kpis_unit_next_to_both_targets(user_with_role: Callable[[str], Any]) -> None:
    client = procurement(user_with_role)
    term = factories.SlaTermFactory(kpi=kpi("first_response_time"), comparator="lte", target=D(4))
    html = client.get(reverse("performance:sla-term-update", args=[term.pk]), **HX).content.decode()
    for name in ("target", "warning_target"):
        assert '<span class="unit" data-kpi-unit>h</span>' in field_block(html, name)
    # The script keeps the unit (and the comparator) in step with the KPI select, from these maps.
    on_time = kpi("on_time_delivery_rate")
    assert f"&quot;{on_time.pk}&quot;: &quot;%&quot;" in field_block(html, "kpi")
    assert f"&quot;{on_time.pk}&quot;: &quot;gte&quot;" in field_block(html, "kpi")
    assert "js/sla_term_form.js" in html
    assert "First response time is lower-is-better." in field_block(html, "comparator")
    # A refused form comes back with the unit of the KPI it posted.
    create = reverse("performance:sla-term-create", args=[term.contract_id])
    refused = client.post(create, form_data(kpi("deployment_frequency").pk, target="9"), **HX).content.decode()
    assert '<span class="unit" data-kpi-unit>deploy-days/week</span>' in field_block(refused, "target")


# -- units everywhere a target or a value is printed -----------------------------------------------------
def test_values_print_one_way() -> None:
    assert with_unit(D("95.0000"), "%") == "95 %"
    assert with_unit(D("4"), "hours") == "4 h"
    assert with_unit(D("2.5000"), "deploy-days/week") == "2.5 deploy-days/week"
    assert with_unit(D("0.754"), "hours") == "0.75 h"
    assert with_unit(D("1000"), "points") == "1000 points"
    assert with_unit(D("3"), "widgets") == "3 widgets"
    assert with_unit(None, "%") == "—"


@pytest.fixture
def breached() -> Breach:
    """On-time delivery at least 95 % (warning 97 %), missed with 91.5 % in October; the open window at
    96.25 % so far."""
    vendor = factories.VendorFactory(name="Acme Delivery")
    contract = factories.ContractFactory(vendor=vendor, title="Acme platform squad")
    term = factories.SlaTermFactory(
        contract=contract, kpi=kpi("on_time_delivery_rate"), target=D(95), warning_target=D(97), area="delivery"
    )
    factories.SlaEvaluationFactory(
        term=term,
        window_start=dt.date(2026, 11, 1),
        window_end=dt.date(2026, 11, 30),
        value=D("96.25"),
        status="at_risk",
        is_closed=False,
    )
    evaluation = factories.SlaEvaluationFactory(term=term, value=D("91.5"), status="breached")
    return Breach.objects.create(
        term=term,
        evaluation=evaluation,
        window_start=evaluation.window_start,
        window_end=evaluation.window_end,
        value=D("91.5"),
        target=D("95"),
        severity="major",
        credit_amount=D("1500.00"),
        currency="EUR",
        detected_at=dt.datetime(2026, 11, 1, 6, tzinfo=dt.UTC),
    )


def executive(user_with_role: Callable[[str], Any]) -> Client:
    client = Client()
    client.force_login(user_with_role(Role.EXECUTIVE))
    return client


def test_the_contract_page_prints_targets_and_values_with_units(
    breached: Breach, user_with_role: Callable[[str], Any]
) -> None:
    html = executive(user_with_role).get(breached.term.contract.get_absolute_url()).content.decode()
    row = html[html.index(f'data-term="{breached.term_id}"') :]
    row = row[: row.index("</tr>")]
    assert '<td>≥ 95 %<div class="muted small" data-warning>warning at 97 %</div></td>' in row
    assert "· 91.5 %" in row and "96.25 % so far" in row
    breach_row = html[html.index(f'id="breach-{breached.pk}"') :]
    assert "91.5 % / ≥ 95 %" in breach_row and "off by 3.5 %" in breach_row


def test_the_breach_and_evaluation_lists_print_units(breached: Breach, user_with_role: Callable[[str], Any]) -> None:
    client = executive(user_with_role)
    breaches = client.get(reverse("performance:breach-list")).content.decode()
    assert "91.5 % / ≥ 95 %" in breaches
    evaluations = client.get(reverse("performance:sla-evaluation-list")).content.decode()
    assert "On-time delivery rate ≥ 95 %" in evaluations
    assert '<td class="num">91.5 %</td>' in evaluations and '<td class="num">96.25 %</td>' in evaluations


def test_vendor_360_prints_units(breached: Breach, user_with_role: Callable[[str], Any]) -> None:
    vendor = breached.term.contract.vendor
    html = executive(user_with_role).get(reverse("dashboards:vendor-360", args=[vendor.pk])).content.decode()
    assert '<td data-label="Target">≥ 95 %' in html
    assert "91.5 %" in html and "96.25 %" in html
    assert '<td class="num" data-label="Value / target">91.5 % / ≥ 95 %</td>' in html


def rows_of(response: Any) -> list[list[str]]:
    body = b"".join(response.streaming_content).decode("utf-8-sig")
    return list(csv.reader(io.StringIO(body)))


def test_csv_exports_carry_the_unit(breached: Breach, user_with_role: Callable[[str], Any]) -> None:
    client = executive(user_with_role)
    for url in (reverse("performance:breach-list"), reverse("performance:sla-evaluation-list")):
        header, *rows = rows_of(client.get(url, {"export": "csv"}))
        assert "Unit" in header and {row[header.index("Unit")] for row in rows} == {"%"}
    vendor = breached.term.contract.vendor
    for export in ("breaches", "sla-terms"):
        header, *rows = rows_of(client.get(reverse("dashboards:vendor-export", args=[vendor.pk, export])))
        assert [row[header.index("Unit")] for row in rows] == ["%"]


def test_notifications_print_units(breached: Breach) -> None:
    announce_breaches(opened=[breached.pk], reopened=[], retracted=[])
    body = Notification.objects.filter(kind="breach_opened").values_list("body", flat=True).first()
    assert body is not None
    assert "On-time delivery rate: 91.5 % against at least (≥) 95 % for" in body and "Missed by 3.5 %" in body
    announce_at_risk([(breached.term_id, Window(dt.date(2026, 11, 1), dt.date(2026, 11, 30)), D("96.25"))])
    warning = Notification.objects.filter(kind="sla_at_risk").values_list("body", flat=True).first()
    assert warning is not None
    assert "stands at 96.25 % so far" in warning and "against at least (≥) 95 %." in warning
