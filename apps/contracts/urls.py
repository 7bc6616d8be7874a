from django.urls import path

from apps.contracts import views

app_name = "contracts"

urlpatterns = [
    path("", views.ContractListView.as_view(), name="contract-list"),
    path("new/", views.ContractCreateView.as_view(), name="contract-create"),
    path("<int:pk>/", views.contract_page, name="contract-detail"),
    path("<int:pk>/text/", views.contract_text_page, name="contract-text"),
    path("<int:pk>/edit/", views.ContractUpdateView.as_view(), name="contract-update"),
    path("<int:pk>/transition/<str:to_status>/", views.ContractTransitionView.as_view(), name="contract-transition"),
    path("<int:pk>/delete/", views.ContractDeleteView.as_view(), name="contract-delete"),
    path("clauses/<int:pk>/", views.ClauseUpdateView.as_view(), name="clause-update"),
    path("exit-plan/<int:pk>/", views.ExitPlanItemUpdateView.as_view(), name="exit-item-update"),
    path("exit-plan/<int:pk>/waive/", views.ExitPlanItemWaiveView.as_view(), name="exit-item-waive"),
]
