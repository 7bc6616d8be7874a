"""Celery tasks of the dashboards app: thin shells around its services."""

from __future__ import annotations

from celery import shared_task
from django.db import OperationalError

from apps.dashboards.tiles.league import league_figures_store
from apps.performance.scorecards import Period


@shared_task(
    name="dashboards.store_league_figures",
    acks_late=True,
    autoretry_for=(ConnectionError, OperationalError),
    retry_backoff=True,
    max_retries=3,
)
def store_league_figures(period: str | None = None) -> dict[str, int]:
    """Store the league table's scorecards and costs of every engaged vendor, and every vendor's spend
    (``league_figures_store``):
    ``period`` a month key (``2026-11``; default: the last closed month). Idempotent."""
    chosen = Period.parse(period) if period else None
    if period and chosen is None:
        raise ValueError(f"{period!r} is not a month (YYYY-MM) or a quarter (YYYY-Qn).")
    return league_figures_store(period=chosen)
