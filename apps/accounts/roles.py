"""What each role may write. Everyone signed in may read; admins may do everything.

This mapping is the single source of truth: migrations call ``sync_role_groups`` with it, and the
permission-matrix tests are generated from it.
"""

from __future__ import annotations

from typing import Any

from apps.accounts.choices import Role


def _crud(app_label: str, *models: str, delete: bool = True) -> set[str]:
    verbs = ("add", "change", "delete") if delete else ("add", "change")
    return {f"{app_label}.{verb}_{model}" for model in models for verb in verbs}


ROLE_PERMISSIONS: dict[str, set[str]] = {
    Role.EXECUTIVE: {
        *_crud("functions", "function", delete=False),
        "functions.add_sourcingdecision",
        "performance.acknowledge_breach",
        "performance.resolve_breach",
        "performance.waive_breach",
        # Pass a readiness gate with a recorded reason (apps.core.gates): the override is an exception.
        "core.override_gate",
    },
    Role.PROCUREMENT: {
        *_crud("vendors", "vendor", "vettingassessment", "certification"),
        *_crud("contracts", "contract"),
        *_crud("performance", "slaterm"),
        *_crud("performance", "sourcebinding", delete=False),
        *_crud("vendors", "vendoridentityrule"),
        # The team roster of every vendor (apps.vendors.roster_access: delivery owners manage their own
        # vendor's without it). Engineers are never deleted, only anonymised.
        *_crud("vendors", "engineer", delete=False),
        # Their assignments, the staffing plans and substitution requests (apps.roster.services; deciding a
        # substitution is the vendor's engineering owner's alone, whatever the role).
        *_crud("roster", "assignment", "staffingplan", "substitution", delete=False),
        # The vendors' invoices and their billed hours (apps.costs.services); never deleted.
        *_crud("costs", "invoice", "invoicehours", delete=False),
        "contracts.change_contractclause",
        "contracts.change_exitplanitem",
    },
    Role.ENGINEERING_MANAGER: {
        *_crud("performance", "measurement"),
        *_crud("performance", "sourcebinding", delete=False),
        *_crud("vendors", "vendoridentityrule"),
        *_crud("vendors", "servicereview", "actionitem"),
        "performance.acknowledge_breach",
        "performance.resolve_breach",
    },
    Role.SECURITY: {
        *_crud("vendors", "certification", "vendorrisk", "accessgrant"),
    },
}
ALL_PERMISSIONS = "__all__"
ROLE_PERMISSIONS_WITH_ADMIN: dict[str, set[str] | str] = {**ROLE_PERMISSIONS, Role.ADMIN: ALL_PERMISSIONS}


def sync_role_groups(apps: Any, schema_editor: Any = None) -> None:
    """Create the role groups and give each exactly its permissions (usable from a migration)."""
    from django.contrib.auth.management import create_permissions

    for app_config in apps.get_app_configs():
        app_config.models_module = True
        create_permissions(app_config, verbosity=0, apps=apps)
        app_config.models_module = None

    Group = apps.get_model("auth", "Group")
    Permission = apps.get_model("auth", "Permission")
    for role, wanted in ROLE_PERMISSIONS_WITH_ADMIN.items():
        group, _ = Group.objects.get_or_create(name=str(role))
        if wanted == ALL_PERMISSIONS:
            group.permissions.set(Permission.objects.all())
            continue
        # A permission of an app whose migrations have not run yet (inside an early migration) is
        # skipped: the post-migrate sync gives it once it exists; tests check every name is real.
        perms = [
            permission
            for permission in Permission.objects.select_related("content_type")
            if f"{permission.content_type.app_label}.{permission.codename}" in wanted
        ]
        group.permissions.set(perms)
