"""Settings of the processes a fault test starts (Celery workers): the test settings, with the broker's
visibility timeout in seconds instead of half an hour (a message whose worker was killed is handed to
another worker within the test's patience) and swept for every second, and the import written two rows
a chunk (so a test can stop a worker between two chunks)."""

import os

from config.settings.test import *  # noqa: F403

IMPORT_CHUNK_ROWS = int(os.environ.get("FAULT_IMPORT_CHUNK_ROWS", "2"))
CELERY_BROKER_TRANSPORT_OPTIONS = {
    **CELERY_BROKER_TRANSPORT_OPTIONS,  # noqa: F405
    "visibility_timeout": 5,
    "unacked_restore_interval": 1,
    "unacked_restore_throttle": 1,
}
