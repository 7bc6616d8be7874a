"""Fixtures every test module may use: one user per role and API clients signed in as them."""

from __future__ import annotations

import os
from collections.abc import Callable, Iterator

import pytest
from django.apps import apps
from django.conf import settings
from django.db import connection, connections
from django.test.utils import setup_databases, teardown_databases
from pytest_django import DjangoDbBlocker
from pytest_django.plugin import blocking_manager_key
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.accounts.models import User
from apps.accounts.roles import sync_role_groups
from apps.kpis.catalogue import load_catalogue, load_dora_bands
from tests.factories import UserFactory

ROLES: tuple[str, ...] = tuple(Role.values)


# A parallel run (pytest-xdist) migrates one test database, then each process clones it (PostgreSQL's
# CREATE DATABASE … TEMPLATE, as Django's own parallel runner does) instead of every process running
# every migration at once on a small machine. PYTEST_XDIST_TESTRUNUID, shared by the processes of one
# run, marks the database as this run's: a later run always migrates afresh.
TEMPLATE_LOCK = 7_240_512


@pytest.fixture(scope="session")
def django_db_setup(
    request: pytest.FixtureRequest,
    django_test_environment: None,
    django_db_blocker: DjangoDbBlocker,
    django_db_keepdb: bool,
    django_db_createdb: bool,
) -> Iterator[None]:
    worker = os.environ.get("PYTEST_XDIST_WORKER")
    run = os.environ.get("PYTEST_XDIST_TESTRUNUID")
    verbosity = request.config.option.verbose
    if not worker or not run or (django_db_keepdb and not django_db_createdb):
        with django_db_blocker.unblock():
            config = setup_databases(verbosity=verbosity, interactive=False, keepdb=django_db_keepdb)
        yield
        if not django_db_keepdb:
            with django_db_blocker.unblock():
                teardown_databases(config, verbosity=verbosity)
        return

    original_name = connection.settings_dict["NAME"]
    creation = connection.creation
    with django_db_blocker.unblock():
        shared_name = creation._get_test_db_name()
        with creation._nodb_cursor() as lock:
            lock.execute("SELECT pg_advisory_lock(%s)", [TEMPLATE_LOCK])
            try:
                lock.execute(
                    "SELECT shobj_description(oid, 'pg_database') FROM pg_database WHERE datname = %s",
                    [shared_name],
                )
                found = lock.fetchone()
                if found is None or found[0] != run:
                    creation.create_test_db(verbosity=verbosity, autoclobber=True, serialize=False)
                    connection.close()
                    lock.execute(f"COMMENT ON DATABASE {connection.ops.quote_name(shared_name)} IS %s", [run])
                else:
                    settings.DATABASES[connection.alias]["NAME"] = shared_name
                    connection.settings_dict["NAME"] = shared_name
                creation.clone_test_db(suffix=worker, verbosity=verbosity, autoclobber=True)
            finally:
                lock.execute("SELECT pg_advisory_unlock(%s)", [TEMPLATE_LOCK])
        own_name = creation.get_test_db_clone_settings(worker)["NAME"]
        connection.close()
        settings.DATABASES[connection.alias]["NAME"] = own_name
        connection.settings_dict["NAME"] = own_name
    yield
    # A thread of a test (a live server's, a worker's) may still hold a connection: FORCE ends it.
    with django_db_blocker.unblock():
        connections.close_all()
        with creation._nodb_cursor() as cursor:
            cursor.execute(f"DROP DATABASE IF EXISTS {connection.ops.quote_name(own_name)} WITH (FORCE)")
        settings.DATABASES[connection.alias]["NAME"] = original_name
        connection.settings_dict["NAME"] = original_name


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
        return UserFactory(username=f"demo_{role}", role=role)

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


def pytest_make_parametrize_id(config: pytest.Config, val: object, argname: str) -> str | None:
    """A parameter of bytes is named by its argument, not its content: a generated DOCX or XLSX embeds the
    time it was built, so each test process would collect a different test id and pytest-xdist would
    refuse the run ("Different tests were collected")."""
    if isinstance(val, bytes | bytearray):
        return argname
    return None


# The longest tests first (the launcher's, the browser's, those running a Celery worker): in a parallel
# run they then overlap the many short ones instead of being the tail every other process waits for.
# (pytest-django orders transactional tests last; restoring the migrated rows after each of them, above,
# makes any order safe.)
LONG_MARKERS = ("slow", "browser", "celery")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    items.sort(key=lambda item: not any(item.get_closest_marker(name) for name in LONG_MARKERS))


@pytest.hookimpl(trylast=True)
def pytest_collection_finish(session: pytest.Session) -> None:
    """Under ``--dist loadgroup`` every test of an ``xdist_group`` carries its group in its node id
    (``…@seeded_demo``), which is how pytest-xdist keeps the group on one process. Some pytest and
    pytest-xdist versions together lose it without a word: the demo is then loaded once per test and the
    launcher's tests share no folder. Refuse such a run rather than let it pass slowly or flakily."""
    if not getattr(session.config.option, "loadgroup", False):
        return
    lost = [item.nodeid for item in session.items if item.get_closest_marker("xdist_group") and "@" not in item.nodeid]
    if lost:
        raise pytest.UsageError(
            f"--dist loadgroup lost the xdist_group of {len(lost)} tests (e.g. {lost[0]}): this pytest and "
            "pytest-xdist do not work together; install the versions pyproject.toml allows (make test does)."
        )
