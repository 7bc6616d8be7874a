"""The test suite: fast password hashing, in-memory e-mail, a test-only secret key."""

import os
import tempfile

os.environ.setdefault("DJANGO_SECRET_KEY", "test-only-not-secret")

from .base import *  # noqa: F403

DEBUG = False
ALLOWED_HOSTS = ["testserver", "localhost", "127.0.0.1"]
PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]
EMAIL_BACKEND = "django.core.mail.backends.locmem.EmailBackend"
DEMO_DATA_ALLOWED = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    # Evidence files of the suite go to a temporary folder of this run, never to var/evidence.
    "evidence": {
        "BACKEND": "django.core.files.storage.FileSystemStorage",
        "OPTIONS": {"location": tempfile.mkdtemp(prefix="vg-test-evidence-"), "base_url": None},
    },
}
# A test database needs no durability: commits return without waiting for the WAL to reach the disk
# (the embedded server of `make test` runs with fsync off already; this covers a machine's server too).
_database_options: dict[str, str] = DATABASES["default"]["OPTIONS"]  # type: ignore[assignment]  # noqa: F405  # a dict, set in base
_database_options["options"] += " -c synchronous_commit=off"

# pytest-xdist runs the suite in several processes (PYTEST_XDIST_WORKER = gw0, gw1, …). pytest-django
# gives each its own test database; here each also gets its own cache keys and its own Celery queue on
# the shared Redis, so a worker started by one process never takes another process's tasks.
XDIST_WORKER = os.environ.get("PYTEST_XDIST_WORKER", "")
if XDIST_WORKER:
    CACHES["default"]["KEY_PREFIX"] = f"test-{XDIST_WORKER}"  # noqa: F405
    CELERY_TASK_DEFAULT_QUEUE = f"tests-{XDIST_WORKER}"

# Every test client is 127.0.0.1 on a cache that outlives a test: the API's failed-token throttle is
# generous here (tests/accounts/test_token_throttle.py sets its own rate and proves the 429).
REST_FRAMEWORK = {**REST_FRAMEWORK, "DEFAULT_THROTTLE_RATES": {"token_failure": "100000/minute"}}  # noqa: F405

# Outbound webhooks: the test receivers listen on http://127.0.0.1 (pytest-httpserver).
WEBHOOK_ALLOW_HTTP = True
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = True
