"""The workspace in a real browser: the procurement journey from a new vendor to an exported contract,
bad input refused in place, an engineering manager running a service review, and what each role is
offered in the navigation. Each test arranges its own world with the factories."""

from __future__ import annotations

from datetime import timedelta
from pathlib import Path

import pytest
from django.utils import timezone
from django.utils.formats import date_format
from playwright.sync_api import expect

from apps.contracts.models import Contract, ContractClause
from apps.kpis.models import KpiDefinition
from apps.performance.models import SlaTerm
from apps.vendors.models import ActionItem, ServiceReview, Vendor, VettingAssessment
from tests.factories import CertificationFactory, FunctionFactory, ServiceReviewFactory, UserFactory, VendorFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PASSWORD = "demo-pass-2026"
AREAS = ["Dashboard", "Functions", "Vendors", "Contracts", "Costs", "KPIs", "Reviews", "Risks", "Exceptions"]
# What the "+ New" menu offers each role (apps/accounts/roles.py decides; the menu only mirrors it).
NEW_MENU = {
    "executive": ["Function"],
    "procurement": ["Vendor", "Contract"],
    "engineering_manager": ["Service review", "KPI measurements"],
    "security": ["Risk"],
    "admin": ["Function", "Vendor", "Contract", "Service review", "Risk", "KPI measurements"],
}
VENDOR_EDITORS = {"procurement", "admin"}
SUBMIT = "form.form button.primary[type=submit]"


def sign_in(page, live_server, username: str) -> None:
    page.goto(f"{live_server.url}/accounts/login/")
    page.fill("#id_login", username)
    page.fill("#id_password", PASSWORD)
    page.click("form button[type=submit]")
    page.wait_for_url(f"{live_server.url}/")


def submit(page):
    """Submit the page's main form and return the response of the page it lands on."""
    with page.expect_navigation() as navigation:
        page.click(SUBMIT)
    return navigation.value


def fill_vendor_form(page, *, name: str, owners: tuple = (), **values: str) -> None:
    page.fill("#id_name", name)
    page.select_option("#id_country", values.get("country", "PL"))
    page.select_option("#id_geography", values.get("geography", "nearshore"))
    page.fill("#id_timezone_overlap_hours", values.get("timezone_overlap_hours", "6"))
    page.select_option("#id_tier", values.get("tier", "tier_2"))
    page.fill("#id_rate_min", values.get("rate_min", "40"))
    page.fill("#id_rate_max", values.get("rate_max", "70"))
    page.fill("#id_currency", values.get("currency", "EUR"))
    page.fill("#id_review_cadence_days", values.get("review_cadence_days", "14"))
    for field, person in zip(("engineering_owner", "delivery_owner", "security_contact"), owners, strict=False):
        page.select_option(f"#id_{field}", str(person.pk))
    if "description" in values:
        page.fill("#id_description", values["description"])


def fill_contract_form(page, *, title: str, vendor: Vendor, **values: str) -> None:
    page.fill("#id_title", title)
    page.select_option("#id_vendor", str(vendor.pk))
    page.select_option("#id_engagement_model", "managed_services")
    page.fill("#id_start_date", values.get("start_date", "2026-01-01"))
    page.fill("#id_end_date", values.get("end_date", "2027-12-31"))
    page.select_option("#id_renewal", "automatic")
    page.fill("#id_notice_days", "60")
    page.fill("#id_value", values.get("value", "240000"))
    page.fill("#id_currency", "EUR")
    if "text" in values:
        page.fill("#id_text", values["text"])


def console_errors(page, *expected_statuses: int) -> list[str]:
    """The console errors of the test, less Chromium's note on a page answered with an expected status."""
    notes = tuple(f"status of {status}" for status in expected_statuses)
    return [error for error in page.console_errors if not any(note in error for note in notes)]


def status_badge(page):
    return page.locator("h1 .badge")


