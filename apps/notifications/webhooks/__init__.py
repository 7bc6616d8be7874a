"""Outbound webhooks: the product's events, signed per Standard Webhooks, POSTed to the endpoints admins
register (or rendered as Slack and Teams messages). docs/integrations/webhooks.md tells the whole story.

- ``events``: the publish API the domain apps call (``webhook_events_publish``), and the payload helpers;
- ``schemas``: the versioned JSON Schema of each event type's payload (``openapi`` puts them in the
  OpenAPI document's ``webhooks`` section);
- ``addresses``: which endpoint addresses are allowed (https; no private ranges: SSRF);
- ``delivery``: one signed attempt, its log, the retry schedule, the sweep and auto-disable;
- ``services`` / ``selectors``: endpoints (create, edit, rotate the secret, enable, disable, test) and
  deliveries (replay);
- ``views``, ``forms``, ``tables``, ``api``, ``tasks``: the pages, the API and the Celery tasks;
- ``chat``: Slack and Teams messages rendered from a payload.
"""
