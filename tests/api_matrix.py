"""Generated API tests (NetBox-style): subclass ``ApiResourceMatrix`` once per resource, and every
CRUD operation is tested for every role — allowed exactly when ``apps.accounts.roles`` grants the
model permission — plus 401 unauthenticated and a list query count that does not grow with rows.

    class TestVendorApi(ApiResourceMatrix):
        basename = "vendor"
        factory = VendorFactory
        def create_payload(self): return {...}
        def update_payload(self, obj): return {...}
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, ClassVar

import pytest
from django.db import connection
from django.db.models import Model
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.accounts.roles import ROLE_PERMISSIONS

ROLES: tuple[str, ...] = tuple(Role.values)


def role_may(role: str, permission: str) -> bool:
    return role == Role.ADMIN or permission in ROLE_PERMISSIONS.get(role, set())


@pytest.mark.django_db
class ApiResourceMatrix:
    basename: ClassVar[str]
    factory: ClassVar[Any] = None
    model_class: ClassVar[type[Model] | None] = None  # when rows are made without a factory
    can_create: ClassVar[bool] = True
    can_update: ClassVar[bool] = True
    can_delete: ClassVar[bool] = True
    list_rows: ClassVar[int] = 50

    # -- to override ----------------------------------------------------------------------------
    def make(self) -> Model:
        """One row for read/update/delete tests (and 50 of them for the query-count test)."""
        return self.factory()

    def create_payload(self) -> dict[str, Any]:
        raise NotImplementedError

    def update_payload(self, obj: Model) -> dict[str, Any]:
        raise NotImplementedError

    # -- helpers ----------------------------------------------------------------------------------
    @property
    def model(self) -> type[Model]:
        return self.model_class or self.factory._meta.model

    def permission(self, verb: str) -> str:
        return f"{self.model._meta.app_label}.{verb}_{self.model._meta.model_name}"

    def list_url(self) -> str:
        return reverse(f"{self.basename}-list")

    def detail_url(self, obj: Model) -> str:
        return reverse(f"{self.basename}-detail", args=[obj.pk])

    # -- the generated tests ------------------------------------------------------------------------
    def test_unauthenticated_is_401(self, api_client: APIClient) -> None:
        obj = self.make()
        assert api_client.get(self.list_url()).status_code == 401
        assert api_client.get(self.detail_url(obj)).status_code == 401

    @pytest.mark.parametrize("role", ROLES)
    def test_every_role_reads(self, role: str, api_client_for: Callable[[str], APIClient]) -> None:
        obj = self.make()
        client = api_client_for(role)
        listing = client.get(self.list_url())
        assert listing.status_code == 200, listing.content
        assert listing.json()["count"] == self.model._default_manager.count()
        detail = client.get(self.detail_url(obj))
        assert detail.status_code == 200, detail.content
        assert detail.json()["id"] == obj.pk

    @pytest.mark.parametrize("role", ROLES)
    def test_create_by_role(self, role: str, api_client_for: Callable[[str], APIClient]) -> None:
        payload = self.create_payload() if self.can_create else {}
        client = api_client_for(role)
        before = self.model._default_manager.count()
        response = client.post(self.list_url(), payload, format="json")
        if not self.can_create:
            assert response.status_code in (403, 405), response.content
        elif role_may(role, self.permission("add")):
            assert response.status_code == 201, response.content
            assert self.model._default_manager.count() == before + 1
            self.check_created(response.json(), payload)
            return
        else:
            assert response.status_code == 403, response.content
        assert self.model._default_manager.count() == before

    def check_created(self, body: dict[str, Any], payload: dict[str, Any]) -> None:
        for key, value in payload.items():
            if key in body and not isinstance(value, (list, dict)):
                assert str(body[key]) == str(value) or _same_number(body[key], value), (key, body[key], value)

    @pytest.mark.parametrize("role", ROLES)
    def test_update_by_role(self, role: str, api_client_for: Callable[[str], APIClient]) -> None:
        obj = self.make()
        payload = self.update_payload(obj) if self.can_update else {}
        response = api_client_for(role).patch(self.detail_url(obj), payload, format="json")
        if not self.can_update:
            assert response.status_code in (403, 405), response.content
        elif role_may(role, self.permission("change")):
            assert response.status_code == 200, response.content
            obj.refresh_from_db()
            for key, value in payload.items():
                current = getattr(obj, f"{key}_id", None) if hasattr(obj, f"{key}_id") else getattr(obj, key)
                assert str(current) == str(value) or _same_number(current, value), (key, current, value)
        else:
            assert response.status_code == 403, response.content

    @pytest.mark.parametrize("role", ROLES)
    def test_delete_by_role(self, role: str, api_client_for: Callable[[str], APIClient]) -> None:
        obj = self.make()
        response = api_client_for(role).delete(self.detail_url(obj))
        exists = self.model._default_manager.filter(pk=obj.pk).exists()
        if not self.can_delete:
            assert response.status_code in (403, 405), response.content
            assert exists
        elif role_may(role, self.permission("delete")):
            assert response.status_code == 204, response.content
            assert not exists
        else:
            assert response.status_code == 403, response.content
            assert exists

    def test_list_query_count_does_not_grow(self, api_client_for: Callable[[str], APIClient]) -> None:
        client = api_client_for(Role.EXECUTIVE)
        self.make()
        client.get(self.list_url())  # warm caches (content types, permissions)
        with CaptureQueriesContext(connection) as one:
            assert client.get(self.list_url()).status_code == 200
        for _ in range(self.list_rows - 1):
            self.make()
        with CaptureQueriesContext(connection) as many:
            response = client.get(self.list_url())
        assert response.status_code == 200
        assert response.json()["count"] >= self.list_rows
        assert len(many) == len(one), [q["sql"] for q in many.captured_queries]


def _same_number(a: Any, b: Any) -> bool:
    from decimal import Decimal, InvalidOperation

    try:
        return Decimal(str(a)) == Decimal(str(b))
    except (InvalidOperation, ValueError):
        return False
