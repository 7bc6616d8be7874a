"""Saved views of lists: the services (save or replace by name, delete by owner or administrator), who
sees which view (private: its owner; shared: everyone of that role), the "Views" menu of a list page and
its plain-HTML forms, and the menu's query budget."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from apps.accounts.choices import Role
from apps.accounts.models import SAVED_VIEW_QUERY_MAX_LENGTH, SavedView
from apps.accounts.selectors import saved_view_list
from apps.accounts.services import saved_view_delete, saved_view_query, saved_view_save
from apps.core.errors import ApplicationError, PermissionDeniedError
from tests import factories

pytestmark = pytest.mark.django_db

CONTRACTS = "contracts:contract-list"


def _save(owner: Any, name: str = "Acme contracts", query: str = "vendor=1", **kwargs: Any) -> SavedView:
    view, _ = saved_view_save(owner=owner, list_key=kwargs.pop("list_key", CONTRACTS), name=name, query=query, **kwargs)
    return view


# -- services --------------------------------------------------------------------------------------------------
def test_save_keeps_the_filters_and_sort_but_not_the_page_or_an_export() -> None:
    owner = factories.UserFactory(role=Role.PROCUREMENT)
    view, created = saved_view_save(
        owner=owner,
        list_key=CONTRACTS,
        name="  Renewing   soon ",
        query="?status=active&status=draft&page=3&export=csv&sort=-cancel_by&q=",
    )
    assert created
    assert view.name == "Renewing soon"
    assert view.query == "status=active&status=draft&sort=-cancel_by"
    assert view.shared_with_role == ""


def test_saving_under_a_name_in_use_replaces_that_view_whatever_its_case() -> None:
    owner = factories.UserFactory(role=Role.PROCUREMENT)
    first = _save(owner, "Acme", "vendor=1")
    again, created = saved_view_save(
        owner=owner, list_key=CONTRACTS, name="ACME", query="vendor=2", shared_with_role=Role.EXECUTIVE
    )
    assert not created
    assert again.pk == first.pk
    assert (again.name, again.query, again.shared_with_role) == ("ACME", "vendor=2", Role.EXECUTIVE)
    assert SavedView.objects.count() == 1
    # The same name on another list, or of another person, is another view.
    _save(owner, "Acme", list_key="performance:breach-list")
    _save(factories.UserFactory(), "Acme")
    assert SavedView.objects.count() == 3


@pytest.mark.parametrize(
    ("fields", "field", "message"),
    [
        ({"name": "   "}, "name", "Give the view a name."),
        ({"shared_with_role": "everyone"}, "shared_with_role", "Share with one of"),
        ({"list_key": "https://evil.example/"}, "list_key", "cannot have saved views"),
        ({"list_key": ""}, "list_key", "cannot have saved views"),
        ({"query": "q=" + "x" * SAVED_VIEW_QUERY_MAX_LENGTH}, "query", "too long"),
    ],
)
def test_save_refuses_bad_input_on_the_field(fields: dict[str, str], field: str, message: str) -> None:
    owner = factories.UserFactory()
    arguments = {"owner": owner, "list_key": CONTRACTS, "name": "A view", "query": "", **fields}
    with pytest.raises(ApplicationError) as refused:
        saved_view_save(**arguments)
    assert refused.value.field == field
    assert message in refused.value.message
    assert not SavedView.objects.exists()


def test_a_name_too_long_is_refused_by_the_model() -> None:
    with pytest.raises(ValidationError) as refused:
        _save(factories.UserFactory(), "x" * 81)
    assert "name" in refused.value.message_dict
    assert not SavedView.objects.exists()


def test_query_normalisation_drops_empty_values_and_keeps_repeated_ones() -> None:
    assert saved_view_query("") == ""
    assert saved_view_query("?page=2") == ""
    assert saved_view_query("a=1&a=2&b=&c=%C3%A9") == "a=1&a=2&c=%C3%A9"


def test_its_owner_or_an_administrator_deletes_a_view_nobody_else() -> None:
    owner = factories.UserFactory(role=Role.PROCUREMENT)
    colleague = factories.UserFactory(role=Role.PROCUREMENT)
    admin = factories.UserFactory(role=Role.ADMIN)
    mine = _save(owner, "Mine", shared_with_role=Role.PROCUREMENT)
    with pytest.raises(PermissionDeniedError):
        saved_view_delete(view=mine, actor=colleague)
    saved_view_delete(view=mine, actor=owner)
    shared = _save(owner, "Shared", shared_with_role=Role.PROCUREMENT)
    saved_view_delete(view=shared, actor=admin)
    assert not SavedView.objects.exists()


# -- who sees which view -------------------------------------------------------------------------------------------
def test_private_views_are_their_owners_and_shared_ones_their_roles() -> None:
    owner = factories.UserFactory(role=Role.PROCUREMENT)
    colleague = factories.UserFactory(role=Role.PROCUREMENT)
    executive = factories.UserFactory(role=Role.EXECUTIVE)
    private = _save(owner, "Private")
    for_procurement = _save(owner, "For procurement", shared_with_role=Role.PROCUREMENT)
    for_executives = _save(owner, "For executives", shared_with_role=Role.EXECUTIVE)
    _save(owner, "Another list", list_key="performance:breach-list")

    def names(user: Any) -> set[str]:
        return {view.name for view in saved_view_list(user=user, list_key=CONTRACTS)}

    assert names(owner) == {private.name, for_procurement.name, for_executives.name}
    assert names(colleague) == {for_procurement.name}
    assert names(executive) == {for_executives.name}
    assert names(factories.UserFactory()) == set()


# -- the menu and its forms ------------------------------------------------------------------------------------------
@pytest.fixture
def procurement(user_with_role: Callable[[str], Any]) -> Any:
    return user_with_role(Role.PROCUREMENT)


@pytest.fixture
def client(procurement: Any) -> Client:
    client = Client()
    client.force_login(procurement)
    return client


def test_a_list_page_has_the_views_menu_with_a_save_form_of_the_current_filters(client: Client) -> None:
    response = client.get(reverse(CONTRACTS), {"status": "active", "sort": "title", "page": "1"})
    body = response.content.decode()
    assert response.status_code == 200
    assert "data-saved-views" in body
    assert "No saved views of this list yet." in body
    assert f'name="list_key" value="{CONTRACTS}"' in body
    assert 'name="query" value="status=active&amp;sort=title"' in body
    assert f'action="{reverse("saved-view-save")}"' in body


def test_saving_from_the_menu_goes_to_the_saved_view_and_lists_it(client: Client, procurement: Any) -> None:
    vendor = factories.VendorFactory(name="Acme")
    response = client.post(
        reverse("saved-view-save"),
        {
            "name": "Acme contracts",
            "shared_with_role": "",
            "list_key": CONTRACTS,
            "query": f"vendor={vendor.pk}&sort=title",
            "next": reverse(CONTRACTS),
        },
    )
    assert response.status_code == 302
    assert response["Location"] == f"{reverse(CONTRACTS)}?vendor={vendor.pk}&sort=title"
    view = SavedView.objects.get()
    assert (view.owner, view.list_key) == (procurement, CONTRACTS)

    page = client.get(response["Location"]).content.decode()
    assert "Saved the view “Acme contracts”." in page
    assert f'href="{reverse(CONTRACTS)}?vendor={vendor.pk}&amp;sort=title" aria-current="true"' in page
    assert "Views · Acme contracts" in page
    assert f'action="{reverse("saved-view-delete", args=[view.pk])}"' in page
    # Another list does not show it.
    assert "Acme contracts" not in client.get(reverse("performance:breach-list")).content.decode()


def test_a_shared_view_shows_its_owner_and_no_delete_to_others(client: Client) -> None:
    colleague = factories.UserFactory(first_name="Pat", last_name="Buyer", role=Role.PROCUREMENT)
    view = _save(colleague, "Team view", "status=active", shared_with_role=Role.PROCUREMENT)
    page = client.get(reverse(CONTRACTS)).content.decode()
    assert "Team view" in page
    assert "by Pat Buyer" in page
    assert reverse("saved-view-delete", args=[view.pk]) not in page


def test_a_refused_save_shows_the_form_with_its_errors(client: Client) -> None:
    response = client.post(
        reverse("saved-view-save"),
        {"name": "", "shared_with_role": "nobody", "list_key": CONTRACTS, "query": "", "next": reverse(CONTRACTS)},
    )
    assert response.status_code == 400
    body = response.content.decode()
    assert "This field is required." in body
    assert "Select a valid choice." in body
    assert f'name="next" value="{reverse(CONTRACTS)}"' in body
    assert not SavedView.objects.exists()


def test_a_save_refused_by_the_service_lands_on_the_form(client: Client) -> None:
    response = client.post(
        reverse("saved-view-save"),
        {"name": "x", "list_key": "not a list", "query": "", "next": reverse(CONTRACTS)},
    )
    assert response.status_code == 400
    assert "This page cannot have saved views." in response.content.decode()


def test_save_never_redirects_off_site(client: Client) -> None:
    response = client.post(
        reverse("saved-view-save"),
        {"name": "x", "list_key": CONTRACTS, "query": "status=active", "next": "https://evil.example/"},
    )
    assert response["Location"] == "/?status=active"


def test_delete_from_the_menu_returns_to_the_list(client: Client, procurement: Any) -> None:
    view = _save(procurement, "Mine", "status=active")
    here = f"{reverse(CONTRACTS)}?status=active"
    response = client.post(reverse("saved-view-delete", args=[view.pk]), {"next": here})
    assert response.status_code == 302
    assert response["Location"] == here
    assert not SavedView.objects.exists()


def test_another_persons_view_cannot_be_deleted_even_when_shared(client: Client) -> None:
    other = factories.UserFactory(role=Role.PROCUREMENT)
    view = _save(other, "Theirs", shared_with_role=Role.PROCUREMENT)
    assert client.post(reverse("saved-view-delete", args=[view.pk])).status_code == 404
    assert client.get(reverse("saved-view-delete", args=[view.pk])).status_code == 405
    assert SavedView.objects.filter(pk=view.pk).exists()


def test_an_administrator_may_delete_a_view_shared_with_them(user_with_role: Callable[[str], Any]) -> None:
    owner = factories.UserFactory(role=Role.PROCUREMENT)
    view = _save(owner, "Shared", shared_with_role=Role.ADMIN)
    client = Client()
    client.force_login(user_with_role(Role.ADMIN))
    assert reverse("saved-view-delete", args=[view.pk]) in client.get(reverse(CONTRACTS)).content.decode()
    assert client.post(reverse("saved-view-delete", args=[view.pk])).status_code == 302
    assert not SavedView.objects.exists()


def test_the_save_page_works_without_the_menu(client: Client) -> None:
    response = client.get(
        reverse("saved-view-save"), {"list_key": CONTRACTS, "query": "status=active", "next": "/contracts/"}
    )
    assert response.status_code == 200
    assert 'name="query" value="status=active"' in response.content.decode()


def test_signed_out_people_are_sent_to_sign_in() -> None:
    response = Client().post(reverse("saved-view-save"), {"name": "x"})
    assert response.status_code == 302
    assert "/accounts/login/" in response["Location"]


def test_the_menu_costs_the_same_queries_however_many_views(client: Client, procurement: Any) -> None:
    url = reverse(CONTRACTS)
    _save(procurement, "One")
    _save(factories.UserFactory(role=Role.PROCUREMENT), "Shared one", shared_with_role=Role.PROCUREMENT)
    client.get(url)  # warm the per-process caches (content types, the session)
    with CaptureQueriesContext(connection) as few:
        assert client.get(url).status_code == 200
    for number in range(10):
        _save(procurement, f"Mine {number}")
        _save(factories.UserFactory(role=Role.PROCUREMENT), f"Theirs {number}", shared_with_role=Role.PROCUREMENT)
    with CaptureQueriesContext(connection) as many:
        assert client.get(url).status_code == 200
    assert len(many) == len(few)
