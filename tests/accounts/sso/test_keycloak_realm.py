"""docker-compose's keycloak profile and its realm (deploy/keycloak): parsed and checked, since no Docker
engine runs here. The realm's groups, client and addresses must fit what the workspace reads."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import pytest
import yaml

from apps.accounts.sso.providers import group_roles_from_env, sso_providers_from_env
from apps.demo import demo_data

ROOT = Path(__file__).resolve().parents[3]


@pytest.fixture(scope="module")
def realm() -> dict[str, Any]:
    return json.loads((ROOT / "deploy" / "keycloak" / "vendor-governance-realm.json").read_text())


@pytest.fixture(scope="module")
def keycloak_env() -> dict[str, str]:
    """The commented lines of .env.example that point the workspace at the keycloak service."""
    text = (ROOT / ".env.example").read_text()
    return dict(re.findall(r"^#\s+(SSO_[A-Z_]+)=(.*)$", text, re.M))


def test_the_service_runs_only_with_its_profile() -> None:
    keycloak = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]["keycloak"]
    assert keycloak["profiles"] == ["keycloak"]
    assert keycloak["image"].startswith("quay.io/keycloak/keycloak:")
    assert keycloak["command"][:2] == ["start-dev", "--import-realm"]
    assert "./deploy/keycloak:/opt/keycloak/data/import:ro" in keycloak["volumes"]
    assert "--hostname=http://localhost:8180" in keycloak["command"]
    assert keycloak["ports"] == ["8180:8080"]
    assert keycloak["healthcheck"]["test"]


def test_the_demo_people_sign_in_with_their_seed_demo_addresses(realm: dict[str, Any]) -> None:
    demo_names = {username for username, *_ in demo_data.USERS}
    users = {user["username"]: user for user in realm["users"]}
    assert {"cto", "procurement", "manager", "security", "admin"} <= set(users) <= demo_names
    for username, user in users.items():
        assert user["email"] == f"{username}@example.com" and user["emailVerified"]
        assert user["credentials"] == [{"type": "password", "value": demo_data.DEMO_PASSWORD, "temporary": False}]


def test_every_person_gets_their_demo_role(realm: dict[str, Any], keycloak_env: dict[str, str]) -> None:
    mapping = group_roles_from_env(keycloak_env["SSO_GROUP_ROLES"])
    demo_roles = {username: role for username, _, _, role in demo_data.USERS}
    for user in realm["users"]:
        roles = {mapping[group.strip("/")] for group in user["groups"] if group.strip("/") in mapping}
        assert roles == {demo_roles[user["username"]]}, user["username"]
    assert {group["name"] for group in realm["groups"]} >= set(mapping)


def test_the_client_fits_the_documented_environment(realm: dict[str, Any], keycloak_env: dict[str, str]) -> None:
    (client,) = realm["clients"]
    providers = sso_providers_from_env(keycloak_env)
    (app,) = providers["openid_connect"]["APPS"]
    assert app["settings"]["server_url"] == "http://keycloak:8080/realms/" + realm["realm"]
    assert (client["clientId"], client["secret"]) == (app["client_id"], app["secret"])
    assert client["redirectUris"] == [f"http://localhost:8000/accounts/oidc/{app['provider_id']}/login/callback/"]
    assert client["attributes"]["pkce.code.challenge.method"] == "S256"
    assert not client["publicClient"] and not client["directAccessGrantsEnabled"]
    (mapper,) = client["protocolMappers"]
    assert mapper["protocolMapper"] == "oidc-group-membership-mapper"
    assert mapper["config"]["claim.name"] == "groups" and mapper["config"]["full.path"] == "false"
    assert mapper["config"]["id.token.claim"] == mapper["config"]["userinfo.token.claim"] == "true"
