"""The Celery application. The beat schedule is declared here, in code: exactly one beat runs it."""

import os

from celery import Celery
from celery.schedules import crontab
from django.conf import settings

os.environ.setdefault("DJANGO_SETTINGS_MODULE", "config.settings.local")

app = Celery("vendor_governance")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()

# Times are in the organisation's time zone (CELERY_TIMEZONE = TIME_ZONE, read by config_from_object
# above; tests/notifications/test_tasks.py checks it); beat stores UTC.
app.conf.beat_schedule = {
    "contracts-sync-status-daily": {
        "task": "contracts.sync_status_by_date",
        "schedule": crontab(hour=0, minute=15),
    },
    "contracts-evaluate-slas-hourly": {
        "task": "contracts.evaluate_slas",
        "schedule": crontab(minute=5),
    },
    # Ten minutes after the sweep (whose breaches change the costs): the league table's scorecards and costs
    # of the vendors that changed are worked out and stored, so the overview's next view works nothing out.
    "dashboards-store-league-figures-hourly": {
        "task": "dashboards.store_league_figures",
        "schedule": crontab(minute=15),
    },
    "notifications-send-pending-emails-hourly": {
        "task": "notifications.send_pending_emails",
        "schedule": crontab(minute=35),
    },
    # Before the reminders and the morning's dashboards, so an override whose gate is now met no longer counts.
    "core-clear-overrides-daily": {
        "task": "core.clear_overrides",
        "schedule": crontab(hour=0, minute=30),
    },
    # Every CSV import ends: one queued or running without a sign of life is sent again, then failed.
    "performance-watch-imports-every-minute": {
        "task": "performance.watch_imports",
        "schedule": crontab(),
    },
    # Delivery telemetry: deliveries the broker did not take are processed, waiting metrics computed
    # (apps/performance/telemetry/operations.py); raw payloads past TELEMETRY_RETENTION_DAYS cleared.
    "telemetry-process-pending-every-five-minutes": {
        "task": "telemetry.process_pending",
        "schedule": crontab(minute="*/5"),
    },
    # Just after midnight, so a week that ended closes (its partial row replaced by the whole week) and
    # the new one starts, even when no event came (apps/performance/telemetry/metrics.py).
    "telemetry-refresh-recent-daily": {
        "task": "telemetry.refresh_recent",
        "schedule": crontab(hour=0, minute=20),
    },
    "telemetry-purge-payloads-daily": {
        "task": "telemetry.purge_payloads",
        "schedule": crontab(hour=3, minute=20),
    },
    # Outbound webhooks: retries that are due, and deliveries whose enqueue was lost or whose worker died
    # (apps/notifications/webhooks/delivery.py).
    "notifications-send-due-webhooks-every-minute": {
        "task": "notifications.send_due_webhooks",
        "schedule": crontab(),
    },
    # The team roster: its findings, then team retention (apps/roster/tasks.py), before the day's reminders
    # so a finding opened tonight is reminded this morning; anonymising ended engineers after it.
    "roster-evaluate-daily": {
        "task": "roster.evaluate",
        "schedule": crontab(hour=0, minute=40),
    },
    "roster-anonymise-daily": {
        "task": "roster.anonymise",
        "schedule": crontab(hour=3, minute=40),
    },
    "notifications-send-reminders-daily": {
        "task": "notifications.send_reminders",
        "schedule": crontab(hour=settings.REMINDER_HOUR, minute=0),
    },
}
