"""The function catalogue's pages: list, detail with decision history, create/edit, and recording a
sourcing decision (executives only)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.shortcuts import get_object_or_404

from apps.core.models import PolicyException
from apps.core.sections import section_contexts
from apps.core.ui import (
    FilteredListView,
    SelectorDetailView,
    ServiceCreateView,
    ServiceFormView,
    ServiceUpdateView,
)
from apps.functions import selectors, services
from apps.functions.conflicts import registered_conflicts
from apps.functions.figures import describe_decision_figures
from apps.functions.filters import FunctionFilterSet
from apps.functions.forms import FunctionForm, SourcingDecisionForm
from apps.functions.models import Function
from apps.functions.sections import FUNCTION_PAGE
from apps.functions.tables import FunctionTable


class FunctionListView(FilteredListView):
    title = "Functions"
    template_name = "functions/function_list.html"
    selector = selectors.function_list
    filterset_class = FunctionFilterSet
    filter_fields = ("q", "category", "decision", "policy_conflict")
    sort_fields = {
        "name": "name",
        "category": "category",
        "strategic": "strategic",
        "sensitive": "sensitive",
        "repeatable": "repeatable",
        "scarce": "scarce",
        "decision": "decision",
    }
    default_sort = "name"
    table_class = FunctionTable
    csv_filename = "functions"
    create_url_name = "functions:function-create"
    create_permission = "functions.add_function"


class FunctionDetailView(SelectorDetailView):
    template_name = "functions/function_detail.html"
    selector = selectors.function_list

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        function = self.object
        exception = (
            PolicyException.objects.select_related("raised_by").filter(pk=function.exception_id).first()
            if function.exception_id
            else None
        )
        # Why it is a policy conflict: each kind that holds (apps.functions.conflicts), in their order.
        conflict_reasons = [
            conflict.reason(function) for conflict in registered_conflicts() if getattr(function, conflict.name, False)
        ]
        decisions = list(selectors.sourcing_decision_list(function=function))
        for decision in decisions:
            # What each decision was made on, as the apps that recorded it word it (empty figures: nothing).
            decision.figures_lines = describe_decision_figures(decision.figures)  # type: ignore[attr-defined]  # a display attribute the template reads
        context.update(
            exception=exception,
            conflict_reasons=conflict_reasons,
            recommendation=services.recommendation_for(function),
            decisions=decisions,
            panels=section_contexts(FUNCTION_PAGE, self.request, function),
            decision_form=SourcingDecisionForm()
            if self.request.user.has_perm(services.SOURCING_DECISION_PERMISSION)
            else None,
            title=function.name,
        )
        return context


class FunctionCreateView(ServiceCreateView):
    title = "New function"
    permission = "functions.add_function"
    form_class = FunctionForm
    create_service = services.function_create


class FunctionUpdateView(ServiceUpdateView):
    permission = "functions.change_function"
    form_class = FunctionForm
    update_service = services.function_update

    selector = selectors.function_list


class FunctionDecideView(ServiceFormView):
    """Record a sourcing decision with its rationale (executives and admins; the service checks too)."""

    permission = services.SOURCING_DECISION_PERMISSION
    form_class = SourcingDecisionForm
    submit_label = "Record decision"
    success_message = "Recorded the decision: {object}."
    function: Function

    def setup_objects(self) -> None:
        self.function = get_object_or_404(selectors.function_list(user=self.request.user), pk=self.kwargs["pk"])

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Sourcing decision for {self.function}"

    def perform(self, form: forms.BaseForm) -> Any:
        data = form.cleaned_data
        return services.function_decide(
            function=self.function,
            decision=data["decision"],
            rationale=data["rationale"],
            decided_on=data["decided_on"],
            justification=data["justification"],
            review_on=data["review_on"],
            actor=self.request.user,
        )

    def get_success_url_for(self, result: Any) -> str:
        return self.function.get_absolute_url()

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(parent=self.function, **kwargs)
