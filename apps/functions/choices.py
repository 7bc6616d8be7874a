from django.db import models


class FunctionCategory(models.TextChoices):
    CORE_ARCHITECTURE = "core_architecture", "Core product architecture"
    DEVEX_CICD = "devex_cicd", "Developer experience & CI/CD"
    PRODUCT_DISCOVERY = "product_discovery", "Product discovery & customer feedback"
    DATA_ML = "data_ml", "Data & ML"
    IT_OPERATIONS = "it_operations", "IT operations"
    QA_TESTING = "qa_testing", "QA & testing"
    SUPPORT_TOOLING = "support_tooling", "Customer support tooling"
    PAYROLL_HR = "payroll_hr", "Payroll & HR tech"
    CLOUD_INFRASTRUCTURE = "cloud_infrastructure", "Cloud infrastructure management"
    MIGRATIONS = "migrations", "One-off migrations"
    SECURITY_AUDITS = "security_audits", "Security audits & pen testing"
    INTERNAL_TOOLS = "internal_tools", "Internal tools & dashboards"
    L1_SUPPORT = "l1_support", "L1 support"
    OTHER = "other", "Other"


class Recommendation(models.TextChoices):
    """What the sourcing profile suggests (derived, never stored)."""

    NEVER_OUTSOURCE = "never_outsource", "Never outsource"
    KEEP_IN_HOUSE = "keep_in_house", "Keep in-house"
    HYBRID = "hybrid", "Hybrid (keep ownership, augment capacity)"
    OUTSOURCE = "outsource", "Outsourcing candidate"


class Decision(models.TextChoices):
    """What the organisation decided."""

    KEEP_IN_HOUSE = "keep_in_house", "Keep in-house"
    HYBRID = "hybrid", "Hybrid"
    OUTSOURCE = "outsource", "Outsource"
