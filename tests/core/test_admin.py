"""The admin's writes, inline rows included, are audited as the signed-in operator (the request
context from pghistory's middleware plus the action the admin save records)."""

from __future__ import annotations

import pytest
from django.test import Client

from apps.core import admin as core_admin
from apps.core.errors import ConflictError
from apps.vendors.models import ActionItem, Vendor
from apps.vendors.services import vendor_transition
from tests.factories import ServiceReviewFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db


def form_data(response) -> dict:
    """The change form's current values, management forms included, as a browser would post them."""
    data: dict = {}
    forms = [response.context["adminform"].form]
    for inline in response.context["inline_admin_formsets"]:
        formset = inline.formset
        data.update({f"{formset.prefix}-{k}": v for k, v in formset.management_form.initial.items()})
        forms += list(formset.forms)
    for form in forms:
        for name in form.fields:
            value = form[name].value()
            if value is not None:
                data[form.add_prefix(name)] = value
    return {k: v for k, v in data.items() if v != []}


def test_inline_rows_are_audited_as_the_operator() -> None:
    admin = UserFactory(role="admin")
    review = ServiceReviewFactory()
    client = Client()
    client.force_login(admin)
    url = f"/admin/vendors/servicereview/{review.pk}/change/"
    data = form_data(client.get(url))
    data |= {
        "action_items-0-description": "Mirror the repositories",
        "action_items-0-due_on": "2026-12-01",
        "action_items-TOTAL_FORMS": "1",
    }
    response = client.post(url, data)
    assert response.status_code == 302, response.context["adminform"].form.errors if response.context else response
    item = ActionItem.objects.get(review=review)
    event = item.events.get()
    assert event.pgh_context.metadata["user"] == admin.pk
    # A review has an owner: the admin saves it through its service (apps.vendors.admin.OwnedModelAdmin),
    # whose action the request's audit context then carries.
    assert event.pgh_context.metadata["action"] == "service_review_update"


def test_the_events_page_says_who_and_which_action() -> None:
    admin = UserFactory(role="admin", first_name="Alex", last_name="Morgan")
    vendor = VendorFactory(status="prospect")
    vendor_transition(vendor=vendor, to_status="vetting", actor=admin)
    client = Client()
    client.force_login(admin)
    page = client.get(f"/admin/pghistory/events/?method=tracks&obj=vendors.Vendor:{vendor.pk}").content.decode()
    assert "Alex Morgan" in page
    assert "vendor_transition_vetting" in page


def test_a_conflict_while_saving_is_a_message_not_a_500(monkeypatch: pytest.MonkeyPatch) -> None:
    def racing_save(instance, **kwargs):
        raise ConflictError("This vendor conflicts with an existing record.")

    monkeypatch.setattr(core_admin, "save_validated", racing_save)
    vendor = VendorFactory(name="Before")
    client = Client()
    client.force_login(UserFactory(role="admin"))
    url = f"/admin/vendors/vendor/{vendor.pk}/change/"
    data = form_data(client.get(url)) | {"name": "After"}
    response = client.post(url, data, follow=True)
    assert response.status_code == 200
    assert "conflicts with an existing record" in response.content.decode()
    assert Vendor.objects.get(pk=vendor.pk).name == "Before"
