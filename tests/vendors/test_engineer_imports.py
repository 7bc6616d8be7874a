"""The "engineers" import register (natural key: vendor and work e-mail, else vendor and name) and the access
grants register's ``engineer_email``, through the one import engine."""

from __future__ import annotations

import io
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from openpyxl import load_workbook

from apps.accounts.choices import Role
from apps.core.importing import import_register
from apps.performance import imports as engine
from apps.vendors import services
from apps.vendors.models import AccessGrant, Engineer
from tests.factories import EngineerFactory, UserFactory, VendorFactory

# The register helpers (rows, check, write) are the vendors' import tests' own.
from tests.vendors.test_imports import check, write

pytestmark = pytest.mark.django_db

HEADER = "vendor,name,email,role,seniority,git_handle,tracker_handle,location,overlap_hours"


def run_file(content: str, *, actor: Any, register: str = "engineers") -> Any:
    job = engine.import_job_create(actor=actor, file_name="team.csv", content=content.encode(), register=register)
    engine.import_job_start(instance=job, actor=actor, enqueue=False)
    engine.import_job_run(import_id=job.pk)
    job.refresh_from_db()
    return job


@pytest.fixture
def acme() -> Any:
    return VendorFactory(name="Acme Software")


@pytest.fixture
def buyer(user_with_role: Any) -> Any:
    return user_with_role(Role.PROCUREMENT)


def test_preview_then_import_then_reimport_updates_never_duplicates(acme: Any, buyer: Any) -> None:
    content = (
        f"{HEADER}\n"
        "Acme Software,Anna Nowak,anna@acme.example,Tech lead,senior,anowak,anna,Kraków,6\n"
        "acme software,Jan Kowalski,,QA,Junior,,,Gdańsk,\n"
        "Acme Software,Bad Band,bad@acme.example,,guru,,,,\n"
        "Nowhere Ltd,Lost Soul,lost@x.example,,mid,,,,\n"
    )
    _rows, preview = engine.import_preview("engineers", content.encode(), actor=buyer)
    assert (preview.total_rows, preview.valid_rows) == (4, 2)
    errors = {entry["row"]: entry for entry in preview.errors}
    assert set(errors) == {4, 5}
    assert "seniority" in str(errors[4]) and "No vendor named" in str(errors[5])
    assert Engineer.objects.count() == 0  # a preview writes nothing

    job = run_file(content, actor=buyer)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (2, 0, 0)
    anna = Engineer.objects.get(email="anna@acme.example")
    assert (anna.vendor, anna.seniority, str(anna.overlap_hours), anna.location) == (acme, "senior", "6.0", "Kraków")

    # Again, with a new name for Anna (found by her e-mail) and Jan's new e-mail (found by his name).
    again = (
        f"{HEADER}\n"
        "Acme Software,Anna Nowak-Lis,ANNA@acme.example,Tech lead,senior,anowak,anna,Kraków,6\n"
        "Acme Software,Jan Kowalski,jan@acme.example,QA,junior,,,Gdańsk,\n"
    )
    job = run_file(again, actor=buyer)
    assert (job.created_count, job.updated_count) == (0, 2)
    assert Engineer.objects.count() == 2
    assert Engineer.objects.get(pk=anna.pk).name == "Anna Nowak-Lis"
    assert Engineer.objects.get(name="Jan Kowalski").email == "jan@acme.example"
    job = run_file(again, actor=buyer)
    assert (job.created_count, job.updated_count, job.unchanged_count) == (0, 0, 2)


def test_a_row_without_email_is_the_vendors_engineer_of_that_name(acme: Any) -> None:
    engineer = EngineerFactory(vendor=acme, name="Ewa Lis", email="ewa@acme.example", seniority="mid")
    assert write("engineers", {"vendor": "Acme Software", "name": "EWA LIS", "seniority": "senior"}) == "updated"
    engineer.refresh_from_db()
    assert (engineer.seniority, engineer.email, engineer.name) == ("senior", "ewa@acme.example", "Ewa Lis")
    EngineerFactory(vendor=acme, name="Ewa Lis", email="ewa2@acme.example")
    [twice] = check("engineers", {"vendor": "Acme Software", "name": "Ewa Lis", "seniority": "mid"})
    assert "several engineers named" in str(twice.errors)


