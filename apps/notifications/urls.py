from django.urls import include, path

from apps.notifications import views
from apps.notifications.calendar.urls import page_urlpatterns as calendar_page_urlpatterns
from apps.notifications.webhooks.urls import urlpatterns as webhook_urlpatterns

app_name = "notifications"

urlpatterns = [
    path("", views.NotificationListView.as_view(), name="notification-list"),
    path("preferences/", views.EmailPreferencesView.as_view(), name="preferences"),
    path("read-all/", views.NotificationsReadAllView.as_view(), name="notification-read-all"),
    path("<int:pk>/open/", views.NotificationOpenView.as_view(), name="notification-open"),
    path("<int:pk>/read/", views.NotificationReadView.as_view(), name="notification-read"),
    # The person's calendar feed address (apps.notifications.calendar).
    path("calendar/", include(calendar_page_urlpatterns)),
    # Outbound webhooks: endpoints, delivery logs, replay (apps.notifications.webhooks; administrators).
    path("", include(webhook_urlpatterns)),
]
