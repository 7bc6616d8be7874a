"""Measurement upsert, ratio values, the validation rules, the audit trail."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from apps.kpis.models import KpiDefinition
from apps.performance import services
from apps.performance.models import Measurement
from tests.factories import ContractFactory, KpiDefinitionFactory, UserFactory

pytestmark = pytest.mark.django_db
START, END = dt.date(2026, 10, 1), dt.date(2026, 10, 31)


@pytest.fixture
def manager():
    return UserFactory(role="engineering_manager")


def kpi(code: str) -> KpiDefinition:
    return KpiDefinition.objects.get(code=code)


def record(actor, contract, code, source="api", **fields):
    data = {"contract": contract, "kpi": kpi(code), "period_start": START, "period_end": END, **fields}
    return services.measurement_record(actor=actor, data=data, source=source)


def test_upsert_created_unchanged_updated(manager) -> None:
    contract = ContractFactory()
    first, result = record(manager, contract, "sprint_velocity", value=Decimal(42), note="Sprint 21")
    assert result == "created"
    events = first.events.count()
    for _retry in range(3):
        again, result = record(manager, contract, "sprint_velocity", value=Decimal("42.0"), note="Sprint 21")
        assert (again.pk, result) == (first.pk, "unchanged")
    assert first.events.count() == events  # a retry writes nothing
    other = UserFactory(role="admin")
    changed, result = record(other, contract, "sprint_velocity", source="import", value=Decimal(45), note="Sprint 21")
    assert (changed.pk, result) == (first.pk, "updated")
    changed.refresh_from_db()
    assert (changed.value, changed.source, changed.recorded_by) == (45, "import", other)
    assert Measurement.objects.count() == 1
    # Another period, KPI or contract is another row.
    assert record(manager, ContractFactory(), "sprint_velocity", value=Decimal(42))[1] == "created"
    assert record(manager, contract, "bug_resolution_time", value=Decimal(42))[1] == "created"
    assert Measurement.objects.count() == 3


def test_upsert_survives_a_concurrent_insert(manager, monkeypatch) -> None:
    """The row appears between our lookup and our insert (another request committed it): the unique
    check or the unique index refuses the insert, and the upsert updates that row instead."""
    contract = ContractFactory()
    existing, _ = record(manager, contract, "sprint_velocity", value=Decimal(40))
    real = Measurement.objects.select_for_update
    lookups = []

    def racing_lookup(*args, **kwargs):
        lookups.append(1)
        return Measurement.objects.none() if len(lookups) == 1 else real(*args, **kwargs)

    monkeypatch.setattr(Measurement.objects, "select_for_update", racing_lookup)
    again, result = record(manager, contract, "sprint_velocity", value=Decimal(41))
    assert (again.pk, result) == (existing.pk, "updated")
    assert len(lookups) == 2  # the first insert was refused and retried

    lookups.clear()
    monkeypatch.setattr(Measurement, "validate_constraints", lambda self, exclude=None: None)  # reach the index
    again, result = record(manager, contract, "sprint_velocity", value=Decimal(41))
    assert (again.pk, result) == (existing.pk, "unchanged")
    assert len(lookups) == 2
    assert Measurement.objects.count() == 1


@pytest.mark.parametrize(
    ("numerator", "denominator", "value"),
    [("7", "400", "1.7500"), ("1", "3", "33.3333"), ("2", "3", "66.6667"), ("0", "12", "0.0000"), ("5", "5", "100")],
)
def test_ratio_value_is_numerator_over_denominator_times_multiplier(manager, numerator, denominator, value) -> None:
    measurement, _ = record(
        manager, ContractFactory(), "defect_rate", numerator=Decimal(numerator), denominator=Decimal(denominator)
    )
    measurement.refresh_from_db()
    assert measurement.value == Decimal(value)
    assert (measurement.numerator, measurement.denominator) == (Decimal(numerator), Decimal(denominator))


def test_ratio_uses_the_kpis_multiplier(manager) -> None:
    per_thousand = KpiDefinitionFactory(code="defects_per_kloc", aggregation="ratio", multiplier=Decimal(1000))
    data = {"contract": ContractFactory(), "kpi": per_thousand, "period_start": START, "period_end": END}
    measurement, _ = services.measurement_record(
        actor=manager, data={**data, "numerator": 3, "denominator": 12000}, source="api"
    )
    assert measurement.value == Decimal("0.25")


def test_a_given_ratio_value_within_rounding_is_accepted_and_replaced(manager) -> None:
    measurement, _ = record(
        manager, ContractFactory(), "say_do_ratio", numerator=Decimal(1), denominator=Decimal(3), value=Decimal("33.33")
    )
    assert measurement.value == Decimal("33.3333")


TOMORROW = timezone.localdate() + dt.timedelta(days=1)


@pytest.mark.parametrize(
    ("code", "fields", "errors"),
    [
        ("defect_rate", {"numerator": 500, "denominator": 400}, {"numerator"}),  # 125 % > 100 %
        ("defect_rate", {"numerator": 5, "denominator": 0}, {"denominator"}),
        ("defect_rate", {"numerator": 5, "denominator": -2}, {"denominator"}),
        ("defect_rate", {"numerator": 5}, {"denominator"}),
        ("defect_rate", {"denominator": 5}, {"numerator"}),
        ("defect_rate", {}, {"numerator", "denominator"}),
        ("defect_rate", {"numerator": -1, "denominator": 5}, {"numerator"}),
        ("defect_rate", {"numerator": 1, "denominator": 4, "value": 80}, {"value"}),
        ("lead_time_for_changes", {"value": -3}, {"value"}),
        ("deployment_frequency", {"value": 8}, {"value"}),  # more than 7 days a week
        ("lead_time_for_changes", {}, {"value"}),
        ("lead_time_for_changes", {"value": 3, "numerator": 1, "denominator": 2}, {"numerator", "denominator"}),
        ("lead_time_for_changes", {"value": 3, "numerator": 1}, {"numerator"}),
        ("lead_time_for_changes", {"value": 3, "period_start": END, "period_end": START}, {"period_end"}),
        ("lead_time_for_changes", {"value": 3, "period_end": TOMORROW}, {"period_end"}),
        ("lead_time_for_changes", {"value": -3, "period_end": TOMORROW}, {"value", "period_end"}),  # all at once
        ("lead_time_for_changes", {"value": "abc"}, {"value"}),
    ],
)
def test_validation_rules_are_field_errors(manager, code, fields, errors) -> None:
    with pytest.raises(ValidationError) as caught:
        record(manager, ContractFactory(), code, **fields)
    assert set(caught.value.message_dict) == errors
    assert all(caught.value.message_dict[name] for name in errors)
    assert Measurement.objects.count() == 0


def test_the_percentage_bound_message_says_why(manager) -> None:
    with pytest.raises(ValidationError) as caught:
        record(manager, ContractFactory(), "defect_rate", numerator=500, denominator=400)
    assert "above 100 %" in caught.value.message_dict["numerator"][0]
    assert "125" in caught.value.message_dict["numerator"][0]


def test_a_period_ending_today_is_accepted(manager) -> None:
    today = timezone.localdate()
    _, result = record(
        manager, ContractFactory(), "lead_time_for_changes", value=3, period_start=today, period_end=today
    )
    assert result == "created"


def test_update_recomputes_a_ratio_and_records_the_source(manager) -> None:
    measurement, _ = record(manager, ContractFactory(), "defect_rate", source="form", numerator=1, denominator=100)
    admin = UserFactory(role="admin")
    services.measurement_update(instance=measurement, actor=admin, data={"numerator": Decimal(3)}, source="api")
    measurement.refresh_from_db()
    assert (measurement.value, measurement.source, measurement.recorded_by) == (Decimal(3), "api", admin)
    with pytest.raises(ValidationError) as caught:
        services.measurement_update(instance=measurement, actor=admin, data={"denominator": Decimal(0)})
    assert set(caught.value.message_dict) == {"denominator"}


def test_update_onto_another_existing_period_is_a_conflict(manager) -> None:
    contract = ContractFactory()
    october, _ = record(manager, contract, "sprint_velocity", value=10)
    september, _ = record(
        manager,
        contract,
        "sprint_velocity",
        value=12,
        period_start=dt.date(2026, 9, 1),
        period_end=dt.date(2026, 9, 30),
    )
    with pytest.raises(ValidationError) as caught:
        services.measurement_update(instance=september, actor=manager, data={"period_start": START, "period_end": END})
    assert caught.value.error_dict["__all__"][0].code == "unique"
    assert october.pk != september.pk


def test_audit_events_name_the_acting_user(manager) -> None:
    measurement, _ = record(manager, ContractFactory(), "sprint_velocity", value=30)
    admin = UserFactory(role="admin")
    record(admin, measurement.contract, "sprint_velocity", value=31)
    insert, update = measurement.events.order_by("pgh_id")
    assert (insert.pgh_label, insert.pgh_context.metadata["user"], insert.value) == ("insert", manager.pk, 30)
    assert (update.pgh_label, update.pgh_context.metadata["user"], update.value) == ("update", admin.pk, 31)
    assert update.pgh_context.metadata["action"] == "measurement_record"


def test_an_unknown_source_is_a_programming_error(manager) -> None:
    with pytest.raises(ValueError, match="source"):
        record(manager, ContractFactory(), "sprint_velocity", source="email", value=1)


def test_a_period_outside_the_contracts_term_or_a_draft_is_refused_everywhere(manager) -> None:
    """Before the start, after the end, or on a draft: the single write, the bulk check (and so the CSV
    import) and an update say so and write nothing."""
    contract = ContractFactory(start_date=dt.date(2026, 3, 1), end_date=dt.date(2026, 6, 30))
    for start, end in ((dt.date(2026, 2, 1), dt.date(2026, 2, 28)), (dt.date(2026, 7, 1), dt.date(2026, 7, 31))):
        with pytest.raises(ValidationError) as caught:
            services.measurement_record(
                actor=manager,
                data={
                    "contract": contract.pk,
                    "kpi": kpi("sprint_velocity"),
                    "period_start": start,
                    "period_end": end,
                    "value": Decimal("30"),
                },
                source="api",
            )
        assert caught.value.message_dict["period_end"] == [
            "The contract runs from 1 Mar 2026 to 30 Jun 2026: this period is outside it."
        ]
    # A period overlapping the term is fine (a month that straddles the start).
    services.measurement_record(
        actor=manager,
        data={
            "contract": contract,
            "kpi": kpi("sprint_velocity"),
            "period_start": dt.date(2026, 2, 20),
            "period_end": dt.date(2026, 3, 5),
            "value": Decimal("30"),
        },
        source="api",
    )
    draft = ContractFactory(status="draft", start_date=dt.date(2026, 1, 1))
    rows = services.measurement_bulk_check(
        [
            {
                "contract": draft.pk,
                "kpi": "sprint_velocity",
                "period_start": "2026-10-01",
                "period_end": "2026-10-31",
                "value": "30",
            },
            {
                "contract": contract.pk,
                "kpi": "sprint_velocity",
                "period_start": "2026-10-01",
                "period_end": "2026-10-31",
                "value": "30",
            },
        ]
    )
    assert rows[0].errors == {"contract": "The contract is a draft: log its measurements once it is active."}
    assert "is outside it" in rows[1].errors["period_end"]
    measurement = Measurement.objects.get()
    with pytest.raises(ValidationError):
        services.measurement_update(
            instance=measurement,
            actor=manager,
            data={"period_start": dt.date(2026, 8, 1), "period_end": dt.date(2026, 8, 31)},
        )
    assert Measurement.objects.count() == 1
