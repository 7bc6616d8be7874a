from django.db import models


class Role(models.TextChoices):
    """The groups people are placed in; ``apps.accounts.roles`` says what each may write."""

    EXECUTIVE = "executive", "Executive (CTO / VP Engineering)"
    PROCUREMENT = "procurement", "Procurement"
    ENGINEERING_MANAGER = "engineering_manager", "Engineering manager"
    SECURITY = "security", "Security lead"
    ADMIN = "admin", "Administrator"
