"""This app's API resources, registered on the /api/v1/ router by config/api.py."""

from typing import Any

from apps.vendors.api import views

registrations: list[tuple[str, Any, str]] = [
    ("vendors", views.VendorViewSet, "vendor"),
    ("vetting-assessments", views.VettingAssessmentViewSet, "vettingassessment"),
    ("certifications", views.CertificationViewSet, "certification"),
    ("risks", views.VendorRiskViewSet, "vendorrisk"),
    ("engineers", views.EngineerViewSet, "engineer"),
    ("access-grants", views.AccessGrantViewSet, "accessgrant"),
    ("service-reviews", views.ServiceReviewViewSet, "servicereview"),
    ("action-items", views.ActionItemViewSet, "actionitem"),
]
