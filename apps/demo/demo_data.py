"""The demo portfolio `manage.py seed_demo` builds: a believable outsourcing portfolio of a
London-based software company. Plain data; dates are offsets from the day it is loaded."""

from __future__ import annotations

from decimal import Decimal as D
from typing import Any

DEMO_PASSWORD = "demo-pass-2026"

# username, first name, last name, role
USERS = [
    ("cto", "Claire", "Thompson", "executive"),
    ("procurement", "Priya", "Nair", "procurement"),
    ("manager", "Marco", "Rossi", "engineering_manager"),
    ("delivery", "Dana", "Lee", "engineering_manager"),
    ("security", "Sam", "Okafor", "security"),
    ("admin", "Alex", "Morgan", "admin"),
]

# name, category, strategic, sensitive, repeatable, scarce, velocity_critical, decision, rationale
FUNCTIONS = [
    (
        "Core application architecture",
        "core_architecture",
        5,
        5,
        2,
        2,
        False,
        "keep_in_house",
        "Our product's differentiator: architecture decisions stay with our principal engineers.",
    ),
    (
        "CI/CD platform",
        "devex_cicd",
        3,
        3,
        3,
        2,
        True,
        "keep_in_house",
        "Vital to delivery velocity; every team depends on it daily.",
    ),
    (
        "Customer insight loop",
        "product_discovery",
        5,
        4,
        2,
        2,
        False,
        "keep_in_house",
        "Product ownership: we talk to our customers ourselves.",
    ),
    (
        "ML models & data infrastructure",
        "data_ml",
        5,
        5,
        2,
        4,
        False,
        "keep_in_house",
        "IP-sensitive and a long-term differentiator.",
    ),
    ("Payroll systems", "payroll_hr", 1, 3, 5, 2, False, "outsource", "Commoditised; buy a service."),
    (
        "Penetration testing",
        "security_audits",
        2,
        3,
        3,
        5,
        False,
        "outsource",
        "Needs independence from the people who built the system.",
    ),
    ("Data-centre exit migration", "migrations", 2, 2, 4, 4, False, "outsource", "Short-term and scopable."),
    ("L1 support desk", "l1_support", 1, 2, 5, 2, False, "outsource", "Scalable and repeatable."),
    ("Regression testing", "qa_testing", 2, 2, 5, 3, False, "outsource", "Repeatable; we own the test strategy."),
    (
        "Cloud infrastructure management",
        "cloud_infrastructure",
        3,
        4,
        4,
        4,
        False,
        "hybrid",
        "We keep the platform team and architecture; a partner runs the 24/7 operations.",
    ),
    ("IT service desk & laptops", "it_operations", 1, 2, 5, 2, False, "outsource", "Standard managed service."),
    ("Internal dashboards", "internal_tools", 2, 2, 4, 3, False, "hybrid", "Our analysts own the metrics."),
    (
        "Support tooling integrations",
        "support_tooling",
        2,
        2,
        4,
        2,
        False,
        "outsource",
        "Zendesk and CRM integrations are well specified.",
    ),
]

