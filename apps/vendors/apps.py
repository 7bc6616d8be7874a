from django.apps import AppConfig


class VendorsConfig(AppConfig):
    name = "apps.vendors"
    label = "vendors"
    verbose_name = "Vendors"

    def ready(self) -> None:
        # The readiness conditions of the vendor lifecycle, registered once (apps.vendors.gates).
        from apps.vendors.gates import register_vendor_gates

        register_vendor_gates()
        # Registered on import: the vendor page's own tabs (apps.core.sections) and the reminders of its
        # reviews, certifications and access findings (apps.notifications.reminders).
        from apps.vendors import reminders, sections  # noqa: F401
