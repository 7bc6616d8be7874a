from django.db import models


class Role(models.TextChoices):
    """The groups people are placed in; ``apps.accounts.roles`` says what each may write."""

    EXECUTIVE = "executive", "Executive (CTO / VP Engineering)"
    PROCUREMENT = "procurement", "Procurement"
    ENGINEERING_MANAGER = "engineering_manager", "Engineering manager"
    SECURITY = "security", "Security lead"
    ADMIN = "admin", "Administrator"


class TokenScope(models.TextChoices):
    """What an API token may do, within what its user's role allows (docs/api.md, "Scopes").

    ``read`` reads everything the user can read; ``<area>:write`` writes that area (and reads it);
    ``admin`` is everything the user's role allows, the administrative endpoints included."""

    READ = "read", "Read"
    VENDORS_WRITE = "vendors:write", "Write vendors"
    CONTRACTS_WRITE = "contracts:write", "Write contracts"
    MEASUREMENTS_WRITE = "measurements:write", "Write measurements"
    TELEMETRY_WRITE = "telemetry:write", "Write telemetry"
    ADMIN = "admin", "Administer"
