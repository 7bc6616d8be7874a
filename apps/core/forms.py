"""Form pieces shared by every app's pages."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from django import forms
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import models

from apps.core.dates import DateInputError, checked_moment, parse_moment
from apps.core.validators import validate_currency_code

DATE_WIDGET = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")
SCORE_WIDGET = forms.NumberInput(attrs={"min": 1, "max": 5, "step": 1, "inputmode": "numeric"})


class DateTimeField(forms.DateTimeField):
    """A date and time in ISO 8601 (``2026-10-31T14:30``, with an offset or read in ``TIME_ZONE``), read by
    ``apps.core.dates``: one that does not exist, or that has an offset PostgreSQL cannot store, or that
    falls outside the calendar in UTC or in ``TIME_ZONE``, is the field's error."""

    def to_python(self, value: Any) -> datetime | None:
        if value in self.empty_values:
            return None
        try:
            if isinstance(value, datetime):
                return checked_moment(value)
            if isinstance(value, date):
                return checked_moment(datetime(value.year, value.month, value.day))
            return parse_moment(str(value))
        except DateInputError as exc:
            raise ValidationError(exc.message, code="invalid") from None


class PersonChoiceField(forms.ModelChoiceField):
    """A colleague, by full name (and username when names repeat)."""

    def label_from_instance(self, obj: Any) -> str:
        full = obj.get_full_name()
        return f"{full} ({obj.username})" if full else obj.username


class PeopleChoiceField(forms.ModelMultipleChoiceField):
    def label_from_instance(self, obj: Any) -> str:
        return obj.get_full_name() or obj.username


def people() -> Any:
    """Active people, for owner and attendee choices."""
    return get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "username")


class DecimalField(forms.DecimalField):
    """A number typed as text (``inputmode="decimal"`` brings up the number keyboard on a phone): a browser's
    number input empties a value it cannot read, so "1,5" would reach the server as nothing at all and
    come back as "This field is required". Here a decimal comma, or a thousands separator, is answered
    with what to type instead."""

    widget = forms.TextInput

    def widget_attrs(self, widget: forms.Widget) -> dict[str, Any]:
        attrs = super().widget_attrs(widget)
        if not isinstance(widget, forms.NumberInput):
            attrs.setdefault("inputmode", "decimal")
        return attrs

    def to_python(self, value: Any) -> Any:
        if isinstance(value, str) and "," in value:
            raise ValidationError(decimal_comma_message(value), code="invalid")
        return super().to_python(value)


def decimal_comma_message(text: str) -> str:
    """What to type instead of a number written with a comma: "1,5" → "Use a decimal point: 1.5";
    "1,234.50" or "1,234,567" (a thousands separator) → "Leave out the thousands separator: 1234.50"."""
    typed = text.strip()
    if typed.count(",") == 1 and "." not in typed:
        return f"Use a decimal point: {typed.replace(',', '.')} (not {typed})."
    return f"Leave out the thousands separator: {typed.replace(',', '')} (not {typed})."


class CurrencyCodeField(forms.CharField):
    """An ISO 4217 code in any case: "eur" is read as "EUR" (the model's validator checks the code)."""

    def to_python(self, value: Any) -> str:
        return str(super().to_python(value)).upper()


def workspace_formfield(db_field: models.Field[Any, Any], **kwargs: Any) -> forms.Field | None:
    """The form field of a model field on the workspace's forms: URL fields assume https when the scheme
    is left out (Django 6's default, chosen now); decimals are typed as text and a decimal comma is
    explained (``DecimalField``); a currency code is read in any case (``CurrencyCodeField``)."""
    if isinstance(db_field, models.URLField):
        kwargs.setdefault("assume_scheme", "https")
    elif isinstance(db_field, models.DecimalField):
        kwargs.setdefault("form_class", DecimalField)
    elif isinstance(db_field, models.CharField) and validate_currency_code in db_field.validators:
        kwargs.setdefault("form_class", CurrencyCodeField)
    return db_field.formfield(**kwargs)


class WorkspaceModelForm(forms.ModelForm):
    """Date inputs as date pickers, people as named choices, URLs assumed https; ``sections``
    (heading, field names) groups a long form under headings."""

    sections: tuple[tuple[str, tuple[str, ...]], ...] = ()

    class Meta:
        # Subclasses' Meta inherit this one (Django reads the callback from the form's own Meta).
        formfield_callback = staticmethod(workspace_formfield)

    def grouped_fields(self) -> list[tuple[str, list[forms.BoundField]]]:
        placed = {name for _, names in self.sections for name in names}
        groups = [(heading, [self[name] for name in names if name in self.fields]) for heading, names in self.sections]
        rest = [field for field in self.visible_fields() if field.name not in placed]
        return [*groups, ("", rest)] if rest else groups

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        user_model = get_user_model()
        for name, field in list(self.fields.items()):
            if isinstance(field, forms.DateField) and not isinstance(field.widget, forms.HiddenInput):
                field.widget = DATE_WIDGET
            elif (
                isinstance(field, forms.ModelMultipleChoiceField)
                and getattr(field.queryset, "model", None) is user_model
            ):
                self.fields[name] = PeopleChoiceField(
                    queryset=people(),
                    required=field.required,
                    label=field.label,
                    help_text=field.help_text,
                    widget=forms.CheckboxSelectMultiple,
                )
            elif isinstance(field, forms.ModelChoiceField) and getattr(field.queryset, "model", None) is user_model:
                self.fields[name] = PersonChoiceField(
                    queryset=people(),
                    required=field.required,
                    label=field.label,
                    help_text=field.help_text,
                    empty_label="— nobody yet —" if not field.required else "—",
                )
