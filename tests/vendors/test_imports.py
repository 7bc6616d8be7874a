"""The vendor import registers (apps.vendors.imports): vendors with owners, vetting assessments,
certifications, risks, access grants and service reviews."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from apps.core.importing import ImportContext, import_register
from apps.vendors.models import AccessGrant, Certification, ServiceReview, Vendor, VendorRisk, VettingAssessment
from tests.factories import CertificationFactory, UserFactory, VendorFactory, VendorRiskFactory

pytestmark = pytest.mark.django_db


def rows(key: str, *given: dict[str, str]) -> list[dict[str, Any]]:
    register = import_register(key)
    assert register is not None
    return [{"row": n, **dict.fromkeys(register.column_names, ""), **row} for n, row in enumerate(given, start=2)]


def check(key: str, *given: dict[str, str], actor: Any = None, planned: Any = None) -> list[Any]:
    register = import_register(key)
    assert register is not None
    return register.check(rows(key, *given), context=ImportContext(actor=actor, planned=planned or {}))


def write(key: str, row: dict[str, str], actor: Any = None) -> str:
    register = import_register(key)
    assert register is not None
    [checked] = register.check(rows(key, row), context=ImportContext(actor=actor))
    assert checked.valid, checked.errors
    [outcome] = register.write_chunk([checked.data], actor=actor)
    assert outcome.outcome, outcome.errors
    return outcome.outcome


@pytest.fixture
def owners() -> dict[str, str]:
    UserFactory(username="eng", email="eng@example.com")
    UserFactory(username="dlv", email="Delivery.Lead@example.com")
    UserFactory(username="sec", email="sec@example.com")
    return {"engineering_owner": "ENG", "delivery_owner": "delivery.lead@EXAMPLE.com", "security_contact": "sec"}


VENDOR = {
    "name": "Kraków Software",
    "country": "Poland",
    "geography": "Nearshore",
    "timezone_overlap_hours": "6",
    "tier": "tier_2",
    "rate_min": "45",
    "rate_max": "80",
    "currency": "eur",
}


# -- vendors ------------------------------------------------------------------------------------------
def test_a_vendor_row_reads_owners_by_username_or_email(owners: dict[str, str]) -> None:
    assert write("vendors", {**VENDOR, **owners, "status": "active"}) == "created"
    vendor = Vendor.objects.get(name="Kraków Software")
    assert (vendor.country.code, vendor.geography, vendor.currency, vendor.status) == (
        "PL",
        "nearshore",
        "EUR",
        "active",
    )
    assert (vendor.engineering_owner.username, vendor.delivery_owner.username) == ("eng", "dlv")
    assert write("vendors", {**VENDOR, **owners}) == "unchanged"
    assert write("vendors", {"name": "KRAKÓW software", "rate_max": "90"}) == "updated"
    vendor.refresh_from_db()
    assert (vendor.name, str(vendor.rate_max)) == ("Kraków Software", "90.00")


@pytest.mark.parametrize(
    ("column", "cell", "message"),
    [
        ("country", "Atlantis", "is not a country"),
        ("geography", "moon", "is not one of"),
        ("timezone_overlap_hours", "6,5", "Use a decimal point (1234.5)"),
        ("timezone_overlap_hours", "30", "less than or equal to 24"),
        ("currency", "EU", "ISO-4217"),
        ("rate_min", "100", "minimum hourly rate cannot be above the maximum"),
        ("website", "not a url", "valid URL"),
        ("engineering_owner", "nobody", "No active person with username or e-mail “nobody”."),
    ],
)
def test_each_bad_vendor_cell_is_reported_on_its_column(column: str, cell: str, message: str) -> None:
    [checked] = check("vendors", {**VENDOR, column: cell})
    assert message in " ".join(checked.errors[column]), checked.errors


def test_a_decimal_comma_is_read_in_a_semicolon_separated_file() -> None:
    register = import_register("vendors")
    assert register is not None
    [row] = rows("vendors", {**VENDOR, "timezone_overlap_hours": "6,5"})
    semicolon_row: dict[str, Any] = {**row, "decimal_comma": True}
    [checked] = register.check([semicolon_row], context=ImportContext())
    assert checked.valid and checked.data["timezone_overlap_hours"] == "6.5"


def test_a_new_active_vendor_needs_its_owners() -> None:
    [checked] = check("vendors", {**VENDOR, "status": "active"})
    assert "needs its three named owners" in checked.errors["engineering_owner"][0]


def test_the_status_of_a_known_vendor_changes_only_through_its_lifecycle() -> None:
    VendorFactory(name="Kraków Software", status="prospect")
    [checked] = check("vendors", {**VENDOR, "status": "active"})
    assert "lifecycle transition" in checked.errors["status"][0]
    [same] = check("vendors", {**VENDOR, "status": "prospect"})
    assert same.valid


def test_vendor_permissions(user_with_role: Callable[[str], Any]) -> None:
    register = import_register("vendors")
    assert register is not None
    assert register.may_import(user_with_role("procurement"))
    assert not register.may_import(user_with_role("security"))
    [checked] = check("vendors", VENDOR, actor=user_with_role("security"))
    assert checked.errors["detail"] == ["You may not create a new vendor."]


def test_vendor_check_queries_do_not_grow_with_rows(owners: dict[str, str], django_assert_max_num_queries: Any) -> None:
    many = [{**VENDOR, **owners, "name": f"Vendor {n}"} for n in range(50)]
    with django_assert_max_num_queries(2):  # the vendors by name, the people
        checks = check("vendors", *many)
    assert all(row.valid for row in checks)


# -- the records kept about a vendor ----------------------------------------------------------------------
VETTING = {
    "vendor": "Kraków Software",
    "assessed_on": "2026-01-15",
    "assessor": "eng",
    "delivery_maturity": "4",
    "retention_stability": "3",
    "security_posture": "4",
    "technical_depth": "4",
    "escalation_model": "3",
    "communication": "4",
    "flag_fast_yes": "yes",
    "flag_fast_yes_note": "Asked again.",
    "verdict": "approve",
}
CERTIFICATION = {
    "vendor": "Kraków Software",
    "kind": "ISO 27001",
    "issued_on": "2025-06-01",
    "expires_on": "2028-05-31",
}
RISK = {
    "vendor": "Kraków Software",
    "title": "Key person",
    "category": "knowledge_loss",
    "likelihood": "3",
    "impact": "4",
}
GRANT = {
    "vendor": "Kraków Software",
    "person": "Jan Kowalski",
    "system": "GitHub",
    "account_name": "jk-acme",
    "privilege": "write",
    "granted_on": "2026-01-05",
}
REVIEW = {
    "vendor": "Kraków Software",
    "scheduled_for": "2026-02-10",
    "attendees": "eng; dlv",
    "vendor_attendees": "Anna; Piotr",
}
RECORDS = [
    ("vetting_assessments", VETTING, VettingAssessment, "communication", "5"),
    ("certifications", CERTIFICATION, Certification, "expires_on", "2028-06-30"),
    ("risks", RISK, VendorRisk, "impact", "5"),
    ("access_grants", GRANT, AccessGrant, "revoked_on", "2026-03-01"),
    ("service_reviews", REVIEW, ServiceReview, "delivery_quality", "4"),
]


@pytest.mark.parametrize(("key", "good", "model", "column", "cell"), RECORDS)
def test_a_vendor_record_is_created_then_unchanged_then_updated(
    owners: dict[str, str], key: str, good: dict[str, str], model: Any, column: str, cell: str
) -> None:
    VendorFactory(name="Kraków Software")
    assert write(key, good) == "created"
    assert write(key, {**good, "vendor": "kraków SOFTWARE"}) == "unchanged"
    assert write(key, {**good, column: cell}) == "updated"
    assert model.objects.count() == 1
    record = model.objects.get()
    assert str(getattr(record, column)) == cell


@pytest.mark.parametrize(("key", "good", "model", "column", "cell"), RECORDS)
def test_a_vendor_record_names_a_known_or_planned_vendor(
    owners: dict[str, str], key: str, good: dict[str, str], model: Any, column: str, cell: str
) -> None:
    [unknown] = check(key, good)
    assert unknown.errors["vendor"] == ["No vendor named “Kraków Software”."]
    [planned] = check(key, good, planned={"vendors": {("kraków software",)}})
    assert planned.valid, planned.errors


@pytest.mark.parametrize(
    ("key", "good", "column", "cell", "message"),
    [
        ("vetting_assessments", VETTING, "security_posture", "0", "greater than or equal to 1"),
        ("vetting_assessments", VETTING, "verdict", "maybe", "is not one of"),
        ("vetting_assessments", VETTING, "assessor", "ghost", "No active person"),
        ("certifications", CERTIFICATION, "expires_on", "2025-01-01", "must expire after it was issued"),
        ("certifications", {**CERTIFICATION, "kind": "other"}, "kind", "other", "Name the certification"),
        ("risks", RISK, "likelihood", "7", "less than or equal to 5"),
        ("access_grants", {**GRANT, "privilege": "production"}, "named_account", "no", "never gets production"),
        ("access_grants", GRANT, "expires_on", "2025-01-01", "cannot expire before it is granted"),
        ("service_reviews", REVIEW, "status", "held", "needs the date it was held"),
        ("service_reviews", REVIEW, "attendees", "eng; ghost", "No active person with username or e-mail “ghost”."),
    ],
)
def test_each_bad_record_cell_is_reported_on_its_column(
    owners: dict[str, str], key: str, good: dict[str, str], column: str, cell: str, message: str
) -> None:
    VendorFactory(name="Kraków Software")
    [checked] = check(key, {**good, column: cell})
    assert message in " ".join(checked.errors.get(column, [])), checked.errors


def test_a_repeated_certification_key_refers_to_the_earlier_row() -> None:
    VendorFactory(name="Kraków Software")
    first, second = check("certifications", CERTIFICATION, {**CERTIFICATION, "kind": "iso27001"})
    assert first.valid
    assert second.errors["detail"] == ["Same vendor, kind, name and issue date as row 2: only that row is imported."]


def test_a_certification_with_another_issue_date_is_another_certificate() -> None:
    vendor = VendorFactory(name="Kraków Software")
    CertificationFactory(vendor=vendor, kind="iso27001")
    assert write("certifications", CERTIFICATION) == "created"
    assert vendor.certifications.count() == 2


def test_service_reviews_of_vendors_a_manager_does_not_own_are_refused(
    owners: dict[str, str], user_with_role: Callable[[str], Any]
) -> None:
    manager = user_with_role("engineering_manager")
    VendorFactory(name="Kraków Software")
    VendorFactory(name="Mine", engineering_owner=manager)
    theirs, mine = check("service_reviews", REVIEW, {**REVIEW, "vendor": "Mine"}, actor=manager)
    assert "Only the engineering or delivery owner of Kraków Software" in theirs.errors["vendor"][0]
    assert mine.valid, mine.errors


def test_security_imports_risks_but_not_vetting(user_with_role: Callable[[str], Any]) -> None:
    security = user_with_role("security")
    risks, vetting = import_register("risks"), import_register("vetting_assessments")
    assert risks is not None and vetting is not None
    assert risks.may_import(security)
    assert not vetting.may_import(security)


@pytest.mark.parametrize(("key", "good", "model", "column", "cell"), RECORDS)
def test_record_check_queries_do_not_grow_with_rows(
    owners: dict[str, str],
    django_assert_max_num_queries: Any,
    key: str,
    good: dict[str, str],
    model: Any,
    column: str,
    cell: str,
) -> None:
    for n in range(3):
        VendorFactory(name=f"Vendor {n}")
    many = [{**good, "vendor": f"Vendor {n % 3}", **({column: cell} if n else {})} for n in range(40)]
    # vendors by name, their records (+ attendees), the people; 4 at most whatever the rows
    with django_assert_max_num_queries(4):
        check(key, *many)


def test_several_records_on_one_key_are_ambiguous() -> None:
    vendor = VendorFactory(name="Kraków Software")
    VendorRiskFactory.create_batch(2, vendor=vendor, title="Key person")
    [checked] = check("risks", RISK)
    assert "several vendor risk records" in checked.errors["detail"][0]
