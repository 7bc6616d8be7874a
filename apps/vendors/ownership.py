"""Ownership: who may write a record that belongs to an engagement. One rule, applied by every service.

Everyone signed in reads. A record *with an owner* belongs to a vendor — directly (a service review) or
through one of its contracts (a measurement, a breach) — and the vendor's named engineering and delivery
owners run that engagement. An engineering manager who is not an admin (``owner_scoped``) writes such
records only for the vendors they own: create, change (the record as it is *and* as it will be, when
the change moves it to another contract or vendor), delete, and every action on it (acknowledge,
resolve, record, done…), one at a time, in bulk, by import or in the admin. Every other role acts
across the portfolio within its model permissions (``apps.accounts.roles``), and so does the system
itself (no actor: tasks, commands, the demo data).

Each app registers its records with an owner in its ``AppConfig.ready()``, naming the path from the
record to its vendor::

    register_owned(Measurement, vendor_path="contract__vendor", duty="logs its KPIs")

Services call ``require_owner`` (a record, or a vendor), ``require_owner_of_new`` (a record about to
be created from its data) and ``require_owner_of_change`` (an update); sets (bulk writes, imports,
pickers) filter with ``owned_q`` / ``parents_q`` or ask ``refused_parents``; pages and the admin ask
``may_write`` to offer only what the user may do. The service's check is the guard; the rest is courtesy.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from django.apps import apps
from django.core.exceptions import FieldDoesNotExist, ImproperlyConfigured, ObjectDoesNotExist
from django.db.models import Model, Q

from apps.accounts.choices import Role
from apps.core.errors import PermissionDeniedError

# The vendor's fields that name the owners of its engagement (its security contact is not one).
ENGAGEMENT_OWNER_FIELDS = ("engineering_owner", "delivery_owner")


def _vendor_model() -> type[Model]:
    return apps.get_model("vendors", "Vendor")


@dataclass(frozen=True)
class OwnedModel:
    """A registered record with an owner: the path from it to its vendor (``contract__vendor``) and the
    duty its owner has (``logs its KPIs``), which the refusal names."""

    model: type[Model]
    vendor_path: str
    duty: str

    @property
    def hops(self) -> list[str]:
        return self.vendor_path.split("__")

    @property
    def parent_field(self) -> str:
        """The record's own field on the way to its vendor: the one a change that moves it sets."""
        return self.hops[0]

    @property
    def parent_model(self) -> type[Model]:
        return self.model._meta.get_field(self.parent_field).related_model  # type: ignore[return-value]  # a relation, checked at registration

    @property
    def parent_path(self) -> str:
        """The path from the parent (``parent_field``'s record) to the vendor; "" when it is the vendor."""
        return "__".join(self.hops[1:])


_REGISTRY: dict[type[Model], OwnedModel] = {}


def register_owned(model: type[Model], *, vendor_path: str, duty: str) -> OwnedModel:
    """Declare ``model`` a record with an owner, reached from the vendor by ``vendor_path`` (each hop a
    forward relation, the last one to ``Vendor``). Called from the model's app's ``ready()``; calling
    it again with the same path is harmless, with another path an error."""
    current: type[Model] = model
    for hop in vendor_path.split("__"):
        try:
            field = current._meta.get_field(hop)
        except FieldDoesNotExist as exc:
            raise ImproperlyConfigured(f"{model.__name__}: no field {hop!r} on the way to its vendor.") from exc
        if not (field.many_to_one or field.one_to_one) or field.related_model is None:
            raise ImproperlyConfigured(f"{model.__name__}: {hop!r} is not a relation to one record.")
        current = field.related_model
    if current is not _vendor_model():
        raise ImproperlyConfigured(f"{model.__name__}: {vendor_path!r} leads to {current.__name__}, not to Vendor.")
    entry = OwnedModel(model=model, vendor_path=vendor_path, duty=duty)
    known = _REGISTRY.get(model)
    if known is not None and known != entry:
        raise ImproperlyConfigured(f"{model.__name__} is registered as owned already, by {known.vendor_path!r}.")
    _REGISTRY[model] = entry
    return entry


def owned_models() -> tuple[OwnedModel, ...]:
    """Every registered record with an owner."""
    return tuple(_REGISTRY.values())


def owned_model(model: type[Model]) -> OwnedModel:
    try:
        return _REGISTRY[model]
    except KeyError:
        raise ImproperlyConfigured(f"{model.__name__} is not registered as a record with an owner.") from None


# -- who is owner-scoped, and whom they own ---------------------------------------------------------------
def owner_scoped(user: Any) -> bool:
    """Whether ``user`` writes records with an owner only for the vendors they own: a signed-in
    engineering manager who is neither an admin nor a superuser — even with another role besides.
    False for no user (the system) and for everyone else."""
    if user is None or not getattr(user, "is_authenticated", False):
        return False
    if user.is_superuser or user.has_role(Role.ADMIN):
        return False
    return bool(user.has_role(Role.ENGINEERING_MANAGER))


def owns(user: Any, vendor: Any) -> bool:
    """Whether ``user`` is ``vendor``'s engineering or delivery owner."""
    user_id = getattr(user, "pk", None)
    return user_id is not None and user_id in {getattr(vendor, f"{name}_id") for name in ENGAGEMENT_OWNER_FIELDS}


