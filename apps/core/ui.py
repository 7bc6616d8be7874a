"""The workspace's shared view machinery: every HTML page of every app is one of these shapes.

- ``FilteredListView``: a selector, the app's FilterSet (the same one the API uses), a whitelist of
  sort keys, pagination that keeps the query string, and the app's ``Table`` (``apps.core.tables``):
  the columns, declared once for the page and the CSV export of exactly what is filtered.
- ``ServiceCreateView`` / ``ServiceUpdateView`` / ``ServiceDeleteView``: a form checks the shape of the
  input, the app's service writes it; whatever the service refuses lands on the form as field errors.
- ``TransitionView``: the page before a lifecycle move: the readiness checklist, a reason, the override.
- ``ServiceActionView``: a POST-only button (a lifecycle transition, "mark done") that calls a service
  and says on the next page what happened, or why it was refused.

Views stay thin: reads go through selectors, writes through services, the rules live in the models
and services. A request from htmx (``HX-Request``) gets the page's partial ``section_template``
instead of the whole page, so the same view serves inline editing and the plain-HTML fallback.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from typing import Any, ClassVar
from urllib.parse import urlsplit

from django import forms
from django.contrib import messages
from django.contrib.auth.mixins import LoginRequiredMixin
from django.core.exceptions import NON_FIELD_ERRORS, ImproperlyConfigured, PermissionDenied, ValidationError
from django.db import models
from django.db.models import QuerySet
from django.http import (
    Http404,
    HttpRequest,
    HttpResponse,
    HttpResponseBase,
    HttpResponseRedirect,
    JsonResponse,
)
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme
from django.views import View
from django.views.generic import DetailView, ListView
from django.views.generic.edit import FormMixin
from django_filters import FilterSet

from apps.core.bulk import BulkActionsMixin
from apps.core.counting import CountingPaginator
from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.core.gates import can_override, gate_report
from apps.core.search import search_queryset
from apps.core.tables import EXPORT_FORMATS, Table, export_response

PAGE_SIZE = 25
# A filter menu of records (vendors, contracts) with more than this many is not drawn whole: it offers
# what is chosen, and the records are searched as one types (``?choices=<filter>&term=``, static/js/choices.js).
LONG_MENU = 200
CHOICES_SHOWN = 20


def is_htmx(request: HttpRequest) -> bool:
    return request.headers.get("HX-Request") == "true"


def require_permission(request: HttpRequest, permission: str | None) -> None:
    """A signed-in user without the role's permission gets the 403 page (never a 500)."""
    if permission and not request.user.has_perm(permission):
        raise PermissionDenied("Your role does not allow this.")


