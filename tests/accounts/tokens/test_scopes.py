"""Token scopes on every API operation: the rule, the 403 naming the missing scope, the role still
deciding, and every routed view declaring its area."""

from __future__ import annotations

import pytest
from django.test import Client
from django.urls import URLPattern, URLResolver, get_resolver

from apps.accounts.choices import Role, TokenScope
from apps.core.api import NO_VENDOR, NOT_BY_VENDOR, ServiceModelViewSet
from apps.core.permissions import SCOPE_AREAS, required_scopes, scope_refusal, write_scope
from apps.vendors.models import Vendor
from config.api import router
from tests.accounts.tokens.conftest import TokenClient
from tests.factories import ContractFactory, FunctionFactory, KpiDefinitionFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db

# The router's index under /api/v1/ lists the resources and nothing else: any token may read it.
API_ROOT_VIEW = "APIRootView"


def test_the_vocabulary_is_the_rule_s() -> None:
    """TokenScope (what a token can be given) and apps.core.permissions (what operations ask) agree."""
    asked = {
        scope for area in SCOPE_AREAS for writes in (False, True) for scope in required_scopes(area, writes=writes)
    }
    assert asked == set(TokenScope.values)
    assert {write_scope(area) for area in SCOPE_AREAS} == set(TokenScope.values) - {TokenScope.READ}


@pytest.mark.parametrize("prefix", [prefix for prefix, _viewset, _basename in router.registry])
def test_every_routed_viewset_declares_its_area_and_vendor_path(prefix: str) -> None:
    viewset = next(v for p, v, _b in router.registry if p == prefix)
    assert viewset.scope_area in SCOPE_AREAS, f"{viewset.__name__} declares no scope_area"
    path = viewset.vendor_path
    if path in (NO_VENDOR, NOT_BY_VENDOR):
        return
    model = viewset.selector(user=UserFactory(role=Role.ADMIN)).model
    # The path leads from the resource's rows to a vendor: a query on it runs.
    list(model._default_manager.filter(**{f"{path}__in": [0]}).values_list("pk", flat=True))
    target = model
    for part in path.split("__"):
        target = target if part == "pk" else target._meta.get_field(part).related_model
    assert target is Vendor, f"{viewset.__name__}.vendor_path {path!r} does not end at a vendor"


def _api_views(resolver: URLResolver, prefix: str = "") -> list[tuple[str, object]]:
    found: list[tuple[str, object]] = []
    for pattern in resolver.url_patterns:
        route = prefix + str(pattern.pattern)
        if isinstance(pattern, URLResolver):
            found.extend(_api_views(pattern, route))
        elif isinstance(pattern, URLPattern) and route.startswith("api/v1/"):
            found.append((route, pattern.callback))
    return found


def test_every_api_view_takes_a_scope_or_no_token() -> None:
    """A new view under /api/v1/ that declares no area fails here (and refuses tokens at run time)."""
    views = _api_views(get_resolver())
    assert views
    for route, callback in views:
        cls = getattr(callback, "cls", None) or getattr(callback, "view_class", None)
        assert cls is not None, route
        if cls.__name__ == API_ROOT_VIEW or not cls.authentication_classes:
            continue  # the index, or a view no token reaches (the telemetry receivers: signed by their source)
        assert issubclass(cls, ServiceModelViewSet), f"{route}: {cls.__name__} is not on the base viewset"
        assert cls.scope_area in SCOPE_AREAS, f"{route}: {cls.__name__} declares no scope_area"


def test_a_viewset_without_an_area_refuses_tokens(token_client: TokenClient, monkeypatch: pytest.MonkeyPatch) -> None:
    from apps.vendors.api.views import VendorViewSet

    monkeypatch.setattr(VendorViewSet, "scope_area", None)
    response = token_client(UserFactory(role=Role.ADMIN), ["admin"]).get("/api/v1/vendors/")
    assert response.status_code == 403
    assert "declares no token scope" in response.json()["detail"]


@pytest.mark.parametrize(
    ("path", "area"),
    [
        ("/api/v1/vendors/", "vendors"),
        ("/api/v1/risks/", "vendors"),
        ("/api/v1/contracts/", "contracts"),
        ("/api/v1/breaches/", "contracts"),
        ("/api/v1/sla-terms/", "contracts"),
        ("/api/v1/measurements/", "measurements"),
        ("/api/v1/telemetry-bindings/", "telemetry"),
        ("/api/v1/identity-rules/", "telemetry"),
        ("/api/v1/kpis/", "admin"),
        ("/api/v1/fx-rates/", "admin"),
        ("/api/v1/functions/", "admin"),
        ("/api/v1/notifications/", "admin"),
    ],
)
def test_reads_need_read_the_area_s_write_or_admin(token_client: TokenClient, path: str, area: str) -> None:
    user = UserFactory(role=Role.PROCUREMENT)
    for scope in TokenScope.values:
        allowed = scope in required_scopes(area, writes=False)
        response = token_client(user, [scope]).get(path)
        assert response.status_code == (200 if allowed else 403), (scope, response.content)
        if not allowed:
            assert response.json() == {"detail": scope_refusal(area, writes=False)}
            assert "“read”" in response.json()["detail"]


