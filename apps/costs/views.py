"""The invoice pages: the list of every contract's invoices (``/costs/invoices/``, filtered and exported as
the other lists), and the form pages reached from the contract page's *Invoices* panel
(``apps.costs.sections``): add, edit, and approve / dispute / pay / back to received. Each writes through
``apps.costs.services``; what they refuse lands on the form. Procurement and administrators only."""

from __future__ import annotations

from typing import Any

from django import forms
from django.http import Http404
from django.shortcuts import get_object_or_404

from apps.contracts.models import Contract
from apps.contracts.selectors import contract_list
from apps.core.ui import FilteredListView, ServiceFormView
from apps.costs import filters, selectors, services
from apps.costs.choices import INVOICE_TRANSITIONS, InvoiceStatus
from apps.costs.forms import InvoiceForm, InvoiceTransitionForm
from apps.costs.models import Invoice
from apps.costs.tables import InvoiceTable


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