# key, name, country, geography, overlap hours, status, tier, rate min, rate max, currency, description
VENDORS = [
    (
        "bangalore",
        "Bangalore Digital Works",
        "IN",
        "offshore",
        D("4.5"),
        "active",
        "tier_1",
        D("18"),
        D("40"),
        "USD",
        "Our largest managed-services partner: platform modernisation, L2 support and a data squad.",
    ),
    (
        "vistula",
        "Vistula Software House",
        "PL",
        "nearshore",
        D("7"),
        "active",
        "tier_1",
        D("45"),
        D("85"),
        "EUR",
        "Product engineering pod and the data-centre exit migration.",
    ),
    (
        "thames",
        "Thames Security Partners",
        "GB",
        "onshore",
        D("8"),
        "active",
        "tier_2",
        D("120"),
        D("180"),
        "GBP",
        "Independent penetration testing and security audits.",
    ),
    (
        "saigon",
        "Saigon Quality Engineering",
        "VN",
        "offshore",
        D("3"),
        "active",
        "tier_2",
        D("20"),
        D("35"),
        "USD",
        "Regression testing as a managed service.",
    ),
    (
        "lisbon",
        "Lisbon Cloud Ops",
        "PT",
        "nearshore",
        D("8"),
        "pilot",
        "tier_2",
        D("55"),
        D("90"),
        "EUR",
        "Piloting 24/7 cloud operations.",
    ),
    (
        "manila",
        "Manila Support Centre",
        "PH",
        "offshore",
        D("2"),
        "active",  # then offboarding: VENDOR_MOVES
        "tier_3",
        D("12"),
        D("22"),
        "USD",
        "L1 service desk; being offboarded after repeated response-time breaches.",
    ),
    (
        "payflow",
        "PayFlow HR Systems",
        "IE",
        "nearshore",
        D("8"),
        "vetting",
        "tier_3",
        D("70"),
        D("110"),
        "EUR",
        "Payroll platform under evaluation.",
    ),
    (
        "bucharest",
        "Bucharest Data Studio",
        "RO",
        "nearshore",
        D("6"),
        "exited",
        "tier_2",
        D("35"),
        D("60"),
        "EUR",
        "Built our internal dashboards; engagement ended.",
    ),
    (
        "tallinn",
        "Tallinn Test Lab",
        "EE",
        "nearshore",
        D("7"),
        "active",
        "tier_2",
        D("48"),
        D("72"),
        "EUR",
        "Test automation and regression testing, at more than twice Saigon's hourly rate.",
    ),
    (
        "nairobi",
        "Nairobi DevWorks",
        "KE",
        "offshore",
        D("6"),
        "prospect",
        "tier_3",
        D("25"),
        D("45"),
        "USD",
        "Prospect for support tooling integrations.",
    ),
]

# key, vendor key, parent key, title, engagement model, functions, start offset (days), term (months),
# renewal, notice days, value, currency, status, governing law
CONTRACTS = [
    (
        "bdw_msa",
        "bangalore",
        None,
        "Bangalore Digital Works — Master Services Agreement",
        "managed_services",
        [],
        -700,
        36,
        "automatic",
        90,
        D("2400000"),
        "USD",
        "active",
        "England and Wales",
    ),
    (
        "bdw_sow1",
        "bangalore",
        "bdw_msa",
        "SOW 1 — Platform modernisation",
        "project_based",
        ["Core application architecture"],
        -400,
        18,
        "explicit",
        60,
        D("820000"),
        "USD",
        "active",
        "England and Wales",
    ),
    (
        "bdw_sow2",
        "bangalore",
        "bdw_msa",
        "SOW 2 — L2 application support",
        "managed_services",
        ["Support tooling integrations"],
        -500,
        24,
        "automatic",
        60,
        D("540000"),
        "USD",
        "active",
        "England and Wales",
    ),
    (
        "bdw_sow3",
        "bangalore",
        "bdw_msa",
        "SOW 3 — Data engineering squad",
        "staff_augmentation",
        ["ML models & data infrastructure"],
        -300,
        12,
        "explicit",
        30,
        D("380000"),
        "USD",
        "active",
        "England and Wales",
    ),
    (
        "vsh_pod",
        "vistula",
        None,
        "Product engineering pod",
        "staff_augmentation",
        ["Internal dashboards"],
        -290,
        12,
        "explicit",
        30,
        D("610000"),
        "EUR",
        "active",
        "Poland",
    ),
    (
        "vsh_migration",
        "vistula",
        None,
        "Data-centre exit migration",
        "project_based",
        ["Data-centre exit migration"],
        -120,
        9,
        "none",
        0,
        D("350000"),
        "EUR",
        "active",
        "England and Wales",
    ),
    (
        "tsp_pentest",
        "thames",
        None,
        "Annual penetration testing 2026",
        "project_based",
        ["Penetration testing"],
        -250,
        12,
        "none",
        0,
        D("96000"),
        "GBP",
        "active",
        "England and Wales",
    ),
    (
        "sqe_regression",
        "saigon",
        None,
        "Regression testing service",
        "managed_services",
        ["Regression testing"],
        -420,
        24,
        "automatic",
        60,
        D("310000"),
        "USD",
        "active",
        "Singapore",
    ),
    (
        "ttl_automation",
        "tallinn",
        None,
        "Test automation & regression service",
        "managed_services",
        ["Regression testing"],
        -400,
        24,
        "explicit",
        60,
        D("720000"),
        "EUR",
        "active",
        "Estonia",
    ),
    (
        "lco_pilot",
        "lisbon",
        None,
        "Cloud operations pilot",
        "managed_services",
        ["Cloud infrastructure management"],
        -75,
        6,
        "explicit",
        30,
        D("90000"),
        "EUR",
        "active",
        "Portugal",
    ),
    (
        "msc_l1",
        "manila",
        None,
        "L1 service desk",
        "managed_services",
        ["L1 support desk", "IT service desk & laptops"],
        -600,
        24,
        "automatic",
        90,
        D("260000"),
        "USD",
        "active",
        "Philippines",
    ),
    (
        "pfh_payroll",
        "payflow",
        None,
        "Payroll platform subscription & support",
        "managed_services",
        ["Payroll systems"],
        30,
        36,
        "automatic",
        90,
        D("180000"),
        "EUR",
        "draft",
        "Ireland",
    ),
    (
        "bds_dashboards",
        "bucharest",
        None,
        "Analytics dashboards build",
        "project_based",
        ["Internal dashboards"],
        -540,
        9,
        "none",
        0,
        D("140000"),
        "EUR",
        "expired",
        "Romania",
    ),
]

