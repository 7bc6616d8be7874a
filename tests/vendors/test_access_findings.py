"""Access findings: the rule table, the SQL and the Python reading of each rule agreeing on it, the
API's ``findings`` field and filters, the access tab and list, and the per-vendor counts."""

from __future__ import annotations

from collections.abc import Callable
from datetime import date, timedelta
from typing import Any

import pytest
from django.db import IntegrityError
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.vendors import findings, selectors
from apps.vendors.models import AccessGrant
from tests.factories import AccessGrantFactory, VendorFactory

pytestmark = pytest.mark.django_db

AS_OF = date(2026, 11, 23)
DAY = timedelta(days=1)
GRANTED = AS_OF - timedelta(days=90)

# (what, grant fields, vendor status, the expected finding codes worst first)
CASES: list[tuple[str, dict[str, Any], str, list[str]]] = [
    ("named write, MFA, no expiry", {"privilege": "write"}, "active", []),
    ("named read, shared is fine for read", {"privilege": "read", "named_account": False}, "active", []),
    ("shared write", {"privilege": "write", "named_account": False}, "active", ["shared_privileged"]),
    (
        "shared admin, no MFA, no expiry (the case that showed nothing)",
        {"privilege": "admin", "named_account": False, "mfa_enabled": False},
        "active",
        ["shared_privileged", "no_mfa", "no_expiry"],
    ),
    ("named admin, MFA, expiring later", {"privilege": "admin", "expires_on": AS_OF + DAY}, "active", []),
    ("named admin, no expiry", {"privilege": "admin"}, "active", ["no_expiry"]),
    ("named production, no expiry", {"privilege": "production"}, "active", ["no_expiry"]),
    (
        "production without MFA",
        {"privilege": "production", "mfa_enabled": False, "expires_on": AS_OF + DAY},
        "active",
        ["no_mfa"],
    ),
    ("write without MFA is not a finding", {"privilege": "write", "mfa_enabled": False}, "active", []),
    ("expires today: still valid", {"expires_on": AS_OF}, "active", []),
    ("past expiry", {"expires_on": AS_OF - DAY}, "active", ["expired"]),
    ("past expiry, revoked", {"expires_on": AS_OF - DAY, "revoked_on": AS_OF - DAY}, "active", []),
    ("past expiry, revoked today", {"expires_on": AS_OF - DAY, "revoked_on": AS_OF}, "active", []),
    ("past expiry, revocation to come", {"expires_on": AS_OF - DAY, "revoked_on": AS_OF + DAY}, "active", ["expired"]),
    ("offboarding vendor", {}, "offboarding", ["vendor_leaving"]),
    ("exited vendor", {}, "exited", ["vendor_leaving"]),
    ("exited vendor, revoked", {"revoked_on": AS_OF - DAY}, "exited", []),
    ("pilot vendor", {}, "pilot", []),
    (
        "shared admin of an exited vendor, past expiry",
        {"privilege": "admin", "named_account": False, "expires_on": AS_OF - DAY},
        "exited",
        ["shared_privileged", "expired", "vendor_leaving"],
    ),
    (
        "revoked shared admin without MFA",
        {"privilege": "admin", "named_account": False, "mfa_enabled": False, "revoked_on": AS_OF},
        "active",
        [],
    ),
]


def _grant(fields: dict[str, Any], vendor_status: str) -> AccessGrant:
    return AccessGrantFactory(vendor=VendorFactory(status=vendor_status), granted_on=GRANTED, **fields)


def test_each_rule_has_a_code_a_sentence_and_a_severity() -> None:
    assert [(r.code, r.severity) for r in findings.RULES] == [
        ("shared_privileged", "high"),
        ("no_mfa", "high"),
        ("no_expiry", "medium"),
        ("expired", "high"),
        ("vendor_leaving", "high"),
    ]
    assert all(r.finding.message.endswith(".") and r.finding.label for r in findings.RULES)


