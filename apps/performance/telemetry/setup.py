"""What to type into each delivery tool so it posts to a binding: the exact webhook address, where the
secret goes, the content type, and the events to tick. The contract's telemetry tab, the page shown
once after a binding is made or its secret rotated, and each binding's setup page show these; the
user documentation (``docs/telemetry/setup.md``) says the same in prose.

The address is absolute: ``SITE_URL`` and the receiver's route (``telemetry-<source>`` in
``apps/performance/telemetry/urls.py``, under ``/api/v1/``), so it can be pasted into a tool running
elsewhere.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field

from django.conf import settings
from django.urls import NoReverseMatch, reverse

from apps.performance.choices import TelemetrySource
from apps.performance.telemetry.models import SourceBinding

JSON = "application/json"


@dataclass(frozen=True)
class Step:
    """One field of the tool's form: its name there, what to put in it, and why (``note``)."""

    name: str
    value: str = ""
    note: str = ""
    secret: bool = False  # the value is the binding's secret (shown only where the secret is known)
    code: bool = True  # the value is typed as is (an address, a header, a query)


@dataclass(frozen=True)
class Setup:
    """A binding's setup in its tool: where the form is, its fields, the events to tick, and notes."""

    tool: str
    where: str
    webhook_url: str
    steps: tuple[Step, ...]
    events_label: str
    events: tuple[str, ...]
    notes: tuple[str, ...] = ()
    # The tool makes its own signing secret (PagerDuty): the binding must be given it.
    tool_makes_secret: bool = False
    # The generic API: an example request, and further addresses of the same binding.
    example: str = ""
    other_urls: tuple[tuple[str, str], ...] = field(default_factory=tuple)


def absolute(path: str) -> str:
    return settings.SITE_URL.rstrip("/") + path


def webhook_url(binding: SourceBinding) -> str:
    """The binding's receiver, absolute (``SITE_URL`` + ``/api/v1/telemetry/<source>/<public id>/``)."""
    return absolute(reverse(f"telemetry-{binding.source}", kwargs={"binding": binding.public_id}))


def _optional_url(name: str, binding: SourceBinding, **kwargs: str) -> str:
    """An address an adapter adds (``urlpatterns`` of its module), or "" while it is not there."""
    try:
        return absolute(reverse(name, kwargs={"binding": binding.public_id, **kwargs}))
    except NoReverseMatch:
        return ""


def _github(binding: SourceBinding, url: str) -> Setup:
    organisation = "/" not in binding.scope
    where = (
        f"GitHub → the organisation {binding.scope} → Settings → Webhooks → Add webhook"
        if organisation
        else f"GitHub → the repository {binding.scope} → Settings → Webhooks → Add webhook"
    )
    return Setup(
        tool="GitHub",
        where=where,
        webhook_url=url,
        steps=(
            Step("Payload URL", url),
            Step("Content type", JSON, note="Not the default (application/x-www-form-urlencoded): choose it."),
            Step("Secret", note="GitHub signs each delivery with it (X-Hub-Signature-256).", secret=True),
            Step("SSL verification", "Enable SSL verification", code=False),
            Step("Active", "Ticked", code=False),
        ),
        events_label="Which events would you like to trigger this webhook? → Let me select individual events:",
        events=(
            "Pushes",
            "Pull requests",
            "Pull request reviews",
            "Deployment statuses",
            "Workflow runs",
            "Issues",
            "Issue comments",
        ),
        notes=(
            "GitHub sends a ping when the webhook is saved: it is answered 200 “pong” when the secret is right "
            "(401 when not), and not stored.",
            "Deployments count as production when their environment is one of the binding's production "
            f"environments ({', '.join(binding.production_environments) or 'none yet'}).",
        ),
    )


def _gitlab(binding: SourceBinding, url: str) -> Setup:
    return Setup(
        tool="GitLab",
        where=f"GitLab → the project or group {binding.scope} → Settings → Webhooks → Add new webhook",
        webhook_url=url,
        steps=(
            Step("URL", url),
            Step("Secret token", note="GitLab sends it in X-Gitlab-Token with each delivery.", secret=True),
            Step("SSL verification", "Enable SSL verification", code=False),
        ),
        events_label="Trigger:",
        events=(
            "Push events (all branches)",
            "Merge request events",
            "Deployment events",
            "Issues events (and Confidential issues events if they count)",
            "Comments (and Confidential comments)",
        ),
        notes=(
            "Pipeline events are not needed (answered 200 and not stored): deployments are read from deployment "
            "events, which GitLab sends for every job with an environment.",
            "GitLab always sends JSON (application/json); there is no content type to choose.",
            "Group webhooks need GitLab Premium; on other plans add the webhook to each project.",
            "Deployments count as production when their environment is one of the binding's production "
            f"environments ({', '.join(binding.production_environments) or 'none yet'}).",
        ),
    )