# Vendors that moved on after their contracts were signed: created as listed above, their contracts
# signed, their active contracts' exit plans owned, then moved through the lifecycle (its gates apply).
# vendor key → (status, reason, username of who moved it, username of the exit plan's owner)
VENDOR_MOVES: dict[str, tuple[str, str, str, str]] = {
    "manila": (
        "offboarding",
        "Response times breach repeatedly; L1 support moves in-house by year end.",
        "procurement",
        "delivery",
    ),
}

# Contracts covering a function the organisation keeps in-house are accepted only as policy exceptions:
# contract key → (justification, review date in days from today)
CONTRACT_EXCEPTIONS: dict[str, tuple[str, int]] = {
    "bdw_sow1": (
        "The modernisation needs more hands than our principal engineers have; they keep design authority "
        "and review every architectural change.",
        45,
    ),
    "bdw_sow3": ("A data squad for the pipeline backlog while we hire; our ML leads own the models.", 20),
}

CONTRACT_TEXT = (
    "1. Services. The Supplier shall use best efforts to deliver the Services described in each Statement of Work.\n"
    "2. Quality. Deliverables shall be of industry standard quality and free of material defects.\n"
    "3. Support. The Supplier shall provide reasonable support and respond to incidents as soon as possible.\n"
    "4. Security. The Supplier shall notify the Customer of any security incident within 24 hours of detection.\n"
    "5. Intellectual property. All code, documentation and deliverables vest in the Customer on creation.\n"
    "6. Exit. On termination the Supplier shall hand over repositories, credentials and documentation "
    "within 30 days.\n"
)

