from django.apps import AppConfig


class PerformanceConfig(AppConfig):
    name = "apps.performance"
    label = "performance"
    verbose_name = "Performance & SLAs"

    def ready(self) -> None:
        # What it shows on the pages of the floors below (apps.core.sections): the vendor page's
        # Performance tab and open breaches, the contract page's SLA terms, scorecard and breaches;
        # the reminder of KPIs not logged (apps.notifications.reminders); the imports' summary and
        # watchdog on the admins' status page (apps.core.health). Each registers on import.
        # The register "measurements" of the import engine (apps.core.importing; the engine is
        # apps.performance.imports, which serves the other apps' registers too).
        from apps.core.importing import register_import
        from apps.performance import imports, reminders, sections  # noqa: F401
        from apps.performance.measurement_imports import MeasurementRegister

        register_import(MeasurementRegister())

        # The records with an owner (apps.vendors.ownership): an engineering manager logs the KPIs and
        # acts on the breaches of the engagements they own (a contract's owners are its vendor's).
        from apps.performance.models import Breach, Measurement, SourceBinding

        # Delivery telemetry: the silent-binding reminder, and its summary and sweeper on the status page;
        # its panel of the contract page and its tab of the vendor page.
        from apps.performance.telemetry import operations as telemetry_operations  # noqa: F401
        from apps.performance.telemetry import reminders as telemetry_reminders  # noqa: F401
        from apps.performance.telemetry import sections as telemetry_sections  # noqa: F401
        from apps.vendors.ownership import register_owned

        register_owned(Measurement, vendor_path="contract__vendor", duty="logs its KPIs")
        register_owned(Breach, vendor_path="term__contract__vendor", duty="acknowledges and resolves its SLA breaches")
        register_owned(SourceBinding, vendor_path="contract__vendor", duty="binds its delivery tools")

        # The SLA terms register for spreadsheet imports (apps.core.importing).
        from apps.performance.term_imports import register_imports as register_term_imports

        register_term_imports()
