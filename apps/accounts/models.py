"""People and the API tokens integrations use."""

from __future__ import annotations

import hashlib
from datetime import datetime

from django.contrib.auth.models import AbstractUser
from django.contrib.postgres.fields import ArrayField
from django.db import models
from django.db.models.functions import Lower
from django.utils import timezone

from apps.accounts.choices import Role, TokenScope
from apps.core.models import audit_tracked


@audit_tracked(exclude=["password", "last_login"])
class User(AbstractUser):
    """A person who signs in. Their role is the group they belong to (one of ``Role``)."""

    class Meta:
        ordering = ["username"]
        constraints = [
            models.UniqueConstraint(
                Lower("email"),
                condition=~models.Q(email=""),
                name="accounts_user_email_unique_ci",
                violation_error_message="Another user already has this e-mail address.",
                violation_error_code="unique",
            ),
        ]

    def __str__(self) -> str:
        return self.get_full_name() or self.username

    @property
    def roles(self) -> list[str]:
        """The user's role names, from their groups (cached per instance)."""
        if not hasattr(self, "_role_names"):
            valid = set(Role.values)
            self._role_names = sorted(g.name for g in self.groups.all() if g.name in valid)
        return self._role_names

    def has_role(self, *roles: str) -> bool:
        return self.is_superuser or bool(set(self.roles) & set(roles))


def hash_token(key: str) -> str:
    """Tokens are random 256-bit secrets, so one SHA-256 is enough; only the hash is stored."""
    return hashlib.sha256(key.encode()).hexdigest()


@audit_tracked(exclude=["last_used_at"])
class ApiToken(models.Model):
    """A scoped credential for an integration. The key is shown once; the database keeps its hash."""

    user = models.ForeignKey(User, on_delete=models.CASCADE, related_name="api_tokens")
    name = models.CharField(max_length=100, help_text="What uses the token, e.g. “CI pipeline”.")
    prefix = models.CharField(max_length=12, help_text="The first characters of the key, to recognise it.")
    key_hash = models.CharField(max_length=64, unique=True, editable=False)
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    expires_at = models.DateTimeField(null=True, blank=True, help_text="Empty: never expires.")
    revoked_at = models.DateTimeField(null=True, blank=True)
    last_used_at = models.DateTimeField(null=True, blank=True, editable=False)
    scopes = ArrayField(
        models.CharField(max_length=32, choices=TokenScope.choices),
        default=list,
        help_text="What the token may do, within its user's role (apps.accounts.choices.TokenScope).",
    )
    # A string relation, not an import: the accounts floor sits below vendors (see .importlinter).
    vendors = models.ManyToManyField(
        "vendors.Vendor",
        blank=True,
        related_name="+",
        help_text="When any is chosen, the token reads and writes only these vendors' records.",
    )

    class Meta:
        ordering = ["-created_at"]
        verbose_name = "API token"
        constraints = [
            models.CheckConstraint(
                condition=~models.Q(scopes=[]),
                name="accounts_token_has_scope",
                violation_error_message="Give the token at least one scope.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.prefix}…) of {self.user}"

    def is_active(self, at: datetime | None = None) -> bool:
        now = at or timezone.now()
        return self.revoked_at is None and (self.expires_at is None or self.expires_at > now)


# The longest query string a saved view keeps: a list's filters and sort are a few hundred characters.
SAVED_VIEW_QUERY_MAX_LENGTH = 2000


class SavedView(models.Model):
    """A list's filters and sort saved under a name by a person: private to them, or shared with everyone
    of one role. ``list_key`` is the list page's URL name (``contracts:contract-list``), ``query`` its query
    string without the page number or an export (``docs/product/saved-views.md``)."""

    owner = models.ForeignKey(User, on_delete=models.CASCADE, related_name="saved_views")
    list_key = models.CharField(max_length=100, help_text="The list page's URL name, e.g. “contracts:contract-list”.")
    name = models.CharField(max_length=80)
    query = models.CharField(max_length=SAVED_VIEW_QUERY_MAX_LENGTH, blank=True)
    shared_with_role = models.CharField(
        max_length=32,
        choices=Role.choices,
        blank=True,
        help_text="Empty: only its owner sees it; else everyone of this role sees it too.",
    )
    created_at = models.DateTimeField(default=timezone.now, editable=False)
    updated_at = models.DateTimeField(default=timezone.now, editable=False)

    class Meta:
        ordering = ["list_key", Lower("name"), "pk"]
        constraints = [
            # One name per person and list, whatever its case: saving under an existing name replaces it.
            models.UniqueConstraint(
                "owner",
                "list_key",
                Lower("name"),
                name="accounts_savedview_owner_list_name_unique",
                violation_error_message="You already have a view of this list with this name.",
            ),
            models.CheckConstraint(
                condition=~models.Q(name=""),
                name="accounts_savedview_has_name",
                violation_error_message="Give the view a name.",
            ),
        ]

    def __str__(self) -> str:
        return self.name
