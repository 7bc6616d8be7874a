from django.urls import path

from apps.costs import views

app_name = "costs"

urlpatterns = [
    path("invoices/", views.InvoiceListView.as_view(), name="invoice-list"),
    path("contracts/<int:contract_pk>/invoices/new/", views.InvoiceCreateView.as_view(), name="invoice-create"),
    path("invoices/<int:pk>/edit/", views.InvoiceUpdateView.as_view(), name="invoice-update"),
    path(
        "invoices/<int:pk>/<str:to_status>/",
        views.InvoiceTransitionView.as_view(),
        name="invoice-transition",
    ),
]
