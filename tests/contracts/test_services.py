"""Contract services: checklists, cancel-by, the lifecycle, status by date with automatic renewal,
refused writes and the audit trail."""

from __future__ import annotations

import itertools
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest
from django.core.exceptions import ValidationError
from django.db import models

from apps.contracts import selectors, services
from apps.contracts.choices import (
    CONTRACT_TRANSITIONS,
    ClauseKind,
    ContractStatus,
    ExitItemKind,
)
from apps.contracts.models import Contract, ContractClause, ExitPlanItem, contract_cancel_by_date
from apps.core.errors import ApplicationError, ConflictError, TransitionError
from apps.core.models import StatusChange
from tests.factories import (
    ContractFactory,
    FunctionFactory,
    ReadyContractFactory,
    SlaTermFactory,
    UserFactory,
    VendorFactory,
)

pytestmark = pytest.mark.django_db
AS_OF = date(2026, 11, 23)


# -- helpers ----------------------------------------------------------------------------------------
def events_of(model: type[models.Model], pk: Any) -> list[Any]:
    """The pghistory events of one row, oldest first."""
    event_model = model.pgh_event_models["insert"]
    return list(event_model.objects.filter(pgh_obj_id=pk).select_related("pgh_context").order_by("pgh_id"))


def event_count(model: type[models.Model]) -> int:
    return model.pgh_event_models["insert"].objects.count()


def snapshot(obj: models.Model) -> dict[str, Any]:
    """The stored column values of ``obj``, to prove a refused write changed nothing."""
    return type(obj)._default_manager.filter(pk=obj.pk).values().get()


def contract_data(**overrides: Any) -> dict[str, Any]:
    return {
        "vendor": VendorFactory(),
        "title": "Platform pod",
        "engagement_model": "staff_augmentation",
        "start_date": date(2026, 1, 1),
        "end_date": date(2099, 12, 31),
        "renewal": "explicit",
        "notice_days": 30,
        "value": Decimal("1000.00"),
        "currency": "EUR",
        **overrides,
    }


# -- creation -------------------------------------------------------------------------------------
def test_create_builds_the_clause_checklist_and_exit_plan() -> None:
    contract = services.contract_create(actor=None, data=contract_data())
    assert contract.status == ContractStatus.DRAFT
    clauses = ContractClause.objects.filter(contract=contract)
    assert sorted(clauses.values_list("kind", flat=True)) == sorted(ClauseKind.values)
    assert len(ClauseKind.values) == 9  # the key personnel clause joined (contracts/0013)
    assert set(clauses.values_list("assessment", flat=True)) == {"missing"}
    items = ExitPlanItem.objects.filter(contract=contract)
    assert sorted(items.values_list("kind", flat=True)) == sorted(ExitItemKind.values)
    assert len(ExitItemKind.values) == 5
    assert not items.exclude(owner=None).exists() and not items.exclude(done_on=None).exists()


def test_create_sets_functions_and_a_status_given_at_creation() -> None:
    functions = [FunctionFactory(), FunctionFactory()]
    contract = services.contract_create(actor=None, data=contract_data(functions=functions, status="active"))
    assert contract.status == "active"
    assert set(contract.functions.all()) == set(functions)


@pytest.mark.parametrize(
    ("overrides", "error", "field"),
    [
        ({"end_date": date(2025, 12, 31)}, ValidationError, "__all__"),  # ends before it starts
        ({"value": Decimal("-1")}, ValidationError, "value"),
        ({"currency": "XYZ"}, ValidationError, "currency"),
        ({"renewal": "automatic", "end_date": None}, ValidationError, "end_date"),
        ({"status": "active", "end_date": date(2026, 3, 31)}, ApplicationError, "end_date"),  # already ended
        ({"status": "expired", "end_date": date(2099, 1, 1)}, ApplicationError, "status"),  # has not ended
    ],
)
def test_a_refused_create_writes_nothing(overrides: dict[str, Any], error: type[Exception], field: str) -> None:
    data = contract_data(**overrides)
    before = (Contract.objects.count(), ContractClause.objects.count(), event_count(Contract))
    with pytest.raises(error) as caught:
        services.contract_create(actor=None, data=data)
    if isinstance(caught.value, ValidationError):
        assert field in caught.value.message_dict
    else:
        assert caught.value.field == field
    assert (Contract.objects.count(), ContractClause.objects.count(), event_count(Contract)) == before


def test_master_agreement_must_be_with_the_same_vendor() -> None:
    master = ContractFactory()
    with pytest.raises(ValidationError, match="same vendor"):
        services.contract_create(actor=None, data=contract_data(parent=master))
    sow = services.contract_create(actor=None, data=contract_data(vendor=master.vendor, parent=master))
    assert sow.parent == master


