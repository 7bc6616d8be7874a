"""The shipped KPI catalogue and the DORA 2023 bands, as loaded by the data migrations."""

from __future__ import annotations

import itertools
from decimal import Decimal
from importlib import import_module

import pytest
from django.apps import apps as django_apps

from apps.kpis.catalogue import DORA_BANDS, DORA_SOURCE, DORA_YEAR, KPI_CATALOGUE, load_catalogue, load_dora_bands
from apps.kpis.models import KpiDefinition, PerformanceBand
from apps.kpis.selectors import performance_band_for
from tests.factories import MeasurementFactory

pytestmark = pytest.mark.django_db

# The shipped catalogue of docs/product/kpis.md: code → (unit, direction, aggregation).
EXPECTED = {
    "on_time_delivery_rate": ("%", "higher", "ratio"),
    "defect_rate": ("%", "lower", "ratio"),
    "deployment_frequency": ("deploy-days/week", "higher", "mean"),
    "lead_time_for_changes": ("hours", "lower", "mean"),
    "change_failure_rate": ("%", "lower", "ratio"),
    "time_to_restore": ("hours", "lower", "mean"),
    "sprint_velocity": ("points", "higher", "mean"),
    "say_do_ratio": ("%", "higher", "ratio"),
    "bug_resolution_time": ("hours", "lower", "mean"),
    "first_response_time": ("hours", "lower", "mean"),
    "team_retention": ("%", "higher", "ratio"),
    "security_incident_notification_time": ("hours", "lower", "max"),
    "documentation_currency": ("%", "higher", "ratio"),
    # measured by delivery telemetry (migration 0012)
    "pr_review_turnaround": ("hours", "lower", "mean"),
    "rework_rate": ("%", "lower", "ratio"),
}
DORA_KPIS = {"deployment_frequency", "lead_time_for_changes", "change_failure_rate", "time_to_restore"}


def test_the_fifteen_kpis_are_seeded_as_specified() -> None:
    seeded = {k.code: k for k in KpiDefinition.objects.filter(code__in=EXPECTED)}
    assert len(KPI_CATALOGUE) == 15
    assert set(seeded) == set(EXPECTED) == {entry["code"] for entry in KPI_CATALOGUE}
    for code, (unit, direction, aggregation) in EXPECTED.items():
        kpi = seeded[code]
        assert (kpi.unit, kpi.direction, kpi.aggregation) == (unit, direction, aggregation), code
        assert kpi.name and kpi.description, code
        if unit == "%":
            assert (kpi.multiplier, kpi.min_value, kpi.max_value) == (100, 0, 100), code
        if kpi.is_ratio:
            assert kpi.numerator_label and kpi.denominator_label, code
        else:
            assert kpi.multiplier == 1 and not kpi.numerator_label and not kpi.denominator_label, code
        if unit == "hours":
            assert kpi.min_value == 0, code


def test_ratio_labels_say_what_is_divided() -> None:
    labels = dict(KpiDefinition.objects.values_list("code", "denominator_label"))
    assert labels["defect_rate"] == "Delivered items"
    assert labels["say_do_ratio"] == "Points committed"
    assert labels["change_failure_rate"] == "Deployments"


def test_dora_2023_bands_are_seeded_for_the_four_dora_kpis() -> None:
    assert set(DORA_BANDS) == DORA_KPIS
    for code in DORA_KPIS:
        bands = list(KpiDefinition.objects.get(code=code).bands.filter(source="dora", year=2023).order_by("rank"))
        assert [(b.band, b.rank) for b in bands] == [("elite", 1), ("high", 2), ("medium", 3), ("low", 4)], code
        assert all(b.label for b in bands), code
        # Contiguous, one open end at each extreme: every value falls in exactly one band.
        ordered = sorted(bands, key=lambda b: b.lower if b.lower is not None else Decimal("-Infinity"))
        assert ordered[0].lower is None and ordered[-1].upper is None, code
        assert all(a.upper == b.lower for a, b in itertools.pairwise(ordered)), code
        direction = KpiDefinition.objects.get(code=code).direction
        best_first = ordered[::-1] if direction == "higher" else ordered
        assert [b.band for b in best_first] == ["elite", "high", "medium", "low"], code