# contract key, area, kpi code, comparator, target, warning target, window, window days, min samples,
# severity, credit %
SLA_TERMS = [
    ("bdw_sow1", "delivery", "on_time_delivery_rate", "gte", D("95"), D("97"), "month", None, 1, "major", D("5")),
    ("bdw_sow1", "quality", "defect_rate", "lte", D("2"), D("1.5"), "month", None, 1, "major", D("5")),
    ("bdw_sow1", "quality", "change_failure_rate", "lte", D("15"), D("10"), "quarter", None, 1, "minor", D("2")),
    # Measured from the team roster (apps.roster.retention): last month's silent swap breaches it.
    ("bdw_sow1", "delivery", "team_retention", "gte", D("90"), D("95"), "month", None, 1, "major", D("3")),
    (
        "bdw_sow1",
        "documentation",
        "documentation_currency",
        "gte",
        D("90"),
        D("95"),
        "quarter",
        None,
        1,
        "minor",
        D("1"),
    ),
    ("bdw_sow2", "support", "first_response_time", "lte", D("4"), D("3"), "month", None, 1, "major", D("5")),
    ("bdw_sow2", "support", "bug_resolution_time", "lte", D("48"), D("36"), "month", None, 1, "minor", D("2")),
    (
        "bdw_sow2",
        "security",
        "security_incident_notification_time",
        "lte",
        D("24"),
        None,
        "quarter",
        None,
        1,
        "critical",
        D("10"),
    ),
    ("bdw_sow3", "delivery", "say_do_ratio", "gte", D("85"), D("90"), "month", None, 1, "minor", D("2")),
    ("vsh_pod", "delivery", "deployment_frequency", "gte", D("3"), D("4"), "rolling", 28, 2, "minor", D("1")),
    ("vsh_pod", "quality", "defect_rate", "lte", D("2"), D("1.5"), "month", None, 1, "major", D("4")),
    ("vsh_pod", "delivery", "lead_time_for_changes", "lte", D("72"), D("48"), "month", None, 1, "minor", D("1")),
    # Measured by delivery telemetry for the last three months (apps/demo/telemetry_demo.py): the pod's
    # change failure rate breaches this term; the modernisation's lead time meets the one below.
    ("vsh_pod", "quality", "change_failure_rate", "lte", D("15"), D("10"), "month", None, 1, "major", D("3")),
    ("bdw_sow1", "delivery", "lead_time_for_changes", "lte", D("72"), D("48"), "month", None, 1, "minor", D("1")),
    ("vsh_migration", "delivery", "on_time_delivery_rate", "gte", D("95"), D("97"), "month", None, 1, "major", D("5")),
    (
        "tsp_pentest",
        "documentation",
        "documentation_currency",
        "gte",
        D("95"),
        None,
        "quarter",
        None,
        1,
        "minor",
        D("1"),
    ),
    ("sqe_regression", "quality", "defect_rate", "lte", D("2"), D("1.5"), "month", None, 1, "major", D("5")),
    ("sqe_regression", "delivery", "on_time_delivery_rate", "gte", D("95"), D("97"), "month", None, 1, "major", D("3")),
    ("lco_pilot", "support", "time_to_restore", "lte", D("4"), D("2"), "month", None, 1, "critical", D("10")),
    ("msc_l1", "support", "first_response_time", "lte", D("1"), D("0.75"), "month", None, 1, "major", D("5")),
    (
        "msc_l1",
        "security",
        "security_incident_notification_time",
        "lte",
        D("24"),
        None,
        "quarter",
        None,
        1,
        "critical",
        D("10"),
    ),
]

