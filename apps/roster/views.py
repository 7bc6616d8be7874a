"""The roster's form pages, reached from the contract page's *Team* panel (``apps.roster.sections``): add,
edit and end an assignment, edit the staffing plan, request a substitution, and the engineering owner's
approve / refuse (and a withdrawal). Each writes through ``apps.roster.services``; what they refuse lands on
the form. Roster pages are a 403 for those who may not manage the vendor's roster
(``apps.vendors.roster_access``); a decision's page for anyone but the vendor's engineering owner."""

from __future__ import annotations

from typing import Any

from django import forms
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404

from apps.contracts.models import Contract
from apps.contracts.selectors import contract_list
from apps.core.ui import ServiceFormView
from apps.roster import selectors, services
from apps.roster.forms import AssignmentEndForm, AssignmentForm, DecisionForm, StaffingPlanForm, SubstitutionForm
from apps.roster.models import Assignment, Substitution
from apps.vendors import roster_access
from apps.vendors.roster_access import roster_refusal


class ContractRosterView(ServiceFormView):
    """A roster form about one contract (``contract_pk`` in the URL): only its vendor's roster managers."""

    contract: Contract

    def setup_objects(self) -> None:
        self.contract = get_object_or_404(contract_list(user=self.request.user), pk=self.kwargs["contract_pk"])

    def check_object_permission(self) -> None:
        if not roster_access.may_manage_roster(self.request.user, self.contract.vendor):
            raise PermissionDenied(roster_refusal(self.contract.vendor))

    def get_success_url_for(self, result: Any) -> str:
        return str(self.contract.get_absolute_url()) + "#team"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(parent=self.contract, **kwargs)


class AssignmentCreateView(ContractRosterView):
    form_class = AssignmentForm
    submit_label = "Add to the team"
    success_message = "Added {object}."

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Add an engineer to {self.contract}"

    def get_initial(self) -> dict[str, Any]:
        return {"start_date": self.contract.start_date}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": Assignment(contract=self.contract)}

    def perform(self, form: forms.BaseForm) -> Any:
        return services.assignment_create(
            actor=self.request.user, data={**form.cleaned_data, "contract": self.contract}
        )


class AssignmentView(ContractRosterView):
    """A form about one assignment (``pk``), read through the roster's selector."""

    assignment: Assignment

    def setup_objects(self) -> None:
        self.assignment = get_object_or_404(selectors.assignment_list(user=self.request.user), pk=self.kwargs["pk"])
        self.contract = self.assignment.contract


class AssignmentUpdateView(AssignmentView):
    form_class = AssignmentForm
    success_message = "Saved {object}."

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Edit {self.assignment}"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "instance": self.assignment}

    def perform(self, form: forms.BaseForm) -> Any:
        instance = selectors.assignment_list(user=self.request.user).get(pk=self.assignment.pk)
        data = {name: value for name, value in form.cleaned_data.items() if name != "engineer"}
        return services.assignment_update(instance=instance, actor=self.request.user, data=data)


class AssignmentEndView(AssignmentView):
    form_class = AssignmentEndForm
    submit_label = "End the assignment"
    success_message = "Ended {object}."

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"End {self.assignment}"

    def perform(self, form: forms.BaseForm) -> Any:
        return services.assignment_end(
            assignment=self.assignment,
            actor=self.request.user,
            end_date=form.cleaned_data["end_date"],
            reason=form.cleaned_data["reason"],
        )


class StaffingPlanView(ContractRosterView):
    form_class = StaffingPlanForm
    submit_label = "Save the plan"
    success_message = "Saved the staffing plan."

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Staffing plan of {self.contract}"

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "plan": selectors.staffing_plan_for(self.contract)}

    def perform(self, form: forms.BaseForm) -> Any:
        assert isinstance(form, StaffingPlanForm)
        return services.staffing_plan_save(
            contract=self.contract, actor=self.request.user, lines=form.lines(), note=form.cleaned_data["note"]
        )


class SubstitutionCreateView(ContractRosterView):
    form_class = SubstitutionForm
    submit_label = "Request the substitution"
    success_message = "Requested: {object}. The vendor's engineering owner decides."

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Request a substitution on {self.contract}"

    def check_object_permission(self) -> None:
        if not services.may_request_substitution(self.request.user, self.contract.vendor):
            raise PermissionDenied(
                f"Only procurement, administrators and the delivery or engineering owner of {self.contract.vendor} "
                "request its substitutions."
            )

    def get_initial(self) -> dict[str, Any]:
        return {"leaver_assignment": self.request.GET.get("leaver")}

    def get_form_kwargs(self) -> dict[str, Any]:
        return {
            **super().get_form_kwargs(),
            "contract": self.contract,
            "instance": Substitution(contract=self.contract),
        }

    def perform(self, form: forms.BaseForm) -> Any:
        return services.substitution_request(
            actor=self.request.user, data={**form.cleaned_data, "contract": self.contract}
        )


class SubstitutionView(ContractRosterView):
    """A step of one substitution (``pk``)."""

    substitution: Substitution

    def setup_objects(self) -> None:
        self.substitution = get_object_or_404(selectors.substitution_list(user=self.request.user), pk=self.kwargs["pk"])
        self.contract = self.substitution.contract


class SubstitutionDecisionView(SubstitutionView):
    """Approve or refuse: the vendor's engineering owner only (a 403 page for anyone else)."""

    form_class = DecisionForm
    approve = True

    def check_object_permission(self) -> None:
        if not services.may_decide_substitution(self.request.user, self.contract.vendor):
            raise PermissionDenied(
                f"Only the engineering owner of {self.contract.vendor} approves or refuses its substitutions."
            )

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        verb = "Approve" if self.approve else "Refuse"
        leaver = self.substitution.leaver_assignment.engineer.name
        return f"{verb} the substitution of {leaver} by {self.substitution.joiner.name}"

    @property
    def submit_label(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return "Approve" if self.approve else "Refuse"

    @property
    def success_message(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return "Approved: the assignments are updated." if self.approve else "Refused the substitution."

    def get_form_kwargs(self) -> dict[str, Any]:
        return {**super().get_form_kwargs(), "note_required": not self.approve}

    def perform(self, form: forms.BaseForm) -> Any:
        decide = services.substitution_approve if self.approve else services.substitution_refuse
        return decide(substitution=self.substitution, actor=self.request.user, note=form.cleaned_data["note"])


class SubstitutionApproveView(SubstitutionDecisionView):
    approve = True


class SubstitutionRefuseView(SubstitutionDecisionView):
    approve = False


class SubstitutionWithdrawView(SubstitutionView):
    form_class = DecisionForm
    submit_label = "Withdraw the request"
    success_message = "Withdrew the substitution request."

    def check_object_permission(self) -> None:
        if not services.may_withdraw_substitution(self.request.user, self.substitution):
            raise PermissionDenied("Only the person who requested it and the vendor's roster managers withdraw it.")

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Withdraw the substitution of {self.substitution.leaver_assignment.engineer.name}"

    def perform(self, form: forms.BaseForm) -> Any:
        return services.substitution_withdraw(
            substitution=self.substitution, actor=self.request.user, note=form.cleaned_data["note"]
        )
