"""SLA terms, evaluations and breaches over the API: CRUD × roles (generated), breach actions × roles,
KPI by code, bad input and filters."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date
from typing import Any

import pytest
from django.db.models import Model
from django.utils import timezone
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.performance.models import Breach, SlaTerm
from tests.api_matrix import ApiResourceMatrix
from tests.factories import (
    BreachFactory,
    ContractFactory,
    KpiDefinitionFactory,
    SlaEvaluationFactory,
    SlaTermFactory,
    UserFactory,
)

ROLES: tuple[str, ...] = tuple(Role.values)


# -- generated CRUD × role matrices ---------------------------------------------------------------------
class TestSlaTermApi(ApiResourceMatrix):
    basename = "slaterm"
    factory = SlaTermFactory

    def create_payload(self) -> dict[str, Any]:
        return {
            "contract": ContractFactory().pk,
            "area": "quality",
            "kpi": KpiDefinitionFactory(direction="lower").pk,
            "comparator": "lte",
            "target": "2.0000",
            "warning_target": "1.5000",
            "window": "month",
            "aggregation": "ratio",
            "min_samples": 2,
            "severity": "major",
            "credit_percent": "5.00",
        }

    def update_payload(self, obj: Model) -> dict[str, Any]:
        return {"target": "96.0000", "severity": "critical"}


class TestSlaEvaluationApi(ApiResourceMatrix):
    basename = "slaevaluation"
    factory = SlaEvaluationFactory
    can_create = can_update = can_delete = False


class TestBreachApi(ApiResourceMatrix):
    basename = "breach"
    factory = BreachFactory
    can_create = can_update = can_delete = False

    def make(self) -> Model:
        return BreachFactory(status="acknowledged", acknowledged_by=UserFactory(), acknowledged_at=timezone.now())


pytestmark = pytest.mark.django_db


# -- SLA terms ----------------------------------------------------------------------------------------
def test_sla_term_kpi_by_code_or_id(api_client_for: Callable[[str], APIClient]) -> None:
    kpi = KpiDefinitionFactory(code="defect_rate_x", direction="lower")
    payload = {
        "contract": ContractFactory().pk,
        "area": "quality",
        "kpi": "defect_rate_x",
        "comparator": "lte",
        "target": "2",
        "window": "month",
    }
    client = api_client_for("procurement")
    response = client.post("/api/v1/sla-terms/", payload, format="json")
    assert response.status_code == 201, response.content
    assert (response.json()["kpi"], response.json()["kpi_code"]) == (kpi.pk, "defect_rate_x")
    by_id = client.post("/api/v1/sla-terms/", {**payload, "kpi": str(kpi.pk)}, format="json")
    assert by_id.status_code == 201 and by_id.json()["kpi"] == kpi.pk
    bad = client.post("/api/v1/sla-terms/", {**payload, "kpi": "nope"}, format="json")
    assert bad.status_code == 400 and "kpi" in bad.json()
    assert SlaTerm.objects.count() == 2


@pytest.mark.parametrize(
    ("payload", "field"),
    [
        ({"window": "rolling"}, "non_field_errors"),  # rolling without its days
        ({"window": "month", "window_days": 30}, "non_field_errors"),
        ({"comparator": "gte", "target": "95", "warning_target": "90"}, "warning_target"),
        ({"comparator": "lte", "target": "2", "warning_target": "3"}, "warning_target"),
        ({"credit_percent": "150"}, "credit_percent"),
        ({"min_samples": 0}, "min_samples"),
        ({"comparator": "eq"}, "comparator"),
        ({"window": "rolling", "window_days": 400}, "window_days"),
    ],
)
def test_bad_sla_term_input(payload: dict[str, Any], field: str, api_client_for: Callable[[str], APIClient]) -> None:
    direction = "lower" if payload.get("comparator") == "lte" else "higher"
    body = {
        "contract": ContractFactory().pk,
        "area": "delivery",
        "kpi": KpiDefinitionFactory(direction=direction).pk,
        "comparator": "gte",
        "target": "95",
        "window": "month",
        **payload,
    }
    response = api_client_for("procurement").post("/api/v1/sla-terms/", body, format="json")
    assert response.status_code == 400, response.content
    assert field in response.json(), response.json()
    assert SlaTerm.objects.count() == 0


def test_sla_term_keeps_its_contract_and_is_protected_by_evaluations(
    api_client_for: Callable[[str], APIClient],
) -> None:
    term = SlaTermFactory()
    client = api_client_for("procurement")
    moved = client.patch(f"/api/v1/sla-terms/{term.pk}/", {"contract": ContractFactory().pk}, format="json")
    assert moved.status_code == 200
    assert SlaTerm.objects.get(pk=term.pk).contract_id == term.contract_id
    SlaEvaluationFactory(term=term)
    response = client.delete(f"/api/v1/sla-terms/{term.pk}/")
    assert response.status_code == 409 and "SLA evaluations" in response.json()["detail"][0]
    assert SlaTerm.objects.filter(pk=term.pk).exists()


def test_sla_term_filters(api_client_for: Callable[[str], APIClient]) -> None:
    wanted = SlaTermFactory(kpi=KpiDefinitionFactory(code="lead_time_x"), area="delivery", severity="critical")
    SlaTermFactory(area="quality", window="quarter")
    client = api_client_for("executive")

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/sla-terms/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("kpi=lead_time_x") == [wanted.pk]
    assert ids(f"kpi={wanted.kpi_id}") == [wanted.pk]
    assert ids(f"vendor={wanted.contract.vendor_id}") == [wanted.pk]
    assert ids(f"contract={wanted.contract_id}") == [wanted.pk]
    assert ids("area=delivery") == [wanted.pk]
    assert ids("severity=critical") == [wanted.pk]
    assert ids("window=month") == [wanted.pk]
    assert len(ids("area=delivery&area=quality")) == 2


# -- evaluations and breaches -------------------------------------------------------------------------
def test_evaluations_are_read_only_and_filterable(api_client_for: Callable[[str], APIClient]) -> None:
    october = SlaEvaluationFactory(status="breached")
    september = SlaEvaluationFactory(
        term=october.term, window_start=date(2026, 9, 1), window_end=date(2026, 9, 30), status="met"
    )
    SlaEvaluationFactory(status="met")
    client = api_client_for("admin")
    assert client.post("/api/v1/sla-evaluations/", {}, format="json").status_code == 405
    assert client.patch(f"/api/v1/sla-evaluations/{october.pk}/", {"status": "met"}).status_code == 405
    assert client.delete(f"/api/v1/sla-evaluations/{october.pk}/").status_code == 405

    def ids(query: str) -> list[int]:
        return [row["id"] for row in client.get(f"/api/v1/sla-evaluations/?{query}").json()["results"]]

    assert ids(f"contract={october.term.contract_id}") == [october.pk, september.pk]
    assert ids(f"term={october.term_id}&status=met") == [september.pk]
    assert ids(f"contract={october.term.contract_id}&window_start_after=2026-10-01") == [october.pk]
    assert ids(f"contract={october.term.contract_id}&window_start_before=2026-09-30") == [september.pk]


BREACH_ACTIONS = {
    # verb: (body, resulting status, the roles that may do it)
    "acknowledge": ({}, "acknowledged", {"executive", "engineering_manager", "admin"}),
    "resolve": ({"reason": "Fixed root cause."}, "resolved", {"executive", "engineering_manager", "admin"}),
    "waive": ({"reason": "Our outage caused it."}, "waived", {"executive", "admin"}),
}


@pytest.mark.parametrize("role", ROLES)
@pytest.mark.parametrize("verb", list(BREACH_ACTIONS))
def test_breach_actions_by_role(role: str, verb: str, api_client_for: Callable[[str], APIClient]) -> None:
    body, result, allowed_roles = BREACH_ACTIONS[verb]
    breach = BreachFactory()
    response = api_client_for(role).post(f"/api/v1/breaches/{breach.pk}/{verb}/", body, format="json")
    breach.refresh_from_db()
    if role in allowed_roles:
        assert response.status_code == 200, response.content
        assert breach.status == response.json()["status"] == result
    else:
        assert response.status_code == 403, response.content
        assert breach.status == "open"


def test_breach_actions_stamp_who_and_when(
    api_client_for: Callable[[str], APIClient], user_with_role: Callable[[str], Any]
) -> None:
    breach = BreachFactory()
    manager = user_with_role("engineering_manager")
    client = api_client_for("engineering_manager")
    acknowledged = client.post(f"/api/v1/breaches/{breach.pk}/acknowledge/", format="json").json()
    assert acknowledged["acknowledged_by"] == manager.pk and acknowledged["acknowledged_at"]
    resolved = client.post(f"/api/v1/breaches/{breach.pk}/resolve/", {"reason": "Hotfix 1.4.2"}, format="json").json()
    assert (resolved["resolved_by"], resolved["resolution_note"]) == (manager.pk, "Hotfix 1.4.2")
    again = client.post(f"/api/v1/breaches/{breach.pk}/acknowledge/", format="json")
    assert again.status_code == 409
    assert Breach.objects.get(pk=breach.pk).status == "resolved"


@pytest.mark.parametrize("body", [{}, {"reason": ""}, {"reason": "   "}])
def test_waive_needs_a_reason(body: dict[str, str], api_client_for: Callable[[str], APIClient]) -> None:
    breach = BreachFactory()
    response = api_client_for("executive").post(f"/api/v1/breaches/{breach.pk}/waive/", body, format="json")
    assert response.status_code == 400
    assert "reason" in response.json()
    breach.refresh_from_db()
    assert (breach.status, breach.waived_at) == ("open", None)


def test_resolved_breach_cannot_be_waived(api_client_for: Callable[[str], APIClient]) -> None:
    breach = BreachFactory(status="resolved")
    response = api_client_for("executive").post(f"/api/v1/breaches/{breach.pk}/waive/", {"reason": "x"})
    assert response.status_code == 409 and "status" in response.json()
    assert Breach.objects.get(pk=breach.pk).status == "resolved"


def test_breaches_cannot_be_written_directly(api_client_for: Callable[[str], APIClient]) -> None:
    breach = BreachFactory()
    client = api_client_for("admin")
    assert client.post("/api/v1/breaches/", {}).status_code == 405
    assert client.patch(f"/api/v1/breaches/{breach.pk}/", {"status": "resolved"}, format="json").status_code == 405
    assert client.delete(f"/api/v1/breaches/{breach.pk}/").status_code == 405
    assert Breach.objects.get(pk=breach.pk).status == "open"


def test_breach_filters(api_client_for: Callable[[str], APIClient]) -> None:
    critical = BreachFactory(severity="critical")
    minor = BreachFactory(
        severity="minor",
        status="resolved",
        evaluation=SlaEvaluationFactory(
            term=SlaTermFactory(area="delivery"), window_start=date(2026, 9, 1), window_end=date(2026, 9, 30)
        ),
    )
    client = api_client_for("executive")

    def ids(query: str) -> list[int]:
        response = client.get(f"/api/v1/breaches/?{query}")
        assert response.status_code == 200, response.content
        return [row["id"] for row in response.json()["results"]]

    assert ids("severity=critical") == [critical.pk]
    assert ids("status=open") == [critical.pk]
    assert ids("status=open&status=resolved") == [critical.pk, minor.pk]
    assert ids(f"vendor={critical.term.contract.vendor_id}") == [critical.pk]
    assert ids(f"contract={minor.term.contract_id}") == [minor.pk]
    assert ids(f"term={minor.term_id}") == [minor.pk]
    assert ids("area=delivery") == [minor.pk]
    assert ids("window_start_after=2026-10-01") == [critical.pk]
    assert ids("window_start_before=2026-09-30") == [minor.pk]
    assert client.get("/api/v1/breaches/?status=closed").status_code == 400
