"""The output of the notifications resource. Nothing in it is written through the API except the
read state, through the `read/` and `read-all/` actions."""

from __future__ import annotations

from rest_framework import serializers

from apps.core.api import ModelSerializer
from apps.notifications.models import Notification


class NotificationSerializer(ModelSerializer):
    read = serializers.BooleanField(source="is_read", read_only=True)

    class Meta:
        model = Notification
        fields = ["id", "kind", "title", "body", "url", "created_at", "read", "read_at"]
        read_only_fields = fields


class ReadAllResultSerializer(serializers.Serializer):
    marked = serializers.IntegerField(help_text="How many unread notifications were marked read.")
