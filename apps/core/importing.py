"""The registers a spreadsheet can be imported into, registered by the apps that own them.

One import machinery (``apps.performance.imports``: upload → preview → start → a worker writes in
chunks → done) serves every register; each domain app declares what its rows look like and how one is
checked and written, and registers it here (a lower floor never imports the engine):

    class VendorRegister(ImportRegister):
        key = "vendors"
        label = "Vendors"
        order = 20
        permission = "vendors.add_vendor"
        description = "One row per vendor; a vendor already known by its name is updated."
        natural_key = ("name",)
        columns = (ImportColumn("name", required=True, example="Acme Software"), ...)

        def check(self, rows, *, context): ...
        def write_row(self, data, *, actor): ...

    register_import(VendorRegister())

The engine reads the file (CSV, or an XLSX workbook whose sheets are named after registers' ``label``
or ``key``), maps header cells to ``columns`` (by name or alias, any case), refuses formulas, unescapes
a spreadsheet's leading apostrophe and hands each register its rows as text cells. ``check`` finds every
row's errors without writing, in a constant number of queries; ``write_row`` writes one checked row
through the domain's service, inside its own transaction, and says whether it created, updated or left
unchanged the record its natural key names. A file's refused rows are never written; its valid rows are
(the page says so before the import starts).
"""

from __future__ import annotations

import copy
import re
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time
from decimal import Decimal
from typing import Any, ClassVar, Literal

from django.core.exceptions import FieldDoesNotExist, ValidationError
from django.db import models, transaction

from apps.core.errors import error_messages

Outcome = Literal["created", "updated", "unchanged"]
OUTCOMES: tuple[Outcome, ...] = ("created", "updated", "unchanged")


@dataclass(frozen=True)
class ImportColumn:
    """One column of a register's file: its header name, whether every row needs it, a help text for
    the template and the page, an example cell, and other header names that mean it."""

    name: str
    required: bool = False
    help: str = ""
    example: str = ""
    aliases: tuple[str, ...] = ()


@dataclass
class RowCheck:
    """One row after ``check``: what ``write_row`` gets, the errors by column (empty: the row is valid),
    and its natural key as normalised text (None when it cannot be read)."""

    data: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)
    key: tuple[str, ...] | None = None

    @property
    def valid(self) -> bool:
        return not self.errors


@dataclass
class ImportContext:
    """What a register's ``check`` may consult besides the database: who imports (their scope and
    permissions) and the natural keys of the valid rows of the sheets imported before it in the same
    workbook (a contract sheet may name a vendor the vendor sheet creates), by register key."""

    actor: Any = None
    planned: dict[str, set[tuple[str, ...]]] = field(default_factory=dict)

    def will_exist(self, register_key: str, key: tuple[str, ...]) -> bool:
        return key in self.planned.get(register_key, set())


@dataclass(frozen=True)
class RowOutcome:
    """What writing one row did: an outcome, or the errors that refused it at write time."""

    outcome: Outcome | None
    errors: dict[str, list[str]] = field(default_factory=dict)


class ImportRegister:
    """A register a file can be imported into (see the module's docstring)."""

    key: ClassVar[str]
    label: ClassVar[str]
    order: ClassVar[int]
    permission: ClassVar[str]
    description: ClassVar[str] = ""
    natural_key: ClassVar[tuple[str, ...]]
    natural_key_help: ClassVar[str] = ""
    columns: ClassVar[tuple[ImportColumn, ...]]
    # Rows a worker writes per transaction batch before it records its progress.
    chunk_rows: ClassVar[int] = 200
    # Columns of free text (a note) where a cell starting with "=" is kept as typed (pages escape it, the
    # exports prefix it); in every other column such a cell is refused as a formula.
    free_text_columns: ClassVar[tuple[str, ...]] = ()

    @property
    def column_names(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns)

    @property
    def required_columns(self) -> tuple[str, ...]:
        return tuple(column.name for column in self.columns if column.required)

    def may_import(self, user: Any) -> bool:
        return bool(user and user.has_perm(self.permission))

    def may_view(self, user: Any) -> bool:
        """Who sees this register's imports (and their row errors): by default who may import it."""
        return self.may_import(user)

    def check(self, rows: Sequence[Mapping[str, str]], *, context: ImportContext) -> list[RowCheck]:
        """Every row checked, in order, without writing (a constant number of queries)."""
        raise NotImplementedError

    def write_row(self, data: Mapping[str, Any], *, actor: Any) -> Outcome:
        """Write one checked row through the domain's services; raise ``ValidationError`` or
        ``ApplicationError`` to refuse it (nothing of the row is kept)."""
        raise NotImplementedError

    def write_chunk(self, rows: Sequence[Mapping[str, Any]], *, actor: Any) -> list[RowOutcome]:
        """Write checked rows, each in its own transaction: a refused row leaves nothing behind and
        does not stop the others. A register with a set-based writer (measurements) overrides it."""
        from django.core.exceptions import ValidationError

        from apps.core.errors import ApplicationError, error_messages

        outcomes: list[RowOutcome] = []
        for data in rows:
            try:
                with transaction.atomic():
                    outcomes.append(RowOutcome(self.write_row(data, actor=actor)))
            except (ValidationError, ApplicationError) as exc:
                outcomes.append(RowOutcome(None, error_messages(exc)))
        return outcomes

    def template_rows(self) -> list[dict[str, str]]:
        """Example rows for the template download: one, from the columns' examples."""
        return [{column.name: column.example for column in self.columns}]


