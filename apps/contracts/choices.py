from django.db import models

from apps.core.tones import BAD, GOOD, QUIET, WARN, register_tones


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


register_tones(
    {
        ContractStatus.DRAFT: QUIET,
        ContractStatus.ACTIVE: GOOD,
        ContractStatus.EXPIRED: QUIET,
        ContractStatus.TERMINATED: BAD,
    }
)


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
    KEY_PERSONNEL = "key_personnel", "Key personnel"


class ClauseAssessment(models.TextChoices):
    PRESENT = "present", "Present"
    WEAK = "weak", "Weak"
    MISSING = "missing", "Missing"


register_tones(
    {
        ClauseAssessment.PRESENT: GOOD,
        ClauseAssessment.WEAK: WARN,
        ClauseAssessment.MISSING: BAD,
    }
)


class ExitItemKind(models.TextChoices):
    REPOSITORIES = "repositories", "Code repositories & branches"
    CREDENTIALS = "credentials", "Credentials & access removal"
    DOCUMENTATION = "documentation", "Documentation & architecture notes"
    OPEN_TICKETS = "open_tickets", "Open tickets & in-flight work"
    KNOWLEDGE_TRANSFER = "knowledge_transfer", "Knowledge transfer"
