"""The ownership matrix, generated like the role matrix (``tests/api_matrix.py``): for every record with
an owner (``apps.vendors.ownership.owned_models()``) and every verb — the API's create, update of someone
else's record, moving someone else's record into one's own engagement and one's own into someone
else's, delete, every custom action, the bulk endpoint and the CSV import, the HTML forms and buttons,
the admin's add, change, delete and actions — an engineering manager who does not own the vendor is
refused (403; a form error or a message where a page has a form) and nothing changes: every row of the
record's table (and of what the verb would also write) is the same before and after. The owner then
succeeds with the same verb, and something changes.

One ``OwnershipMatrix`` subclass per owned model; ``test_every_owned_model_has_its_matrix`` fails for a
model registered without one, and ``test_every_api_action_is_in_the_matrix`` for an API action (a POST
on a viewset of an owned model) that its matrix does not try.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db.models import Model
from django.http import HttpResponse
from django.test import Client, RequestFactory
from django.urls import reverse
from rest_framework.test import APIClient

from apps.accounts.choices import Role
from apps.core.models import StatusChange
from apps.performance import imports
from apps.performance.models import Breach, ImportJob, Measurement, SourceBinding
from apps.performance.tasks import run_import
from apps.vendors import ownership
from apps.vendors.models import ActionItem, ServiceReview, Vendor, VendorIdentityRule
from config.api import router
from tests.factories import (
    ActionItemFactory,
    BreachFactory,
    ContractFactory,
    MeasurementFactory,
    ServiceReviewFactory,
    SourceBindingFactory,
    UserFactory,
    VendorFactory,
    VendorIdentityRuleFactory,
)

pytestmark = pytest.mark.django_db

THEIRS = "Theirs Consulting"
PERIOD = {"period_start": "2026-09-01", "period_end": "2026-09-30"}


@dataclass
class World:
    """An engineering manager (staff, so the admin is open to them) who owns two vendors, and a vendor
    someone else owns."""

    manager: Any
    mine: Vendor
    mine_too: Vendor
    theirs: Vendor

    @property
    def api(self) -> APIClient:
        client = APIClient()
        client.force_authenticate(self.manager)
        return client

    @property
    def browser(self) -> Client:
        client = Client()
        client.force_login(self.manager)
        return client


@pytest.fixture
def world() -> World:
    manager = UserFactory(username="matrix-manager", role=Role.ENGINEERING_MANAGER, is_staff=True)
    return World(
        manager=manager,
        mine=VendorFactory(engineering_owner=manager, name="Mine One"),
        mine_too=VendorFactory(delivery_owner=manager, name="Mine Two"),
        theirs=VendorFactory(name=THEIRS),
    )


@dataclass
class Attempt:
    """One try of a verb, prepared (its records exist) and not yet made."""

    run: Callable[[], HttpResponse]
    refused: frozenset[int] = frozenset({403})  # the answers a refusal may be
    succeeded: frozenset[int] = frozenset({200, 201, 204, 302})
    names_the_vendor: bool = True  # a refusal names the vendor (the API's, a page's message)


API = frozenset({403})
FORM = frozenset({400, 403})  # a picker that does not offer the vendor, or the page refused
ADMIN_MESSAGE = frozenset({302})  # the service refused a valid admin form: a message, back to the form


def table(models: tuple[type[Model], ...]) -> list[list[dict[str, Any]]]:
    return [list(model._default_manager.order_by("pk").values()) for model in models]


def admin_url(model: type[Model], view: str, *args: Any) -> str:
    return reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_{view}", args=args)


def admin_form_data(record: Model, **changes: Any) -> dict[str, Any]:
    """What the admin's change form of ``record`` posts as it stands (its inlines empty), with ``changes``."""
    model_admin = admin.site._registry[type(record)]
    request = RequestFactory().get("/")
    superuser: Any = UserFactory(username="matrix-superuser", is_superuser=True, is_staff=True)
    request.user = superuser
    form = model_admin.get_form(request, record)(instance=record)
    data: dict[str, Any] = {}
    for name in form.fields:
        value = form[name].value()
        if isinstance(value, list | tuple):
            data[name] = [str(item) for item in value]
        elif value is True:
            data[name] = "on"
        elif value not in (None, False):
            data[name] = str(value)
    for formset_class, _inline in model_admin.get_formsets_with_inlines(request, record):
        formset = formset_class(instance=record)
        for key, value in formset.management_form.initial.items():
            data[f"{formset.prefix}-{key}"] = value
    data.update(changes)
    return data


