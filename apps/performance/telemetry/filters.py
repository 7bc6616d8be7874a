"""The FilterSets of delivery telemetry's lists (the API's; a list page would share them)."""

from __future__ import annotations

import django_filters

from apps.core.filters import FilterSet, NumberFilter
from apps.performance.choices import DeliveryStatus, TelemetrySource
from apps.performance.telemetry.models import Delivery, SourceBinding
from apps.vendors.choices import IdentityKind
from apps.vendors.models import VendorIdentityRule


class SourceBindingFilterSet(FilterSet):
    contract = NumberFilter(field_name="contract", label="Contract (id)")
    vendor = NumberFilter(field_name="contract__vendor", label="Vendor (id)")
    source = django_filters.MultipleChoiceFilter(choices=TelemetrySource.choices)

    class Meta:
        model = SourceBinding
        fields = ["contract", "vendor", "source", "active"]


class DeliveryFilterSet(FilterSet):
    binding = NumberFilter(field_name="binding", label="Binding (id)")
    contract = NumberFilter(field_name="binding__contract", label="Contract (id)")
    status = django_filters.MultipleChoiceFilter(choices=DeliveryStatus.choices)

    class Meta:
        model = Delivery
        fields = ["binding", "contract", "status"]


class IdentityRuleFilterSet(FilterSet):
    vendor = NumberFilter(field_name="vendor", label="Vendor (id)")
    kind = django_filters.MultipleChoiceFilter(choices=IdentityKind.choices)

    class Meta:
        model = VendorIdentityRule
        fields = ["vendor", "kind"]
