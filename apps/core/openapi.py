"""The OpenAPI document tells the whole contract of an operation: besides its success, the error answers
it can give. They are derived by rule from what the operation is (``REST_FRAMEWORK["DEFAULT_SCHEMA_CLASS"]``),
not declared view by view, so a new endpoint is documented truthfully without a decorator:

- 400 on every operation (a NUL character in the path or the query string, ``apps.core.middleware``),
  described by what else the operation reads that can be invalid: its request body (every POST, PUT
  and PATCH reads one, which must be a JSON object, even where it documents none), query parameters
  that filter or select (not ``page``/``page_size``/``ordering``);
- 401 when it needs a signed-in user or a token (every API operation);
- 403 for a write (the role's permission, the record's owner, a browser session's CSRF token), for
  an action guarded by a permission of its own (``action_permissions``), and on every operation of a
  view with a token scope (a token without the scope, or limited to other vendors);
- 404 when the path names a record, and for a paginated list (a page past the last);
- 409 for a write that can conflict with the current state: a create or update (a duplicate, a
  concurrent change), a delete of a record that others may still reference (a ``PROTECT`` or
  ``RESTRICT`` somewhere in its cascade), and every other write action (lifecycle moves, readiness
  gates) unless its viewset lists it in ``conflict_free_actions``;
- 415 on every POST, PUT and PATCH (a body that is not JSON, ``apps.core.parsers``);
- 429 when a throttle applies: the view's, or an authenticator's (``throttle_classes`` on the
  authentication class: failed token sign-ins per address).

Every operation of a view with a ``scope_area`` also states the token scopes of which it needs one
(``x-required-scopes``, narrowest first, and a sentence at the end of its description).

A view whose answers follow other rules lists them itself in ``error_answers`` (code → description):
the telemetry receivers, which are anonymous and signed by their source instead of a token.

Every error has the one body ``apps.core.api.exception_handler`` produces, the ``Error`` component.
A code the view documents itself (``@extend_schema(responses=...)``) keeps its description.
"""

from __future__ import annotations

from typing import Any

from django.db import models
from drf_spectacular.openapi import AutoSchema as SpectacularAutoSchema
from drf_spectacular.plumbing import ResolvedComponent, get_view_model
from rest_framework.permissions import SAFE_METHODS, AllowAny

from apps.core.permissions import SCOPE_AREAS, required_scopes

ERROR_COMPONENT = "Error"

_MESSAGES = {"type": "array", "items": {"type": "string"}}

ERROR_SCHEMA: dict[str, Any] = {
    "type": "object",
    "description": (
        "Why the request was refused. Input errors are keyed by the field at fault, each with its messages "
        '(`{"period_end": ["…"]}`); an error of the whole object is under `non_field_errors`, any other '
        'under `detail` (`{"detail": "…"}` or `{"detail": ["…"]}`). A lifecycle move refused by its '
        "readiness gate also lists the `unmet` conditions. Nested input (a list or an object) has its "
        "errors nested the same way."
    ),
    "properties": {
        "detail": {"oneOf": [{"type": "string"}, _MESSAGES]},
        "non_field_errors": _MESSAGES,
        "unmet": {
            "type": "array",
            "description": "The readiness gate's conditions that are not met (a 409 of a lifecycle move).",
            "items": {
                "type": "object",
                "properties": {
                    "code": {"type": "string"},
                    "label": {"type": "string"},
                    "met": {"type": "boolean"},
                    "detail": {"type": "string"},
                },
                "required": ["code", "label", "met", "detail"],
            },
        },
    },
    # A field's messages; an object (or a list of them) for nested input.
    "additionalProperties": {"oneOf": [{"type": "array"}, {"type": "object"}]},
}

# Query parameters that never refuse a value: DRF's pagination falls back to the default page size
# (an unknown page is a 404), and an unknown ordering is ignored.
LENIENT_QUERY_PARAMETERS = frozenset({"page_size", "page", "ordering", "format"})

WRITE_ACTIONS = frozenset({"create", "update", "partial_update"})
# Their body is read (and must be a JSON object) even where the operation documents none
# (apps.core.api.ServiceModelViewSet.initial, apps.core.parsers).
BODY_METHODS = frozenset({"POST", "PUT", "PATCH"})


def delete_can_conflict(model: type[models.Model], seen: set[type[models.Model]] | None = None) -> bool:
    """Whether deleting a ``model`` row can be refused because another row still references it: a
    ``PROTECT`` or ``RESTRICT`` on it, or on a row its delete cascades to (``apps.core.services.model_delete``
    answers those with a 409)."""
    seen = set() if seen is None else seen
    if model in seen:
        return False
    seen.add(model)
    for relation in model._meta.related_objects:
        on_delete = getattr(relation, "on_delete", None)
        if on_delete in (models.PROTECT, models.RESTRICT):
            return True
        if on_delete is models.CASCADE and delete_can_conflict(relation.related_model, seen):
            return True
    return False


