"""The walkthrough's polish (issue 16, point 7): one number, money and date format in every human text
(apps.core.formatting), the decimal comma explained, currency codes in any case, the checklist counters
refreshed after an in-place save, one empty choice in the engagement-model filter, plurals."""

from __future__ import annotations

import datetime as dt
import re
from collections.abc import Callable
from decimal import Decimal
from typing import Any

import pytest
from django import forms
from django.template import Context, Template
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.contracts.filters import ContractFilterSet
from apps.contracts.forms import ContractForm
from apps.contracts.models import Contract
from apps.contracts.services import contract_checklists_create
from apps.core.formatting import (
    format_count,
    format_date,
    format_moment,
    format_money,
    format_number,
    format_percent,
    format_period,
)
from apps.core.forms import CurrencyCodeField, DecimalField, decimal_comma_message
from apps.core.fx import Conversion
from apps.kpis.units import with_unit
from apps.notifications.reminders import day_label
from apps.notifications.webhooks.chat import event_facts
from apps.performance.forms import SlaTermForm
from apps.performance.notices import _breach_text
from tests import factories

HX = {"HTTP_HX_REQUEST": "true"}


# -- one format (apps.core.formatting) --------------------------------------------------------------------
@pytest.mark.parametrize(
    ("value", "expected"),
    [
        (Decimal("84.5833"), "84.58"),
        (Decimal("95.0000"), "95"),
        (Decimal("1250"), "1,250"),
        (Decimal("1491.705"), "1,491.71"),
        (Decimal("-0.001"), "0"),
        (2.5, "2.5"),
        (None, "—"),
    ],
)
def test_numbers_read_one_way(value: Any, expected: str) -> None:
    assert format_number(value) == expected


def test_money_percent_and_counts() -> None:
    assert format_money(Decimal("1491.71"), "EUR") == "1,491.71 EUR"
    assert format_money(Decimal("1491.7133"), "EUR") == "1,491.71 EUR"
    assert format_money(None, "EUR") == "—"
    assert format_percent(Decimal("84.5833")) == "84.58 %"
    assert with_unit(Decimal("84.5833"), "%") == "84.58 %"  # the KPI unit filter agrees
    assert format_count(1, "contract") == "1 contract"
    assert format_count(3, "contract") == "3 contracts"
    assert format_count(1180, "event") == "1,180 events"
    assert format_count(2, "entry", "entries") == "2 entries"


def test_dates_read_as_the_pages_print_them() -> None:
    day = dt.date(2026, 12, 3)
    page = Template("{{ day }}").render(Context({"day": day}))  # what a page shows: DATE_FORMAT
    assert format_date(day) == page == "3 Dec 2026"
    assert day_label(day) == page  # the reminders' dates
    assert format_period(dt.date(2026, 10, 1), dt.date(2026, 12, 31)) == "1 Oct 2026 – 31 Dec 2026"
    assert format_period(day, day) == "3 Dec 2026"
    # 14:30 UTC is 14:30 in London in December.
    assert format_moment(dt.datetime(2026, 12, 3, 14, 30, tzinfo=dt.UTC)) == "3 Dec 2026 14:30"


def test_the_money_filter_is_the_helper() -> None:
    rendered = Template('{% load ui %}{{ amount|money:"EUR" }}').render(Context({"amount": Decimal("1491.71")}))
    assert rendered == "1,491.71 EUR"


@pytest.mark.django_db
def test_a_breach_notification_reads_like_the_pages() -> None:
    kpi = factories.KpiDefinitionFactory(unit="%", direction="higher")
    breach = factories.BreachFactory(
        evaluation__term__kpi=kpi,
        evaluation__value=Decimal("84.5833"),
        credit_amount=Decimal("1491.71"),
        currency="EUR",
    )
    text = _breach_text(breach)
    assert "84.58 %" in text and "84.5833" not in text
    assert "1,491.71 EUR" in text
    assert "1 Oct 2026 – 31 Oct 2026" in text and "2026-10-01" not in text


def test_rates_and_chat_messages_use_the_same_dates() -> None:
    conversion = Conversion(
        amount=Decimal(1),
        currency="USD",
        on=dt.date(2026, 12, 1),
        reporting="EUR",
        converted=Decimal("0.92"),
        rate=Decimal("0.92"),
        rate_on=dt.date(2026, 11, 30),
    )
    assert conversion.rate_text == "USD 1 = EUR 0.92 (rate of 30 Nov 2026)"
    facts = dict(
        event_facts(
            {
                "type": "review.overdue",
                "timestamp": "2026-12-03T09:00:00Z",
                "data": {"review": {"scheduled_for": "2026-11-30"}},
            }
        )
    )
    assert facts.get("Scheduled for") == "30 Nov 2026"