_REGISTERS: dict[str, ImportRegister] = {}


def register_import(register: ImportRegister) -> ImportRegister:
    """Make a register importable (called from the owning app's ``ready()``); a key is registered once."""
    existing = _REGISTERS.get(register.key)
    if existing is not None and type(existing) is not type(register):
        raise ValueError(f"The import register {register.key!r} is already registered by {type(existing).__name__}.")
    _REGISTERS[register.key] = register
    return register


def import_registers() -> list[ImportRegister]:
    """Every register, in the order a workbook's sheets are imported."""
    return sorted(_REGISTERS.values(), key=lambda register: (register.order, register.key))


def import_register(key: str) -> ImportRegister | None:
    return _REGISTERS.get(key)


def import_register_for_sheet(sheet_name: str) -> ImportRegister | None:
    """The register a workbook sheet feeds: its name is a register's label or key, in any case."""
    wanted = sheet_name.strip().casefold().replace(" ", "_").replace("-", "_")
    for register in _REGISTERS.values():
        names = {register.key.casefold(), register.label.casefold().replace(" ", "_").replace("-", "_")}
        if wanted in names:
            return register
    return None


# -- reading cells ---------------------------------------------------------------------------------------
# The engine hands registers text cells (stripped, unescaped, formulas already refused); these read them
# into values, raising ``CellError`` with the message the preview shows on that column. An empty cell is
# "not given" and is never passed to them.


class CellError(ValueError):
    """A cell that cannot be read as its column's kind of value."""

    def __init__(self, message: str) -> None:
        super().__init__(message)
        self.message = message


DECIMAL_COMMA_ADVICE = "Use a decimal point (1234.5), or save the file with semicolons as separators."
_PLAIN_NUMBER = re.compile(r"[+-]?(?:\d+(?:\.\d*)?|\.\d+)")
_COMMA_DECIMAL = re.compile(r"[+-]?\d+,\d+")
# A dot before groups of three digits, as a comma-decimal locale writes thousands (never with a leading 0).
_DOT_THOUSANDS = re.compile(r"[+-]?[1-9]\d{0,2}(?:\.\d{3})+")
TRUE_WORDS = frozenset({"yes", "true", "1", "y"})
FALSE_WORDS = frozenset({"no", "false", "0", "n"})


def parse_decimal(cell: str, *, decimal_comma: bool = False) -> Decimal | None:
    """A number with a decimal point; with ``decimal_comma`` (a semicolon-separated file) ``5,5`` is 5.5.
    Thousands separators are never read: a cell that could mean two numbers is refused, not guessed."""
    text = cell.strip()
    if not text:
        return None
    if "," in text:
        if decimal_comma and _COMMA_DECIMAL.fullmatch(text):
            text = text.replace(",", ".")
        elif decimal_comma:
            raise CellError(
                f"“{cell}” is not a number: write it without thousands separators, with a decimal comma (5,5) "
                "or a decimal point (5.5)."
            )
        else:
            raise CellError(f"“{cell}” has a comma. {DECIMAL_COMMA_ADVICE}")
    elif decimal_comma and _DOT_THOUSANDS.fullmatch(text):
        readings = [text.replace(".", "")] + ([text.replace(".", ",")] if text.count(".") == 1 else [])
        raise CellError(
            f"“{cell}” is ambiguous in a semicolon-separated file: is the dot a thousands separator or a decimal "
            f"point? Write {' or '.join(readings)}."
        )
    if not _PLAIN_NUMBER.fullmatch(text):
        raise CellError(f"“{cell}” is not a number; write it like 1234.5.")
    return Decimal(text)


