"""The Celery application. The beat schedule is declared here, in code: exactly one beat runs it."""

import os

from celery import Celery
from celery.schedules import crontab

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("vendor_governance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Times are in the organisation's time zone (CELERY_TIMEZONE = TIME_ZONE); beat stores UTC.
app.conf.beat_schedule = {
    "contracts-sync-status-daily": {
        "task": "contracts.sync_status_by_date",
        "schedule": crontab(hour=0, minute=15),
    },
}