def test_a_master_with_statements_of_work_stays_a_master_with_its_vendor() -> None:
    master = ContractFactory()
    ContractFactory(vendor=master.vendor, parent=master)
    other_master = ContractFactory(vendor=master.vendor)
    before = snapshot(master)
    with pytest.raises(ApplicationError) as caught:
        services.contract_update(instance=master, actor=None, data={"parent": other_master})
    assert caught.value.field == "parent"
    with pytest.raises(ApplicationError) as caught:
        services.contract_update(instance=master, actor=None, data={"vendor": VendorFactory()})
    assert caught.value.field == "vendor"
    assert snapshot(master) == before


def test_update_refuses_a_status_change_and_keeps_cancel_by_true() -> None:
    contract = ContractFactory(status="draft", renewal="explicit", end_date=date(2027, 6, 30), notice_days=30)
    with pytest.raises(ApplicationError) as caught:
        services.contract_update(instance=contract, actor=None, data={"status": "active"})
    assert caught.value.field == "status"
    updated = services.contract_update(instance=contract, actor=None, data={"notice_days": 90, "title": "Renamed"})
    assert Contract.objects.get(pk=updated.pk).cancel_by == date(2027, 4, 1)


def test_delete_is_refused_while_sla_terms_reference_the_contract() -> None:
    term = SlaTermFactory()
    with pytest.raises(ConflictError, match="SLA terms"):
        services.contract_delete(instance=term.contract, actor=None)
    assert Contract.objects.filter(pk=term.contract_id).exists()
    contract = services.contract_create(actor=None, data=contract_data())
    services.contract_delete(instance=contract, actor=None)
    assert not Contract.objects.filter(pk=contract.pk).exists()
    assert not ContractClause.objects.filter(contract_id=contract.pk).exists()


# -- cancel-by ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("end", "renewal", "notice", "expected"),
    [
        (date(2026, 12, 31), "automatic", 90, date(2026, 10, 2)),
        (date(2026, 12, 31), "automatic", 0, date(2026, 12, 31)),
        (date(2026, 12, 31), "explicit", 30, date(2026, 12, 1)),
        (date(2027, 3, 1), "explicit", 1, date(2027, 2, 28)),
        (date(2026, 12, 31), "none", 90, None),
        (None, "none", 0, None),
    ],
)
def test_cancel_by_for_each_renewal_type(end: date | None, renewal: str, notice: int, expected: date | None) -> None:
    assert contract_cancel_by_date(end_date=end, renewal=renewal, notice_days=notice) == expected
    contract = services.contract_create(
        actor=None, data=contract_data(end_date=end, renewal=renewal, notice_days=notice)
    )
    assert Contract.objects.get(pk=contract.pk).cancel_by == expected


def test_cancel_by_follows_a_change_of_renewal() -> None:
    contract = services.contract_create(
        actor=None, data=contract_data(renewal="automatic", end_date=date(2027, 12, 31), notice_days=31)
    )
    assert contract.cancel_by == date(2027, 11, 30)
    services.contract_update(instance=contract, actor=None, data={"renewal": "none"})
    assert Contract.objects.get(pk=contract.pk).cancel_by is None


def test_renewing_within_lists_active_contracts_by_cancel_by() -> None:
    due = ContractFactory(renewal="automatic", end_date=AS_OF + timedelta(days=60), notice_days=30)  # in 30 days
    ContractFactory(renewal="automatic", end_date=AS_OF + timedelta(days=120), notice_days=30)  # in 90 days
    ContractFactory(renewal="automatic", end_date=AS_OF + timedelta(days=20), notice_days=30)  # already passed
    ContractFactory(renewal="none", end_date=AS_OF + timedelta(days=30))  # does not renew
    ContractFactory(status="terminated", renewal="automatic", end_date=AS_OF + timedelta(days=60), notice_days=30)
    assert list(selectors.contracts_renewing_within(as_of=AS_OF, days=30)) == [due]
    assert selectors.contracts_renewing_within(as_of=AS_OF, days=90).count() == 2


