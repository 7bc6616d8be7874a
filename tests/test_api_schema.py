"""/api/schema/ is a valid OpenAPI 3 document that covers the API surface of docs/api.md."""

from __future__ import annotations

import pytest
from django.test import Client
from drf_spectacular.validation import validate_schema

from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

DESIGN_PATHS = [
    "functions/",
    "vendors/",
    "vetting-assessments/",
    "certifications/",
    "risks/",
    "access-grants/",
    "service-reviews/",
    "contracts/",
    "sla-terms/",
    "sla-evaluations/",
    "breaches/",
    "breaches/{id}/acknowledge/",
    "breaches/{id}/resolve/",
    "breaches/{id}/waive/",
    "kpis/",
    "measurements/",
    "measurements/bulk/",
]


@pytest.fixture
def schema() -> dict:
    client = Client()
    client.force_login(UserFactory(role="executive"))
    response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
    assert response.status_code == 200
    return response.json()


def test_schema_is_valid_openapi_3(schema: dict) -> None:
    validate_schema(schema)  # raises on an invalid document
    assert schema["openapi"].startswith("3.")


@pytest.mark.parametrize("path", DESIGN_PATHS)
def test_schema_covers_the_design_surface(schema: dict, path: str) -> None:
    assert f"/api/v1/{path}" in schema["paths"]


def test_docs_page_renders() -> None:
    client = Client()
    client.force_login(UserFactory())
    response = client.get("/api/docs/")
    assert response.status_code == 200


def test_schema_requires_sign_in() -> None:
    assert Client().get("/api/schema/").status_code == 401


def test_docs_page_redirects_anonymous_browsers_to_sign_in() -> None:
    response = Client().get("/api/docs/")
    assert response.status_code == 302
    assert response["Location"].startswith("/accounts/login/")


def test_docs_page_uses_no_cdn() -> None:
    client = Client()
    client.force_login(UserFactory())
    html = client.get("/api/docs/").content.decode()
    assert "cdn." not in html and "jsdelivr" not in html and "unpkg" not in html
