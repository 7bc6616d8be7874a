"""``manage.py telemetry_reprocess [--binding ID] [--contract ID] [--since YYYY-MM-DD] [--status failed|all]``:
stored deliveries processed again, in the order they were received, after a parser or rule change
(identity rules, production environments) — ``apps.performance.telemetry.operations.deliveries_reprocess``;
docs/telemetry/operations.md."""

from __future__ import annotations

from typing import Any

from django.core.management.base import BaseCommand, CommandError, CommandParser

from apps.contracts.models import Contract
from apps.performance.management.commands.telemetry_backfill import binding_named, day_option
from apps.performance.telemetry.operations import REPROCESS_STATUSES, ReprocessResult, deliveries_reprocess

ORDER = ("processed", "ignored", "failed", "busy", "purged")


def counts_line(result: ReprocessResult) -> str:
    known = [f"{result.statuses[name]} {name}" for name in ORDER if result.statuses[name]]
    other = [f"{count} {name}" for name, count in sorted(result.statuses.items()) if name not in ORDER]
    return ", ".join(known + other) or "none"


class Command(BaseCommand):
    help = (
        "Process stored telemetry deliveries again (after a parser or rule change), oldest first, in batches; "
        "deliveries whose payload was cleared by retention are skipped and counted."
    )

    def add_arguments(self, parser: CommandParser) -> None:
        parser.add_argument("--binding", default=None, help="only this binding's deliveries (its id or public id)")
        parser.add_argument(
            "--contract", type=int, default=None, help="only the deliveries of this contract's bindings"
        )
        parser.add_argument("--since", default=None, help="only deliveries received on or after this day (YYYY-MM-DD)")
        parser.add_argument(
            "--status", choices=REPROCESS_STATUSES, default="all", help="every delivery (all) or the failed ones"
        )

    def handle(
        self,
        *args: Any,
        binding: str | None,
        contract: int | None,
        since: str | None,
        status: str,
        **options: Any,
    ) -> None:
        binding_id = binding_named(binding).pk if binding else None
        if contract is not None and not Contract.objects.filter(pk=contract).exists():
            raise CommandError(f"No contract has the id {contract}.")
        first = day_option("--since", since) if since else None
        verbose = options.get("verbosity", 1) > 1
        result = deliveries_reprocess(
            binding_id=binding_id,
            contract_id=contract,
            since=first,
            status=status,
            progress=(lambda done: self.stdout.write(f"  {done.total} so far: {counts_line(done)}"))
            if verbose
            else None,
        )
        self.stdout.write(f"Re-processed {result.total} deliveries: {counts_line(result)}.")
        if result.statuses["purged"]:
            self.stdout.write(
                f"{result.statuses['purged']} were skipped: their payload was cleared after the retention period "
                "(their events stay as they were)."
            )