# -- the lifecycle ------------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "target"), [p for p in itertools.product(ContractStatus.values, repeat=2) if p[0] != p[1]]
)
def test_every_contract_transition(start: str, target: str) -> None:
    # Dates that fit the target, so only the lifecycle decides: expiry needs an end date passed.
    # The activation gate is met (vendor active, every clause present) and a reason given.
    end = date(2026, 1, 31) if target == ContractStatus.EXPIRED else date(2027, 6, 30)
    contract = ReadyContractFactory(status=start, start_date=date(2025, 1, 1), end_date=end)
    actor = UserFactory(role="procurement")
    if target in CONTRACT_TRANSITIONS[start]:
        moved = services.contract_transition(
            contract=contract, to_status=target, actor=actor, reason="Agreed with the vendor.", as_of=AS_OF
        )
        assert moved.status == target
        assert Contract.objects.get(pk=contract.pk).status == target
        event = events_of(Contract, contract.pk)[-1]
        assert event.pgh_context.metadata == {
            "user": actor.pk,
            "action": f"contract_transition_{target}",
            "reason": "Agreed with the vendor.",
        }
        change = StatusChange.objects.get(object_id=contract.pk, content_type__model="contract")
        assert (change.from_status, change.to_status, change.reason, change.actor, change.overridden) == (
            start,
            target,
            "Agreed with the vendor.",
            actor,
            [],
        )
    else:
        before, events = snapshot(contract), event_count(Contract)
        with pytest.raises(TransitionError) as caught:
            services.contract_transition(
                contract=contract, to_status=target, actor=actor, reason="Agreed with the vendor.", as_of=AS_OF
            )
        assert caught.value.status_code == 409
        for allowed in CONTRACT_TRANSITIONS[start]:  # the message lists where it can go
            assert str(ContractStatus(allowed).label) in caught.value.message
        assert (snapshot(contract), event_count(Contract)) == (before, events)


@pytest.mark.parametrize(
    ("start", "end", "allowed"),
    [
        ("draft", date(2026, 11, 22), False),  # ended yesterday
        ("draft", date(2026, 11, 23), True),  # ends today: still in force
        ("draft", None, True),  # open-ended
        ("expired", date(2026, 11, 23), False),  # re-activation needs an end date in the future
        ("expired", date(2026, 11, 24), True),
        ("expired", None, False),
    ],
)
def test_activation_needs_an_end_date_not_passed(start: str, end: date | None, allowed: bool) -> None:
    contract = ReadyContractFactory(status=start, renewal="none", start_date=date(2025, 1, 1), end_date=end)
    if allowed:
        services.contract_transition(contract=contract, to_status="active", actor=None, as_of=AS_OF)
        assert Contract.objects.get(pk=contract.pk).status == "active"
    else:
        with pytest.raises(TransitionError) as caught:
            services.contract_transition(contract=contract, to_status="active", actor=None, as_of=AS_OF)
        assert caught.value.field == "end_date"
        assert Contract.objects.get(pk=contract.pk).status == start


def test_expiry_before_the_end_date_is_refused_and_unknown_status_is_400() -> None:
    contract = ContractFactory(status="active", end_date=date(2027, 1, 31))
    with pytest.raises(TransitionError, match="end date has passed"):
        services.contract_transition(contract=contract, to_status="expired", actor=None, as_of=AS_OF)
    with pytest.raises(ApplicationError) as caught:
        services.contract_transition(contract=contract, to_status="paused", actor=None, as_of=AS_OF)
    assert caught.value.status_code == 400
    assert Contract.objects.get(pk=contract.pk).status == "active"


def test_transition_rereads_the_status_it_starts_from() -> None:
    contract = ReadyContractFactory(status="draft", end_date=date(2027, 6, 30))
    stale = Contract.objects.get(pk=contract.pk)
    services.contract_transition(
        contract=contract, to_status="terminated", actor=None, reason="Never signed.", as_of=AS_OF
    )
    with pytest.raises(TransitionError, match="from Terminated"):
        services.contract_transition(contract=stale, to_status="active", actor=None, as_of=AS_OF)
    assert Contract.objects.get(pk=contract.pk).status == "terminated"


# -- status by date -----------------------------------------------------------------------------------
@pytest.mark.parametrize(
    ("start", "end", "as_of", "renewed_end", "remembered"),
    [
        # whole calendar months: one year, renewed once to run through as_of
        (date(2025, 1, 1), date(2025, 12, 31), AS_OF, date(2026, 12, 31), (12, None)),
        # anniversary months (15th to 14th): a quarter at a time, three renewals needed
        (date(2026, 1, 15), date(2026, 4, 14), AS_OF, date(2027, 1, 14), (3, None)),
        # months counted from a start on the 31st do not drift to the 28th after February
        (date(2025, 12, 31), date(2026, 1, 30), date(2026, 3, 1), date(2026, 3, 30), (1, None)),
        # not whole months: the original 30 days at a time
        (date(2026, 10, 10), date(2026, 11, 8), AS_OF, date(2026, 12, 8), (None, 30)),
    ],
)
def test_automatic_renewal_adds_the_original_term(
    start: date, end: date, as_of: date, renewed_end: date, remembered: tuple[int | None, int | None]
) -> None:
    contract = ContractFactory(renewal="automatic", start_date=start, end_date=end, notice_days=10)
    assert services.contract_sync_status_by_date(as_of=as_of) == {"expired": 0, "renewed": 1, "failed": 0}
    contract.refresh_from_db()
    assert (contract.status, contract.end_date) == ("active", renewed_end)
    assert contract.cancel_by == renewed_end - timedelta(days=10)
    assert (contract.renewal_term_months, contract.renewal_term_days) == remembered


