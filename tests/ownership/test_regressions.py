"""The ownership holes of issue 13, over the API: an engineering manager deleted the measurements of
engagements they do not own, moved someone else's measurement into their own contract (becoming its
recorder), and acknowledged or resolved any vendor's breach. Each is refused now (403) and changes nothing."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.performance.models import Breach, Measurement
from tests.factories import BreachFactory, ContractFactory, MeasurementFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db


@pytest.fixture
def manager() -> Any:
    return UserFactory(username="hole-manager", role=Role.ENGINEERING_MANAGER)


@pytest.fixture
def owned(manager: Any) -> Any:
    return ContractFactory(vendor=VendorFactory(engineering_owner=manager))


@pytest.fixture
def foreign() -> Any:
    return ContractFactory(vendor=VendorFactory(name="Someone Else's Vendor"))


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def snapshot(model: Any, pk: int) -> dict[str, Any]:
    return model.objects.filter(pk=pk).values().get()


def test_1_a_manager_cannot_delete_a_measurement_of_an_engagement_they_do_not_own(manager: Any, foreign: Any) -> None:
    theirs = MeasurementFactory(contract=foreign)
    before = Measurement.objects.count()
    response = client_for(manager).delete(f"/api/v1/measurements/{theirs.pk}/")
    assert response.status_code == 403, response.content
    assert "Someone Else's Vendor" in response.json()["detail"][0]
    assert Measurement.objects.count() == before
    assert Measurement.objects.filter(pk=theirs.pk).exists()


def test_1_the_owner_still_deletes_their_own(manager: Any, owned: Any) -> None:
    mine = MeasurementFactory(contract=owned)
    assert client_for(manager).delete(f"/api/v1/measurements/{mine.pk}/").status_code == 204
    assert not Measurement.objects.filter(pk=mine.pk).exists()


def test_2_a_manager_cannot_move_someone_elses_measurement_into_their_own_contract(
    manager: Any, owned: Any, foreign: Any
) -> None:
    recorder = UserFactory()
    theirs = MeasurementFactory(contract=foreign, recorded_by=recorder, period_start=dt.date(2026, 9, 1))
    before = snapshot(Measurement, theirs.pk)
    response = client_for(manager).patch(f"/api/v1/measurements/{theirs.pk}/", {"contract": owned.pk}, format="json")
    assert response.status_code == 403, response.content
    assert snapshot(Measurement, theirs.pk) == before
    assert before["recorded_by_id"] == recorder.pk and before["contract_id"] == foreign.pk


def test_2_nor_move_their_own_measurement_into_someone_elses_contract(manager: Any, owned: Any, foreign: Any) -> None:
    mine = MeasurementFactory(contract=owned, period_start=dt.date(2026, 9, 1))
    before = snapshot(Measurement, mine.pk)
    response = client_for(manager).patch(f"/api/v1/measurements/{mine.pk}/", {"contract": foreign.pk}, format="json")
    assert response.status_code == 403, response.content
    assert snapshot(Measurement, mine.pk) == before


@pytest.mark.parametrize(("action", "body"), [("acknowledge", {}), ("resolve", {"reason": "Fixed the on-call rota."})])
def test_3_a_manager_cannot_act_on_a_breach_of_a_vendor_they_do_not_own(
    action: str, body: dict[str, str], manager: Any, foreign: Any
) -> None:
    breach = BreachFactory(evaluation__term__contract=foreign)
    before = snapshot(Breach, breach.pk)
    response = client_for(manager).post(f"/api/v1/breaches/{breach.pk}/{action}/", body, format="json")
    assert response.status_code == 403, response.content
    assert "Someone Else's Vendor" in response.json()["detail"][0]
    assert snapshot(Breach, breach.pk) == before


@pytest.mark.parametrize(("action", "body"), [("acknowledge", {}), ("resolve", {"reason": "Fixed the on-call rota."})])
def test_3_the_owner_still_acts_on_their_breach(action: str, body: dict[str, str], manager: Any, owned: Any) -> None:
    breach = BreachFactory(evaluation__term__contract=owned)
    response = client_for(manager).post(f"/api/v1/breaches/{breach.pk}/{action}/", body, format="json")
    assert response.status_code == 200, response.content
    breach.refresh_from_db()
    assert breach.status == {"acknowledge": "acknowledged", "resolve": "resolved"}[action]
