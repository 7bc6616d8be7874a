"""The API's token paths: failed token sign-ins are throttled per address (429 with Retry-After, before
the key is even looked up), a good token from elsewhere still works, and the throttle fails open when
the cache (Redis) cannot be reached."""

from __future__ import annotations

from typing import Any

import pytest
from django.core.cache import cache
from rest_framework.test import APIClient

from apps.accounts.services import api_token_issue
from apps.accounts.throttling import TokenFailureThrottle
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db
API_ROOT = "/api/v1/"


@pytest.fixture
def rate(settings):
    """Three failed tokens a minute per address (the test settings are generous for the rest of the suite)."""
    settings.REST_FRAMEWORK = {**settings.REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token_failure": "3/minute"}}
    return 3


def client_at(address: str, header: str, *, fresh: bool = True) -> APIClient:
    if fresh:
        cache.delete(f"throttle_token_failure_{address}")  # the cache outlives a test
    client = APIClient(REMOTE_ADDR=address)
    client.credentials(HTTP_AUTHORIZATION=header)
    return client


def test_the_production_rate_is_set() -> None:
    from config.settings import base

    framework: Any = base.REST_FRAMEWORK
    assert framework["DEFAULT_THROTTLE_RATES"]["token_failure"] == "30/minute"


def test_failed_tokens_from_one_address_are_throttled(rate: int) -> None:
    issued = api_token_issue(user=UserFactory(role="procurement"), name="CI", scopes=["read"], expires_in_days=30)
    guesser = client_at("203.0.113.90", "Token not-a-real-key")
    assert [guesser.get(API_ROOT).status_code for _ in range(rate)] == [401] * rate

    throttled = guesser.get(API_ROOT)
    assert throttled.status_code == 429
    assert 1 <= int(throttled["Retry-After"]) <= 60
    assert "Too many failed token sign-ins" in throttled.json()["detail"]
    # The address is refused whatever key it sends next; the same good key from elsewhere works.
    assert client_at("203.0.113.90", f"Token {issued.key}", fresh=False).get(API_ROOT).status_code == 429
    assert client_at("198.51.100.90", f"Token {issued.key}").get(API_ROOT).status_code == 200


def test_good_tokens_and_no_token_are_not_counted(rate: int) -> None:
    issued = api_token_issue(user=UserFactory(role="procurement"), name="CI", scopes=["read"], expires_in_days=30)
    client = client_at("203.0.113.91", f"Token {issued.key}")
    assert all(client.get(API_ROOT).status_code == 200 for _ in range(rate + 2))
    anonymous = client_at("203.0.113.92", "")
    assert all(anonymous.get(API_ROOT).status_code == 401 for _ in range(rate + 2))


def test_a_throttled_address_costs_no_token_lookup(rate: int, django_assert_max_num_queries) -> None:
    guesser = client_at("203.0.113.93", "Bearer not-a-real-key")
    for _ in range(rate):
        guesser.get(API_ROOT)
    with django_assert_max_num_queries(0):
        assert guesser.get(API_ROOT).status_code == 429


def test_the_throttle_fails_open_when_redis_is_down(rate: int, settings) -> None:
    issued = api_token_issue(user=UserFactory(role="procurement"), name="CI", scopes=["read"], expires_in_days=30)
    settings.CACHES = {
        "default": {
            "BACKEND": "django.core.cache.backends.redis.RedisCache",
            "LOCATION": "redis://127.0.0.1:1/0",  # nothing listens there
            "OPTIONS": {"socket_connect_timeout": 1, "socket_timeout": 1},
        }
    }
    guesser = APIClient(REMOTE_ADDR="203.0.113.94")
    guesser.credentials(HTTP_AUTHORIZATION="Token not-a-real-key")
    assert [guesser.get(API_ROOT).status_code for _ in range(rate + 1)] == [401] * (rate + 1)
    good = APIClient(REMOTE_ADDR="203.0.113.94")
    good.credentials(HTTP_AUTHORIZATION=f"Token {issued.key}")
    assert good.get(API_ROOT).status_code == 200


def test_the_wait_is_until_the_oldest_failure_leaves_the_window(rate: int) -> None:
    throttle = TokenFailureThrottle()
    throttle.now, throttle.history = 1000.0, [990.0, 970.0, 950.5]
    assert throttle.wait() == 11  # 950.5 leaves the 60-second window at 1010.5
