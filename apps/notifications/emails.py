"""The e-mail of a notification: plain text and HTML, from templates/notifications/email/."""

from __future__ import annotations

from urllib.parse import urljoin

from django.conf import settings
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from apps.notifications.models import Notification

SUBJECT_PREFIX = "[Vendor Governance] "


def absolute_url(path: str) -> str:
    """A workspace path as a link that works from a mail client (``SITE_URL`` + path)."""
    if not path:
        return ""
    return urljoin(settings.SITE_URL.rstrip("/") + "/", path)


def notification_email(notification: Notification) -> EmailMultiAlternatives:
    """The message for ``notification`` to its recipient (who must have an address)."""
    context = {
        "notification": notification,
        "recipient": notification.recipient,
        "link": absolute_url(notification.url),
        "list_link": absolute_url(reverse("notifications:notification-list")),
        "preferences_link": absolute_url(reverse("notifications:preferences")),
        "kind_label": notification.get_kind_display(),
    }
    # A header cannot hold a line break.
    subject = SUBJECT_PREFIX + " ".join(notification.title.split())
    text = render_to_string("notifications/email/notification.txt", context)
    html = render_to_string("notifications/email/notification.html", context)
    message = EmailMultiAlternatives(
        subject=subject, body=text, from_email=settings.DEFAULT_FROM_EMAIL, to=[notification.recipient.email]
    )
    message.attach_alternative(html, "text/html")
    return message