class OwnershipMatrix:
    model: ClassVar[type[Model]]
    basename: ClassVar[str | None] = None  # the API resource
    api_writes: ClassVar[bool] = True  # create, update, move and delete over the API
    actions: ClassVar[dict[str, dict[str, Any]]] = {}  # API actions on one record, with their body
    other_actions: ClassVar[frozenset[str]] = frozenset()  # API actions tried by verbs of their own
    admin_writes: ClassVar[bool] = True  # add, change, move, delete and bulk delete in the admin
    verbs_of_its_own: ClassVar[tuple[str, ...]] = ()  # the model's own verbs: methods named verb_<name>
    watched: ClassVar[tuple[type[Model], ...]] = ()  # what else a verb would write

    # -- to override --------------------------------------------------------------------------------
    def make(self, vendor: Vendor) -> Model:
        raise NotImplementedError

    def create_payload(self, vendor: Vendor) -> dict[str, Any]:
        raise NotImplementedError

    def update_payload(self, record: Model) -> dict[str, Any]:
        raise NotImplementedError

    def move_payload(self, vendor: Vendor) -> dict[str, Any]:
        """The change that attaches a record to a parent of ``vendor`` (the first field of its path)."""
        raise NotImplementedError

    def admin_change(self) -> dict[str, Any]:
        return {}

    # -- the verbs -------------------------------------------------------------------------------------
    @classmethod
    def verbs(cls) -> list[str]:
        names = []
        if cls.api_writes:
            names += ["api_create", "api_update", "api_move_in", "api_move_out", "api_delete"]
        names += [f"api_action_{name}" for name in cls.actions]
        if cls.admin_writes:
            names += ["admin_add", "admin_change", "admin_move_out", "admin_delete", "admin_bulk_delete"]
        return names + list(cls.verbs_of_its_own)

    def attempt(self, verb: str, w: World, refused: bool) -> Attempt:
        if verb.startswith("api_action_"):
            return self.api_action(verb.removeprefix("api_action_"), w, refused)
        return getattr(self, f"verb_{verb}")(w, refused)

    def detail(self, record: Model) -> str:
        return reverse(f"{self.basename}-detail", args=[record.pk])

    def verb_api_create(self, w: World, refused: bool) -> Attempt:
        payload = self.create_payload(w.theirs if refused else w.mine)
        return Attempt(lambda: w.api.post(reverse(f"{self.basename}-list"), payload, format="json"), API)

    def verb_api_update(self, w: World, refused: bool) -> Attempt:
        record = self.make(w.theirs if refused else w.mine)
        payload = self.update_payload(record)
        return Attempt(lambda: w.api.patch(self.detail(record), payload, format="json"), API)

    def verb_api_move_in(self, w: World, refused: bool) -> Attempt:
        """Someone else's record into one's own engagement (issue 13's second hole)."""
        record = self.make(w.theirs if refused else w.mine_too)
        payload = self.move_payload(w.mine)
        return Attempt(lambda: w.api.patch(self.detail(record), payload, format="json"), API)

    def verb_api_move_out(self, w: World, refused: bool) -> Attempt:
        """One's own record into someone else's engagement."""
        record = self.make(w.mine)
        payload = self.move_payload(w.theirs if refused else w.mine_too)
        return Attempt(lambda: w.api.patch(self.detail(record), payload, format="json"), API)

    def verb_api_delete(self, w: World, refused: bool) -> Attempt:
        record = self.make(w.theirs if refused else w.mine)
        return Attempt(lambda: w.api.delete(self.detail(record)), API)

    def api_action(self, name: str, w: World, refused: bool) -> Attempt:
        record = self.make(w.theirs if refused else w.mine)
        url = reverse(f"{self.basename}-{name.replace('_', '-')}", args=[record.pk])
        return Attempt(lambda: w.api.post(url, self.actions[name], format="json"), API)

    def verb_admin_add(self, w: World, refused: bool) -> Attempt:
        template = self.make(w.mine)  # a record to copy the form from (made before the table is read)
        data = admin_form_data(template, **self.move_payload(w.theirs if refused else w.mine))
        return Attempt(
            lambda: w.browser.post(admin_url(self.model, "add"), data), ADMIN_MESSAGE, names_the_vendor=False
        )

    def verb_admin_change(self, w: World, refused: bool) -> Attempt:
        record = self.make(w.theirs if refused else w.mine)
        data = admin_form_data(record, **self.admin_change())
        return Attempt(lambda: w.browser.post(admin_url(self.model, "change", record.pk), data), names_the_vendor=False)

    def verb_admin_move_out(self, w: World, refused: bool) -> Attempt:
        record = self.make(w.mine)
        data = admin_form_data(record, **self.move_payload(w.theirs if refused else w.mine_too))
        return Attempt(
            lambda: w.browser.post(admin_url(self.model, "change", record.pk), data),
            ADMIN_MESSAGE,
            names_the_vendor=False,
        )

    def verb_admin_delete(self, w: World, refused: bool) -> Attempt:
        record = self.make(w.theirs if refused else w.mine)
        return Attempt(
            lambda: w.browser.post(admin_url(self.model, "delete", record.pk), {"post": "yes"}), names_the_vendor=False
        )

    def verb_admin_bulk_delete(self, w: World, refused: bool) -> Attempt:
        record = self.make(w.theirs if refused else w.mine)
        data = {"action": "delete_selected", "_selected_action": [record.pk], "post": "yes"}
        return Attempt(lambda: w.browser.post(admin_url(self.model, "changelist"), data), names_the_vendor=False)

    # -- the generated tests ---------------------------------------------------------------------------
    def test_a_non_owner_is_refused_and_nothing_changes_then_the_owner_succeeds(self, verb: str, world: World) -> None:
        watched = (self.model, *self.watched)
        attempt = self.attempt(verb, world, refused=True)
        before = table(watched)
        response = attempt.run()
        assert response.status_code in attempt.refused, (verb, response.status_code, response.content[:500])
        assert table(watched) == before, f"{verb}: a refused attempt changed {self.model.__name__} rows"
        if attempt.names_the_vendor:
            assert THEIRS in response.content.decode(), (verb, response.content[:500])

        attempt = self.attempt(verb, world, refused=False)
        before = table(watched)
        response = attempt.run()
        assert response.status_code in attempt.succeeded, (verb, response.status_code, response.content[:500])
        assert table(watched) != before, f"{verb}: the owner's attempt changed nothing"


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "verb" in metafunc.fixturenames and metafunc.cls is not None:
        metafunc.parametrize("verb", metafunc.cls.verbs())