def _jira(binding: SourceBinding, url: str) -> Setup:
    narrowed = [
        f"component {binding.component}" if binding.component else "",
        binding.label and f"label {binding.label}",
    ]
    narrowing = " and ".join(part for part in narrowed if part)
    return Setup(
        tool="Jira",
        where="Jira → Settings (⚙) → System → WebHooks → Create a WebHook (a Jira administrator's page)",
        webhook_url=url,
        steps=(
            Step("URL", url),
            Step("Secret", note="Jira signs each delivery with it.", secret=True),
            Step(
                "JQL",
                f"project = {binding.scope}",
                note="Optional: only this project's issues are sent"
                + (f"; the binding itself keeps those with the {narrowing}." if narrowing else "."),
            ),
            Step("Exclude body", "Not ticked (the body is what is measured)", code=False),
        ),
        events_label="Events:",
        events=("Issue: created", "Issue: updated", "Comment: created", "Sprint: started", "Sprint: closed"),
        notes=("Jira sends JSON (application/json) and signs it in X-Hub-Signature.",),
    )


def _pagerduty(binding: SourceBinding, url: str) -> Setup:
    return Setup(
        tool="PagerDuty",
        where="PagerDuty → Integrations → Generic Webhooks (v3) → New Webhook",
        webhook_url=url,
        steps=(
            Step("Webhook URL", url),
            Step("Scope Type", "Service", code=False),
            Step("Scope", binding.scope, note="The service whose incidents count for this contract."),
        ),
        events_label="Event Subscription:",
        events=(
            "incident.triggered",
            "incident.acknowledged",
            "incident.resolved",
            "also useful: incident.reopened, incident.unacknowledged, incident.priority_updated",
        ),
        notes=(
            "PagerDuty makes the signing secret itself and shows it once, after Add Webhook: copy it and give it "
            "to this binding (Set PagerDuty's secret). Until then its deliveries are refused (401).",
            "PagerDuty sends JSON (application/json) and signs it in X-PagerDuty-Signature.",
        ),
        tool_makes_secret=True,
    )


GENERIC_EXAMPLE_BODY = {
    "id": "deploy-4711",
    "events": [
        {
            "type": "deployment",
            "id": "4711",
            "repository": "vendor-org/api",
            "environment": "production",
            "status": "success",
            "sha": "8c1f9a6d2b7e4f3a5c0d9e8b7a6f5e4d3c2b1a09",
            "started_at": "2026-10-05T10:00:00Z",
            "finished_at": "2026-10-05T10:12:00Z",
            "url": "https://ci.example/job/api-deploy/4711/",
        }
    ],
}


def _generic(binding: SourceBinding, url: str) -> Setup:
    body = json.dumps(GENERIC_EXAMPLE_BODY, indent=2)
    example = (
        f"curl -X POST '{url}' \\\n"
        '  -H "Authorization: Bearer $TELEMETRY_SECRET" \\\n'
        f"  -H 'Content-Type: {JSON}' \\\n"
        f"  -d '{body}'"
    )
    others = []
    devlake = _optional_url("telemetry-devlake-deployment", binding, connection="1")
    if devlake:
        # DevLake's webhook plugin address: this binding's ``…/devlake`` stands for ``<devlake>``.
        others.append(("DevLake-compatible address", url + "devlake"))
        others.append(("e.g. DevLake deployments", devlake))
    return Setup(
        tool="the generic event API",
        where="Any tool or CI script that can send an HTTP POST",
        webhook_url=url,
        steps=(
            Step("URL", url),
            Step("Header", "Authorization: Bearer ", note="The binding's secret, as a bearer token.", secret=True),
            Step("Header", f"Content-Type: {JSON}"),
        ),
        events_label="Event types (each event's type):",
        events=("deployment", "change", "pull_request", "incident", "issue", "sprint"),
        notes=(
            "The body is a delivery id (the same when retrying: a replay changes nothing) and 1 to 1,000 events; "
            "the documentation lists every field of each type. X-Signature-256 (an HMAC of the body) may be sent "
            "instead of the bearer secret.",
            "CI scripts written for Apache DevLake's webhook plugin post here unchanged: put the DevLake-compatible "
            "address in place of your DevLake's (keep the rest of the path) and this secret as the API key.",
        ),
        example=example,
        other_urls=tuple(others),
    )


_BUILDERS = {
    TelemetrySource.GITHUB: _github,
    TelemetrySource.GITLAB: _gitlab,
    TelemetrySource.JIRA: _jira,
    TelemetrySource.PAGERDUTY: _pagerduty,
    TelemetrySource.GENERIC: _generic,
}


def setup_for(binding: SourceBinding) -> Setup:
    """The setup of ``binding`` in its tool."""
    return _BUILDERS[TelemetrySource(binding.source)](binding, webhook_url(binding))
