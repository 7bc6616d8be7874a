"""The one mapping from domain errors to HTTP, and the shared write helpers."""

from __future__ import annotations

import pytest
from django.core.exceptions import NON_FIELD_ERRORS, ValidationError
from django.db import IntegrityError
from rest_framework.exceptions import NotFound

from apps.core.api import exception_handler
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError, TransitionError
from apps.core.services import model_create, model_delete, model_update
from apps.functions.models import Function
from tests.factories import ContractFactory, FunctionFactory, UserFactory, VendorFactory


@pytest.mark.parametrize(
    ("exc", "status", "body"),
    [
        (ValidationError({"name": ["Required."]}), 400, {"name": ["Required."]}),
        (ValidationError("Bad dates.", code="invalid"), 400, {"non_field_errors": ["Bad dates."]}),
        (
            ValidationError({NON_FIELD_ERRORS: [ValidationError("Dup.", code="unique")]}),
            409,
            {"non_field_errors": ["Dup."]},
        ),
        (ValidationError({"name": [ValidationError("Taken.", code="unique")], "x": ["Bad."]}), 400, None),
        (ApplicationError("Nope.", field="status"), 400, {"status": ["Nope."]}),
        (TransitionError("Cannot go there."), 409, {"detail": ["Cannot go there."]}),
        (ConflictError("Dup."), 409, {"detail": ["Dup."]}),
        (PermissionDeniedError("Not yours."), 403, {"detail": ["Not yours."]}),
        (IntegrityError("duplicate key"), 409, None),
        (NotFound(), 404, None),
    ],
)
def test_exception_handler_maps_each_error(exc: Exception, status: int, body: dict | None) -> None:
    response = exception_handler(exc, {})
    assert response is not None
    assert response.status_code == status
    if body is not None:
        assert response.data == body


@pytest.mark.django_db
def test_model_create_validates_and_audits() -> None:
    actor = UserFactory()
    function = model_create(
        Function,
        actor=actor,
        data={
            "name": "Payroll",
            "category": "payroll_hr",
            "strategic": 1,
            "sensitive": 2,
            "repeatable": 5,
            "scarce": 2,
        },
        action="test_create",
    )
    event = function.events.get()
    assert event.pgh_label == "insert"
    assert event.pgh_context.metadata["user"] == actor.pk
    assert event.pgh_context.metadata["action"] == "test_create"


@pytest.mark.django_db
def test_model_create_refuses_invalid_input_and_writes_nothing() -> None:
    with pytest.raises(ValidationError) as caught:
        model_create(
            Function,
            actor=None,
            data={"name": "X", "category": "nonsense", "strategic": 9, "sensitive": 2, "repeatable": 5, "scarce": 2},
            action="test_create",
        )
    assert {"category", "strategic"} <= set(caught.value.message_dict)
    assert Function.objects.count() == 0


@pytest.mark.django_db
def test_model_update_duplicate_is_a_uniqueness_error() -> None:
    FunctionFactory(name="Payroll")
    other = FunctionFactory(name="Billing")
    with pytest.raises(ValidationError) as caught:
        model_update(other, actor=None, data={"name": "PAYROLL"}, action="test_update")
    assert [e.code for e in caught.value.error_dict[NON_FIELD_ERRORS]] == ["unique"]
    other.refresh_from_db()
    assert other.name == "Billing"


@pytest.mark.django_db
def test_model_delete_of_a_referenced_record_is_a_conflict() -> None:
    vendor = VendorFactory()
    ContractFactory(vendor=vendor)
    with pytest.raises(ConflictError, match="still referenced by contracts"):
        model_delete(vendor, actor=None, action="test_delete")
    assert type(vendor).objects.filter(pk=vendor.pk).exists()


def test_the_suite_runs_under_test_settings() -> None:
    from django.conf import settings

    assert settings.SETTINGS_MODULE == "config.settings.test"
    assert settings.PASSWORD_HASHERS == ["django.contrib.auth.hashers.MD5PasswordHasher"]
