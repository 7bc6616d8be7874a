"""The move of SLA terms, evaluations, breaches, measurements and imports from ``contracts`` and ``kpis``
into ``performance`` loses nothing: from the migration state before it, rows written through the old
apps' historical models (and the audit events their triggers wrote) are all there afterwards under
``performance``, with their content types, permissions, grants and generic references, and the audit
triggers, now named after ``performance``, keep recording."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.contrib.auth.models import Group, Permission
from django.contrib.contenttypes.models import ContentType
from django.db import connection
from django.db.migrations.executor import MigrationExecutor
from django.utils import timezone

from apps.accounts.choices import Role
from apps.core.models import StatusChange
from apps.kpis.models import KpiDefinition
from apps.performance.models import Breach, ImportJob, Measurement, SlaEvaluation, SlaTerm
from tests.factories import UserFactory, VendorFactory

BEFORE_THE_MOVE = [
    ("contracts", "0009_exit_plan_item_waiver"),
    ("kpis", "0010_measurement_import"),
    ("performance", None),
]
MOVED = {
    "contracts": ("SlaTerm", "SlaEvaluation", "Breach"),
    "kpis": ("Measurement", "MeasurementImport"),
}


def _installed_triggers(tables: list[str]) -> set[tuple[str, str]]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT tgrelid::regclass::text, tgname FROM pg_trigger WHERE tgname LIKE 'pgtrigger_%%' "
            "AND tgrelid::regclass::text = ANY(%s)",
            [tables],
        )
        return set(cursor.fetchall())


def _write_the_old_world(old: Any) -> dict[str, Any]:
    """A contract with an SLA term, a measurement, an evaluation, a breach, an import and an
    acknowledgement (a status change pointing at the breach), through the pre-move historical models."""
    vendor = VendorFactory()
    user = UserFactory()
    Contract = old.get_model("contracts", "Contract")
    contract = Contract.objects.create(
        vendor_id=vendor.pk,
        title="Managed QA",
        engagement_model="managed_services",
        start_date=dt.date(2026, 1, 1),
        end_date=dt.date(2026, 12, 31),
        value=Decimal("120000.00"),
        currency="EUR",
        status="active",
    )
    kpi_id = KpiDefinition.objects.get(code="on_time_delivery_rate").pk
    term = old.get_model("contracts", "SlaTerm").objects.create(
        contract=contract,
        area="delivery",
        kpi_id=kpi_id,
        comparator="gte",
        target=Decimal("95"),
        window="month",
        severity="major",
        credit_percent=Decimal("5"),
    )
    measurement = old.get_model("kpis", "Measurement").objects.create(
        contract=contract,
        kpi_id=kpi_id,
        period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2026, 9, 30),
        value=Decimal("80"),
        numerator=Decimal("8"),
        denominator=Decimal("10"),
        source="api",
        recorded_by_id=user.pk,
        note="from CI",
    )
    evaluation = old.get_model("contracts", "SlaEvaluation").objects.create(
        term=term,
        window_start=dt.date(2026, 9, 1),
        window_end=dt.date(2026, 9, 30),
        value=Decimal("80"),
        samples=1,
        status="breached",
        evaluated_at=timezone.now(),
    )
    breach = old.get_model("contracts", "Breach").objects.create(
        term=term,
        evaluation=evaluation,
        window_start=dt.date(2026, 9, 1),
        window_end=dt.date(2026, 9, 30),
        value=Decimal("80"),
        target=Decimal("95"),
        severity="major",
        status="acknowledged",
        credit_amount=Decimal("493.15"),
        currency="EUR",
        detected_at=timezone.now(),
        acknowledged_by_id=user.pk,
        acknowledged_at=timezone.now(),
    )
    job = old.get_model("kpis", "MeasurementImport").objects.create(
        file_name="september.csv", status="done", total_rows=1, valid_rows=1, processed_rows=1, created_count=1
    )
    OldContentType = old.get_model("contenttypes", "ContentType")
    breach_type = OldContentType.objects.get(app_label="contracts", model="breach")
    acknowledgement = old.get_model("core", "StatusChange").objects.create(
        content_type=breach_type, object_id=breach.pk, from_status="open", to_status="acknowledged", actor_id=user.pk
    )
    content_types = {
        (label, name.lower()): OldContentType.objects.get(app_label=label, model=name.lower()).pk
        for label, names in MOVED.items()
        for model in names
        for name in (model, f"{model}Event")
    }
    acknowledge = old.get_model("auth", "Permission").objects.get(
        content_type=breach_type, codename="acknowledge_breach"
    )
    return {
        "user": user,
        "term": term.pk,
        "measurement": measurement.pk,
        "evaluation": evaluation.pk,
        "breach": breach.pk,
        "import": job.pk,
        "acknowledgement": acknowledgement.pk,
        "content_types": content_types,
        "acknowledge_permission": acknowledge.pk,
    }


@pytest.mark.slow  # migrates the whole schema back and forth (about a minute)
@pytest.mark.django_db(transaction=True)
def test_the_move_keeps_every_row_content_type_permission_and_audit_trigger() -> None:
    executor = MigrationExecutor(connection)
    old = executor.migrate(BEFORE_THE_MOVE).apps  # the migration state the move starts from
    executor.loader.build_graph()
    tables = [old.get_model(label, name)._meta.db_table for label, names in MOVED.items() for name in names]
    old_triggers = _installed_triggers(tables)
    world = _write_the_old_world(old)
    executive = Group.objects.get(name=Role.EXECUTIVE)
    assert executive.permissions.filter(pk=world["acknowledge_permission"]).exists()

    executor.migrate(executor.loader.graph.leaf_nodes())
    ContentType.objects.clear_cache()

    # Every row, under the new models, on the same tables.
    term = SlaTerm.objects.get(pk=world["term"])
    measurement = Measurement.objects.get(pk=world["measurement"])
    evaluation = SlaEvaluation.objects.get(pk=world["evaluation"])
    breach = Breach.objects.get(pk=world["breach"])
    job = ImportJob.objects.get(pk=world["import"])
    assert (term.contract.title, term.kpi.code, term.target) == ("Managed QA", "on_time_delivery_rate", 95)
    assert (measurement.contract_id, measurement.value, measurement.numerator, measurement.denominator) == (
        term.contract_id,
        80,
        8,
        10,
    )
    assert (measurement.recorded_by, measurement.note, measurement.source) == (world["user"], "from CI", "api")
    assert (evaluation.term, evaluation.status, evaluation.samples) == (term, "breached", 1)
    assert (breach.term, breach.evaluation, breach.status, breach.credit_amount) == (
        term,
        evaluation,
        "acknowledged",
        Decimal("493.15"),
    )
    assert (job.file_name, job.created_count) == ("september.csv", 1)
    assert list(term.contract.sla_terms.all()) == [term] and list(term.contract.measurements.all()) == [measurement]

    # The audit events the old triggers wrote are the new models' audit trail.
    for obj in (term, measurement, breach, job):
        assert [event.pgh_label for event in obj.events.all()] == ["insert"], obj

    # The content types moved with their ids: permissions, grants and generic references follow.
    # (The measurement import then became the import of any register: performance 0005.)
    renamed = {"measurementimport": "importjob", "measurementimportevent": "importjobevent"}
    for (label, model), pk in world["content_types"].items():
        moved = ContentType.objects.get(pk=pk)
        assert (moved.app_label, moved.model) == ("performance", renamed.get(model, model)), (label, model)
    for label, names in MOVED.items():
        assert not ContentType.objects.filter(app_label=label, model__in=[n.lower() for n in names]).exists()
    acknowledge = Permission.objects.get(pk=world["acknowledge_permission"])
    assert (acknowledge.content_type.app_label, acknowledge.codename) == ("performance", "acknowledge_breach")
    assert executive.permissions.filter(pk=acknowledge.pk).exists()
    cto = UserFactory(role=Role.EXECUTIVE)
    assert cto.has_perm("performance.acknowledge_breach") and not cto.has_perm("contracts.acknowledge_breach")
    assert StatusChange.objects.get(pk=world["acknowledgement"]).subject == breach

    # The triggers are named after the new app, none twice, and they record.
    new_triggers = _installed_triggers(tables)
    expected = {
        (model._meta.db_table, trigger.get_pgid(model))
        for model in (SlaTerm, SlaEvaluation, Breach, Measurement, ImportJob)
        for trigger in model._meta.triggers
    }
    assert new_triggers == expected and len(new_triggers) == len(old_triggers) == 14
    assert new_triggers.isdisjoint(old_triggers)
    Breach.objects.filter(pk=breach.pk).update(status="resolved", resolution_note="Fixed.")
    SlaTerm.objects.filter(pk=term.pk).update(target=Decimal("96"))
    assert [event.pgh_label for event in breach.events.order_by("pgh_id")] == ["insert", "update"]
    assert [event.pgh_label for event in term.events.order_by("pgh_id")] == ["insert", "update"]
