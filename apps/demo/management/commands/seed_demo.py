"""manage.py seed_demo: build the demo portfolio (apps/demo/demo_data.py) through the services.

Demo data is only ever added, never rewritten (docs/governance/demo-data.md):

- The demo is loaded once per database. The audit trail remembers it: the demo sign-ins are created
  under the audit context key ``demo_as_of``. Once that mark exists, a run adds nothing and changes
  nothing, whatever people did since: an edited demo row stays edited, a deleted one stays deleted.
- On the load itself every record is looked up by its natural key first. One that exists (made by
  hand, or by an older demo loader that left no mark) is used as it is, never changed, and gets no demo
  records added to it: a vendor's contracts, certifications, risks, access grants, vetting and reviews
  come only with the vendor, a contract's SLA terms and measurements only with the contract, a
  function's sourcing decision only with the function, a review's action items only with the review.

Refused where DEMO_DATA_ALLOWED is off (production).
"""

from __future__ import annotations

import math
import random
from datetime import date, timedelta
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import pghistory
from dateutil.relativedelta import relativedelta
from django.apps import apps as django_apps
from django.conf import settings
from django.core.management.base import BaseCommand, CommandError, CommandParser
from django.db import transaction
from django.utils import timezone

from apps.accounts.models import User
from apps.accounts.services import user_create
from apps.contracts import services as contract_services
from apps.contracts.choices import ContractStatus
from apps.contracts.models import Contract, ExitPlanItem
from apps.costs import services as cost_services
from apps.costs.models import Invoice
from apps.costs.selectors import week_monday
from apps.costs.services import owner_hours_log
from apps.demo import demo_data as demo
from apps.demo.fx import demo_fx_rates_load
from apps.demo.telemetry_demo import telemetry_covers_from, telemetry_demo_seed, telemetry_measured
from apps.functions import services as function_services
from apps.functions.models import Function
from apps.kpis.models import KpiDefinition
from apps.performance import services as performance_services
from apps.performance.models import Measurement, SlaTerm
from apps.roster import services as roster_services
from apps.roster.findings import roster_findings_evaluate
from apps.roster.models import Assignment
from apps.roster.retention import team_retention_measure
from apps.vendors import services as vendor_services
from apps.vendors.models import (
    AccessGrant,
    ActionItem,
    Certification,
    Engineer,
    ServiceReview,
    Vendor,
    VendorRisk,
    VettingAssessment,
)

# The audit context key that marks the creation of the demo sign-ins; its value is the day the demo was
# built around.
DEMO_MARK = "demo_as_of"


def month_start(day: date) -> date:
    return day.replace(day=1)


def demo_loaded_on() -> date | None:
    """The day the demo was built around, if it was ever loaded into this database; else None.

    Read from the audit trail (the creation events of the demo sign-ins), which outlives any edit or
    deletion of the demo rows themselves. One indexed query on the small user event table."""
    user_event = django_apps.get_model("accounts", "UserEvent")
    mark = (
        user_event.objects.filter(pgh_context__metadata__has_key=DEMO_MARK)
        .values_list(f"pgh_context__metadata__{DEMO_MARK}", flat=True)
        .first()
    )
    return date.fromisoformat(mark) if mark else None