@pytest.mark.parametrize(
    ("code", "value", "band"),
    [
        ("deployment_frequency", "7", "elite"),
        ("deployment_frequency", "5", "elite"),
        ("deployment_frequency", "4.9", "high"),
        ("deployment_frequency", "1", "high"),
        ("deployment_frequency", "0.5", "medium"),
        ("deployment_frequency", "0.2258", "medium"),  # one deploy-day in a 31-day month: "once per month"
        ("deployment_frequency", "0.2257", "low"),
        ("deployment_frequency", "0.1", "low"),
        ("lead_time_for_changes", "2", "elite"),
        ("lead_time_for_changes", "24", "high"),
        ("lead_time_for_changes", "300", "medium"),
        ("lead_time_for_changes", "2000", "low"),
        ("change_failure_rate", "4.99", "elite"),
        ("change_failure_rate", "5", "elite"),  # the elite cluster's own rate (1 failed deployment in 20)
        ("change_failure_rate", "5.0001", "high"),
        ("change_failure_rate", "7", "high"),
        ("change_failure_rate", "10", "high"),
        ("change_failure_rate", "12", "medium"),
        ("change_failure_rate", "15", "medium"),
        ("change_failure_rate", "15.0001", "low"),
        ("change_failure_rate", "64", "low"),
        ("time_to_restore", "0.5", "elite"),
        ("time_to_restore", "8", "high"),
        ("time_to_restore", "48", "medium"),
        ("time_to_restore", "400", "low"),
    ],
)
def test_values_fall_in_the_reports_bands(code: str, value: str, band: str) -> None:
    kpi = KpiDefinition.objects.get(code=code)
    found = performance_band_for(kpi=kpi, value=Decimal(value), source="dora")
    assert found is not None and found.band == band


def test_loading_again_changes_nothing_and_restores_edits() -> None:
    def snapshot() -> tuple:
        return (
            sorted(
                KpiDefinition.objects.values_list(
                    "code",
                    "name",
                    "unit",
                    "multiplier",
                    "min_value",
                    "max_value",
                    "default_target",
                    "score_tolerance_percent",
                )
            ),
            sorted(PerformanceBand.objects.values_list("kpi__code", "band", "lower", "upper", "label")),
        )

    before = snapshot()
    KpiDefinition.objects.filter(code="defect_rate").update(name="Edited")
    PerformanceBand.objects.filter(kpi__code="time_to_restore", band="elite").delete()
    for _ in range(2):
        load_catalogue(django_apps)
        load_dora_bands(django_apps)
    assert snapshot() == before
    assert PerformanceBand.objects.filter(source=DORA_SOURCE, year=DORA_YEAR).count() == 16


def test_the_seed_migrations_reverse_and_reapply() -> None:
    catalogue = import_module("apps.kpis.migrations.0002_seed_kpi_catalogue")
    bands = import_module("apps.kpis.migrations.0003_seed_dora_2023_bands")
    in_use = MeasurementFactory(kpi=KpiDefinition.objects.get(code="sprint_velocity")).kpi
    bands.unload_dora_bands(django_apps, None)
    catalogue.unload_catalogue(django_apps, None)
    assert not PerformanceBand.objects.filter(source="dora").exists()
    assert list(KpiDefinition.objects.filter(code__in=EXPECTED)) == [in_use]  # measured: kept
    load_catalogue(django_apps)
    load_dora_bands(django_apps)
    assert KpiDefinition.objects.filter(code__in=EXPECTED).count() == len(EXPECTED) == 15
    assert PerformanceBand.objects.filter(source="dora", year=2023).count() == 16


