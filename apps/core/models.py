"""Abstract bases and the audit decorator shared by every domain model."""

from __future__ import annotations

from collections.abc import Callable, Collection, Iterable
from decimal import Decimal
from typing import Any, Self, TypeVar, cast

import pghistory
from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.core.exceptions import ValidationError
from django.db import models

from apps.core.validators import validate_currency_code

ModelT = TypeVar("ModelT", bound=type[models.Model])


def audit_tracked(**kwargs: Any) -> Callable[[ModelT], ModelT]:
    """Record every insert, update (bulk ones too: these are database triggers) and delete of the
    model in its pghistory event table, with the request/service context (who, which action)."""
    return pghistory.track(pghistory.InsertEvent(), pghistory.UpdateEvent(), pghistory.DeleteEvent(), **kwargs)


class TimeStampedModel(models.Model):
    """Adds ``created_at`` / ``updated_at``; who changed what is in the pghistory audit trail."""

    created_at = models.DateTimeField(auto_now_add=True, editable=False)
    updated_at = models.DateTimeField(auto_now=True, editable=False)

    class Meta:
        abstract = True


class StoredTextKeptMixin:
    """Texts that gained a maximum after rows were saved: ``full_clean()`` does not re-run the
    validators of a ``TextField`` whose value is unchanged since the row was loaded.

    So a text saved before its field got a ``MaxLengthValidator`` is kept as it is and the row still
    validates — it can change status, renew, expire — while whoever edits that text must bring it within
    the maximum (the edit is refused with the field's message; the stored text stays). A database CHECK
    constraint cannot tell a changed text from an unchanged one (PostgreSQL checks every new row
    version, even under ``NOT VALID``), so the maximum lives in the field's validator, run on every write
    by ``full_clean()`` (``apps.core.services.save_validated``, model forms, the admin); serializers copy
    the model field's validators, so the API refuses too.

    List it before the model base class: ``class Contract(StoredTextKeptMixin, TimeStampedModel)``.
    """

    _stored_texts: dict[str, Any]

    @classmethod
    def _kept_text_fields(cls) -> list[models.Field[Any, Any]]:
        meta = cls._meta  # type: ignore[attr-defined]  # a mixin of Model subclasses, which have _meta
        return [field for field in meta.concrete_fields if isinstance(field, models.TextField) and field.validators]

    def _remember_stored_texts(self, names: Iterable[str] | None = None) -> None:
        stored = self.__dict__.setdefault("_stored_texts", {})
        for field in self._kept_text_fields():
            if (names is None or field.attname in names) and field.attname in self.__dict__:
                stored[field.attname] = self.__dict__[field.attname]

    @classmethod
    def from_db(cls, db: str | None, field_names: Collection[str], values: Collection[Any], **kwargs: Any) -> Self:
        instance = super().from_db(db, field_names, values, **kwargs)  # type: ignore[misc]  # Model.from_db, further along the MRO
        instance._remember_stored_texts()
        return cast(Self, instance)

    def refresh_from_db(
        self, using: str | None = None, fields: Iterable[str] | None = None, from_queryset: Any = None
    ) -> None:
        # Also where a deferred text is loaded on first access.
        fields = None if fields is None else [*fields]
        super().refresh_from_db(using=using, fields=fields, from_queryset=from_queryset)  # type: ignore[misc]  # Model.refresh_from_db, further along the MRO
        self._remember_stored_texts(None if fields is None else {*fields})

    def clean_fields(self, exclude: Collection[str] | None = None) -> None:
        excluded = set(exclude or ())
        stored = self.__dict__.get("_stored_texts", {})
        for field in self._kept_text_fields():
            if field.attname in stored and self.__dict__.get(field.attname) == stored[field.attname]:
                excluded.add(field.name)
        super().clean_fields(exclude=excluded)  # type: ignore[misc]  # Model.clean_fields, further along the MRO


