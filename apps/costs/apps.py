from django.apps import AppConfig


class CostsConfig(AppConfig):
    """What a vendor really costs: its invoices, the owners' hours and the ledger of the total cost of
    ownership. docs/architecture/costs.md."""

    name = "apps.costs"
    label = "costs"
    verbose_name = "Total cost of ownership"

    def ready(self) -> None:
        # Registered on import: the contract page's Invoices and Total cost panels (apps.core.sections).
        from apps.costs import sections  # noqa: F401

        # Its register for spreadsheet imports (apps.core.importing): invoices.
        from apps.costs.imports import register_imports

        register_imports()

        # The function page's "Cost: vendors vs in-house" panel and the figures a sourcing decision records
        # (apps.core.sections, apps.functions.figures).
        from apps.costs.sourcing import register as register_sourcing

        register_sourcing()