# Monthly measurement profiles: contract key, kpi code → (baseline, monthly wobble, months that miss)
# Ratio KPIs are logged as numerator / denominator with the given denominator.
MEASUREMENT_PROFILES: dict[tuple[str, str], dict[str, Any]] = {
    ("bdw_sow1", "on_time_delivery_rate"): {"base": 96.5, "wobble": 1.5, "bad": {2: 88, 7: 91}, "denominator": 40},
    ("bdw_sow1", "defect_rate"): {"base": 1.4, "wobble": 0.3, "bad": {4: 2.8, 9: 2.3}, "denominator": 500},
    ("bdw_sow1", "change_failure_rate"): {"base": 9, "wobble": 3, "bad": {}, "denominator": 60},
    ("bdw_sow1", "documentation_currency"): {"base": 92, "wobble": 3, "bad": {10: 80}, "denominator": 120},
    ("bdw_sow2", "first_response_time"): {"base": 2.8, "wobble": 0.6, "bad": {5: 5.2}},
    ("bdw_sow2", "bug_resolution_time"): {"base": 30, "wobble": 8, "bad": {}},
    ("bdw_sow2", "security_incident_notification_time"): {"base": 6, "wobble": 4, "bad": {}},
    ("bdw_sow3", "say_do_ratio"): {"base": 88, "wobble": 4, "bad": {8: 72}, "denominator": 120},
    ("vsh_pod", "deployment_frequency"): {"base": 4.2, "wobble": 0.8, "bad": {}},
    ("vsh_pod", "defect_rate"): {"base": 1.1, "wobble": 0.4, "bad": {}, "denominator": 400},
    ("vsh_pod", "lead_time_for_changes"): {"base": 30, "wobble": 10, "bad": {}},
    # No SLA term for time to restore: the scorecard holds it to the KPI's default target, and with the
    # three above the pod shows all four DORA bands. Telemetry measures these five KPIs from three months
    # back (apps/demo/telemetry_demo.py): the typed history stops there.
    ("vsh_pod", "change_failure_rate"): {"base": 8, "wobble": 3, "bad": {6: 22}, "denominator": 50},
    ("vsh_pod", "time_to_restore"): {"base": 6, "wobble": 4, "bad": {10: 30}},
    ("vsh_migration", "on_time_delivery_rate"): {"base": 96, "wobble": 2, "bad": {}, "denominator": 25},
    ("tsp_pentest", "documentation_currency"): {"base": 98, "wobble": 1, "bad": {}, "denominator": 40},
    ("sqe_regression", "defect_rate"): {"base": 1.6, "wobble": 0.4, "bad": {11: 2.6}, "denominator": 800},
    ("sqe_regression", "on_time_delivery_rate"): {"base": 97, "wobble": 1.5, "bad": {}, "denominator": 30},
    # The total-cost story (TCO_STORY below): Saigon delivers two thirds of the automation points it commits
    # to; Tallinn, dearer by the hour, nearly all of them, with few escaped defects.
    ("sqe_regression", "say_do_ratio"): {"base": 67, "wobble": 4, "bad": {}, "denominator": 120},
    ("ttl_automation", "say_do_ratio"): {"base": 93, "wobble": 3, "bad": {}, "denominator": 140},
    ("ttl_automation", "defect_rate"): {"base": 0.5, "wobble": 0.15, "bad": {}, "denominator": 600},
    ("ttl_automation", "on_time_delivery_rate"): {"base": 99, "wobble": 1, "bad": {}, "denominator": 20},
    ("lco_pilot", "time_to_restore"): {"base": 1.6, "wobble": 0.7, "bad": {11: 6.5}},  # critical: reaches the CTO
    ("msc_l1", "first_response_time"): {"base": 0.9, "wobble": 0.3, "bad": {6: 1.8, 9: 1.6, 11: 2.1}},
    ("msc_l1", "security_incident_notification_time"): {"base": 10, "wobble": 5, "bad": {}},
}
MEASUREMENT_MONTHS = 12

# vendor key, kind, name, issued (days from today), expires (days from today)
CERTIFICATIONS = [
    ("bangalore", "soc2_type2", "", -200, 165),
    ("bangalore", "iso27001", "", -600, 495),
    ("vistula", "iso27001", "", -320, 45),
    ("thames", "iso27001", "", -100, 995),
    ("thames", "other", "CREST accreditation", -150, 215),
    ("saigon", "iso9001", "", -1100, -10),
    ("manila", "soc2_type2", "", -345, 20),
    ("lisbon", "iso27001", "", -60, 1035),
]

# vendor key, category, title, likelihood, impact, owner username, status, mitigation
RISKS = [
    (
        "bangalore",
        "knowledge_loss",
        "Key-person dependency on the platform tech lead",
        4,
        4,
        "manager",
        "mitigating",
        "Pair our engineers on every platform change; architecture notes reviewed monthly.",
    ),
    (
        "bangalore",
        "lock_in",
        "Deployment scripts only exist in the vendor's repositories",
        3,
        4,
        "manager",
        "open",
        "Move all pipelines into our GitHub organisation by next quarter.",
    ),
    (
        "bangalore",
        "data_security",
        "Vendor staff with production database access",
        3,
        5,
        "security",
        "mitigating",
        "Named accounts, MFA and quarterly access reviews.",
    ),
    (
        "vistula",
        "ip_ownership",
        "IP clause of the pod contract is weak",
        2,
        4,
        "procurement",
        "open",
        "Amend at renewal: all work product vests on creation.",
    ),
    (
        "manila",
        "delivery",
        "Response times breach repeatedly",
        4,
        3,
        "delivery",
        "accepted",
        "Offboarding under way; transition to in-house L1 by year end.",
    ),
    (
        "saigon",
        "jurisdiction",
        "Disputes governed by Singapore law",
        2,
        3,
        "procurement",
        "accepted",
        "Arbitration clause reviewed by legal; accepted.",
    ),
    (
        "lisbon",
        "financial",
        "Pilot vendor is a 40-person company",
        2,
        3,
        "procurement",
        "open",
        "Review financial statements before the full contract.",
    ),
    (
        "bucharest",
        "knowledge_loss",
        "Dashboard knowledge left with the vendor",
        3,
        2,
        "manager",
        "closed",
        "Documentation handed over at exit.",
    ),
]