# -- a decimal comma is explained --------------------------------------------------------------------------
def test_a_decimal_comma_gets_a_helpful_message() -> None:
    field = DecimalField(required=False)
    with pytest.raises(forms.ValidationError) as raised:
        field.clean("1,5")
    assert raised.value.messages == ["Use a decimal point: 1.5 (not 1,5)."]
    assert decimal_comma_message("1,234.50") == "Leave out the thousands separator: 1234.50 (not 1,234.50)."
    assert field.clean("1.5") == Decimal("1.5")
    # A text input with the number keyboard: a browser's number input would drop "1,5" unseen.
    assert field.widget.input_type == "text" and field.widget_attrs(field.widget)["inputmode"] == "decimal"


@pytest.mark.django_db
def test_money_and_target_fields_explain_the_comma() -> None:
    contract_form = ContractForm(data={"value": "240000,50"})
    contract_form.is_valid()
    assert contract_form.errors["value"] == ["Use a decimal point: 240000.50 (not 240000,50)."]
    term_form = SlaTermForm(data={"target": "99,5"})
    term_form.is_valid()
    assert term_form.errors["target"] == ["Use a decimal point: 99.5 (not 99,5)."]


# -- currency codes in any case ----------------------------------------------------------------------------
@pytest.mark.django_db
def test_a_currency_code_in_lower_case_is_read_in_upper_case(api_client_for: Callable[[str], APIClient]) -> None:
    assert isinstance(ContractForm().fields["currency"], CurrencyCodeField)
    form = ContractForm(data={"currency": " eur "})
    form.is_valid()
    assert "currency" not in form.errors and form.cleaned_data["currency"] == "EUR"

    contract = factories.ContractFactory(currency="USD")
    client = api_client_for(Role.PROCUREMENT)
    response = client.patch(f"/api/v1/contracts/{contract.pk}/", {"currency": "gbp"}, format="json")
    assert response.status_code == 200, response.content
    contract.refresh_from_db()
    assert contract.currency == "GBP" and response.json()["currency"] == "GBP"
    refused = client.patch(f"/api/v1/contracts/{contract.pk}/", {"currency": "xyz"}, format="json")
    assert refused.status_code == 400 and "currency" in refused.json()

    found = ContractFilterSet({"currency": "gbp"}, queryset=Contract.objects.all()).qs
    assert list(found) == [contract]


# -- counters refresh after an in-place save -----------------------------------------------------------------
@pytest.mark.django_db
def test_a_saved_clause_row_refreshes_the_counters(user_with_role: Callable[[str], Any]) -> None:
    contract = factories.ContractFactory()
    contract_checklists_create(contract=contract)
    total = contract.clauses.count()
    present = contract.clauses.filter(assessment="present").count()
    clause = contract.clauses.exclude(assessment="present").first()
    assert clause is not None
    client = Client()
    client.force_login(user_with_role(Role.PROCUREMENT))
    page = client.get(contract.get_absolute_url()).content.decode()
    assert f'<strong id="clauses-present-stat">{present} / {total}</strong>' in page

    prefix = f"clause-{clause.pk}"
    response = client.post(
        reverse("contracts:clause-update", args=[clause.pk]),
        {f"{prefix}-assessment": "present", f"{prefix}-note": "Clause 9"},
        **HX,
    )
    body = response.content.decode()
    assert response.status_code == 200 and "<html" not in body
    assert f'<strong id="clauses-present-stat" hx-swap-oob="true">{present + 1} / {total}</strong>' in body
    assert f">{present + 1} present of {total}</span>" in body
    assert 'id="exit-done-head" hx-swap-oob="true"' in body.replace(' class="muted small"', "")

    item = contract.exit_plan_items.first()
    exit_prefix = f"exit-{item.pk}"
    done = client.post(
        reverse("contracts:exit-item-update", args=[item.pk]),
        {f"{exit_prefix}-owner": "", f"{exit_prefix}-done_on": "2026-11-30"},
        **HX,
    ).content.decode()
    assert re.search(r'id="exit-done-head"[^>]*hx-swap-oob="true">1 of \d+ done or waived<', done)


# -- one empty choice ----------------------------------------------------------------------------------------
@pytest.mark.django_db
def test_the_engagement_model_filter_has_one_empty_choice(user_with_role: Callable[[str], Any]) -> None:
    client = Client()
    client.force_login(user_with_role(Role.PROCUREMENT))
    page = client.get(reverse("vendors:vendor-list")).content.decode()
    select = re.search(r'<select name="engagement_model".*?</select>', page, re.S)
    assert select is not None
    empty = re.findall(r'<option value=""[^>]*>([^<]*)</option>', select.group(0))
    assert empty == ["Any engagement model"]


# -- plurals -------------------------------------------------------------------------------------------------
def test_plurals_agree_with_their_count() -> None:
    scorecard = Template(
        '{% for d in deltas %}up {{ d|floatformat:"-1" }} point{{ d|floatformat:"-1"|pluralize }}; {% endfor %}'
    )
    assert scorecard.render(Context({"deltas": [Decimal("1.0"), Decimal("2.5")]})) == "up 1 point; up 2.5 points; "
    assert f"of the {format_count(1, 'contract')}" == "of the 1 contract"
