"""What performance shows on the pages of the floors below it, which do not know it (apps.core.sections):
the contract page's SLA terms, scorecard and breaches panels (where the page had them: after the clause
checklist, before the contract's text) and its "Log KPIs" button; the vendor page's Performance tab and
its overview's open breaches."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import Role
from apps.contracts.sections import CONTRACT_ACTIONS, CONTRACT_PAGE
from apps.core.sections import sections_for
from apps.vendors.sections import VENDOR_OVERVIEW, VENDOR_PAGE
from tests.factories import BreachFactory, ContractFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_performance_registers_the_contract_pages_panels_and_action_and_the_vendor_pages_tab_and_panel() -> None:
    def owned(page: str) -> dict[str, str]:
        return {entry.key: entry.context.__module__ for entry in sections_for(page)}

    assert owned(CONTRACT_PAGE) == {
        **dict.fromkeys(("sla-terms", "performance", "breaches"), "apps.performance.sections"),
        "team": "apps.roster.sections",  # the roster's Team panel, between the breaches and telemetry
        "invoices": "apps.costs.sections",  # the contract's invoices, after its team
        "costs": "apps.costs.sections",  # its total cost of ownership, after the invoices
        "telemetry": "apps.performance.telemetry.sections",
        "evidence": "apps.contracts.evidence",  # the contract's own files, after performance's panels
    }
    assert [entry.key for entry in sections_for(CONTRACT_PAGE)] == [
        "sla-terms",
        "performance",
        "breaches",
        "team",
        "invoices",
        "costs",
        "telemetry",
        "evidence",
    ]
    assert owned(CONTRACT_ACTIONS) == {"log-kpis": "apps.performance.sections"}
    assert owned(VENDOR_PAGE)["performance"] == "apps.performance.sections"
    assert owned(VENDOR_PAGE)["telemetry"] == "apps.performance.telemetry.sections"
    assert owned(VENDOR_OVERVIEW)["breaches"] == "apps.performance.sections"


def test_the_contract_page_shows_the_panels_in_their_places(user_with_role: Callable[[str], Any]) -> None:
    breach = BreachFactory()
    contract = breach.term.contract
    client = Client()
    client.force_login(user_with_role(Role.EXECUTIVE))
    html = client.get(reverse("contracts:contract-detail", args=[contract.pk])).content.decode()
    places = [html.index(marker) for marker in ('id="clauses"', 'id="sla-terms"', 'id="performance"', 'id="breaches"')]
    assert places == sorted(places) and places[-1] < html.index('id="vague-language"')
    assert f'id="breach-{breach.pk}"' in html and breach.term.kpi.name in html


@pytest.mark.ownership
def test_log_kpis_is_offered_to_whom_may_log_the_contracts_kpis(user_with_role: Callable[[str], Any]) -> None:
    owner = UserFactory(role=Role.ENGINEERING_MANAGER)
    contract = ContractFactory(vendor__engineering_owner=owner)
    url = reverse("contracts:contract-detail", args=[contract.pk])
    grid = reverse("performance:grid", args=[contract.pk])
    for user, offered in ((owner, True), (UserFactory(role=Role.ENGINEERING_MANAGER), False), (UserFactory(), False)):
        client = Client()
        client.force_login(user)
        assert (f'href="{grid}"' in client.get(url).content.decode()) is offered, user