# vendor key, person, system, privilege, account, named, mfa, granted (days), expires (days or None),
# revoked (days or None)
ACCESS_GRANTS: list[tuple[str, str, str, str, str, bool, bool, int, int | None, int | None]] = [
    ("bangalore", "Arjun Mehta", "GitHub", "write", "arjun-bdw", True, True, -400, 200, None),
    ("bangalore", "Kavya Iyer", "AWS production", "production", "kavya.iyer", True, True, -300, 60, None),
    ("bangalore", "Support rota", "Zendesk", "read", "bdw-support", False, True, -500, None, None),
    ("vistula", "Piotr Nowak", "GitHub", "write", "pnowak-vsh", True, True, -280, 85, None),
    ("vistula", "Anna Zielinska", "Kubernetes staging", "admin", "azielinska", True, True, -200, 165, None),
    ("manila", "Jose Santos", "ServiceNow", "write", "jsantos", True, False, -600, -15, None),
    ("bucharest", "Mihai Popescu", "Looker", "admin", "mpopescu", True, True, -540, None, None),
    ("saigon", "Linh Tran", "TestRail", "write", "ltran", True, True, -400, 330, None),
]

# vendor key, days from today the review is/was scheduled, held?, quality, decisions, risks raised,
# action items: (description, owner username, due in days from the review, done?)
SERVICE_REVIEWS = [
    (
        "bangalore",
        -28,
        True,
        4,
        "Keep the modernisation scope; add a second QA engineer.",
        "Key-person risk on platform.",
        [("Share the platform runbook with our SRE team", "manager", 7, True)],
    ),
    (
        "bangalore",
        -14,
        True,
        3,
        "Defect rate trending up: root-cause review next sprint.",
        "",
        [
            ("Root-cause analysis of escaped defects", "manager", 10, False),
            ("Move pipelines into our GitHub organisation", "delivery", 30, False),
        ],
    ),
    ("bangalore", 0, False, None, "", "", []),
    (
        "vistula",
        -16,
        True,
        5,
        "Renewal conversation to start; strengthen the IP clause.",
        "",
        [("Draft the renewal terms with procurement", "delivery", 14, False)],
    ),
    ("vistula", -2, False, None, "", "", []),
    ("saigon", -10, True, 4, "Automate the smoke suite by next quarter.", "", []),
    ("saigon", 4, False, None, "", "", []),
    ("manila", -20, False, None, "", "", []),
    ("thames", -30, True, 5, "Scope of the Q1 external test agreed.", "", []),
    ("thames", -2 + 14, False, None, "", "", []),
]

# vendor key, days ago, six scores, red flags, pilot outcome, verdict, notes
VETTING = [
    ("bangalore", 760, (4, 3, 4, 4, 4, 4), (), "passed", "approve", "Strong delivery leadership; good pilot."),
    ("lisbon", 100, (4, 4, 4, 3, 3, 5), (), "passed", "conditional", "Small team: start with a six-month pilot."),
    (
        "payflow",
        12,
        (3, 3, 4, 3, 2, 3),
        ("flag_fast_yes",),
        "not_run",
        "conditional",
        "Said yes to every requirement within a day; insist on a pilot.",
    ),
    (
        "nairobi",
        5,
        (2, 3, 2, 3, 2, 4),
        ("flag_junior_interviewers", "flag_no_questions", "flag_no_pilot"),
        "not_run",
        "reject",
        "Interviewers were all juniors and asked nothing about our system.",
    ),
]


