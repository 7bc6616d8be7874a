"""Concentration: each vendor's (and each vendor country's) share of the annual spend in the reporting
currency (a currency without a rate left out and named), and of the critical functions
(``critical_function_condition``) that active contracts cover; a share above
``CONCENTRATION_THRESHOLD_PERCENT`` (setting, default 30) is flagged."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

from django.conf import settings
from django.utils import timezone
from django_countries import countries

from apps.contracts.choices import ContractStatus
from apps.core.fx import Conversion, FxTable, fx_table
from apps.dashboards.scope import Drill, Scope, VendorUrls, drill_url, percent, round_money
from apps.dashboards.tiles import Tile
from apps.dashboards.tiles.sourcing import FunctionRow, ServingPair
from apps.dashboards.tiles.spend import SpendRow

CONCENTRATION = Tile("concentration", "dashboards/tiles/concentration.html")

DEFAULT_CONCENTRATION_THRESHOLD_PERCENT = 30


def concentration_threshold() -> Decimal:
    return Decimal(str(getattr(settings, "CONCENTRATION_THRESHOLD_PERCENT", DEFAULT_CONCENTRATION_THRESHOLD_PERCENT)))


@dataclass(frozen=True)
class ConcentrationRow:
    key: str  # the vendor's id or the country code
    label: str
    currency: str  # the reporting currency for spend; "" for critical functions
    value: Decimal | int
    share: Decimal | None
    flagged: bool
    drill: Drill
    # Spend: what the value is made of — each currency's amount and its conversion (rate and date).
    conversions: tuple[Conversion, ...] = ()

    @property
    def conversion_note(self) -> str:
        """ "USD 465,000.00 at USD 1 = EUR 0.92 (rate of 2026-11-30)" per converted currency."""
        return "; ".join(f"{c.currency} {c.amount:,.2f} at {c.rate_text}" for c in self.conversions if c.rate_text)


@dataclass(frozen=True)
class Concentration:
    threshold: Decimal
    spend_by_vendor: list[ConcentrationRow]
    spend_by_country: list[ConcentrationRow]
    functions_by_vendor: list[ConcentrationRow]
    functions_by_country: list[ConcentrationRow]
    critical_functions: int  # critical functions in scope that an active contract covers
    reporting_currency: str = ""
    spend_total: Decimal = Decimal(0)  # in the reporting currency: the spend shares' whole
    # Spend left out of the shares for want of a rate: one conversion per currency (its note says so).
    spend_not_counted: tuple[Conversion, ...] = ()

    @property
    def flagged(self) -> list[ConcentrationRow]:
        return [
            row
            for rows in (
                self.spend_by_vendor,
                self.spend_by_country,
                self.functions_by_vendor,
                self.functions_by_country,
            )
            for row in rows
            if row.flagged
        ]


def _country_name(code: str) -> str:
    return str(countries.name(code)) or code


def _share_rows(
    values: Mapping[tuple[str, str], Decimal | int],
    totals: Mapping[str, Decimal | int],
    labels: Mapping[str, str],
    url_for: Any,
    threshold: Decimal,
    *,
    counts_rows: bool,
    conversions: Mapping[str, tuple[Conversion, ...]] | None = None,
) -> list[ConcentrationRow]:
    rows = []
    for (key, currency), value in values.items():
        share = percent(value, totals[currency])
        rows.append(
            ConcentrationRow(
                key=key,
                label=labels[key],
                currency=currency,
                value=value,
                share=share,
                flagged=share is not None and share > threshold,
                drill=Drill(value, url_for(key, currency), labels[key], counts_rows=counts_rows),
                conversions=(conversions or {}).get(key, ()),
            )
        )
    return sorted(rows, key=lambda row: (-(row.share or 0), row.label, row.currency))


def concentration(
    *,
    scope: Scope,
    spend: Sequence[SpendRow],
    functions: Sequence[FunctionRow],
    serving: Sequence[ServingPair],
    today: date | None = None,
    fx: FxTable | None = None,
) -> Concentration:
    """Shares of the annual spend in the reporting currency (each vendor's and each country's spend in
    every currency converted at the latest rate on or before ``today``; a currency with no such rate is
    left out of the shares and named in ``spend_not_counted``) and of critical functions, per vendor and
    per vendor country. One query (the rates) unless ``fx`` is given."""
    threshold = concentration_threshold()
    today = today or timezone.localdate()
    fx = fx or fx_table()
    reporting = fx.reporting
    vendor_names = {str(row.vendor_id): row.vendor_name for row in spend}
    vendor_names.update({str(pair.vendor_id): pair.vendor_name for pair in serving})
    countries_seen = {row.country for row in spend} | {pair.country for pair in serving}
    country_names = {code: _country_name(code) for code in countries_seen}

    # Each vendor's (country's) spend per currency first, converted once per currency: a row's
    # tooltip names the amount of each currency and the rate it took.
    native_vendor: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    native_country: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    not_counted: dict[str, Decimal] = defaultdict(Decimal)
    for row in spend:
        native_vendor[str(row.vendor_id)][row.currency] += row.annual
        native_country[row.country][row.currency] += row.annual

    def converted(
        native: Mapping[str, Mapping[str, Decimal]],
    ) -> tuple[dict[tuple[str, str], Decimal], dict[str, tuple[Conversion, ...]]]:
        values: dict[tuple[str, str], Decimal] = {}
        parts: dict[str, tuple[Conversion, ...]] = {}
        for key, amounts in native.items():
            conversions = tuple(fx.convert(amount, currency, on=today) for currency, amount in sorted(amounts.items()))
            counted = [c for c in conversions if c.converted is not None]
            if counted:
                values[(key, reporting)] = round_money(
                    sum((c.converted for c in counted if c.converted is not None), Decimal(0))
                )
                parts[key] = tuple(counted)
        return values, parts

    spend_vendor, vendor_parts = converted(native_vendor)
    spend_country, country_parts = converted(native_country)
    for row in spend:
        if fx.rate(row.currency, today) is None:
            not_counted[row.currency] += row.annual
    spend_total = round_money(
        sum(
            (c.converted for parts in vendor_parts.values() for c in parts if c.converted is not None),
            Decimal(0),
        )
    )
    money_totals = {reporting: spend_total}

    def contracts_url(**extra: Any) -> Any:
        # Every active contract of the vendor (country) in any currency: the share adds them all up.
        if "vendor" in extra:
            vendor_url = VendorUrls("contracts:contract-list", scope, status=ContractStatus.ACTIVE)
            return lambda key, currency: vendor_url(int(key))
        return lambda key, currency: drill_url(
            "contracts:contract-list", scope, status=ContractStatus.ACTIVE, country=key
        )

    spend_by_vendor = _share_rows(
        spend_vendor,
        money_totals,
        vendor_names,
        contracts_url(vendor=True),
        threshold,
        counts_rows=False,
        conversions=vendor_parts,
    )
    spend_by_country = _share_rows(
        spend_country,
        money_totals,
        country_names,
        contracts_url(country=True),
        threshold,
        counts_rows=False,
        conversions=country_parts,
    )

    critical = {f.id for f in functions if f.critical}
    served_critical = {pair.function_id for pair in serving if pair.function_id in critical}
    per_vendor: dict[tuple[str, str], set[int]] = defaultdict(set)
    per_country: dict[tuple[str, str], set[int]] = defaultdict(set)
    for pair in serving:
        if pair.function_id in critical:
            # On one vendor's page only that vendor's row (the others' would need two vendor filters).
            if scope.vendor is None or pair.vendor_id == scope.vendor:
                per_vendor[(str(pair.vendor_id), "")].add(pair.function_id)
            per_country[(pair.country, "")].add(pair.function_id)
    function_totals = {"": len(served_critical)}

    def functions_url(parameter: str) -> Any:
        if parameter == "served_by" and scope.vendor is None:
            vendor_url = VendorUrls("functions:function-list", scope, vendor_parameter="served_by", critical="true")
            return lambda key, currency: vendor_url(int(key))
        return lambda key, currency: drill_url(
            "functions:function-list", scope, vendor_parameter="served_by", critical="true", **{parameter: key}
        )

    return Concentration(
        threshold=threshold,
        spend_by_vendor=spend_by_vendor,
        spend_by_country=spend_by_country,
        functions_by_vendor=_share_rows(
            {key: len(ids) for key, ids in per_vendor.items()},
            function_totals,
            vendor_names,
            functions_url("served_by"),
            threshold,
            counts_rows=True,
        ),
        functions_by_country=_share_rows(
            {key: len(ids) for key, ids in per_country.items()},
            function_totals,
            country_names,
            functions_url("served_from"),
            threshold,
            counts_rows=True,
        ),
        critical_functions=len(served_critical),
        reporting_currency=reporting,
        spend_total=spend_total,
        spend_not_counted=tuple(
            fx.convert(round_money(amount), currency, on=today) for currency, amount in sorted(not_counted.items())
        ),
    )