def parse_int(cell: str, *, decimal_comma: bool = False) -> int | None:
    """A whole number (``3``; ``3.0`` as a spreadsheet may write it)."""
    try:
        number = parse_decimal(cell, decimal_comma=decimal_comma)
    except CellError:
        raise CellError(f"“{cell}” is not a whole number.") from None
    if number is None:
        return None
    if number != number.to_integral_value():
        raise CellError(f"“{cell}” is not a whole number.")
    return int(number)


def parse_date(cell: str) -> date | None:
    """A date as ``YYYY-MM-DD`` (a spreadsheet date arrives so); a midnight timestamp is its date."""
    text = cell.strip()
    if not text:
        return None
    try:
        return date.fromisoformat(text)
    except ValueError:
        pass
    if len(text) > 10 and text[10] in "T ":
        try:
            moment = datetime.fromisoformat(text)
        except ValueError:
            pass
        else:
            if moment.time() == time(0):
                return moment.date()
    raise CellError(f"“{cell}” is not a date; write it as YYYY-MM-DD (e.g. 2026-03-31).")


def parse_bool(cell: str) -> bool | None:
    """yes/no, true/false, y/n or 1/0, in any case."""
    word = cell.strip().casefold()
    if not word:
        return None
    if word in TRUE_WORDS:
        return True
    if word in FALSE_WORDS:
        return False
    raise CellError(f"“{cell}”: write yes or no.")


def _choice_pairs(choices: Any) -> list[tuple[str, str]]:
    pairs = choices.choices if hasattr(choices, "choices") else choices
    return [(str(value), str(label)) for value, label in pairs]


def parse_choice(cell: str, choices: Any) -> str | None:
    """One of ``choices`` (a ``TextChoices`` class or ``(value, label)`` pairs), by value or label in any
    case (``Tier 1 — critical``, ``tier_1``, ``TIER_1``); the stored value."""
    text = cell.strip()
    if not text:
        return None
    wanted = text.casefold()
    pairs = _choice_pairs(choices)
    for value, label in pairs:
        if wanted in (value.casefold(), label.casefold(), value.casefold().replace("_", " ")):
            return value
    listed = ", ".join(
        value if value.casefold() == label.casefold() else f"{value} ({label})" for value, label in pairs
    )
    raise CellError(f"“{cell}” is not one of: {listed}.")


def parse_currency(cell: str) -> str | None:
    """An ISO-4217 code in any case (``eur`` is EUR)."""
    from apps.core.validators import iso4217_codes

    code = cell.strip().upper()
    if not code:
        return None
    if code not in iso4217_codes():
        raise CellError(f"“{cell}” is not an ISO-4217 currency code (e.g. USD, EUR).")
    return code


def parse_list(cell: str) -> list[str]:
    """Several values in one cell, separated by semicolons (or, when there is none, by commas)."""
    separator = ";" if ";" in cell else ","
    return [part.strip() for part in cell.split(separator) if part.strip()]


def normalise_key_part(value: Any) -> str:
    """One part of a natural key as ``ImportContext.planned`` holds it: casefolded, stripped text."""
    if value is None:
        return ""
    if isinstance(value, date):
        return value.isoformat()
    return str(value).strip().casefold()


def cell_text(value: Any) -> str:
    """A read value written back as the normalised cell ``write_row`` reads again (JSON-safe text)."""
    if value is None:
        return ""
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, list | tuple | set):
        return "; ".join(str(part) for part in value)
    return str(value)


# -- a register of one model's records -------------------------------------------------------------------
DETAIL = "detail"  # where an error about the row as a whole goes (``apps.core.errors.error_messages``)
CellReader = Callable[[str, bool], Any]


def read_text(cell: str, decimal_comma: bool) -> str:
    return cell


