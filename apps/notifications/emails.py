"""The e-mail of a notification: plain text and HTML, from templates/notifications/email/.

An app above the inbox may attach files to the e-mails of one kind (``register_email_attachments``, from
its ``AppConfig.ready``): the dashboards attach the review pack PDF to ``review_pack`` e-mails. The
attachments are built when the e-mail is sent (in the worker), never stored."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from urllib.parse import urljoin

from django.conf import settings
from django.core.exceptions import ImproperlyConfigured
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse

from apps.notifications.models import Notification

SUBJECT_PREFIX = "[Vendor Governance] "

# (file name, content, MIME type) of one attachment.
EmailAttachment = tuple[str, bytes, str]
AttachmentBuilder = Callable[[Notification], Iterable[EmailAttachment]]
_attachment_builders: dict[str, AttachmentBuilder] = {}


def register_email_attachments(*, kind: str, build: AttachmentBuilder) -> None:
    """Attach ``build(notification)``'s files to every e-mail of ``kind`` (one builder per kind)."""
    if kind in _attachment_builders:
        raise ImproperlyConfigured(f"E-mails of “{kind}” already have an attachment builder.")
    _attachment_builders[kind] = build


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
    build = _attachment_builders.get(notification.kind)
    for filename, content, mimetype in build(notification) if build is not None else ():
        message.attach(filename, content, mimetype)
    return message
