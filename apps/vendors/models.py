"""Vendors and everything governance keeps about them: vetting, certifications, risks, access of
their staff, and the recurring service reviews."""

from __future__ import annotations

from decimal import Decimal

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models.functions import Lower
from django.urls import reverse
from django_countries.fields import CountryField

from apps.core.models import TimeStampedModel, audit_tracked
from apps.core.search import trigram_index
from apps.core.validators import score_validators, validate_currency_code
from apps.vendors.choices import (
    CertificationKind,
    Geography,
    IdentityKind,
    PilotOutcome,
    Privilege,
    ReviewStatus,
    RiskCategory,
    RiskStatus,
    SeniorityBand,
    Tier,
    VendorStatus,
    Verdict,
)

DEFAULT_REVIEW_CADENCE_DAYS = 14  # bi-weekly service reviews unless the vendor's cadence says otherwise


def _between(field: str, low: int, high: int, prefix: str, label: str) -> models.CheckConstraint:
    return models.CheckConstraint(
        condition=models.Q(**{f"{field}__gte": low, f"{field}__lte": high}),
        name=f"{prefix}_{field}_{low}_to_{high}",
        violation_error_message=f"{label} must be from {low} to {high}.",
    )


@audit_tracked()
class Vendor(TimeStampedModel):
    """A company we outsource work to, with three named internal owners."""

    name = models.CharField(max_length=200)
    country = CountryField(help_text="ISO 3166 alpha-2 country of the delivery centre.")
    geography = models.CharField(max_length=10, choices=Geography.choices)
    timezone_overlap_hours = models.DecimalField(
        max_digits=4,
        decimal_places=1,
        validators=[MinValueValidator(0), MaxValueValidator(24)],
        help_text="Working hours per day shared with our teams.",
    )
    status = models.CharField(max_length=12, choices=VendorStatus.choices, default=VendorStatus.PROSPECT)
    tier = models.CharField(max_length=8, choices=Tier.choices, default=Tier.TIER_3)
    rate_min = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    rate_max = models.DecimalField(
        max_digits=10, decimal_places=2, null=True, blank=True, validators=[MinValueValidator(Decimal(0))]
    )
    currency = models.CharField(
        max_length=3, default="USD", validators=[validate_currency_code], help_text="ISO-4217, e.g. USD."
    )
    website = models.URLField(blank=True)
    description = models.TextField(blank=True)
    review_cadence_days = models.PositiveSmallIntegerField(
        default=DEFAULT_REVIEW_CADENCE_DAYS,
        validators=[MinValueValidator(1), MaxValueValidator(366)],
        help_text="Days between service reviews (14 = bi-weekly).",
    )
    engineering_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vendors_engineering_owned",
    )
    delivery_owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="vendors_delivery_owned"
    )
    security_contact = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="vendors_security_contact",
    )

    class Meta:
        ordering = ["name"]
        constraints = [
            models.UniqueConstraint(
                Lower("name"),
                name="vendors_vendor_name_unique_ci",
                violation_error_message="A vendor with this name already exists.",
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=models.Q(rate_min__isnull=True)
                | models.Q(rate_max__isnull=True)
                | models.Q(rate_min__lte=models.F("rate_max")),
                name="vendors_vendor_rate_range_valid",
                violation_error_message="The minimum hourly rate cannot be above the maximum.",
            ),
            models.CheckConstraint(
                condition=models.Q(rate_min__gte=0) | models.Q(rate_min__isnull=True),
                name="vendors_vendor_rate_min_non_negative",
                violation_error_message="Hourly rates cannot be negative.",
            ),
            _between("timezone_overlap_hours", 0, 24, "vendors_vendor", "Time-zone overlap"),
        ]
        # Global search and the list's q: vg_unaccent(name) ILIKE / <% (apps/core/search.py).
        indexes = [
            trigram_index("name", name="vendors_vendor_name_trgm"),
            # Every ordering the list page and the API offer, exactly as they order (the field, then the
            # name, then the id; either direction): a page reads the index in order instead of sorting every
            # vendor (decision 0020; tests/test_list_orderings.py).
            models.Index(fields=["name", "id"], name="vendors_vendor_name_idx"),
            models.Index(fields=["status", "name", "id"], name="vendors_status_name_idx"),
            models.Index(fields=["country", "name", "id"], name="vendors_country_name_idx"),
            models.Index(fields=["geography", "name", "id"], name="vendors_geo_name_idx"),
            models.Index(fields=["tier", "name", "id"], name="vendors_tier_name_idx"),
            models.Index(fields=["rate_min", "name", "id"], name="vendors_rate_min_idx"),
            models.Index(fields=["rate_max", "name", "id"], name="vendors_rate_max_idx"),
            models.Index(fields=["created_at", "name", "id"], name="vendors_created_idx"),
            models.Index(fields=["updated_at", "name", "id"], name="vendors_updated_idx"),
        ]

    def __str__(self) -> str:
        return self.name

    def get_absolute_url(self) -> str:
        return reverse("vendors:vendor-detail", args=[self.pk])

    @property
    def owner_ids(self) -> set[int]:
        return {i for i in (self.engineering_owner_id, self.delivery_owner_id, self.security_contact_id) if i}


