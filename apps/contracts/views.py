"""The contract pages: the list (with cancel-by badges), the contract page with its clause checklist,
exit plan, SLA terms (added, edited and removed in place with htmx) and its text with every vague
phrase highlighted; create/edit forms and the status buttons."""

from __future__ import annotations

from typing import Any, ClassVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import Http404, HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from apps.contracts import selectors, services
from apps.contracts.choices import CONTRACT_TRANSITIONS, ClauseAssessment, ContractStatus
from apps.contracts.filters import BreachFilterSet, ContractFilterSet, SlaEvaluationFilterSet
from apps.contracts.forms import ClauseForm, ContractForm, ExitPlanItemForm, ReasonForm, SlaTermForm
from apps.contracts.models import Breach, Contract, ContractClause, ExitPlanItem
from apps.contracts.vague_language import contract_vague_language_findings, highlight_segments
from apps.core.gates import gate_report
from apps.core.ui import (
    Column,
    FilteredListView,
    ServiceActionView,
    ServiceCreateView,
    ServiceDeleteView,
    ServiceFormView,
    ServiceUpdateView,
    TransitionView,
)
from apps.kpis.scorecards import PERIOD_PARAMETER, performance_section

# A cancel-by date this close is a decision to take now: the list shows it with a badge.
CANCEL_BY_WARN_DAYS = 90
# What the contract page's buttons (and their transition pages) call each move.
CONTRACT_ACTION_LABELS: dict[str, str] = {
    ContractStatus.ACTIVE: "Activate",
    ContractStatus.TERMINATED: "Terminate",
    ContractStatus.EXPIRED: "Mark expired",
}


class ContractListView(FilteredListView):
    title = "Contracts"
    template_name = "contracts/contract_list.html"
    selector = selectors.contract_list
    filterset_class = ContractFilterSet
    filter_fields = ("q", "status", "engagement_model", "renewal")
    sort_fields = {
        "title": "title",
        "vendor": ("vendor__name", "title"),
        "engagement": ("engagement_model", "title"),
        "status": ("status", "title"),
        "value": ("value", "title"),
        "end": ("end_date", "title"),
        "cancel_by": ("cancel_by", "title"),
    }
    default_sort = "cancel_by"
    columns = (
        Column("Contract", "title", "title"),
        Column("Vendor", "vendor", "vendor"),
        Column("Engagement", "engagement", "engagement_model"),
        Column("Status", "status", "status"),
        Column("Value", "value", "value", numeric=True),
        Column("Ends", "end", "end_date"),
        Column("Cancel by", "cancel_by", "cancel_by"),
    )
    csv_columns = (
        Column("Contract", value="title"),
        Column("Reference", value="reference"),
        Column("Vendor", value="vendor"),
        Column("Master agreement", value="parent"),
        Column("Engagement model", value="engagement_model"),
        Column("Status", value="status"),
        Column("Start", value="start_date"),
        Column("End", value="end_date"),
        Column("Renewal", value="renewal"),
        Column("Notice days", value="notice_days"),
        Column("Cancel by", value="cancel_by"),
        Column("Value", value="value"),
        Column("Currency", value="currency"),
        Column("Governing law", value="governing_law"),
        Column("Functions", value="functions"),
    )
    csv_filename = "contracts"
    create_url_name = "contracts:contract-create"
    create_permission = "contracts.add_contract"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(warn_days=CANCEL_BY_WARN_DAYS, **kwargs)


class BreachListView(FilteredListView):
    """Breaches across the portfolio, with their action buttons for those who may use them (the
    dashboards' open breaches, service credits and breaches by area drill down here)."""

    title = "Breaches"
    template_name = "contracts/breach_list.html"
    selector = selectors.breach_list
    filterset_class = BreachFilterSet
    filter_fields = ("status", "severity", "area")
    sort_fields = {
        "window": ("window_end", "term__contract__title"),
        "contract": ("term__contract__title", "window_end"),
        "vendor": ("term__contract__vendor__name", "window_end"),
        "severity": ("severity", "window_end"),
        "credit": ("credit_amount", "window_end"),
        "status": ("status", "window_end"),
    }
    default_sort = "-window"
    columns = (
        Column("Contract", "contract", "term.contract"),
        Column("Vendor", "vendor", "term.contract.vendor"),
        Column("KPI", None, "term.kpi"),
        Column("Window", "window", "window_end"),
        Column("Value / target", None, "value", numeric=True),
        Column("Severity", "severity", "severity"),
        Column("Credit owed", "credit", "credit_amount", numeric=True),
        Column("Status", "status", "status"),
        Column("Actions", None, None),
    )
    csv_columns = (
        Column("Contract", value="term.contract"),
        Column("Vendor", value="term.contract.vendor"),
        Column("Area", value="term.area"),
        Column("KPI", value="term.kpi"),
        Column("Window start", value="window_start"),
        Column("Window end", value="window_end"),
        Column("Value", value="value"),
        Column("Target", value="target"),
        Column("Unit", value="term.kpi.unit"),
        Column("Severity", value="severity"),
        Column("Status", value="status"),
        Column("Credit owed", value="credit_amount"),
        Column("Currency", value="currency"),
        Column("Detected", value="detected_at"),
    )
    csv_filename = "breaches"


