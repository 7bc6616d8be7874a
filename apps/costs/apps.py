from django.apps import AppConfig


class CostsConfig(AppConfig):
    """What a vendor really costs: its invoices (and, later, the other components of the total cost of
    ownership). docs/architecture/costs.md."""

    name = "apps.costs"
    label = "costs"
    verbose_name = "Total cost of ownership"

    def ready(self) -> None:
        # Registered on import: the contract page's Invoices panel (apps.core.sections).
        from apps.costs import sections  # noqa: F401

        # Its register for spreadsheet imports (apps.core.importing): invoices.
        from apps.costs.imports import register_imports

        register_imports()