# -- a. procurement, from a new vendor to an exported contract --------------------------------------------
def test_procurement_onboards_a_vendor_and_contracts_it(live_server, page) -> None:
    UserFactory(username="priya", first_name="Priya", last_name="Nair", role="procurement", password=PASSWORD)
    engineering = UserFactory(username="marco", first_name="Marco", last_name="Rossi", role="engineering_manager")
    delivery = UserFactory(username="dana", first_name="Dana", last_name="Lee", role="engineering_manager")
    security = UserFactory(username="sam", first_name="Sam", last_name="Okafor", role="security")
    function = FunctionFactory(name="Mobile apps")
    sign_in(page, live_server, "priya")

    # The vendor, through the form, with its three named owners.
    page.click("[data-menu=new] summary")
    page.click("[data-menu=new] a:has-text('Vendor')")
    page.wait_for_url(f"{live_server.url}/vendors/new/")
    fill_vendor_form(
        page, name="Northwind Engineering", owners=(engineering, delivery, security), description="Nearshore squad."
    )
    page.fill("#id_website", "northwind.example.com")
    assert submit(page).status == 200
    vendor = Vendor.objects.get(name="Northwind Engineering")
    assert page.url == f"{live_server.url}/vendors/{vendor.pk}/"
    expect(page.locator(".message.success")).to_contain_text("Created Northwind Engineering")
    expect(status_badge(page)).to_have_text("Prospect")
    assert vendor.website == "https://northwind.example.com"
    assert (vendor.engineering_owner, vendor.delivery_owner, vendor.security_contact) == (
        engineering,
        delivery,
        security,
    )

    # Vetting: six scores and a red flag; the Vetting tab shows the computed score (their mean).
    page.click("nav.tabs a[data-tab=vetting]")
    expect(page.locator("#tab-panel")).to_contain_text("Not vetted yet.")
    page.click("#tab-panel a:has-text('New assessment')")
    page.wait_for_url(f"{live_server.url}/vendors/{vendor.pk}/vetting/new/")
    for field, score in zip(
        (
            "delivery_maturity",
            "retention_stability",
            "security_posture",
            "technical_depth",
            "escalation_model",
            "communication",
        ),
        ("4", "3", "4", "5", "3", "4"),
        strict=True,
    ):
        page.fill(f"#id_{field}", score)
    page.check("#id_flag_fast_yes")
    page.fill("#id_flag_fast_yes_note", "Asked again: they pushed back on the two risky requirements.")
    page.select_option("#id_pilot_outcome", "passed")
    page.select_option("#id_verdict", "conditional")
    page.fill("#id_notes", "Strong engineers, escalation path unclear.")
    assert submit(page).status == 200
    assert page.url == f"{live_server.url}/vendors/{vendor.pk}/vetting/"
    row = page.locator("#tab-panel tbody tr").first
    expect(row.locator("td.num strong")).to_have_text("3.8")  # (4+3+4+5+3+4) / 6
    expect(row).to_contain_text("A fast yes to every requirement")
    expect(row).to_contain_text("Conditional")
    assert VettingAssessment.objects.get(vendor=vendor).flag_fast_yes

    # The lifecycle, one move at a time: each button opens the move's checklist, then moves. Tier 2
    # needs a current security certification before Active (the security contact recorded it).
    CertificationFactory(
        vendor=vendor,
        kind="iso27001",
        issued_on=timezone.localdate() - timedelta(days=30),
        expires_on=timezone.localdate() + timedelta(days=330),
    )
    for to_status, label in (("vetting", "Vetting"), ("pilot", "Pilot"), ("active", "Active")):
        with page.expect_navigation():
            page.click(f"a[data-transition={to_status}]")
        expect(page.locator(".gate-checklist li.unmet")).to_have_count(0)
        with page.expect_navigation():
            page.click(f"{SUBMIT}:has-text('Move to {label}')")
        expect(status_badge(page)).to_have_text(label)
        expect(page.locator(".message.success")).to_contain_text(f"is now {label}")
    vendor.refresh_from_db()
    assert vendor.status == "active"

    # A contract for it, whose text hides accountability in vague phrases.
    page.goto(f"{live_server.url}/contracts/new/?vendor={vendor.pk}")
    expect(page.locator("#id_vendor")).to_have_value(str(vendor.pk))
    fill_contract_form(
        page,
        title="Northwind — Managed Services Agreement",
        vendor=vendor,
        text=(
            "1. The Supplier shall use best efforts to meet every milestone.\n"
            "2. Defects are fixed as soon as possible after they are reported.\n"
            "3. Invoices are due within 30 days."
        ),
    )
    page.check(f"[data-field=functions] input[value='{function.pk}']")
    assert submit(page).status == 200
    contract = Contract.objects.get(title="Northwind — Managed Services Agreement")
    assert page.url == f"{live_server.url}/contracts/{contract.pk}/"
    assert list(contract.functions.all()) == [function]

    # A clause assessed in place (htmx), still there after a reload.
    clause = page.locator("[data-clause=ip_ownership]")
    clause.locator("select").select_option("present")
    expect(clause.locator(".badge-good")).to_have_text("saved")
    assert ContractClause.objects.get(contract=contract, kind="ip_ownership").assessment == "present"
    page.reload()
    expect(page.locator("[data-clause=ip_ownership] select")).to_have_value("present")
    expect(page.locator("[data-clause=confidentiality] select")).to_have_value("missing")

    # An SLA term added inline: the section is swapped, the page is never reloaded.
    page.evaluate("window.__samePage = true")
    page.click("#sla-terms a:has-text('Add SLA term')")
    form = page.locator("#sla-terms form.sla-term-form")
    expect(form).to_be_visible()
    defect_rate = KpiDefinition.objects.get(code="defect_rate")
    form.locator("#id_area").select_option("quality")
    form.locator("#id_kpi").select_option(str(defect_rate.pk))
    form.locator("#id_comparator").select_option("lte")
    form.locator("#id_target").fill("2")
    form.locator("#id_window").select_option("month")
    form.locator("button:has-text('Save term')").click()
    term_row = page.locator("#sla-terms tr[data-term]")
    expect(term_row).to_have_count(1)
    expect(term_row).to_contain_text("Defect rate")
    expect(term_row).to_contain_text("Calendar month")
    expect(page.locator("#sla-terms form.sla-term-form")).to_have_count(0)
    expect(page.locator("#sla-terms .message.success")).to_contain_text("Added the SLA term")
    assert page.evaluate("window.__samePage") is True
    term = SlaTerm.objects.get(contract=contract)
    assert (term.kpi, term.comparator, term.window) == (defect_rate, "lte", "month")

    # The vague phrases are highlighted in the text and listed with why they matter.
    marks = [text.lower() for text in page.locator("[data-contract-text] mark.vague").all_inner_texts()]
    assert "best efforts" in marks
    assert "as soon as possible" in marks
    findings = page.locator("li[data-finding]")
    expect(findings).to_have_count(len(marks))
    expect(findings.filter(has_text="best efforts")).to_have_count(1)
    expect(findings.filter(has_text="as soon as possible")).to_have_count(1)

    # The contract list exports what it shows as CSV.
    page.click("nav.areas a:has-text('Contracts')")
    page.wait_for_url(f"{live_server.url}/contracts/")
    expect(page.locator("table")).to_contain_text("Northwind — Managed Services Agreement")
    with page.expect_download() as download:
        page.click("a:has-text('Export CSV')")
    exported = Path(download.value.path()).read_text(encoding="utf-8-sig")
    assert "Northwind — Managed Services Agreement" in exported
    assert "Northwind Engineering" in exported
    assert page.console_errors == []