@pytest.mark.parametrize(("what", "fields", "vendor_status", "expected"), CASES, ids=[c[0] for c in CASES])
def test_sql_and_python_agree_on_the_rule_table(
    what: str, fields: dict[str, Any], vendor_status: str, expected: list[str]
) -> None:
    grant = _grant(fields, vendor_status)
    AccessGrantFactory(granted_on=GRANTED)  # a clean grant of another vendor

    # SQL: each rule's condition, the annotations, and the "any finding" filter.
    in_sql = [
        r.code
        for r in findings.RULES
        if AccessGrant.objects.filter(findings.rule_condition(r.code, AS_OF), pk=grant.pk).exists()
    ]
    annotated = selectors.access_grant_list(as_of=AS_OF).get(pk=grant.pk)
    # Python: the rules read from the row itself.
    in_python = [f.code for f in findings.grant_findings(AccessGrant.objects.get(pk=grant.pk), as_of=AS_OF)]

    def worst_first(codes: list[str]) -> list[str]:
        return sorted(codes, key=lambda c: -findings.SEVERITY_RANK[findings.RULES_BY_CODE[c].severity])

    assert worst_first(in_sql) == worst_first(in_python) == expected
    assert selectors.access_grant_finding_names(annotated) == expected
    assert selectors.access_grant_finding_names(AccessGrant.objects.get(pk=grant.pk), as_of=AS_OF) == expected
    assert annotated.finding_count == len(expected)
    assert annotated.finding_severity == findings.worst_severity(findings.grant_findings(annotated, as_of=AS_OF))
    assert list(selectors.access_grant_findings(as_of=AS_OF)) == ([grant] if expected else [])


def test_shared_production_is_still_refused_by_the_database() -> None:
    with pytest.raises(IntegrityError):
        AccessGrantFactory(privilege="production", named_account=False)


def test_findings_per_vendor_counts_each_finding_by_severity_in_one_query(
    django_assert_num_queries: Callable[..., Any],
) -> None:
    worrying = VendorFactory()
    _ = _grant({"privilege": "admin", "named_account": False, "mfa_enabled": False}, "active")  # another vendor
    AccessGrantFactory(vendor=worrying, granted_on=GRANTED, privilege="admin", named_account=False)  # 1 high, 1 medium
    AccessGrantFactory(vendor=worrying, granted_on=GRANTED, privilege="production", expires_on=AS_OF + DAY)  # none
    AccessGrantFactory(vendor=worrying, granted_on=GRANTED, expires_on=AS_OF - DAY)  # 1 high
    leaving = VendorFactory(status="offboarding")
    AccessGrantFactory(vendor=leaving, granted_on=GRANTED, privilege="read")  # 1 high
    clean = VendorFactory()
    AccessGrantFactory(vendor=clean, granted_on=GRANTED)

    with django_assert_num_queries(1):
        counts = selectors.access_findings_per_vendor(vendor_ids=[worrying.pk, leaving.pk, clean.pk], today=AS_OF)
    assert counts == {worrying.pk: {"high": 2, "medium": 1}, leaving.pk: {"high": 1, "medium": 0}}
    assert len(selectors.access_findings_per_vendor(today=AS_OF)) == 3


# -- the API ------------------------------------------------------------------------------------------
def test_api_lists_findings_with_code_severity_and_message(api_client_for: Callable[[str], APIClient]) -> None:
    today = date.today()
    shared_admin = AccessGrantFactory(
        granted_on=today - timedelta(days=10), privilege="admin", named_account=False, mfa_enabled=False
    )
    fine = AccessGrantFactory(granted_on=today - timedelta(days=10))
    client = api_client_for(Role.SECURITY)

    body = client.get(f"/api/v1/access-grants/{shared_admin.pk}/").json()
    rule = findings.RULES_BY_CODE
    assert body["findings"] == [
        {"code": "shared_privileged", "severity": "high", "message": rule["shared_privileged"].finding.message},
        {"code": "no_mfa", "severity": "high", "message": rule["no_mfa"].finding.message},
        {"code": "no_expiry", "severity": "medium", "message": rule["no_expiry"].finding.message},
    ]
    listed = {row["id"]: row["findings"] for row in client.get("/api/v1/access-grants/").json()["results"]}
    assert listed[fine.pk] == [] and len(listed[shared_admin.pk]) == 3

    # The field is computed: writing it changes nothing.
    response = client.patch(f"/api/v1/access-grants/{fine.pk}/", {"findings": []}, format="json")
    assert response.status_code == 200 and response.json()["findings"] == []