# -- one matrix per record with an owner ----------------------------------------------------------------------
def _contract(vendor: Vendor) -> Any:
    return ContractFactory(vendor=vendor, reference=f"C-{vendor.pk}-{ContractFactory._meta.model.objects.count()}")


class TestMeasurementOwnership(OwnershipMatrix):
    model = Measurement
    basename = "measurement"
    other_actions = frozenset({"bulk"})
    verbs_of_its_own = ("api_bulk", "import", "html_grid")

    def make(self, vendor: Vendor) -> Model:
        return MeasurementFactory(
            contract=_contract(vendor), period_start=dt.date(2026, 9, 1), period_end=dt.date(2026, 9, 30)
        )

    def create_payload(self, vendor: Vendor) -> dict[str, Any]:
        return {"contract": _contract(vendor).pk, "kpi": "sprint_velocity", "value": "40", **PERIOD}

    def update_payload(self, record: Model) -> dict[str, Any]:
        return {"value": "93", "note": "Corrected."}

    def move_payload(self, vendor: Vendor) -> dict[str, Any]:
        return {"contract": _contract(vendor).pk}

    def admin_change(self) -> dict[str, Any]:
        return {"value": "93", "note": "Corrected."}

    def verb_api_bulk(self, w: World, refused: bool) -> Attempt:
        """A refused row is an error naming the vendor; the answer is 200, as for any row in error."""
        row = self.create_payload(w.theirs if refused else w.mine)
        return Attempt(
            lambda: w.api.post(reverse("measurement-bulk"), {"rows": [row]}, format="json"),
            frozenset({200}),
        )

    def verb_import(self, w: World, refused: bool) -> Attempt:
        """Uploaded, previewed, started and run: a refused row is an error naming the vendor."""
        contract = _contract(w.theirs if refused else w.mine)
        content = (
            "contract,kpi,period_start,period_end,value,numerator,denominator,note\n"
            f"{contract.reference},sprint_velocity,2026-09-01,2026-09-30,40,,,\n"
        ).encode()

        def run() -> HttpResponse:
            browser = w.browser
            upload = browser.post(
                reverse("imports:create"),
                {"register": "measurements", "file": SimpleUploadedFile("sept.csv", content, "text/csv")},
            )
            assert upload.status_code == 302, upload.content[:500]
            job = ImportJob.objects.latest("pk")
            if job.valid_rows:
                imports.import_job_start(instance=job, actor=w.manager, enqueue=False)
                run_import(job.pk)
            return browser.get(job.get_absolute_url())

        return Attempt(run, frozenset({200}), frozenset({200}))

    def verb_html_grid(self, w: World, refused: bool) -> Attempt:
        contract = _contract(w.theirs if refused else w.mine)
        data = {"kind": "month", "month": "2026-11", "kpi-lead_time_for_changes-value": "30"}
        return Attempt(lambda: w.browser.post(reverse("performance:grid", args=[contract.pk]), data))


