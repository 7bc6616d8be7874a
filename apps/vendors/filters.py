"""FilterSets shared by the API and the HTML list pages (one per model).

The vendor list and the lists of a vendor's records (certifications, risks, access grants, service
reviews) also take the portfolio scope the dashboards drill down with: vendor geography and tier,
engagement model, function category (``apps/contracts/scope.py`` says what each means for each kind of
row). Only contracts can say what the last two mean (a vendor meets an engagement model or a function
category through its contracts), so contracts adds the scope's filters to these FilterSets when it is
ready (``apps.contracts.registrations``, through ``apps.core.filters``); a filter a FilterSet declares
itself (the vendor's own geography and tier) stays its own.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import django_filters
from django.db.models import Q, QuerySet
from django_filters.fields import ModelChoiceField, ModelChoiceIterator

from apps.core.filters import BooleanFilter, FilterSet, NumberFilter
from apps.core.search import unaccent_contains
from apps.vendors import models, selectors
from apps.vendors.choices import (
    CertificationKind,
    Geography,
    PilotOutcome,
    Privilege,
    ReviewStatus,
    RiskCategory,
    RiskStatus,
    SeniorityBand,
    Tier,
    VendorStatus,
    Verdict,
)
from apps.vendors.findings import FINDING_CHOICES, FindingSeverity
from apps.vendors.selectors import certification_superseded


def _filter_vendor_exited(queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
    if value is None:
        return queryset
    exited = Q(vendor__status=VendorStatus.EXITED)
    return queryset.filter(exited) if value else queryset.exclude(exited)


def _vendor_choices(request: Any) -> QuerySet[models.Vendor]:
    return selectors.vendor_choice_list(user=getattr(request, "user", None))


class _MenuChoiceIterator(ModelChoiceIterator):
    """The records of a menu, read once per form field: the filter bar counts and reads the choices
    (``apps.core.ui``) before the widget draws them, which would otherwise be three queries."""

    def _records(self) -> list[Any]:
        records: list[Any] | None = getattr(self.field, "_menu_records", None)
        if records is None:
            records = list(self.queryset)
            self.field._menu_records = records
        return records

    def __iter__(self) -> Iterator[Any]:
        if self.field.null_label is not None:
            yield (self.field.null_value, self.field.null_label)
        if self.field.empty_label is not None:
            yield ("", self.field.empty_label)
        for record in self._records():
            yield self.choice(record)

    def __len__(self) -> int:
        extra = (self.field.null_label is not None) + (self.field.empty_label is not None)
        return len(self._records()) + extra


class MenuModelChoiceField(ModelChoiceField):
    """django-filter's model choice field whose menu reads its records once (``_MenuChoiceIterator``)."""

    iterator = _MenuChoiceIterator
    # What a long menu is searched on as one types (apps.core.ui, "long menus").
    search_fields: tuple[str, ...] = ("name",)

    def __deepcopy__(self, memo: dict[int, Any]) -> Any:
        copied = super().__deepcopy__(memo)
        copied.__dict__.pop("_menu_records", None)  # each form reads its own
        return copied


class VendorChoiceFilter(django_filters.ModelChoiceFilter):
    """A vendor by id (``?vendor=7``; an id that is no vendor is refused, on the filter's name). The lists
    of contracts, breaches and measurements and their API endpoints use it; on a list page the filter bar
    draws it as a menu of vendor names (one query of ids and names, only when the menu is drawn)."""

    field_class = MenuModelChoiceField

    def __init__(self, field_name: str = "vendor", **kwargs: Any) -> None:
        kwargs.setdefault("queryset", _vendor_choices)
        kwargs.setdefault("label", "Vendor")
        super().__init__(field_name=field_name, **kwargs)


