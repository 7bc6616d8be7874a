"""factory_boy factories for every model. They build valid rows directly (tests of services call the
services; these are for arranging the world around them)."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import factory
from django.contrib.auth.models import Group

from apps.accounts.models import User
from apps.contracts import models as contract_models
from apps.contracts.choices import ClauseKind, ExitItemKind
from apps.costs import models as cost_models
from apps.functions.models import Function, SourcingDecision
from apps.kpis.models import KpiDefinition, PerformanceBand
from apps.performance import models as performance_models
from apps.performance.choices import TELEMETRY_DEFAULT_KPIS
from apps.performance.models import Measurement
from apps.performance.telemetry import secrets as telemetry_secrets
from apps.roster import models as roster_models
from apps.vendors import models as vendor_models

TODAY = dt.date(2026, 11, 23)


class UserFactory(factory.django.DjangoModelFactory[User]):
    class Meta:
        model = User
        django_get_or_create = ("username",)
        skip_postgeneration_save = True

    username = factory.Sequence(lambda n: f"user{n}")
    email = factory.LazyAttribute(lambda o: f"{o.username}@example.com")
    first_name = factory.Faker("first_name")
    last_name = factory.Faker("last_name")
    password = factory.django.Password("pass-word-123")

    @factory.post_generation
    def role(obj: User, create: bool, extracted: str | None, **kwargs: object) -> None:
        if create and extracted:
            obj.groups.add(Group.objects.get(name=extracted))
            if extracted == "admin":
                obj.is_staff = True
                obj.save(update_fields=["is_staff"])


class FunctionFactory(factory.django.DjangoModelFactory[Function]):
    class Meta:
        model = Function

    name = factory.Sequence(lambda n: f"Function {n}")
    category = "internal_tools"
    strategic = 3
    sensitive = 3
    repeatable = 3
    scarce = 3


class SourcingDecisionFactory(factory.django.DjangoModelFactory[SourcingDecision]):
    class Meta:
        model = SourcingDecision

    function = factory.SubFactory(FunctionFactory)
    decision = "hybrid"
    rationale = "Keep ownership, augment capacity."
    decided_by = factory.SubFactory(UserFactory)
    decided_on = TODAY


class VendorFactory(factory.django.DjangoModelFactory[vendor_models.Vendor]):
    class Meta:
        model = vendor_models.Vendor

    name = factory.Sequence(lambda n: f"Vendor {n}")
    country = "PL"
    geography = "nearshore"
    timezone_overlap_hours = Decimal("6.0")
    status = "active"
    tier = "tier_2"
    rate_min = Decimal("45.00")
    rate_max = Decimal("80.00")
    currency = "EUR"
    engineering_owner = factory.SubFactory(UserFactory)
    delivery_owner = factory.SubFactory(UserFactory)
    security_contact = factory.SubFactory(UserFactory)


class VettingAssessmentFactory(factory.django.DjangoModelFactory[vendor_models.VettingAssessment]):
    class Meta:
        model = vendor_models.VettingAssessment

    vendor = factory.SubFactory(VendorFactory)
    assessed_on = TODAY - dt.timedelta(days=60)
    delivery_maturity = 4
    retention_stability = 3
    security_posture = 4
    technical_depth = 4
    escalation_model = 3
    communication = 4
    pilot_outcome = "passed"
    verdict = "approve"


class CertificationFactory(factory.django.DjangoModelFactory[vendor_models.Certification]):
    class Meta:
        model = vendor_models.Certification

    vendor = factory.SubFactory(VendorFactory)
    kind = "iso27001"
    issued_on = TODAY - dt.timedelta(days=300)
    expires_on = TODAY + dt.timedelta(days=400)


class VendorRiskFactory(factory.django.DjangoModelFactory[vendor_models.VendorRisk]):
    class Meta:
        model = vendor_models.VendorRisk

    vendor = factory.SubFactory(VendorFactory)
    category = "knowledge_loss"
    title = factory.Sequence(lambda n: f"Risk {n}")
    likelihood = 3
    impact = 4


class AccessGrantFactory(factory.django.DjangoModelFactory[vendor_models.AccessGrant]):
    class Meta:
        model = vendor_models.AccessGrant

    vendor = factory.SubFactory(VendorFactory)
    person = factory.Faker("name")
    system = "GitHub"
    privilege = "write"
    account_name = factory.Sequence(lambda n: f"vendor-dev-{n}")
    granted_on = TODAY - dt.timedelta(days=30)


class EngineerFactory(factory.django.DjangoModelFactory[vendor_models.Engineer]):
    class Meta:
        model = vendor_models.Engineer

    vendor = factory.SubFactory(VendorFactory)
    name = factory.Faker("name")
    email = factory.Sequence(lambda n: f"engineer{n}@vendor.example")
    git_handle = factory.Sequence(lambda n: f"engineer-{n}")
    role = "Backend engineer"
    seniority = "senior"


class ServiceReviewFactory(factory.django.DjangoModelFactory[vendor_models.ServiceReview]):
    class Meta:
        model = vendor_models.ServiceReview

    vendor = factory.SubFactory(VendorFactory)
    scheduled_for = TODAY + dt.timedelta(days=7)


class ActionItemFactory(factory.django.DjangoModelFactory[vendor_models.ActionItem]):
    class Meta:
        model = vendor_models.ActionItem

    review = factory.SubFactory(ServiceReviewFactory)
    description = factory.Sequence(lambda n: f"Follow-up action {n}")
    due_on = TODAY + dt.timedelta(days=14)


class KpiDefinitionFactory(factory.django.DjangoModelFactory[KpiDefinition]):
    class Meta:
        model = KpiDefinition
        django_get_or_create = ("code",)

    code = factory.Sequence(lambda n: f"kpi_{n}")
    name = factory.Sequence(lambda n: f"KPI {n}")
    unit = "%"
    direction = "higher"
    aggregation = "mean"


class PerformanceBandFactory(factory.django.DjangoModelFactory[PerformanceBand]):
    class Meta:
        model = PerformanceBand

    kpi = factory.SubFactory(KpiDefinitionFactory)
    source = "organisation"
    year = 2026
    band = "high"
    rank = 2
    lower = Decimal("90")
    upper = Decimal("95")


class ContractFactory(factory.django.DjangoModelFactory[contract_models.Contract]):
    class Meta:
        model = contract_models.Contract

    vendor = factory.SubFactory(VendorFactory)
    title = factory.Sequence(lambda n: f"Contract {n}")
    engagement_model = "managed_services"
    start_date = dt.date(2026, 1, 1)
    end_date = dt.date(2026, 12, 31)
    renewal = "automatic"
    notice_days = 60
    value = Decimal("240000.00")
    currency = "EUR"
    status = "active"


class ContractClauseFactory(factory.django.DjangoModelFactory[contract_models.ContractClause]):
    class Meta:
        model = contract_models.ContractClause

    contract = factory.SubFactory(ContractFactory)
    kind = factory.Iterator(ClauseKind.values)
    assessment = "present"


class ExitPlanItemFactory(factory.django.DjangoModelFactory[contract_models.ExitPlanItem]):
    class Meta:
        model = contract_models.ExitPlanItem

    contract = factory.SubFactory(ContractFactory)
    kind = factory.Iterator(ExitItemKind.values)


class SlaTermFactory(factory.django.DjangoModelFactory[performance_models.SlaTerm]):
    class Meta:
        model = performance_models.SlaTerm

    contract = factory.SubFactory(ContractFactory)
    area = "quality"
    kpi = factory.SubFactory(KpiDefinitionFactory)
    # The comparator the KPI's direction calls for (SlaTerm.clean refuses the other).
    comparator = factory.LazyAttribute(lambda term: "lte" if term.kpi.direction == "lower" else "gte")
    target = Decimal("95")
    window = "month"
    severity = "major"
    credit_percent = Decimal("5")


class SlaEvaluationFactory(factory.django.DjangoModelFactory[performance_models.SlaEvaluation]):
    class Meta:
        model = performance_models.SlaEvaluation

    term = factory.SubFactory(SlaTermFactory)
    window_start = dt.date(2026, 10, 1)
    window_end = dt.date(2026, 10, 31)
    value = Decimal("91")
    samples = 4
    status = "breached"
    evaluated_at = factory.LazyFunction(lambda: dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.UTC))


class BreachFactory(factory.django.DjangoModelFactory[performance_models.Breach]):
    class Meta:
        model = performance_models.Breach

    evaluation = factory.SubFactory(SlaEvaluationFactory)
    term = factory.SelfAttribute("evaluation.term")
    window_start = factory.SelfAttribute("evaluation.window_start")
    window_end = factory.SelfAttribute("evaluation.window_end")
    value = factory.SelfAttribute("evaluation.value")
    target = factory.SelfAttribute("term.target")
    severity = factory.SelfAttribute("term.severity")
    credit_amount = Decimal("1000.00")
    currency = "EUR"
    detected_at = factory.LazyFunction(lambda: dt.datetime(2026, 11, 1, 6, 0, tzinfo=dt.UTC))


class MeasurementFactory(factory.django.DjangoModelFactory[Measurement]):
    class Meta:
        model = Measurement

    contract = factory.SubFactory(ContractFactory)
    kpi = factory.SubFactory(KpiDefinitionFactory)
    period_start = dt.date(2026, 10, 1)
    period_end = dt.date(2026, 10, 31)
    value = Decimal("97")
    source = "api"


class VendorIdentityRuleFactory(factory.django.DjangoModelFactory[vendor_models.VendorIdentityRule]):
    class Meta:
        model = vendor_models.VendorIdentityRule

    vendor = factory.SubFactory(VendorFactory)
    kind = "email_domain"
    value = factory.Sequence(lambda n: f"vendor{n}.example")


class SourceBindingFactory(factory.django.DjangoModelFactory[performance_models.SourceBinding]):
    """A binding with a known webhook secret (``binding.secret_plain`` after creation: the factory's
    ``secret`` argument, sealed as the service would)."""

    class Meta:
        model = performance_models.SourceBinding
        exclude = ("secret",)
        skip_postgeneration_save = True

    contract = factory.SubFactory(ContractFactory)
    source = "github"
    scope = factory.Sequence(lambda n: f"vendor-org/service-{n}")
    production_environments = factory.LazyFunction(lambda: ["production"])
    measures = factory.LazyAttribute(lambda o: list(TELEMETRY_DEFAULT_KPIS[o.source]))
    covers_from = dt.date(2026, 1, 1)
    secret = "It's a Secret to Everybody"  # GitHub's documented example secret
    secret_sealed = factory.LazyAttribute(lambda o: telemetry_secrets.seal(o.secret))

    @factory.post_generation
    def secret_plain(self, create: bool, extracted: object, **kwargs: object) -> None:
        self.secret_plain = telemetry_secrets.unseal(self.secret_sealed)


# -- vendors ready for a lifecycle move (apps.vendors.gates) ------------------------------------------------
VENDOR_STATUS_BEFORE = {
    "vetting": "prospect",
    "pilot": "vetting",
    "active": "pilot",
    "offboarding": "active",
    "exited": "offboarding",
}


def vendor_make_ready(vendor: vendor_models.Vendor, to_status: str) -> vendor_models.Vendor:
    """Add to ``vendor`` what the vendors app's own gate into ``to_status`` needs (a passing vetting,
    a passed pilot, a current ISO 27001, revoked access). Conditions other apps register (contracts,
    exit plans) are theirs to arrange."""
    from django.utils import timezone

    real_today = timezone.localdate()  # certifications and revocations are judged against today
    if to_status in ("pilot", "active"):
        VettingAssessmentFactory(vendor=vendor, verdict="approve", pilot_outcome="passed")
    if to_status == "active":
        CertificationFactory(
            vendor=vendor,
            kind="iso27001",
            issued_on=real_today - dt.timedelta(days=100),
            expires_on=real_today + dt.timedelta(days=300),
        )
    if to_status == "exited":
        vendor.access_grants.filter(revoked_on__isnull=True).update(revoked_on=real_today)
    return vendor


def vendor_ready_for(to_status: str, **fields: object) -> vendor_models.Vendor:
    """A vendor one step before ``to_status`` (e.g. in vetting for pilot) that meets its gate."""
    fields.setdefault("status", VENDOR_STATUS_BEFORE.get(to_status, "prospect"))
    return vendor_make_ready(VendorFactory(**fields), to_status)


class ReadyContractFactory(ContractFactory):
    """A draft contract that passes the activation gate: its vendor is active and every clause of its
    checklist is present (``clauses__assessment="weak"`` or ``clauses=False`` to arrange otherwise)."""

    class Meta:
        skip_postgeneration_save = True

    status = "draft"

    @factory.post_generation
    def clauses(obj: contract_models.Contract, create: bool, extracted: object, **kwargs: object) -> None:
        if not create or extracted is False:
            return
        assessment = str(kwargs.get("assessment", "present"))
        for kind in ClauseKind.values:
            contract_models.ContractClause.objects.update_or_create(
                contract=obj, kind=kind, defaults={"assessment": assessment}
            )


class AssignmentFactory(factory.django.DjangoModelFactory[roster_models.Assignment]):
    """An engineer of the contract's vendor on the contract since 90 days ago, full time."""

    class Meta:
        model = roster_models.Assignment

    contract = factory.SubFactory(ContractFactory)
    engineer = factory.SubFactory(EngineerFactory, vendor=factory.SelfAttribute("..contract.vendor"))
    role = "Backend engineer"
    allocation_percent = 100
    start_date = TODAY - dt.timedelta(days=90)