def test_api_filters_by_finding_and_severity(api_client_for: Callable[[str], APIClient]) -> None:
    today = date.today()
    granted = today - timedelta(days=10)
    no_mfa = AccessGrantFactory(granted_on=granted, privilege="production", mfa_enabled=False, expires_on=today)
    no_expiry = AccessGrantFactory(granted_on=granted, privilege="admin")
    AccessGrantFactory(granted_on=granted)
    client = api_client_for(Role.SECURITY)

    def ids(query: str) -> set[int]:
        response = client.get(f"/api/v1/access-grants/?{query}")
        assert response.status_code == 200, response.content
        return {row["id"] for row in response.json()["results"]}

    assert ids("finding=no_mfa") == {no_mfa.pk}
    assert ids("finding=no_mfa&finding=no_expiry") == {no_mfa.pk, no_expiry.pk}
    assert ids("severity=high") == {no_mfa.pk}
    assert ids("severity=medium") == {no_expiry.pk}
    assert ids("has_findings=true") == {no_mfa.pk, no_expiry.pk}
    assert client.get("/api/v1/access-grants/?finding=bogus").status_code == 400
    assert client.get("/api/v1/access-grants/?severity=low").status_code == 400


# -- the pages ----------------------------------------------------------------------------------------
@pytest.fixture
def client(user_with_role: Callable[[str], Any]) -> Client:
    client = Client()
    client.force_login(user_with_role(Role.SECURITY))
    return client


def test_access_tab_shows_each_finding_with_its_severity_worst_grants_first(client: Client) -> None:
    vendor = VendorFactory()
    today = date.today()
    clean = AccessGrantFactory(vendor=vendor, system="Aardvark", granted_on=today - timedelta(days=3))
    medium = AccessGrantFactory(vendor=vendor, system="Bison", privilege="admin", granted_on=today - timedelta(days=3))
    high = AccessGrantFactory(
        vendor=vendor,
        system="Cobra",
        privilege="admin",
        named_account=False,
        mfa_enabled=False,
        granted_on=today - timedelta(days=3),
    )
    html = client.get(reverse("vendors:vendor-tab", args=[vendor.pk, "access"])).content.decode()

    order = [html.index(f'data-grant="{grant.pk}"') for grant in (high, medium, clean)]
    assert order == sorted(order)
    for code in ("shared_privileged", "no_mfa", "no_expiry"):
        assert f'data-finding-code="{code}"' in html
    assert "Shared account, privileged (high)" in html and "No expiry (medium)" in html
    assert f'data-grant="{high.pk}" data-severity="high"' in html
    assert f'data-grant="{medium.pk}" data-severity="medium"' in html


def test_access_list_filters_by_finding_and_severity_and_exports_them(client: Client) -> None:
    today = date.today()
    high = AccessGrantFactory(granted_on=today - timedelta(days=3), expires_on=today - DAY)
    medium = AccessGrantFactory(granted_on=today - timedelta(days=3), privilege="production")
    AccessGrantFactory(granted_on=today - timedelta(days=3))
    url = reverse("vendors:access-list")

    def listed(**params: Any) -> list[int]:
        return [g.pk for g in client.get(url, params).context["object_list"]]

    assert listed(severity="high") == [high.pk]
    assert listed(severity="medium") == [medium.pk]
    assert listed(finding="expired") == [high.pk]
    assert listed(has_findings="true", sort="findings") == [high.pk, medium.pk]
    page = client.get(url, {"has_findings": "true"}).content.decode()
    assert "Past expiry (high)" in page and "No expiry (medium)" in page
    response = client.get(url, {"severity": "high", "export": "csv"})
    exported = b"".join(response.streaming_content).decode()
    header, *rows = exported.strip().splitlines()
    assert "Severity" in header and "Findings" in header
    assert len(rows) == 1 and "high" in rows[0] and "expired" in rows[0]