class VendorFilterSet(FilterSet):
    # Accent- and case-insensitive, as global search (apps.core.search): "krakow" finds "Kraków Software".
    q = django_filters.CharFilter(method="filter_q", label="Name contains")
    vendor = NumberFilter(field_name="id", label="Vendor (id)")  # one vendor's own numbers
    # Global search's people lead here: the vendors a person is any of the three named owners of.
    owner = NumberFilter(method="filter_owner", label="Owner (user id)", help_text="Any of the three named owners.")
    status = django_filters.MultipleChoiceFilter(choices=VendorStatus.choices)
    geography = django_filters.MultipleChoiceFilter(choices=Geography.choices)
    tier = django_filters.MultipleChoiceFilter(choices=Tier.choices)

    class Meta:
        model = models.Vendor
        fields = ["q", "status", "geography", "tier", "country", "currency", "engineering_owner", "delivery_owner"]

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(unaccent_contains(["name"], value))

    def filter_owner(self, queryset: QuerySet[Any], name: str, value: Any) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(Q(engineering_owner=value) | Q(delivery_owner=value) | Q(security_contact=value))


class VettingAssessmentFilterSet(FilterSet):
    verdict = django_filters.MultipleChoiceFilter(choices=Verdict.choices)
    pilot_outcome = django_filters.MultipleChoiceFilter(choices=PilotOutcome.choices)
    assessed_after = django_filters.DateFilter(
        field_name="assessed_on", lookup_expr="gte", label="Assessed on or after"
    )
    assessed_before = django_filters.DateFilter(
        field_name="assessed_on", lookup_expr="lte", label="Assessed on or before"
    )

    class Meta:
        model = models.VettingAssessment
        fields = ["vendor", "assessor", "verdict", "pilot_outcome", "assessed_after", "assessed_before"]


