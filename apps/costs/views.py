"""The invoice pages: the list of every contract's invoices (``/costs/invoices/``, filtered and exported as
the other lists), and the form pages reached from the contract page's *Invoices* panel
(``apps.costs.sections``): add, edit, and approve / dispute / pay / back to received. Each writes through
``apps.costs.services``; what they refuse lands on the form. Procurement and administrators only.

The cost ledger (``/costs/ledger/``, and its exports ``/costs/ledger.csv`` and ``.xlsx``): one line per
contract and month with every component of the total cost (``apps.costs.ledger``), each figure linked to
the rows it counts (``apps.costs.tco``). Everyone signed in reads it; a page costs the same number of
queries whatever the number of lines."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.paginator import Paginator
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_GET

from apps.contracts.models import Contract
from apps.contracts.selectors import contract_list
from apps.core.fx import fx_table
from apps.core.ui import FilteredListView, ServiceDeleteView, ServiceFormView
from apps.costs import filters, selectors, services
from apps.costs.choices import INVOICE_TRANSITIONS, InvoiceStatus
from apps.costs.exports import ledger_export
from apps.costs.forms import InvoiceForm, InvoiceTransitionForm, OwnerHoursForm
from apps.costs.ledger import LedgerTotals, ledger_lines, month_range_text, months_between, totals_of, trailing_months
from apps.costs.models import Invoice
from apps.costs.tables import InvoiceTable, LedgerTable, OwnerHoursTable
from apps.costs.tco import LedgerRow, ledger_rows, month_key


class InvoiceListView(FilteredListView):
    """Every contract's invoices with their flags."""

    title = "Invoices"
    template_name = "costs/invoice_list.html"
    selector = selectors.invoice_list
    filterset_class = filters.InvoiceFilterSet
    filter_fields = ("status", "period_from", "period_to")
    sort_fields = {
        "number": ("number", "contract__title"),
        "contract": ("contract__title", "-period_end"),
        "period": ("period_end", "period_start"),
        "amount": ("amount",),
        "status": ("status", "-period_end"),
    }
    default_sort = "-period"
    table_class = InvoiceTable
    csv_filename = "invoices"


class ContractInvoiceView(ServiceFormView):
    """An invoice form about one contract: procurement and administrators."""

    contract: Contract

    def get_success_url_for(self, result: Any) -> str:
        return str(self.contract.get_absolute_url()) + "#invoices"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(parent=self.contract, **kwargs)


class InvoiceCreateView(ContractInvoiceView):
    permission = selectors.ADD_INVOICE_PERMISSION
    form_class = InvoiceForm
    submit_label = "Add the invoice"
    success_message = "Added {object}."

    def setup_objects(self) -> None:
        self.contract = get_object_or_404(contract_list(user=self.request.user), pk=self.kwargs["contract_pk"])

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Add an invoice to {self.contract}"

    def get_initial(self) -> dict[str, Any]:
        return {"currency": self.contract.currency}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": Invoice(contract=self.contract)}

    def perform(self, form: forms.BaseForm) -> Any:
        return services.invoice_create(actor=self.request.user, data={**form.cleaned_data, "contract": self.contract})


class InvoiceView(ContractInvoiceView):
    """A form about one invoice (``pk``), read through the selector."""

    permission = selectors.CHANGE_INVOICE_PERMISSION
    invoice: Invoice

    def setup_objects(self) -> None:
        self.invoice = get_object_or_404(selectors.invoice_list(user=self.request.user), pk=self.kwargs["pk"])
        self.contract = self.invoice.contract


class InvoiceUpdateView(InvoiceView):
    form_class = InvoiceForm
    success_message = "Saved {object}."

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Edit {self.invoice} of {self.contract}"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.invoice}

    def perform(self, form: forms.BaseForm) -> Any:
        instance = Invoice.objects.get(pk=self.invoice.pk)
        return services.invoice_update(instance=instance, actor=self.request.user, data=form.cleaned_data)


# The page's verb for each status an invoice moves to.
TRANSITION_VERBS: dict[str, str] = {
    InvoiceStatus.APPROVED: "Approve",
    InvoiceStatus.DISPUTED: "Dispute",
    InvoiceStatus.PAID: "Mark paid",
    InvoiceStatus.RECEIVED: "Back to received",
}


