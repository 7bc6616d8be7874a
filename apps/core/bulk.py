"""Bulk actions on a list's selected rows: acknowledge ten breaches at once, revoke a set of access
grants, reassign the owners of several vendors, export just the rows picked.

A list (``apps.core.ui.FilteredListView``) declares its ``bulk_actions``::

    bulk_actions = (
        BulkAction("acknowledge", "Acknowledge", run=acknowledge,
                   permission="performance.acknowledge_breach", done="Acknowledged"),
        BulkAction("resolve", "Resolve…", run=resolve, permission="performance.resolve_breach",
                   form_class=BreachReasonForm, done="Resolved"),
    )

``run(row, actor=…, data=…)`` calls THE SAME service as the single action (its checks — the lifecycle,
ownership — apply row by row), ``data`` being the action's form's cleaned data (a reason, the owners).

The table then draws a checkbox per row (and "select all on this page") for those who may run at least
one of the list's actions, and an action bar: one button per action the user's role allows, and "Export
the selection" as CSV or XLSX (the list's export columns). The selection posts to the list's own URL:

- an action with a form first shows it (the rows chosen, the fields); posted again with the answers,
- each row runs in its own transaction: a refused row (the service's reason) or one that fails to save
  is rolled back alone and the others are kept;
- the answer is a summary: done N, refused M with the reason per row, each row linked to its page.

Rows are read through the list's selector (``base_queryset``, the user's scope, not the filters the page
happened to show): an id outside it is refused as "not found". A role without the action's permission
gets a 403; a blank selection, an unknown action, more than ``BULK_MAX_ROWS`` rows a message, never a 500.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import KW_ONLY, dataclass
from typing import Any, ClassVar

from django import forms
from django.contrib import messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db import DatabaseError, transaction
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse, HttpResponseBase, HttpResponseRedirect
from django.shortcuts import render
from django.utils.http import url_has_allowed_host_and_scheme

from apps.core.errors import ApplicationError, error_messages
from apps.core.tables import EXPORT_FORMATS, Table, export_response

logger = logging.getLogger(__name__)

# The most rows one bulk request acts on (a page holds 25; "select all" selects a page).
BULK_MAX_ROWS = 500
# The ``action`` values of "Export the selection".
EXPORT_ACTIONS = {f"export_{file_format}": file_format for file_format in EXPORT_FORMATS}
NOT_FOUND = "Not found: it does not exist, or is not yours to see."
NOT_SAVED = "Could not be saved (a database error); nothing of it was written."


@dataclass(frozen=True)
class BulkAction:
    """One action a list offers on its selected rows (see the module's docstring)."""

    name: str
    label: str
    _: KW_ONLY
    run: Callable[..., Any]
    permission: str | None = None
    form_class: type[forms.Form] | None = None
    # The summary's verb: "Acknowledged 10 breaches."
    done: str = "Done"
    # What the form page says above the fields.
    help: str = ""

    def allowed(self, user: Any) -> bool:
        return not self.permission or bool(user.has_perm(self.permission))


@dataclass(frozen=True)
class RowResult:
    """What became of one selected row: done, or refused with the reason."""

    pk: str
    label: str
    url: str
    done: bool
    reason: str = ""


@dataclass(frozen=True)
class BulkSummary:
    action: BulkAction
    results: tuple[RowResult, ...]

    @property
    def done(self) -> list[RowResult]:
        return [result for result in self.results if result.done]

    @property
    def refused(self) -> list[RowResult]:
        return [result for result in self.results if not result.done]


def selected_ids(values: Iterable[str]) -> tuple[list[int], list[str]]:
    """The selection's ids, in the order given, once each; and the values that are no id at all."""
    ids: list[int] = []
    invalid: list[str] = []
    for value in values:
        text = str(value).strip()
        if text.isdigit() and len(text) < 19:  # a bigint; longer digit strings are no row of ours
            number = int(text)
            if number not in ids:
                ids.append(number)
        elif text and text not in invalid:
            invalid.append(text)
    return ids, invalid


def _refusal(exc: Exception) -> str:
    parts = []
    for name, texts in error_messages(exc).items():
        text = " ".join(texts)
        parts.append(text if name == "detail" else f"{name.replace('_', ' ').capitalize()}: {text}")
    return " ".join(parts) or "Refused."


def _describe(row: Any) -> tuple[str, str]:
    url = row.get_absolute_url() if hasattr(row, "get_absolute_url") else ""
    return str(row), str(url)


def bulk_run(
    action: BulkAction,
    *,
    queryset: QuerySet[Any],
    ids: Sequence[int],
    actor: Any,
    data: Mapping[str, Any] | None = None,
    invalid: Sequence[str] = (),
) -> BulkSummary:
    """Run ``action`` on each of ``ids`` found in ``queryset`` (the user's scope), each row in its own
    transaction: a refusal (``ApplicationError``, ``ValidationError``) or a database error rolls back that
    row alone and is reported with its reason; the rows before and after it are kept."""
    rows = queryset.in_bulk(list(ids))
    results: list[RowResult] = [
        RowResult(pk=value, label=value, url="", done=False, reason=NOT_FOUND) for value in invalid
    ]
    for pk in ids:
        row = rows.get(pk)
        if row is None:
            results.append(RowResult(pk=str(pk), label=f"#{pk}", url="", done=False, reason=NOT_FOUND))
            continue
        label, url = _describe(row)
        try:
            with transaction.atomic():
                action.run(row, actor=actor, data=dict(data or {}))
        except (ApplicationError, ValidationError) as exc:
            results.append(RowResult(pk=str(pk), label=label, url=url, done=False, reason=_refusal(exc)))
        except DatabaseError:
            logger.exception("bulk action %s failed on row %s", action.name, pk)
            results.append(RowResult(pk=str(pk), label=label, url=url, done=False, reason=NOT_SAVED))
        else:
            results.append(RowResult(pk=str(pk), label=label, url=url, done=True))
    return BulkSummary(action=action, results=tuple(results))


def _safe_back(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


class BulkActionsMixin:
    """The POST side of a list with ``bulk_actions`` (mixed into ``FilteredListView``)."""

    bulk_actions: ClassVar[Sequence[BulkAction]] = ()
    bulk_form_template: ClassVar[str] = "includes/bulk_form.html"
    bulk_result_template: ClassVar[str] = "includes/bulk_result.html"
    # The noun the summary counts ("breach", "breaches"); default: "row", "rows".
    bulk_noun: ClassVar[tuple[str, str]] = ("row", "rows")

    request: HttpRequest
    table_class: ClassVar[type[Table]]
    csv_filename: ClassVar[str]
    title: ClassVar[str]

    def base_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    def ordering_for(self, sort: str) -> list[str]:
        raise NotImplementedError

    def current_sort(self) -> str:
        raise NotImplementedError

    def filtered_queryset(self) -> QuerySet[Any]:
        raise NotImplementedError

    # -- what the page offers ------------------------------------------------------------------------------
    def allowed_bulk_actions(self) -> list[BulkAction]:
        return [action for action in type(self).bulk_actions if action.allowed(self.request.user)]

    def bulk_context(self) -> dict[str, Any] | None:
        """The action bar and the checkboxes: only for those who may run at least one action."""
        actions = self.allowed_bulk_actions()
        if not actions:
            return None
        return {"actions": actions, "form_id": "bulk-form", "next": self.request.get_full_path()}

    # -- the POST ------------------------------------------------------------------------------------------
    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not type(self).bulk_actions:
            return HttpResponse("This list has no bulk actions.", status=405, content_type="text/plain")
        back = _safe_back(request, request.get_full_path())
        name = request.POST.get("action", "")
        ids, invalid = selected_ids(request.POST.getlist("ids"))
        if not ids and not invalid:
            messages.error(request, "Select at least one row first.")
            return HttpResponseRedirect(back)
        if len(ids) + len(invalid) > BULK_MAX_ROWS:
            messages.error(request, f"Select at most {BULK_MAX_ROWS} rows at a time.")
            return HttpResponseRedirect(back)
        if name in EXPORT_ACTIONS:
            return self.bulk_export(EXPORT_ACTIONS[name], ids)
        action = next((action for action in type(self).bulk_actions if action.name == name), None)
        if action is None:
            messages.error(request, "Choose one of the actions offered.")
            return HttpResponseRedirect(back)
        if not action.allowed(request.user):
            raise PermissionDenied("Your role does not allow this.")
        data: dict[str, Any] = {}
        if action.form_class is not None:
            form = action.form_class(request.POST if request.POST.get("confirm") else None)
            if not form.is_bound or not form.is_valid():
                return self.bulk_form_page(action, form, ids, invalid, back)
            data = form.cleaned_data
        summary = bulk_run(
            action, queryset=self.base_queryset(), ids=ids, actor=request.user, data=data, invalid=invalid
        )
        return render(
            request,
            type(self).bulk_result_template,
            {"title": f"{action.label.rstrip('…')}: result", "summary": summary, "back": back, **self.bulk_nouns()},
        )

    def bulk_nouns(self) -> dict[str, str]:
        one, many = type(self).bulk_noun
        return {"noun_one": one, "noun_many": many}

    def bulk_form_page(
        self, action: BulkAction, form: forms.Form, ids: Sequence[int], invalid: Sequence[str], back: str
    ) -> HttpResponse:
        rows = list(self.base_queryset().filter(pk__in=ids).order_by(*self.ordering_for(self.current_sort())))
        return render(
            self.request,
            type(self).bulk_form_template,
            {
                "title": f"{action.label.rstrip('…')}: {len(rows)} selected",
                "action": action,
                "form": form,
                "rows": rows,
                "ids": [*ids, *invalid],
                "missing": len(ids) + len(invalid) - len(rows),
                "back": back,
                **self.bulk_nouns(),
            },
            status=400 if form.is_bound else 200,
        )

    def bulk_export(self, file_format: str, ids: Sequence[int]) -> Any:
        """The selected rows (those in the user's scope), in the list's order, as the list exports them."""
        self.filtered_queryset()  # binds the FilterSet the default order reads
        rows = self.base_queryset().filter(pk__in=ids).order_by(*self.ordering_for(self.current_sort()))
        table = type(self).table_class
        return export_response(
            file_format, f"{type(self).csv_filename}-selection", table.export_columns, rows.iterator(chunk_size=2000)
        )