# -- b. bad input is refused in place, and nothing is written -------------------------------------------
def test_bad_vendor_input_is_shown_in_place_and_nothing_is_created(live_server, page) -> None:
    UserFactory(username="priya", role="procurement", password=PASSWORD)
    VendorFactory(name="Acme Outsourcing")
    sign_in(page, live_server, "priya")
    page.goto(f"{live_server.url}/vendors/new/")
    fill_vendor_form(
        page, name="ACME outsourcing", rate_min="90", rate_max="50", currency="ZZZ", timezone_overlap_hours="30"
    )
    response = submit(page)
    assert response.status == 400
    assert page.url == f"{live_server.url}/vendors/new/"
    form = page.locator("form.form")
    expect(page.locator("[data-field=currency].has-error .field-error")).to_contain_text("ISO-4217")
    expect(page.locator("[data-field=timezone_overlap_hours].has-error .field-error")).to_be_visible()
    expect(form).to_contain_text("A vendor with this name already exists.")
    expect(form).to_contain_text("The minimum hourly rate cannot be above the maximum.")
    # What was typed is still there to correct.
    expect(page.locator("#id_name")).to_have_value("ACME outsourcing")
    expect(page.locator("#id_currency")).to_have_value("ZZZ")
    expect(page.locator("#id_rate_min")).to_have_value("90")
    expect(page.locator("#id_rate_max")).to_have_value("50")
    expect(page.locator("#id_timezone_overlap_hours")).to_have_value("30")
    expect(page.locator("#id_country")).to_have_value("PL")
    assert Vendor.objects.count() == 1