# -- the team roster (apps.roster) -------------------------------------------------------------------
# The vendor's engineers: vendor key, name, work e-mail, Git handle, role, seniority band, location,
# hours of overlap. The Git handles and e-mails of those who commit match the demo's delivery telemetry
# (apps/demo/telemetry_demo.py), so its activity is theirs.
ENGINEERS = [
    (
        "bangalore",
        "Arjun Mehta",
        "arjun.mehta@bangaloredigital.example",
        "arjun-bdw",
        "Architect",
        "principal",
        "Bengaluru",
        D("4.5"),
    ),
    (
        "bangalore",
        "Aarav Sharma",
        "aarav.sharma@bangaloredigital.example",
        "aarav-bdw",
        "Tech lead",
        "senior",
        "Bengaluru",
        D("4.5"),
    ),
    (
        "bangalore",
        "Kavya Iyer",
        "kavya.iyer@bangaloredigital.example",
        "kavya-bdw",
        "Lead platform engineer",
        "senior",
        "Bengaluru",
        D("4.5"),
    ),
    (
        "bangalore",
        "Meera Iyer",
        "meera.iyer@bangaloredigital.example",
        "meera-bdw",
        "Backend engineer",
        "mid",
        "Pune",
        D("4.5"),
    ),
    (
        "bangalore",
        "Rohan Gupta",
        "rohan.gupta@bangaloredigital.example",
        "rohan-bdw",
        "Backend engineer",
        "mid",
        "Bengaluru",
        D("4.5"),
    ),
    (
        "bangalore",
        "Nikhil Verma",
        "nikhil.verma@bangaloredigital.example",
        "nikhil-bdw",
        "QA engineer",
        "junior",
        "Pune",
        D("4.5"),
    ),
    (
        "bangalore",
        "Ishaan Patel",
        "ishaan.patel@bangaloredigital.example",
        "ishaan-bdw",
        "Platform engineer",
        "junior",
        "Bengaluru",
        D("4.5"),
    ),
    (
        "vistula",
        "Piotr Nowak",
        "piotr.nowak@vistulasoftware.example",
        "piotr-vsh",
        "Tech lead",
        "senior",
        "Kraków",
        D("7"),
    ),
    (
        "vistula",
        "Anna Kowalska",
        "anna.kowalska@vistulasoftware.example",
        "anna-vsh",
        "Frontend engineer",
        "senior",
        "Kraków",
        D("7"),
    ),
    (
        "vistula",
        "Tomasz Wójcik",
        "tomasz.wojcik@vistulasoftware.example",
        "tomasz-vsh",
        "Frontend engineer",
        "mid",
        "Wrocław",
        D("7"),
    ),
    ("vistula", "Ewa Mazur", "ewa.mazur@vistulasoftware.example", "ewa-vsh", "QA engineer", "mid", "Kraków", D("7")),
    (
        "vistula",
        "Michał Kamiński",
        "michal.kaminski@vistulasoftware.example",
        "michal-vsh",
        "Tech lead",
        "senior",
        "Warsaw",
        D("7"),
    ),
]

# What each statement of work promised: contract key → headcount per seniority band.
STAFFING_PLANS = {
    "bdw_sow1": {"principal": D("1"), "senior": D("2"), "mid": D("2"), "junior": D("1")},
    "vsh_pod": {"senior": D("2"), "mid": D("2")},
}

# Assignments: contract key, engineer name, role, allocation %, first day and last day (days from today,
# None: ongoing; "last month" days count from the first of last month), key person. On platform
# modernisation the senior key person Kavya Iyer left on the 12th of last month and a junior engineer
# took her role the next day, with no substitution asked for: the roster job finds the unapproved swap,
# her live AWS production access and the team's seniority drift (1.96 against the plan's 2.50), and last
# month's retention (5 of 6 stayed: 83.3 %) breaches the 90 % SLA term. On the Vistula pod, Tomasz Wójcik's replacement was approved; Kasia Wojcik commits to
# its repository but is on no assignment (an unlisted contributor).
ASSIGNMENTS: list[tuple[str, str, str, int, int | str, int | str | None, bool]] = [
    ("bdw_sow1", "Arjun Mehta", "Architect", 40, -380, None, False),
    ("bdw_sow1", "Aarav Sharma", "Tech lead", 100, -380, None, True),
    ("bdw_sow1", "Kavya Iyer", "Lead platform engineer", 100, -380, "last month+11", True),
    ("bdw_sow1", "Meera Iyer", "Backend engineer", 100, -300, None, False),
    ("bdw_sow1", "Rohan Gupta", "Backend engineer", 100, -250, None, False),
    ("bdw_sow1", "Nikhil Verma", "QA engineer", 100, -200, None, False),
    ("bdw_sow1", "Ishaan Patel", "Lead platform engineer", 100, "last month+12", None, False),
    ("vsh_pod", "Piotr Nowak", "Tech lead", 100, -285, None, True),
    ("vsh_pod", "Tomasz Wójcik", "Frontend engineer", 100, -285, None, False),
    ("vsh_pod", "Ewa Mazur", "QA engineer", 100, -250, None, False),
]

