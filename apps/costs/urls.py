from django.urls import path

from apps.costs import views

app_name = "costs"

urlpatterns = [
    path("invoices/", views.InvoiceListView.as_view(), name="invoice-list"),
    path("ledger/", views.ledger_page, name="ledger"),
    path("ledger.csv", views.ledger_download, {"file_format": "csv"}, name="ledger-csv"),
    path("ledger.xlsx", views.ledger_download, {"file_format": "xlsx"}, name="ledger-xlsx"),
    path("contracts/<int:contract_pk>/invoices/new/", views.InvoiceCreateView.as_view(), name="invoice-create"),
    path("invoices/<int:pk>/edit/", views.InvoiceUpdateView.as_view(), name="invoice-update"),
    path(
        "invoices/<int:pk>/<str:to_status>/",
        views.InvoiceTransitionView.as_view(),
        name="invoice-transition",
    ),
    # Owner hours
    path("owner-hours/", views.OwnerHoursListView.as_view(), name="owner-hours"),
    path("owner-hours/new/", views.OwnerHoursLogView.as_view(), name="owner-hours-new"),
    path("owner-hours/<int:pk>/delete/", views.OwnerHoursDeleteView.as_view(), name="owner-hours-delete"),
]
