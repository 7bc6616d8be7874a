"""The vendor's engineers (the team roster): the services, who manages the roster, the Team tab and the
engineer forms, and the access grant's engineer."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from apps.accounts.choices import Role
from apps.core.errors import ApplicationError, ConflictError, PermissionDeniedError
from apps.vendors import services
from apps.vendors.models import AccessGrant, Engineer
from apps.vendors.roster_access import may_manage_roster, require_roster_manager, roster_vendors_q
from tests.factories import AccessGrantFactory, EngineerFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db


def engineer_data(vendor: Any, **extra: Any) -> dict[str, Any]:
    return {
        "vendor": vendor,
        "name": "Anna Nowak",
        "email": "anna.nowak@acme.example",
        "git_handle": "anowak",
        "tracker_handle": "anna.nowak",
        "role": "Tech lead",
        "seniority": "senior",
        "location": "Kraków",
        **extra,
    }


# -- services ----------------------------------------------------------------------------------------------
def test_create_and_update_go_through_full_clean_and_the_audit_trail(user_with_role: Callable[[str], Any]) -> None:
    buyer = user_with_role(Role.PROCUREMENT)
    vendor = VendorFactory()
    engineer = services.engineer_create(actor=buyer, data=engineer_data(vendor))
    assert (engineer.vendor, engineer.seniority, engineer.anonymised_on) == (vendor, "senior", None)
    services.engineer_update(instance=engineer, actor=buyer, data={"seniority": "principal", "name": "Anna N."})
    engineer.refresh_from_db()
    assert (engineer.name, engineer.seniority) == ("Anna N.", "principal")
    actions = [event.pgh_context.metadata["action"] for event in engineer.events.order_by("pgh_id")]
    assert actions == ["engineer_create", "engineer_update"]
    with pytest.raises(ValidationError) as refused:
        services.engineer_update(instance=engineer, actor=buyer, data={"overlap_hours": 25, "seniority": "guru"})
    assert {"overlap_hours", "seniority"} <= set(refused.value.message_dict)


def test_email_and_git_handle_are_unique_per_vendor_in_any_case(user_with_role: Callable[[str], Any]) -> None:
    buyer = user_with_role(Role.PROCUREMENT)
    vendor = VendorFactory()
    services.engineer_create(actor=buyer, data=engineer_data(vendor))
    with pytest.raises(ValidationError, match="already has an engineer with this work e-mail"):
        services.engineer_create(
            actor=buyer, data=engineer_data(vendor, email="ANNA.NOWAK@acme.example", git_handle="other")
        )
    with pytest.raises(ValidationError, match="already has an engineer with this Git handle"):
        services.engineer_create(actor=buyer, data=engineer_data(vendor, email="", git_handle="ANowak"))
    # Another vendor may employ someone with the same e-mail and handle (a subcontractor).
    services.engineer_create(actor=buyer, data=engineer_data(VendorFactory()))


def test_an_engineer_stays_with_their_vendor(user_with_role: Callable[[str], Any]) -> None:
    engineer = EngineerFactory()
    with pytest.raises(ApplicationError, match="stays on their vendor's roster") as refused:
        services.engineer_update(
            instance=engineer, actor=user_with_role(Role.PROCUREMENT), data={"vendor": VendorFactory()}
        )
    assert refused.value.field == "vendor"


def test_anonymise_clears_what_identifies_the_engineer_once(user_with_role: Callable[[str], Any]) -> None:
    engineer = EngineerFactory(location="Gdańsk", tracker_handle="jk", role="QA", seniority="mid")
    before = engineer.events.count()
    first = services.engineer_anonymise(engineer=engineer)
    assert first.name == f"Former engineer #{engineer.pk}"
    assert (first.email, first.git_handle, first.tracker_handle, first.location) == ("", "", "", "")
    assert first.anonymised_on == timezone.localdate()
    assert (first.role, first.seniority) == ("QA", "mid")  # the roster's arithmetic keeps them
    assert engineer.events.count() == before + 1
    # The audit trail's copies are cleared too; who changed what, and when, stays.
    assert not engineer.events.exclude(name=first.name).exists()
    assert not engineer.events.exclude(email="").exists()
    assert engineer.events.order_by("pgh_id").first().pgh_label == "insert"

    second = services.engineer_anonymise(engineer=Engineer.objects.get(pk=engineer.pk))
    assert (second.name, second.anonymised_on, second.updated_at) == (first.name, first.anonymised_on, first.updated_at)
    assert engineer.events.count() == before + 1  # nothing written


def test_an_anonymised_engineer_cannot_be_edited(user_with_role: Callable[[str], Any]) -> None:
    engineer = services.engineer_anonymise(engineer=EngineerFactory())
    with pytest.raises(ApplicationError, match="an anonymised engineer cannot be edited"):
        services.engineer_update(instance=engineer, actor=user_with_role(Role.ADMIN), data={"role": "Lead"})
    engineer.refresh_from_db()
    assert engineer.role == "Backend engineer"


def test_engineers_are_never_deleted() -> None:
    engineer = EngineerFactory()
    AccessGrantFactory(vendor=engineer.vendor, engineer=engineer)
    assert not hasattr(services, "engineer_delete")
    with pytest.raises(ConflictError):
        services.model_delete(engineer, actor=None, action="test")  # PROTECT: the grant keeps them


# -- who manages the roster --------------------------------------------------------------------------------
ROSTER_MANAGERS = {Role.PROCUREMENT, Role.ADMIN}


@pytest.mark.parametrize("role", [str(role) for role in Role])
def test_procurement_and_admins_manage_every_roster_nobody_else_by_role(
    role: str, user_with_role: Callable[[str], Any]
) -> None:
    user, vendor = user_with_role(role), VendorFactory()
    allowed = role in ROSTER_MANAGERS
    assert may_manage_roster(user, vendor) is allowed
    if allowed:
        services.engineer_create(actor=user, data=engineer_data(vendor))
    else:
        with pytest.raises(PermissionDeniedError, match="delivery owner of"):
            services.engineer_create(actor=user, data=engineer_data(vendor))


@pytest.mark.parametrize("role", [Role.ENGINEERING_MANAGER, Role.EXECUTIVE, Role.SECURITY, None])
def test_the_delivery_owner_manages_their_vendors_roster_whatever_their_role(role: Any) -> None:
    owner = UserFactory(username=f"delivery-{role}", role=role)
    vendor, other = VendorFactory(delivery_owner=owner), VendorFactory()
    assert may_manage_roster(owner, vendor) and not may_manage_roster(owner, other)
    engineer = services.engineer_create(actor=owner, data=engineer_data(vendor))
    services.engineer_update(instance=engineer, actor=owner, data={"role": "Staff engineer"})
    with pytest.raises(PermissionDeniedError):
        services.engineer_create(actor=owner, data=engineer_data(other))
    assert set(type(vendor).objects.filter(roster_vendors_q(owner))) == {vendor}


def test_the_engineering_owner_alone_does_not_manage_the_roster(user_with_role: Callable[[str], Any]) -> None:
    manager = user_with_role(Role.ENGINEERING_MANAGER)
    vendor = VendorFactory(engineering_owner=manager)
    engineer = EngineerFactory(vendor=vendor)
    assert not may_manage_roster(manager, vendor)
    with pytest.raises(PermissionDeniedError):
        services.engineer_update(instance=engineer, actor=manager, data={"role": "Lead"})
    with pytest.raises(PermissionDeniedError):
        services.engineer_anonymise(engineer=engineer, actor=manager)


def test_the_system_and_visitors() -> None:
    from django.contrib.auth.models import AnonymousUser

    vendor = VendorFactory()
    assert may_manage_roster(None, vendor)  # a task, a command, the demo data
    assert not may_manage_roster(AnonymousUser(), vendor)
    with pytest.raises(PermissionDeniedError):
        require_roster_manager(AnonymousUser(), vendor)
    assert not type(vendor).objects.filter(roster_vendors_q(AnonymousUser())).exists()


# -- the Team tab and the forms -----------------------------------------------------------------------------
def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_team_tab_lists_the_current_engineers_and_counts_them(
    user_with_role: Callable[[str], Any], django_assert_max_num_queries: Any
) -> None:
    vendor = VendorFactory()
    EngineerFactory(vendor=vendor, name="Zofia Zielińska", git_handle="zz", tracker_handle="zofia", location="Łódź")
    EngineerFactory(vendor=vendor, name="Adam Abacki", seniority="junior")
    services.engineer_anonymise(engineer=EngineerFactory(vendor=vendor, name="Gone Person"))
    EngineerFactory(name="Someone Elsewhere")
    client = _client(user_with_role(Role.EXECUTIVE))
    url = reverse("vendors:vendor-tab", args=[vendor.pk, "team"])
    client.get(url)
    with django_assert_max_num_queries(20) as few:
        response = client.get(url)
    page = response.content.decode()
    assert response.status_code == 200
    assert page.index("Adam Abacki") < page.index("Zofia Zielińska")
    assert "Gone Person" not in page and "Someone Elsewhere" not in page
    assert "1 former engineer anonymised" in page
    assert '<span class="count">2</span>' in page  # the tab's count: the current engineers
    assert "<code>zz</code>" in page and "Łódź" in page and "Junior" in page
    assert "New engineer" not in page and "data-edit-engineer" not in page  # an executive reads only
    for n in range(20):
        EngineerFactory(vendor=vendor, name=f"Extra {n}")
    with django_assert_max_num_queries(len(few.captured_queries)):
        assert client.get(url).status_code == 200


@pytest.mark.parametrize(
    ("who", "manages"),
    [
        ("procurement", True),
        ("admin", True),
        ("delivery_owner", True),
        ("engineering_owner", False),
        ("executive", False),
    ],
)
def test_the_buttons_and_the_forms_follow_the_roster_rule(
    who: str, manages: bool, user_with_role: Callable[[str], Any]
) -> None:
    owner = user_with_role(Role.ENGINEERING_MANAGER)
    vendor = VendorFactory(engineering_owner=owner, delivery_owner=UserFactory(username="dlv", role=None))
    engineer = EngineerFactory(vendor=vendor, name="Jan Kowalski")
    users = {"delivery_owner": vendor.delivery_owner, "engineering_owner": owner}
    client = _client(users.get(who) or user_with_role(who))
    tab = client.get(reverse("vendors:vendor-tab", args=[vendor.pk, "team"])).content.decode()
    assert ("New engineer" in tab) is manages
    assert (f'data-edit-engineer="{engineer.pk}"' in tab) is manages
    create_url = reverse("vendors:engineer-create", args=[vendor.pk])
    update_url = reverse("vendors:engineer-update", args=[engineer.pk])
    assert client.get(create_url).status_code == (200 if manages else 403)
    posted = client.post(create_url, {"name": "Ola Nowa", "seniority": "mid", "email": "ola@acme.example"})
    assert posted.status_code == (302 if manages else 403)
    assert Engineer.objects.filter(vendor=vendor, name="Ola Nowa").exists() is manages
    edited = client.post(update_url, {"name": "Jan Kowalski", "seniority": "principal", "role": "Architect"})
    assert edited.status_code == (302 if manages else 403)
    engineer.refresh_from_db()
    assert (engineer.seniority == "principal") is manages
    if manages:
        assert posted["Location"] == reverse("vendors:vendor-tab", args=[vendor.pk, "team"])


def test_the_form_shows_what_the_service_refuses(user_with_role: Callable[[str], Any]) -> None:
    vendor = VendorFactory()
    EngineerFactory(vendor=vendor, email="taken@acme.example")
    client = _client(user_with_role(Role.PROCUREMENT))
    response = client.post(
        reverse("vendors:engineer-create", args=[vendor.pk]),
        {"name": "New One", "seniority": "mid", "email": "TAKEN@acme.example", "overlap_hours": "30"},
    )
    assert response.status_code == 400
    page = response.content.decode()
    assert "already has an engineer with this work e-mail" in page or "24" in page


def test_an_anonymised_engineers_edit_page_is_refused(user_with_role: Callable[[str], Any]) -> None:
    engineer = services.engineer_anonymise(engineer=EngineerFactory())
    response = _client(user_with_role(Role.ADMIN)).get(reverse("vendors:engineer-update", args=[engineer.pk]))
    assert response.status_code == 403


# -- the access grant's engineer ------------------------------------------------------------------------------
def test_a_grant_names_an_engineer_of_its_own_vendor_only(user_with_role: Callable[[str], Any]) -> None:
    security = user_with_role(Role.SECURITY)
    grant = AccessGrantFactory()
    own = EngineerFactory(vendor=grant.vendor)
    stranger = EngineerFactory()
    services.access_grant_update(instance=grant, actor=security, data={"engineer": own})
    assert AccessGrant.objects.get(pk=grant.pk).engineer == own
    with pytest.raises(ValidationError) as refused:
        services.access_grant_update(instance=grant, actor=security, data={"engineer": stranger})
    assert "another vendor's roster" in refused.value.message_dict["engineer"][0]


def test_the_grant_form_offers_the_vendors_current_engineers(user_with_role: Callable[[str], Any]) -> None:
    grant = AccessGrantFactory()
    current = EngineerFactory(vendor=grant.vendor, name="Current One")
    gone = services.engineer_anonymise(engineer=EngineerFactory(vendor=grant.vendor))
    EngineerFactory(name="Other Vendor's")
    client = _client(user_with_role(Role.SECURITY))
    page = client.get(reverse("vendors:access-update", args=[grant.pk])).content.decode()
    assert "Current One" in page and "Other Vendor&#x27;s" not in page and gone.name not in page
    stranger = EngineerFactory()
    response = client.post(
        reverse("vendors:access-update", args=[grant.pk]),
        {
            "person": grant.person,
            "engineer": stranger.pk,
            "system": grant.system,
            "privilege": grant.privilege,
            "account_name": grant.account_name,
            "named_account": "on",
            "mfa_enabled": "on",
            "granted_on": grant.granted_on.isoformat(),
        },
    )
    assert response.status_code == 400  # not a choice
    response = client.post(
        reverse("vendors:access-update", args=[grant.pk]),
        {
            "person": grant.person,
            "engineer": current.pk,
            "system": grant.system,
            "privilege": grant.privilege,
            "account_name": grant.account_name,
            "named_account": "on",
            "mfa_enabled": "on",
            "granted_on": grant.granted_on.isoformat(),
        },
    )
    assert response.status_code == 302
    grant.refresh_from_db()
    assert grant.engineer == current


def test_search_finds_engineers_by_name_or_handle(user_with_role: Callable[[str], Any]) -> None:
    from apps.core.search import search_everything

    vendor = VendorFactory(name="Acme")
    EngineerFactory(vendor=vendor, name="Łucja Wróbel", git_handle="lwrobel", role="QA")
    services.engineer_anonymise(engineer=EngineerFactory(vendor=vendor, name="Lucja Former"))
    reader = user_with_role(Role.EXECUTIVE)

    def found(query: str) -> list[Any]:
        return [
            hit
            for group in search_everything(user=reader, query=query, limit=5)
            if group.kind == "engineers"
            for hit in group.hits
        ]

    [hit] = found("lucja")
    assert hit.label == "Łucja Wróbel" and "Acme" in hit.detail and "@lwrobel" in hit.detail
    assert hit.url == reverse("vendors:vendor-tab", args=[vendor.pk, "team"])
    assert [h.label for h in found("lwrob")] == ["Łucja Wróbel"]
