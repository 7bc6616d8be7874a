"""What the benchmarks share: their configuration from the environment and the fresh database each
creates next to the one ``DATABASE_URL`` names (never touching that one) and drops at the end."""

from __future__ import annotations

import os
from collections.abc import Callable
from urllib.parse import unquote, urlsplit, urlunsplit

import psycopg
from psycopg import sql


def env_int(name: str, default: int) -> int:
    text = os.environ.get(name, "").replace("_", "").replace(",", "")
    return int(text) if text else default


def libpq_url(url: str, *, dbname: str) -> str:
    """``url`` naming database ``dbname``, in the form libpq (psycopg, psql) reads."""
    parts = urlsplit(url)
    return urlunsplit(parts._replace(scheme="postgresql", path="/" + dbname))


def bench_database_name(url: str, *, kind: str = "bench") -> str:
    """``<name>_<kind>_<pid>``: next to the database ``url`` names, short enough for PostgreSQL."""
    base = unquote(urlsplit(url).path.lstrip("/")) or "postgres"
    return f"{base[: 48 - len(kind)]}_{kind}_{os.getpid()}"


def create_database(maintenance_url: str, name: str) -> None:
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(name)))


def drop_database(maintenance_url: str, name: str) -> None:
    with psycopg.connect(maintenance_url, autocommit=True) as conn:
        conn.execute(sql.SQL("DROP DATABASE IF EXISTS {} WITH (FORCE)").format(sql.Identifier(name)))


def run_in_fresh_database(kind: str, benchmark: Callable[[str], None]) -> int:
    """Create ``<name>_<kind>_<pid>`` next to the database ``DATABASE_URL`` names, run
    ``benchmark(url)`` against it, then drop it (``BENCH_KEEP_DB=1`` keeps it and prints its URL)."""
    base_url = os.environ.get("DATABASE_URL")
    if not base_url:
        raise SystemExit("DATABASE_URL is not set: run `make bench` (it starts an embedded PostgreSQL).")
    keep = os.environ.get("BENCH_KEEP_DB", "") not in ("", "0")
    name = bench_database_name(base_url, kind=kind)
    maintenance_url = libpq_url(base_url, dbname="postgres")
    url = libpq_url(base_url, dbname=name)
    print(f"… create database {name}", flush=True)
    create_database(maintenance_url, name)
    try:
        benchmark(url)
    finally:
        from django.conf import settings

        if settings.configured:
            from django.db import connections

            connections.close_all()
        if keep:
            print(f"kept the database: {url}")
        else:
            drop_database(maintenance_url, name)
            print(f"dropped database {name}")
    return 0
