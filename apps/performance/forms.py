"""Forms of the performance pages: an SLA term (on the contract page), and the entry grid, where a
manager logs a period of KPIs for one engagement.

The grid is a period (``PeriodForm``: a week, a month or a sprint with explicit dates) and one small
form per KPI (``GridRowForm``: a value, or numerator and denominator for a ratio KPI, and a note).
The forms check only the shape of the input; every rule of a measurement is the service's
(``apps.performance.services.measurement_record``), so the grid and the API refuse exactly the same values.

A grid submit is all-or-nothing: the filled rows are recorded in one transaction, and when any row is
refused nothing is saved and every refused row says why next to its cells (the bulk API, by contrast,
saves the valid rows of a request). Empty rows are skipped; emptying a row that was logged before
leaves its measurement as it is (deleting is a deliberate act on the measurement itself).
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass, field
from datetime import date, timedelta
from decimal import Decimal, InvalidOperation
from typing import Any
from urllib.parse import urlencode

from dateutil.relativedelta import relativedelta
from django import forms
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import formats
from django.utils.html import format_html
from django.utils.safestring import SafeString

from apps.core.dates import DateInputError, iso_week_period, month_period
from apps.core.errors import ApplicationError
from apps.core.forms import DATE_WIDGET, DecimalField, WorkspaceModelForm
from apps.core.ui import add_service_errors
from apps.kpis.choices import Direction
from apps.kpis.models import KpiDefinition
from apps.kpis.selectors import kpi_definition_list
from apps.kpis.units import unit_of, with_unit
from apps.performance import selectors, services
from apps.performance.choices import MeasurementPeriodKind, MeasurementSource
from apps.performance.models import Measurement, SlaTerm
from apps.performance.term_rules import COMPARATOR_OF_DIRECTION

MONTH_PATTERN = re.compile(r"^(\d{4})-(\d{2})$")
WEEK_PATTERN = re.compile(r"^(\d{4})-W(\d{2})$")
DEFAULT_SPRINT_DAYS = 14
COMPARATOR_SIGNS = {"gte": "≥", "lte": "≤"}


# The inputs of the period form that each kind reads (the others are ignored).
PERIOD_INPUTS = {
    MeasurementPeriodKind.WEEK: ("week",),
    MeasurementPeriodKind.MONTH: ("month",),
    MeasurementPeriodKind.SPRINT: ("start", "end"),
}


def plain_number(value: Decimal | None) -> str:
    """A stored decimal as a person types it: ``97.0000`` → ``97``, ``12.5000`` → ``12.5``."""
    if value is None:
        return ""
    text = f"{value:f}"
    return text.rstrip("0").rstrip(".") if "." in text else text


@dataclass(frozen=True)
class MeasurementPeriod:
    """The period the entry grid logs: a week, a month or a sprint, with its first and last day (what
    a measurement's ``period_start`` and ``period_end`` become)."""

    kind: str
    start: date
    end: date

    @property
    def label(self) -> str:
        if self.kind == MeasurementPeriodKind.MONTH:
            return formats.date_format(self.start, "F Y")
        if self.kind == MeasurementPeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return f"Week {week} of {year}"
        return "Sprint"

    @property
    def dates(self) -> str:
        return f"{formats.date_format(self.start)} – {formats.date_format(self.end)}"

    def query(self) -> dict[str, str]:
        """The query string of the grid URL that shows this period."""
        if self.kind == MeasurementPeriodKind.MONTH:
            return {"kind": self.kind, "month": self.start.strftime("%Y-%m")}
        if self.kind == MeasurementPeriodKind.WEEK:
            year, week, _ = self.start.isocalendar()
            return {"kind": self.kind, "week": f"{year}-W{week:02d}"}
        return {"kind": self.kind, "start": self.start.isoformat(), "end": self.end.isoformat()}


def default_period_data(today: date) -> dict[str, str]:
    """What the grid opens on: the last month that is over (a week and a sprint that are over are
    prepared too, for when the kind is switched)."""
    last_month = today.replace(day=1) - relativedelta(months=1)
    last_week_monday = today - timedelta(days=today.weekday() + 7)
    year, week, _ = last_week_monday.isocalendar()
    return {
        "kind": MeasurementPeriodKind.MONTH,
        "month": last_month.strftime("%Y-%m"),
        "week": f"{year}-W{week:02d}",
        "start": (today - timedelta(days=DEFAULT_SPRINT_DAYS)).isoformat(),
        "end": (today - timedelta(days=1)).isoformat(),
    }


def period_problems(start: date, end: date, *, contract: Any = None) -> list[str]:
    """What the measurement rules say about a period (it cannot end before it starts, nor in the
    future, nor outside ``contract``'s term): asked of the service itself, which reports every field at
    fault at once, so the grid shows the API's wording and never a copy of its rules."""
    try:
        services.measurement_check({"period_start": start, "period_end": end, "contract": contract})
    except ValidationError as exc:
        names = ("period_start", "period_end", "contract") if contract is not None else ("period_start", "period_end")
        return [message for name in names for message in exc.message_dict.get(name, [])]
    return []


class PeriodForm(forms.Form):
    """The period the grid logs: a week (ISO, Monday to Sunday), a month (its first to its last day)
    or a sprint (explicit start and end)."""

    kind = forms.ChoiceField(label="Period", choices=MeasurementPeriodKind.choices, widget=forms.RadioSelect)
    month = forms.CharField(
        required=False,
        label="Month",
        widget=forms.TextInput(attrs={"type": "month", "placeholder": "YYYY-MM", "pattern": r"\d{4}-\d{2}"}),
    )
    week = forms.CharField(
        required=False,
        label="Week",
        widget=forms.TextInput(attrs={"type": "week", "placeholder": "YYYY-Www", "pattern": r"\d{4}-W\d{2}"}),
    )
    start = forms.DateField(required=False, label="Sprint start", widget=DATE_WIDGET)
    end = forms.DateField(required=False, label="Sprint end", widget=DATE_WIDGET)

    def __init__(self, *args: Any, contract: Any = None, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.contract = contract  # the period must fall in its term

    def clean(self) -> dict[str, Any]:
        cleaned = super().clean() or {}
        kind = cleaned.get("kind")
        if not kind:
            return cleaned
        # Only the inputs of the chosen kind count (without JS every input is on the page).
        for name in {name for names in PERIOD_INPUTS.values() for name in names} - set(PERIOD_INPUTS[kind]):
            self.errors.pop(name, None)
        where = PERIOD_INPUTS[MeasurementPeriodKind(kind)][-1]  # the input a problem of the period is shown on
        start: date | None = None
        end: date | None = None
        if kind in (MeasurementPeriodKind.MONTH, MeasurementPeriodKind.WEEK):
            # A month or an ISO week of the calendar (``apps.core.dates``: 0000-01 and the week after
            # 9999-W52 are none).
            name, pattern, read, hint = (
                ("month", MONTH_PATTERN, month_period, "Choose a month (YYYY-MM).")
                if kind == MeasurementPeriodKind.MONTH
                else ("week", WEEK_PATTERN, iso_week_period, "Choose a week (YYYY-Www, e.g. 2026-W43).")
            )
            match = pattern.match((cleaned.get(name) or "").strip())
            problem = ""
            try:
                start, end = read(int(match[1]), int(match[2])) if match else (None, None)
            except DateInputError as exc:
                problem = exc.message
            if start is None or end is None:
                self.add_error(name, f"{hint} {problem}".strip())
                return cleaned
        else:
            start, end = cleaned.get("start"), cleaned.get("end")
            for name, day in (("start", start), ("end", end)):
                if day is None and name not in self.errors:
                    self.add_error(name, f"Give the sprint's {'first' if name == 'start' else 'last'} day.")
            if start is None or end is None:
                return cleaned
        assert start is not None and end is not None
        problems = period_problems(start, end, contract=self.contract)
        for message in problems:
            self.add_error(where, message)
        if not problems:
            cleaned["period"] = MeasurementPeriod(kind=kind, start=start, end=end)
        return cleaned

    @property
    def period(self) -> MeasurementPeriod | None:
        return self.cleaned_data.get("period") if self.is_valid() else None


class GridRowForm(forms.Form):
    """One KPI's cells: a value, or numerator and denominator for a ratio KPI (its value is computed),
    and a note. Only the shape is checked here; the rules are the service's."""

    value = DecimalField(required=False, label="Value")
    numerator = DecimalField(required=False, label="Numerator")
    denominator = DecimalField(required=False, label="Denominator")
    note = forms.CharField(required=False, label="Note")

    def __init__(self, *args: Any, kpi: KpiDefinition, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.kpi = kpi
        if kpi.is_ratio:
            del self.fields["value"]
            self.fields["numerator"].label = kpi.numerator_label or "Numerator"
            self.fields["denominator"].label = kpi.denominator_label or "Denominator"
        else:
            del self.fields["numerator"], self.fields["denominator"]
        definition = f"kpi-{kpi.code}-definition"
        for name, form_field in self.fields.items():
            attrs = {"autocomplete": "off", "aria-describedby": definition}
            if name == "note":
                attrs["placeholder"] = "Optional note"
            else:
                # Text, not type=number: arrows and the scroll wheel never change a figure by accident,
                # and whatever is typed reaches the server, which says what is wrong with it.
                attrs |= {"inputmode": "decimal", "data-part": name}
            form_field.widget = forms.TextInput(attrs=attrs)

    @property
    def measured_fields(self) -> tuple[str, ...]:
        return ("numerator", "denominator") if self.kpi.is_ratio else ("value",)

    def is_empty(self) -> bool:
        """Nothing typed in any cell of the row (a bound row only)."""
        return all(not str(self.data.get(self.add_prefix(name), "")).strip() for name in self.fields)

    def measured(self) -> dict[str, Any]:
        """The row's figures for the service (a ratio's value is left out: the service computes it)."""
        data = {name: self.cleaned_data.get(name) for name in self.measured_fields}
        return {**data, "note": self.cleaned_data.get("note", "")}

    def add_error(self, field: str | None, error: Any) -> None:
        super().add_error(field, error)
        # The message is read out with the cell it belongs to.
        for name in self.errors:
            if name in self.fields:
                widget = self.fields[name].widget
                error_id = f"{self[name].auto_id}_error"
                described = widget.attrs.get("aria-describedby", "")
                if error_id not in described.split():
                    widget.attrs["aria-describedby"] = f"{error_id} {described}".strip()


@dataclass
class GridRow:
    kpi: KpiDefinition
    form: GridRowForm
    terms: list[Any] = field(default_factory=list)
    measurement: Measurement | None = None

    @property
    def targets(self) -> list[str]:
        return [
            f"{COMPARATOR_SIGNS.get(term.comparator, '')} {with_unit(term.target, self.kpi.unit)}"
            for term in self.terms
        ]

    @property
    def computed(self) -> Decimal | None:
        """A ratio's value: from what was typed, else the saved measurement's."""
        if not self.kpi.is_ratio:
            return None
        if self.form.is_bound:
            try:
                numerator = Decimal(str(self.form.data.get(self.form.add_prefix("numerator"), "")).strip())
                denominator = Decimal(str(self.form.data.get(self.form.add_prefix("denominator"), "")).strip())
            except InvalidOperation:
                return None
            if not (numerator.is_finite() and denominator.is_finite()) or denominator <= 0:
                return None
            return numerator / denominator * self.kpi.multiplier
        return self.measurement.value if self.measurement else None

    @property
    def cells(self) -> list[forms.BoundField]:
        return [self.form[name] for name in self.form.measured_fields]


class MeasurementGrid:
    """The entry grid of one contract: its period and a row per KPI — the KPIs of the contract's SLA
    terms first, then (with ``show_all``, or when the contract has no SLA terms) the rest of the
    catalogue. KPIs already logged for the period are always shown, pre-filled.

    Quacks like a form for ``ServiceFormView``: ``is_valid`` (the period is valid), ``errors``,
    ``add_error`` (a message at the top) and ``save`` (the service, all rows or none)."""

    fields: dict[str, Any] = {}  # no field of its own: what a service refuses lands at the top

    def __init__(
        self,
        *,
        contract: Any,
        period_form: PeriodForm,
        user: Any,
        data: Any = None,
        show_all: bool = False,
    ) -> None:
        self.contract = contract
        self.period_form = period_form
        self.user = user
        self.data = data
        self.is_bound = data is not None
        self.show_all = show_all
        self._non_field_errors: list[str] = []
        self.rows: list[GridRow] = []
        self.hidden_count = 0
        self.total = 0
        self.has_terms = False
        self.period = period_form.period
        if self.period is not None:
            self._build_rows(self.period)

    def _build_rows(self, period: MeasurementPeriod) -> None:
        kpis = list(kpi_definition_list(user=self.user).prefetch_related(None).order_by("name"))
        terms: dict[int, list[Any]] = {}
        for term in selectors.sla_term_list(user=self.user).filter(contract=self.contract).order_by("pk"):
            terms.setdefault(term.kpi_id, []).append(term)
        logged = {
            m.kpi_id: m
            for m in selectors.measurement_list(user=self.user).filter(
                contract=self.contract, period_start=period.start, period_end=period.end
            )
        }
        self.has_terms = bool(terms)
        ordered = sorted(kpis, key=lambda kpi: (kpi.pk not in terms, kpi.name.lower()))
        shown = [kpi for kpi in ordered if self.show_all or not self.has_terms or kpi.pk in terms or kpi.pk in logged]
        self.hidden_count = len(ordered) - len(shown)
        self.total = len(ordered)
        for kpi in shown:
            measurement = logged.get(kpi.pk)
            initial = {}
            if measurement is not None:
                initial = {
                    "value": plain_number(measurement.value),
                    "numerator": plain_number(measurement.numerator),
                    "denominator": plain_number(measurement.denominator),
                    "note": measurement.note,
                }
            form = GridRowForm(self.data, kpi=kpi, prefix=f"kpi-{kpi.code}", initial=initial)
            self.rows.append(GridRow(kpi=kpi, form=form, terms=terms.get(kpi.pk, []), measurement=measurement))

    # -- the form protocol -----------------------------------------------------------------------------
    def is_valid(self) -> bool:
        """The period is valid and there are rows; the rows themselves are checked by ``save``, all
        at once, so every refused row is shown in one answer."""
        return self.is_bound and self.period is not None and bool(self.rows)

    @property
    def errors(self) -> dict[str, Any]:
        found: dict[str, Any] = {}
        if self._non_field_errors:
            found["__all__"] = self._non_field_errors
        if self.period_form.is_bound and self.period_form.errors:
            found["period"] = self.period_form.errors
        for row in self.rows:
            if row.form.is_bound and row.form.errors:
                found[row.kpi.code] = row.form.errors
        return found

    def add_error(self, field: str | None, error: Any) -> None:
        messages = error if isinstance(error, list) else [error]
        self._non_field_errors.extend(str(message) for message in messages)

    def non_field_errors(self) -> list[str]:
        return self._non_field_errors

    @property
    def filled_rows(self) -> list[GridRow]:
        return [row for row in self.rows if not row.form.is_empty()]

    def save(self, *, actor: Any) -> dict[str, int]:
        """Record every filled row through the service in one transaction: ``{"created": n, "updated":
        n, "unchanged": n}``. When any row is refused, nothing is saved: the refused rows carry their
        errors and a ``ValidationError`` says so."""
        assert self.period is not None
        counts = dict.fromkeys(services.RECORD_RESULTS, 0)
        filled = self.filled_rows
        with transaction.atomic():
            for row in filled:
                if not row.form.is_valid():
                    continue  # a cell that is no number: already marked, the others are still checked
                data = {
                    "contract": self.contract,
                    "kpi": row.kpi,
                    "period_start": self.period.start,
                    "period_end": self.period.end,
                    **row.form.measured(),
                }
                try:
                    _measurement, result = services.measurement_record(
                        actor=actor, data=data, source=MeasurementSource.FORM
                    )
                except (ValidationError, ApplicationError) as exc:
                    add_service_errors(row.form, exc)
                else:
                    counts[result] += 1
            refused = [row for row in filled if row.form.errors]
            if refused:
                transaction.set_rollback(True)
        if refused:
            names = ", ".join(row.kpi.name for row in refused)
            raise ValidationError(
                f"Nothing was saved: {len(refused)} row{'s' if len(refused) != 1 else ''} "
                f"need{'' if len(refused) != 1 else 's'} fixing ({names})."
            )
        return counts

    # -- presentation ------------------------------------------------------------------------------------
    def set_autofocus(self) -> None:
        """The first refused cell gets the focus, else the first cell of the grid."""
        target: forms.Field | None = None
        for row in self.rows:
            for name in row.form.fields:
                if row.form.is_bound and name in row.form.errors:
                    target = row.form.fields[name]
                    break
            if target is not None:
                break
        if target is None and self.rows:
            target = self.rows[0].form.fields[self.rows[0].form.measured_fields[0]]
        if target is not None:
            target.widget.attrs["autofocus"] = True

    def query(self, *, show_all: bool | None = None) -> str:
        """The grid URL's query string for this period (``show_all`` toggled when given)."""
        assert self.period is not None
        wanted = self.show_all if show_all is None else show_all
        return urlencode({**self.period.query(), **({"all": "1"} if wanted else {})})

    @property
    def query_all(self) -> str:
        return self.query(show_all=True)

    @property
    def query_sla(self) -> str:
        return self.query(show_all=False)

    @property
    def period_inputs(self) -> dict[str, str]:
        """The period, carried by the grid's POST as hidden inputs."""
        assert self.period is not None
        return self.period.query()


# -- SLA terms (the contract page's SLA-terms panel) -------------------------------------------------------
class UnitNumberInput(forms.TextInput):
    """A number input followed by its unit ("%", "h"); the unit follows the chosen KPI as it changes
    (static/js/sla_term_form.js reads the KPI select's unit map). A text input with the decimal keyboard
    (``apps.core.forms.DecimalField``): a browser's number input would drop a decimal comma unseen."""

    unit = ""

    def render(self, name: str, value: Any, attrs: dict[str, Any] | None = None, renderer: Any = None) -> SafeString:
        field = super().render(name, value, attrs, renderer)
        return format_html(
            '<span class="with-unit">{}<span class="unit" data-kpi-unit>{}</span></span>', field, self.unit
        )


class SlaTermForm(WorkspaceModelForm):
    """The unit of the chosen KPI shows next to the target and the warning target; the comparator's
    agreement with the KPI's direction and the targets' range are the model's to refuse (``SlaTerm.clean``)."""

    class Meta(WorkspaceModelForm.Meta):
        model = SlaTerm
        fields = [
            "area",
            "kpi",
            "comparator",
            "target",
            "warning_target",
            "window",
            "window_days",
            "aggregation",
            "min_samples",
            "severity",
            "credit_percent",
            "description",
        ]
        widgets = {
            "description": forms.Textarea(attrs={"rows": 2}),
            "target": UnitNumberInput(),
            "warning_target": UnitNumberInput(),
        }

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        kpis = list(KpiDefinition.objects.order_by("name"))
        self.fields["kpi"].queryset = KpiDefinition.objects.order_by("name")  # type: ignore[attr-defined]  # fields[] is typed Field; this one is a ModelChoiceField
        # What the script needs to keep the units (and the comparator the KPI's direction calls for) in
        # step with the KPI select, without asking the server.
        self.fields["kpi"].widget.attrs.update(
            {
                "data-kpi-units": json.dumps({str(kpi.pk): unit_of(kpi.unit).symbol for kpi in kpis}),
                "data-kpi-comparators": json.dumps(
                    {str(kpi.pk): COMPARATOR_OF_DIRECTION.get(kpi.direction, "") for kpi in kpis}
                ),
            }
        )
        chosen = self._chosen_kpi(kpis)
        symbol = unit_of(chosen.unit).symbol if chosen is not None else ""
        for name in ("target", "warning_target"):
            widget = self.fields[name].widget
            widget.unit = symbol
        if chosen is not None:
            direction = "higher" if chosen.direction == Direction.HIGHER else "lower"
            self.fields["comparator"].help_text = f"{chosen.name} is {direction}-is-better."

    def _chosen_kpi(self, kpis: list[KpiDefinition]) -> KpiDefinition | None:
        """The KPI the form shows: the one posted, else the one given as initial, else the term's."""
        by_pk = {str(kpi.pk): kpi for kpi in kpis}
        if self.is_bound:
            return by_pk.get(str(self.data.get(self.add_prefix("kpi")) or ""))
        initial = self.initial.get("kpi")
        if initial is not None:
            return by_pk.get(str(getattr(initial, "pk", initial)))
        return by_pk.get(str(self.instance.kpi_id)) if self.instance.kpi_id else None
