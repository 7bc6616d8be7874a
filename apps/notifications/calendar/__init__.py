"""Calendar feeds: each person's secret iCalendar address (RFC 5545) of the governance dates that
concern them — contract cancel-by, end and renewal dates, service reviews, certification expiries and
policy exception review dates — for Outlook, Google Calendar or Apple Calendar to subscribe to.

The inbox knows no domain: each app registers the dated items it owns (``registry``) from its own
``calendar.py`` at ``ready()``, as it registers its reminder rules. ``feed`` turns them into the
calendar, ``services`` makes and rotates the secret addresses, ``views`` serves the feed and the page.
docs/integrations/calendar.md describes it for the people who use it.
"""
