from django.apps import AppConfig


class VendorsConfig(AppConfig):
    name = "apps.vendors"
    label = "vendors"
    verbose_name = "Vendors"

    def ready(self) -> None:
        # The readiness conditions of the vendor lifecycle, registered once (apps.vendors.gates).
        from apps.vendors.gates import register_vendor_gates

        register_vendor_gates()
        # The vendor page's own tabs (apps.core.sections).
        from apps.vendors import sections  # noqa: F401
