"""The webhook pages, under /notifications/webhooks/ (included by ``apps.notifications.urls``)."""

from django.urls import path

from apps.notifications.webhooks import views

urlpatterns = [
    path("webhooks/", views.WebhookEndpointListView.as_view(), name="webhook-list"),
    path("webhooks/new/", views.WebhookEndpointCreateView.as_view(), name="webhook-create"),
    path("webhooks/<int:pk>/", views.WebhookEndpointDetailView.as_view(), name="webhook-detail"),
    path("webhooks/<int:pk>/edit/", views.WebhookEndpointUpdateView.as_view(), name="webhook-update"),
    path("webhooks/<int:pk>/rotate/", views.WebhookEndpointRotateView.as_view(), name="webhook-rotate"),
    path("webhooks/<int:pk>/disable/", views.WebhookEndpointDisableView.as_view(), name="webhook-disable"),
    path("webhooks/<int:pk>/enable/", views.WebhookEndpointEnableView.as_view(), name="webhook-enable"),
    path("webhooks/<int:pk>/test/", views.WebhookEndpointTestView.as_view(), name="webhook-test"),
    path("webhooks/<int:pk>/delete/", views.WebhookEndpointDeleteView.as_view(), name="webhook-delete"),
    path("webhooks/deliveries/<int:pk>/", views.WebhookDeliveryDetailView.as_view(), name="webhook-delivery"),
    path(
        "webhooks/deliveries/<int:pk>/replay/",
        views.WebhookDeliveryReplayView.as_view(),
        name="webhook-delivery-replay",
    ),
]
