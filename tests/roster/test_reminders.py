"""The roster reminder (``apps.roster.reminders``): each new finding goes to the vendor's engineering and
delivery owners, once; and the daily task runs the findings then retention."""

from __future__ import annotations

import datetime as dt

import pytest
from celery.schedules import crontab

from apps.notifications.models import Notification
from apps.notifications.reminders import reminders_send
from apps.roster.findings import roster_findings_evaluate
from apps.roster.models import RosterFinding
from apps.roster.tasks import evaluate
from config.celery import app
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


def test_each_new_finding_is_reminded_once_to_both_owners() -> None:
    engineering, delivery = factories.UserFactory(), factories.UserFactory()
    vendor = factories.VendorFactory(engineering_owner=engineering, delivery_owner=delivery)
    c = factories.ContractFactory(vendor=vendor, title="Payments SOW", start_date=dt.date(2025, 1, 1))
    who = factories.EngineerFactory(vendor=vendor, name="Anna Kowalska")
    factories.AssignmentFactory(
        contract=c,
        engineer=who,
        role="Tech lead",
        key_person=True,
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 11, 12),
    )
    roster_findings_evaluate(today=TODAY)
    finding = RosterFinding.objects.get()
    today = dt.date.today()
    assert reminders_send(as_of=today)["roster_finding"] == 1
    sent = Notification.objects.filter(kind="roster_finding")
    assert {n.recipient for n in sent} == {engineering, delivery}
    note = sent.first()
    assert note is not None
    assert note.url == f"/contracts/{c.pk}/#team" or note.url.endswith(f"/{c.pk}/#team")
    assert note.title == f"Unapproved swap: Payments SOW ({vendor})"
    assert finding.message in note.body
    # Again (and after the job ran again): nothing new.
    roster_findings_evaluate(today=TODAY)
    assert reminders_send(as_of=today)["roster_finding"] == 0
    assert Notification.objects.filter(kind="roster_finding").count() == 2


def test_the_tasks_have_stable_names_and_run_daily() -> None:
    assert evaluate.name == "roster.evaluate"
    schedule = {entry["task"]: entry["schedule"] for entry in app.conf.beat_schedule.values()}
    assert schedule["roster.evaluate"] == crontab(hour=0, minute=40)
    assert schedule["roster.anonymise"] == crontab(hour=3, minute=40)
    c = factories.ContractFactory(start_date=dt.date(2025, 1, 1))
    factories.AssignmentFactory(contract=c, start_date=dt.date(2026, 9, 1))
    result = evaluate.run(TODAY.isoformat())
    assert result["findings"]["opened"] == 0
    assert result["retention"]["created"] == 2  # September and October
    assert evaluate.run(TODAY.isoformat())["retention"]["unchanged"] == 2