def test_bad_contract_input_is_shown_in_place_and_nothing_is_created(live_server, page) -> None:
    UserFactory(username="priya", role="procurement", password=PASSWORD)
    vendor = VendorFactory(name="Acme Outsourcing")
    sign_in(page, live_server, "priya")
    page.goto(f"{live_server.url}/contracts/new/")
    fill_contract_form(page, title="Backwards MSA", vendor=vendor, start_date="2026-06-01", end_date="2026-01-01")
    page.fill("#id_value", "-5")
    assert submit(page).status == 400
    form = page.locator("form.form")
    expect(page.locator("[data-field=value].has-error .field-error")).to_be_visible()
    expect(form).to_contain_text("A contract cannot end before it starts.")
    expect(page.locator("#id_title")).to_have_value("Backwards MSA")
    expect(page.locator("#id_end_date")).to_have_value("2026-01-01")
    expect(page.locator("#id_value")).to_have_value("-5")
    assert Contract.objects.count() == 0


def test_html_in_a_vendor_description_is_shown_as_text(live_server, page) -> None:
    UserFactory(username="priya", role="procurement", password=PASSWORD)
    dialogs: list[str] = []

    def on_dialog(dialog) -> None:
        dialogs.append(dialog.message)
        dialog.dismiss()

    page.on("dialog", on_dialog)
    sign_in(page, live_server, "priya")
    page.goto(f"{live_server.url}/vendors/new/")
    payload = "<script>alert(1)</script><img src=x onerror=alert(2)>"
    fill_vendor_form(page, name="Inert <b>Ltd</b>", description=payload)
    assert submit(page).status == 200
    vendor = Vendor.objects.get()
    assert vendor.description == payload
    expect(page.locator("#tab-panel .prose")).to_have_text(payload)
    expect(page.locator("h1")).to_contain_text("Inert <b>Ltd</b>")
    assert page.locator("#tab-panel script, #tab-panel img, h1 b").count() == 0
    page.goto(f"{live_server.url}/vendors/")
    expect(page.locator("table")).to_contain_text("Inert <b>Ltd</b>")
    assert dialogs == []


# -- c. an engineering manager runs the service review of a vendor they own --------------------------------
def test_engineering_manager_records_a_service_review(live_server, page) -> None:
    today = timezone.localdate()
    manager = UserFactory(
        username="marco", first_name="Marco", last_name="Rossi", role="engineering_manager", password=PASSWORD
    )
    colleague = UserFactory(username="dana", first_name="Dana", last_name="Lee", role="engineering_manager")
    vendor = VendorFactory(name="Vistula Software House", engineering_owner=manager, review_cadence_days=14)
    review = ServiceReviewFactory(vendor=vendor, scheduled_for=today - timedelta(days=2))
    foreign = ServiceReviewFactory(vendor=VendorFactory(name="Someone Else's Vendor"), scheduled_for=today)
    sign_in(page, live_server, "marco")

    # Not theirs: readable, but neither recorded nor given actions.
    assert page.goto(f"{live_server.url}/reviews/{foreign.pk}/").status == 200
    expect(page.locator("h1")).to_contain_text("Service review of")
    expect(page.locator("a:has-text('Record the meeting')")).to_have_count(0)
    expect(page.locator("#new-action")).to_have_count(0)
    assert page.goto(f"{live_server.url}/reviews/{foreign.pk}/record/").status == 403

    # Theirs: record the meeting.
    page.goto(f"{live_server.url}/reviews/{review.pk}/")
    expect(status_badge(page)).to_have_text("Scheduled")
    page.click("a:has-text('Record the meeting')")
    page.wait_for_url(f"{live_server.url}/reviews/{review.pk}/record/")
    expect(page.locator("#id_held_on")).to_have_value(review.scheduled_for.isoformat())
    expect(page.locator(f"[data-field=attendees] input[value='{manager.pk}']")).to_be_checked()
    page.check(f"[data-field=attendees] input[value='{colleague.pk}']")
    page.fill("#id_vendor_attendees", "Account manager\nDelivery lead")
    page.fill("#id_delivery_quality", "4")
    page.fill("#id_decisions", "Add a second QA engineer from next sprint.")
    page.fill("#id_risks_raised", "Key-person risk on the payments squad.")
    assert submit(page).status == 200
    assert page.url == f"{live_server.url}/reviews/{review.pk}/"
    expect(page.locator(".message.success")).to_contain_text("the next review is scheduled")
    expect(status_badge(page)).to_have_text("Held")
    expect(page.locator(".facts")).to_contain_text("4 of 5")
    expect(page.locator(".facts")).to_contain_text("Marco Rossi")
    expect(page.locator(".facts")).to_contain_text("Dana Lee")
    expect(page.locator("main")).to_contain_text("Add a second QA engineer from next sprint.")

    # An action item, then marked done.
    page.fill("#new-action #id_description", "Share the on-call runbook with the vendor.")
    page.select_option("#new-action #id_owner", str(manager.pk))
    with page.expect_navigation():
        page.click("#new-action button[type=submit]")
    action_row = page.locator("#action-items tbody tr", has_text="Share the on-call runbook")
    expect(action_row).to_contain_text("open")
    with page.expect_navigation():
        action_row.locator("button:has-text('Mark done')").click()
    expect(page.locator(".message.success")).to_contain_text("Marked done")
    expect(action_row.locator(".badge")).to_have_text(today.isoformat())
    expect(action_row.locator("button:has-text('Mark done')")).to_have_count(0)
    assert ActionItem.objects.get(review=review).done_on == today

    # The vendor's Reviews tab: this one held, the next one scheduled by the cadence.
    next_date = review.scheduled_for + timedelta(days=14)
    page.click(f"a[href='/vendors/{vendor.pk}/reviews/']")
    page.wait_for_url(f"{live_server.url}/vendors/{vendor.pk}/reviews/")
    rows = page.locator("#tab-panel section").first.locator("tbody tr")
    expect(rows).to_have_count(2)
    expect(rows.nth(0)).to_contain_text(date_format(next_date))
    expect(rows.nth(0)).to_contain_text("Scheduled")
    expect(rows.nth(1)).to_contain_text("Held")
    assert ServiceReview.objects.filter(vendor=vendor, status="scheduled", scheduled_for=next_date).exists()
    assert console_errors(page, 403) == []


