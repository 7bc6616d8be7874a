from django.urls import path

from apps.roster import views

app_name = "roster"

urlpatterns = [
    path(
        "contracts/<int:contract_pk>/assignments/new/", views.AssignmentCreateView.as_view(), name="assignment-create"
    ),
    path("contracts/<int:contract_pk>/staffing-plan/", views.StaffingPlanView.as_view(), name="staffing-plan"),
    path(
        "contracts/<int:contract_pk>/substitutions/new/",
        views.SubstitutionCreateView.as_view(),
        name="substitution-create",
    ),
    path("assignments/<int:pk>/edit/", views.AssignmentUpdateView.as_view(), name="assignment-update"),
    path("assignments/<int:pk>/end/", views.AssignmentEndView.as_view(), name="assignment-end"),
    path("substitutions/<int:pk>/approve/", views.SubstitutionApproveView.as_view(), name="substitution-approve"),
    path("substitutions/<int:pk>/refuse/", views.SubstitutionRefuseView.as_view(), name="substitution-refuse"),
    path("substitutions/<int:pk>/withdraw/", views.SubstitutionWithdrawView.as_view(), name="substitution-withdraw"),
]
