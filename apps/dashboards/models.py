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


class VendorAttentionRollup(models.Model):
    """The points a vendor's own records add to its attention score on the day ``on``
    (``apps.dashboards.ranking``): open breaches by severity and the credits they owe (in the reporting
    currency at that day's rate), high risks, access findings, expired certifications, near cancel-by
    dates, open gate overrides and expired policy exceptions — each part's quantity times its weight,
    rounded as the score rounds it, summed. A vendor whose records add nothing has no row. The parts read
    from other stores (scorecard, costs, spend) and the roster's findings (no audit trail) are added when
    the league is ranked. Dropped as soon as one of the vendor's records changes, or an FX rate, an override
    or a policy exception, and for a new day or other weights (``apps.core.rollups``)."""

    vendor = models.ForeignKey("vendors.Vendor", on_delete=models.CASCADE, related_name="+")
    on = models.DateField()
    points = models.DecimalField(max_digits=20, decimal_places=1)

    class Meta:
        constraints = [models.UniqueConstraint(fields=["on", "vendor"], name="dashboards_vendor_attention_unique")]
        indexes = [models.Index(fields=["vendor"], name="dashboards_vendor_attention_v")]

    def __str__(self) -> str:
        return f"Attention points of vendor {self.vendor_id} on {self.on}"
