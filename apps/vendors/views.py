"""The vendor pages: the list, the vendor page with its tabs, the lifecycle buttons, the forms of
vetting, certifications, risks and access grants, and the service reviews with their action items.

Reads through ``apps.vendors.selectors``, writes through ``apps.vendors.services``; engineering managers
change only the reviews of vendors they own (``apps.vendors.ownership``: the pages offer only what
``may_write`` allows, and the services check again).
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import timedelta
from typing import Any, ClassVar

from django import forms
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import QuerySet
from django.http import HttpRequest, HttpResponse
from django.shortcuts import get_object_or_404, render
from django.urls import reverse
from django.utils import timezone

from apps.core.gates import can_override
from apps.core.sections import section, sections_for
from apps.core.ui import (
    FilteredListView,
    ServiceActionView,
    ServiceCreateView,
    ServiceDeleteView,
    ServiceUpdateView,
    TransitionView,
)
from apps.vendors import filters, ownership, roster_access, selectors, services
from apps.vendors.bulk import ACCESS_GRANT_BULK_ACTIONS, VENDOR_BULK_ACTIONS
from apps.vendors.choices import VENDOR_TRANSITIONS, VendorStatus
from apps.vendors.forms import (
    AccessGrantForm,
    ActionItemForm,
    CertificationForm,
    EngineerForm,
    ServiceReviewRecordForm,
    ServiceReviewScheduleForm,
    VendorForm,
    VendorRiskForm,
    VendorRiskWithVendorForm,
    VettingAssessmentForm,
)
from apps.vendors.gates import vendor_readiness
from apps.vendors.models import ActionItem, ServiceReview, Vendor
from apps.vendors.sections import VENDOR_PAGE
from apps.vendors.tables import AccessGrantTable, CertificationTable, ReviewTable, RiskTable, VendorTable

# A new action item is due by the next bi-weekly review unless the form says otherwise.
ACTION_DUE_DAYS = 14


# -- vendors -------------------------------------------------------------------------------------------
class VendorListView(FilteredListView):
    title = "Vendors"
    template_name = "vendors/vendor_list.html"
    selector = selectors.vendor_list
    filterset_class = filters.VendorFilterSet
    filter_fields = ("q", "status", "geography", "engagement_model", "tier")
    sort_fields = {
        # Each, then the name, then the id: the order of the vendor indexes (decision 0020).
        "name": "name",
        "status": ("status", "name"),
        "country": ("country", "name"),
        "geography": ("geography", "name"),
        "tier": ("tier", "name"),
        "rate": ("rate_min", "name"),
        "updated": ("updated_at", "name"),
    }
    default_sort = "name"
    table_class = VendorTable
    csv_filename = "vendors"
    bulk_actions = VENDOR_BULK_ACTIONS
    bulk_noun = ("vendor", "vendors")
    create_url_name = "vendors:vendor-create"
    create_permission = "vendors.add_vendor"


def _lifecycle_buttons(vendor: Vendor, user: Any) -> list[Any]:
    """The moves the vendor page offers ``user``, each with its readiness: every allowed move to those
    who may move vendors; to executives (who may not), the moves they could only override."""
    may_move = user.has_perm("vendors.change_vendor")
    if not may_move and not can_override(user):
        return []
    return [move for move in vendor_readiness(vendor, user=user) if may_move or move.can_override]


@login_required
def vendor_page(request: HttpRequest, pk: int, tab: str = "overview") -> HttpResponse:
    """The vendor page; its tabs are registered sections (``apps.vendors.sections`` and the apps above
    vendors), and each tab reads only what it shows."""
    current = section(VENDOR_PAGE, tab)
    vendor = get_object_or_404(selectors.vendor_detail(user=request.user), pk=pk)
    user = request.user
    context: dict[str, Any] = {
        "vendor": vendor,
        "object": vendor,
        "title": vendor.name,
        "tab": tab,
        "tab_section": current,
        "tabs": [
            (entry.key, entry.label, reverse("vendors:vendor-tab", args=[vendor.pk, entry.key]), entry.count)
            for entry in sections_for(VENDOR_PAGE)
        ],
        "moves": _lifecycle_buttons(vendor, user),
        "can_manage_reviews": user.has_perm("vendors.change_servicereview") and ownership.may_write(user, vendor),
        "missing_owners": [
            name.replace("_", " ") for name in services.vendor_missing_owners(services.current_owners(vendor))
        ],
        "today": timezone.localdate(),
    }
    context.update(current.context(request, vendor))
    # htmx swaps the tab bar and panel (``hx-select``) out of this same page: one template, no partial to drift.
    return render(request, "vendors/vendor_detail.html", context)


class VendorCreateView(ServiceCreateView):
    title = "New vendor"
    permission = "vendors.add_vendor"
    form_class = VendorForm
    create_service = services.vendor_create


class VendorUpdateView(ServiceUpdateView):
    permission = "vendors.change_vendor"
    delete_url_name = "vendors:vendor-delete"
    delete_permission = "vendors.delete_vendor"
    form_class = VendorForm
    update_service = services.vendor_update

    selector = selectors.vendor_list


class VendorTransitionView(TransitionView):
    """The page before a lifecycle move (``vendors/<pk>/transition/<to_status>/``): the readiness
    checklist, a reason where the move needs one, the override for executives. The service enforces
    the same gate again when the button is pressed."""

    permission = "vendors.change_vendor"
    selector = selectors.vendor_list
    status_choices = VendorStatus
    transitions = VENDOR_TRANSITIONS

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["reason_required"] = services.vendor_transition_needs_reason(
            from_status=self.object.status, to_status=self.to_status
        )
        return kwargs

    success_message = "{object}"

    def transition(self, *, to_status: str, reason: str, override: bool) -> _Moved:
        vendor = services.vendor_transition(
            vendor=self.object, to_status=to_status, actor=self.request.user, reason=reason, override=override
        )
        return _Moved(vendor=vendor, overridden=override and not self.report.passed)


@dataclass(frozen=True)
class _Moved:
    """What the transition page says afterwards (its ``success_message`` is this, as text)."""

    vendor: Vendor
    overridden: bool

    def __str__(self) -> str:
        suffix = " The unmet conditions were overridden and are listed as an exception." if self.overridden else ""
        return f"{self.vendor} is now {self.vendor.get_status_display()}.{suffix}"


class VendorDeleteView(ServiceDeleteView):
    permission = "vendors.delete_vendor"
    delete_service = services.vendor_delete

    selector = selectors.vendor_list

    def success_url(self) -> str:
        # Deleted: the list. Refused (still referenced): back to the vendor.
        if Vendor.objects.filter(pk=self.object.pk).exists():
            return str(self.object.get_absolute_url())
        return reverse("vendors:vendor-list")


# -- the records kept on a vendor's tabs ------------------------------------------------------------------
class VendorChildCreateView(ServiceCreateView):
    """A record of one vendor (the URL names the vendor); back to the vendor's tab afterwards."""

    noun: ClassVar[str] = "record"
    vendor: Vendor

    def setup_objects(self) -> None:
        self.vendor = get_object_or_404(selectors.vendor_list(user=self.request.user), pk=self.kwargs["vendor_pk"])

    def extra_data(self) -> dict[str, Any]:
        return {"vendor": self.vendor}

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"New {self.noun} for {self.vendor}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(parent=self.vendor, **kwargs)