class TestBreachOwnership(OwnershipMatrix):
    model = Breach
    basename = "breach"
    api_writes = False  # the SLA engine writes breaches; people act on them
    admin_writes = False  # read-only in the admin, but for its acknowledge action
    actions = {"acknowledge": {}, "resolve": {"reason": "Capacity added to the on-call rota."}}
    other_actions = frozenset({"waive"})
    verbs_of_its_own = ("api_waive", "html_acknowledge", "html_resolve", "admin_acknowledge")
    watched = (StatusChange,)

    def make(self, vendor: Vendor) -> Model:
        return BreachFactory(evaluation__term__contract=_contract(vendor))

    def verb_api_waive(self, w: World, refused: bool) -> Attempt:
        """Executives waive, and they are not owner-scoped; an engineering manager given the permission one
        day would still waive only the breaches of their own engagements."""
        w.manager.user_permissions.add(Permission.objects.get(codename="waive_breach"))
        w.manager = type(w.manager).objects.get(pk=w.manager.pk)  # permissions are cached per instance
        record = self.make(w.theirs if refused else w.mine)
        url = reverse("breach-waive", args=[record.pk])
        return Attempt(lambda: w.api.post(url, {"reason": "Our own outage caused it."}, format="json"), API)

    def _html(self, action: str, w: World, refused: bool, **data: str) -> Attempt:
        record = self.make(w.theirs if refused else w.mine)
        url = reverse("performance:breach-action", args=[record.pk, action])
        return Attempt(lambda: w.browser.post(url, data))

    def verb_html_acknowledge(self, w: World, refused: bool) -> Attempt:
        return self._html("acknowledge", w, refused)

    def verb_html_resolve(self, w: World, refused: bool) -> Attempt:
        return self._html("resolve", w, refused, reason="Capacity added to the on-call rota.")

    def verb_admin_acknowledge(self, w: World, refused: bool) -> Attempt:
        """The admin action calls the service, which refuses it: a message, and the list again. (Engineering
        managers have no admin view of breaches today: given one, they would still act only on their own.)"""
        w.manager.user_permissions.add(Permission.objects.get(codename="view_breach"))
        record = self.make(w.theirs if refused else w.mine)
        data = {"action": "acknowledge", "_selected_action": [record.pk]}
        return Attempt(
            lambda: w.browser.post(admin_url(Breach, "changelist"), data), ADMIN_MESSAGE, names_the_vendor=False
        )


