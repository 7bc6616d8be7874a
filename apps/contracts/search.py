"""What global search finds among contracts (apps/core/search.py): by title, reference or vendor name,
through the list selector the contract list uses for the same person."""

from __future__ import annotations

from typing import Any
from urllib.parse import urlencode

from django.urls import reverse

from apps.contracts import selectors
from apps.core.search import SearchHit, register_search, search_queryset


def search_contracts(user: Any, query: str, limit: int) -> list[SearchHit]:
    contracts = search_queryset(
        # The list's prefetch of the functions covered is not shown here: one query, not two.
        selectors.contract_list(user=user).prefetch_related(None),
        ["title", "reference", "vendor__name"],
        query,
        then_by=("title", "pk"),
    )
    return [
        SearchHit(
            label=contract.title,
            url=contract.get_absolute_url(),
            detail=" · ".join(
                part for part in (contract.reference, contract.vendor.name, contract.get_status_display()) if part
            ),
        )
        for contract in contracts[:limit]
    ]


def register() -> None:
    register_search(
        "contracts",
        "Contracts",
        search_contracts,
        order=20,
        more_url=lambda query: f"{reverse('contracts:contract-list')}?{urlencode({'q': query})}",
    )
