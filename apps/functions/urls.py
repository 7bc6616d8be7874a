from django.urls import path

from apps.functions import views

app_name = "functions"

urlpatterns = [
    path("", views.FunctionListView.as_view(), name="function-list"),
    path("new/", views.FunctionCreateView.as_view(), name="function-create"),
    path("<int:pk>/", views.FunctionDetailView.as_view(), name="function-detail"),
    path("<int:pk>/edit/", views.FunctionUpdateView.as_view(), name="function-update"),
    path("<int:pk>/decide/", views.FunctionDecideView.as_view(), name="function-decide"),
]
