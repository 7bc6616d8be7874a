from django.urls import path

from apps.core import search_views, views

urlpatterns = [
    path("status/", views.system_status, name="system-status"),
    # Global search: the header box's results page and the ⌘K / Ctrl-K palette's partial (apps/core/search.py).
    path("search/", search_views.search_page, name="search"),
    path("search/palette", search_views.search_palette, name="search-palette"),
    path("exceptions/", views.exception_list, name="exception-list"),
    path("exceptions/<int:pk>/renew/", views.PolicyExceptionRenewView.as_view(), name="exception-renew"),
    path("exceptions/<int:pk>/close/", views.PolicyExceptionCloseView.as_view(), name="exception-close"),
]
