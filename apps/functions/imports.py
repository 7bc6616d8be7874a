"""The function catalogue as an import register (``apps.core.importing``): one row per IT function with
its sourcing profile, written through ``apps.functions.services``. Sourcing decisions are not imported:
each is an executive's recorded decision with its rationale. docs/operations/import-registers.md.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from django.db.models import Model
from django.db.models.functions import Lower

from apps.core.importing import (
    ImportColumn,
    ImportContext,
    ParsedRow,
    RecordRegister,
    normalise_key_part,
    read_bool,
    read_choice,
    read_decimal,
    read_int,
    register_import,
)
from apps.functions import services
from apps.functions.choices import FunctionCategory
from apps.functions.models import SCORE_FIELDS, Function

SCORE_HELP = {
    "strategic": "How much it differentiates the product, 1 (low) to 5 (high).",
    "sensitive": "How sensitive its data, IP or access are, 1–5.",
    "repeatable": "How repeatable and specifiable the work is, 1–5.",
    "scarce": "How scarce the skills are in-house, 1–5.",
}
SCORE_EXAMPLE = {"strategic": "2", "sensitive": "2", "repeatable": "4", "scarce": "3"}


def functions_by_name(names: Sequence[str], *, lock: bool = False) -> dict[str, Function]:
    """The functions named (any case), by their name casefolded: one query."""
    wanted = {name.strip().lower() for name in names if name and name.strip()}
    if not wanted:
        return {}
    rows = Function.objects.annotate(name_lower=Lower("name")).filter(name_lower__in=wanted)
    if lock:
        rows = rows.select_for_update()
    return {normalise_key_part(function.name): function for function in rows}


class FunctionRegister(RecordRegister):
    key = "functions"
    label = "Functions"
    order = 10
    model = Function
    permission = "functions.add_function"
    description = "One row per IT function with its sourcing profile (four scores from 1 to 5)."
    natural_key = ("name",)
    natural_key_help = "function name"
    columns = (
        ImportColumn("name", required=True, help="The function's name (unique, any case).", example="QA automation"),
        ImportColumn(
            "category",
            required=True,
            help="A category's code or label, e.g. qa_testing or “QA & testing”.",
            example="qa_testing",
        ),
        ImportColumn("description", example="Regression suites and test tooling."),
        *(
            ImportColumn(name, required=True, help=SCORE_HELP[name], example=SCORE_EXAMPLE[name])
            for name in SCORE_FIELDS
        ),
        ImportColumn(
            "velocity_critical",
            help="yes or no; empty: the category's default (CI/CD is velocity-critical).",
            example="no",
        ),
        ImportColumn(
            "cost_of_delay_per_week",
            help="What a week's delay of one milestone of the function costs us, in the reporting currency.",
            example="3000",
            aliases=("cost_of_delay",),
        ),
    )
    readers = {
        "category": read_choice(FunctionCategory),
        **dict.fromkeys(SCORE_FIELDS, read_int),
        "velocity_critical": read_bool,
        "cost_of_delay_per_week": read_decimal,
    }
    required_for_new = ("category", *SCORE_FIELDS)

    def resolve(self, rows: Sequence[ParsedRow], *, context: ImportContext, writing: bool) -> None:
        existing = functions_by_name([row.values.get("name", "") for row in rows], lock=writing)
        for row in rows:
            row.existing = existing.get(normalise_key_part(row.values.get("name")))

    def create(self, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.function_create(actor=actor, data=fields)

    def update(self, instance: Any, fields: dict[str, Any], *, actor: Any) -> Model:
        return services.function_update(instance=instance, actor=actor, data=fields)


def register_imports() -> None:
    """Called from ``FunctionsConfig.ready()``."""
    register_import(FunctionRegister())
