"""Concentration: each vendor's (and each vendor country's) share of the annual spend in the reporting
currency (a currency without a rate left out and named), and of the critical functions
(``critical_function_condition``) that active contracts cover; a share above
``CONCENTRATION_THRESHOLD_PERCENT`` (setting, default 30) is flagged. Over the stored rollups the shares by
vendor are worked out and ordered in the database (``stored_vendor_spend``, ``critical_serving``)."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, replace
from datetime import date
from decimal import Decimal
from typing import Any, NamedTuple, overload

from django.conf import settings
from django.utils import timezone
from django_countries import countries

from apps.contracts.choices import ContractStatus
from apps.core.fx import Conversion, FxTable, fx_table
from apps.dashboards.scope import Drill, Scope, VendorUrls, drill_url, percent, round_money
from apps.dashboards.tiles import Tile
from apps.dashboards.tiles.sourcing import NO_CRITICAL_SERVING, CriticalServing
from apps.dashboards.tiles.spend import SpendRow, StoredVendorSpend, reporting_total

CONCENTRATION = Tile("concentration", "dashboards/tiles/concentration.html")
# The rows each table of the panel shows (the CSV has them all).
SHOWN_ROWS = 10

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


class Share(NamedTuple):
    """The figures of one row of a concentration table (``ConcentrationRow`` without its label, link and
    conversions). A named tuple: a portfolio has 20,000 of them, made faster than frozen dataclasses."""

    key: str
    currency: str
    value: Decimal | int
    share: Decimal | None
    flagged: bool


class ShareRows(Sequence[ConcentrationRow]):
    """The rows of one concentration table, largest share first (then by label): every row's figures are
    worked out, but a row itself — its label, link and conversions — is built when it is read. The
    overview shows the first few of a portfolio's 20,000 vendors; the CSV reads them all.

    ``count`` and ``read_all``: ``shares`` holds only the first of ``count`` rows (the rows shown and every
    flagged one), and ``read_all()`` reads them all when a row past them is asked for (the CSV)."""

    def __init__(
        self,
        shares: list[Share],
        build: Callable[[Share], ConcentrationRow],
        *,
        count: int | None = None,
        read_all: Callable[[], list[Share]] | None = None,
    ) -> None:
        self._shares = shares
        self._count = len(shares) if count is None else count
        self._read_all = read_all
        self._build = build
        # A money row's tooltip: each converted currency's amount and the rate it took (None: no tooltip).
        self.conversions: Callable[[str], tuple[Conversion, ...]] | None = None
        self._built: dict[int, ConcentrationRow] = {}
        self._by_key: dict[str, Share] | None = None

    @property
    def shares(self) -> list[Share]:
        """Every row's figures (read whole, the first time, when only the first were)."""
        if self._read_all is not None and len(self._shares) < self._count:
            self._shares = self._read_all()
            self._count = len(self._shares)
        self._read_all = None
        return self._shares

    def __len__(self) -> int:
        return self._count

    @overload
    def __getitem__(self, index: int) -> ConcentrationRow: ...

    @overload
    def __getitem__(self, index: slice) -> list[ConcentrationRow]: ...

    def __getitem__(self, index: int | slice) -> ConcentrationRow | list[ConcentrationRow]:
        if isinstance(index, slice):
            return [self._row(i) for i in range(*index.indices(len(self)))]
        if index < 0:
            index += len(self)
        if not 0 <= index < len(self):
            raise IndexError(index)
        return self._row(index)

    def _row(self, index: int) -> ConcentrationRow:
        if index not in self._built:
            shares = self._shares if index < len(self._shares) else self.shares
            row = self._build(shares[index])
            if self.conversions is not None:
                row = replace(row, conversions=self.conversions(row.key))
            self._built[index] = row
        return self._built[index]

    def flagged(self) -> list[ConcentrationRow]:
        # Rows read in part hold every flagged one.
        return [
            self._row(i) for i, share in enumerate(self._shares if self._read_all else self.shares) if share.flagged
        ]

    def share_of(self, key: str) -> Share | None:
        """The figures of the row of ``key`` (a vendor's id, a country's code), None without one."""
        if self._by_key is None:
            self._by_key = {share.key: share for share in self.shares}
        return self._by_key.get(key)

    def shares_of(self, vendor_ids: Iterable[int]) -> dict[int, Share]:
        """The figures of the rows of ``vendor_ids`` (of a table by vendor) that have one."""
        return {pk: share for pk in vendor_ids if (share := self.share_of(str(pk))) is not None}