class SlaEvaluationListView(FilteredListView):
    """Every SLA term's evaluation per window (the dashboards' SLA compliance and at-risk terms drill
    down here)."""

    title = "SLA evaluations"
    template_name = "contracts/sla_evaluation_list.html"
    selector = selectors.sla_evaluation_list
    filterset_class = SlaEvaluationFilterSet
    filter_fields = ("status", "area")
    sort_fields = {
        "window": ("window_end", "term__contract__title"),
        "contract": ("term__contract__title", "window_end"),
        "status": ("status", "window_end"),
    }
    default_sort = "-window"
    columns = (
        Column("Contract", "contract", "term.contract"),
        Column("Vendor", None, "term.contract.vendor"),
        Column("SLA term", None, "term"),
        Column("Window", "window", "window_end"),
        Column("Value", None, "value", numeric=True),
        Column("Samples", None, "samples", numeric=True),
        Column("Status", "status", "status"),
    )
    csv_columns = (
        Column("Contract", value="term.contract"),
        Column("Vendor", value="term.contract.vendor"),
        Column("Area", value="term.area"),
        Column("KPI", value="term.kpi"),
        Column("Target", value="term.target"),
        Column("Window start", value="window_start"),
        Column("Window end", value="window_end"),
        Column("Closed", value="is_closed"),
        Column("Value", value="value"),
        Column("Unit", value="term.kpi.unit"),
        Column("Samples", value="samples"),
        Column("Status", value="status"),
        Column("Evaluated", value="evaluated_at"),
    )
    csv_filename = "sla-evaluations"

    def base_queryset(self) -> Any:
        return super().base_queryset().select_related("term__contract__vendor")


def _contract(request: HttpRequest, pk: int) -> Contract:
    return get_object_or_404(selectors.contract_detail(user=request.user), pk=pk)


def _sla_section(
    request: HttpRequest,
    contract: Contract,
    *,
    form: forms.BaseForm | None = None,
    editing: Any = None,
    inline: bool = False,
) -> dict[str, Any]:
    """The SLA-terms section; ``inline`` when htmx swaps it alone (it then shows the messages itself)."""
    return {
        "inline_messages": inline,
        "contract": contract,
        "terms": selectors.sla_term_list(user=request.user).filter(contract=contract).order_by("area", "pk"),
        "term_status": selectors.sla_term_current_status(contract=contract),
        "sla_form": form,
        "editing": editing,
    }