# Scorecards: what each KPI is held to without an SLA term, and how far past it its score reaches 0.
SCORING_DEFAULTS = {  # code → (default target, score tolerance as % of the target)
    "on_time_delivery_rate": ("95", "20"),  # docs/product/kpis.md: on-time milestone delivery above 95 %
    "defect_rate": ("2", "100"),  # docs/product/kpis.md: defect rate below 2 %
    "deployment_frequency": ("1", "100"),  # DORA 2023 high: at least weekly
    "lead_time_for_changes": ("168", "100"),  # DORA 2023 high: up to a week
    "change_failure_rate": ("15", "100"),  # DORA 2023 medium's rate; beyond it is low
    "time_to_restore": ("24", "100"),  # DORA 2023 high: less than a day
    "sprint_velocity": (None, None),  # compared with the team itself only
    "say_do_ratio": ("85", "30"),
    "bug_resolution_time": ("72", "100"),
    "first_response_time": ("4", "100"),
    "team_retention": ("95", "15"),
    "security_incident_notification_time": ("24", "100"),
    "documentation_currency": ("90", "30"),
    "pr_review_turnaround": ("24", "100"),
    "rework_rate": ("10", "100"),
}


def test_scoring_defaults_are_seeded_in_the_kpis_direction() -> None:
    assert set(SCORING_DEFAULTS) == set(EXPECTED)
    seeded = {
        k.code: (k.default_target, k.score_tolerance_percent) for k in KpiDefinition.objects.filter(code__in=EXPECTED)
    }
    for code, (target, tolerance) in SCORING_DEFAULTS.items():
        expected = (Decimal(target) if target else None, Decimal(tolerance) if tolerance else None)
        assert seeded[code] == expected, code
    # A default target is a target the KPI's own bounds allow.
    for kpi in KpiDefinition.objects.filter(code__in=EXPECTED, default_target__isnull=False):
        assert kpi.default_target is not None
        assert kpi.min_value is None or kpi.default_target >= kpi.min_value, kpi.code
        assert kpi.max_value is None or kpi.default_target <= kpi.max_value, kpi.code


def test_the_scoring_defaults_migration_keeps_the_organisations_values_and_reverses() -> None:
    migration = import_module("apps.kpis.migrations.0008_seed_kpi_scoring_defaults")
    KpiDefinition.objects.filter(code="defect_rate").update(default_target=Decimal("1.5"))
    KpiDefinition.objects.filter(code="first_response_time").update(default_target=None, score_tolerance_percent=None)
    migration.load_scoring_defaults(django_apps, None)
    assert KpiDefinition.objects.get(code="defect_rate").default_target == Decimal("1.5")  # kept
    assert KpiDefinition.objects.get(code="first_response_time").default_target == Decimal(4)  # filled
    migration.unload_scoring_defaults(django_apps, None)
    assert not KpiDefinition.objects.filter(code__in=EXPECTED, default_target__isnull=False).exists()
    migration.load_scoring_defaults(django_apps, None)
    assert KpiDefinition.objects.get(code="defect_rate").default_target == Decimal(2)


def test_the_boundary_fix_migration_reapplies_the_bands_over_old_data() -> None:
    """Databases that loaded the bands before 0009 had 0.25 deploy-days/week and exclusive 5/10/15 %."""
    migration = import_module("apps.kpis.migrations.0009_dora_2023_inclusive_report_values")
    bands = PerformanceBand.objects.filter(source="dora", year=2023)
    bands.filter(kpi__code="deployment_frequency", band="medium").update(lower=Decimal("0.25"))
    bands.filter(kpi__code="deployment_frequency", band="low").update(upper=Decimal("0.25"))
    bands.filter(kpi__code="change_failure_rate", band="elite").update(upper=Decimal(5))
    bands.filter(kpi__code="change_failure_rate", band="high").update(lower=Decimal(5))
    cfr = KpiDefinition.objects.get(code="change_failure_rate")
    assert performance_band_for(kpi=cfr, value=Decimal(5), source="dora").band == "high"
    for operation in migration.Migration.operations:
        operation.code(django_apps, None)
    assert performance_band_for(kpi=cfr, value=Decimal(5), source="dora").band == "elite"
    frequency = KpiDefinition.objects.get(code="deployment_frequency")
    monthly = Decimal(7) / 31
    assert performance_band_for(kpi=frequency, value=monthly, source="dora").band == "medium"
    assert bands.count() == 16