def read_decimal(cell: str, decimal_comma: bool) -> Decimal | None:
    return parse_decimal(cell, decimal_comma=decimal_comma)


def read_int(cell: str, decimal_comma: bool) -> int | None:
    return parse_int(cell, decimal_comma=decimal_comma)


def read_date(cell: str, decimal_comma: bool) -> date | None:
    return parse_date(cell)


def read_bool(cell: str, decimal_comma: bool) -> bool | None:
    return parse_bool(cell)


def read_currency(cell: str, decimal_comma: bool) -> str | None:
    return parse_currency(cell)


def read_list(cell: str, decimal_comma: bool) -> list[str]:
    return parse_list(cell)


def read_choice(choices: Any) -> CellReader:
    def read(cell: str, decimal_comma: bool) -> str | None:
        return parse_choice(cell, choices)

    return read


def _comparable(value: Any) -> Any:
    if isinstance(value, models.Model):
        return value.pk
    if hasattr(value, "code") and not isinstance(value, str | Decimal):  # a django-countries Country
        return str(value.code or "")
    if isinstance(value, list | tuple | set | frozenset):
        return frozenset(_comparable(part) for part in value)
    return value


def _lookup_holds(lookup: str, expected: Any, instance: models.Model) -> bool | None:
    """One ``field__op=value`` condition of a check constraint on an unsaved row, in SQL's three-valued
    logic (None: NULL, or a condition this reader does not know — never a refusal)."""
    name, _, op = lookup.partition("__")
    op = op or "exact"
    meta = instance._meta
    try:
        left = getattr(instance, getattr(meta.get_field(name), "attname", name))
        if isinstance(expected, models.F):
            referred = expected.name  # type: ignore[attr-defined]  # an F keeps the name it refers to
            right = getattr(instance, getattr(meta.get_field(referred), "attname", referred))
        elif isinstance(expected, models.expressions.Combinable):
            return None
        else:
            right = expected
    except FieldDoesNotExist:
        return None
    if op == "isnull":
        return (left is None) == bool(right)
    if left is None or right is None:
        return None
    left, right = _comparable(left), _comparable(right)
    comparisons: dict[str, Callable[[Any, Any], bool]] = {
        "exact": lambda a, b: a == b,
        "gt": lambda a, b: a > b,
        "gte": lambda a, b: a >= b,
        "lt": lambda a, b: a < b,
        "lte": lambda a, b: a <= b,
    }
    compare = comparisons.get(op)
    try:
        return compare(left, right) if compare else None
    except TypeError:  # a value the field would refuse anyway (its own error says so)
        return None


def _q_holds(condition: models.Q, instance: models.Model) -> bool | None:
    results: list[bool | None] = []
    for child in condition.children:
        if isinstance(child, models.Q):
            results.append(_q_holds(child, instance))
        elif isinstance(child, tuple):
            results.append(_lookup_holds(child[0], child[1], instance))
        else:
            results.append(None)
    if condition.connector == models.Q.OR:
        held = True if True in results else (None if None in results else False)
    else:
        held = False if False in results else (None if None in results else True)
    return held if held is None or not condition.negated else not held


def _condition_fields(condition: models.Q) -> list[str]:
    names: list[str] = []
    for child in condition.children:
        if isinstance(child, models.Q):
            names.extend(_condition_fields(child))
        elif isinstance(child, tuple):
            names.append(child[0].partition("__")[0])
    return names


def check_constraint_errors(instance: models.Model) -> dict[str, list[str]]:
    """The model's check constraints an unsaved row breaks, evaluated in Python (Django's own
    ``validate_constraints`` asks the database once per constraint and row), by the first field each
    names, with the constraint's own message."""
    errors: dict[str, list[str]] = {}
    for constraint in instance._meta.constraints:
        if not isinstance(constraint, models.CheckConstraint):
            continue
        if _q_holds(constraint.condition, instance) is False:  # type: ignore[arg-type]  # a Q in this project
            fields = _condition_fields(constraint.condition)  # type: ignore[arg-type]  # as above
            message = str(constraint.get_violation_error_message())
            errors.setdefault(fields[0] if fields else DETAIL, []).append(message)
    return errors


