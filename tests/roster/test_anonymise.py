"""Privacy: engineers whose assignments all ended more than ROSTER_ANONYMISE_AFTER_MONTHS months ago are
anonymised by ``roster.anonymise`` (``apps.roster.anonymise``), once."""

from __future__ import annotations

import datetime as dt

import pytest
from django.test import override_settings

from apps.roster.anonymise import engineers_anonymise_due, engineers_due_for_anonymising, months_before
from apps.roster.findings import roster_findings_evaluate
from apps.roster.models import RosterFinding
from apps.roster.tasks import anonymise
from tests import factories

pytestmark = pytest.mark.django_db

TODAY = dt.date(2026, 11, 23)


def test_months_before_keeps_the_day_or_the_months_last() -> None:
    assert months_before(dt.date(2026, 11, 23), 24) == dt.date(2024, 11, 23)
    assert months_before(dt.date(2026, 3, 31), 1) == dt.date(2026, 2, 28)
    assert months_before(dt.date(2026, 1, 15), 13) == dt.date(2024, 12, 15)


def test_only_engineers_whose_assignments_all_ended_long_ago_are_anonymised() -> None:
    c = factories.ContractFactory(start_date=dt.date(2020, 1, 1), end_date=dt.date(2027, 12, 31))
    old = factories.EngineerFactory(vendor=c.vendor, name="Anna Kowalska", email="anna@vendor.example")
    factories.AssignmentFactory(
        contract=c, engineer=old, start_date=dt.date(2021, 1, 1), end_date=dt.date(2024, 11, 22)
    )
    edge = factories.EngineerFactory(vendor=c.vendor)  # ended on the cut-off day: not yet
    factories.AssignmentFactory(
        contract=c, engineer=edge, start_date=dt.date(2021, 1, 1), end_date=dt.date(2024, 11, 23)
    )
    back = factories.EngineerFactory(vendor=c.vendor)  # an old assignment, and a current one
    factories.AssignmentFactory(contract=c, engineer=back, start_date=dt.date(2021, 1, 1), end_date=dt.date(2022, 1, 1))
    factories.AssignmentFactory(contract=c, engineer=back, start_date=dt.date(2026, 1, 1))
    factories.EngineerFactory(vendor=c.vendor)  # never assigned
    # A finding named Anna: it is reworded too.
    factories.AccessGrantFactory(vendor=c.vendor, engineer=old)
    roster_findings_evaluate(today=TODAY)
    assert "Anna Kowalska" in RosterFinding.objects.get().message
    assert list(engineers_due_for_anonymising(today=TODAY)) == [old]
    assert engineers_anonymise_due(today=TODAY) == 1
    old.refresh_from_db()
    assert old.name == f"Former engineer #{old.pk}" and old.email == "" and old.git_handle == ""
    assert old.anonymised_on is not None
    finding = RosterFinding.objects.get()
    assert "Anna" not in finding.message and f"Former engineer #{old.pk}" in finding.message
    # Once: nobody is due again.
    assert engineers_anonymise_due(today=TODAY) == 0
    with override_settings(ROSTER_ANONYMISE_AFTER_MONTHS=1):
        assert anonymise.run(TODAY.isoformat()) == 1  # edge is due with a shorter period
    assert anonymise.name == "roster.anonymise"