@audit_tracked()
class StatusChange(models.Model):
    """One lifecycle move of a governed record (vendor, contract, breach…): who, when, from and to,
    why, and — when an executive passed a readiness gate — which conditions were unmet then.

    An override stays *open* (it counts in the attention ranking and is listed as an exception) until
    its conditions are met or the record has left the status it was let into (``cleared_on``).
    """

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    from_status = models.CharField(max_length=20)
    to_status = models.CharField(max_length=20)
    reason = models.TextField(blank=True)
    overridden = models.JSONField(
        default=list, blank=True, help_text="The unmet gate conditions an override passed: [{code, label, detail}]."
    )
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="status_changes"
    )
    changed_at = models.DateTimeField(auto_now_add=True, editable=False)
    cleared_on = models.DateField(null=True, blank=True, help_text="When an override's conditions stopped mattering.")

    class Meta:
        ordering = ["-changed_at", "-id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="core_statuschange_subject")]
        permissions = [("override_gate", "Can pass a readiness gate with a recorded reason")]

    def __str__(self) -> str:
        kind = "Override" if self.overridden else "Status change"
        return f"{kind}: {self.from_status} → {self.to_status}"

    @property
    def is_override(self) -> bool:
        return bool(self.overridden)

    @property
    def is_open_override(self) -> bool:
        return self.is_override and self.cleared_on is None


@audit_tracked()
class PolicyException(TimeStampedModel):
    """A governed departure from sourcing policy, accepted with a justification and a review date: a
    contract covering a function decided keep in-house (or recommended never outsource), or a
    sourcing decision against the recommendation. Reminded before its review date; past it and not
    closed, it is *expired* — a finding."""

    content_type = models.ForeignKey("contenttypes.ContentType", on_delete=models.PROTECT, related_name="+")
    object_id = models.PositiveBigIntegerField()
    subject = GenericForeignKey("content_type", "object_id")
    kind = models.CharField(max_length=40)
    summary = models.CharField(max_length=300, help_text="What departs from policy, in one line.")
    justification = models.TextField()
    review_on = models.DateField()
    raised_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="policy_exceptions"
    )
    closed_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["review_on", "id"]
        indexes = [models.Index(fields=["content_type", "object_id"], name="core_policyexception_subject")]
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(justification=""),
                name="core_policyexception_justified",
                violation_error_message="A policy exception needs its justification.",
            ),
        ]

    def __str__(self) -> str:
        return f"Policy exception: {self.summary}"


def validate_positive_rate(value: Decimal) -> None:
    if value is not None and value <= 0:
        raise ValidationError("A rate must be above zero.", code="rate_not_positive")


@audit_tracked()
class FxRate(TimeStampedModel):
    """What one unit of ``currency`` is worth in the reporting currency (``REPORTING_CURRENCY``) from
    ``valid_on``: a figure dated D converts at the latest rate on or before D (``apps.core.fx``).
    Reference data maintained by admins (admin, API, ``manage.py fx_rates``)."""

    currency = models.CharField(max_length=3, validators=[validate_currency_code], help_text="ISO 4217, e.g. USD.")
    valid_on = models.DateField(help_text="The rate applies from this day until the next rate of the currency.")
    rate = models.DecimalField(
        max_digits=20,
        decimal_places=10,
        validators=[validate_positive_rate],
        help_text="The reporting currency's amount for one unit of this currency (e.g. USD 1 = EUR 0.92: 0.92).",
    )

    class Meta:
        ordering = ["currency", "-valid_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["currency", "valid_on"],
                name="core_fxrate_unique_currency_day",
                violation_error_message="This currency already has a rate on this day.",
            ),
            models.CheckConstraint(
                condition=models.Q(rate__gt=0),
                name="core_fxrate_rate_positive",
                violation_error_message="A rate must be above zero.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.currency} 1 = {settings.REPORTING_CURRENCY} {self.rate.normalize():f} from {self.valid_on}"

    def clean(self) -> None:
        super().clean()
        if self.currency and self.currency == settings.REPORTING_CURRENCY:
            raise ValidationError(
                {"currency": f"{self.currency} is the reporting currency: it always converts at 1 and takes no rate."}
            )


class RollupMark(models.Model):
    """How far a stored per-vendor rollup (``apps.core.rollups``) has read the audit trails of what its
    figures are made of: its bookkeeping, not a record anyone enters (so it has no audit trail)."""

    name = models.CharField(primary_key=True, max_length=100)
    marks = models.JSONField(default=dict, help_text="Event table → the highest event id read.")
    shared = models.TextField(blank=True, help_text="The version of what every vendor's figures read.")
    updated_at = models.DateTimeField(auto_now=True)

    def __str__(self) -> str:
        return f"Rollup {self.name}"
