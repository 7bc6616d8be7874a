from django.urls import path

from apps.notifications import views

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="notification-list"),
    path("preferences/", views.EmailPreferencesView.as_view(), name="preferences"),
    path("read-all/", views.NotificationsReadAllView.as_view(), name="notification-read-all"),
    path("<int:pk>/open/", views.NotificationOpenView.as_view(), name="notification-open"),
    path("<int:pk>/read/", views.NotificationReadView.as_view(), name="notification-read"),
]