class TestServiceReviewOwnership(OwnershipMatrix):
    model = ServiceReview
    basename = "servicereview"
    actions = {"record": {"held_on": "2026-11-20", "decisions": "Keep the cadence."}}
    verbs_of_its_own = ("html_create", "html_record", "html_delete")

    def make(self, vendor: Vendor) -> Model:
        return ServiceReviewFactory(vendor=vendor, scheduled_for=dt.date(2026, 11, 20))

    def create_payload(self, vendor: Vendor) -> dict[str, Any]:
        return {"vendor": vendor.pk, "scheduled_for": "2026-12-20"}

    def update_payload(self, record: Model) -> dict[str, Any]:
        return {"notes": "Agenda shared."}

    def move_payload(self, vendor: Vendor) -> dict[str, Any]:
        return {"vendor": vendor.pk}

    def admin_change(self) -> dict[str, Any]:
        return {"notes": "Agenda shared."}

    def verb_html_create(self, w: World, refused: bool) -> Attempt:
        """The schedule form offers only the vendors one owns: another one is a form error."""
        vendor = w.theirs if refused else w.mine
        data = {"vendor": vendor.pk, "scheduled_for": "2026-12-20"}
        return Attempt(lambda: w.browser.post(reverse("vendors:review-create"), data), FORM, names_the_vendor=False)

    def verb_html_record(self, w: World, refused: bool) -> Attempt:
        record = self.make(w.theirs if refused else w.mine)
        data = {"held_on": "2026-11-20", "attendees": [w.manager.pk], "decisions": "Keep the cadence."}
        return Attempt(lambda: w.browser.post(reverse("vendors:review-record", args=[record.pk]), data))

    def verb_html_delete(self, w: World, refused: bool) -> Attempt:
        record = self.make(w.theirs if refused else w.mine)
        return Attempt(lambda: w.browser.post(reverse("vendors:review-delete", args=[record.pk])))


class TestActionItemOwnership(OwnershipMatrix):
    model = ActionItem
    basename = "actionitem"
    actions = {"complete": {"done_on": "2026-11-25"}}
    verbs_of_its_own = ("html_create", "html_complete", "html_delete")

    def make(self, vendor: Vendor) -> Model:
        return ActionItemFactory(review=ServiceReviewFactory(vendor=vendor))

    def create_payload(self, vendor: Vendor) -> dict[str, Any]:
        return {
            "review": ServiceReviewFactory(vendor=vendor).pk,
            "description": "Share the runbook",
            "due_on": "2026-12-10",
        }

    def update_payload(self, record: Model) -> dict[str, Any]:
        return {"description": "Share the runbook and the on-call rota"}

    def move_payload(self, vendor: Vendor) -> dict[str, Any]:
        return {"review": ServiceReviewFactory(vendor=vendor).pk}

    def admin_change(self) -> dict[str, Any]:
        return {"description": "Share the runbook and the on-call rota"}

    def verb_html_create(self, w: World, refused: bool) -> Attempt:
        review = ServiceReviewFactory(vendor=w.theirs if refused else w.mine)
        data = {"description": "Share the runbook", "due_on": "2026-12-10"}
        return Attempt(lambda: w.browser.post(reverse("vendors:action-create", args=[review.pk]), data))

    def verb_html_complete(self, w: World, refused: bool) -> Attempt:
        record = self.make(w.theirs if refused else w.mine)
        return Attempt(lambda: w.browser.post(reverse("vendors:action-complete", args=[record.pk])))

    def verb_html_delete(self, w: World, refused: bool) -> Attempt:
        record = self.make(w.theirs if refused else w.mine)
        return Attempt(lambda: w.browser.post(reverse("vendors:action-delete", args=[record.pk])))