def vendor_of(record: Any) -> Any | None:
    """The vendor ``record`` belongs to (a vendor is its own), following the registered path through
    its relations (loaded ones cost nothing); None when the record is not attached to one yet."""
    if isinstance(record, _vendor_model()):
        return record
    current = record
    for hop in owned_model(type(record)).hops:
        try:
            current = getattr(current, hop)
        except ObjectDoesNotExist:
            return None
        if current is None:
            return None
    return current


def may_write(user: Any, record: Any) -> bool:
    """Whether ``user`` may write ``record`` (a registered record, or a vendor) as far as ownership goes
    — the role's model permission is asked separately. For buttons, pickers and the admin; the services
    check again with ``require_owner``."""
    if user is None:
        return True
    if not getattr(user, "is_authenticated", False):
        return False
    if not owner_scoped(user):
        return True
    vendor = vendor_of(record)
    return vendor is not None and owns(user, vendor)


def refusal(record: Any) -> str:
    """What a non-owner is told: the vendor, and what its owners do."""
    vendor = vendor_of(record)
    duty = "writes its records" if isinstance(record, _vendor_model()) else owned_model(type(record)).duty
    return f"Only the engineering or delivery owner of {vendor} {duty}."


# -- the checks the services make -----------------------------------------------------------------------
def require_owner(actor: Any, record: Any) -> None:
    """Refuse (``PermissionDeniedError``, a 403) an owner-scoped ``actor`` who does not own ``record``'s
    vendor (``record`` may be the vendor). A record attached to no vendor yet passes: its validation
    refuses the missing relation."""
    if actor is not None and not getattr(actor, "is_authenticated", False):
        raise PermissionDeniedError("Sign in to change this record.")
    if not owner_scoped(actor):
        return
    vendor = vendor_of(record)
    if vendor is not None and not owns(actor, vendor):
        raise PermissionDeniedError(refusal(record))


def prospective(model: type[Model], parent: Any) -> Model:
    """An unsaved ``model`` record attached to ``parent`` (an instance or a primary key): what a create,
    or a change that moves a record, would make — to ask ``may_write`` or ``require_owner`` about."""
    field = owned_model(model).parent_field
    if isinstance(parent, Model):
        return model(**{field: parent})
    return model(**{f"{field}_id": parent})


def require_owner_of_new(actor: Any, model: type[Model], data: Mapping[str, Any]) -> None:
    """A record about to be created from ``data``: the actor must own the vendor its parent (the
    first field of its path: a measurement's contract, a review's vendor) belongs to."""
    parent = data.get(owned_model(model).parent_field)
    if parent is not None and parent != "":
        require_owner(actor, prospective(model, parent))


def require_owner_of_change(actor: Any, instance: Model, data: Mapping[str, Any]) -> None:
    """An update of ``instance`` with ``data``: the actor must own the record as it is, and — when the
    change moves it to another parent — as it will be. ``instance`` must be the stored record, not one
    a form has already changed."""
    require_owner(actor, instance)
    field = owned_model(type(instance)).parent_field
    if field not in data:
        return
    parent = data[field]
    if getattr(parent, "pk", parent) != getattr(instance, f"{field}_id"):
        require_owner_of_new(actor, type(instance), data)


# -- sets: bulk writes, imports, pickers ------------------------------------------------------------------
def owner_q(user: Any, path: str = "") -> Q:
    """The rows whose vendor (at ``path`` from them; "" for vendors) ``user`` owns; everything (an empty
    ``Q``) for a user who is not owner-scoped."""
    if not owner_scoped(user):
        return Q()
    prefix = f"{path}__" if path else ""
    condition = Q()
    for name in ENGAGEMENT_OWNER_FIELDS:
        condition |= Q(**{f"{prefix}{name}": user})
    return condition


def owned_q(user: Any, model: type[Model]) -> Q:
    """The ``model`` rows ``user`` may write (a registered model, or ``Vendor``)."""
    if model is _vendor_model():
        return owner_q(user)
    return owner_q(user, owned_model(model).vendor_path)


def parents_q(user: Any, model: type[Model]) -> Q:
    """The parents (rows of ``parent_model``) ``user`` may attach a new ``model`` record to: the
    contracts a manager logs KPIs for, the vendors whose reviews they schedule."""
    return owner_q(user, owned_model(model).parent_path)


def refused_parents(actor: Any, model: type[Model], parent_ids: Iterable[Any]) -> dict[Any, str]:
    """For a set of parents (by primary key) of new or changed ``model`` records, those ``actor`` may
    not write to, each with its refusal: one query for an owner-scoped actor, none for anyone else."""
    ids = set(parent_ids)
    if not ids or not owner_scoped(actor):
        return {}
    entry = owned_model(model)
    vendor = f"{entry.parent_path}__" if entry.parent_path else ""
    refused = (
        entry.parent_model._default_manager.filter(pk__in=ids)
        .exclude(parents_q(actor, model))
        .values_list("pk", f"{vendor}name")
    )
    return {pk: f"Only the engineering or delivery owner of {name} {entry.duty}." for pk, name in refused}
