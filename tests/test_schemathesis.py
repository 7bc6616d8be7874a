"""The API keeps its own contract: schemathesis generates requests for every operation of the app's
OpenAPI document, sends each one to the app in-process (WSGI, no network) with the token of a user of
every role, and checks every answer: never a server error, a status code the operation documents, the
documented content type, and a body that matches the documented schema.

The document is generated at import by the app's own generator (the one behind ``/api/schema/``, which
needs a signed-in user and so a database); ``test_the_fuzzed_document_is_the_served_one`` checks that
the app serves exactly this document over WSGI.

Bounded and reproducible: a fixed seed, deterministic generation, a few cases per operation (the
fuzzing phase, valid and invalid input; the coverage phase's hundreds of boundary cases per operation
would not fit CI's budget), no shrinking and no example database. The world (a few rows of every
resource, one vendor's owned by the engineering manager) is made once for the module inside a
transaction that is rolled back at its end; path ids name its rows, now and then an unknown one (the
404 is part of the contract). Every request runs in a savepoint rolled back after it, so each role
answers the same request against the same rows and no write outlives it.

``make test`` runs it (marked ``slow``, so the second CI pass over real servers skips it);
``-m schemathesis`` runs it alone.
"""

from __future__ import annotations

import datetime as dt
import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from decimal import Decimal
from typing import Any, TypeGuard

import pytest
import schemathesis
from django.contrib.contenttypes.models import ContentType
from django.core.signals import request_finished, request_started
from django.db import close_old_connections, transaction
from drf_spectacular.generators import SchemaGenerator
from drf_spectacular.renderers import OpenApiJsonRenderer
from hypothesis import HealthCheck, settings

from apps.accounts.choices import Role
from apps.accounts.models import User
from apps.accounts.services import api_token_issue
from apps.contracts.choices import ClauseKind, ExitItemKind
from apps.core.models import FxRate, PolicyException
from apps.kpis.models import KpiDefinition
from config.api import router
from config.wsgi import application
from tests import factories
from tests.notifications.factories import NotificationFactory

pytestmark = [pytest.mark.schemathesis, pytest.mark.slow]

ROLES: tuple[str, ...] = tuple(Role.values)
SCHEMA_URL = "/api/schema/?format=json"

# Four fuzzing cases an operation (valid and invalid input), each sent by every role, keep the run to
# minutes on a small machine; deterministic generation sends the same requests every run, so a failure
# reproduces, and it is reported as found (no shrinking: a failing run stays within CI's budget).
CONFIG: dict[str, Any] = {
    "seed": 13,
    "generation": {
        "max-examples": 4,
        "deterministic": True,
        "no-shrink": True,
        "database": "none",
        # The token is the test's; generated Authorization headers would only test the 401.
        "with-security-parameters": False,
    },
    "phases": {"coverage": {"enabled": False}, "stateful": {"enabled": False}},
    "checks": {
        "enabled": False,
        "not_a_server_error": {"enabled": True},
        "status_code_conformance": {"enabled": True},
        "content_type_conformance": {"enabled": True},
        "response_schema_conformance": {"enabled": True},
    },
}


def the_document() -> dict[str, Any]:
    """The OpenAPI document, as ``/api/schema/`` serves it (the same generator, rendered as JSON)."""
    generated = SchemaGenerator().get_schema(request=None, public=True)
    return json.loads(OpenApiJsonRenderer().render(generated))


schema = schemathesis.openapi.from_dict(the_document(), config=schemathesis.Config.from_dict(CONFIG))

# Now and then a path id is left as generated (almost surely no such row): the 404 is part of the contract.
UNKNOWN_ID_EVERY = 8
DETAIL_PATH = re.compile(r"^/api/v1/(?P<prefix>[^/]+)/\{id\}/")
RESOURCE_PATH = re.compile(r"^/api/v1/(?P<prefix>[^/]+)/(\{id\}/)?$")  # the list and the detail
WRITES = frozenset({"POST", "PUT", "PATCH"})
VIEWSETS = {prefix: viewset for prefix, viewset, _basename in router.registry}


@dataclass(frozen=True)
class World:
    users: dict[str, User]
    headers: dict[str, dict[str, str]]  # role → the Authorization header of its user's token