# -- lists ------------------------------------------------------------------------------------------
class FilteredListView(LoginRequiredMixin, BulkActionsMixin, ListView):
    """A list page over ``selector`` narrowed by ``filterset_class``, sorted by ``?sort=`` (one of
    ``sort_fields``, ``-`` for descending), paginated, drawn by ``table_class`` (the list's columns) and
    exported with ``?export=csv`` or ``?export=xlsx``. ``bulk_actions`` (``apps.core.bulk``) add row
    selection and the actions on the selected rows (a POST to the list's URL)."""

    selector: ClassVar[Callable[..., QuerySet[Any]]]
    filterset_class: ClassVar[type[FilterSet]]
    # The filters shown in the filter bar (the others still work from the query string, as in the API).
    filter_fields: ClassVar[Sequence[str]] = ()
    sort_fields: ClassVar[Mapping[str, str | Sequence[str]]] = {}
    default_sort: ClassVar[str] = ""
    # The list's columns, for the page and the CSV export (``apps.core.tables``).
    table_class: ClassVar[type[Table]]
    csv_filename: ClassVar[str] = "export"
    create_url_name: ClassVar[str | None] = None
    create_permission: ClassVar[str | None] = None
    title: ClassVar[str] = ""
    paginate_by = PAGE_SIZE
    # Exact counts up to a limit, PostgreSQL's estimate above it (apps.core.counting).
    paginator_class = CountingPaginator

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        # A heading that sorts by a key the view does not know would sort by nothing: refuse it at load.
        table = getattr(cls, "table_class", None)
        if table is None:
            return
        unknown = [column.sort for column in table.columns if column.sort and column.sort not in cls.sort_fields]
        if unknown:
            raise ImproperlyConfigured(f"{cls.__name__}: {table.__name__} sorts by {unknown}, not in sort_fields.")

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:  # type: ignore[override]  # a CSV stream too
        if "choices" in request.GET:
            return self.choices_response(request.GET.get("choices", ""), request.GET.get("term", ""))
        file_format = request.GET.get("export")
        if file_format in EXPORT_FORMATS:
            return export_response(
                file_format, self.csv_filename, self.table_class.export_columns, self.get_export_rows()
            )
        return super().get(request, *args, **kwargs)

    def base_queryset(self) -> QuerySet[Any]:
        return type(self).selector(user=self.request.user)

    def choices_response(self, name: str, term: str) -> JsonResponse:
        """The records of the filter menu ``name`` that ``term`` finds (accent- and case-insensitive, as
        global search), at most ``CHOICES_SHOWN``, as ``{"results": [{"value", "label"}]}``."""
        form = self.filterset_class(None, queryset=self.base_queryset().none(), request=self.request).form
        field = form.fields.get(name)
        search_fields = _menu_search_fields(field) if name in self.filter_fields else ()
        if not search_fields:
            return JsonResponse({"detail": f"{name or 'choices'}: no such menu on this list."}, status=404)
        assert isinstance(field, forms.ModelChoiceField) and field.queryset is not None  # a searchable menu
        queryset = field.queryset
        if term.strip():
            queryset = search_queryset(queryset, search_fields, term)
        found = [
            {"value": str(record.pk), "label": field.label_from_instance(record)} for record in queryset[:CHOICES_SHOWN]
        ]
        return JsonResponse({"results": found})

    def filtered_queryset(self) -> QuerySet[Any]:
        self.filterset = self.filterset_class(self.request.GET, queryset=self.base_queryset(), request=self.request)
        # Like the API: a filter value that does not validate matches nothing, and says why.
        queryset = self.filterset.qs if self.filterset.is_valid() else self.filterset.queryset.none()
        return queryset.order_by(*self.ordering_for(self.current_sort()))

    def current_sort(self) -> str:
        wanted = self.request.GET.get("sort", "")
        return wanted if wanted.lstrip("-") in self.sort_fields else self.default_sort

    def ordering_for(self, sort: str) -> list[str]:
        if not sort:
            return [*self.filterset.queryset.query.order_by, "pk"]
        descending = sort.startswith("-")
        fields = self.sort_fields[sort.lstrip("-")]
        fields = [fields] if isinstance(fields, str) else list(fields)
        flip = {True: "-", False: ""}
        ordered = []
        for field in fields:
            field_descending = field.startswith("-") != descending
            ordered.append(f"{flip[field_descending]}{field.lstrip('-')}")
        return [*ordered, "-pk" if descending else "pk"]

    def get_queryset(self) -> QuerySet[Any]:
        return self.filtered_queryset()

    def get_export_rows(self) -> Iterable[Any]:
        return self.filtered_queryset().iterator(chunk_size=2000)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        query = self.request.GET.copy()
        query.pop("page", None)
        query.pop("export", None)
        sort = self.current_sort()
        without_sort = query.copy()
        without_sort.pop("sort", None)
        shown = [self.filterset.form[name] for name in self.filter_fields if name in self.filterset.form.fields]
        for bound in shown:
            self._shorten_long_menu(bound.name, bound.field)
            _label_filter_widget(bound.field, str(bound.label))
        can_create = bool(self.create_url_name) and (
            not self.create_permission or self.request.user.has_perm(self.create_permission)
        )
        context.update(
            title=self.title,
            filterset=self.filterset,
            filter_form_fields=shown,
            filters_active=any(self.request.GET.get(name) for name in self.filterset.form.fields),
            hidden_filters=self.hidden_filters(),
            table=self.table_class(context["object_list"], sort=sort),
            query_string=query.urlencode(),
            sort_query_string=without_sort.urlencode(),
            export_query_string=query.urlencode(),
            create_url_name=self.create_url_name if can_create else None,
            bulk=self.bulk_context(),
        )
        return context

    def _shorten_long_menu(self, name: str, field: forms.Field) -> None:
        """A menu of more than ``LONG_MENU`` records (20,000 vendors) offers only what is chosen and is
        searched as one types; a shorter one is drawn whole from the same query (``LIMIT LONG_MENU + 1``)."""
        if not _menu_search_fields(field):
            return
        assert isinstance(field, forms.ModelChoiceField) and field.queryset is not None  # a searchable menu
        records = list(field.queryset[: LONG_MENU + 1])
        if len(records) <= LONG_MENU:
            field._menu_records = records  # type: ignore[attr-defined]  # the menu's iterator reads these
            return
        chosen = [value for value in self.request.GET.getlist(name) if value.isdigit()]
        field.queryset = field.queryset.filter(pk__in=chosen)
        field.__dict__.pop("_menu_records", None)
        field.widget.attrs.update({"data-choices-url": f"?choices={name}", "data-choices-label": str(field.label)})

    def hidden_filters(self) -> list[dict[str, Any]]:
        """The filters in the query string that the filter bar does not show (a dashboard's drill-down
        sets them): named on the page, and kept as hidden fields when the bar is applied again."""
        found = []
        for name, field in self.filterset.form.fields.items():
            values = [value for value in self.request.GET.getlist(name) if value]
            if name in self.filter_fields or not values:
                continue
            choices = {str(key): str(label) for key, label in getattr(field, "choices", ())}
            shown = ", ".join(choices.get(value, value) for value in values)
            found.append(
                {
                    "name": name,
                    "label": str(field.label or name.replace("_", " ").capitalize()),
                    "values": values,
                    "shown": shown,
                }
            )
        return found


