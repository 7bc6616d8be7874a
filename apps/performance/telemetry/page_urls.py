"""The pages of delivery telemetry's bindings and identity rules, included by ``apps/performance/urls.py``
(names ``performance:binding-…`` and ``performance:identity-rule-…``). The receivers' URLs are the API's
(``apps/performance/telemetry/urls.py``)."""

from django.urls import path

from apps.performance.telemetry import views

urlpatterns = [
    path("contracts/<int:contract_pk>/telemetry/new/", views.BindingCreateView.as_view(), name="binding-create"),
    path("contracts/telemetry/<int:pk>/setup/", views.binding_setup, name="binding-setup"),
    path("contracts/telemetry/<int:pk>/edit/", views.BindingUpdateView.as_view(), name="binding-update"),
    path("contracts/telemetry/<int:pk>/rotate/", views.BindingRotateView.as_view(), name="binding-rotate"),
    path("contracts/telemetry/<int:pk>/secret/", views.BindingSetSecretView.as_view(), name="binding-set-secret"),
    path("contracts/telemetry/<int:pk>/<slug:action>/", views.BindingActiveView.as_view(), name="binding-active"),
    path(
        "vendors/<int:vendor_pk>/identity-rules/new/",
        views.IdentityRuleCreateView.as_view(),
        name="identity-rule-create",
    ),
    path(
        "vendors/identity-rules/<int:pk>/delete/", views.IdentityRuleDeleteView.as_view(), name="identity-rule-delete"
    ),
]
