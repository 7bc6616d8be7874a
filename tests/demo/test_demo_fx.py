"""The demo's FX rates (apps/demo/fx.py): added once through the generic loader, never rewritten."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

import pytest

from apps.core.models import FxRate
from apps.demo.fx import DEMO_FX_RATES_CSV, demo_fx_rates_load

pytestmark = pytest.mark.django_db


def test_the_demo_rates_are_added_never_rewritten() -> None:
    first = demo_fx_rates_load()
    assert first.created == len(DEMO_FX_RATES_CSV.read_text().strip().splitlines()) - 1
    changed = FxRate.objects.get(currency="USD", valid_on=dt.date(2026, 1, 1))
    changed.rate = Decimal("0.5")
    changed.save()
    again = demo_fx_rates_load()
    assert (again.created, again.updated) == (0, 0)
    changed.refresh_from_db()
    assert changed.rate == Decimal("0.5")