def _menu_search_fields(field: forms.Field | None) -> Sequence[str]:
    """What a filter menu of records is searched on (its field class's ``search_fields``: vendors by name,
    contracts by title and vendor); nothing for any other filter."""
    if not isinstance(field, forms.ModelChoiceField) or field.queryset is None:
        return ()
    return tuple(getattr(field, "search_fields", ()))


def _label_filter_widget(field: forms.Field, label: str) -> None:
    """A filter bar has no room for labels: text inputs get a placeholder, single-choice selects an
    "Any …" first option instead of Django's dashes."""
    if isinstance(field.widget, forms.SelectMultiple) and not isinstance(field.widget, forms.CheckboxSelectMultiple):
        # Several values of one filter: checkboxes in a dropdown, not a multi-select box.
        field.widget = forms.CheckboxSelectMultiple(choices=field.choices)  # type: ignore[attr-defined]  # a SelectMultiple widget's field is a ChoiceField
    elif isinstance(field.widget, forms.DateInput):  # before TextInput, which it subclasses
        field.widget.input_type = "date"
        field.widget.attrs.setdefault("aria-label", label)
        field.widget.attrs.setdefault("title", label)
    elif isinstance(field.widget, forms.TextInput | forms.NumberInput):
        field.widget.attrs.setdefault("placeholder", label)
        field.widget.attrs.setdefault("aria-label", label)
    elif isinstance(field.widget, forms.NullBooleanSelect):
        field.widget.choices = [("unknown", f"{label}: any"), ("true", f"{label}: yes"), ("false", f"{label}: no")]
        field.widget.attrs.setdefault("aria-label", label)
    elif isinstance(field.widget, forms.Select) and not isinstance(field.widget, forms.SelectMultiple):
        choices = list(getattr(field, "choices", []))
        if getattr(field, "empty_label", None) is not None:
            # django-filter's choice fields put their empty choice first each time the choices are read:
            # name it, rather than adding a second one (and re-read a plain field's choices through this
            # form's copy of the field: its widget still reads them through the FilterSet's own field).
            field.empty_label = f"Any {label.lower()}"  # type: ignore[attr-defined]  # checked just above
            if not isinstance(field, forms.ModelChoiceField):
                field.choices = [choice for choice in choices if choice[0] not in ("", None)]  # type: ignore[attr-defined]  # a Select widget's field is a ChoiceField
        elif choices and choices[0][0] in ("", None):
            field.choices = [("", f"Any {label.lower()}"), *choices[1:]]  # type: ignore[attr-defined]  # a Select widget's field is a ChoiceField
        field.widget.attrs.setdefault("aria-label", label)


