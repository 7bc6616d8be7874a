from django.db import models


class EngagementModel(models.TextChoices):
    STAFF_AUGMENTATION = "staff_augmentation", "Staff augmentation"
    MANAGED_SERVICES = "managed_services", "Managed services"
    PROJECT_BASED = "project_based", "Project-based"


class Renewal(models.TextChoices):
    NONE = "none", "None (ends)"
    AUTOMATIC = "automatic", "Automatic"
    EXPLICIT = "explicit", "Explicit"


class ContractStatus(models.TextChoices):
    DRAFT = "draft", "Draft"
    ACTIVE = "active", "Active"
    EXPIRED = "expired", "Expired"
    TERMINATED = "terminated", "Terminated"


CONTRACT_TRANSITIONS: dict[str, tuple[str, ...]] = {
    ContractStatus.DRAFT: (ContractStatus.ACTIVE, ContractStatus.TERMINATED),
    ContractStatus.ACTIVE: (ContractStatus.EXPIRED, ContractStatus.TERMINATED),
    ContractStatus.EXPIRED: (ContractStatus.ACTIVE,),  # renewed: a new end date in the future
    ContractStatus.TERMINATED: (),
}


class ClauseKind(models.TextChoices):
    IP_OWNERSHIP = "ip_ownership", "IP ownership"
    CONFIDENTIALITY = "confidentiality", "Confidentiality"
    SECURITY = "security", "Security obligations & incident notification"
    CHANGE_MANAGEMENT = "change_management", "Change management"
    DISPUTE_RESOLUTION = "dispute_resolution", "Dispute resolution"
    EXIT_TRANSITION = "exit_transition", "Exit & transition"
    SUBCONTRACTING = "subcontracting", "Subcontracting limits"
    DATA_PROCESSING = "data_processing", "Data processing"


class ClauseAssessment(models.TextChoices):
    PRESENT = "present", "Present"
    WEAK = "weak", "Weak"
    MISSING = "missing", "Missing"


class ExitItemKind(models.TextChoices):
    REPOSITORIES = "repositories", "Code repositories & branches"
    CREDENTIALS = "credentials", "Credentials & access removal"
    DOCUMENTATION = "documentation", "Documentation & architecture notes"
    OPEN_TICKETS = "open_tickets", "Open tickets & in-flight work"
    KNOWLEDGE_TRANSFER = "knowledge_transfer", "Knowledge transfer"


class SlaArea(models.TextChoices):
    DELIVERY = "delivery", "Delivery"
    QUALITY = "quality", "Quality"
    SUPPORT = "support", "Support"
    SECURITY = "security", "Security"
    DOCUMENTATION = "documentation", "Documentation"


class Comparator(models.TextChoices):
    GTE = "gte", "at least (≥)"
    LTE = "lte", "at most (≤)"


class WindowKind(models.TextChoices):
    MONTH = "month", "Calendar month"
    QUARTER = "quarter", "Calendar quarter"
    ROLLING = "rolling", "Rolling N days"


class Severity(models.TextChoices):
    MINOR = "minor", "Minor"
    MAJOR = "major", "Major"
    CRITICAL = "critical", "Critical"


class EvaluationStatus(models.TextChoices):
    MET = "met", "Met"
    BREACHED = "breached", "Breached"
    NO_DATA = "no_data", "No data"
    INSUFFICIENT_DATA = "insufficient_data", "Insufficient data"
    ON_TRACK = "on_track", "On track"
    AT_RISK = "at_risk", "At risk"


class BreachStatus(models.TextChoices):
    OPEN = "open", "Open"
    ACKNOWLEDGED = "acknowledged", "Acknowledged"
    RESOLVED = "resolved", "Resolved"
    WAIVED = "waived", "Waived"
    RETRACTED = "retracted", "Retracted"


BREACH_TRANSITIONS: dict[str, tuple[str, ...]] = {
    BreachStatus.OPEN: (BreachStatus.ACKNOWLEDGED, BreachStatus.RESOLVED, BreachStatus.WAIVED, BreachStatus.RETRACTED),
    BreachStatus.ACKNOWLEDGED: (BreachStatus.RESOLVED, BreachStatus.WAIVED, BreachStatus.RETRACTED),
    BreachStatus.RESOLVED: (),
    BreachStatus.WAIVED: (),
    BreachStatus.RETRACTED: (BreachStatus.OPEN,),  # later data made the window breached again
}
