"""The role groups hold exactly the permissions apps.accounts.roles gives them."""

from __future__ import annotations

import pytest
from django.apps import apps
from django.contrib.auth.models import Group, Permission

from apps.accounts.choices import Role
from apps.accounts.roles import ROLE_PERMISSIONS, sync_role_groups
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def group_permissions(name: str) -> set[str]:
    group = Group.objects.get(name=name)
    return {f"{p.content_type.app_label}.{p.codename}" for p in group.permissions.select_related("content_type")}


@pytest.mark.parametrize("role", sorted(ROLE_PERMISSIONS))
def test_each_role_has_exactly_its_permissions(role: str) -> None:
    assert group_permissions(role) == ROLE_PERMISSIONS[role]


def test_admin_has_every_permission() -> None:
    assert Group.objects.get(name=Role.ADMIN).permissions.count() == Permission.objects.count()


def test_every_listed_permission_exists() -> None:
    existing = {f"{p.content_type.app_label}.{p.codename}" for p in Permission.objects.select_related("content_type")}
    for role, perms in ROLE_PERMISSIONS.items():
        assert perms <= existing, (role, perms - existing)


def test_sync_is_idempotent_and_repairs_drift() -> None:
    procurement = Group.objects.get(name=Role.PROCUREMENT)
    procurement.permissions.add(Permission.objects.get(codename="waive_breach"))
    sync_role_groups(apps)
    sync_role_groups(apps)
    assert group_permissions(Role.PROCUREMENT) == ROLE_PERMISSIONS[Role.PROCUREMENT]
    assert Group.objects.filter(name__in=Role.values).count() == len(Role.values)


@pytest.mark.parametrize(
    ("role", "perm", "allowed"),
    [
        (Role.EXECUTIVE, "performance.waive_breach", True),
        (Role.ENGINEERING_MANAGER, "performance.waive_breach", False),
        (Role.PROCUREMENT, "vendors.add_vendor", True),
        (Role.SECURITY, "vendors.add_vendor", False),
        (Role.SECURITY, "vendors.add_accessgrant", True),
        (Role.ENGINEERING_MANAGER, "performance.add_measurement", True),
        (Role.PROCUREMENT, "performance.add_measurement", False),
        (Role.EXECUTIVE, "functions.add_sourcingdecision", True),
        (Role.PROCUREMENT, "functions.add_sourcingdecision", False),
    ],
)
def test_role_permissions_through_users(role: str, perm: str, allowed: bool) -> None:
    user = UserFactory(role=role)
    assert user.has_perm(perm) is allowed
    assert user.roles == [role]