def test_a_write_outside_the_scope_is_403_naming_the_missing_scope(token_client: TokenClient) -> None:
    manager = UserFactory(role=Role.ENGINEERING_MANAGER)
    contract = ContractFactory(vendor__engineering_owner=manager)
    body = {
        "contract": contract.pk,
        "kpi": "sprint_velocity",
        "period_start": "2026-03-01",
        "period_end": "2026-03-14",
        "value": "40",
    }
    for scopes in (["read"], ["vendors:write", "contracts:write", "telemetry:write"]):
        response = token_client(manager, scopes).post("/api/v1/measurements/", body, format="json")
        assert response.status_code == 403
        assert response.json()["detail"] == (
            "This token lacks the scope “measurements:write” (or “admin”) needed to change KPI measurements."
        )
    assert not contract.measurements.exists()
    assert (
        token_client(manager, ["measurements:write"]).post("/api/v1/measurements/", body, format="json").status_code
        == 201
    )


def test_bulk_and_actions_are_writes_of_their_area(token_client: TokenClient) -> None:
    user = UserFactory(role=Role.ADMIN)
    reader = token_client(user, ["read", "contracts:write"])
    response = reader.post("/api/v1/measurements/bulk/", {"rows": []}, format="json")
    assert response.status_code == 403 and "“measurements:write”" in response.json()["detail"]
    vendor = VendorFactory(status="prospect")
    moved = reader.post(f"/api/v1/vendors/{vendor.pk}/transition/", {"status": "vetting"}, format="json")
    assert moved.status_code == 403 and "“vendors:write”" in moved.json()["detail"]
    vendor.refresh_from_db()
    assert vendor.status == "prospect"
    # a GET action is a read
    assert reader.get(f"/api/v1/vendors/{vendor.pk}/readiness/").status_code == 200


def test_administrative_records_are_written_with_admin_only(token_client: TokenClient) -> None:
    admin = UserFactory(role=Role.ADMIN)
    body = {"currency": "USD", "valid_on": "2026-01-01", "rate": "0.9"}
    for scopes in (["read"], [s for s in TokenScope.values if s not in ("admin", "read")]):
        response = token_client(admin, scopes).post("/api/v1/fx-rates/", body, format="json")
        assert response.status_code == 403
        assert (
            response.json()["detail"] == "This token lacks the scope “admin” needed to change administrative records."
        )
    assert token_client(admin, ["admin"]).post("/api/v1/fx-rates/", body, format="json").status_code == 201


@pytest.mark.parametrize("scopes", [["admin"], ["vendors:write"]])
def test_scopes_never_widen_the_role(token_client: TokenClient, scopes: list[str]) -> None:
    """A procurement user's admin-scoped token still cannot do what only admins do (the KPI catalogue,
    the FX table), nor what procurement cannot (risks are security's)."""
    procurement = token_client(UserFactory(role=Role.PROCUREMENT), scopes)
    vendor = VendorFactory()
    risk = {"vendor": vendor.pk, "category": "delivery", "title": "x", "likelihood": 2, "impact": 2}
    assert procurement.post("/api/v1/risks/", risk, format="json").status_code == 403
    if "admin" in scopes:
        kpi = {"code": "escalated", "name": "Escalated", "unit": "%", "direction": "higher", "aggregation": "mean"}
        assert procurement.post("/api/v1/kpis/", kpi, format="json").status_code == 403
        fx = {"currency": "USD", "valid_on": "2026-01-01", "rate": "0.9"}
        assert procurement.post("/api/v1/fx-rates/", fx, format="json").status_code == 403
        assert (
            procurement.patch(f"/api/v1/functions/{FunctionFactory().pk}/", {"name": "x"}, format="json").status_code
            == 403
        )
    assert not vendor.risks.exists()


def test_sessions_have_no_scopes() -> None:
    browser = Client()
    browser.force_login(UserFactory(role=Role.ADMIN))
    KpiDefinitionFactory()
    assert browser.get("/api/v1/kpis/").status_code == 200
    assert browser.get("/api/v1/vendors/").status_code == 200
