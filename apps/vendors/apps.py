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
        # reviews, certifications and access findings (apps.notifications.reminders), and for the calendar
        # feeds its dates and whose vendors they are (apps.notifications.calendar).
        from apps.vendors import calendar, reminders, sections  # noqa: F401

        # Global search (apps.core.search): vendors, people, certifications, risks.
        from apps.vendors.search import register as register_search

        register_search()

        # The records that carry evidence files and the vendor page's Evidence tab (apps.documents).
        from apps.vendors.evidence import register_vendor_evidence

        register_vendor_evidence()

        # The records with an owner (apps.vendors.ownership): engineering managers run the reviews of
        # the vendors they own, and the actions agreed in them.
        from apps.vendors.models import ActionItem, ServiceReview, VendorIdentityRule
        from apps.vendors.ownership import register_owned

        register_owned(ServiceReview, vendor_path="vendor", duty="runs its service reviews")
        register_owned(ActionItem, vendor_path="review__vendor", duty="keeps the action items of its service reviews")
        register_owned(VendorIdentityRule, vendor_path="vendor", duty="says who its people are in delivery telemetry")

        # Its registers for spreadsheet imports (apps.core.importing): vendors, vetting, certifications,
        # risks, access grants, service reviews.
        from apps.vendors.imports import register_imports

        register_imports()
