"""Writes of delivery telemetry: source bindings (made, changed, secret rotated, switched off), the
receipt of a delivery, and the upsert of normalised events.

Bindings are governance records (audited, owned by the contract's engagement: ``apps.vendors.ownership``);
deliveries and events are facts received from other systems, written set-based and without the audit
trail (the raw delivery is their record).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping
from datetime import date
from typing import Any

from django.core.exceptions import ValidationError
from django.db import connection, models, transaction
from django.utils import timezone

from apps.core.services import audited, save_validated
from apps.core.sql import compose
from apps.performance.choices import TELEMETRY_DEFAULT_KPIS, TELEMETRY_KPI_CODES, DeliveryStatus
from apps.performance.telemetry import secrets
from apps.performance.telemetry.models import Delivery, SourceBinding, TelemetryEvent, TelemetryRecompute
from apps.vendors import ownership

BINDING_FIELDS = (
    "contract",
    "source",
    "name",
    "scope",
    "component",
    "label",
    "production_environments",
    "measures",
    "covers_from",
    "api_base_url",
)
# What may change after a binding is made: not its contract or source (its deliveries and events
# belong to them), nor its scope (they were received for it): a new scope is a new binding.
BINDING_CHANGEABLE_FIELDS = (
    "name",
    "component",
    "label",
    "production_environments",
    "measures",
    "covers_from",
    "api_base_url",
)


def _clean_lists(data: Mapping[str, Any], source: str) -> dict[str, Any]:
    cleaned = dict(data)
    if "measures" in cleaned:
        measures = [str(code).strip() for code in cleaned["measures"] or [] if str(code).strip()]
        unknown = [code for code in measures if code not in TELEMETRY_KPI_CODES]
        if unknown:
            raise ValidationError({"measures": f"Telemetry cannot measure {', '.join(unknown)}."})
        cleaned["measures"] = list(dict.fromkeys(measures))
    if "production_environments" in cleaned:
        cleaned["production_environments"] = list(
            dict.fromkeys(str(name).strip() for name in cleaned["production_environments"] or [] if str(name).strip())
        )
    return cleaned


def binding_create(*, actor: Any | None, data: Mapping[str, Any], api_token: str = "") -> tuple[SourceBinding, str]:
    """Bind a source to a contract; answers the binding and its webhook secret, which is shown once.
    Without ``measures`` the binding measures what its source can (``TELEMETRY_DEFAULT_KPIS``)."""
    ownership.require_owner_of_new(actor, SourceBinding, data)
    fields = {name: value for name, value in data.items() if name in BINDING_FIELDS}
    source = str(fields.get("source") or "")
    if not fields.get("measures"):
        fields["measures"] = list(TELEMETRY_DEFAULT_KPIS.get(source, ()))
    fields = _clean_lists(fields, source)
    secret = secrets.new_secret()
    binding = SourceBinding(
        **fields,
        secret_sealed=secrets.seal(secret),
        api_token_sealed=secrets.seal(api_token),
        created_by=actor if getattr(actor, "pk", None) else None,
    )
    with audited(actor=actor, action="source_binding_create"):
        save_validated(binding)
    return binding, secret


def binding_update(
    *, instance: SourceBinding, actor: Any | None, data: Mapping[str, Any], api_token: str | None = None
) -> SourceBinding:
    """Change what a binding counts (name, component, label, production environments, measured KPIs,
    the date telemetry takes over, the backfill address and token). Metrics are computed again from
    ``covers_from`` (or the binding's first event) on the next pass."""
    ownership.require_owner(actor, instance)
    refused = sorted(set(data) - set(BINDING_CHANGEABLE_FIELDS))
    if refused:
        raise ValidationError(dict.fromkeys(refused, "This cannot change once the binding is made."))
    for name, value in _clean_lists(data, instance.source).items():
        setattr(instance, name, value)
    if api_token is not None:
        instance.api_token_sealed = secrets.seal(api_token)
    with audited(actor=actor, action="source_binding_update"):
        saved = save_validated(instance)
        recompute_request(contract_ids=[saved.contract_id], since=saved.covers_from)
    return saved


def binding_rotate_secret(*, instance: SourceBinding, actor: Any | None) -> str:
    """A new webhook secret (shown once); the old one stops working at once."""
    ownership.require_owner(actor, instance)
    secret = secrets.new_secret()
    with audited(actor=actor, action="source_binding_rotate_secret"):
        SourceBinding.objects.filter(pk=instance.pk).update(
            secret_sealed=secrets.seal(secret), secret_rotated_at=timezone.now(), updated_at=timezone.now()
        )
    instance.refresh_from_db()
    return secret


# A secret a person types (one the delivery tool generated) is at least this long, at most the other.
SET_SECRET_MIN_LENGTH = 16
SET_SECRET_MAX_LENGTH = 255


def binding_set_secret(*, instance: SourceBinding, actor: Any | None, secret: str) -> SourceBinding:
    """Replace the binding's webhook secret with one its delivery tool generated: PagerDuty makes the
    signing secret of a webhook subscription itself and shows it once, so the binding must take
    PagerDuty's. The old secret stops working at once; the new one is never shown again here."""
    ownership.require_owner(actor, instance)
    secret = (secret or "").strip()
    if len(secret) < SET_SECRET_MIN_LENGTH:
        raise ValidationError(
            {"secret": f"A webhook secret has at least {SET_SECRET_MIN_LENGTH} characters: paste the whole of it."}
        )
    if len(secret) > SET_SECRET_MAX_LENGTH:
        raise ValidationError({"secret": f"A webhook secret has at most {SET_SECRET_MAX_LENGTH} characters."})
    with audited(actor=actor, action="source_binding_set_secret"):
        SourceBinding.objects.filter(pk=instance.pk).update(
            secret_sealed=secrets.seal(secret), secret_rotated_at=timezone.now(), updated_at=timezone.now()
        )
    instance.refresh_from_db()
    return instance


def binding_set_active(*, instance: SourceBinding, actor: Any | None, active: bool) -> SourceBinding:
    """Switch a binding off (its URL answers 404, it measures nothing new, manual values are taken
    again) or on. Bindings are never deleted: their deliveries and events are the evidence."""
    ownership.require_owner(actor, instance)
    instance.active = active
    with audited(actor=actor, action="source_binding_activate" if active else "source_binding_deactivate"):
        saved = save_validated(instance)
        recompute_request(contract_ids=[saved.contract_id], since=saved.covers_from)
    return saved


# -- receiving ----------------------------------------------------------------------------------------------
_RECEIVE_SQL = compose(
    """
    INSERT INTO {delivery} ({delivery.binding}, {delivery.delivery_id}, {delivery.event_type},
                            {delivery.status}, {delivery.payload}, {delivery.received_at},
                            {delivery.attempts}, {delivery.error}, {delivery.event_count})
    VALUES (%(binding)s, %(delivery_id)s, %(event_type)s, %(status)s, %(payload)s::jsonb, %(now)s, 0, '', 0)
    ON CONFLICT ({delivery.binding}, {delivery.delivery_id}) DO NOTHING
    RETURNING {delivery.id}
    """,
    delivery=Delivery,
)
# The binding's last event time moves at most once a minute: a burst of deliveries does not queue on
# one row lock.
_TOUCH_SQL = compose(
    """
    UPDATE {binding} SET {binding.last_event_at} = %(now)s
    WHERE {binding.id} = %(binding)s
      AND ({binding.last_event_at} IS NULL OR {binding.last_event_at} < %(now)s - interval '1 minute')
    """,
    binding=SourceBinding,
)


def delivery_receive(
    *, binding: SourceBinding, delivery_id: str, event_type: str, raw_payload: str, process_later: bool = True
) -> tuple[int, bool]:
    """Store a verified delivery once: ``(id, True)`` when it is new (its processing is enqueued after
    the commit, unless ``process_later`` is False: the caller processes it itself, as the demo seeding
    does), ``(id, False)`` when the source sent it before (nothing changes). ``raw_payload`` is the body
    as received (JSON text), stored as JSONB without parsing it again in Python."""
    from apps.performance.telemetry.tasks import process_delivery

    now = timezone.now()
    params: dict[str, Any] = {
        "binding": binding.pk,
        "delivery_id": delivery_id[:255],
        "event_type": event_type[:100],
        "status": DeliveryStatus.RECEIVED,
        "payload": raw_payload,
        "now": now,
    }
    with transaction.atomic(), connection.cursor() as cursor:
        cursor.execute(_RECEIVE_SQL, params)
        row = cursor.fetchone()
        cursor.execute(_TOUCH_SQL, {"binding": binding.pk, "now": now})
        if row is None:
            existing = Delivery.objects.filter(binding=binding, delivery_id=params["delivery_id"]).values_list(
                "pk", flat=True
            )
            return int(existing.get()), False
        if process_later:
            from apps.core.tasks import enqueue

            enqueue(process_delivery, row[0])
        return int(row[0]), True


# -- normalised events ----------------------------------------------------------------------------------------
# Rows per upsert statement (PostgreSQL takes at most 65,535 parameters in one).
UPSERT_CHUNK_ROWS = 1_000


def _event_columns(model: type[TelemetryEvent]) -> list[models.Field[Any, Any]]:
    return [field for field in model._meta.concrete_fields if not field.primary_key]


def _upsert_sql(model: type[TelemetryEvent], rows: int) -> str:
    """INSERT … ON CONFLICT (binding, source_id) DO UPDATE for ``rows`` rows: a newer observation
    overwrites what it knows and keeps what it does not (NULL or blank); an older one arriving late
    only fills gaps; the earliest value of ``EARLIEST_FIELDS`` wins whatever the order."""
    quote = connection.ops.quote_name
    table = quote(model._meta.db_table)
    fields = _event_columns(model)
    observed = quote(model._meta.get_field("observed_at").column)  # type: ignore[arg-type]  # a concrete field
    sets = []
    for field in fields:
        if field.name in ("binding", "source_id", "contract"):
            continue
        column = quote(field.column)  # type: ignore[arg-type]  # a concrete field has a column
        text = isinstance(field, models.CharField)
        new, old = f"EXCLUDED.{column}", f"{table}.{column}"
        if text:
            new, old = f"NULLIF({new}, '')", f"NULLIF({old}, '')"
        if field.name in model.EARLIEST_FIELDS:
            value = f"LEAST({new}, {old})"
        elif field.name == "observed_at":
            value = f"GREATEST({new}, {old})"
        else:
            value = (
                f"CASE WHEN EXCLUDED.{observed} >= {table}.{observed} THEN COALESCE({new}, {old}) "
                f"ELSE COALESCE({old}, {new}) END"
            )
        sets.append(f"{column} = " + (f"COALESCE({value}, '')" if text else value))
    # VALUES gives untyped literals: each column is cast to its field's type.
    casts = ", ".join(f"column{index}::{field.db_type(connection)}" for index, field in enumerate(fields, start=1))
    row = "(" + ", ".join(["%s"] * len(fields)) + ")"
    key = ", ".join(quote(field.column) for field in fields if field.name in ("binding", "source_id"))  # type: ignore[arg-type]  # a concrete field has a column
    names = ", ".join(quote(field.column) for field in fields)  # type: ignore[arg-type]  # a concrete field has a column
    # Identifiers are quoted by the connection from the model; values are parameters.
    return (
        f"INSERT INTO {table} ({names}) "  # noqa: S608
        f"SELECT {casts} FROM (VALUES {', '.join([row] * rows)}) AS incoming "
        f"ON CONFLICT ({key}) DO UPDATE SET {', '.join(sets)}"
    )


def events_store(*, binding: SourceBinding, events: Iterable[TelemetryEvent]) -> dict[str, int]:
    """Upsert normalised events of one binding on (binding, source id): one statement per model.
    Answers how many events of each model were written. Two events with the same source id in one
    call are merged in order (the later one is the newer observation). Each event is checked by its
    model's field validation first (``ValidationError``: nothing of the call is written)."""
    by_model: dict[type[TelemetryEvent], dict[str, TelemetryEvent]] = defaultdict(dict)
    for event in events:
        event.binding_id = binding.pk
        event.contract_id = binding.contract_id
        event.full_clean(exclude=["binding", "contract"], validate_unique=False, validate_constraints=False)
        by_model[type(event)][event.source_id] = event
    written: dict[str, int] = {}
    with transaction.atomic(), connection.cursor() as cursor:
        for model, unique in by_model.items():
            fields = _event_columns(model)
            rows = list(unique.values())
            for start in range(0, len(rows), UPSERT_CHUNK_ROWS):
                chunk = rows[start : start + UPSERT_CHUNK_ROWS]
                params = [
                    field.get_db_prep_save(getattr(event, field.attname), connection)
                    for event in chunk
                    for field in fields
                ]
                cursor.execute(_upsert_sql(model, len(chunk)), params)
            written[model.__name__] = len(rows)
    return written


def recompute_request(*, contract_ids: Iterable[int], since: date) -> None:
    """Ask for the telemetry metrics of these contracts to be computed again from ``since`` (the
    earliest date wins when one is pending already). The ``telemetry.measure`` task consumes them."""
    ids = sorted(set(contract_ids))
    if not ids:
        return
    with connection.cursor() as cursor:
        cursor.execute(
            compose(
                """
                INSERT INTO {pending} ({pending.contract}, {pending.since}, {pending.requested_at})
                SELECT contract_id, %(since)s, %(now)s FROM unnest(%(ids)s::bigint[]) AS contract_id
                ON CONFLICT ({pending.contract}) DO UPDATE
                SET {pending.since} = LEAST(EXCLUDED.{pending.since}, {pending}.{pending.since})
                """,
                pending=TelemetryRecompute,
            ),
            {"since": since, "now": timezone.now(), "ids": ids},
        )
    # One message per transaction, however many deliveries it processed (a backfill or a reprocess
    # runs thousands): the task measures every pending contract at once.
    if not any(entry[1] is _publish_measure for entry in connection.run_on_commit):
        transaction.on_commit(_publish_measure)


def _publish_measure() -> None:
    from apps.core.tasks import enqueue
    from apps.performance.telemetry.tasks import measure_pending

    enqueue(measure_pending)  # after the commit: published at once
