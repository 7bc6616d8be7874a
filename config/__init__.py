"""Project configuration: settings, URLs, the API router, the Celery app, and the local launchers.

Importing this package has no side effects (``python -m config.embedded`` must not choose a settings
module for the command it runs); the Celery app is bound when Django starts (``CoreConfig.ready``).
"""
