from django.db import models


class NotificationKind(models.TextChoices):
    """What a notification is about. Each person turns e-mail on or off per kind."""

    BREACH_OPENED = "breach_opened", "SLA breach opened"
    BREACH_RETRACTED = "breach_retracted", "SLA breach retracted"
    SLA_AT_RISK = "sla_at_risk", "SLA at risk"
    REVIEW_DUE = "review_due", "Service review due"
    REVIEW_OVERDUE = "review_overdue", "Service review overdue"
    REVIEW_PACK = "review_pack", "Review pack before a service review"
    CONTRACT_CANCEL_BY = "contract_cancel_by", "Contract cancel-by date"
    CERTIFICATION_EXPIRING = "certification_expiring", "Certification expiring"
    CERTIFICATION_EXPIRED = "certification_expired", "Certification expired"
    ACCESS_FINDING = "access_finding", "Access grant finding"
    KPI_MISSING = "kpi_missing", "KPI not logged"
    POLICY_EXCEPTION_REVIEW = "policy_exception_review", "Policy exception due for review"
    POLICY_EXCEPTION_EXPIRED = "policy_exception_expired", "Policy exception expired"
    TELEMETRY_SILENT = "telemetry_silent", "Delivery telemetry source silent"
    API_TOKEN_EXPIRING = "api_token_expiring", "API token expiring"
    WEBHOOK_DISABLED = "webhook_disabled", "Webhook endpoint disabled"
    ROSTER_FINDING = "roster_finding", "Team roster finding"
    SUBSTITUTION_REQUESTED = "substitution_requested", "Substitution to decide"
    SUBSTITUTION_DECIDED = "substitution_decided", "Substitution decided"


class WebhookEventType(models.TextChoices):
    """The events outbound webhooks deliver (docs/integrations/webhooks.md documents each payload).

    The value is the Standard Webhooks ``type`` of the payload; an endpoint subscribes to some of them."""

    BREACH_OPENED = "breach.opened", "Breach opened"
    BREACH_REOPENED = "breach.reopened", "Breach reopened"
    BREACH_RETRACTED = "breach.retracted", "Breach retracted"
    BREACH_RESOLVED = "breach.resolved", "Breach resolved"
    BREACH_WAIVED = "breach.waived", "Breach waived"
    SLA_AT_RISK = "sla.at_risk", "SLA at risk"
    CONTRACT_CANCEL_BY_APPROACHING = "contract.cancel_by_approaching", "Contract cancel-by date approaching"
    CONTRACT_STATUS_CHANGED = "contract.status_changed", "Contract status changed"
    CERTIFICATION_EXPIRING = "certification.expiring", "Certification expiring"
    CERTIFICATION_EXPIRED = "certification.expired", "Certification expired"
    ACCESS_FINDING = "access.finding", "Access grant finding"
    REVIEW_OVERDUE = "review.overdue", "Service review overdue"
    IMPORT_FINISHED = "import.finished", "Import finished"
    TELEMETRY_SOURCE_SILENT = "telemetry.source_silent", "Delivery telemetry source silent"
    WEBHOOK_TEST = "webhook.test", "Test event"


class WebhookEndpointKind(models.TextChoices):
    """How an endpoint is spoken to: the signed JSON event itself, or a chat message rendered from it."""

    STANDARD = "standard", "Standard Webhooks (signed JSON)"
    SLACK = "slack", "Slack (incoming webhook, Block Kit)"
    TEAMS = "teams", "Microsoft Teams (Workflows / incoming webhook, Adaptive Card)"


class WebhookDeliveryStatus(models.TextChoices):
    """Where one event's delivery to one endpoint stands."""

    PENDING = "pending", "Pending"
    RETRYING = "retrying", "Retrying"
    DELIVERED = "delivered", "Delivered"
    FAILED = "failed", "Failed"
    SKIPPED = "skipped", "Skipped (endpoint disabled)"
