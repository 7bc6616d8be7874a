"""The contract pages: the list (with cancel-by badges), the contract page with its clause checklist,
exit plan and the first page of its text with every vague phrase highlighted (the text's other pages
have a page of their own); create/edit forms and the status buttons.

The contract page shows what other apps register for it (``apps.contracts.sections``): the SLA terms,
the scorecard and the breaches are ``apps.performance``'s panels, and "Log KPIs" its action."""

from __future__ import annotations

from bisect import bisect_right
from collections.abc import Iterable
from typing import Any, ClassVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from apps.contracts import selectors, services
from apps.contracts.choices import CONTRACT_TRANSITIONS, ClauseAssessment, ContractStatus
from apps.contracts.filters import ContractFilterSet
from apps.contracts.forms import ClauseForm, ContractForm, ExitPlanItemForm, ReasonForm
from apps.contracts.models import Contract, ContractClause, ExitPlanItem
from apps.contracts.sections import CONTRACT_ACTIONS, CONTRACT_PAGE
from apps.contracts.tables import CANCEL_BY_WARN_DAYS, ContractTable
from apps.contracts.vague_language import (
    VagueFinding,
    contract_text_pages,
    contract_vague_language_findings,
    highlight_segments,
    vague_phrase_counts,
)
from apps.core.gates import gate_report
from apps.core.sections import section_contexts
from apps.core.ui import (
    FilteredListView,
    ServiceCreateView,
    ServiceDeleteView,
    ServiceFormView,
    ServiceUpdateView,
    TransitionView,
)

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
    filter_fields = ("q", "vendor", "status", "engagement_model", "renewal")
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
    table_class = ContractTable
    csv_filename = "contracts"
    create_url_name = "contracts:contract-create"
    create_permission = "contracts.add_contract"


def _contract(request: HttpRequest, pk: int) -> Contract:
    return get_object_or_404(selectors.contract_detail(user=request.user), pk=pk)


def _page_number(requested: str | None, count: int) -> int:
    """The page asked for, within 1..``count``; anything else is the nearest page, as on a list."""
    try:
        number = int(requested or "1")
    except ValueError:
        number = 1
    return min(max(number, 1), max(count, 1))


def contract_text_context(contract: Contract, *, requested_page: str | None = None) -> dict[str, Any]:
    """The contract's text section: one page of the text with its vague phrases highlighted and listed,
    all findings summarised by phrase, and the pager. However long the text, a page holds at most
    ``TEXT_PAGE_MAX_CHARS`` characters and ``TEXT_PAGE_MAX_FINDINGS`` findings
    (``apps.contracts.vague_language``)."""
    findings = contract_vague_language_findings(contract.text)
    pages = contract_text_pages(contract.text, findings)
    page = pages[_page_number(requested_page, len(pages)) - 1] if pages else None
    # Each finding's number counts through the whole text, so its anchor (#finding-N) is stable.
    segments: list[tuple[str, VagueFinding | None, int | None]] = []
    page_findings: list[tuple[int, VagueFinding]] = []
    if page is not None:
        number = page.first
        for segment, finding in highlight_segments(
            contract.text, findings[page.first : page.last], start=page.start, end=page.end
        ):
            if finding is None:
                segments.append((segment, None, None))
            else:
                number += 1
                segments.append((segment, finding, number))
                page_findings.append((number, finding))
    page_starts = [candidate.first for candidate in pages]

    def page_of(index: int) -> int:
        return bisect_right(page_starts, index)

    return {
        "findings_count": len(findings),
        "phrase_counts": [(item, page_of(item.first), item.first + 1) for item in vague_phrase_counts(findings)],
        "text_page": page,
        "text_page_count": len(pages),
        "segments": segments,
        "page_findings": page_findings,
    }


def checklist_counts(clauses: Iterable[ContractClause], exit_items: Iterable[ExitPlanItem]) -> dict[str, int]:
    """The counters the contract page shows beside its clause checklist and exit plan
    (templates/contracts/includes/checklist_counts.html)."""
    clauses, exit_items = list(clauses), list(exit_items)
    return {
        "clauses_present": sum(1 for clause in clauses if clause.assessment == ClauseAssessment.PRESENT),
        "clauses_total": len(clauses),
        "exit_done": sum(1 for item in exit_items if item.is_closed),
        "exit_total": len(exit_items),
    }


@login_required
def contract_page(request: HttpRequest, pk: int) -> HttpResponse:
    contract = _contract(request, pk)
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
        **contract_text_context(contract),
        "clauses": [(clause, ClauseForm(instance=clause, prefix=f"clause-{clause.pk}")) for clause in clauses],
        "exit_items": [(item, ExitPlanItemForm(instance=item, prefix=f"exit-{item.pk}")) for item in exit_items],
        **checklist_counts(clauses, exit_items),
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
        # What the apps above contracts show on its page (apps.contracts.sections): each with its context.
        "panels": section_contexts(CONTRACT_PAGE, request, contract),
        "actions": section_contexts(CONTRACT_ACTIONS, request, contract),
    }
    return render(request, "contracts/contract_detail.html", context)


@login_required
def contract_text_page(request: HttpRequest, pk: int) -> HttpResponse:
    """The contract's text a page at a time (``?page=N``), each with its vague phrases highlighted."""
    contract = _contract(request, pk)
    context = contract_text_context(contract, requested_page=request.GET.get("page"))
    title = f"{contract.title}: text"
    if context["text_page_count"] > 1:
        title += f", page {context['text_page'].number} of {context['text_page_count']}"
    return render(request, "contracts/contract_text.html", {"contract": contract, "title": title, **context})


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
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"{CONTRACT_ACTION_LABELS.get(self.to_status, self.label)}: {self.object}"

    @property
    def submit_label(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return CONTRACT_ACTION_LABELS.get(self.to_status, f"Move to {self.label}")

    @property
    def success_message(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
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
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"{self.object.get_kind_display()} — {self.object.contract}"

    def section_context(self, *, form: forms.BaseForm | None) -> dict[str, Any]:
        row = type(self).model.objects.select_related("contract").get(pk=self.object.pk)
        saved = form is None
        contract = row.contract
        return {
            "row": row,
            "form": form or type(self).form_class(instance=row, prefix=f"{self.prefix_name}-{row.pk}"),
            "saved": saved,
            "can_edit": True,
            # The page's counters, swapped in out of band: a saved row changes them (two small queries).
            "counts": True,
            **checklist_counts(contract.clauses.all(), contract.exit_plan_items.all()),
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
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Waive {self.item.get_kind_display()} — {self.item.contract}"

    def perform(self, form: forms.BaseForm) -> Any:
        return services.exit_plan_item_waive(
            instance=self.item, actor=self.request.user, reason=form.cleaned_data["reason"]
        )

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(parent=self.item.contract, **kwargs)