VETTING_SCORE_FIELDS = (
    "delivery_maturity",
    "retention_stability",
    "security_posture",
    "technical_depth",
    "escalation_model",
    "communication",
)
RED_FLAG_FIELDS = (
    "flag_junior_interviewers",
    "flag_fast_yes",
    "flag_no_questions",
    "flag_trivia_interviews",
    "flag_no_pilot",
)
# Each red flag has its note: how the flag was answered (asked again, mitigated, accepted). A flag
# without a note is "unanswered" and holds the vendor before pilot (apps.vendors.gates).
RED_FLAG_NOTE_FIELDS: dict[str, str] = {flag: f"{flag}_note" for flag in RED_FLAG_FIELDS}


@audit_tracked()
class VettingAssessment(TimeStampedModel):
    """A structured vetting of a vendor: six scores, the red flags seen, the pilot and a verdict."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="vetting_assessments")
    assessed_on = models.DateField()
    assessor = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="vetting_assessments"
    )
    delivery_maturity = models.PositiveSmallIntegerField(validators=score_validators)
    retention_stability = models.PositiveSmallIntegerField(validators=score_validators)
    security_posture = models.PositiveSmallIntegerField(validators=score_validators)
    technical_depth = models.PositiveSmallIntegerField(validators=score_validators)
    escalation_model = models.PositiveSmallIntegerField(validators=score_validators)
    communication = models.PositiveSmallIntegerField(validators=score_validators)
    flag_junior_interviewers = models.BooleanField("Only junior interviewers", default=False)
    flag_fast_yes = models.BooleanField("A fast yes to every requirement", default=False)
    flag_no_questions = models.BooleanField("No questions about our system", default=False)
    flag_trivia_interviews = models.BooleanField("Trivia-heavy interviews", default=False)
    flag_no_pilot = models.BooleanField("No pilot option", default=False)
    flag_junior_interviewers_note = models.TextField("How the junior interviewers were answered", blank=True)
    flag_fast_yes_note = models.TextField("How the fast yes was answered", blank=True)
    flag_no_questions_note = models.TextField("How the missing questions were answered", blank=True)
    flag_trivia_interviews_note = models.TextField("How the trivia interviews were answered", blank=True)
    flag_no_pilot_note = models.TextField("How the missing pilot option was answered", blank=True)
    pilot_outcome = models.CharField(max_length=8, choices=PilotOutcome.choices, default=PilotOutcome.NOT_RUN)
    verdict = models.CharField(max_length=12, choices=Verdict.choices)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-assessed_on", "-id"]
        constraints = [
            _between(f, 1, 5, "vendors_vetting", f.replace("_", " ").capitalize()) for f in VETTING_SCORE_FIELDS
        ]

    def __str__(self) -> str:
        return f"Vetting of {self.vendor} on {self.assessed_on}"

    def get_absolute_url(self) -> str:
        return reverse("vendors:vendor-tab", args=[self.vendor_id, "vetting"])

    @property
    def score(self) -> Decimal:
        """The mean of the six scores, 1.0–5.0."""
        total = sum(int(getattr(self, f)) for f in VETTING_SCORE_FIELDS)
        return (Decimal(total) / len(VETTING_SCORE_FIELDS)).quantize(Decimal("0.1"))

    @property
    def red_flags(self) -> list[str]:
        return [str(self._meta.get_field(f).verbose_name) for f in RED_FLAG_FIELDS if getattr(self, f)]  # type: ignore[union-attr]  # get_field may give a relation; these are own fields

    @property
    def red_flag_notes(self) -> list[tuple[str, str]]:
        """Each red flag seen, with its note ("" while unanswered)."""
        return [
            (str(self._meta.get_field(flag).verbose_name), getattr(self, note).strip())  # type: ignore[union-attr]  # get_field may give a relation; these are own fields
            for flag, note in RED_FLAG_NOTE_FIELDS.items()
            if getattr(self, flag)
        ]

    @property
    def unanswered_red_flags(self) -> list[str]:
        return [flag for flag, note in self.red_flag_notes if not note]


@audit_tracked()
class Certification(TimeStampedModel):
    """A vendor's certification with its validity and evidence."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="certifications")
    kind = models.CharField(max_length=12, choices=CertificationKind.choices)
    name = models.CharField(max_length=150, blank=True, help_text="Required for “Other”.")
    issued_on = models.DateField()
    expires_on = models.DateField()
    evidence_url = models.URLField(blank=True, max_length=500)
    evidence_note = models.TextField(blank=True)

    class Meta:
        ordering = ["expires_on", "id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(expires_on__gt=models.F("issued_on")),
                name="vendors_certification_dates_valid",
                violation_error_message="A certification must expire after it was issued.",
            ),
            models.CheckConstraint(
                condition=~models.Q(kind=CertificationKind.OTHER) | ~models.Q(name=""),
                name="vendors_certification_other_named",
                violation_error_message="Name the certification when its kind is “Other”.",
            ),
        ]

    def __str__(self) -> str:
        label = self.name if self.kind == CertificationKind.OTHER else self.get_kind_display()
        return f"{label} — {self.vendor}"

    def get_absolute_url(self) -> str:
        return reverse("vendors:vendor-tab", args=[self.vendor_id, "certifications"])


