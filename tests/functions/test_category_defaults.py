"""A function's category sets the profile flags it does not state (developer experience & CI/CD is
velocity-critical unless said otherwise), the same way through the model, the API, the pages and the
admin; and the recommendation rule, also as SQL, still reproduces the outsourcing matrix."""

from __future__ import annotations

import itertools
from collections.abc import Callable

import pytest
from django.test import Client
from django.urls import reverse
from rest_framework.test import APIClient

from apps.functions.choices import CATEGORY_DEFAULTS, FunctionCategory, category_defaults
from apps.functions.models import Function
from apps.functions.selectors import function_list
from apps.functions.services import function_create, function_recommendation, function_update
from tests.factories import FunctionFactory, UserFactory
from tests.functions.test_recommendation import DESIGN_MATRIX

pytestmark = pytest.mark.django_db
URL = "/api/v1/functions/"
SCORES = {"strategic": 3, "sensitive": 3, "repeatable": 4, "scarce": 2}  # the matrix's CI/CD platform


def test_the_defaults_are_data_next_to_the_categories() -> None:
    assert set(CATEGORY_DEFAULTS) <= set(FunctionCategory.values)
    assert category_defaults(FunctionCategory.DEVEX_CICD) == {"velocity_critical": True}
    assert category_defaults(FunctionCategory.PAYROLL_HR) == {"velocity_critical": False}


def test_a_ci_cd_function_created_through_the_api_with_only_its_category_stays_in_house(
    api_client_for: Callable[[str], APIClient],
) -> None:
    payload = {"name": "CI/CD platform", "category": "devex_cicd", **SCORES}
    response = api_client_for("executive").post(URL, payload, format="json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert (body["velocity_critical"], body["recommendation"]) == (True, "keep_in_house")
    assert Function.objects.get().velocity_critical is True


def test_an_explicit_false_is_kept(api_client_for: Callable[[str], APIClient]) -> None:
    payload = {"name": "Build farm", "category": "devex_cicd", "velocity_critical": False, **SCORES}
    body = api_client_for("executive").post(URL, payload, format="json").json()
    assert (body["velocity_critical"], body["recommendation"]) == (False, "hybrid")
    function = Function.objects.get()
    function_update(instance=function, actor=None, data={"description": "Edited"})
    function.refresh_from_db()
    assert function.velocity_critical is False  # an edit of something else keeps what was said


def test_null_over_the_api_means_the_category_default_again(api_client_for: Callable[[str], APIClient]) -> None:
    function = FunctionFactory(category="devex_cicd", velocity_critical=False, **SCORES)
    client = api_client_for("executive")
    response = client.patch(f"{URL}{function.pk}/", {"velocity_critical": None}, format="json")
    assert response.status_code == 200, response.content
    assert (response.json()["velocity_critical"], response.json()["recommendation"]) == (True, "keep_in_house")
    other = client.patch(
        f"{URL}{function.pk}/", {"category": "internal_tools", "velocity_critical": None}, format="json"
    )
    assert other.json()["velocity_critical"] is False


@pytest.mark.parametrize(("category", "expected"), [("devex_cicd", True), ("internal_tools", False)])
def test_the_model_save_path_applies_the_default(category: str, expected: bool) -> None:
    created = function_create(actor=None, data={"name": "Service", "category": category, **SCORES})
    assert created.velocity_critical is expected
    saved = Function(name="Saved directly", category=category, **SCORES)
    saved.save()  # without full_clean, as fixtures and imports may
    assert Function.objects.get(pk=saved.pk).velocity_critical is expected
    assert FunctionFactory(category=category).velocity_critical is expected


def test_a_stored_row_always_says_yes_or_no() -> None:
    function = FunctionFactory(category="devex_cicd")
    assert Function.objects.filter(pk=function.pk, velocity_critical__isnull=True).count() == 0
    assert function_list().get(pk=function.pk).recommended == "keep_in_house"


@pytest.fixture
def executive_browser() -> Client:
    client = Client()
    client.force_login(UserFactory(role="executive"))
    return client


@pytest.mark.parametrize(("choice", "expected"), [("unknown", True), ("true", True), ("false", False)])
def test_the_form_offers_the_category_default(executive_browser: Client, choice: str, expected: bool) -> None:
    page = executive_browser.get(reverse("functions:function-create")).content.decode()
    assert "As the category implies" in page
    data = {"name": "CI/CD platform", "category": "devex_cicd", "velocity_critical": choice, **SCORES}
    response = executive_browser.post(reverse("functions:function-create"), data)
    assert response.status_code == 302, response.content
    assert Function.objects.get().velocity_critical is expected


def test_the_admin_offers_the_category_default() -> None:
    client = Client()
    client.force_login(UserFactory(username="root", is_superuser=True, is_staff=True))
    data = {"name": "CI/CD platform", "category": "devex_cicd", "velocity_critical": "unknown", **SCORES}
    response = client.post(reverse("admin:functions_function_add"), {**data, **_empty_inline()})
    assert response.status_code == 302, response.content
    assert Function.objects.get().velocity_critical is True


def _empty_inline() -> dict[str, str]:
    prefix = "decisions"
    return {f"{prefix}-TOTAL_FORMS": "0", f"{prefix}-INITIAL_FORMS": "0"}


# The matrix's rows as they would be entered: a category and four scores, no flag.
MATRIX_CATEGORIES = {
    "core application architecture": FunctionCategory.CORE_ARCHITECTURE,
    "CI/CD platform": FunctionCategory.DEVEX_CICD,
    "customer-insight loop": FunctionCategory.PRODUCT_DISCOVERY,
    "ML models & data infrastructure": FunctionCategory.DATA_ML,
    "payroll systems": FunctionCategory.PAYROLL_HR,
    "pen testing": FunctionCategory.SECURITY_AUDITS,
    "one-off migrations": FunctionCategory.MIGRATIONS,
    "L1 support systems": FunctionCategory.L1_SUPPORT,
}


@pytest.mark.parametrize(("label", "profile", "expected"), DESIGN_MATRIX, ids=[row[0] for row in DESIGN_MATRIX])
def test_the_outsourcing_matrix_from_categories_alone(label: str, profile: object, expected: str) -> None:
    scores = {name: getattr(profile, name) for name in ("strategic", "sensitive", "repeatable", "scarce")}
    function = function_create(actor=None, data={"name": label, "category": MATRIX_CATEGORIES[label], **scores})
    assert function.recommendation == expected
    assert function_list().get(pk=function.pk).recommended == expected


def test_the_sql_recommendation_is_the_python_rule_for_every_profile() -> None:
    profiles = list(itertools.product(range(1, 6), range(1, 6), range(1, 6), range(1, 6), (False, True)))
    Function.objects.bulk_create(
        Function(
            name=f"p{i}",
            category="other",
            strategic=st,
            sensitive=se,
            repeatable=re,
            scarce=sc,
            velocity_critical=vc,
        )
        for i, (st, se, re, sc, vc) in enumerate(profiles)
    )
    got = dict(function_list().values_list("name", "recommended"))
    for i, (st, se, re, sc, vc) in enumerate(profiles):
        expected = function_recommendation(strategic=st, sensitive=se, repeatable=re, scarce=sc, velocity_critical=vc)
        assert got[f"p{i}"] == expected, (st, se, re, sc, vc)
