"""Money in one reporting currency: the dated FX-rate table, read once per request, and conversion.

A rate says what one unit of a currency is worth in ``REPORTING_CURRENCY`` from its ``valid_on`` day.
A figure dated D converts at the latest rate of its currency on or before D; the reporting currency
converts at 1. Without such a rate a figure is *not converted* — never guessed from a later rate, an
inverse or another currency — and whoever shows it says so (``Conversion.note``).
"""

from __future__ import annotations

import csv
import io
from bisect import bisect_right
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Any

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db.models import QuerySet

from apps.core.formatting import format_date
from apps.core.models import FxRate
from apps.core.services import audited, model_create, model_delete, model_update, save_validated

FX_CSV_COLUMNS = ("currency", "date", "rate")


def reporting_currency() -> str:
    return str(settings.REPORTING_CURRENCY)


# -- selectors --------------------------------------------------------------------------------------------
def fx_rate_list(*, user: Any = None) -> QuerySet[FxRate]:
    """Every rate; reference data everyone signed in may read."""
    return FxRate.objects.all()


@dataclass(frozen=True)
class Conversion:
    """``amount`` in ``currency`` as of ``on``, in the reporting currency: ``converted`` at ``rate``
    (valid from ``rate_on``), or ``converted is None`` when no rate applies."""

    amount: Decimal
    currency: str
    on: date
    reporting: str
    converted: Decimal | None
    rate: Decimal | None
    rate_on: date | None

    @property
    def missing(self) -> bool:
        return self.converted is None

    @property
    def same_currency(self) -> bool:
        return self.currency == self.reporting

    @property
    def rate_text(self) -> str:
        """ "USD 1 = EUR 0.92 (rate of 30 Nov 2026)"; "" for the reporting currency itself."""
        if self.rate is None or self.same_currency:
            return ""
        assert self.rate_on is not None
        return f"{self.currency} 1 = {self.reporting} {self.rate.normalize():f} (rate of {format_date(self.rate_on)})"

    @property
    def missing_text(self) -> str:
        return f"no {self.currency} rate on or before {format_date(self.on)}: not counted"

    @property
    def note(self) -> str:
        return self.missing_text if self.missing else self.rate_text


@dataclass(frozen=True)
class FxTable:
    """All rates, read in one query: ``rates[currency]`` is ``(days, rates)`` sorted by day."""

    reporting: str
    rates: Mapping[str, tuple[list[date], list[Decimal]]] = field(default_factory=dict)
    # Each (currency, day) looked up once: a portfolio's page converts tens of thousands of figures
    # in a handful of currencies on one day.
    _found: dict[tuple[str, date], tuple[Decimal, date] | None] = field(
        default_factory=dict, init=False, repr=False, compare=False
    )

    def rate(self, currency: str, on: date) -> tuple[Decimal, date] | None:
        """The latest rate of ``currency`` on or before ``on`` and its day; (1, ``on``) for the
        reporting currency; None when there is none."""
        key = (currency, on)
        if key in self._found:
            return self._found[key]
        if currency == self.reporting:
            found: tuple[Decimal, date] | None = (Decimal(1), on)
        else:
            days, values = self.rates.get(currency, ([], []))
            index = bisect_right(days, on)
            found = (values[index - 1], days[index - 1]) if index else None
        self._found[key] = found
        return found

    def converted(self, amount: Decimal, currency: str, *, on: date) -> Decimal | None:
        """``convert(...).converted`` without the rest of the conversion (for sums over many figures)."""
        found = self.rate(currency, on)
        return None if found is None else Decimal(amount) * found[0]

    def convert(self, amount: Decimal, currency: str, *, on: date) -> Conversion:
        found = self.rate(currency, on)
        if found is None:
            return Conversion(Decimal(amount), currency, on, self.reporting, None, None, None)
        rate, rate_on = found
        return Conversion(Decimal(amount), currency, on, self.reporting, Decimal(amount) * rate, rate, rate_on)


def fx_table(*, reporting: str | None = None) -> FxTable:
    """One query: the whole table (it holds a few rates per currency per month at most)."""
    reporting = reporting or reporting_currency()
    rates: dict[str, tuple[list[date], list[Decimal]]] = {}
    for currency, valid_on, rate in (
        FxRate.objects.exclude(currency=reporting)
        .order_by("currency", "valid_on")
        .values_list("currency", "valid_on", "rate")
    ):
        days, values = rates.setdefault(currency, ([], []))
        days.append(valid_on)
        values.append(rate)
    return FxTable(reporting, rates)


def convert(amount: Decimal, currency: str, *, on: date, table: FxTable | None = None) -> Conversion:
    """``amount`` of ``currency`` in the reporting currency at the latest rate on or before ``on``
    (``Conversion.missing`` when there is none). Pass ``table`` to convert many figures with one query."""
    return (table or fx_table()).convert(amount, currency, on=on)


