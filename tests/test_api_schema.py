"""/api/schema/ is a valid OpenAPI 3 document that covers the API surface of docs/api.md."""

from __future__ import annotations

from typing import Any

import pytest
from django.db import transaction
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
    "invoices/",
    "invoices/bulk/",
]


@pytest.fixture(scope="module")
def schema(django_db_setup: None, django_db_blocker: Any) -> dict:
    """The document as /api/schema/ serves it, fetched once for the module (generating it takes seconds);
    the reader signed in for it is rolled back."""
    with django_db_blocker.unblock(), transaction.atomic():
        client = Client()
        client.force_login(UserFactory(role="executive"))
        response = client.get("/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json")
        transaction.set_rollback(True)
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


# -- the error answers each operation documents (apps.core.openapi) ----------------------------------------
def operations(schema: dict) -> list[tuple[str, str, dict]]:
    return [(method.upper(), path, op) for path, ops in schema["paths"].items() for method, op in ops.items()]


def test_every_operation_documents_its_error_answers_with_the_error_body(schema: dict) -> None:
    error = {"$ref": "#/components/schemas/Error"}
    for method, path, operation in operations(schema):
        responses = operation["responses"]
        # every operation takes a token, and too many failed ones from an address are a 429
        assert {"401", "429"} <= set(responses), f"{method} {path}"
        for code, response in responses.items():
            if code.startswith("4"):
                assert response["content"]["application/json"]["schema"] == error, f"{method} {path} {code}"
    assert set(schema["components"]["schemas"]["Error"]["properties"]) >= {"detail", "non_field_errors", "unmet"}


def test_the_codes_follow_from_the_operation(schema: dict) -> None:
    for method, path, operation in operations(schema):
        codes = set(operation["responses"])
        query = {p["name"] for p in operation.get("parameters", []) if p["in"] == "query"}
        writes = method not in ("GET", "HEAD", "OPTIONS")
        # A telemetry receiver is anonymous, signed by its source: no role to refuse (no 403), and its
        # binding is in the path.
        receiver = path.startswith("/api/v1/telemetry/")
        assert ("404" in codes) == ("{id}" in path or "page" in query or receiver), f"{method} {path}"
        # 403: a write's role, owner or CSRF token; on every operation a token's scope (or vendors)
        assert ("403" in codes) == (not receiver), f"{method} {path}"
        assert "400" in codes, f"{method} {path}"  # a NUL in the path or the query, at least
        assert ("415" in codes) == (method in ("POST", "PUT", "PATCH")), f"{method} {path}"
        if not writes:
            assert "409" not in codes, f"{method} {path}"


@pytest.mark.parametrize(
    ("method", "path", "codes"),
    [
        # a list: a filter's bad value, a page past the last, a token without the scope; never a 409 (a
        # 400 is possible everywhere: a NUL in the path or the query string)
        ("get", "vendors/", {"200", "400", "401", "403", "404", "429"}),
        ("get", "vendors/{id}/", {"200", "400", "401", "403", "404", "429"}),
        ("post", "vendors/", {"201", "400", "401", "403", "409", "415", "429"}),
        ("patch", "vendors/{id}/", {"200", "400", "401", "403", "404", "409", "415", "429"}),
        # contracts still reference a vendor (PROTECT): its delete can be refused; nothing references a risk
        ("delete", "vendors/{id}/", {"204", "400", "401", "403", "404", "409", "429"}),
        ("delete", "risks/{id}/", {"204", "400", "401", "403", "404", "429"}),
        # a lifecycle move: the body, the role, the record, the lifecycle or its gate
        ("post", "vendors/{id}/transition/", {"200", "400", "401", "403", "404", "409", "415", "429"}),
        ("get", "contracts/{id}/readiness/", {"200", "400", "401", "403", "404", "429"}),
        ("post", "breaches/{id}/acknowledge/", {"200", "400", "401", "403", "404", "409", "415", "429"}),
        ("post", "measurements/bulk/", {"200", "400", "401", "403", "409", "413", "415", "429"}),
        ("post", "invoices/bulk/", {"200", "400", "401", "403", "409", "413", "415", "429"}),
        # marking read: no conflict (a body, if any, must still be a JSON object)
        ("post", "notifications/{id}/read/", {"200", "400", "401", "403", "404", "415", "429"}),
        ("post", "notifications/read-all/", {"200", "400", "401", "403", "415", "429"}),
        ("get", "functions/{id}/decisions/", {"200", "400", "401", "403", "404", "429"}),
    ],
)
def test_documented_codes(schema: dict, method: str, path: str, codes: set[str]) -> None:
    assert set(schema["paths"][f"/api/v1/{path}"][method]["responses"]) == codes


def test_decisions_are_documented_as_a_page(schema: dict) -> None:
    operation = schema["paths"]["/api/v1/functions/{id}/decisions/"]["get"]
    ok = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert ok == {"$ref": "#/components/schemas/PaginatedSourcingDecisionList"}
    # the catalogue's filters do not apply to a function's history
    assert {p["name"] for p in operation["parameters"]} == {"id", "page", "page_size", "cursor"}


# -- token scopes (docs/api.md, "Tokens and scopes") -------------------------------------------------------
def test_every_token_operation_states_its_scopes(schema: dict) -> None:
    for method, path, operation in operations(schema):
        if path.startswith("/api/v1/telemetry/"):  # the receivers take no token
            assert "x-required-scopes" not in operation, f"{method} {path}"
            continue
        scopes = operation.get("x-required-scopes")
        assert scopes, f"{method} {path}"
        assert "admin" in scopes, f"{method} {path}"  # admin does everything
        assert ("read" in scopes) == (method == "GET"), f"{method} {path}"
        assert operation["description"].endswith("(a token needs one of them)."), f"{method} {path}"


@pytest.mark.parametrize(
    ("method", "path", "scopes"),
    [
        ("get", "vendors/", ["read", "vendors:write", "admin"]),
        ("post", "vendors/{id}/transition/", ["vendors:write", "admin"]),
        ("post", "measurements/bulk/", ["measurements:write", "admin"]),
        ("post", "breaches/{id}/waive/", ["contracts:write", "admin"]),
        ("get", "telemetry-bindings/", ["read", "telemetry:write", "admin"]),
        ("get", "kpis/", ["read", "admin"]),
        ("post", "fx-rates/", ["admin"]),
    ],
)
def test_scopes_of_operations(schema: dict, method: str, path: str, scopes: list[str]) -> None:
    operation = schema["paths"][f"/api/v1/{path}"][method]
    assert operation["x-required-scopes"] == scopes
    sentence = operation["description"].rsplit("\n\n", 1)[-1]
    assert sentence.startswith("Token scope: ") and all(f"`{scope}`" in sentence for scope in scopes)


def test_the_token_scheme_lists_the_scopes(schema: dict) -> None:
    description = schema["components"]["securitySchemes"]["tokenAuth"]["description"]
    for scope in ("read", "vendors:write", "contracts:write", "measurements:write", "telemetry:write", "admin"):
        assert f"`{scope}`" in description
    assert "limited to some vendors" in description
