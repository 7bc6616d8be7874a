from django.db import models


class NotificationKind(models.TextChoices):
    """What a notification is about. Each person turns e-mail on or off per kind."""

    BREACH_OPENED = "breach_opened", "SLA breach opened"
    BREACH_RETRACTED = "breach_retracted", "SLA breach retracted"
    SLA_AT_RISK = "sla_at_risk", "SLA at risk"
    REVIEW_DUE = "review_due", "Service review due"
    REVIEW_OVERDUE = "review_overdue", "Service review overdue"
    CONTRACT_CANCEL_BY = "contract_cancel_by", "Contract cancel-by date"
    CERTIFICATION_EXPIRING = "certification_expiring", "Certification expiring"
    CERTIFICATION_EXPIRED = "certification_expired", "Certification expired"
    ACCESS_FINDING = "access_finding", "Access grant finding"
    KPI_MISSING = "kpi_missing", "KPI not logged"
    POLICY_EXCEPTION_REVIEW = "policy_exception_review", "Policy exception due for review"
    POLICY_EXCEPTION_EXPIRED = "policy_exception_expired", "Policy exception expired"
    TELEMETRY_SILENT = "telemetry_silent", "Delivery telemetry source silent"
