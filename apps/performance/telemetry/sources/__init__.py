"""One module per delivery tool; each registers its adapter (``apps.performance.telemetry.registry``)
when imported. The DevLake-compatible paths are served for generic bindings (``devlake``)."""

from apps.performance.telemetry.sources import devlake, generic, github, gitlab, jira, pagerduty  # noqa: F401
