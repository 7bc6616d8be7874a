"""What the dashboards store of their own: bookkeeping worked out from the other apps' records, never
typed by anyone (so without an audit trail of its own)."""

from __future__ import annotations

from django.db import models


class VendorSpendRollup(models.Model):
    """A vendor's annual contracted spend per engagement model and currency (``apps.dashboards.tiles.spend``:
    its active contracts annualised, a master agreement counted for what its active statements of work
    leave of it), worked out for the day ``on`` and stored; ``reporting``: the same in the reporting
    currency at that day's rate (None without one). A vendor without an active contract has no row.
    Dropped as soon as one of the vendor's contracts changes, or an FX rate, and for a new day
    (``apps.core.rollups``)."""

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.CASCADE, related_name="+")
    on = models.DateField()
    engagement_model = models.CharField(max_length=20)
    currency = models.CharField(max_length=3)
    # The scale of PostgreSQL's own division: the stored sums equal the ones worked out from the contracts.
    annual = models.DecimalField(max_digits=40, decimal_places=20)
    reporting = models.DecimalField(max_digits=40, decimal_places=20, null=True)
    contracts = models.PositiveIntegerField()

    class Meta:
        constraints = [
            models.UniqueConstraint(
                fields=["on", "vendor", "engagement_model", "currency"], name="dashboards_vendor_spend_rollup_unique"
            )
        ]
        indexes = [models.Index(fields=["vendor"], name="dashboards_vendor_spend_v")]

    def __str__(self) -> str:
        return f"Annual spend of vendor {self.vendor_id} in {self.currency} on {self.on}"


class VendorFunctionRollup(models.Model):
    """A function one of a vendor's active contracts covers (``apps.dashboards.tiles.sourcing``: who serves
    what), stored once per vendor and function. Dropped as soon as one of the vendor's contracts changes,
    and all of them when any contract's functions do (``apps.core.rollups``)."""

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.CASCADE, related_name="+")
    function = models.ForeignKey("functions.Function", on_delete=models.CASCADE, related_name="+")

    class Meta:
        constraints = [
            models.UniqueConstraint(fields=["function", "vendor"], name="dashboards_vendor_function_rollup_unique")
        ]
        indexes = [models.Index(fields=["vendor"], name="dashboards_vendor_function_v")]

    def __str__(self) -> str:
        return f"Vendor {self.vendor_id} serves function {self.function_id}"