# -- the record a page is about ---------------------------------------------------------------------------
class SelectorObjectMixin:
    """``get_object`` reads the record the URL's ``pk`` names through ``selector`` (a 404 otherwise)."""

    selector: ClassVar[Callable[..., QuerySet[Any]]]
    request: HttpRequest
    kwargs: dict[str, Any]

    def get_object(self) -> Any:
        return get_object_or_404(type(self).selector(user=self.request.user), pk=self.kwargs["pk"])


# -- forms that write through services ----------------------------------------------------------------
def add_service_errors(form: forms.BaseForm, error: ValidationError | ApplicationError) -> None:
    """Put what a service refused on the form: on the field it names when the form has that field,
    otherwise at the top of the form. Nothing was written (the service's transaction rolled back)."""
    if isinstance(error, ApplicationError):
        form.add_error(error.field if error.field in form.fields else None, error.message)
        return
    if hasattr(error, "error_dict"):
        for field, field_errors in error.error_dict.items():
            target = field if field in form.fields else None
            for item in field_errors:
                message = " ".join(item.messages)
                if target is None and field != NON_FIELD_ERRORS:
                    label = field.replace("_", " ").capitalize()
                    message = f"{label}: {message}"
                form.add_error(target, message)
        return
    form.add_error(None, error.messages)


def safe_next_url(request: HttpRequest, fallback: str) -> str:
    candidate = request.POST.get("next") or request.GET.get("next") or ""
    if candidate and url_has_allowed_host_and_scheme(
        candidate, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    ):
        return candidate
    return fallback