# -- d. what each role is offered -------------------------------------------------------------------------
@pytest.mark.parametrize("role", list(NEW_MENU))
def test_navigation_offers_each_role_what_it_may_do(live_server, page, role: str) -> None:
    UserFactory(username=f"the_{role}", role=role, password=PASSWORD)
    vendor = VendorFactory(name="Bucharest Data Labs", status="vetting")
    sign_in(page, live_server, f"the_{role}")

    assert page.locator("nav.areas a").all_inner_texts() == AREAS
    page.click("[data-menu=new] summary")
    entries = page.locator("[data-menu=new] .menu-panel a")
    expect(entries.first).to_be_visible()
    assert entries.all_inner_texts() == NEW_MENU[role]
    for href in [entries.nth(i).get_attribute("href") for i in range(entries.count())]:
        assert page.request.get(f"{live_server.url}{href}").status == 200, href

    page.click("[data-menu=user] summary")
    expect(page.locator("[data-menu=user] .menu-panel")).to_be_visible()
    expect(page.locator("[data-menu=new] .menu-panel")).to_be_hidden()  # one menu open at a time
    expect(page.locator("[data-menu=user] button:has-text('Sign out')")).to_be_visible()
    expect(page.locator("[data-menu=user] a:has-text('Admin')")).to_have_count(1 if role == "admin" else 0)

    page.goto(f"{live_server.url}/vendors/{vendor.pk}/")
    may_edit = role in VENDOR_EDITORS
    expect(page.locator(".page-head .actions a:has-text('Edit')")).to_have_count(1 if may_edit else 0)
    # A vendor in vetting, not vetted: editors are offered Pilot and Exited; executives only the
    # move they could override (Pilot); the others nothing.
    offered = 2 if may_edit else 1 if role == "executive" else 0
    expect(page.locator("a[data-transition]")).to_have_count(offered)
    if not may_edit:
        assert page.goto(f"{live_server.url}/vendors/{vendor.pk}/edit/").status == 403
    assert console_errors(page, 403) == []


def test_moving_a_vendor_to_pilot_without_its_owners_is_refused_readably(live_server, page) -> None:
    UserFactory(username="priya", role="procurement", password=PASSWORD)
    vendor = VendorFactory(
        name="Ownerless Ltd", status="vetting", engineering_owner=None, delivery_owner=None, security_contact=None
    )
    sign_in(page, live_server, "priya")
    page.goto(f"{live_server.url}/vendors/{vendor.pk}/")
    with page.expect_navigation():
        page.click("a[data-transition=pilot]")
    expect(page.locator(".gate-checklist li[data-condition=owners_named]")).to_contain_text(
        "missing: engineering owner, delivery owner, security contact"
    )
    # Blocked: the page says so and its button cannot be pressed (the service refuses it anyway).
    expect(page.locator("[data-gate=blocked]")).to_be_visible()
    expect(page.locator(SUBMIT)).to_be_disabled()
    page.goto(f"{live_server.url}/vendors/{vendor.pk}/")
    expect(status_badge(page)).to_have_text("Vetting")
    vendor.refresh_from_db()
    assert vendor.status == "vetting"