class VendorChildUpdateView(ServiceUpdateView):
    noun: ClassVar[str] = "record"

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Edit {self.noun}: {self.object}"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(parent=self.object.vendor, **kwargs)


class VettingCreateView(VendorChildCreateView):
    noun = "vetting assessment"
    permission = "vendors.add_vettingassessment"
    form_class = VettingAssessmentForm
    create_service = services.vetting_assessment_create

    def get_initial(self) -> dict[str, Any]:
        return {"assessed_on": timezone.localdate(), "assessor": self.request.user.pk}


class VettingUpdateView(VendorChildUpdateView):
    noun = "vetting assessment"
    permission = "vendors.change_vettingassessment"
    delete_url_name = "vendors:vetting-delete"
    delete_permission = "vendors.delete_vettingassessment"
    form_class = VettingAssessmentForm
    update_service = services.vetting_assessment_update
    selector = selectors.vetting_assessment_list


class VettingDeleteView(ServiceDeleteView):
    permission = "vendors.delete_vettingassessment"
    delete_service = services.vetting_assessment_delete
    selector = selectors.vetting_assessment_list


class CertificationCreateView(VendorChildCreateView):
    noun = "certification"
    permission = "vendors.add_certification"
    form_class = CertificationForm
    create_service = services.certification_create