class StaffingPlanFactory(factory.django.DjangoModelFactory[roster_models.StaffingPlan]):
    class Meta:
        model = roster_models.StaffingPlan

    contract = factory.SubFactory(ContractFactory)


class StaffingPlanLineFactory(factory.django.DjangoModelFactory[roster_models.StaffingPlanLine]):
    class Meta:
        model = roster_models.StaffingPlanLine

    plan = factory.SubFactory(StaffingPlanFactory)
    seniority = "senior"
    headcount = Decimal("2")


class SubstitutionFactory(factory.django.DjangoModelFactory[roster_models.Substitution]):
    """A requested substitution of the leaver assignment's engineer by a new one of the same vendor."""

    class Meta:
        model = roster_models.Substitution

    leaver_assignment = factory.SubFactory(AssignmentFactory)
    contract = factory.SelfAttribute("leaver_assignment.contract")
    joiner = factory.SubFactory(EngineerFactory, vendor=factory.SelfAttribute("..contract.vendor"))
    reason = "Moving to another client"
    joins_on = TODAY
    overlap_days = 5


class RosterFindingFactory(factory.django.DjangoModelFactory[roster_models.RosterFinding]):
    """An open roster finding about a contract (as the roster job stores it)."""

    class Meta:
        model = roster_models.RosterFinding

    contract = factory.SubFactory(ContractFactory)
    vendor = factory.SelfAttribute("contract.vendor")
    kind = "understaffed"
    subject = factory.Sequence(lambda n: f"subject-{n}")
    message = factory.Sequence(lambda n: f"Roster finding {n}.")
    opened_at = factory.LazyFunction(lambda: dt.datetime(2026, 11, 20, 1, 0, tzinfo=dt.UTC))
    last_seen_at = factory.LazyFunction(lambda: dt.datetime(2026, 11, 22, 1, 0, tzinfo=dt.UTC))


class InvoiceFactory(factory.django.DjangoModelFactory[cost_models.Invoice]):
    """A received invoice for a month inside the factory contract's term, in its currency."""

    class Meta:
        model = cost_models.Invoice

    contract = factory.SubFactory(ContractFactory)
    number = factory.Sequence(lambda n: f"INV-{n}")
    period_start = dt.date(2026, 3, 1)
    period_end = dt.date(2026, 3, 31)
    amount = Decimal("10000.00")
    currency = factory.SelfAttribute("contract.currency")
    status = "received"
