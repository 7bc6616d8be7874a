"""``manage.py fx_rates FILE.csv``: load dated FX rates (columns currency,date,rate)."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.core.fx import FxRatesFileError, fx_rates_load_file, reporting_currency


class Command(BaseCommand):
    help = (
        "Load FX rates from a CSV with the header currency,date,rate (date YYYY-MM-DD; rate: the reporting "
        "currency's amount for one unit of the currency). A rate already there for the same currency and day "
        "is updated when it differs; loading the same file again changes nothing. One bad row and nothing "
        "is written."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("file", help="The CSV file.")

    def handle(self, *args: Any, **options: Any) -> None:
        try:
            result = fx_rates_load_file(path=options["file"])
        except FxRatesFileError as exc:
            raise CommandError("Nothing was loaded.\n" + "\n".join(exc.messages)) from exc
        self.stdout.write(f"FX rates to {reporting_currency()}: {result}")
