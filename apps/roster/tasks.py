"""Celery tasks of the team roster: thin shells around its services, with stable names (the beat
schedule in ``config/celery.py`` names them). Both run daily and are idempotent."""

from __future__ import annotations

from datetime import date
from typing import Any

from celery import shared_task
from django.db import InterfaceError, OperationalError


@shared_task(
    name="roster.evaluate",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def evaluate(as_of: str | None = None) -> dict[str, Any]:
    """The roster findings (``findings.roster_findings_evaluate``), then team retention
    (``retention.team_retention_measure``). A second run on the same day writes nothing."""
    from apps.roster.findings import roster_findings_evaluate
    from apps.roster.retention import team_retention_measure

    day = date.fromisoformat(as_of) if as_of else None
    findings = roster_findings_evaluate(today=day)
    retention = team_retention_measure(today=day)
    return {"findings": findings.as_dict(), "retention": retention.as_dict()}


@shared_task(
    name="roster.anonymise",
    acks_late=True,
    autoretry_for=(OperationalError, InterfaceError),
    retry_backoff=True,
    max_retries=3,
)
def anonymise(as_of: str | None = None) -> int:
    """Anonymise the engineers whose assignments all ended more than ``ROSTER_ANONYMISE_AFTER_MONTHS``
    months ago (``anonymise.engineers_anonymise_due``); answers how many."""
    from apps.roster.anonymise import engineers_anonymise_due

    return engineers_anonymise_due(today=date.fromisoformat(as_of) if as_of else None)