@dataclass(frozen=True)
class Concentration:
    threshold: Decimal
    spend_by_vendor: ShareRows
    spend_by_country: ShareRows
    functions_by_vendor: ShareRows
    functions_by_country: ShareRows
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
            for row in rows.flagged()
        ]


def _in_reporting(amounts: Mapping[str, Decimal], rate: Callable[[str], Decimal | None]) -> Decimal | None:
    """The sum of the currencies of ``amounts`` that have a rate, converted, to the cent; None when none
    has one."""
    total, counted = Decimal(0), False
    for currency, amount in amounts.items():
        found = rate(currency)
        if found is not None:
            total += Decimal(amount) * found
            counted = True
    return round_money(total) if counted else None


def vendor_spend_share(
    *, vendor_id: int, spend: Iterable[SpendRow], total: Decimal, today: date, fx: FxTable
) -> Share | None:
    """One vendor's figures in the spend-by-vendor table of ``concentration`` without working out any other
    vendor's: its annual spend in the reporting currency (off ``spend``, its rows) and its share of
    ``total``, the portfolio's (``spend_total``). None when none of its currencies has a rate."""
    amounts: dict[str, Decimal] = defaultdict(Decimal)
    for row in spend:
        if row.vendor_id == vendor_id:
            amounts[row.currency] += row.annual
    value = _in_reporting(
        amounts, lambda currency: found[0] if (found := fx.rate(currency, today)) is not None else None
    )
    if value is None:
        return None
    share = percent(value, total)
    return Share(str(vendor_id), fx.reporting, value, share, share is not None and share > concentration_threshold())


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
) -> ShareRows:
    shares = []
    for (key, currency), value in values.items():
        share = percent(value, totals[currency])
        shares.append(Share(key, currency, value, share, share is not None and share > threshold))
    shares.sort(key=lambda row: (-(row.share or 0), labels[row.key], row.currency))
    return _rows_of(shares, labels, url_for, counts_rows=counts_rows)


def _rows_of(
    shares: list[Share],
    labels: Mapping[str, str],
    url_for: Any,
    *,
    counts_rows: bool,
    count: int | None = None,
    read_all: Callable[[], list[Share]] | None = None,
) -> ShareRows:
    """The rows of ``shares`` (in order), each built when read (``ShareRows``: ``count``, ``read_all``)."""

    def build(share: Share) -> ConcentrationRow:
        label = labels[share.key]
        return ConcentrationRow(
            key=share.key,
            label=label,
            currency=share.currency,
            value=share.value,
            share=share.share,
            flagged=share.flagged,
            drill=Drill(share.value, url_for(share.key, share.currency), label, counts_rows=counts_rows),
        )

    return ShareRows(shares, build, count=count, read_all=read_all)


