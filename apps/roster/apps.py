from django.apps import AppConfig


class RosterConfig(AppConfig):
    """Who actually does the work: assignments of the vendor's engineers to contracts, staffing plans,
    substitutions and the findings about them (docs/architecture/roster.md)."""

    name = "apps.roster"
    label = "roster"
    verbose_name = "Team roster"

    def ready(self) -> None:
        # Registered on import: the contract page's Team panel (apps.core.sections).
        from apps.roster import sections  # noqa: F401

        # Its register for spreadsheet imports (apps.core.importing): assignments.
        from apps.roster.imports import register_imports

        register_imports()

        # Registered on import: the roster findings' reminder (apps.notifications.reminders).
        from apps.roster import reminders  # noqa: F401