class CertificationUpdateView(VendorChildUpdateView):
    noun = "certification"
    permission = "vendors.change_certification"
    delete_url_name = "vendors:certification-delete"
    delete_permission = "vendors.delete_certification"
    form_class = CertificationForm
    update_service = services.certification_update
    selector = selectors.certification_list


class CertificationDeleteView(ServiceDeleteView):
    permission = "vendors.delete_certification"
    delete_service = services.certification_delete
    selector = selectors.certification_list


class RiskCreateView(VendorChildCreateView):
    noun = "risk"
    permission = "vendors.add_vendorrisk"
    form_class = VendorRiskForm
    create_service = services.vendor_risk_create


class RiskRegisterCreateView(ServiceCreateView):
    """ "New risk" from the risk register: the vendor is picked on the form."""

    title = "New risk"
    permission = "vendors.add_vendorrisk"
    form_class = VendorRiskWithVendorForm
    create_service = services.vendor_risk_create

    def get_initial(self) -> dict[str, Any]:
        return {"owner": self.request.user.pk, "vendor": self.request.GET.get("vendor")}


class RiskUpdateView(VendorChildUpdateView):
    noun = "risk"
    permission = "vendors.change_vendorrisk"
    delete_url_name = "vendors:risk-delete"
    delete_permission = "vendors.delete_vendorrisk"
    form_class = VendorRiskForm
    update_service = services.vendor_risk_update
    selector = selectors.vendor_risk_list


class RiskDeleteView(ServiceDeleteView):
    permission = "vendors.delete_vendorrisk"
    delete_service = services.vendor_risk_delete
    selector = selectors.vendor_risk_list


class AccessGrantCreateView(VendorChildCreateView):
    noun = "access grant"
    permission = "vendors.add_accessgrant"
    form_class = AccessGrantForm
    create_service = services.access_grant_create

    def get_initial(self) -> dict[str, Any]:
        return {"granted_on": timezone.localdate(), "granted_by": self.request.user.pk}


class AccessGrantUpdateView(VendorChildUpdateView):
    noun = "access grant"
    permission = "vendors.change_accessgrant"
    delete_url_name = "vendors:access-delete"
    delete_permission = "vendors.delete_accessgrant"
    form_class = AccessGrantForm
    update_service = services.access_grant_update
    selector = selectors.access_grant_list


class AccessGrantDeleteView(ServiceDeleteView):
    permission = "vendors.delete_accessgrant"
    delete_service = services.access_grant_delete
    selector = selectors.access_grant_list


# -- the team roster: the vendor's engineers ---------------------------------------------------------------
class RosterManagerMixin:
    """Procurement, administrators and the vendor's delivery owner manage its roster: the page is a 403 for
    everyone else (``apps.vendors.roster_access``; the service refuses them too)."""

    request: HttpRequest

    def roster_vendor(self) -> Vendor:
        raise NotImplementedError

    def check_object_permission(self) -> None:
        vendor = self.roster_vendor()
        if not roster_access.may_manage_roster(self.request.user, vendor):
            raise PermissionDenied(roster_access.roster_refusal(vendor))


class EngineerCreateView(RosterManagerMixin, VendorChildCreateView):
    noun = "engineer"
    form_class = EngineerForm
    create_service = services.engineer_create

    def roster_vendor(self) -> Vendor:
        return self.vendor


class EngineerUpdateView(RosterManagerMixin, VendorChildUpdateView):
    noun = "engineer"
    form_class = EngineerForm
    update_service = services.engineer_update
    selector = selectors.engineer_list

    def roster_vendor(self) -> Vendor:
        return self.object.vendor

    def check_object_permission(self) -> None:
        super().check_object_permission()
        if self.object.anonymised_on is not None:
            raise PermissionDenied(f"{self.object.name} is anonymised: an anonymised engineer cannot be edited.")


# -- the risk register (all vendors) ---------------------------------------------------------------------
class RiskListView(FilteredListView):
    title = "Risks"
    template_name = "vendors/risk_list.html"
    selector = selectors.vendor_risk_list
    filterset_class = filters.VendorRiskFilterSet
    filter_fields = ("category", "status")
    sort_fields = {
        "score": ("risk_score", "title"),
        "title": "title",
        "vendor": ("vendor__name", "title"),
        "status": "status",
        "category": "category",
    }
    default_sort = "-score"
    table_class = RiskTable
    csv_filename = "risks"
    create_url_name = "vendors:risk-create"
    create_permission = "vendors.add_vendorrisk"


