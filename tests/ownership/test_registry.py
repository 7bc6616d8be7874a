"""No record with an owner can forget the rule: every model whose writes ``apps.accounts.roles`` grants to
the engineering manager (add/change/delete or a custom action) and that leads to a vendor through its
relations is registered in ``apps.vendors.ownership`` — so a new one fails here until it is registered
(and ``test_matrix.py`` then asks for its matrix)."""

from __future__ import annotations

from collections import deque

from django.apps import apps
from django.db.models import Model

from apps.accounts.choices import Role
from apps.accounts.roles import ROLE_PERMISSIONS
from apps.vendors import ownership
from apps.vendors.models import Vendor

MAX_HOPS = 5


def path_to_vendor(model: type[Model]) -> str | None:
    """The shortest path of forward relations (foreign keys, one-to-ones) from ``model`` to ``Vendor``."""
    queue: deque[tuple[type[Model], str]] = deque([(model, "")])
    seen = {model}
    while queue:
        current, path = queue.popleft()
        if path.count("__") >= MAX_HOPS:
            continue
        for field in current._meta.get_fields():
            if not (field.many_to_one or field.one_to_one) or field.auto_created or field.related_model is None:
                continue
            target = field.related_model
            step = f"{path}__{field.name}" if path else field.name
            if target is Vendor:
                return step
            if target not in seen:
                seen.add(target)
                queue.append((target, step))
    return None


def models_by_permission() -> dict[str, type[Model]]:
    """Every permission (``app.codename``) of every model: the default ones and ``Meta.permissions``."""
    found: dict[str, type[Model]] = {}
    for model in apps.get_models():
        opts = model._meta
        codenames = [f"{action}_{opts.model_name}" for action in opts.default_permissions]
        codenames += [codename for codename, _label in opts.permissions]
        for codename in codenames:
            found[f"{opts.app_label}.{codename}"] = model
    return found


def writable_by_engineering_managers() -> set[type[Model]]:
    by_permission = models_by_permission()
    granted = ROLE_PERMISSIONS[Role.ENGINEERING_MANAGER]
    unknown = granted - by_permission.keys()
    assert not unknown, f"roles.py names permissions no model has: {sorted(unknown)}"
    return {by_permission[name] for name in granted if not name.split(".")[1].startswith("view_")}


def test_every_record_an_engineering_manager_writes_with_a_vendor_is_owned() -> None:
    registered = {entry.model for entry in ownership.owned_models()}
    missing = sorted(
        model.__name__
        for model in writable_by_engineering_managers()
        if path_to_vendor(model) is not None and model not in registered
    )
    assert not missing, (
        f"{missing} are written by engineering managers and belong to a vendor, but are not registered in "
        "apps.vendors.ownership: register_owned(Model, vendor_path=..., duty=...) in the app's ready()."
    )


def test_the_registry_holds_what_engineering_managers_write_today() -> None:
    from apps.performance.models import Breach, Measurement
    from apps.vendors.models import ActionItem, ServiceReview

    assert {entry.model for entry in ownership.owned_models()} >= {Measurement, Breach, ServiceReview, ActionItem}


def test_the_path_finder_agrees_with_the_registered_paths() -> None:
    for entry in ownership.owned_models():
        found = path_to_vendor(entry.model)
        assert found is not None and found.count("__") <= entry.vendor_path.count("__"), (entry, found)