def seed_world(manager: User) -> None:
    """A few rows of every resource: one vendor's records owned by ``manager``, one vendor's not."""
    kpi = KpiDefinition.objects.order_by("pk").first() or factories.KpiDefinitionFactory()
    function = factories.FunctionFactory()
    factories.SourcingDecisionFactory(function=function)
    for owner in (manager, None):
        owners = {"engineering_owner": owner, "delivery_owner": owner} if owner else {}
        vendor = factories.VendorFactory(**owners)
        factories.VettingAssessmentFactory(vendor=vendor)
        factories.CertificationFactory(vendor=vendor)
        factories.VendorRiskFactory(vendor=vendor)
        factories.AccessGrantFactory(vendor=vendor)
        factories.ActionItemFactory(review=factories.ServiceReviewFactory(vendor=vendor))
        contract = factories.ContractFactory(vendor=vendor)
        contract.functions.add(function)
        factories.ContractClauseFactory(contract=contract, kind=ClauseKind.values[0])
        factories.ExitPlanItemFactory(contract=contract, kind=ExitItemKind.values[0])
        factories.ReadyContractFactory(vendor=vendor)  # a draft that may be activated
        term = factories.SlaTermFactory(contract=contract, kpi=kpi)
        factories.BreachFactory(evaluation=factories.SlaEvaluationFactory(term=term))
        factories.MeasurementFactory(contract=contract, kpi=kpi)
        factories.SourceBindingFactory(contract=contract)
        factories.VendorIdentityRuleFactory(vendor=vendor)
    factories.PerformanceBandFactory(kpi=kpi)
    FxRate.objects.create(currency="USD", valid_on=dt.date(2026, 1, 1), rate=Decimal("0.92"))
    PolicyException.objects.create(
        content_type=ContentType.objects.get_for_model(function),
        object_id=function.pk,
        kind="decision_against_recommendation",
        summary=f"{function}: outsourced against the recommendation",
        justification="Accepted for the transition.",
        review_on=dt.date(2027, 1, 1),
    )


@pytest.fixture(scope="module")
def world(django_db_setup: None, django_db_blocker: Any) -> Iterator[World]:
    """Made once for the module in a transaction of its own, rolled back at the end (as Django's
    ``TestCase.setUpTestData``): each test's ``db`` transaction is a savepoint inside it."""
    with django_db_blocker.unblock():
        outer = transaction.atomic()
        outer.__enter__()
        users = {role: factories.UserFactory(username=f"schemathesis_{role}", role=role) for role in ROLES}
        seed_world(manager=users[Role.ENGINEERING_MANAGER])
        headers = {}
        for role, user in users.items():
            NotificationFactory(recipient=user)
            NotificationFactory(recipient=user, read_at=dt.datetime(2026, 11, 1, tzinfo=dt.UTC))
            key = api_token_issue(user=user, name="schemathesis", scopes=["admin"], expires_in_days=None).key
            headers[role] = {"Authorization": f"Token {key}"}
    yield World(users=users, headers=headers)
    with django_db_blocker.unblock():
        transaction.set_rollback(True)
        outer.__exit__(None, None, None)


@pytest.fixture(scope="module")
def keep_the_test_connection() -> Iterator[None]:
    """The WSGI handler closes the database connection at the start and end of every request, which would
    end the test's transaction; Django's own test client suspends that for its requests, and so do we."""
    for signal in (request_started, request_finished):
        signal.disconnect(close_old_connections)
    yield
    for signal in (request_started, request_finished):
        signal.connect(close_old_connections)


def existing_id(case: schemathesis.Case, user: User) -> None:
    """An integer path id names a row of the operation's resource that ``user`` sees, except now and then."""
    match = DETAIL_PATH.match(case.operation.path)
    generated = (case.path_parameters or {}).get("id")
    if match is None or not is_id(generated) or generated % UNKNOWN_ID_EVERY == UNKNOWN_ID_EVERY - 1:
        return
    rows = VIEWSETS[match["prefix"]].selector(user=user)
    ids = sorted(rows.values_list("pk", flat=True))
    if ids:
        case.path_parameters = {**(case.path_parameters or {}), "id": ids[generated % len(ids)]}


def is_id(value: object) -> TypeGuard[int]:
    return isinstance(value, int) and not isinstance(value, bool)


def existing_references(case: schemathesis.Case) -> None:
    """Integer references in a create or update body name existing rows (the viewset serializer's related
    fields, each with its own queryset), so writes get past "no such vendor" to the rules behind it."""
    match = RESOURCE_PATH.match(case.operation.path)
    if match is None or not isinstance(case.body, dict) or case.operation.method.upper() not in WRITES:
        return
    body = dict(case.body)
    for name, field in VIEWSETS[match["prefix"]].serializer_class().fields.items():
        related = getattr(field, "child_relation", field)
        queryset = getattr(related, "queryset", None)
        if queryset is None or field.read_only or name not in body:
            continue
        ids = sorted(queryset.values_list("pk", flat=True))
        value: Any = body[name]
        if ids and is_id(value):
            body[name] = ids[value % len(ids)]
        elif ids and isinstance(value, list) and all(is_id(v) for v in value):
            body[name] = [ids[v % len(ids)] for v in value]
    case.body = body


@schema.parametrize()
@settings(deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow])
def test_the_api_keeps_its_contract(
    case: schemathesis.Case, world: World, db: None, keep_the_test_connection: None
) -> None:
    existing_references(case)
    for role in ROLES:
        user = world.users[role]
        existing_id(case, user)
        with transaction.atomic():
            try:
                case.call_and_validate(app=application, headers=world.headers[role])
            except Exception as exc:
                exc.add_note(f"Sent with the token of {user.username} (role {role}).")
                raise
            finally:
                transaction.set_rollback(True)  # this request's writes (and a failed statement) end here


def test_the_fuzzed_document_is_the_served_one(world: World, db: None, keep_the_test_connection: None) -> None:
    served = schemathesis.openapi.from_wsgi(SCHEMA_URL, application, headers=world.headers[Role.EXECUTIVE])
    assert served.raw_schema == schema.raw_schema