def model_errors(instance: models.Model, *, exclude: Iterable[str] = ()) -> dict[str, list[str]]:
    """What the model's rules say of an unsaved row (fields, ``clean()``, check constraints) without a
    query: relations are given as objects the register resolved, so they are not looked up again, and
    uniqueness is the natural key's business."""
    excluded = set(exclude) | {
        field.name for field in instance._meta.concrete_fields if isinstance(field, models.ForeignKey)
    }
    errors: dict[str, list[str]] = {}
    try:
        instance.full_clean(exclude=excluded, validate_unique=False, validate_constraints=False)
    except ValidationError as exc:
        for name, messages in error_messages(exc).items():
            errors.setdefault(name, []).extend(messages)
    for name, messages in check_constraint_errors(instance).items():
        if name not in errors:  # a field's own message already says it
            errors[name] = messages
    return errors


@dataclass
class ParsedRow:
    """One row while a ``RecordRegister`` checks or writes it: the values read from its given cells, the
    errors so far, and what the register found (the record it updates, the related records)."""

    number: Any
    values: dict[str, Any]
    errors: dict[str, list[str]] = field(default_factory=dict)
    existing: Any = None
    fields: dict[str, Any] = field(default_factory=dict)
    key: tuple[str, ...] | None = None
    notes: dict[str, Any] = field(default_factory=dict)  # what a register remembers about the row

    def error(self, column: str, message: str) -> None:
        self.errors.setdefault(column, []).append(message)

    def given(self, column: str) -> bool:
        return column in self.values


