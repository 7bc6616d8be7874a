"""The owner-hours pages: ``/costs/owner-hours/`` lists the hours logged (filtered by contract, vendor,
person and week, exported as the other lists), ``/costs/owner-hours/new/?contract=<id>`` logs a week's
hours (the same week again replaces its entry), and a row's *Delete* button removes one. Each writes
through ``apps.costs.owner_hours``, whose rule (``may_log_hours``) decides; what it refuses lands on the
form or in a message."""

from __future__ import annotations

from typing import Any

from django import forms
from django.urls import reverse

from apps.core.tables import Column, Table, related_link
from apps.core.ui import FilteredListView, ServiceDeleteView, ServiceFormView
from apps.costs import owner_hours


class OwnerHoursTable(Table):
    week_of = Column("Week of", sort="week")
    contract = Column("Contract", sort="contract", cell=related_link("contract"))
    vendor = Column("Vendor", value="contract.vendor", cell=related_link("contract.vendor"))
    person = Column("Person", sort="person")
    hours = Column("Hours", sort="hours", numeric=True)
    note = Column("Note")
    actions = Column("", template="costs/owner_hours_actions.html", export=False)

    empty_text = "No hours logged: the vendor's named owners log the hours a contract took beyond the usual overhead."

    def row_attrs(self, row: Any) -> dict[str, Any]:
        return {"data-owner-hours-entry": row.pk}


class OwnerHoursListView(FilteredListView):
    """Every entry, newest week first."""

    title = "Owner hours"
    template_name = "costs/owner_hours_list.html"
    selector = owner_hours.owner_hours_list
    filterset_class = owner_hours.OwnerHoursFilterSet
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
        context["hours_admin"] = owner_hours.is_hours_admin(user)
        context["may_log"] = context["hours_admin"] or owner_hours.loggable_contracts(user).exists()
        contract = self.request.GET.get("contract", "")
        context["log_url"] = reverse("costs:owner-hours-new") + (f"?contract={contract}" if contract.isdigit() else "")
        return context


class OwnerHoursLogView(ServiceFormView):
    """Log a week's hours on a contract (``?contract=<id>`` chooses it)."""

    form_class = owner_hours.OwnerHoursForm
    title = "Log owner hours"
    submit_label = "Log the hours"

    def get_initial(self) -> dict[str, Any]:
        contract = self.request.GET.get("contract", "")
        return {"contract": int(contract)} if contract.isdigit() else {}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "user": self.request.user}

    def perform(self, form: forms.BaseForm) -> Any:
        entry, outcome = owner_hours.owner_hours_log(actor=self.request.user, data=form.cleaned_data)
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
    selector = owner_hours.owner_hours_list
    delete_service = owner_hours.owner_hours_delete

    def success_url(self) -> str:
        return f"{reverse('costs:owner-hours')}?contract={self.object.contract_id}"
