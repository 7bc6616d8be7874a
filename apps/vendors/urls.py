from django.urls import path

from apps.vendors import views

app_name = "vendors"

urlpatterns = [
    path("vendors/", views.VendorListView.as_view(), name="vendor-list"),
    path("vendors/new/", views.VendorCreateView.as_view(), name="vendor-create"),
    path("vendors/certifications/", views.CertificationListView.as_view(), name="certification-list"),
    path("vendors/access/", views.AccessGrantListView.as_view(), name="access-list"),
    path("vendors/<int:pk>/", views.vendor_page, name="vendor-detail"),
    path("vendors/<int:pk>/edit/", views.VendorUpdateView.as_view(), name="vendor-update"),
    path(
        "vendors/<int:pk>/transition/<slug:to_status>/", views.VendorTransitionView.as_view(), name="vendor-transition"
    ),
    path("vendors/<int:pk>/delete/", views.VendorDeleteView.as_view(), name="vendor-delete"),
    path("vendors/<int:pk>/watch/", views.VendorWatchView.as_view(), name="vendor-watch"),
    path("vendors/<int:pk>/unwatch/", views.VendorUnwatchView.as_view(), name="vendor-unwatch"),
    path("vendors/<int:vendor_pk>/vetting/new/", views.VettingCreateView.as_view(), name="vetting-create"),
    path("vendors/vetting/<int:pk>/edit/", views.VettingUpdateView.as_view(), name="vetting-update"),
    path("vendors/vetting/<int:pk>/delete/", views.VettingDeleteView.as_view(), name="vetting-delete"),
    path(
        "vendors/<int:vendor_pk>/certifications/new/",
        views.CertificationCreateView.as_view(),
        name="certification-create",
    ),
    path("vendors/certifications/<int:pk>/edit/", views.CertificationUpdateView.as_view(), name="certification-update"),
    path(
        "vendors/certifications/<int:pk>/delete/", views.CertificationDeleteView.as_view(), name="certification-delete"
    ),
    path("vendors/<int:vendor_pk>/risks/new/", views.RiskCreateView.as_view(), name="vendor-risk-create"),
    path("vendors/risks/<int:pk>/edit/", views.RiskUpdateView.as_view(), name="risk-update"),
    path("vendors/risks/<int:pk>/delete/", views.RiskDeleteView.as_view(), name="risk-delete"),
    path("vendors/<int:vendor_pk>/access/new/", views.AccessGrantCreateView.as_view(), name="access-create"),
    path("vendors/access/<int:pk>/edit/", views.AccessGrantUpdateView.as_view(), name="access-update"),
    path("vendors/access/<int:pk>/delete/", views.AccessGrantDeleteView.as_view(), name="access-delete"),
    path("vendors/<int:vendor_pk>/engineers/new/", views.EngineerCreateView.as_view(), name="engineer-create"),
    path("vendors/engineers/<int:pk>/edit/", views.EngineerUpdateView.as_view(), name="engineer-update"),
    path("vendors/<int:pk>/<slug:tab>/", views.vendor_page, name="vendor-tab"),
    path("risks/", views.RiskListView.as_view(), name="risk-list"),
    path("risks/new/", views.RiskRegisterCreateView.as_view(), name="risk-create"),
    path("reviews/", views.ReviewListView.as_view(), name="review-list"),
    path("reviews/new/", views.ReviewCreateView.as_view(), name="review-create"),
    path("reviews/<int:pk>/", views.review_detail, name="review-detail"),
    path("reviews/<int:pk>/record/", views.ReviewRecordView.as_view(), name="review-record"),
    path("reviews/<int:pk>/delete/", views.ReviewDeleteView.as_view(), name="review-delete"),
    path("reviews/<int:review_pk>/actions/new/", views.ActionItemCreateView.as_view(), name="action-create"),
    path("reviews/actions/<int:pk>/done/", views.ActionItemCompleteView.as_view(), name="action-complete"),
    path("reviews/actions/<int:pk>/delete/", views.ActionItemDeleteView.as_view(), name="action-delete"),
]
