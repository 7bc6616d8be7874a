"""The kinds of evidence file a governance record can carry."""

from __future__ import annotations

from django.db import models


class EvidenceKind(models.TextChoices):
    SOC2_REPORT = "soc2_report", "SOC 2 report"
    ISO_CERTIFICATE = "iso_certificate", "ISO certificate"
    SIGNED_CONTRACT = "signed_contract", "Signed contract"
    AMENDMENT = "amendment", "Amendment"
    VETTING_REPORT = "vetting_report", "Vetting report"
    REVIEW_MINUTES = "review_minutes", "Review minutes"
    RISK_EVIDENCE = "risk_evidence", "Risk evidence"
    OTHER = "other", "Other"
