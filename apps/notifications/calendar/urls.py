"""The feed's address (``urlpatterns``, included at ``/calendar/`` by config/urls.py: outside the
workspace's pages, it needs no session) and the page's (``page_urlpatterns``, included under
``/notifications/calendar/`` in the notifications namespace)."""

from django.urls import path, re_path

from apps.notifications.calendar import views

urlpatterns = [
    re_path(r"^(?P<key>[A-Za-z0-9_-]+)\.ics$", views.calendar_feed, name="calendar-feed"),
]

page_urlpatterns = [
    path("", views.CalendarFeedPageView.as_view(), name="calendar"),
    path("create/", views.CalendarFeedCreateView.as_view(), name="calendar-create"),
    path("rotate/", views.CalendarFeedRotateView.as_view(), name="calendar-rotate"),
    path("delete/", views.CalendarFeedDeleteView.as_view(), name="calendar-delete"),
]
