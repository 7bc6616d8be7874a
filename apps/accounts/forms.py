"""The form of a new API token (the tokens page); ``api_token_issue`` applies the rules again."""

from __future__ import annotations

from typing import Any, cast

from django import forms
from django.apps import apps as django_apps
from django.conf import settings
from django.core.validators import MaxValueValidator

from apps.accounts.choices import Role, TokenScope
from apps.accounts.scopes import scope_label


class ApiTokenForm(forms.Form):
    name = forms.CharField(max_length=100, help_text="What uses the token, e.g. “CI pipeline”.")
    scopes = forms.MultipleChoiceField(
        choices=[(scope, scope_label(scope)) for scope in TokenScope.values],
        widget=forms.CheckboxSelectMultiple,
        initial=[TokenScope.READ.value],
        help_text="Within what your role allows: a scope never lets a token do what you cannot do yourself.",
    )
    vendors = forms.ModelMultipleChoiceField(
        # By name, not by import: the vendors floor is above this one (see .importlinter).
        queryset=django_apps.get_model("vendors", "Vendor").objects.order_by("name"),
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Tick vendors to limit the token to their records; none: every vendor.",
    )
    expires_in_days = forms.IntegerField(
        label="Lifetime in days",
        min_value=1,
        required=False,
        help_text="It stops working after this many days; you are reminded before.",
    )
    never_expires = forms.BooleanField(label="Never expires (administrators only)", required=False)

    def __init__(self, *args: Any, user: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        most = settings.API_TOKEN_MAX_EXPIRY_DAYS
        field = cast(forms.IntegerField, self.fields["expires_in_days"])
        field.initial = min(settings.API_TOKEN_DEFAULT_EXPIRY_DAYS, most) or most
        field.max_value = most
        field.validators.append(MaxValueValidator(most))
        field.widget.attrs["max"] = most
        field.help_text = f"At most {most}. {field.help_text}"
        if not user.has_role(Role.ADMIN):
            del self.fields["never_expires"]

    def clean(self) -> dict[str, Any]:
        data = super().clean() or {}
        if not data.get("never_expires") and not data.get("expires_in_days") and "expires_in_days" not in self.errors:
            self.add_error("expires_in_days", "Give a lifetime in days.")
        return data

    def lifetime_days(self) -> int | None:
        """The ``expires_in_days`` of ``api_token_issue``: None never expires."""
        if self.cleaned_data.get("never_expires"):
            return None
        return int(self.cleaned_data["expires_in_days"])


class SavedViewForm(forms.Form):
    """Save a list's filters and sort under a name (the "Views" menu of every list's filter bar);
    ``saved_view_save`` applies the rules again."""

    name = forms.CharField(max_length=80, label="Name", help_text="Saving under a name you already use replaces it.")
    shared_with_role = forms.ChoiceField(
        choices=[("", "Only me"), *Role.choices],
        required=False,
        label="Share with",
        help_text="Everyone of the role sees the view in this list's menu; only you (or an administrator) delete it.",
    )
    list_key = forms.CharField(max_length=100, widget=forms.HiddenInput)
    query = forms.CharField(required=False, widget=forms.HiddenInput)