class AutoSchema(SpectacularAutoSchema):
    """drf-spectacular's schema of an operation, plus the error answers it can give (module docstring)."""

    def get_operation(self, *args: Any, **kwargs: Any) -> dict[str, Any] | None:
        operation = super().get_operation(*args, **kwargs)
        if operation is None:
            return None
        responses = operation["responses"]
        for code, description in sorted(self.error_responses(operation).items()):
            responses.setdefault(code, {"description": description})
        for code, response in responses.items():
            if code.startswith("4"):  # one the view declared too (e.g. a 413), when it gave no body
                response.setdefault("content", {"application/json": {"schema": self._error_schema_ref()}})
        operation["responses"] = dict(sorted(responses.items()))
        scopes = self.required_scopes()
        if scopes:
            operation["x-required-scopes"] = list(scopes)
            quoted = [f"`{scope}`" for scope in scopes]
            either = quoted[0] if len(quoted) == 1 else f"{', '.join(quoted[:-1])} or {quoted[-1]}"
            sentence = f"Token scope: {either} (a token needs one of them)."
            operation["description"] = (
                f"{operation['description']}\n\n{sentence}" if operation.get("description") else sentence
            )
        return operation

    def required_scopes(self) -> tuple[str, ...]:
        """The token scopes of which this operation needs one (none when the view declares no area)."""
        area = getattr(self.view, "scope_area", None)
        if area not in SCOPE_AREAS:
            return ()
        return required_scopes(area, writes=self.method not in SAFE_METHODS)

    # -- the rules --------------------------------------------------------------------------------------
    def error_responses(self, operation: dict[str, Any]) -> dict[str, str]:
        """Status code → description of each error this operation can answer."""
        declared = getattr(self.view, "error_answers", None)
        if declared is not None:
            return dict(declared)
        parameters = operation.get("parameters", [])
        in_path = [p for p in parameters if p.get("in") == "path"]
        selecting = [p for p in parameters if p.get("in") == "query" and p["name"] not in LENIENT_QUERY_PARAMETERS]
        writes = self.method not in SAFE_METHODS
        action = getattr(self.view, "action", None)
        paginated = self.method == "GET" and self._is_list_view() and self._get_paginator() is not None

        errors: dict[str, str] = {}
        refusals = []
        if "requestBody" in operation:
            refusals.append("invalid input, or a rule refused it (the messages by field)")
        elif self.method in BODY_METHODS:
            refusals.append("a body that is not a JSON object")
        if selecting:
            refusals.append("an invalid query parameter (an unknown choice, a malformed number or date)")
        refusals.append("a NUL character (`%00`) in the path or the query string")
        described = "; ".join(refusals)
        errors["400"] = f"{described[0].upper()}{described[1:]}."
        if self._needs_authentication():
            errors["401"] = "No credentials, or an invalid, expired or revoked token."
        if writes or action in getattr(self.view, "action_permissions", {}):
            errors["403"] = (
                "Not allowed: the role lacks the permission, the record is not yours to change, a browser "
                "session sent no CSRF token, or the token lacks the scope (named in `detail`) or is limited "
                "to other vendors."
            )
        elif self.required_scopes():
            errors["403"] = "The token lacks the scope this needs (named in `detail`)."
        if in_path and paginated:
            errors["404"] = "No such record (or not visible to you), or no such page."
        elif in_path:
            errors["404"] = "No such record (or not visible to you)."
        elif paginated:
            errors["404"] = "No such page."
        if writes and self._can_conflict(action):
            errors["409"] = self._conflict_description(action)
        if self.method in BODY_METHODS:
            errors["415"] = "The body is not JSON: send `Content-Type: application/json`."
        if self._throttled():
            errors["429"] = "Too many requests: wait as long as the `Retry-After` header says."
        return errors

    def _needs_authentication(self) -> bool:
        permissions = self.view.get_permissions()
        return bool(self.view.get_authenticators()) and not all(isinstance(p, AllowAny) for p in permissions)

    def _throttled(self) -> bool:
        """A throttle of the view, or of an authenticator that throttles before it authenticates (its
        ``throttle_classes``, e.g. failed token sign-ins per address)."""
        authenticators = self.view.get_authenticators()
        return bool(self.view.get_throttles()) or any(getattr(a, "throttle_classes", ()) for a in authenticators)

    def _can_conflict(self, action: str | None) -> bool:
        if action in getattr(self.view, "conflict_free_actions", ()):
            return False
        if self.method == "DELETE":
            model = get_view_model(self.view, emit_warnings=False)
            return model is not None and delete_can_conflict(model)
        return True

    def _conflict_description(self, action: str | None) -> str:
        if self.method == "DELETE":
            return "Other records still reference this one: it cannot be deleted."
        if action in WRITE_ACTIONS:
            return "Conflicts with an existing record (a duplicate) or a concurrent change."
        return (
            "Conflicts with the current state or a concurrent change: e.g. a lifecycle move not allowed from "
            "the current status, or a readiness gate not met (`unmet` lists its conditions)."
        )

    def _error_schema_ref(self) -> dict[str, str]:
        component = ResolvedComponent(
            name=ERROR_COMPONENT, type=ResolvedComponent.SCHEMA, object=ERROR_COMPONENT, schema=ERROR_SCHEMA
        )
        self.registry.register_on_missing(component)
        return component.ref