def test_rows_repeating_a_key_and_new_rows_without_a_band_are_refused(acme: Any) -> None:
    first, repeated, no_band = check(
        "engineers",
        {"vendor": "Acme Software", "name": "A", "email": "a@acme.example", "seniority": "mid"},
        {"vendor": "acme software", "name": "A again", "email": "A@ACME.example", "seniority": "mid"},
        {"vendor": "Acme Software", "name": "B", "email": "b@acme.example"},
    )
    assert first.valid
    assert "Same vendor and work e-mail" in str(repeated.errors)
    assert no_band.errors == {"seniority": ["Required for a new vendor engineer."]}


def test_an_anonymised_engineer_is_not_imported_over(acme: Any) -> None:
    engineer = services.engineer_anonymise(engineer=EngineerFactory(vendor=acme))
    [row] = check("engineers", {"vendor": "Acme Software", "name": engineer.name, "seniority": "mid"})
    assert "anonymised" in str(row.errors)


def test_who_may_import_engineers(acme: Any, user_with_role: Any) -> None:
    register = import_register("engineers")
    assert register is not None
    owner = UserFactory(username="dlv", role=Role.ENGINEERING_MANAGER)
    VendorFactory(name="Own Vendor", delivery_owner=owner)
    assert register.may_import(user_with_role(Role.PROCUREMENT)) and register.may_import(owner)
    assert not register.may_import(user_with_role(Role.EXECUTIVE))
    assert not register.may_import(user_with_role(Role.ENGINEERING_MANAGER))
    mine, theirs = check(
        "engineers",
        {"vendor": "Own Vendor", "name": "Mine", "seniority": "mid"},
        {"vendor": "Acme Software", "name": "Theirs", "seniority": "mid"},
        actor=owner,
    )
    assert mine.valid
    assert "delivery owner of Acme Software" in str(theirs.errors["vendor"])


def test_the_template_downloads(buyer: Any) -> None:
    client = Client()
    client.force_login(buyer)
    csv_template = client.get(reverse("imports:template", args=["engineers", "csv"]))
    assert csv_template.status_code == 200
    assert csv_template.content.decode("utf-8-sig").splitlines()[0].startswith("vendor,name,email,role,seniority")
    book = load_workbook(io.BytesIO(client.get(reverse("imports:template", args=["engineers", "xlsx"])).content))
    assert book.sheetnames[0] == "Engineers"


# -- access grants name the engineer by work e-mail ---------------------------------------------------------
GRANT = {
    "vendor": "Acme Software",
    "person": "Anna Nowak",
    "system": "GitHub",
    "account_name": "anowak-acme",
    "privilege": "write",
    "granted_on": "2026-01-05",
}


def test_a_grant_row_links_the_engineer_by_work_email(acme: Any) -> None:
    anna = EngineerFactory(vendor=acme, email="anna@acme.example")
    EngineerFactory(email="bob@other.example")  # another vendor's
    assert write("access_grants", {**GRANT, "engineer_email": "ANNA@acme.example"}) == "created"
    assert AccessGrant.objects.get().engineer == anna
    [unknown] = check("access_grants", {**GRANT, "account_name": "x", "engineer_email": "nobody@acme.example"})
    assert "No engineer with the work e-mail" in unknown.errors["engineer_email"][0]
    [elsewhere] = check("access_grants", {**GRANT, "account_name": "y", "engineer_email": "bob@other.example"})
    assert "engineer_email" in elsewhere.errors
    # An engineer the same workbook's engineers sheet creates is fine at check time.
    planned = {"engineers": {("acme software", "email", "new@acme.example")}}
    [later] = check(
        "access_grants", {**GRANT, "account_name": "z", "engineer_email": "new@acme.example"}, planned=planned
    )
    assert later.valid, later.errors
