"""The bulk actions of the vendor lists (``apps.core.bulk``): revoke access grants, reassign the named
owners of vendors. Each row goes through the same service as the single change
(``apps.vendors.services``), so its rules — a working vendor keeps its owners, a revocation not before
the grant — refuse that row alone, with the reason."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from apps.core.bulk import BulkAction
from apps.vendors import services
from apps.vendors.models import AccessGrant, Vendor
from apps.vendors.services import OWNER_FIELDS


def _revoke(grant: AccessGrant, *, actor: Any, data: Mapping[str, Any]) -> None:
    services.access_grant_revoke(grant=grant, actor=actor)


ACCESS_GRANT_BULK_ACTIONS = (
    BulkAction(
        "revoke",
        "Revoke",
        run=_revoke,
        permission="vendors.change_accessgrant",
        done="Revoked",
    ),
)


class VendorOwnersForm(forms.Form):
    """The owners to set on every selected vendor: only the fields given change."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        for name in OWNER_FIELDS:
            self.fields[name] = forms.ModelChoiceField(
                queryset=get_user_model().objects.filter(is_active=True).order_by("first_name", "last_name", "pk"),
                required=False,
                label=name.replace("_", " ").capitalize(),
                help_text="Leave empty to keep each vendor's own.",
            )

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not any(data.get(name) for name in OWNER_FIELDS):
            raise forms.ValidationError("Choose at least one owner to set.")
        return data


def _reassign(vendor: Vendor, *, actor: Any, data: Mapping[str, Any]) -> None:
    owners = {name: data[name] for name in OWNER_FIELDS if data.get(name)}
    services.vendor_update(instance=vendor, actor=actor, data=owners)


VENDOR_BULK_ACTIONS = (
    BulkAction(
        "reassign_owners",
        "Reassign owners…",
        run=_reassign,
        permission="vendors.change_vendor",
        form_class=VendorOwnersForm,
        done="Reassigned the owners of",
        help="The owners chosen replace those of every selected vendor; an owner left empty stays as it is.",
    ),
)
