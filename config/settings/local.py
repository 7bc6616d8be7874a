"""Local development (`make run`): debug on, console e-mail, a development-only secret key."""

import os

os.environ.setdefault("DJANGO_SECRET_KEY", "local-development-only-not-secret")

from .base import *  # noqa: F403
from .base import env

DEBUG = env.bool("DJANGO_DEBUG", default=True)
ALLOWED_HOSTS = env.list("DJANGO_ALLOWED_HOSTS", default=["localhost", "127.0.0.1", "[::1]", "testserver"])
DEMO_DATA_ALLOWED = env.bool("DEMO_DATA_ALLOWED", default=True)
# Security keys (WebAuthn) on http://localhost:8000 (a secure origin is required everywhere else).
MFA_WEBAUTHN_ALLOW_INSECURE_ORIGIN = True
STORAGES = {
    "default": {"BACKEND": "django.core.files.storage.FileSystemStorage"},
    "staticfiles": {"BACKEND": "django.contrib.staticfiles.storage.StaticFilesStorage"},
    "evidence": EVIDENCE_STORAGE_BACKEND,  # noqa: F405
}

# Outbound webhooks: a receiver on this machine (http://localhost:…) is fine while developing.
WEBHOOK_ALLOW_HTTP = env.bool("WEBHOOK_ALLOW_HTTP", default=True)
WEBHOOK_ALLOW_PRIVATE_ADDRESSES = env.bool("WEBHOOK_ALLOW_PRIVATE_ADDRESSES", default=True)