class ServiceFormView(LoginRequiredMixin, FormMixin, View):
    """A form page whose valid input is handed to ``perform`` (a service call).

    ``permission`` is checked before anything is shown; ``perform`` returns the object to go to next.
    With htmx, ``section_template`` is rendered instead of the page (the form with its errors, or the
    refreshed section after a save).
    """

    permission: ClassVar[str | None] = None
    template_name: ClassVar[str] = "includes/form_page.html"
    section_template: ClassVar[str | None] = None
    success_message: ClassVar[str] = "Saved."
    title: ClassVar[str] = ""
    submit_label: ClassVar[str] = "Save"

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        if not request.user.is_authenticated:
            return self.handle_no_permission()
        self.setup_objects()
        require_permission(request, self.permission)
        self.check_object_permission()
        return super().dispatch(request, *args, **kwargs)

    def setup_objects(self) -> None:
        """Load the objects the URL names (through selectors) before the permission checks."""

    def check_object_permission(self) -> None:
        """A rule about this record in particular (an engineering manager and their vendors)."""

    def get(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        return self.render_form(self.get_form())

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        form = self.get_form()
        if not form.is_valid():
            return self.render_form(form)
        try:
            result = self.perform(form)
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except (ValidationError, ApplicationError) as exc:
            add_service_errors(form, exc)
            return self.render_form(form)
        if self.success_message:
            messages.success(request, self.success_message.format(object=result))
        if is_htmx(request) and self.section_template:
            return render(request, self.section_template, self.section_context(form=None))
        return HttpResponseRedirect(safe_next_url(request, self.get_success_url_for(result)))

    def perform(self, form: forms.BaseForm) -> Any:
        raise NotImplementedError

    def get_success_url_for(self, result: Any) -> str:
        return str(result.get_absolute_url())

    def render_form(self, form: forms.BaseForm) -> HttpResponse:
        status = 200 if not form.is_bound or not form.errors else 400
        if is_htmx(self.request) and self.section_template:
            # htmx swaps 2xx answers only by default; a form with errors is still the content to show.
            return render(self.request, self.section_template, self.section_context(form=form))
        return render(self.request, self.template_name, self.get_context_data(form=form), status=status)

    def section_context(self, *, form: forms.BaseForm | None) -> dict[str, Any]:
        return {"form": form}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.setdefault("title", self.title)
        context.setdefault("submit_label", self.submit_label)
        context.setdefault("cancel_url", self.cancel_url(context))
        return context

    def cancel_url(self, context: Mapping[str, Any]) -> str:
        """Where "Cancel" goes: ``?next=``, else the record (or its parent) the form is about, else the
        page the user came from — unless that is this very form (after a failed save), else home."""
        for record in (context.get("parent"), context.get("object")):
            if record is not None and hasattr(record, "get_absolute_url"):
                return safe_next_url(self.request, str(record.get_absolute_url()))
        referer = self.request.META.get("HTTP_REFERER") or ""
        came_from = referer if referer and urlsplit(referer).path != self.request.path else "/"
        return safe_next_url(
            self.request,
            came_from if url_has_allowed_host_and_scheme(came_from, allowed_hosts={self.request.get_host()}) else "/",
        )


class ServiceCreateView(ServiceFormView):
    """Create a record: the form's cleaned data (plus ``extra_data``) goes to ``create_service``."""

    create_service: ClassVar[Callable[..., Any]]
    form_class: type[forms.ModelForm]
    success_message = "Created {object}."

    def extra_data(self) -> dict[str, Any]:
        """Values the URL fixes (the vendor a certification belongs to)."""
        return {}

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.form_class._meta.model(**self.extra_data())
        return kwargs

    def perform(self, form: forms.BaseForm) -> Any:
        data = {**form.cleaned_data, **self.extra_data()}
        return type(self).create_service(actor=self.request.user, data=data)


class ServiceUpdateView(SelectorObjectMixin, ServiceFormView):
    """Edit a record (read through ``selector``): only the form's fields are handed to ``update_service``."""

    update_service: ClassVar[Callable[..., Any]]
    form_class: type[forms.ModelForm]
    success_message = "Saved {object}."
    # The edit page offers "Delete" to those who may (the delete view checks again).
    delete_url_name: ClassVar[str | None] = None
    delete_permission: ClassVar[str | None] = None
    object: Any

    def setup_objects(self) -> None:
        self.object = self.get_object()

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Edit {self.object}"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["instance"] = self.object
        return kwargs

    def perform(self, form: forms.BaseForm) -> Any:
        # A fresh copy: the form's validation already wrote its values onto ``self.object``.
        instance = type(self.object)._default_manager.get(pk=self.object.pk)
        return type(self).update_service(instance=instance, actor=self.request.user, data=form.cleaned_data)

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        kwargs.setdefault("object", self.object)
        context = super().get_context_data(**kwargs)
        delete_url_name = type(self).delete_url_name
        if delete_url_name and self.request.user.has_perm(type(self).delete_permission or ""):
            context["delete_url"] = reverse(delete_url_name, args=[self.object.pk])
        return context


class ServiceActionView(SelectorObjectMixin, LoginRequiredMixin, View):
    """A button: POST only; calls ``perform`` and redirects back with a message saying what happened
    or why it was refused (an invalid transition is explained, never a 500). With htmx the section is
    re-rendered in place."""

    permission: ClassVar[str | None] = None
    section_template: ClassVar[str | None] = None
    http_method_names = ["post"]
    object: Any

    def check_object_permission(self) -> None:
        """A rule about this record in particular."""

    def perform(self) -> str:
        """Call the service; return the success message."""
        raise NotImplementedError

    def success_url(self) -> str:
        return str(self.object.get_absolute_url())

    def section_context(self) -> dict[str, Any]:
        return {}

    def post(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponse:
        self.object = self.get_object()
        require_permission(request, self.permission)
        self.check_object_permission()
        try:
            messages.success(request, self.perform())
        except PermissionDeniedError as exc:
            raise PermissionDenied(exc.message) from exc
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        except ApplicationError as exc:
            messages.error(request, exc.message)
        if is_htmx(request) and self.section_template:
            return render(request, self.section_template, self.section_context())
        return HttpResponseRedirect(safe_next_url(request, self.success_url()))


class ServiceDeleteView(ServiceActionView):
    """Delete through ``delete_service``; a record others still reference is refused with a message."""

    delete_service: ClassVar[Callable[..., Any]]

    def perform(self) -> str:
        label = str(self.object)
        type(self).delete_service(instance=self.object, actor=self.request.user)
        return f"Deleted {label}."


class SelectorDetailView(LoginRequiredMixin, DetailView):
    """A record page read through its selector (so its joins and annotations come along)."""

    selector: ClassVar[Callable[..., QuerySet[Any]]]

    def get_queryset(self) -> QuerySet[Any]:
        return type(self).selector(user=self.request.user)


# -- lifecycle moves: the readiness checklist, a reason, an executive's override -----------------------
class TransitionForm(forms.Form):
    """What a lifecycle move asks for: a reason (required for consequential moves, and for any
    override) and, for executives facing an unmet gate, the explicit override."""

    reason = forms.CharField(
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept on the record and in the audit trail.",
    )
    override = forms.BooleanField(
        required=False,
        label="Override the unmet conditions",
        help_text="Recorded as an exception, listed on the vendor 360 and the overview until the conditions are met.",
    )

    def __init__(self, *args: Any, reason_required: bool = False, can_override: bool = False, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.reason_required = reason_required
        if not can_override:
            del self.fields["override"]
        if reason_required:
            self.fields["reason"].required = True
            self.fields["reason"].error_messages["required"] = "This step needs a reason."

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if data.get("override") and not (data.get("reason") or "").strip():
            self.add_error("reason", "An override needs a reason.")
        return data


class TransitionView(SelectorObjectMixin, ServiceFormView):
    """The page before a lifecycle move (``…/transition/<to_status>/``): what the move needs, each
    condition met or missing (``apps.core.gates``), a reason where the move is consequential, the
    override for executives, and one button. POST calls ``transition`` (the app's service), which
    enforces the same gate again inside its transaction.

    Subclasses set ``selector``, ``permission``, ``status_choices`` and ``transitions`` (the app's
    transition map), ``reason_required`` (the statuses whose move needs a reason) and ``transition``.
    """

    template_name = "includes/transition_page.html"
    status_choices: ClassVar[type[models.TextChoices]]
    transitions: ClassVar[Mapping[str, Sequence[str]]]
    reason_required: ClassVar[frozenset[str]] = frozenset()
    form_class = TransitionForm
    object: Any

    def setup_objects(self) -> None:
        self.object = self.get_object()
        self.to_status = self.kwargs["to_status"]
        if self.to_status not in self.transitions.get(self.object.status, ()):
            raise Http404("This record cannot make that move from its current status.")
        self.report = gate_report(self.object, self.to_status)

    def dispatch(self, request: HttpRequest, *args: Any, **kwargs: Any) -> HttpResponseBase:
        # Executives may override a gate without the app's own write permission: the permission
        # check is theirs to pass when the gate is unmet.
        if request.user.is_authenticated and can_override(request.user) and self.permission:
            self.setup_objects()
            if not request.user.has_perm(self.permission) and self.report.passed:
                raise PermissionDenied("Your role does not allow this.")
            self.check_object_permission()
            return View.dispatch(self, request, *args, **kwargs)
        return super().dispatch(request, *args, **kwargs)

    def transition(self, *, to_status: str, reason: str, override: bool) -> Any:
        raise NotImplementedError

    @property
    def label(self) -> str:
        return str(self.status_choices(self.to_status).label)

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Move {self.object} to {self.label}"

    @property
    def submit_label(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Move to {self.label}"

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["reason_required"] = self.to_status in self.reason_required
        kwargs["can_override"] = not self.report.passed and can_override(self.request.user)
        return kwargs

    def perform(self, form: forms.BaseForm) -> Any:
        return self.transition(
            to_status=self.to_status,
            reason=form.cleaned_data.get("reason", ""),
            override=bool(form.cleaned_data.get("override")),
        )

    def get_success_url_for(self, result: Any) -> str:
        return str(self.object.get_absolute_url())

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        context.update(
            object=self.object,
            report=self.report,
            to_status=self.to_status,
            to_label=self.label,
            blocked=not self.report.passed and not can_override(self.request.user),
        )
        return context
