from django.db import models

from apps.core.tones import BAD, GOOD, INFO, WARN, register_tones


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


register_tones(
    {
        Recommendation.NEVER_OUTSOURCE: BAD,
        Recommendation.KEEP_IN_HOUSE: WARN,
        Recommendation.HYBRID: INFO,
        Recommendation.OUTSOURCE: GOOD,
    }
)


class Decision(models.TextChoices):
    """What the organisation decided."""

    KEEP_IN_HOUSE = "keep_in_house", "Keep in-house"
    HYBRID = "hybrid", "Hybrid"
    OUTSOURCE = "outsource", "Outsource"


register_tones(
    {
        Decision.KEEP_IN_HOUSE: WARN,
        Decision.HYBRID: INFO,
        Decision.OUTSOURCE: GOOD,
    }
)


# -- what a category implies -------------------------------------------------------------------------
# The profile flags a function's category sets when the flag is not given ("unless said otherwise"):
# an explicit value always wins. A category not listed here implies no flag.
PROFILE_FLAGS = ("velocity_critical",)
CATEGORY_DEFAULTS: dict[str, dict[str, bool]] = {
    # The CI/CD platform and developer tooling carry every team's delivery: they stay in-house.
    FunctionCategory.DEVEX_CICD: {"velocity_critical": True},
}


def category_defaults(category: str) -> dict[str, bool]:
    """Every profile flag's default for ``category`` (``False`` where the category says nothing)."""
    implied = CATEGORY_DEFAULTS.get(category, {})
    return {flag: implied.get(flag, False) for flag in PROFILE_FLAGS}


# -- how far a recommendation or a decision goes towards outsourcing ---------------------------------
# One scale: in-house (0) < hybrid (1) < outsource (2); "never outsource" and "keep in-house" are both
# in-house. A decision further along the scale than the recommendation departs from policy.
SOURCING_LEVEL_IN_HOUSE, SOURCING_LEVEL_HYBRID, SOURCING_LEVEL_OUTSOURCE = 0, 1, 2
RECOMMENDATION_LEVEL: dict[str, int] = {
    Recommendation.NEVER_OUTSOURCE: SOURCING_LEVEL_IN_HOUSE,
    Recommendation.KEEP_IN_HOUSE: SOURCING_LEVEL_IN_HOUSE,
    Recommendation.HYBRID: SOURCING_LEVEL_HYBRID,
    Recommendation.OUTSOURCE: SOURCING_LEVEL_OUTSOURCE,
}
DECISION_LEVEL: dict[str, int] = {
    Decision.KEEP_IN_HOUSE: SOURCING_LEVEL_IN_HOUSE,
    Decision.HYBRID: SOURCING_LEVEL_HYBRID,
    Decision.OUTSOURCE: SOURCING_LEVEL_OUTSOURCE,
}


def decision_against_recommendation(decision: str, recommendation: str) -> bool:
    """Whether ``decision`` outsources more than ``recommendation`` allows. A more conservative
    decision (keeping in-house what could be outsourced) is not a policy departure."""
    if decision not in DECISION_LEVEL:
        return False
    return DECISION_LEVEL[decision] > RECOMMENDATION_LEVEL[recommendation]


# The policy exception a decision against the recommendation opens (``apps.core.models.PolicyException.kind``).
EXCEPTION_KIND_DECISION = "decision_against_recommendation"
