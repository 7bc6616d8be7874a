"""The dated FX-rate table: conversion (the latest rate on or before the figure's day, never a guess),
the ``fx_rates`` CSV loader and the ``/api/v1/fx-rates/`` endpoint."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from pathlib import Path
from typing import Any

import pytest
from django.core.management import CommandError, call_command
from django.test import override_settings

from apps.accounts.choices import Role
from apps.core.fx import convert, fx_table
from apps.core.models import FxRate

pytestmark = pytest.mark.django_db

URL = "/api/v1/fx-rates/"


def rate(currency: str, day: str, value: str) -> FxRate:
    return FxRate.objects.create(currency=currency, valid_on=dt.date.fromisoformat(day), rate=Decimal(value))


# -- conversion ------------------------------------------------------------------------------------------------
def test_a_figure_converts_at_the_latest_rate_on_or_before_its_day() -> None:
    rate("USD", "2026-01-01", "0.90")
    rate("USD", "2026-06-01", "0.80")
    rate("USD", "2026-12-01", "0.70")
    got = convert(Decimal("1000"), "USD", on=dt.date(2026, 11, 30))
    assert (got.converted, got.rate, got.rate_on) == (Decimal("800.0000000000"), Decimal("0.8"), dt.date(2026, 6, 1))
    assert got.rate_text == "USD 1 = EUR 0.8 (rate of 1 Jun 2026)"
    on_the_day = convert(Decimal("1000"), "USD", on=dt.date(2026, 12, 1))
    assert on_the_day.converted == Decimal("700") and on_the_day.rate_on == dt.date(2026, 12, 1)


def test_no_rate_on_or_before_the_day_is_no_conversion_never_a_guess() -> None:
    rate("GBP", "2026-12-01", "1.15")  # only after the figure's day
    got = convert(Decimal("96000"), "GBP", on=dt.date(2026, 11, 30))
    assert got.missing and got.converted is None and got.rate is None
    assert got.note == "no GBP rate on or before 30 Nov 2026: not counted"
    assert convert(Decimal("5"), "CHF", on=dt.date(2026, 11, 30)).missing  # no rate at all


def test_the_reporting_currency_converts_at_one_without_a_rate() -> None:
    got = convert(Decimal("123.45"), "EUR", on=dt.date(2026, 11, 30))
    assert (got.converted, got.rate, got.missing, got.rate_text) == (Decimal("123.45"), Decimal(1), False, "")


@override_settings(REPORTING_CURRENCY="USD")
def test_the_reporting_currency_is_a_setting() -> None:
    rate("EUR", "2026-01-01", "1.10")
    assert convert(Decimal("100"), "EUR", on=dt.date(2026, 3, 1)).converted == Decimal("110")
    assert convert(Decimal("100"), "USD", on=dt.date(2026, 3, 1)).converted == Decimal("100")


def test_one_query_reads_the_table_for_any_number_of_conversions(django_assert_num_queries: Any) -> None:
    for i in range(5):
        rate("USD", f"2026-0{i + 1}-01", "0.9")
        rate("GBP", f"2026-0{i + 1}-01", "1.1")
    with django_assert_num_queries(1):
        table = fx_table()
        for month in range(1, 13):
            table.convert(Decimal(1), "USD", on=dt.date(2026, month, 15))
            table.convert(Decimal(1), "GBP", on=dt.date(2026, month, 15))


def test_a_bare_converted_amount_is_the_conversions_own_and_each_day_is_looked_up_once() -> None:
    rate("USD", "2026-01-01", "0.90")
    rate("USD", "2026-06-01", "0.80")
    table = fx_table()
    days = [dt.date(2025, 12, 31), dt.date(2026, 1, 1), dt.date(2026, 5, 31), dt.date(2026, 6, 1)]
    for currency in ("USD", "EUR", "GBP"):
        for day in days * 2:  # the second time from what the table remembers
            assert (
                table.converted(Decimal("12.5"), currency, on=day)
                == table.convert(Decimal("12.5"), currency, on=day).converted
            )
    assert table.converted(Decimal(10), "USD", on=dt.date(2026, 5, 31)) == Decimal("9.0")
    assert table.converted(Decimal(10), "USD", on=dt.date(2025, 12, 31)) is None
    assert table == fx_table()  # what it remembers is not part of the table


def test_a_rate_is_positive_unique_per_day_and_not_for_the_reporting_currency() -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as zero:
        FxRate(currency="USD", valid_on=dt.date(2026, 1, 1), rate=Decimal(0)).full_clean()
    assert "above zero" in str(zero.value)
    with pytest.raises(ValidationError) as eur:
        FxRate(currency="EUR", valid_on=dt.date(2026, 1, 1), rate=Decimal(1)).full_clean()
    assert "reporting currency" in str(eur.value)
    rate("USD", "2026-01-01", "0.9")
    with pytest.raises(ValidationError) as twice:
        FxRate(currency="USD", valid_on=dt.date(2026, 1, 1), rate=Decimal("0.8")).full_clean()
    assert "already has a rate on this day" in str(twice.value)


# -- the CSV loader ---------------------------------------------------------------------------------------------
def write(tmp_path: Path, text: str) -> str:
    path = tmp_path / "rates.csv"
    path.write_text(text, encoding="utf-8")
    return str(path)


GOOD = "currency,date,rate\nUSD,2026-01-01,0.92\nusd,2026-06-01,0.88\nGBP,2026-01-01,1.17\n"


def test_the_loader_loads_a_good_file_and_reloading_it_changes_nothing(tmp_path: Path, capsys: Any) -> None:
    path = write(tmp_path, GOOD)
    call_command("fx_rates", path)
    assert "3 created, 0 updated, 0 unchanged." in capsys.readouterr().out
    rows = set(FxRate.objects.values_list("currency", "valid_on", "rate"))
    assert rows == {
        ("USD", dt.date(2026, 1, 1), Decimal("0.92")),
        ("USD", dt.date(2026, 6, 1), Decimal("0.88")),
        ("GBP", dt.date(2026, 1, 1), Decimal("1.17")),
    }
    stamps = dict(FxRate.objects.values_list("pk", "updated_at"))
    call_command("fx_rates", path)
    assert "0 created, 0 updated, 3 unchanged." in capsys.readouterr().out
    assert dict(FxRate.objects.values_list("pk", "updated_at")) == stamps


def test_a_changed_rate_in_a_later_file_updates_that_day(tmp_path: Path, capsys: Any) -> None:
    call_command("fx_rates", write(tmp_path, GOOD))
    call_command("fx_rates", write(tmp_path, "currency,date,rate\nUSD,2026-01-01,0.93\nUSD,2026-07-01,0.87\n"))
    assert "1 created, 1 updated, 0 unchanged." in capsys.readouterr().out.splitlines()[-1]
    assert FxRate.objects.get(currency="USD", valid_on=dt.date(2026, 1, 1)).rate == Decimal("0.93")


@pytest.mark.parametrize(
    ("text", "message"),
    [
        (
            "currency,date,rate\nUSD,2026-01-01,0.92\nUSD,2026-13-01,0.9\n",
            "Line 3: the date “2026-13-01” is not a date",
        ),
        ("currency,date,rate\nUSD,2026-01-01,0,92\n", "Line 2: more values than columns"),
        ("currency,date,rate\nUSD,2026-01-01,abc\n", "Line 2: the rate “abc” is not a number"),
        ("currency,date,rate\nUSD,2026-01-01,-1\n", "Line 2: rate: A rate must be above zero."),
        ("currency,date,rate\nXYZ,2026-01-01,1.2\n", "Line 2: currency: “XYZ” is not an ISO-4217 currency code"),
        ("currency,date,rate\nEUR,2026-01-01,1\n", "Line 2: currency: EUR is the reporting currency"),
        (
            "currency,date,rate\nUSD,2026-01-01,0.9\nUSD,2026-01-01,0.8\n",
            "Line 3: USD on 2026-01-01 is already on line 2.",
        ),
        ("currency,day,rate\nUSD,2026-01-01,0.9\n", "Line 1: the header must name the columns currency, date, rate"),
    ],
)
def test_a_bad_row_is_named_by_its_line_and_nothing_is_written(tmp_path: Path, text: str, message: str) -> None:
    with pytest.raises(CommandError) as raised:
        call_command("fx_rates", write(tmp_path, text))
    assert "Nothing was loaded." in str(raised.value) and message in str(raised.value), str(raised.value)
    assert FxRate.objects.count() == 0


def test_a_missing_file_is_a_message(tmp_path: Path) -> None:
    with pytest.raises(CommandError, match="Cannot read"):
        call_command("fx_rates", str(tmp_path / "nope.csv"))


# -- the API -----------------------------------------------------------------------------------------------------
def test_an_admin_creates_and_updates_a_rate(api_client_for: Any) -> None:
    admin = api_client_for(Role.ADMIN)
    created = admin.post(URL, {"currency": "USD", "valid_on": "2026-11-30", "rate": "0.9150"}, format="json")
    assert created.status_code == 201, created.json()
    assert created.json()["rate"] == "0.9150000000"
    changed = admin.patch(f"{URL}{created.json()['id']}/", {"rate": "0.91"}, format="json")
    assert changed.status_code == 200 and FxRate.objects.get().rate == Decimal("0.91")


@pytest.mark.parametrize("role", [Role.EXECUTIVE, Role.PROCUREMENT, Role.ENGINEERING_MANAGER, Role.SECURITY])
def test_everyone_reads_and_only_admins_write(api_client_for: Any, role: str) -> None:
    rate("USD", "2026-01-01", "0.9")
    client = api_client_for(role)
    listed = client.get(URL)
    assert listed.status_code == 200 and listed.json()["count"] == 1
    refused = client.post(URL, {"currency": "GBP", "valid_on": "2026-11-30", "rate": "1.1"}, format="json")
    assert refused.status_code == 403
    assert client.patch(f"{URL}{FxRate.objects.get().pk}/", {"rate": "1"}, format="json").status_code == 403
    assert FxRate.objects.count() == 1


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"currency": "USD", "valid_on": "2026-11-30", "rate": "0"}, "rate"),
        ({"currency": "USD", "valid_on": "2026-11-30", "rate": "-1"}, "rate"),
        ({"currency": "USD", "valid_on": "2026-11-30", "rate": "abc"}, "rate"),
        ({"currency": "XYZ", "valid_on": "2026-11-30", "rate": "1"}, "currency"),
        ({"currency": "EUR", "valid_on": "2026-11-30", "rate": "1"}, "currency"),
        ({"currency": "USD", "valid_on": "30/11/2026", "rate": "1"}, "valid_on"),
        ({"currency": "USD", "rate": "1"}, "valid_on"),
    ],
)
def test_bad_input_is_a_400_with_the_field(api_client_for: Any, body: dict[str, str], field: str) -> None:
    response = api_client_for(Role.ADMIN).post(URL, body, format="json")
    assert response.status_code == 400 and field in response.json(), response.json()
    assert FxRate.objects.count() == 0


def test_a_second_rate_on_the_same_day_is_refused(api_client_for: Any) -> None:
    rate("USD", "2026-11-30", "0.9")
    response = api_client_for(Role.ADMIN).post(
        URL, {"currency": "USD", "valid_on": "2026-11-30", "rate": "0.8"}, format="json"
    )
    assert response.status_code in (400, 409) and "already has a rate" in str(response.json())
    assert FxRate.objects.get().rate == Decimal("0.9")


def test_the_list_filters_by_currency_and_date(api_client_for: Any) -> None:
    rate("USD", "2026-01-01", "0.9")
    rate("USD", "2026-06-01", "0.8")
    rate("GBP", "2026-06-01", "1.1")
    client = api_client_for(Role.SECURITY)

    def listed(query: str) -> list[tuple[str, str]]:
        return [(r["currency"], r["valid_on"]) for r in client.get(f"{URL}?{query}").json()["results"]]

    assert listed("currency=usd") == [("USD", "2026-06-01"), ("USD", "2026-01-01")]
    assert listed("valid_on=2026-06-01") == [("GBP", "2026-06-01"), ("USD", "2026-06-01")]
    assert listed("currency=USD&valid_on_before=2026-03-01") == [("USD", "2026-01-01")]
    assert listed("valid_on_after=2026-02-01&currency=GBP") == [("GBP", "2026-06-01")]
