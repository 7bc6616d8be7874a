"""The demo's FX rates (``fixtures/demo_fx_rates.csv``: USD and GBP to EUR, 2024–2026), loaded through
the generic rate loader of ``apps.core.fx``."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from apps.core.fx import FxLoadResult, fx_rates_load_file

DEMO_FX_RATES_CSV = Path(__file__).resolve().parent / "fixtures" / "demo_fx_rates.csv"


def demo_fx_rates_load(*, actor: Any | None = None) -> FxLoadResult:
    """Only the missing rates are added; a rate an admin has changed is left as it is (demo data is
    added, never rewritten)."""
    return fx_rates_load_file(path=DEMO_FX_RATES_CSV, actor=actor, overwrite=False)