# -- certifications and access grants across vendors ---------------------------------------------------------
class CertificationListView(FilteredListView):
    """Every vendor's certifications (the dashboards' "expiring within 60 days" drills down here)."""

    title = "Certifications"
    template_name = "vendors/certification_list.html"
    selector = selectors.certification_list
    filterset_class = filters.CertificationFilterSet
    filter_fields = ("kind",)
    sort_fields = {
        "expires": ("expires_on", "vendor__name"),
        "vendor": ("vendor__name", "expires_on"),
        "kind": ("kind", "expires_on"),
    }
    default_sort = "expires"
    table_class = CertificationTable
    csv_filename = "certifications"


class AccessGrantListView(FilteredListView):
    """Access grants of every vendor's staff, findings highlighted (the dashboards' "open access
    findings" drills down here with ``?has_findings=true``)."""

    title = "Access grants"
    template_name = "vendors/access_grant_list.html"
    selector = selectors.access_grant_list
    filterset_class = filters.AccessGrantFilterSet
    filter_fields = ("privilege", "has_findings", "severity", "finding")
    sort_fields = {
        "findings": ("-finding_rank", "-finding_count", "vendor__name", "system", "person"),
        "vendor": ("vendor__name", "system", "person"),
        "system": ("system", "person"),
        "expires": ("expires_on", "vendor__name"),
    }
    default_sort = "vendor"
    table_class = AccessGrantTable
    csv_filename = "access-grants"
    bulk_actions = ACCESS_GRANT_BULK_ACTIONS
    bulk_noun = ("access grant", "access grants")


# -- service reviews ----------------------------------------------------------------------------------------
class ReviewListView(FilteredListView):
    title = "Service reviews"
    template_name = "vendors/review_list.html"
    selector = selectors.service_review_list
    filterset_class = filters.ServiceReviewFilterSet
    filter_fields = ("status", "overdue")
    sort_fields = {
        "date": ("scheduled_for", "vendor__name"),
        "vendor": ("vendor__name", "scheduled_for"),
        "status": "status",
        "quality": "delivery_quality",
        "attention": selectors.REVIEW_ATTENTION_ORDER,
    }
    # Overdue reviews first, then the upcoming ones, then the rest: what needs doing leads.
    default_sort = "attention"
    table_class = ReviewTable
    csv_filename = "service-reviews"
    create_url_name = "vendors:review-create"
    create_permission = "vendors.add_servicereview"


class ReviewOwnerMixin:
    """Engineering managers change only the reviews (and action items) of the vendors they own: the
    page is a 403 for the others (``apps.vendors.ownership``; the service refuses them too)."""

    request: HttpRequest

    def owned_record(self) -> Any:
        """The review or action item the page writes (for a new one, as it would be)."""
        raise NotImplementedError

    def check_object_permission(self) -> None:
        record = self.owned_record()
        if not ownership.may_write(self.request.user, record):
            raise PermissionDenied(ownership.refusal(record))


def _review(request: HttpRequest, pk: int) -> ServiceReview:
    return get_object_or_404(selectors.service_review_list(user=request.user), pk=pk)


def _reviewable_vendors(user: Any) -> QuerySet[Vendor]:
    """The vendors whose reviews ``user`` runs: engineering managers only their own."""
    vendors = selectors.vendor_list(user=user).exclude(status=VendorStatus.EXITED).order_by("name")
    return selectors.vendors_reviewable_by(user=user, vendors=vendors)


class ReviewCreateView(ServiceCreateView):
    """Schedule a service review (engineering managers: for the vendors they own)."""

    title = "Schedule a service review"
    permission = "vendors.add_servicereview"
    form_class = ServiceReviewScheduleForm
    create_service = services.service_review_create
    success_message = "Scheduled {object}."

    def get_form_kwargs(self) -> dict[str, Any]:
        kwargs = super().get_form_kwargs()
        kwargs["vendors"] = _reviewable_vendors(self.request.user)
        return kwargs

    def get_initial(self) -> dict[str, Any]:
        return {"vendor": self.request.GET.get("vendor"), "scheduled_for": timezone.localdate()}


