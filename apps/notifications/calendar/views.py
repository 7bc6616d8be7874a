"""The calendar feed (``/calendar/<key>.ics``, no session: the key in the address is the credential)
and the page where a person makes, copies, rotates or turns off their address.

The feed answers 404 for an unknown or rotated key and for a deactivated person, the same answer in
each case. Its ETag is the hash of the text, so a calendar that fetches an unchanged feed again gets a
304. The page shows a secret, so it is never cached.
"""

from __future__ import annotations

import hashlib
from typing import Any

from django.conf import settings
from django.contrib.auth.mixins import LoginRequiredMixin
from django.http import Http404, HttpRequest, HttpResponse, HttpResponseBase
from django.urls import reverse
from django.utils.cache import get_conditional_response
from django.utils.decorators import method_decorator
from django.utils.http import quote_etag
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_safe
from django.views.generic import TemplateView

from apps.core.ui import ServiceActionView
from apps.notifications.calendar import selectors, services
from apps.notifications.calendar.feed import calendar_render
from apps.notifications.calendar.registry import calendar_sources

FEED_FILENAME = "vendor-governance.ics"


@require_safe
def calendar_feed(request: HttpRequest, key: str) -> HttpResponseBase:
    """The person's calendar; ``?scope=portfolio``: the whole portfolio's."""
    feed = selectors.calendar_feed_for_key(key=key)
    if feed is None:
        raise Http404("No such calendar.")
    portfolio = request.GET.get("scope") == "portfolio"
    body = calendar_render(user=feed.user, portfolio=portfolio)
    services.calendar_feed_fetched(feed=feed)
    etag = quote_etag(hashlib.sha256(body).hexdigest()[:32])
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["ETag"] = etag
    response["Content-Disposition"] = f'inline; filename="{FEED_FILENAME}"'
    # Private: the address is a secret and no shared cache may keep it; a calendar revalidates (ETag).
    response["Cache-Control"] = "private, no-cache"
    response["X-Robots-Tag"] = "noindex, nofollow"
    return get_conditional_response(request, etag=etag, response=response) or response


@method_decorator(never_cache, name="dispatch")
class CalendarFeedPageView(LoginRequiredMixin, TemplateView):
    """The signed-in person's calendar address: copy it, subscribe to it, rotate it or turn it off."""

    template_name = "notifications/calendar/feed.html"

    def get_context_data(self, **kwargs: Any) -> dict[str, Any]:
        context = super().get_context_data(**kwargs)
        feed = selectors.calendar_feed_of(user=self.request.user)
        key = selectors.calendar_feed_key(feed) if feed is not None else None
        context.update(
            title="Calendar feed",
            feed=feed,
            key_lost=feed is not None and key is None,
            address=selectors.calendar_feed_url(key) if key else "",
            portfolio_address=selectors.calendar_feed_url(key, portfolio=True) if key else "",
            sources=[source.label for source in calendar_sources()],
            days_back=settings.CALENDAR_FEED_DAYS_BACK,
            days_ahead=settings.CALENDAR_FEED_DAYS_AHEAD,
        )
        return context


class _CalendarFeedAction(ServiceActionView):
    """A button of the calendar page: back to it with a message."""

    def get_object(self) -> None:
        return None

    def success_url(self) -> str:
        return reverse("notifications:calendar")


class CalendarFeedCreateView(_CalendarFeedAction):
    def perform(self) -> str:
        services.calendar_feed_create(user=self.request.user)
        return "Your calendar address is ready: add it to your calendar."


class CalendarFeedRotateView(_CalendarFeedAction):
    def perform(self) -> str:
        services.calendar_feed_rotate(user=self.request.user)
        return (
            "You have a new calendar address; the old one stopped working. "
            "Replace it in every calendar that subscribed to it."
        )


class CalendarFeedDeleteView(_CalendarFeedAction):
    def perform(self) -> str:
        if services.calendar_feed_delete(user=self.request.user):
            return "Your calendar address is turned off; calendars subscribed to it get nothing more."
        return "You had no calendar address."
