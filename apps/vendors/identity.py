"""Whose is this person? A vendor's identity rules (``VendorIdentityRule``) answer it for delivery
telemetry: a commit's author e-mail, a Git hosting login, the teams of that login, a tracker group.

``IdentityRules`` is read once per vendor (``identity_rules_of``) and asked many times without a query.
A vendor with no rules owns nobody: ``matches`` is then ``None`` ("unknown"), never ``False``, so a
metric that needs attribution can say it has none rather than counting everyone as the customer's.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass, field

from apps.vendors.choices import IdentityKind
from apps.vendors.models import VendorIdentityRule


@dataclass(frozen=True)
class IdentityRules:
    """A vendor's rules, by kind, in lower case."""

    email_domains: frozenset[str] = field(default_factory=frozenset)
    logins: frozenset[str] = field(default_factory=frozenset)
    teams: frozenset[str] = field(default_factory=frozenset)
    groups: frozenset[str] = field(default_factory=frozenset)

    @property
    def empty(self) -> bool:
        return not (self.email_domains or self.logins or self.teams or self.groups)

    def matches(
        self,
        *,
        email: str | None = None,
        login: str | None = None,
        teams: Iterable[str] = (),
        groups: Iterable[str] = (),
    ) -> bool | None:
        """Whether the person is the vendor's; ``None`` when the vendor has no rules to say."""
        if self.empty:
            return None
        if email and "@" in email:
            domain = email.rsplit("@", 1)[1].strip().lower()
            # A rule for acme.example also covers its subdomains (eu.acme.example).
            if any(domain == rule or domain.endswith("." + rule) for rule in self.email_domains):
                return True
        if login and login.strip().lower() in self.logins:
            return True
        if any(team.strip().lower() in self.teams for team in teams):
            return True
        return any(group.strip().lower() in self.groups for group in groups)


def identity_rules_of(vendor_id: int) -> IdentityRules:
    """The vendor's identity rules (one query)."""
    by_kind: dict[str, set[str]] = {kind: set() for kind in IdentityKind.values}
    for kind, value in VendorIdentityRule.objects.filter(vendor_id=vendor_id).values_list("kind", "value"):
        by_kind[kind].add(value.lower())
    return IdentityRules(
        email_domains=frozenset(by_kind[IdentityKind.EMAIL_DOMAIN]),
        logins=frozenset(by_kind[IdentityKind.LOGIN]),
        teams=frozenset(by_kind[IdentityKind.TEAM]),
        groups=frozenset(by_kind[IdentityKind.GROUP]),
    )
