"""What the benchmarks share: their configuration from the environment and the fresh database each
creates next to the one ``DATABASE_URL`` names (never touching that one) and drops at the end."""

from __future__ import annotations

import os
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