@login_required
def contract_page(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
    findings = contract_vague_language_findings(contract.text)
    clauses = list(contract.clauses.all())
    exit_items = list(contract.exit_plan_items.all())
    user = request.user
    context = {
        "contract": contract,
        "object": contract,
        "title": contract.title,
        "transitions": [
            (status, CONTRACT_ACTION_LABELS.get(status, ContractStatus(status).label))
            for status in CONTRACT_TRANSITIONS[contract.status]
        ],
        "findings": findings,
        "segments": highlight_segments(contract.text, findings),
        "clauses": [(clause, ClauseForm(instance=clause, prefix=f"clause-{clause.pk}")) for clause in clauses],
        "clauses_present": sum(1 for clause in clauses if clause.assessment == ClauseAssessment.PRESENT),
        "exit_items": [(item, ExitPlanItemForm(instance=item, prefix=f"exit-{item.pk}")) for item in exit_items],
        "exit_done": sum(1 for item in exit_items if item.is_closed),
        "can_edit_clauses": user.has_perm("contracts.change_contractclause"),
        "can_edit_exit_plan": user.has_perm("contracts.change_exitplanitem"),
        "warn_days": CANCEL_BY_WARN_DAYS,
        "today": timezone.localdate(),
        # What activation needs, shown before anyone presses the button.
        "activation_report": (
            gate_report(contract, ContractStatus.ACTIVE)
            if ContractStatus.ACTIVE in CONTRACT_TRANSITIONS[contract.status]
            else None
        ),
        "statements_of_work": contract.children.select_related("vendor").order_by("start_date"),
        "breaches": selectors.breach_list(user=user).filter(term__contract=contract).order_by("-window_start", "pk"),
        **_sla_section(request, contract),
        **performance_section(
            path=request.path, period_parameter=request.GET.get(PERIOD_PARAMETER), contract_id=contract.pk
        ),
    }
    return render(request, "contracts/contract_detail.html", context)


class ContractCreateView(ServiceCreateView):
    title = "New contract"
    permission = "contracts.add_contract"
    form_class = ContractForm
    create_service = services.contract_create

    def get_initial(self) -> dict[str, Any]:
        return {"vendor": self.request.GET.get("vendor"), "start_date": timezone.localdate()}


class ContractUpdateView(ServiceUpdateView):
    permission = "contracts.change_contract"
    form_class = ContractForm
    update_service = services.contract_update
    delete_url_name = "contracts:contract-delete"
    delete_permission = "contracts.delete_contract"

    selector = selectors.contract_detail


class ContractTransitionView(TransitionView):
    """The page before a contract's move: the activation checklist (``apps.contracts.gates``), the
    reason terminating or expiring by hand needs, and an executive's override."""

    permission = "contracts.change_contract"
    selector = selectors.contract_detail
    status_choices = ContractStatus
    transitions = CONTRACT_TRANSITIONS
    reason_required = services.CONTRACT_STATUSES_NEEDING_REASON

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"{CONTRACT_ACTION_LABELS.get(self.to_status, self.label)}: {self.object}"

    @property
    def submit_label(self) -> str:  # type: ignore[override]
        return CONTRACT_ACTION_LABELS.get(self.to_status, f"Move to {self.label}")

    @property
    def success_message(self) -> str:  # type: ignore[override]
        return f"{self.object} is now {self.label}."

    def transition(self, *, to_status: str, reason: str, override: bool) -> Any:
        return services.contract_transition(
            contract=self.object, to_status=to_status, actor=self.request.user, reason=reason, override=override
        )


class ContractDeleteView(ServiceDeleteView):
    permission = "contracts.delete_contract"
    delete_service = services.contract_delete

    selector = selectors.contract_detail

    def success_url(self) -> str:
        if Contract.objects.filter(pk=self.object.pk).exists():
            return str(self.object.get_absolute_url())
        return reverse("contracts:contract-list")


# -- checklist rows, saved in place -----------------------------------------------------------------------
class ChecklistRowUpdateView(ServiceUpdateView):
    """One row of the clause checklist or the exit plan; htmx posts it on change and swaps the row."""

    prefix_name: ClassVar[str]
    model: ClassVar[type[Any]]
    success_message = ""

    def get_object(self) -> Any:
        return get_object_or_404(type(self).model.objects.select_related("contract"), pk=self.kwargs["pk"])

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "prefix": f"{self.prefix_name}-{self.object.pk}"}

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"{self.object.get_kind_display()} — {self.object.contract}"

    def section_context(self, *, form: forms.BaseForm | None) -> dict[str, Any]:
        row = type(self).model.objects.select_related("contract").get(pk=self.object.pk)
        saved = form is None
        return {
            "row": row,
            "form": form or type(self).form_class(instance=row, prefix=f"{self.prefix_name}-{row.pk}"),
            "saved": saved,
            "can_edit": True,
        }

    def get_success_url_for(self, result: Any) -> str:
        return str(result.get_absolute_url())


class ClauseUpdateView(ChecklistRowUpdateView):
    permission = "contracts.change_contractclause"
    form_class = ClauseForm
    update_service = services.clause_update
    section_template = "contracts/includes/clause_row.html"
    prefix_name = "clause"
    model = ContractClause


class ExitPlanItemUpdateView(ChecklistRowUpdateView):
    permission = "contracts.change_exitplanitem"
    form_class = ExitPlanItemForm
    update_service = services.exit_plan_item_update
    section_template = "contracts/includes/exit_row.html"
    prefix_name = "exit"
    model = ExitPlanItem


