"""The columns of the notification list's CSV export (``apps.core.tables``). The page shows the
notifications as a feed, one card each (``notifications/includes/notification_row.html``), not as
table columns: what the export holds is declared here."""

from __future__ import annotations

from apps.core.tables import Column, Table


class NotificationTable(Table):
    created_at = Column("Created", sort="created")
    kind = Column("Kind")
    title = Column("Title")
    body = Column("Text")
    url = Column("Link")
    read_at = Column("Read")