# Substitutions: contract key, leaver, joiner, reason, joiner's first day (days from today), overlap days,
# decision ("approved", or None: waiting for the engineering owner).
SUBSTITUTIONS = [
    (
        "vsh_pod",
        "Tomasz Wójcik",
        "Anna Kowalska",
        "Tomasz moves to another client; Anna knows our stack.",
        -60,
        5,
        "approved",
    ),
    (
        "vsh_pod",
        "Piotr Nowak",
        "Michał Kamiński",
        "Piotr takes parental leave for six months; Michał led the pod's first release.",
        21,
        10,
        None,
    ),
]

# Access grants (ACCESS_GRANTS, by vendor and person) that belong to an engineer on the roster.
ACCESS_GRANT_ENGINEERS = [("bangalore", "Arjun Mehta"), ("bangalore", "Kavya Iyer"), ("vistula", "Piotr Nowak")]


# -- the total cost of ownership (apps.costs) --------------------------------------------------------
# TCO_STORY: two vendors do the same work — regression testing and test automation on our release train.
# Saigon Quality Engineering bills about 25 USD an hour, Tallinn Test Lab about 59 EUR: on the invoices
# Saigon is the cheap one, and per story point delivered too. But Saigon's escaped defects (its defect
# rate's numerators, ~13 a month) cost our engineers six hours each to fix, its misses need a monthly
# escalation review with three of us for two and a half hours, and its owners log hours every week to
# chase it; Tallinn needs a quarterly one-hour review and little else. Counted in full (the ledger), each
# point Saigon delivers costs more than one of Tallinn's (docs/governance/demo-data.md, rule 7).

# What a week's delay of one milestone costs us (reporting currency): contract key → amount.
COST_OF_DELAY_PER_WEEK = {"sqe_regression": D("2000")}

# Monthly invoices for the last 12 closed months of a contract's term, in the contract's currency:
# contract key → (invoice number prefix, billed lines (role, seniority band, hours, hourly rate)).
# The last two months' are approved, the earlier ones paid.
INVOICE_PLANS: dict[str, tuple[str, list[tuple[str, str, D, D]]]] = {
    "sqe_regression": (
        "SQE",
        [
            ("QA engineer", "junior", D("320"), D("22")),
            ("QA automation engineer", "mid", D("160"), D("27")),
            ("Test lead", "senior", D("80"), D("34")),
        ],
    ),
    "ttl_automation": (
        "TTL",
        [
            ("QA automation engineer", "mid", D("320"), D("55")),
            ("Test architect", "senior", D("160"), D("68")),
        ],
    ),
}

# Reviews the management load counts: vendor key, days from today it was held, duration (hours), our
# attendees (usernames), delivery quality, decisions.
COST_REVIEWS: list[tuple[str, int, D, tuple[str, ...], int, str]] = [
    *(
        (
            "saigon",
            -40 - 30 * n,
            D("2.5"),
            ("manager", "delivery", "security"),
            2 + n % 2,
            "Escalation: escaped regressions again; Saigon to add a test lead review of every suite change.",
        )
        for n in range(11)
    ),
    *(
        ("tallinn", -45 - 90 * n, D("1"), ("manager",), 5, "Quarterly check-in: on plan, nothing to escalate.")
        for n in range(4)
    ),
]

# Hours the vendor's named owners log each week on a contract, beyond the standing overhead:
# contract key, username, hours a week, every n-th week, note.
OWNER_HOURS: list[tuple[str, str, D, int, str]] = [
    ("sqe_regression", "manager", D("4.5"), 1, "Triage of escaped regressions with Saigon's test lead."),
    ("sqe_regression", "delivery", D("3"), 1, "Release re-planning after failed regression runs."),
    ("ttl_automation", "manager", D("1"), 2, "Suite review with Tallinn's test architect."),
]
