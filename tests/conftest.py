"""Fixtures every test module may use: one user per role and API clients signed in as them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.accounts.models import User
from tests.factories import UserFactory

ROLES: tuple[str, ...] = tuple(Role.values)


@pytest.fixture(autouse=True)
def _migration_data_in_transactional_tests(request: pytest.FixtureRequest) -> None:
    """A transactional test starts from a flushed database (a previous one truncated every table),
    which also removed the rows data migrations load. Put them back: the role groups, the KPI
    catalogue and the DORA bands (each loader is idempotent)."""
    marker = request.node.get_closest_marker("django_db")
    if marker is None or not marker.kwargs.get("transaction"):
        return
    request.getfixturevalue("transactional_db")
    from django.apps import apps

    from apps.accounts.roles import sync_role_groups
    from apps.kpis.catalogue import load_catalogue, load_dora_bands

    sync_role_groups(apps)
    load_catalogue(apps)
    load_dora_bands(apps)


@pytest.fixture
def user_with_role(db: None) -> Callable[[str], User]:
    """``user_with_role("procurement")`` → a user in that group (the same one on repeated calls)."""

    def make(role: str) -> User:
        return UserFactory(username=f"demo_{role}", role=role)  # type: ignore[return-value]

    return make


@pytest.fixture
def api_client() -> APIClient:
    return APIClient()


@pytest.fixture
def api_client_for(user_with_role: Callable[[str], User]) -> Callable[[str], APIClient]:
    """``api_client_for("executive")`` → an APIClient authenticated as that role's user."""

    def make(role: str) -> APIClient:
        client = APIClient()
        client.force_authenticate(user_with_role(role))
        return client

    return make
