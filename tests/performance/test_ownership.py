"""An engineering manager logs KPIs only for the engagements they own (their vendor's engineering or
delivery owner), whichever way the measurement arrives: the API (one or in bulk), a CSV import, the
command line; an admin logs any. Nothing of a refused row is written."""

from __future__ import annotations

import datetime as dt
from typing import Any

import pytest
from django.core.management import call_command
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.performance import imports
from apps.performance.models import Measurement
from tests.factories import ContractFactory, MeasurementFactory, UserFactory, VendorFactory

pytestmark = [pytest.mark.django_db, pytest.mark.ownership]

ROW = {"kpi": "sprint_velocity", "period_start": "2026-10-01", "period_end": "2026-10-31", "value": "40"}


@pytest.fixture
def manager() -> Any:
    return UserFactory(username="owner-manager", role=Role.ENGINEERING_MANAGER)


@pytest.fixture
def owned(manager: Any) -> Any:
    return ContractFactory(vendor=VendorFactory(delivery_owner=manager), reference="OWN-1")


@pytest.fixture
def foreign() -> Any:
    return ContractFactory(reference="NOT-MINE")


def refusal(contract: Any) -> str:
    return f"Only the engineering or delivery owner of {contract.vendor} logs its KPIs."


def client_for(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_the_api_refuses_an_engagement_the_manager_does_not_own(manager: Any, owned: Any, foreign: Any) -> None:
    client = client_for(manager)
    refused = client.post("/api/v1/measurements/", {**ROW, "contract": foreign.pk}, format="json")
    assert refused.status_code == 403 and refused.json() == {"detail": [refusal(foreign)]}
    assert client.post("/api/v1/measurements/", {**ROW, "contract": owned.pk}, format="json").status_code == 201
    # Nor may a measurement of someone else's engagement be changed.
    theirs = MeasurementFactory(contract=foreign, period_start=dt.date(2026, 9, 1), period_end=dt.date(2026, 9, 30))
    patched = client.patch(f"/api/v1/measurements/{theirs.pk}/", {"note": "mine now"}, format="json")
    assert patched.status_code == 403
    theirs.refresh_from_db()
    assert theirs.note != "mine now"
    assert Measurement.objects.filter(contract=owned).count() == 1


def test_bulk_rows_of_other_engagements_are_errors_and_the_rest_is_written(
    manager: Any, owned: Any, foreign: Any
) -> None:
    response = client_for(manager).post(
        "/api/v1/measurements/bulk/",
        {"rows": [{**ROW, "contract": owned.pk}, {**ROW, "contract": foreign.pk}]},
        format="json",
    )
    assert response.status_code == 200
    results = response.json()["results"]
    assert results[0]["status"] == "created"
    assert results[1]["status"] == "error" and results[1]["errors"]["contract"] == [refusal(foreign)]
    assert not Measurement.objects.filter(contract=foreign).exists()


def test_an_admin_logs_any_engagement(foreign: Any) -> None:
    admin = UserFactory(role=Role.ADMIN)
    response = client_for(admin).post("/api/v1/measurements/", {**ROW, "contract": foreign.pk}, format="json")
    assert response.status_code == 201


def test_an_import_previews_and_writes_only_the_managers_engagements(
    manager: Any, owned: Any, foreign: Any, capsys: Any, tmp_path: Any
) -> None:
    content = (
        b"contract,kpi,period_start,period_end,value,numerator,denominator,note\n"
        b"OWN-1,sprint_velocity,2026-10-01,2026-10-31,40,,,\n"
        b"NOT-MINE,sprint_velocity,2026-10-01,2026-10-31,40,,,\n"
    )
    job = imports.import_job_create(register="measurements", actor=manager, file_name="october.csv", content=content)
    assert (job.total_rows, job.valid_rows) == (2, 1)
    assert job.errors[0]["errors"] == {"contract": [refusal(foreign)]}
    # The command line's dry run says the same as that user.
    path = tmp_path / "october.csv"
    path.write_bytes(content)
    call_command("import_measurements", str(path), "--dry-run", "--as", manager.username)
    assert "2 rows read: 1 can be imported, 1 with errors." in capsys.readouterr().out