class _Natives(Mapping[str, Mapping[str, Decimal]]):
    """The stored vendors' spend per currency (``StoredVendorSpend.natives``), for the tooltips of the rows
    built, read when the first is built: the rows shown (``first``) in one query, or — a row beyond them
    (the CSV) — every vendor's, once."""

    def __init__(self, stored: StoredVendorSpend, first: Iterable[str]) -> None:
        self._read = stored.natives
        self._first = set(first)
        self._found: dict[str, Mapping[str, Decimal]] | None = None
        self._whole = False

    def _load(self, keys: set[str] | None) -> None:
        found = self._read(None if keys is None else [int(key) for key in keys])
        self._found = {str(vendor_id): amounts for vendor_id, amounts in found.items()}
        self._whole = keys is None

    def __getitem__(self, key: str) -> Mapping[str, Decimal]:
        if self._found is None:
            self._load(self._first if key in self._first else None)
        elif key not in self._found and not self._whole:
            self._load(None)
        assert self._found is not None
        return self._found.get(key, {})

    def __iter__(self) -> Iterator[str]:
        return iter(self._found or {})

    def __len__(self) -> int:
        return len(self._found or {})


def concentration(
    *,
    scope: Scope,
    spend: Sequence[SpendRow],
    critical: CriticalServing = NO_CRITICAL_SERVING,
    today: date | None = None,
    fx: FxTable | None = None,
    by_vendor: StoredVendorSpend | None = None,
) -> Concentration:
    """Shares of the annual spend in the reporting currency (each vendor's and each country's spend in
    every currency converted at the latest rate on or before ``today``; a currency with no such rate is
    left out of the shares and named in ``spend_not_counted``) and of critical functions, per vendor and
    per vendor country (``critical``: who serves them, counted in the database, ``critical_serving``). One
    query (the rates) unless ``fx`` is given.

    ``by_vendor``: each vendor's spend in the reporting currency summed in the database from the stored
    rollup (``stored_vendor_spend``; then ``spend`` may be the portfolio's groups without vendors,
    ``stored_spend_groups``): one more query when the first row by vendor is built, for the
    currencies of the rows shown."""
    threshold = concentration_threshold()
    today = today or timezone.localdate()
    fx = fx or fx_table()
    reporting = fx.reporting
    vendor_names = {str(row.vendor_id): row.vendor_name for row in spend}
    vendor_names.update({str(vendor_id): name for vendor_id, name, _, _ in critical.by_vendor})
    if by_vendor is not None:
        vendor_names.update({str(vendor.vendor_id): vendor.name for vendor in by_vendor.vendors})
    countries_seen = {row.country for row in spend} | {country for country, _ in critical.by_country}
    country_names = {code: _country_name(code) for code in countries_seen}

    # Each vendor's (country's) spend per currency first, converted once per currency: a row's
    # tooltip names the amount of each currency and the rate it took. One pass over the rows.
    per_vendor_currency: dict[int, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    native_country: dict[str, dict[str, Decimal]] = defaultdict(lambda: defaultdict(Decimal))
    per_currency: dict[str, Decimal] = defaultdict(Decimal)
    for row in spend:
        if by_vendor is None:
            per_vendor_currency[row.vendor_id][row.currency] += row.annual
        native_country[row.country][row.currency] += row.annual
        per_currency[row.currency] += row.annual
    native_vendor: Mapping[str, Mapping[str, Decimal]] = {
        str(vendor_id): amounts for vendor_id, amounts in per_vendor_currency.items()
    }
    # Each currency's rate on ``today`` (None: no rate on or before it), looked up once.
    rates = {
        currency: found[0] if (found := fx.rate(currency, today)) is not None else None for currency in per_currency
    }

    def converted(native: Mapping[str, Mapping[str, Decimal]]) -> dict[tuple[str, str], Decimal]:
        # The converted currencies' sum of each vendor (country), to the cent; none when none converts.
        return {
            (key, reporting): value
            for key, amounts in native.items()
            if (value := _in_reporting(amounts, rates.get)) is not None
        }

    def conversions_of(native: Mapping[str, Mapping[str, Decimal]]) -> Callable[[str], tuple[Conversion, ...]]:
        # A row's tooltip: each converted currency's amount and the rate it took (built for rows shown).
        def of(key: str) -> tuple[Conversion, ...]:
            return tuple(
                conversion
                for currency, amount in sorted(native[key].items())
                if (conversion := fx.convert(amount, currency, on=today)).converted is not None
            )

        return of

    spend_country = converted(native_country)
    not_counted = {currency: amount for currency, amount in per_currency.items() if rates[currency] is None}
    # The whole: each currency's sum converted (the vendor 360's ``spend_total`` adds the same way).
    spend_total = reporting_total(per_currency, today=today, fx=fx)
    money_totals = {reporting: spend_total}

    def contracts_url(**extra: Any) -> Any:
        # Every active contract of the vendor (country) in any currency: the share adds them all up.
        if "vendor" in extra:
            vendor_url = VendorUrls("contracts:contract-list", scope, status=ContractStatus.ACTIVE)
            return lambda key, currency: vendor_url(int(key))
        return lambda key, currency: drill_url(
            "contracts:contract-list", scope, status=ContractStatus.ACTIVE, country=key
        )

    if by_vendor is None:
        spend_by_vendor = _share_rows(
            converted(native_vendor),
            money_totals,
            vendor_names,
            contracts_url(vendor=True),
            threshold,
            counts_rows=False,
        )
    else:
        # Summed, divided by the same whole (``reporting_total`` of the same groups) and ordered in the
        # database, with the same rounding and order.
        spend_by_vendor = _rows_of(
            [
                Share(str(vendor_id), reporting, amount, share, share is not None and share > threshold)
                for vendor_id, _, amount, share in by_vendor.vendors
            ],
            vendor_names,
            contracts_url(vendor=True),
            counts_rows=False,
        )
        # The currencies of the rows the panel shows and of the flagged ones, read in one query when needed.
        shown = {share.key for share in spend_by_vendor.shares[:SHOWN_ROWS]}
        shown.update(share.key for share in spend_by_vendor.shares if share.flagged)
        native_vendor = _Natives(by_vendor, shown)
    spend_by_vendor.conversions = conversions_of(native_vendor)
    spend_by_country = _share_rows(
        spend_country,
        money_totals,
        country_names,
        contracts_url(country=True),
        threshold,
        counts_rows=False,
    )
    spend_by_country.conversions = conversions_of(native_country)

    def functions_url(parameter: str) -> Any:
        if parameter == "served_by" and scope.vendor is None:
            vendor_url = VendorUrls("functions:function-list", scope, vendor_parameter="served_by", critical="true")
            return lambda key, currency: vendor_url(int(key))
        return lambda key, currency: drill_url(
            "functions:function-list", scope, vendor_parameter="served_by", critical="true", **{parameter: key}
        )

    # Counted, divided by the same whole and ordered in the database, with the same rounding and order; the
    # rows shown and the flagged ones read, the rest when the CSV asks.
    def function_shares(rows: Iterable[tuple[int, str, int, Decimal | None]]) -> list[Share]:
        return [
            Share(str(vendor_id), "", n, share, share is not None and share > threshold)
            for vendor_id, _, n, share in rows
        ]

    def every_function_share() -> list[Share]:
        rows = critical.read_all()
        vendor_names.update({str(vendor_id): name for vendor_id, name, _, _ in rows})
        return function_shares(rows)

    functions_by_vendor = _rows_of(
        function_shares(critical.by_vendor),
        vendor_names,
        functions_url("served_by"),
        counts_rows=True,
        count=critical.vendors,
        read_all=every_function_share,
    )
    function_totals = {"": critical.total}
    return Concentration(
        threshold=threshold,
        spend_by_vendor=spend_by_vendor,
        spend_by_country=spend_by_country,
        functions_by_vendor=functions_by_vendor,
        functions_by_country=_share_rows(
            {(country, ""): n for country, n in critical.by_country},
            function_totals,
            country_names,
            functions_url("served_from"),
            threshold,
            counts_rows=True,
        ),
        critical_functions=critical.total,
        reporting_currency=reporting,
        spend_total=spend_total,
        spend_not_counted=tuple(
            fx.convert(round_money(amount), currency, on=today) for currency, amount in sorted(not_counted.items())
        ),
    )