class TestSourceBindingOwnership(OwnershipMatrix):
    model = SourceBinding
    basename = "sourcebinding"
    # Created and changed, never deleted, and never moved: a binding's contract does not change (its
    # deliveries and events are that contract's), so the API's move and delete verbs do not apply.
    api_writes = False
    admin_writes = False  # not in the admin
    actions = {"rotate_secret": {}, "activate": {}, "deactivate": {}}
    verbs_of_its_own = (
        "api_create",
        "api_update",
        "html_create",
        "html_update",
        "html_rotate",
        "html_set_secret",
        "html_deactivate",
        "html_activate",
    )

    def make(self, vendor: Vendor) -> Model:
        return SourceBindingFactory(contract=_contract(vendor))

    def create_payload(self, vendor: Vendor) -> dict[str, Any]:
        return {"contract": _contract(vendor).pk, "source": "github", "scope": "vendor-org/matrix"}

    def update_payload(self, record: Model) -> dict[str, Any]:
        return {"name": "Payments API", "measures": ["change_failure_rate"]}

    def verb_html_create(self, w: World, refused: bool) -> Attempt:
        """The answer to a made binding is its secret, shown once (200), not a redirect."""
        contract = _contract(w.theirs if refused else w.mine)
        url = reverse("performance:binding-create", args=[contract.pk])
        data = {"source": "github", "scope": "vendor-org/matrix", "covers_from": "2026-10-01"}
        return Attempt(lambda: w.browser.post(url, data))

    def verb_html_update(self, w: World, refused: bool) -> Attempt:
        record = self.make(w.theirs if refused else w.mine)
        url = reverse("performance:binding-update", args=[record.pk])
        data = {"name": "Payments API", "measures": ["change_failure_rate"], "covers_from": "2026-10-01"}
        return Attempt(lambda: w.browser.post(url, data))

    def _html(self, w: World, refused: bool, name: str, *args: str, **data: str) -> Attempt:
        record = self.make(w.theirs if refused else w.mine)
        url = reverse(f"performance:{name}", args=[record.pk, *args])
        return Attempt(lambda: w.browser.post(url, data))

    def verb_html_rotate(self, w: World, refused: bool) -> Attempt:
        return self._html(w, refused, "binding-rotate")

    def verb_html_set_secret(self, w: World, refused: bool) -> Attempt:
        return self._html(w, refused, "binding-set-secret", secret="pagerduty-made-this-secret-0123456789")

    def verb_html_deactivate(self, w: World, refused: bool) -> Attempt:
        return self._html(w, refused, "binding-active", "deactivate")

    def verb_html_activate(self, w: World, refused: bool) -> Attempt:
        return self._html(w, refused, "binding-active", "activate")


class TestVendorIdentityRuleOwnership(OwnershipMatrix):
    model = VendorIdentityRule
    basename = "vendoridentityrule"
    api_writes = False  # added and deleted, never changed (so never moved)
    admin_writes = False  # not in the admin
    verbs_of_its_own = ("api_create", "api_delete", "html_create", "html_delete")

    def make(self, vendor: Vendor) -> Model:
        return VendorIdentityRuleFactory(vendor=vendor)

    def create_payload(self, vendor: Vendor) -> dict[str, Any]:
        return {"vendor": vendor.pk, "kind": "login", "value": "matrix-login"}

    def verb_html_create(self, w: World, refused: bool) -> Attempt:
        vendor = w.theirs if refused else w.mine
        url = reverse("performance:identity-rule-create", args=[vendor.pk])
        return Attempt(lambda: w.browser.post(url, {"kind": "login", "value": "matrix-login"}))

    def verb_html_delete(self, w: World, refused: bool) -> Attempt:
        record = self.make(w.theirs if refused else w.mine)
        url = reverse("performance:identity-rule-delete", args=[record.pk])
        return Attempt(lambda: w.browser.post(url))


# -- the matrix is complete ------------------------------------------------------------------------------------
MATRICES: tuple[type[OwnershipMatrix], ...] = tuple(OwnershipMatrix.__subclasses__())


def test_every_owned_model_has_its_matrix() -> None:
    registered = {entry.model for entry in ownership.owned_models()}
    assert registered == {matrix.model for matrix in MATRICES}


@pytest.mark.parametrize("matrix", MATRICES, ids=lambda matrix: matrix.model.__name__)
def test_every_api_action_is_in_the_matrix(matrix: type[OwnershipMatrix]) -> None:
    viewsets = [
        viewset
        for _prefix, viewset, _basename in router.registry
        if hasattr(viewset, "selector") and viewset.selector(user=None).model is matrix.model
    ]
    assert viewsets, f"no API resource of {matrix.model.__name__}"
    for viewset in viewsets:
        posted = {
            extra.__name__
            for extra in viewset.get_extra_actions()
            if {"post", "put", "patch", "delete"} & set(extra.mapping)
        }
        tried = set(matrix.actions) | matrix.other_actions
        assert posted <= tried, f"{matrix.__name__} does not try {sorted(posted - tried)}"
