"""Fixtures every test module may use: one user per role and API clients signed in as them."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from django.apps import apps
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.accounts.models import User
from apps.accounts.roles import sync_role_groups
from apps.kpis.catalogue import load_catalogue, load_dora_bands
from tests.factories import UserFactory

ROLES: tuple[str, ...] = tuple(Role.values)


def _transactional(item: pytest.Item) -> bool:
    marker = item.get_closest_marker("django_db")
    fixtures = getattr(item, "fixturenames", ())
    return bool(marker and marker.kwargs.get("transaction")) or bool(
        {"transactional_db", "live_server"} & set(fixtures)
    )


@pytest.hookimpl(wrapper=True)
def pytest_runtest_teardown(item: pytest.Item, nextitem: pytest.Item | None) -> object:
    """A transactional test ends by truncating every table, which also removes the rows the data
    migrations load. Put them back right after (the role groups, the KPI catalogue, the DORA bands;
    each loader is idempotent), so the next test in this process, of whatever kind, starts from the
    migrated database, and tests may run in any order."""
    result = yield
    # After the last test (no next item) the session's teardown has dropped the test database already.
    if nextitem is not None and _transactional(item):
        with item.config.stash[blocking_manager_key].unblock():
            sync_role_groups(apps)
            load_catalogue(apps)
            load_dora_bands(apps)
    return result


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


# The longest tests first (the launcher's, the browser's, those running a Celery worker): in a parallel
# run they then overlap the many short ones instead of being the tail every other process waits for.
# (pytest-django orders transactional tests last; restoring the migrated rows after each of them, above,
# makes any order safe.)
LONG_MARKERS = ("slow", "browser", "celery")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not any(item.get_closest_marker(name) for name in LONG_MARKERS))