class Command(BaseCommand):
    help = (
        "Load the demo portfolio (users, functions, vendors, contracts, SLAs, 12 months of KPIs) once: "
        "later runs add nothing and change nothing."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument(
            "--as-of", type=date.fromisoformat, default=None, help="the day to build around (default today)"
        )

    def handle(self, *args: Any, as_of: date | None, **options: Any) -> None:
        if not getattr(settings, "DEMO_DATA_ALLOWED", False):
            raise CommandError("Demo data is disabled in these settings (DEMO_DATA_ALLOWED is off, as in production).")
        self.today = as_of or timezone.localdate()
        self.created: dict[str, int] = {}
        sign_ins = f"Sign in with any of: {', '.join(u for u, *_ in demo.USERS)} / password {demo.DEMO_PASSWORD}"
        loaded_on = demo_loaded_on()
        if loaded_on is not None:
            # Everything since is people's work (or deliberate deletions): nothing is added or restored.
            self.stdout.write(
                f"Demo data already loaded (built around {loaded_on:%Y-%m-%d}); nothing added, nothing changed. "
                + sign_ins
            )
            return
        with transaction.atomic():
            self.users = self.seed_users()
            self.admin = self.users["admin"]
            self.functions = self.seed_functions()
            self.vendors = self.seed_vendors()
            self.contracts = self.seed_contracts()
            self.seed_sla_terms()
            self.seed_measurements()
            self.seed_vendor_records()
            self.seed_vendor_moves()
            self.seed_telemetry()
            self.seed_roster()
            self.seed_costs()
            # The reporting currency's rates, so the overview counts USD and GBP spend too.
            self.created["FX rates"] = demo_fx_rates_load(actor=self.admin).created
        summary = ", ".join(f"{count} {name}" for name, count in self.created.items() if count) or "nothing new"
        self.stdout.write(f"Demo data ready ({summary}). {sign_ins}")

    def count(self, name: str) -> None:
        self.created[name] = self.created.get(name, 0) + 1

    def day(self, offset: int) -> date:
        return self.today + timedelta(days=offset)

    # -- people and catalogue -------------------------------------------------------------------
    def seed_users(self) -> dict[str, User]:
        users = {}
        for username, first, last, role in demo.USERS:
            user = User.objects.filter(username=username).first()
            if user is None:
                # The mark on these audit events is what tells later runs the demo was loaded.
                with pghistory.context(**{DEMO_MARK: self.today.isoformat()}):
                    user = user_create(
                        username=username,
                        password=demo.DEMO_PASSWORD,
                        role=role,
                        first_name=first,
                        last_name=last,
                        email=f"{username}@example.com",
                    )
                self.count("users")
            users[username] = user
        return users

    def seed_functions(self) -> dict[str, Function]:
        functions = {}
        for name, category, strategic, sensitive, repeatable, scarce, velocity, decision, rationale in demo.FUNCTIONS:
            function = Function.objects.filter(name=name).first()
            if function is None:
                function = function_services.function_create(
                    actor=self.admin,
                    data={
                        "name": name,
                        "category": category,
                        "strategic": strategic,
                        "sensitive": sensitive,
                        "repeatable": repeatable,
                        "scarce": scarce,
                        "velocity_critical": velocity,
                    },
                )
                self.count("functions")
                # Only a function the demo creates gets the demo's decision: an existing one's decision
                # (and its history) is someone's call.
                function_services.function_decide(
                    function=function,
                    decision=decision,
                    rationale=rationale,
                    actor=self.users["cto"],
                    decided_on=self.day(-90),
                )
                self.count("sourcing decisions")
            functions[name] = function
        return functions

    # -- vendors and contracts ------------------------------------------------------------------
    def seed_vendors(self) -> dict[str, Vendor]:
        """Every demo vendor by key; the keys of those created now are in ``self.new_vendors``."""
        vendors = {}
        self.new_vendors: set[str] = set()
        owners = {
            "engineering_owner": self.users["manager"],
            "delivery_owner": self.users["delivery"],
            "security_contact": self.users["security"],
        }
        for key, name, country, geography, overlap, status, tier, rate_min, rate_max, currency, text in demo.VENDORS:
            vendor = Vendor.objects.filter(name=name).first()
            if vendor is None:
                vendor = vendor_services.vendor_create(
                    actor=self.users["procurement"],
                    data={
                        "name": name,
                        "country": country,
                        "geography": geography,
                        "timezone_overlap_hours": overlap,
                        "status": status,
                        "tier": tier,
                        "rate_min": rate_min,
                        "rate_max": rate_max,
                        "currency": currency,
                        "description": text,
                        **owners,
                    },
                )
                self.new_vendors.add(key)
                self.count("vendors")
            vendors[key] = vendor
        return vendors

    def seed_contracts(self) -> dict[str, Contract]:
        """The demo contracts created now, by key: only for vendors created now (a statement of work
        only under a master agreement created now)."""
        contracts: dict[str, Contract] = {}
        for (
            key,
            vendor_key,
            parent_key,
            title,
            model,
            function_names,
            start_offset,
            months,
            renewal,
            notice,
            value,
            currency,
            status,
            law,
        ) in demo.CONTRACTS:
            if vendor_key not in self.new_vendors or (parent_key and parent_key not in contracts):
                continue
            vendor = self.vendors[vendor_key]
            contract = Contract.objects.filter(vendor=vendor, title=title).first()
            if contract is None:
                start = self.day(start_offset)
                contract = contract_services.contract_create(
                    actor=self.users["procurement"],
                    data={
                        "vendor": vendor,
                        "parent": contracts[parent_key] if parent_key else None,
                        "title": title,
                        "engagement_model": model,
                        "functions": [self.functions[n] for n in function_names],
                        "start_date": start,
                        "end_date": start + relativedelta(months=months) - timedelta(days=1),
                        "renewal": renewal,
                        "notice_days": notice,
                        "value": value,
                        "currency": currency,
                        "status": status,
                        "governing_law": law,
                        "text": demo.CONTRACT_TEXT,
                        "reference": f"VG-{key.upper().replace('_', '-')}",
                        "cost_of_delay_per_week": demo.COST_OF_DELAY_PER_WEEK.get(key),
                        **self.policy_exception(key),
                    },
                )
                self.count("contracts")
                contracts[key] = contract
        return contracts

    def policy_exception(self, contract_key: str) -> dict[str, Any]:
        """The policy exception a demo contract covering an in-house function is accepted with."""
        if contract_key not in demo.CONTRACT_EXCEPTIONS:
            return {}
        justification, review_in = demo.CONTRACT_EXCEPTIONS[contract_key]
        return {"exception_justification": justification, "exception_review_on": self.day(review_in)}

    def seed_vendor_moves(self) -> None:
        for vendor_key, (status, reason, actor, exit_owner) in demo.VENDOR_MOVES.items():
            if vendor_key not in self.new_vendors:
                continue
            vendor = self.vendors[vendor_key]
            active_contracts = {"contract__vendor": vendor, "contract__status": ContractStatus.ACTIVE}
            for item in ExitPlanItem.objects.filter(**active_contracts).order_by("pk"):
                contract_services.exit_plan_item_update(
                    instance=item, actor=self.users[actor], data={"owner": self.users[exit_owner]}
                )
            self.vendors[vendor_key] = vendor_services.vendor_transition(
                vendor=vendor, to_status=status, actor=self.users[actor], reason=reason
            )
            self.count("vendor moves")

    def seed_sla_terms(self) -> None:
        kpis = {kpi.code: kpi for kpi in KpiDefinition.objects.all()}
        for (
            contract_key,
            area,
            code,
            comparator,
            target,
            warning,
            window,
            window_days,
            min_samples,
            severity,
            credit,
        ) in demo.SLA_TERMS:
            contract = self.contracts.get(contract_key)
            if contract is None or SlaTerm.objects.filter(contract=contract, kpi=kpis[code], area=area).exists():
                continue
            performance_services.sla_term_create(
                actor=self.users["procurement"],
                data={
                    "contract": contract,
                    "area": area,
                    "kpi": kpis[code],
                    "comparator": comparator,
                    "target": target,
                    "warning_target": warning,
                    "window": window,
                    "window_days": window_days,
                    "min_samples": min_samples,
                    "severity": severity,
                    "credit_percent": credit,
                },
            )
            self.count("SLA terms")

    def seed_measurements(self) -> None:
        """Monthly values for the last 12 closed months; rolling-window KPIs are logged weekly."""
        kpis = {kpi.code: kpi for kpi in KpiDefinition.objects.all()}
        first_month = month_start(self.today) - relativedelta(months=demo.MEASUREMENT_MONTHS)
        # Where delivery telemetry measures a KPI, it is the one source from the day it covers: typed
        # history stops before (seed_telemetry).
        telemetry_from = telemetry_covers_from(self.today)
        for (contract_key, code), profile in demo.MEASUREMENT_PROFILES.items():
            if contract_key not in self.contracts:
                continue
            contract, kpi = self.contracts[contract_key], kpis[code]
            typed_until = telemetry_from if code in telemetry_measured(contract_key) else None
            rng = random.Random(f"{contract_key}:{code}")
            for index in range(demo.MEASUREMENT_MONTHS):
                start = first_month + relativedelta(months=index)
                end = start + relativedelta(months=1) - timedelta(days=1)
                if start < contract.start_date or end >= self.today:
                    continue
                value = profile["bad"].get(index, profile["base"] + profile["wobble"] * math.sin(index + rng.random()))
                periods = [(start, end)]
                if code == "deployment_frequency":  # weekly samples so rolling windows have several
                    periods = [(start + timedelta(days=7 * w), start + timedelta(days=7 * w + 6)) for w in range(4)]
                for period_start, period_end in periods:
                    if typed_until is not None and period_end >= typed_until:
                        continue
                    self.record(contract, kpi, period_start, period_end, value, profile.get("denominator"))

    def seed_telemetry(self) -> None:
        """Three months of GitHub and PagerDuty events for two demo contracts created now, received,
        processed and measured through the telemetry services (apps/demo/telemetry_demo.py); the SLA
        sweep that follows the demo's load finds the pod's change-failure-rate breach."""
        result = telemetry_demo_seed(
            today=self.today, contracts=self.contracts, vendors=self.vendors, actor=self.users["manager"]
        )
        if result.failed:
            raise CommandError(f"Demo telemetry the parsers refused: {', '.join(result.failed[:5])}")
        self.created["source bindings"] = result.bindings
        self.created["identity rules"] = result.identity_rules
        self.created["telemetry deliveries"] = result.deliveries

    # -- the team roster ----------------------------------------------------------------------------
    def roster_day(self, offset: int | str) -> date:
        """A day of ``demo.ASSIGNMENTS``: days from today, or "last month+N" (N days after the first of
        last month, so the swap falls in the last complete month whatever today is)."""
        if isinstance(offset, str):
            days = int(offset.removeprefix("last month+"))
            return month_start(self.today) - relativedelta(months=1) + timedelta(days=days)
        return self.day(offset)

    def seed_roster(self) -> None:
        """The engineers of the vendors created now, their assignments, staffing plans and
        substitutions (through the roster's services), then the roster job: its findings and the
        retention measurements the SLA sweep after the load evaluates."""
        procurement, owner = self.users["procurement"], self.users["manager"]
        engineers: dict[str, Engineer] = {}
        for vendor_key, name, email, handle, role, band, location, overlap in demo.ENGINEERS:
            if vendor_key not in self.new_vendors:
                continue
            vendor = self.vendors[vendor_key]
            engineer = Engineer.objects.filter(vendor=vendor, email=email).first()
            if engineer is None:
                engineer = vendor_services.engineer_create(
                    actor=procurement,
                    data={
                        "vendor": vendor,
                        "name": name,
                        "email": email,
                        "git_handle": handle,
                        "role": role,
                        "seniority": band,
                        "location": location,
                        "overlap_hours": overlap,
                    },
                )
                self.count("engineers")
            engineers[name] = engineer
        roster_contracts = {key for key, *_ in demo.ASSIGNMENTS} | set(demo.STAFFING_PLANS)
        new = {
            key for key in roster_contracts if key in self.contracts and not self.contracts[key].assignments.exists()
        }
        for contract_key, lines in demo.STAFFING_PLANS.items():
            if contract_key in new:
                roster_services.staffing_plan_save(
                    contract=self.contracts[contract_key], actor=procurement, lines=lines
                )
                self.count("staffing plans")
        assignments: dict[tuple[str, str], Assignment] = {}
        for contract_key, name, role, allocation, first, last, key_person in demo.ASSIGNMENTS:
            if contract_key not in new or name not in engineers:
                continue
            assignments[contract_key, name] = roster_services.assignment_create(
                actor=procurement,
                data={
                    "contract": self.contracts[contract_key],
                    "engineer": engineers[name],
                    "role": role,
                    "allocation_percent": allocation,
                    "start_date": self.roster_day(first),
                    "end_date": self.roster_day(last) if last is not None else None,
                    "key_person": key_person,
                },
            )
            self.count("assignments")
        for contract_key, leaver, joiner, reason, joins, overlap_days, decision in demo.SUBSTITUTIONS:
            if (contract_key, leaver) not in assignments or joiner not in engineers:
                continue
            substitution = roster_services.substitution_request(
                actor=self.users["delivery"],
                data={
                    "leaver_assignment": assignments[contract_key, leaver],
                    "joiner": engineers[joiner],
                    "reason": reason,
                    "joins_on": self.day(joins),
                    "overlap_days": overlap_days,
                },
            )
            if decision == "approved":
                roster_services.substitution_approve(substitution=substitution, actor=owner)
            self.count("substitutions")
        for vendor_key, person in demo.ACCESS_GRANT_ENGINEERS:
            if vendor_key not in self.new_vendors or person not in engineers:
                continue
            for grant in AccessGrant.objects.filter(vendor=self.vendors[vendor_key], person=person, engineer=None):
                vendor_services.access_grant_update(
                    instance=grant, actor=self.users["security"], data={"engineer": engineers[person]}
                )
        if assignments:
            # What the daily roster job would find (beat runs it at night): the findings now, and the
            # retention measurements the SLA sweep after the load evaluates.
            found = roster_findings_evaluate(today=self.today)
            self.created["roster findings"] = found.opened
            self.created["retention measurements"] = team_retention_measure(today=self.today).created

    def record(
        self, contract: Contract, kpi: KpiDefinition, start: date, end: date, value: float, denominator: int | None
    ) -> None:
        data: dict[str, Any] = {"contract": contract, "kpi": kpi, "period_start": start, "period_end": end}
        if Measurement.objects.filter(**data).exists():
            return  # a figure someone recorded for this period is theirs: never overwritten
        if kpi.is_ratio:
            assert denominator is not None, kpi.code
            numerator = (Decimal(str(value)) * denominator / kpi.multiplier).quantize(Decimal("1"), ROUND_HALF_UP)
            data |= {"numerator": min(numerator, Decimal(denominator)), "denominator": Decimal(denominator)}
        else:
            data["value"] = Decimal(str(max(value, 0))).quantize(Decimal("0.01"), ROUND_HALF_UP)
        performance_services.measurement_record(actor=self.users["manager"], data=data, source="import")
        self.count("measurements")

    # -- what governance keeps about vendors ------------------------------------------------------
    def seed_vendor_records(self) -> None:
        """What governance keeps about a vendor, for the vendors created now only."""
        security, procurement = self.users["security"], self.users["procurement"]
        for vendor_key, kind, name, issued, expires in demo.CERTIFICATIONS:
            if vendor_key not in self.new_vendors:
                continue
            vendor = self.vendors[vendor_key]
            if not Certification.objects.filter(vendor=vendor, kind=kind, name=name).exists():
                vendor_services.certification_create(
                    actor=security,
                    data={
                        "vendor": vendor,
                        "kind": kind,
                        "name": name,
                        "issued_on": self.day(issued),
                        "expires_on": self.day(expires),
                        "evidence_url": "https://trust.example.com/" + vendor_key,
                    },
                )
                self.count("certifications")
        for vendor_key, category, title, likelihood, impact, owner, status, mitigation in demo.RISKS:
            if vendor_key not in self.new_vendors:
                continue
            vendor = self.vendors[vendor_key]
            if not VendorRisk.objects.filter(vendor=vendor, title=title).exists():
                vendor_services.vendor_risk_create(
                    actor=security,
                    data={
                        "vendor": vendor,
                        "category": category,
                        "title": title,
                        "likelihood": likelihood,
                        "impact": impact,
                        "owner": self.users[owner],
                        "status": status,
                        "mitigation": mitigation,
                    },
                )
                self.count("risks")
        for vendor_key, person, system, privilege, account, named, mfa, granted, ends, revoked in demo.ACCESS_GRANTS:
            if vendor_key not in self.new_vendors:
                continue
            vendor = self.vendors[vendor_key]
            if not AccessGrant.objects.filter(vendor=vendor, person=person, system=system).exists():
                vendor_services.access_grant_create(
                    actor=security,
                    data={
                        "vendor": vendor,
                        "person": person,
                        "system": system,
                        "privilege": privilege,
                        "account_name": account,
                        "named_account": named,
                        "mfa_enabled": mfa,
                        "granted_on": self.day(granted),
                        "expires_on": self.day(ends) if ends is not None else None,
                        "revoked_on": self.day(revoked) if revoked is not None else None,
                        "granted_by": security,
                    },
                )
                self.count("access grants")
        for vendor_key, days_ago, scores, flags, pilot, verdict, notes in demo.VETTING:
            if vendor_key not in self.new_vendors:
                continue
            vendor = self.vendors[vendor_key]
            if not VettingAssessment.objects.filter(vendor=vendor, assessed_on=self.day(-days_ago)).exists():
                score_fields = (
                    "delivery_maturity",
                    "retention_stability",
                    "security_posture",
                    "technical_depth",
                    "escalation_model",
                    "communication",
                )
                vendor_services.vetting_assessment_create(
                    actor=procurement,
                    data={
                        "vendor": vendor,
                        "assessed_on": self.day(-days_ago),
                        "assessor": procurement,
                        **dict(zip(score_fields, scores, strict=True)),
                        **dict.fromkeys(flags, True),
                        "pilot_outcome": pilot,
                        "verdict": verdict,
                        "notes": notes,
                    },
                )
                self.count("vetting assessments")
        self.seed_reviews()

    def seed_reviews(self) -> None:
        manager = self.users["manager"]
        for vendor_key, offset, held, quality, decisions, risks, actions in demo.SERVICE_REVIEWS:
            if vendor_key not in self.new_vendors:
                continue
            vendor = self.vendors[vendor_key]
            scheduled_for = self.day(offset)
            if ServiceReview.objects.filter(vendor=vendor, scheduled_for=scheduled_for).exists():
                continue
            data: dict[str, Any] = {"vendor": vendor, "scheduled_for": scheduled_for}
            if held:
                data |= {
                    "status": "held",
                    "held_on": scheduled_for,
                    "delivery_quality": quality,
                    "decisions": decisions,
                    "risks_raised": risks,
                    "attendees": [manager, self.users["delivery"]],
                    "vendor_attendees": "Account manager\nDelivery lead",
                }
            review = vendor_services.service_review_create(actor=manager, data=data)
            self.count("service reviews")
            for description, owner, due_in, done in actions:
                if ActionItem.objects.filter(review=review, description=description).exists():
                    continue
                vendor_services.action_item_create(
                    actor=manager,
                    data={
                        "review": review,
                        "description": description,
                        "owner": self.users[owner],
                        "due_on": scheduled_for + timedelta(days=due_in),
                        "done_on": scheduled_for + timedelta(days=due_in - 2) if done else None,
                    },
                )
                self.count("action items")

    # -- the total cost of ownership (apps.costs; demo_data.TCO_STORY) ----------------------------------
    def seed_costs(self) -> None:
        """Invoices with their billed hours, the reviews and the owners' logged hours of the total-cost
        story (the cost of delay comes with its contract), for the contracts and vendors created now only."""
        procurement = self.users["procurement"]
        first_month = month_start(self.today) - relativedelta(months=demo.MEASUREMENT_MONTHS)
        for contract_key, (prefix, lines) in demo.INVOICE_PLANS.items():
            if contract_key not in self.contracts:
                continue
            contract = self.contracts[contract_key]
            for index in range(demo.MEASUREMENT_MONTHS):
                start = first_month + relativedelta(months=index)
                end = start + relativedelta(months=1) - timedelta(days=1)
                number = f"{prefix}-{start:%Y-%m}"
                if start < contract.start_date or end >= self.today:
                    continue
                if Invoice.objects.filter(contract=contract, number__iexact=number).exists():
                    continue
                cost_services.invoice_create(
                    actor=procurement,
                    data={
                        "contract": contract,
                        "number": number,
                        "period_start": start,
                        "period_end": end,
                        "amount": sum((hours * rate for _, _, hours, rate in lines), Decimal(0)),
                        "currency": contract.currency,
                        "status": "approved" if index >= demo.MEASUREMENT_MONTHS - 2 else "paid",
                        "received_on": min(end + timedelta(days=5), self.today),
                        "hours": {role: hours for role, _, hours, _ in lines},
                        "seniority": {role: band for role, band, _, _ in lines},
                    },
                )
                self.count("invoices")
        for vendor_key, offset, duration, attendees, quality, decisions in demo.COST_REVIEWS:
            held_on = self.day(offset)
            if (
                vendor_key not in self.new_vendors
                or ServiceReview.objects.filter(vendor=self.vendors[vendor_key], scheduled_for=held_on).exists()
            ):
                continue
            vendor_services.service_review_create(
                actor=self.users["manager"],
                data={
                    "vendor": self.vendors[vendor_key],
                    "scheduled_for": held_on,
                    "status": "held",
                    "held_on": held_on,
                    "duration_hours": duration,
                    "delivery_quality": quality,
                    "decisions": decisions,
                    "attendees": [self.users[name] for name in attendees],
                    "vendor_attendees": "Account manager\nTest lead",
                },
            )
            self.count("service reviews")
        for contract_key, username, hours, every, note in demo.OWNER_HOURS:
            if contract_key not in self.contracts:
                continue
            contract, person = self.contracts[contract_key], self.users[username]
            monday = week_monday(max(first_month, contract.start_date))
            if monday < first_month:
                monday += timedelta(days=7)
            weeks = 0
            while monday + timedelta(days=6) < self.today:
                if weeks % every == 0:
                    _, outcome = owner_hours_log(
                        actor=person,
                        data={"contract": contract, "person": person, "week_of": monday, "hours": hours, "note": note},
                    )
                    if outcome == "created":
                        self.count("owner hours")
                monday += timedelta(days=7)
                weeks += 1