@audit_tracked()
class VendorRisk(TimeStampedModel):
    """An entry of the vendor risk register, scored likelihood × impact (1–25)."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="risks")
    category = models.CharField(max_length=16, choices=RiskCategory.choices)
    title = models.CharField(max_length=200)
    description = models.TextField(blank=True)
    likelihood = models.PositiveSmallIntegerField(validators=score_validators)
    impact = models.PositiveSmallIntegerField(validators=score_validators)
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="vendor_risks"
    )
    mitigation = models.TextField(blank=True)
    status = models.CharField(max_length=12, choices=RiskStatus.choices, default=RiskStatus.OPEN)

    class Meta:
        ordering = ["-likelihood", "-impact", "id"]
        verbose_name = "vendor risk"
        constraints = [
            _between("likelihood", 1, 5, "vendors_risk", "Likelihood"),
            _between("impact", 1, 5, "vendors_risk", "Impact"),
        ]

    def __str__(self) -> str:
        return f"{self.title} ({self.vendor})"

    def get_absolute_url(self) -> str:
        return reverse("vendors:vendor-tab", args=[self.vendor_id, "risks"])

    @property
    def score(self) -> int:
        return int(self.likelihood) * int(self.impact)


@audit_tracked()
class Engineer(TimeStampedModel):
    """One of the vendor's engineers: who actually does the work (docs/architecture/roster.md). Only what
    governance needs is kept; their assignments to contracts are in ``apps.roster``. Once every
    assignment has ended longer ago than ``ROSTER_ANONYMISE_AFTER_MONTHS``, the name, e-mail and handles
    are replaced (``anonymised_on``): the audit trail still says who changed what."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="engineers")
    name = models.CharField(max_length=150)
    email = models.EmailField("work e-mail", blank=True)
    git_handle = models.CharField(
        "Git handle", max_length=100, blank=True, help_text="The login on the vendor team's Git hosting."
    )
    tracker_handle = models.CharField(max_length=100, blank=True, help_text="The login on the issue tracker.")
    role = models.CharField(max_length=100, blank=True, help_text="E.g. backend engineer, tech lead, QA.")
    seniority = models.CharField(max_length=10, choices=SeniorityBand.choices)
    location = models.CharField(max_length=100, blank=True, help_text="City or country.")
    overlap_hours = models.DecimalField(
        "time-zone overlap (hours)",
        max_digits=3,
        decimal_places=1,
        null=True,
        blank=True,
        validators=[MinValueValidator(Decimal(0)), MaxValueValidator(Decimal(24))],
        help_text="Working hours shared with our teams each day.",
    )
    anonymised_on = models.DateField(null=True, blank=True, editable=False)

    class Meta:
        ordering = ["vendor", "name", "id"]
        verbose_name = "vendor engineer"
        constraints = [
            models.UniqueConstraint(
                "vendor",
                Lower("email"),
                condition=~models.Q(email=""),
                name="vendors_engineer_unique_email",
                violation_error_message="The vendor already has an engineer with this work e-mail.",
                violation_error_code="unique",
            ),
            models.UniqueConstraint(
                "vendor",
                Lower("git_handle"),
                condition=~models.Q(git_handle=""),
                name="vendors_engineer_unique_git_handle",
                violation_error_message="The vendor already has an engineer with this Git handle.",
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(name=""),
                name="vendors_engineer_name_given",
                violation_error_message="Give the engineer's name.",
            ),
            models.CheckConstraint(
                condition=models.Q(overlap_hours__isnull=True) | models.Q(overlap_hours__gte=0, overlap_hours__lte=24),
                name="vendors_engineer_overlap_0_to_24",
                violation_error_message="The time-zone overlap is from 0 to 24 hours.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.name} ({self.get_seniority_display()})"

    def get_absolute_url(self) -> str:
        return reverse("vendors:vendor-tab", args=[self.vendor_id, "team"])


@audit_tracked()
class AccessGrant(TimeStampedModel):
    """Access of one vendor staff member to one of our systems. Shared accounts never get production
    access; an unrevoked grant that has expired, or of an exited vendor, is a finding."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="access_grants")
    person = models.CharField(max_length=150, help_text="The vendor staff member.")
    person_email = models.EmailField(blank=True)
    engineer = models.ForeignKey(
        Engineer,
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="access_grants",
        help_text="The person on the vendor's roster: a grant of someone with no active assignment is a finding.",
    )
    system = models.CharField(max_length=150)
    privilege = models.CharField(max_length=12, choices=Privilege.choices)
    account_name = models.CharField(max_length=150, help_text="The account used on the system.")
    named_account = models.BooleanField(default=True, help_text="A personal account (not shared).")
    mfa_enabled = models.BooleanField("MFA", default=True)
    granted_on = models.DateField()
    expires_on = models.DateField(null=True, blank=True)
    revoked_on = models.DateField(null=True, blank=True)
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="access_grants_given"
    )

    class Meta:
        ordering = ["vendor", "system", "person"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(named_account=True) | ~models.Q(privilege=Privilege.PRODUCTION),
                name="vendors_access_no_shared_production",
                violation_error_message="A shared account never gets production access: use a named account.",
            ),
            models.CheckConstraint(
                condition=models.Q(expires_on__isnull=True) | models.Q(expires_on__gte=models.F("granted_on")),
                name="vendors_access_expiry_after_grant",
                violation_error_message="Access cannot expire before it is granted.",
            ),
            models.CheckConstraint(
                condition=models.Q(revoked_on__isnull=True) | models.Q(revoked_on__gte=models.F("granted_on")),
                name="vendors_access_revoked_after_grant",
                violation_error_message="Access cannot be revoked before it is granted.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.person} → {self.system} ({self.get_privilege_display()})"

    def clean(self) -> None:
        super().clean()
        # The engineer (a resolved object in forms, serializers and imports: no query here) is the vendor's own.
        engineer = self.engineer if self.engineer_id is not None else None
        if engineer is not None and self.vendor_id is not None and engineer.vendor_id != self.vendor_id:
            raise ValidationError(
                {"engineer": "This engineer is on another vendor's roster: choose one of this vendor's engineers."}
            )

    def get_absolute_url(self) -> str:
        return reverse("vendors:vendor-tab", args=[self.vendor_id, "access"])


@audit_tracked()
class ServiceReview(TimeStampedModel):
    """One governance meeting with a vendor: who attended, how delivery went, what was decided."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="service_reviews")
    scheduled_for = models.DateField()
    held_on = models.DateField(null=True, blank=True)
    status = models.CharField(max_length=10, choices=ReviewStatus.choices, default=ReviewStatus.SCHEDULED)
    attendees = models.ManyToManyField(settings.AUTH_USER_MODEL, blank=True, related_name="service_reviews_attended")
    vendor_attendees = models.TextField(blank=True, help_text="The vendor's attendees, one per line.")
    duration_hours = models.DecimalField(
        max_digits=4,
        decimal_places=2,
        default=Decimal("1.5"),
        validators=[MinValueValidator(Decimal("0.25")), MaxValueValidator(Decimal(12))],
        help_text="How long the review lasted, in hours (each internal attendee's time counts as management load).",
    )
    delivery_quality = models.PositiveSmallIntegerField(
        null=True, blank=True, validators=score_validators, help_text="1 (poor) to 5 (excellent)."
    )
    decisions = models.TextField(blank=True)
    risks_raised = models.TextField(blank=True)
    notes = models.TextField(blank=True)

    class Meta:
        ordering = ["-scheduled_for", "-id"]
        constraints = [
            models.CheckConstraint(
                condition=models.Q(delivery_quality__isnull=True)
                | models.Q(delivery_quality__gte=1, delivery_quality__lte=5),
                name="vendors_review_quality_1_to_5",
                violation_error_message="Delivery quality must be a rating from 1 to 5.",
            ),
            models.CheckConstraint(
                condition=~models.Q(status=ReviewStatus.HELD) | models.Q(held_on__isnull=False),
                name="vendors_review_held_has_date",
                violation_error_message="A held review needs the date it was held.",
            ),
        ]

    def __str__(self) -> str:
        return f"Service review of {self.vendor} on {self.held_on or self.scheduled_for}"

    def get_absolute_url(self) -> str:
        return reverse("vendors:review-detail", args=[self.pk])


@audit_tracked()
class ActionItem(TimeStampedModel):
    """An action agreed in a service review, with its owner and due date."""

    review = models.ForeignKey(ServiceReview, on_delete=models.CASCADE, related_name="action_items")
    description = models.TextField()
    owner = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.PROTECT, null=True, blank=True, related_name="action_items"
    )
    due_on = models.DateField()
    done_on = models.DateField(null=True, blank=True)

    class Meta:
        ordering = ["done_on", "due_on", "id"]

    def __str__(self) -> str:
        return self.description[:80]

    def get_absolute_url(self) -> str:
        return reverse("vendors:review-detail", args=[self.review_id])

    @property
    def is_done(self) -> bool:
        return self.done_on is not None


@audit_tracked()
class VendorIdentityRule(TimeStampedModel):
    """Who is the vendor's: a rule that says a person in a delivery tool (a commit's author e-mail, a
    Git hosting login or team, a tracker group) works for this vendor. Delivery telemetry attributes
    changes, reviews and responses with these rules (``apps.vendors.identity``). The value is kept in
    lower case: e-mail domains and logins are matched without regard to case."""

    vendor = models.ForeignKey(Vendor, on_delete=models.PROTECT, related_name="identity_rules")
    kind = models.CharField(max_length=16, choices=IdentityKind.choices)
    value = models.CharField(
        max_length=255, help_text="An e-mail domain (acme.example), a login, a team slug or a group name."
    )

    class Meta:
        ordering = ["vendor", "kind", "value"]
        verbose_name = "vendor identity rule"
        constraints = [
            models.UniqueConstraint(
                fields=["vendor", "kind", "value"],
                name="vendors_identity_rule_unique",
                violation_error_message="The vendor already has this identity rule.",
                violation_error_code="unique",
            ),
            models.CheckConstraint(
                condition=~models.Q(value=""),
                name="vendors_identity_rule_value_given",
                violation_error_message="Give the value the rule matches.",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.get_kind_display()}: {self.value}"

    def clean(self) -> None:
        super().clean()
        self.value = (self.value or "").strip().lower()
        if self.kind == IdentityKind.EMAIL_DOMAIN:
            self.value = self.value.lstrip("@")
            if "@" in self.value or "." not in self.value or " " in self.value:
                raise ValidationError({"value": "Give an e-mail domain such as acme.example (without the @)."})


class VendorWatch(models.Model):
    """A person following a vendor they do not own: its dates join their calendar feed
    (``apps.vendors.calendar``). A personal subscription, like a notification, so not in the audit
    trail (``created_at`` says when)."""

    user = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="vendor_watches")
    vendor = models.ForeignKey(Vendor, on_delete=models.CASCADE, related_name="watches")
    created_at = models.DateTimeField(auto_now_add=True)

    class Meta:
        ordering = ["user", "vendor"]
        verbose_name = "vendor watch"
        verbose_name_plural = "vendor watches"
        constraints = [
            models.UniqueConstraint(
                fields=["user", "vendor"],
                name="vendors_watch_unique",
                violation_error_message="You are already watching this vendor.",
                violation_error_code="unique",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} watches {self.vendor}"