@login_required
def review_detail(request: HttpRequest, pk: int) -> HttpResponse:
    review = _review(request, pk)
    can_manage = request.user.has_perm("vendors.change_servicereview") and ownership.may_write(request.user, review)
    context = {
        "review": review,
        "object": review,
        "title": str(review),
        "actions": selectors.action_item_list(user=request.user).filter(review=review).order_by("done_on", "due_on"),
        "can_manage": can_manage,
        "can_add_actions": can_manage and request.user.has_perm("vendors.add_actionitem"),
        "action_form": ActionItemForm(initial={"due_on": timezone.localdate() + timedelta(days=ACTION_DUE_DAYS)}),
        "today": timezone.localdate(),
    }
    return render(request, "vendors/review_detail.html", context)


class ReviewRecordView(ReviewOwnerMixin, ServiceUpdateView):
    """Record the meeting as held; the next review is scheduled by the vendor's cadence."""

    permission = "vendors.change_servicereview"
    form_class = ServiceReviewRecordForm
    submit_label = "Record the review"
    success_message = "Recorded {object}; the next review is scheduled."

    def get_object(self) -> ServiceReview:
        return _review(self.request, self.kwargs["pk"])

    def owned_record(self) -> Any:
        return self.object

    @property
    def title(self) -> str:  # type: ignore[override]  # a per-object property; the base class has a class attribute
        return f"Record {self.object}"

    def get_initial(self) -> dict[str, Any]:
        return {"held_on": self.object.held_on or self.object.scheduled_for, "attendees": [self.request.user.pk]}

    def perform(self, form: forms.BaseForm) -> Any:
        review = ServiceReview.objects.get(pk=self.object.pk)
        return services.service_review_record(review=review, actor=self.request.user, data=form.cleaned_data)


class ReviewDeleteView(ReviewOwnerMixin, ServiceDeleteView):
    permission = "vendors.delete_servicereview"
    delete_service = services.service_review_delete

    def get_object(self) -> ServiceReview:
        return _review(self.request, self.kwargs["pk"])

    def owned_record(self) -> Any:
        return self.object

    def success_url(self) -> str:
        return reverse("vendors:vendor-tab", args=[self.object.vendor_id, "reviews"])


class ActionItemCreateView(ReviewOwnerMixin, ServiceCreateView):
    title = "New action item"
    permission = "vendors.add_actionitem"
    form_class = ActionItemForm
    create_service = services.action_item_create
    review: ServiceReview

    def setup_objects(self) -> None:
        self.review = _review(self.request, self.kwargs["review_pk"])

    def owned_record(self) -> Any:
        return ownership.prospective(ActionItem, self.review)

    def extra_data(self) -> dict[str, Any]:
        return {"review": self.review}

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        return super().get_context_data(parent=self.review, **kwargs)


def _action_item(request: HttpRequest, pk: int) -> Any:
    return get_object_or_404(selectors.action_item_list(user=request.user), pk=pk)


class ActionItemCompleteView(ReviewOwnerMixin, ServiceActionView):
    permission = "vendors.change_actionitem"

    def get_object(self) -> Any:
        return _action_item(self.request, self.kwargs["pk"])

    def owned_record(self) -> Any:
        return self.object

    def perform(self) -> str:
        services.action_item_complete(item=self.object, actor=self.request.user, done_on=timezone.localdate())
        return f"Marked done: {self.object.description[:80]}"


class ActionItemDeleteView(ReviewOwnerMixin, ServiceDeleteView):
    permission = "vendors.delete_actionitem"
    delete_service = services.action_item_delete

    def get_object(self) -> Any:
        return _action_item(self.request, self.kwargs["pk"])

    def owned_record(self) -> Any:
        return self.object


# -- watching: the vendor 360's button ------------------------------------------------------------------
class VendorWatchView(ServiceActionView):
    """Watch a vendor (anyone signed in): its dates join the person's calendar feed. Back to the page
    the button was on (``next``), else the vendor."""

    selector = selectors.vendor_list

    def perform(self) -> str:
        services.vendor_watch(vendor=self.object, user=self.request.user)
        return f"You are watching {self.object}: its dates are in your calendar feed."


class VendorUnwatchView(ServiceActionView):
    selector = selectors.vendor_list

    def perform(self) -> str:
        if services.vendor_unwatch(vendor=self.object, user=self.request.user):
            return f"You no longer watch {self.object}."
        return f"You were not watching {self.object}."
