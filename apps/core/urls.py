from django.urls import path

from apps.core import views

urlpatterns = [
    path("status/", views.system_status, name="system-status"),
    path("exceptions/", views.exception_list, name="exception-list"),
    path("exceptions/<int:pk>/renew/", views.PolicyExceptionRenewView.as_view(), name="exception-renew"),
    path("exceptions/<int:pk>/close/", views.PolicyExceptionCloseView.as_view(), name="exception-close"),
]