def test_later_renewals_add_the_original_term_not_the_grown_one() -> None:
    contract = ContractFactory(renewal="automatic", start_date=date(2024, 1, 1), end_date=date(2024, 12, 31))
    services.contract_sync_status_by_date(as_of=date(2025, 1, 1))
    services.contract_sync_status_by_date(as_of=date(2026, 1, 1))
    contract.refresh_from_db()
    assert contract.end_date == date(2026, 12, 31)  # one year at a time, not two


def test_a_renewal_term_chosen_in_months_wins() -> None:
    contract = ContractFactory(
        renewal="automatic", start_date=date(2024, 1, 1), end_date=date(2026, 6, 30), renewal_term_months=12
    )
    services.contract_sync_status_by_date(as_of=date(2026, 7, 1))
    contract.refresh_from_db()
    assert contract.end_date == date(2027, 6, 30)


def test_sync_expires_renews_leaves_the_rest_and_is_idempotent() -> None:
    ending = ContractFactory(renewal="none", start_date=date(2025, 1, 1), end_date=date(2025, 12, 31))
    explicit = ContractFactory(renewal="explicit", start_date=date(2025, 1, 1), end_date=date(2026, 11, 22))
    renewing = ContractFactory(renewal="automatic", start_date=date(2025, 1, 1), end_date=date(2025, 12, 31))
    ends_today = ContractFactory(renewal="none", start_date=date(2026, 1, 1), end_date=AS_OF)
    draft = ContractFactory(status="draft", renewal="none", start_date=date(2025, 1, 1), end_date=date(2025, 3, 31))
    terminated = ContractFactory(
        status="terminated", renewal="automatic", start_date=date(2025, 1, 1), end_date=date(2025, 12, 31)
    )
    assert services.contract_sync_status_by_date(as_of=AS_OF) == {"expired": 2, "renewed": 1, "failed": 0}
    rows = (ending, explicit, renewing, ends_today, draft, terminated)
    after_first = [snapshot(row) for row in rows]
    events = event_count(Contract)
    assert [row["status"] for row in after_first] == ["expired", "expired", "active", "active", "draft", "terminated"]
    assert services.contract_sync_status_by_date(as_of=AS_OF) == {"expired": 0, "renewed": 0, "failed": 0}
    assert [snapshot(row) for row in rows] == after_first
    assert event_count(Contract) == events
    last = events_of(Contract, ending.pk)[-1]
    assert last.pgh_context.metadata == {"user": None, "action": "contract_sync_status_by_date"}


def test_one_invalid_row_does_not_hold_back_the_others() -> None:
    broken = ContractFactory(renewal="none", start_date=date(2025, 1, 1), end_date=date(2025, 12, 31))
    Contract.objects.filter(pk=broken.pk).update(currency="ZZZ")  # no longer validates
    fine = ContractFactory(renewal="none", start_date=date(2025, 1, 1), end_date=date(2025, 12, 31))
    assert services.contract_sync_status_by_date(as_of=AS_OF) == {"expired": 1, "renewed": 0, "failed": 1}
    assert Contract.objects.get(pk=fine.pk).status == "expired"
    assert Contract.objects.get(pk=broken.pk).status == "active"


# -- checklists ---------------------------------------------------------------------------------------
def test_clause_and_exit_plan_updates_change_only_their_own_fields() -> None:
    contract = services.contract_create(actor=None, data=contract_data())
    clause = contract.clauses.get(kind="ip_ownership")
    services.clause_update(
        instance=clause, actor=None, data={"assessment": "weak", "note": "Vendor keeps tooling IP.", "kind": "x"}
    )
    clause.refresh_from_db()
    assert (clause.kind, clause.assessment, clause.note) == ("ip_ownership", "weak", "Vendor keeps tooling IP.")
    owner = UserFactory()
    item = contract.exit_plan_items.get(kind="repositories")
    services.exit_plan_item_update(
        instance=item, actor=None, data={"owner": owner, "done_on": date(2026, 11, 1), "contract": ContractFactory()}
    )
    item.refresh_from_db()
    assert (item.contract_id, item.owner, item.done_on) == (contract.pk, owner, date(2026, 11, 1))
    with pytest.raises(ValidationError):
        services.clause_update(instance=clause, actor=None, data={"assessment": "fine"})
    assert ContractClause.objects.get(pk=clause.pk).assessment == "weak"
