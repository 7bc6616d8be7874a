"""Owner hours (apps.costs.services, selectors): who may log whose hours (the vendor's named owners for
themselves, administrators for anyone), the Monday rule, the upsert by contract/person/week, the API's
answers (201/200/400/403/409) and the page."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse
from django.utils import timezone
from rest_framework.test import APIClient

from apps.core.errors import ApplicationError, PermissionDeniedError
from apps.costs import selectors, services
from apps.costs.models import OwnerHours
from tests.factories import ContractFactory, UserFactory, VendorFactory

pytestmark = pytest.mark.django_db

WEDNESDAY = dt.date(2026, 3, 4)
MONDAY = dt.date(2026, 3, 2)


@pytest.fixture(autouse=True)
def _today(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(timezone, "localdate", lambda *args, **kwargs: dt.date(2026, 3, 20))


@pytest.fixture
def owners(user_with_role: Any) -> dict[str, Any]:
    """A vendor with its three named owners, one of its contracts, an admin and a bystander."""
    people = {
        "engineering_owner": UserFactory(role="engineering_manager"),
        "delivery_owner": UserFactory(role="procurement"),
        "security_contact": UserFactory(role="security"),
    }
    vendor = VendorFactory(**people)
    return {
        **people,
        "contract": ContractFactory(vendor=vendor),
        "admin": user_with_role("admin"),
        "bystander": user_with_role("engineering_manager"),
    }


def _log(actor: Any, contract: Any, person: Any = None, **data: Any) -> tuple[OwnerHours, str]:
    return services.owner_hours_log(
        actor=actor,
        data={"contract": contract, "person": person, "week_of": WEDNESDAY, "hours": Decimal("3"), **data},
    )


# -- who may log --------------------------------------------------------------------------------------
@pytest.mark.parametrize("owner", ["engineering_owner", "delivery_owner", "security_contact"])
def test_each_named_owner_logs_their_own_hours(owners: dict[str, Any], owner: str) -> None:
    entry, outcome = _log(owners[owner], owners["contract"])
    assert outcome == "created" and entry.person == owners[owner]


@pytest.mark.parametrize(
    ("actor", "person", "allowed"),
    [
        ("engineering_owner", "engineering_owner", True),
        ("engineering_owner", "delivery_owner", False),  # an owner logs their own hours only
        ("bystander", "bystander", False),  # not a named owner of this vendor, whatever the role
        ("bystander", "engineering_owner", False),
        ("admin", "delivery_owner", True),  # administrators log anyone's
        ("admin", "bystander", True),
    ],
)
def test_the_permission_matrix(owners: dict[str, Any], actor: str, person: str, allowed: bool) -> None:
    if allowed:
        _log(owners[actor], owners["contract"], owners[person])
        assert OwnerHours.objects.filter(person=owners[person]).count() == 1
    else:
        with pytest.raises(PermissionDeniedError, match="named owners"):
            _log(owners[actor], owners["contract"], owners[person])
        assert not OwnerHours.objects.exists()


def test_the_person_defaults_to_the_actor_and_the_system_logs_anyone(owners: dict[str, Any]) -> None:
    entry, _ = services.owner_hours_log(
        actor=owners["delivery_owner"], data={"contract": owners["contract"], "week_of": MONDAY, "hours": 1}
    )
    assert entry.person == owners["delivery_owner"]
    entry, _ = _log(None, owners["contract"], owners["bystander"])
    assert entry.person == owners["bystander"]


def test_change_and_delete_follow_the_same_rule(owners: dict[str, Any]) -> None:
    entry, _ = _log(owners["engineering_owner"], owners["contract"], owners["engineering_owner"])
    with pytest.raises(PermissionDeniedError):
        services.owner_hours_update(instance=entry, actor=owners["delivery_owner"], data={"hours": Decimal(5)})
    with pytest.raises(PermissionDeniedError):
        services.owner_hours_delete(instance=entry, actor=owners["bystander"])
    changed = services.owner_hours_update(instance=entry, actor=owners["engineering_owner"], data={"hours": Decimal(5)})
    assert changed.hours == Decimal(5)
    # Moving it to someone else's name is asked of the entry as it will be.
    with pytest.raises(PermissionDeniedError):
        services.owner_hours_update(
            instance=entry, actor=owners["engineering_owner"], data={"person": owners["delivery_owner"]}
        )
    services.owner_hours_delete(instance=entry, actor=owners["admin"])
    assert not OwnerHours.objects.exists()


# -- the Monday rule and the upsert -------------------------------------------------------------------
@pytest.mark.parametrize("day", [MONDAY, WEDNESDAY, dt.date(2026, 3, 8)])  # Monday, Wednesday, Sunday
def test_any_day_of_the_week_is_kept_as_its_monday(owners: dict[str, Any], day: dt.date) -> None:
    entry, _ = _log(owners["admin"], owners["contract"], owners["delivery_owner"], week_of=day)
    assert entry.week_of == MONDAY
    assert selectors.week_monday(day) == MONDAY


def test_a_week_not_started_is_refused(owners: dict[str, Any]) -> None:
    with pytest.raises(ApplicationError, match="not started") as caught:
        _log(owners["admin"], owners["contract"], owners["admin"], week_of=dt.date(2026, 3, 23))
    assert caught.value.field == "week_of"


def test_the_same_week_again_replaces_the_entry_and_the_same_values_write_nothing(owners: dict[str, Any]) -> None:
    owner = owners["engineering_owner"]
    first, outcome = _log(owner, owners["contract"], owner, note="Escalation")
    assert outcome == "created"
    stamp = first.updated_at
    same, outcome = _log(owner, owners["contract"], owner, week_of=MONDAY, note=" Escalation ")
    assert (outcome, same.pk, same.updated_at) == ("unchanged", first.pk, stamp)
    replaced, outcome = _log(owner, owners["contract"], owner, hours=Decimal("7.5"), note="")
    assert (outcome, replaced.pk, replaced.hours, replaced.note) == ("updated", first.pk, Decimal("7.5"), "")
    assert OwnerHours.objects.count() == 1
    # Another week, another entry.
    _log(owner, owners["contract"], owner, week_of=MONDAY - dt.timedelta(days=7))
    assert OwnerHours.objects.count() == 2


@pytest.mark.parametrize("hours", [Decimal("0.1"), Decimal("80.5"), Decimal("0")])
def test_hours_out_of_range_are_refused_on_the_field(owners: dict[str, Any], hours: Decimal) -> None:
    from django.core.exceptions import ValidationError

    with pytest.raises(ValidationError) as caught:
        _log(owners["admin"], owners["contract"], owners["admin"], hours=hours)
    assert "hours" in caught.value.message_dict


# -- the API ------------------------------------------------------------------------------------------
def _api(user: Any) -> APIClient:
    client = APIClient()
    client.force_authenticate(user)
    return client


def test_api_logs_upserts_lists_and_deletes(owners: dict[str, Any]) -> None:
    owner, contract = owners["security_contact"], owners["contract"]
    client = _api(owner)
    body = {"contract": contract.pk, "week_of": "2026-03-04", "hours": "2.5", "note": "Pen-test follow-up"}
    created = client.post("/api/v1/owner-hours/", body, format="json")
    assert created.status_code == 201, created.content
    data = created.json()
    assert (data["week_of"], data["person"], data["hours"], data["vendor"]) == (
        "2026-03-02",
        owner.pk,
        "2.50",
        contract.vendor_id,
    )
    again = client.post("/api/v1/owner-hours/", {**body, "hours": "4"}, format="json")
    assert (again.status_code, again.json()["id"], again.json()["hours"]) == (200, data["id"], "4.00")
    listed = client.get("/api/v1/owner-hours/", {"contract": contract.pk, "week": "2026-03-06"}).json()
    assert [row["id"] for row in listed["results"]] == [data["id"]]
    assert client.get("/api/v1/owner-hours/", {"week": "2026-03-09"}).json()["results"] == []
    patched = client.patch(f"/api/v1/owner-hours/{data['id']}/", {"note": "Retest"}, format="json")
    assert patched.status_code == 200 and patched.json()["note"] == "Retest"
    assert client.delete(f"/api/v1/owner-hours/{data['id']}/").status_code == 204
    assert not OwnerHours.objects.exists()


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"hours": "0.1"}, "hours"),
        ({"hours": "abc"}, "hours"),
        ({"hours": "81"}, "hours"),
        ({"week_of": "2026-13-01"}, "week_of"),
        ({"week_of": "2026-03-30"}, "week_of"),  # a week not started
        ({"contract": 999999}, "contract"),
        ({"person": 999999}, "person"),
        ({"contract": None}, "contract"),
    ],
)
def test_api_bad_input_is_a_400_on_the_field(owners: dict[str, Any], body: dict[str, Any], field: str) -> None:
    data = {"contract": owners["contract"].pk, "week_of": "2026-03-04", "hours": "2", **body}
    answer = _api(owners["admin"]).post("/api/v1/owner-hours/", data, format="json")
    assert answer.status_code == 400, answer.content
    assert field in answer.json(), answer.json()


def test_api_refuses_who_may_not_with_a_403(owners: dict[str, Any]) -> None:
    body = {"contract": owners["contract"].pk, "week_of": "2026-03-04", "hours": "2"}
    assert _api(owners["bystander"]).post("/api/v1/owner-hours/", body, format="json").status_code == 403
    as_other = {**body, "person": owners["delivery_owner"].pk}
    assert _api(owners["engineering_owner"]).post("/api/v1/owner-hours/", as_other, format="json").status_code == 403
    entry, _ = _log(owners["delivery_owner"], owners["contract"], owners["delivery_owner"])
    client = _api(owners["bystander"])
    assert client.get(f"/api/v1/owner-hours/{entry.pk}/").status_code == 200  # everyone reads
    assert client.patch(f"/api/v1/owner-hours/{entry.pk}/", {"hours": "9"}, format="json").status_code == 403
    assert client.delete(f"/api/v1/owner-hours/{entry.pk}/").status_code == 403
    assert APIClient().get("/api/v1/owner-hours/").status_code in (401, 403)


def test_api_moving_an_entry_onto_another_week_of_its_own_is_a_409(owners: dict[str, Any]) -> None:
    owner = owners["engineering_owner"]
    _log(owner, owners["contract"], owner)
    other, _ = _log(owner, owners["contract"], owner, week_of=MONDAY - dt.timedelta(days=7))
    answer = _api(owner).patch(f"/api/v1/owner-hours/{other.pk}/", {"week_of": "2026-03-05"}, format="json")
    assert answer.status_code == 409, answer.content


def test_api_list_query_count_does_not_grow(owners: dict[str, Any], django_assert_max_num_queries: Any) -> None:
    for weeks in range(6):
        _log(None, owners["contract"], owners["engineering_owner"], week_of=MONDAY - dt.timedelta(days=7 * weeks))
    client = _api(owners["admin"])
    with django_assert_max_num_queries(8):
        assert len(client.get("/api/v1/owner-hours/").json()["results"]) == 6


# -- the page -----------------------------------------------------------------------------------------
def _client(user: Any) -> Client:
    client = Client()
    client.force_login(user)
    return client


def test_the_page_logs_a_week_for_the_owner(owners: dict[str, Any]) -> None:
    owner, contract = owners["engineering_owner"], owners["contract"]
    client = _client(owner)
    url = reverse("costs:owner-hours-new") + f"?contract={contract.pk}"
    form = client.get(url)
    assert form.status_code == 200
    html = form.content.decode()
    assert "named by its Monday" in html and f'value="{contract.pk}" selected' in html
    posted = client.post(url, {"contract": contract.pk, "week_of": "2026-03-05", "hours": "3", "note": "QBR prep"})
    assert posted.status_code == 302 and posted["Location"].endswith(f"?contract={contract.pk}")
    entry = OwnerHours.objects.get()
    assert (entry.person, entry.week_of, entry.hours) == (owner, MONDAY, Decimal(3))
    # The same week again replaces it; the person field is the owner's own (a posted other person is ignored).
    again = client.post(
        url,
        {"contract": contract.pk, "week_of": "2026-03-02", "hours": "5", "person": owners["admin"].pk},
    )
    assert again.status_code == 302, again.context["form"].errors
    entry = OwnerHours.objects.get()
    assert (entry.person, entry.hours) == (owner, Decimal(5))
    bad = client.post(url, {"contract": contract.pk, "week_of": "2026-03-02", "hours": "100"})
    assert bad.status_code == 400 and "hours" in bad.context["form"].errors


def test_the_page_refuses_a_bystander_and_offers_only_owned_contracts(owners: dict[str, Any]) -> None:
    other = ContractFactory()
    client = _client(owners["bystander"])
    url = reverse("costs:owner-hours-new")
    form = client.get(url).context["form"]
    assert list(form.fields["contract"].queryset) == []
    answer = client.post(url, {"contract": owners["contract"].pk, "week_of": "2026-03-02", "hours": "1"})
    assert answer.status_code == 400 and "contract" in answer.context["form"].errors
    admin_form = _client(owners["admin"]).get(url).context["form"]
    assert {owners["contract"], other} <= set(admin_form.fields["contract"].queryset)


def test_the_list_filters_by_contract_person_and_week_and_deletes(
    owners: dict[str, Any], django_assert_max_num_queries: Any
) -> None:
    contract, owner = owners["contract"], owners["delivery_owner"]
    for weeks in range(5):
        _log(None, contract, owner, week_of=MONDAY - dt.timedelta(days=7 * weeks))
    other, _ = _log(None, ContractFactory(), owners["admin"])
    client = _client(owner)
    with django_assert_max_num_queries(20):
        page = client.get(reverse("costs:owner-hours"))
    assert page.status_code == 200
    html = page.content.decode()
    assert html.count("data-owner-hours-entry=") == 6 and "Log hours" in html
    by_contract = client.get(reverse("costs:owner-hours"), {"contract": contract.pk}).content.decode()
    assert by_contract.count("data-owner-hours-entry=") == 5
    by_person = client.get(reverse("costs:owner-hours"), {"person": owners["admin"].pk}).content.decode()
    assert by_person.count("data-owner-hours-entry=") == 1
    by_week = client.get(reverse("costs:owner-hours"), {"week": "2026-02-25"}).content.decode()
    assert by_week.count("data-owner-hours-entry=") == 1
    csv = client.get(reverse("costs:owner-hours"), {"export": "csv"})
    assert b"Week of" in b"".join(csv.streaming_content)
    # The owner deletes their own entry; not another's.
    mine = OwnerHours.objects.filter(person=owner).first()
    client.post(reverse("costs:owner-hours-delete", args=[mine.pk]))
    assert not OwnerHours.objects.filter(pk=mine.pk).exists()
    assert client.post(reverse("costs:owner-hours-delete", args=[other.pk])).status_code == 403