class ExitPlanItemWaiveView(ServiceFormView):
    """Waive an exit-plan item that does not apply, with its reason (asked on this page, or inline on
    the contract page's exit plan)."""

    permission = "contracts.change_exitplanitem"
    form_class = ReasonForm
    success_message = "Waived {object}."
    submit_label = "Waive"
    item: ExitPlanItem

    def setup_objects(self) -> None:
        self.item = get_object_or_404(
            ExitPlanItem.objects.select_related("contract").filter(
                contract__in=selectors.contract_detail(user=self.request.user)
            ),
            pk=self.kwargs["pk"],
        )

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Waive {self.item.get_kind_display()} — {self.item.contract}"

    def perform(self, form: forms.BaseForm) -> Any:
        return services.exit_plan_item_waive(
            instance=self.item, actor=self.request.user, reason=form.cleaned_data["reason"]
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(parent=self.item.contract, **kwargs)


# -- SLA terms, added / edited / removed in place ---------------------------------------------------------
class SlaTermCreateView(ServiceCreateView):
    permission = "contracts.add_slaterm"
    form_class = SlaTermForm
    create_service = services.sla_term_create
    section_template = "contracts/includes/sla_terms.html"
    success_message = "Added the SLA term {object}."
    contract: Contract

    def setup_objects(self) -> None:
        self.contract = _contract(self.request, self.kwargs["contract_pk"])

    def extra_data(self) -> dict[str, Any]:
        return {"contract": self.contract}

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"New SLA term for {self.contract}"

    def section_context(self, *, form: forms.BaseForm | None) -> dict[str, Any]:
        return _sla_section(
            self.request, self.contract, form=form, editing="new" if form is not None else None, inline=True
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(parent=self.contract, **kwargs)


class SlaTermUpdateView(ServiceUpdateView):
    permission = "contracts.change_slaterm"
    form_class = SlaTermForm
    update_service = services.sla_term_update
    section_template = "contracts/includes/sla_terms.html"
    success_message = "Saved the SLA term {object}."
    delete_url_name = "contracts:sla-term-delete"
    delete_permission = "contracts.delete_slaterm"

    selector = selectors.sla_term_list

    @property
    def title(self) -> str:  # type: ignore[override]
        return f"Edit SLA term {self.object}"

    def section_context(self, *, form: forms.BaseForm | None) -> dict[str, Any]:
        return _sla_section(
            self.request,
            self.object.contract,
            form=form,
            editing=self.object.pk if form is not None else None,
            inline=True,
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(parent=self.object.contract, **kwargs)


class SlaTermDeleteView(ServiceDeleteView):
    permission = "contracts.delete_slaterm"
    delete_service = services.sla_term_delete
    section_template = "contracts/includes/sla_terms.html"

    selector = selectors.sla_term_list

    def section_context(self) -> dict[str, Any]:
        return _sla_section(self.request, self.object.contract, inline=True)


# -- breaches ---------------------------------------------------------------------------------------------
BREACH_ACTIONS = {
    "acknowledge": "contracts.acknowledge_breach",
    "resolve": "contracts.resolve_breach",
    "waive": "contracts.waive_breach",
}


# The breach actions that need a reason (the waiver's and the resolution's): asked on the list and
# the contract page inline, and on a page of their own when it was left blank.
BREACH_REASON_ACTIONS = {"resolve": "Resolve", "waive": "Waive"}


def _breach_message(verb: str, breach: Breach) -> str:
    return f"{verb} the breach of {breach.term.kpi.name} ({breach.window_start} – {breach.window_end})."


class BreachActionView(ServiceActionView):
    """Acknowledge, resolve (with how, the reason) or waive (executives, with a reason) a breach; the
    service refuses what the breach's state does not allow, and the message says why."""

    def get_object(self) -> Breach:
        if self.kwargs["action"] not in BREACH_ACTIONS:
            raise Http404("No such breach action.")
        return get_object_or_404(selectors.breach_list(user=self.request.user), pk=self.kwargs["pk"])

    @property
    def permission(self) -> str:  # type: ignore[override]
        return BREACH_ACTIONS[self.kwargs["action"]]

    def perform(self) -> str:
        action, breach, user = self.kwargs["action"], self.object, self.request.user
        if action == "acknowledge":
            services.breach_acknowledge(breach=breach, actor=user)
            return _breach_message("Acknowledged", breach)
        # ``note`` is what the resolve form used to send; a blank one is refused like a blank reason.
        reason = self.request.POST.get("reason") or self.request.POST.get("note", "")
        if action == "resolve":
            services.breach_resolve(breach=breach, actor=user, reason=reason)
            return _breach_message("Resolved", breach)
        services.breach_waive(breach=breach, actor=user, reason=reason)
        return _breach_message("Waived", breach)
