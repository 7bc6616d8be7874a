"""Validators shared by the domain apps."""

from __future__ import annotations

from functools import cache

import pycountry
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator


@cache
def iso4217_codes() -> frozenset[str]:
    return frozenset(currency.alpha_3 for currency in pycountry.currencies)


def validate_currency_code(value: str) -> None:
    """An ISO-4217 alphabetic code, upper case (``USD``, ``EUR``)."""
    if value not in iso4217_codes():
        raise ValidationError(
            "“%(value)s” is not an ISO-4217 currency code (e.g. USD, EUR).", code="currency", params={"value": value}
        )


SCORE_MIN = 1
SCORE_MAX = 5
score_validators = [MinValueValidator(SCORE_MIN), MaxValueValidator(SCORE_MAX)]
