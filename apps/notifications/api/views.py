"""The signed-in person's own notifications. The queryset is scoped to ``request.user`` by the base
viewset's selector, so another person's notification is a 404, whatever the role."""

from __future__ import annotations

from drf_spectacular.utils import extend_schema
from rest_framework.decorators import action
from rest_framework.permissions import IsAuthenticated
from rest_framework.request import Request
from rest_framework.response import Response

from apps.core.api import NOT_BY_VENDOR, ServiceModelViewSet
from apps.notifications import selectors, services
from apps.notifications.api import serializers
from apps.notifications.filters import NotificationFilterSet


class NotificationViewSet(ServiceModelViewSet):
    """Your notifications, newest first (`read=true|false`, `kind=` filter). `read/` marks one read,
    `read-all/` every unread one. Notifications are created by the product, never through the API."""

    scope_area = "admin"  # API tokens: the scope this needs (docs/api.md, "Tokens and scopes")
    vendor_path = NOT_BY_VENDOR

    selector = selectors.notification_list
    serializer_class = serializers.NotificationSerializer
    filterset_class = NotificationFilterSet
    search_fields = ["title", "body"]
    ordering_fields = ["created_at", "read_at"]
    ordering = ["-created_at", "-id"]
    # Reading and marking one's own notifications read needs no role: the queryset is the scope.
    permission_classes = [IsAuthenticated]
    # Marking read again changes nothing: never a 409.
    conflict_free_actions = frozenset({"read", "read_all"})

    @extend_schema(request=None, responses=serializers.NotificationSerializer)
    @action(detail=True, methods=["post"])
    def read(self, request: Request, pk: str | None = None) -> Response:
        """Mark the notification read (again: no change)."""
        notification = services.notification_mark_read(notification=self.get_object(), user=request.user)
        return Response(serializers.NotificationSerializer(notification).data)

    @extend_schema(request=None, responses=serializers.ReadAllResultSerializer)
    @action(detail=False, methods=["post"], url_path="read-all", url_name="read-all")
    def read_all(self, request: Request) -> Response:
        """Mark every unread notification read."""
        marked = services.notifications_mark_all_read(user=request.user)
        return Response(serializers.ReadAllResultSerializer({"marked": marked}).data)
