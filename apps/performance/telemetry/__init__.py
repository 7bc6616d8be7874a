"""Delivery telemetry: raw events from the vendor team's own tools (Git hosting, CI/CD, the issue
tracker, the incident tool) in, per-contract measurements out, through the SLA engine.

- ``models``: source bindings (a contract's repository, tracker project, incident service), the raw
  deliveries (kept as received), and the normalised events (deployments, changes, pull requests,
  incidents, tracker issues, sprints).
- ``secrets``: webhook secrets and API tokens, sealed at rest.
- ``sources``: one adapter per tool (signature check, event type, delivery id, parser), registered in
  ``registry``.
- ``receiving``: the one receiver view every source's webhook URL is served by.
- ``services`` / ``processing``: storing a delivery, turning it into normalised events.
- ``metrics``: the KPIs, computed set-based in SQL, written as measurements with source ``telemetry``.

docs/telemetry/index.md is the reader's guide.
"""
