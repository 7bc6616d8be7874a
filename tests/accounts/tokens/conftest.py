"""Clients that call the API with a token of given scopes (and vendors)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from typing import Any

import pytest
from rest_framework.test import APIClient

from apps.accounts.services import api_token_issue

TokenClient = Callable[..., APIClient]


@pytest.fixture
def token_client(db: None) -> TokenClient:
    """``token_client(user, ["read"], vendors=[v])`` → an APIClient sending a new token of ``user``."""

    def make(user: Any, scopes: Iterable[str], *, vendors: Iterable[Any] = ()) -> APIClient:
        issued = api_token_issue(user=user, name="test", scopes=list(scopes), vendors=vendors, expires_in_days=30)
        client = APIClient()
        client.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
        client.token = issued.token
        return client

    return make