class InvoiceTransitionView(InvoiceView):
    """Approve, dispute (with a reason), pay, or take a disputed invoice back to received."""

    form_class = InvoiceTransitionForm

    def setup_objects(self) -> None:
        super().setup_objects()
        self.to_status = self.kwargs["to_status"]
        if self.to_status not in INVOICE_TRANSITIONS.get(self.invoice.status, ()):
            raise Http404("This invoice cannot make that move from its current status.")

    @property
    def verb(self) -> str:
        return TRANSITION_VERBS[InvoiceStatus(self.to_status)]

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"{self.verb}: {self.invoice} of {self.contract}"

    @property
    def submit_label(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return self.verb

    @property
    def success_message(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"{{object}} is now {InvoiceStatus(self.to_status).label.lower()}."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "reason_required": self.to_status == InvoiceStatus.DISPUTED}

    def perform(self, form: forms.BaseForm) -> Any:
        return services.invoice_transition(
            invoice=self.invoice, actor=self.request.user, to_status=self.to_status, reason=form.cleaned_data["reason"]
        )


# -- the ledger ------------------------------------------------------------------------------------------------
LEDGER_PAGE_SIZE = 50
LEDGER_MONTHS = 12  # the default window: the last 12 months, this one included
LEDGER_FILTERS = ("vendor", "contract", "from_month", "to_month")


@dataclass
class LedgerReading:
    """What the ledger page and its exports read under the request's filters."""

    filterset: filters.LedgerFilterSet
    start: date
    end: date
    default: bool  # the months are the default window and no vendor or contract is chosen
    rows: list[LedgerRow]
    totals: LedgerTotals
    currency: str


def read_ledger(request: HttpRequest, *, base: str = "") -> LedgerReading:
    """The ledger under ``request``'s filters (the last 12 months by default). A filter that does not
    validate matches nothing and says why, as on the other lists. ``base``: a scheme and host that makes the
    drill-down URLs absolute (the exports)."""
    first, last = trailing_months(timezone.localdate(), LEDGER_MONTHS)
    data = request.GET.copy()
    for name, month in (("from_month", first), ("to_month", last)):
        if not data.get(name):
            data[name] = month_key(month)
    filterset = filters.LedgerFilterSet(data, queryset=contract_list(user=request.user), request=request)
    fx = fx_table()
    if filterset.is_valid():
        start = filterset.form.cleaned_data["from_month"]
        end = filterset.form.cleaned_data["to_month"]
        lines = ledger_lines(contracts=filterset.qs, start=start, end=end, fx=fx)
    else:
        start, end, lines = first, last, []
    contracts = {
        contract.pk: contract
        for contract in contract_list(user=request.user)
        .prefetch_related(None)
        .filter(pk__in={line.contract_id for line in lines})
    }
    default = (start, end) == (first, last) and not any(request.GET.get(name) for name in ("vendor", "contract"))
    return LedgerReading(
        filterset=filterset,
        start=start,
        end=end,
        default=default,
        rows=ledger_rows(lines, contracts, currency=fx.reporting, base=base),
        totals=totals_of(lines),
        currency=fx.reporting,
    )


@login_required
@require_GET
def ledger_page(request: HttpRequest) -> HttpResponse:
    """``/costs/ledger/``: a line per contract and month, filtered by vendor, contract and months."""
    reading = read_ledger(request)
    paginator = Paginator(reading.rows, LEDGER_PAGE_SIZE)
    page = paginator.get_page(request.GET.get("page"))
    query = request.GET.copy()
    query.pop("page", None)
    form = reading.filterset.form
    context = {
        "title": "Cost ledger",
        "reading": reading,
        "totals": reading.totals,
        "currency": reading.currency,
        "months": month_range_text(months_between(reading.start, reading.end)),
        "filter_form_fields": [form[name] for name in LEDGER_FILTERS],
        "filterset": reading.filterset,
        "filters_active": not reading.default,
        "table": LedgerTable(page.object_list),
        "page_obj": page,
        "paginator": paginator,
        "is_paginated": page.has_other_pages(),
        "query_string": query.urlencode(),
        "sort_query_string": query.urlencode(),
        "export_query_string": query.urlencode(),
    }
    return render(request, "costs/ledger.html", context)


@login_required
@require_GET
def ledger_download(request: HttpRequest, file_format: str) -> Any:
    """``/costs/ledger.csv`` and ``/costs/ledger.xlsx``: every line the page lists under the same filters."""
    base = request.build_absolute_uri("/").rstrip("/")
    return ledger_export(file_format, read_ledger(request, base=base).rows)


# -- owner hours: the list, the log form, the delete button ----------------------------------------------
class OwnerHoursListView(FilteredListView):
    """Every entry, newest week first."""

    title = "Owner hours"
    template_name = "costs/owner_hours_list.html"
    selector = selectors.owner_hours_list
    filterset_class = filters.OwnerHoursFilterSet
    filter_fields = ("contract", "person", "week")
    sort_fields = {
        "week": ("week_of", "contract__title"),
        "contract": ("contract__title", "-week_of"),
        "person": ("person__first_name", "person__last_name", "person__username", "-week_of"),
        "hours": ("hours",),
    }
    default_sort = "-week"
    table_class = OwnerHoursTable
    csv_filename = "owner-hours"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        user = self.request.user
        context["hours_admin"] = selectors.is_hours_admin(user)
        context["may_log"] = context["hours_admin"] or selectors.loggable_contracts(user).exists()
        contract = self.request.GET.get("contract", "")
        context["log_url"] = reverse("costs:owner-hours-new") + (f"?contract={contract}" if contract.isdigit() else "")
        return context


class OwnerHoursLogView(ServiceFormView):
    """Log a week's hours on a contract (``?contract=<id>`` chooses it)."""

    form_class = OwnerHoursForm
    title = "Log owner hours"
    submit_label = "Log the hours"

    def get_initial(self) -> dict[str, Any]:
        contract = self.request.GET.get("contract", "")
        return {"contract": int(contract)} if contract.isdigit() else {}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form: forms.BaseForm) -> Any:
        entry, outcome = services.owner_hours_log(actor=self.request.user, data=form.cleaned_data)
        self.outcome = outcome
        return entry

    @property
    def success_message(self) -> str:  # type: ignore[override]  # depends on what the service did
        return {
            "created": "Logged {object}.",
            "updated": "Replaced that week's entry: {object}.",
        }.get(getattr(self, "outcome", ""), "Nothing changed: {object} was already logged.")

    def get_success_url_for(self, result: Any) -> str:
        return f"{reverse('costs:owner-hours')}?contract={result.contract_id}"


class OwnerHoursDeleteView(ServiceDeleteView):
    selector = selectors.owner_hours_list
    delete_service = services.owner_hours_delete

    def success_url(self) -> str:
        return f"{reverse('costs:owner-hours')}?contract={self.object.contract_id}"