class RecordRegister(ImportRegister):
    """A register whose rows are the records of one model, created or updated through the owning app's
    services. A subclass says how its cells read (``readers``), resolves its references and the record a
    row's natural key names in a constant number of queries (``resolve``), turns a row into the model's
    field values (``fields_of``) and writes through its services (``create``/``update``).

    The semantics, for every such register: an empty cell is *not given* — a new record gets the field's
    default, an existing one keeps its value (an import never clears a field); a row whose given cells
    match the record is ``unchanged`` and writes nothing; a later row repeating an earlier row's natural
    key is refused, naming the earlier row."""

    model: ClassVar[type[models.Model]]
    readers: ClassVar[Mapping[str, CellReader]] = {}
    # Columns a new record cannot do without (the natural key's are needed by every row).
    required_for_new: ClassVar[tuple[str, ...]] = ()
    # Model fields whose errors belong to another column (``{"vendor_attendees": "vendor_attendees"}``).
    column_of_field: ClassVar[Mapping[str, str]] = {}

    @property
    def noun(self) -> str:
        return str(self.model._meta.verbose_name)

    def _perm(self, verb: str) -> str:
        meta = self.model._meta
        return f"{meta.app_label}.{verb}_{meta.model_name}"

    # -- hooks -------------------------------------------------------------------------------------------
    def key_of(self, row: ParsedRow) -> tuple[str, ...] | None:
        """The row's natural key (normalised), None when a part of it cannot be read."""
        if any(row.values.get(name) in (None, "") for name in self.natural_key if name in self.required_columns):
            return None
        return tuple(normalise_key_part(row.values.get(name)) for name in self.natural_key)

    def resolve(self, rows: Sequence[ParsedRow], *, context: ImportContext, writing: bool) -> None:
        """Find, for every row, its related records and ``existing`` (the record its key names), in a
        constant number of queries; errors on the columns at fault. ``writing``: one row, at write time
        (lock ``existing``; nothing is planned any more)."""
        raise NotImplementedError

    def key_fields(self, row: ParsedRow) -> tuple[str, ...]:
        """The fields that found ``row.existing``: an update leaves them as stored."""
        return self.natural_key

    def fields_of(self, row: ParsedRow) -> dict[str, Any]:
        """The model field values the row gives (relations as objects; many-to-many as lists)."""
        return {name: value for name, value in row.values.items() if name in self._model_fields()}

    def check_row(self, row: ParsedRow, instance: models.Model, *, context: ImportContext) -> None:
        """The register's own rules beyond the model's (a status only on create…); errors on ``row``."""

    def create(self, fields: dict[str, Any], *, actor: Any) -> models.Model:
        raise NotImplementedError

    def update(self, instance: Any, fields: dict[str, Any], *, actor: Any) -> models.Model:
        raise NotImplementedError

    # -- the machinery -----------------------------------------------------------------------------------
    def _model_fields(self) -> set[str]:
        return {f.name for f in self.model._meta.get_fields() if getattr(f, "concrete", False) or f.many_to_many}

    def read_row(self, row: Mapping[str, Any]) -> ParsedRow:
        decimal_comma = bool(row.get("decimal_comma"))
        parsed = ParsedRow(number=row.get("row"), values={})
        for column in self.columns:
            cell = row.get(column.name)
            text = "" if cell is None else str(cell).strip()
            if not text:
                if column.name in self.natural_key and column.required:
                    parsed.error(column.name, "Required.")
                continue
            reader = self.readers.get(column.name, read_text)
            try:
                parsed.values[column.name] = reader(text, decimal_comma)
            except CellError as exc:
                parsed.error(column.name, exc.message)
        return parsed

    def may_write(self, actor: Any, existing: Any) -> str | None:
        """Why ``actor`` may not create (``existing`` None) or change the record, or None."""
        if actor is None:  # the system itself (a command run without --user)
            return None
        verb = "change" if existing is not None else "add"
        if not actor.has_perm(self._perm(verb)):
            what = "change an existing" if existing is not None else "create a new"
            return f"You may not {what} {self.noun}."
        return None

    def _instance(self, row: ParsedRow, fields: Mapping[str, Any]) -> models.Model:
        instance = copy.copy(row.existing) if row.existing is not None else self.model()
        for name, value in fields.items():
            field_ = self.model._meta.get_field(name)
            if not field_.many_to_many:
                setattr(instance, name, value)
        return instance

    def _column(self, name: str) -> str:
        if name in self.column_of_field:
            return self.column_of_field[name]
        return name if name in self.column_names else DETAIL

    def _prepare(self, rows: Sequence[ParsedRow], *, context: ImportContext, writing: bool) -> None:
        self.resolve(rows, context=context, writing=writing)
        for row in rows:
            if row.existing is None:
                for name in self.required_for_new:
                    if not row.given(name) and name not in row.errors:
                        row.error(name, f"Required for a new {self.noun}.")
            refusal = self.may_write(context.actor, row.existing)
            if refusal:
                row.error(DETAIL, refusal)
            if row.errors:
                continue
            row.fields = self.fields_of(row)
            if row.existing is not None:  # the record the key names keeps its key as written (any case)
                for name in self.key_fields(row):
                    row.fields.pop(name, None)
            instance = self._instance(row, row.fields)
            self.check_row(row, instance, context=context)
            for name, messages in model_errors(instance).items():
                column = self._column(name)
                if column not in row.errors:
                    row.errors[column] = messages

    def check(self, rows: Sequence[Mapping[str, str]], *, context: ImportContext) -> list[RowCheck]:
        parsed = [self.read_row(row) for row in rows]
        first_row_of: dict[tuple[str, ...], Any] = {}
        for row in parsed:
            row.key = self.key_of(row) if not any(name in row.errors for name in self.natural_key) else None
            if row.key is None:
                continue
            earlier = first_row_of.setdefault(row.key, row.number)
            if earlier != row.number:
                row.error(
                    DETAIL,
                    f"Same {self.natural_key_help or ', '.join(self.natural_key)} as row {earlier}: "
                    "only that row is imported.",
                )
        self._prepare(parsed, context=context, writing=False)
        return [
            RowCheck(
                data={"row": row.number, **{name: cell_text(value) for name, value in row.values.items()}},
                errors=row.errors,
                key=row.key,
            )
            for row in parsed
        ]

    def write_row(self, data: Mapping[str, Any], *, actor: Any) -> Outcome:
        row = self.read_row(data)
        row.key = self.key_of(row)
        if not row.errors:
            self._prepare([row], context=ImportContext(actor=actor), writing=True)
        if row.errors:
            raise ValidationError(row.errors)
        if row.existing is None:
            self.create(row.fields, actor=actor)
            return "created"
        changed = {
            name: value
            for name, value in row.fields.items()
            if _comparable(value) != _comparable(self._current(row.existing, name))
        }
        if not changed:
            return "unchanged"
        self.update(row.existing, changed, actor=actor)
        return "updated"

    def _current(self, instance: Any, name: str) -> Any:
        field_ = self.model._meta.get_field(name)
        if field_.many_to_many:
            return list(getattr(instance, name).all())
        return getattr(instance, field_.attname if isinstance(field_, models.ForeignKey) else name)