# -- services ---------------------------------------------------------------------------------------------
def fx_rate_create(*, actor: Any | None, data: Mapping[str, Any]) -> FxRate:
    return model_create(FxRate, actor=actor, data=data, action="fx_rate_create")


def fx_rate_update(*, instance: FxRate, actor: Any | None, data: Mapping[str, Any]) -> FxRate:
    return model_update(instance, actor=actor, data=data, action="fx_rate_update")


def fx_rate_delete(*, instance: FxRate, actor: Any | None) -> None:
    model_delete(instance, actor=actor, action="fx_rate_delete")


class FxRatesFileError(Exception):
    """A rates file that cannot be loaded; ``messages`` name each bad row by its line number."""

    def __init__(self, messages: list[str]) -> None:
        super().__init__("\n".join(messages))
        self.messages = messages


@dataclass(frozen=True)
class FxLoadResult:
    created: int
    updated: int
    unchanged: int

    def __str__(self) -> str:
        return f"{self.created} created, {self.updated} updated, {self.unchanged} unchanged."


def _validation_text(error: ValidationError) -> str:
    if hasattr(error, "error_dict"):
        return "; ".join(
            f"{name if name != '__all__' else 'row'}: {' '.join(msgs)}" for name, msgs in error.message_dict.items()
        )
    return " ".join(error.messages)


def fx_rates_parse(text: str) -> list[FxRate]:
    """The rows of a CSV ``currency,date,rate`` (header first; date YYYY-MM-DD; a dot for decimals) as
    unsaved, validated rates. Every bad row is reported with its line number (the header is line 1)."""
    reader = csv.DictReader(io.StringIO(text.lstrip("\ufeff")))
    header = [(name or "").strip().lower() for name in reader.fieldnames or []]
    missing = [column for column in FX_CSV_COLUMNS if column not in header]
    if missing:
        raise FxRatesFileError(
            [f"Line 1: the header must name the columns {', '.join(FX_CSV_COLUMNS)} (missing: {', '.join(missing)})."]
        )
    reader.fieldnames = header
    problems: list[str] = []
    rates: list[FxRate] = []
    seen: dict[tuple[str, date], int] = {}
    for line, row in enumerate(reader, start=2):
        currency = (row.get("currency") or "").strip().upper()
        day_text = (row.get("date") or "").strip()
        rate_text = (row.get("rate") or "").strip()
        if not (currency or day_text or rate_text):
            continue  # a blank line
        if row.get(None):
            problems.append(f"Line {line}: more values than columns (a decimal comma? write 0.92, with a dot).")
            continue
        try:
            day = date.fromisoformat(day_text)
        except ValueError:
            problems.append(f"Line {line}: the date “{day_text}” is not a date like 2026-11-30.")
            continue
        try:
            rate = Decimal(rate_text)
        except InvalidOperation:
            problems.append(f"Line {line}: the rate “{rate_text}” is not a number (write 0.92, with a dot).")
            continue
        if not rate.is_finite():
            problems.append(f"Line {line}: the rate “{rate_text}” is not a number (write 0.92, with a dot).")
            continue
        candidate = FxRate(currency=currency, valid_on=day, rate=rate)
        try:
            candidate.full_clean(validate_unique=False, validate_constraints=False)
        except ValidationError as exc:
            problems.append(f"Line {line}: {_validation_text(exc)}")
            continue
        earlier = seen.get((currency, day))
        if earlier is not None:
            problems.append(f"Line {line}: {currency} on {day.isoformat()} is already on line {earlier}.")
            continue
        seen[(currency, day)] = line
        rates.append(candidate)
    if problems:
        raise FxRatesFileError(problems)
    return rates


def fx_rates_load(*, rates: Iterable[FxRate], actor: Any | None, overwrite: bool = True) -> FxLoadResult:
    """Upsert ``rates`` on (currency, day) in one transaction: a new day is created, a changed rate
    updated (only with ``overwrite``; without it an existing row is left as it is), the same rate
    left alone — loading the same file twice changes nothing."""
    rates = list(rates)
    created = updated = unchanged = 0
    with audited(actor=actor, action="fx_rates_load"):
        existing = {
            (row.currency, row.valid_on): row
            for row in FxRate.objects.select_for_update().filter(currency__in={r.currency for r in rates})
        }
        for rate in rates:
            current = existing.get((rate.currency, rate.valid_on))
            if current is None:
                save_validated(rate)
                created += 1
            elif current.rate != rate.rate and overwrite:
                current.rate = rate.rate
                save_validated(current)
                updated += 1
            else:
                unchanged += 1
    return FxLoadResult(created, updated, unchanged)


def fx_rates_load_file(*, path: str | Path, actor: Any | None = None, overwrite: bool = True) -> FxLoadResult:
    """Read, check and load a rates CSV: a bad row anywhere and nothing is written."""
    try:
        text = Path(path).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as exc:
        raise FxRatesFileError([f"Cannot read {path}: {exc}"]) from exc
    return fx_rates_load(rates=fx_rates_parse(text), actor=actor, overwrite=overwrite)