class CertificationFilterSet(FilterSet):
    kind = django_filters.MultipleChoiceFilter(choices=CertificationKind.choices)
    expires_after = django_filters.DateFilter(field_name="expires_on", lookup_expr="gte", label="Expires on or after")
    expires_before = django_filters.DateFilter(field_name="expires_on", lookup_expr="lte", label="Expires on or before")
    superseded = BooleanFilter(
        method="filter_superseded", label="Superseded", help_text="A later one of the same vendor and kind replaces it."
    )
    vendor_exited = BooleanFilter(method="filter_vendor_exited", label="Vendor exited")

    class Meta:
        model = models.Certification
        fields = ["vendor", "kind", "expires_after", "expires_before"]

    def filter_superseded(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(certification_superseded()) if value else queryset.exclude(certification_superseded())

    def filter_vendor_exited(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        return _filter_vendor_exited(queryset, name, value)


class VendorRiskFilterSet(FilterSet):
    category = django_filters.MultipleChoiceFilter(choices=RiskCategory.choices)
    status = django_filters.MultipleChoiceFilter(choices=RiskStatus.choices)
    # ``risk_score`` (likelihood × impact) is the annotation of ``selectors.vendor_risk_list``.
    score_min = NumberFilter(field_name="risk_score", lookup_expr="gte", label="Score at least")

    class Meta:
        model = models.VendorRisk
        fields = ["vendor", "category", "status", "owner", "likelihood", "impact", "score_min"]


class EngineerFilterSet(FilterSet):
    """The vendors' engineers: the vendor's Team tab and ``/api/v1/engineers/``."""

    # Accent- and case-insensitive, as the other lists' q (apps.core.search).
    q = django_filters.CharFilter(method="filter_q", label="Name, e-mail or handle contains")
    vendor = VendorChoiceFilter()
    seniority = django_filters.MultipleChoiceFilter(choices=SeniorityBand.choices, label="Seniority band")
    anonymised = BooleanFilter(
        field_name="anonymised_on",
        lookup_expr="isnull",
        exclude=True,
        label="Anonymised",
        help_text="Former engineers.",
    )

    class Meta:
        model = models.Engineer
        fields = ["q", "vendor", "seniority", "role", "anonymised"]

    def filter_q(self, queryset: QuerySet[Any], name: str, value: str) -> QuerySet[Any]:
        return queryset.filter(unaccent_contains(["name", "email", "git_handle", "tracker_handle"], value))


class AccessGrantFilterSet(FilterSet):
    privilege = django_filters.MultipleChoiceFilter(choices=Privilege.choices)
    revoked = BooleanFilter(field_name="revoked_on", lookup_expr="isnull", exclude=True)
    expires_after = django_filters.DateFilter(field_name="expires_on", lookup_expr="gte", label="Expires on or after")
    expires_before = django_filters.DateFilter(field_name="expires_on", lookup_expr="lte", label="Expires on or before")
    # The finding filters read the annotations of ``selectors.access_grant_list`` (``apps.vendors.findings``
    # defines them), so the list, its count and the API agree on the day's findings.
    has_findings = BooleanFilter(
        method="filter_has_findings", label="Has findings", help_text="Breaks at least one access rule."
    )
    finding = django_filters.MultipleChoiceFilter(
        choices=FINDING_CHOICES, method="filter_finding", label="Finding", help_text="Has any of these findings."
    )
    severity = django_filters.ChoiceFilter(
        choices=FindingSeverity.choices,
        field_name="finding_severity",
        label="Severity",
        help_text="The most severe of the grant's findings.",
    )

    class Meta:
        model = models.AccessGrant
        fields = [
            "vendor",
            "engineer",
            "system",
            "privilege",
            "named_account",
            "mfa_enabled",
            "revoked",
            "expires_after",
            "expires_before",
            "has_findings",
            "finding",
            "severity",
        ]

    def filter_has_findings(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        if value is None:
            return queryset
        return queryset.filter(finding_count__gt=0) if value else queryset.filter(finding_count=0)

    def filter_finding(self, queryset: QuerySet[Any], name: str, value: list[str]) -> QuerySet[Any]:
        if not value:
            return queryset
        wanted = Q()
        for code in value:
            wanted |= Q(**{f"finding_{code}": True})
        return queryset.filter(wanted)


class ServiceReviewFilterSet(FilterSet):
    status = django_filters.MultipleChoiceFilter(choices=ReviewStatus.choices)
    scheduled_after = django_filters.DateFilter(
        field_name="scheduled_for", lookup_expr="gte", label="Scheduled on or after"
    )
    scheduled_before = django_filters.DateFilter(
        field_name="scheduled_for", lookup_expr="lte", label="Scheduled on or before"
    )
    # The reviews held in a period (the cost ledger's management load links to those of a month).
    held_after = django_filters.DateFilter(field_name="held_on", lookup_expr="gte", label="Held on or after")
    held_before = django_filters.DateFilter(field_name="held_on", lookup_expr="lte", label="Held on or before")
    # ``is_overdue`` is the annotation of ``selectors.service_review_list``: scheduled, date passed.
    overdue = BooleanFilter(
        field_name="is_overdue", label="Overdue", help_text="Scheduled, its date passed, not recorded as held."
    )
    vendor_exited = BooleanFilter(method="filter_vendor_exited", label="Vendor exited")

    class Meta:
        model = models.ServiceReview
        fields = ["vendor", "status", "scheduled_after", "scheduled_before", "overdue"]

    def filter_vendor_exited(self, queryset: QuerySet[Any], name: str, value: bool | None) -> QuerySet[Any]:
        return _filter_vendor_exited(queryset, name, value)


class ActionItemFilterSet(FilterSet):
    vendor = django_filters.ModelChoiceFilter(field_name="review__vendor", queryset=models.Vendor.objects.all())
    done = BooleanFilter(field_name="done_on", lookup_expr="isnull", exclude=True)
    due_before = django_filters.DateFilter(field_name="due_on", lookup_expr="lte", label="Due on or before")

    class Meta:
        model = models.ActionItem
        fields = ["review", "vendor", "owner", "done", "due_before"]
