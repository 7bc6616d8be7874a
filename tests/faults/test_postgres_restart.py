"""PostgreSQL restarted, then stopped for a while, under a running web server (gunicorn, one process that
keeps its database connection between requests: ``CONN_MAX_AGE``), against a PostgreSQL of the test's
own holding a copy of the test database. A restart costs no failed request (the kept connection is
checked before its first use in a request: ``CONN_HEALTH_CHECKS``); during an outage requests fail at
once, they do not hang; afterwards the server recovers by itself, without a restart."""

from __future__ import annotations

import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest
from django.conf import settings
from django.db import connection
from psycopg.conninfo import make_conninfo

from apps.accounts.choices import Role
from apps.accounts.services import api_token_issue
from tests.factories import UserFactory
from tests.faults.servers import ThrowawayPostgres, WebServer

pytestmark = [pytest.mark.slow, pytest.mark.faults, pytest.mark.django_db(transaction=True)]
DATABASE = "vendor_governance_fault"


@pytest.fixture
def api_key(transactional_db: None) -> str:
    """An API token of an admin, committed to the test database (the copy below carries it)."""
    return api_token_issue(
        user=UserFactory(role=Role.ADMIN), name="fault test", scopes=["admin"], expires_in_days=1
    ).key


@pytest.fixture
def own_postgres(api_key: str) -> Iterator[ThrowawayPostgres]:
    """A PostgreSQL of this test's own, holding a copy of the test database as it is now (a dump and a
    restore with the server's own tools: seconds, where migrating afresh takes a minute)."""
    postgres = ThrowawayPostgres(DATABASE)
    try:
        params = connection.get_connection_params()
        source = make_conninfo(
            **{key: params[key] for key in ("dbname", "user", "password", "host", "port") if params.get(key)}
        )
        target = make_conninfo(dbname=DATABASE, user="postgres", host=postgres.socket_dir)
        dump = subprocess.run(
            [str(postgres.bin / "pg_dump"), "--no-owner", "--no-privileges", f"--dbname={source}"],
            check=True,
            capture_output=True,
            text=True,
        ).stdout
        # A server built with its own column options (seen on one distribution's PostgreSQL) dumps them
        # as statements another server refuses; they carry no data or schema the app relies on.
        dump = "\n".join(line for line in dump.splitlines() if "SET (pg_attver=" not in line)
        subprocess.run(
            [str(postgres.bin / "psql"), "--quiet", "--set=ON_ERROR_STOP=1", f"--dbname={target}"],
            input=dump,
            check=True,
            capture_output=True,
            text=True,
        )
        yield postgres
    finally:
        postgres.close()


def test_the_server_rides_out_a_postgresql_restart_and_an_outage(
    own_postgres: ThrowawayPostgres, api_key: str, tmp_path: Path
) -> None:
    token = {"Authorization": f"Token {api_key}"}
    web = WebServer(database_url=own_postgres.url, redis_url=settings.REDIS_URL, log_dir=tmp_path)
    try:
        web.wait_until_serving()
        assert web.get("/api/v1/vendors/", token) == 200  # the process now keeps its connection

        own_postgres.stop()
        own_postgres.start()
        # The kept connection died with the restart; it is checked and replaced before it is used.
        assert web.get("/api/v1/vendors/", token) == 200

        own_postgres.stop()
        # An outage: every request answers at once with an error (a hang would fail at the ceiling).
        assert web.get("/healthz") == 503
        assert web.get("/readyz") == 503
        assert web.get("/api/v1/vendors/", token) >= 500

        # Back: the same server process answers again, nobody restarted it.
        own_postgres.start()
        assert web.get("/healthz") == 200
        assert web.get("/api/v1/vendors/", token) == 200
        assert web.get("/readyz") == 200
        assert web.process.poll() is None
    finally:
        web.stop()
