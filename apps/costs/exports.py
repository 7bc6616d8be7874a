"""The cost ledger as CSV and XLSX (``/costs/ledger.csv``, ``/costs/ledger.xlsx``): the page's rows under the
same filters, every row of them (the page shows 50 at a time), in the columns of ``LedgerTable`` — each
figure, its parts, and a column per figure with the absolute URL of the list of the rows it counts, so a
number in a spreadsheet can be traced. Written by the house's helpers (``apps.core.tables``): text a
spreadsheet would run as a formula is made inert, numbers stay numbers, months are dates."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from apps.core.tables import EXPORT_FORMATS, export_response
from apps.costs.tables import LedgerTable
from apps.costs.tco import LedgerRow

LEDGER_FILENAME = "cost-ledger"


def ledger_export(file_format: str, rows: Sequence[LedgerRow]) -> Any:
    """``rows`` as a ``csv`` or ``xlsx`` download named ``cost-ledger-<today>``."""
    if file_format not in EXPORT_FORMATS:
        raise ValueError(f"No such export format: {file_format}.")
    return export_response(file_format, LEDGER_FILENAME, LedgerTable.export_columns, rows)
