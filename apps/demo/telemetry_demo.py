"""The demo's delivery telemetry: two to three months of a vendor team's GitHub and PagerDuty events for two
demo contracts, sent through the path real webhooks take (docs/telemetry/demo-and-benchmark.md).

- *SOW 1 — Platform modernisation* (Bangalore Digital Works) is healthy: about four deploy-days a week,
  lead times of a day or two, one failed change a month, incidents restored within hours.
- *Product engineering pod* (Vistula Software House) ships as often but breaks things: one production
  deployment in three or four is followed by a hot-fix or a rollback, so its change failure rate breaches the
  15 % SLA term in every closed month telemetry measures, and each breach lists the deployments behind it.

Telemetry takes over these contracts' engineering KPIs on the first of the month two months back
(``telemetry_covers_from``): two closed months and the current one, about thirteen weeks.

The stream is built by a seeded random generator from the day the demo is built around, so the same
day gives the same events (tests rely on it). Payloads have the shapes GitHub documents for its webhooks
(``push``, ``pull_request``, ``pull_request_review``, ``deployment_status``) and PagerDuty for its v3
webhooks (``incident.triggered`` / ``acknowledged`` / ``resolved``), with the delivery ids and event
types the tools send. ``telemetry_demo_seed`` binds the sources (``binding_create``), adds the vendors'
identity rules, hands every payload to ``delivery_receive`` as a receiver would, processes each one at
once (``delivery_process``) and computes the metrics; the SLA sweep that follows the demo's load finds
the breach. The builders are public: the end-to-end test and the benchmark sign and post the same
payloads over HTTP (``signed_headers``).
"""

from __future__ import annotations

import hashlib
import hmac
import json
import random
import uuid
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta
from typing import TYPE_CHECKING, Any
from zoneinfo import ZoneInfo

from dateutil.relativedelta import relativedelta
from django.conf import settings

if TYPE_CHECKING:
    from apps.accounts.models import User
    from apps.contracts.models import Contract
    from apps.vendors.models import Vendor

# -- the plan of each stream ----------------------------------------------------------------------------------


@dataclass(frozen=True)
class Engineer:
    """A person as the tools know them: only what attribution needs."""

    name: str
    login: str
    email: str


@dataclass(frozen=True)
class StreamPlan:
    """One demo contract's sources and how its team delivers. ``failure_rates`` are the share of its
    production deployments followed by a hot-fix or rollback, for the month telemetry starts in, the
    one after it, and the current one."""

    contract_key: str
    vendor_key: str
    repository: str
    service_id: str
    service_name: str
    vendor_domain: str
    utc_offset: str  # the vendor engineers' clock, as their commits carry it
    authors: tuple[Engineer, ...]
    reviewers: tuple[Engineer, ...]
    failure_rates: tuple[float, float, float]
    quiet_incidents_per_month: int
    topics: tuple[str, ...]


# The customer's own engineers, who review the vendor's pull requests.
CUSTOMER_REVIEWERS = (
    Engineer("Marco Rossi", "marco-rossi", "manager@example.com"),
    Engineer("Dana Lee", "dana-lee", "delivery@example.com"),
)
GITHUB_ORG = "northwind-labs"
PAGERDUTY_SUBDOMAIN = "northwind"

STREAMS: dict[str, StreamPlan] = {
    "bdw_sow1": StreamPlan(
        contract_key="bdw_sow1",
        vendor_key="bangalore",
        repository=f"{GITHUB_ORG}/platform-core",
        service_id="PBDW7QX",
        service_name="Platform core API",
        vendor_domain="bangaloredigital.example",
        utc_offset="+05:30",
        authors=(
            Engineer("Aarav Sharma", "aarav-bdw", "aarav.sharma@bangaloredigital.example"),
            Engineer("Meera Iyer", "meera-bdw", "meera.iyer@bangaloredigital.example"),
            Engineer("Rohan Gupta", "rohan-bdw", "rohan.gupta@bangaloredigital.example"),
        ),
        reviewers=CUSTOMER_REVIEWERS,
        failure_rates=(0.06, 0.06, 0.0),
        quiet_incidents_per_month=1,
        topics=(
            "tenant routing",
            "connection pool",
            "billing export",
            "audit log writer",
            "session store",
            "rate limiter",
            "search indexer",
            "feature flags",
        ),
    ),
    "vsh_pod": StreamPlan(
        contract_key="vsh_pod",
        vendor_key="vistula",
        repository=f"{GITHUB_ORG}/insights-dashboards",
        service_id="PVSH4KD",
        service_name="Insights dashboards",
        vendor_domain="vistulasoftware.example",
        utc_offset="+01:00",
        authors=(
            Engineer("Anna Kowalska", "anna-vsh", "anna.kowalska@vistulasoftware.example"),
            Engineer("Piotr Nowak", "piotr-vsh", "piotr.nowak@vistulasoftware.example"),
            Engineer("Kasia Wojcik", "kasia-vsh", "kasia.wojcik@vistulasoftware.example"),
        ),
        reviewers=CUSTOMER_REVIEWERS,
        failure_rates=(0.3, 0.3, 0.3),
        quiet_incidents_per_month=0,
        topics=(
            "revenue chart",
            "cohort table",
            "CSV export",
            "date picker",
            "chart tooltips",
            "dashboard filters",
            "query cache",
            "drill-down",
        ),
    ),
}
# The KPIs the demo's bindings measure (the sources' defaults: GitHub the Git KPIs, PagerDuty restore).
GITHUB_MEASURES = (
    "deployment_frequency",
    "lead_time_for_changes",
    "change_failure_rate",
    "pr_review_turnaround",
    "rework_rate",
)
PAGERDUTY_MEASURES = ("time_to_restore",)
TELEMETRY_MONTHS = 2
# The share of pull requests a customer engineer reviews on GitHub (the rest are paired on, or
# reviewed in a call); hot-fixes always are.
REVIEWED_SHARE = 0.7


def telemetry_covers_from(today: date) -> date:
    """The day telemetry takes over the demo contracts' engineering KPIs: the first of the month two
    months back. The typed history (``seed_demo.seed_measurements``) stops the month before."""
    return today.replace(day=1) - relativedelta(months=TELEMETRY_MONTHS)


def telemetry_measured(contract_key: str) -> frozenset[str]:
    """The KPI codes telemetry measures on a demo contract (none for the others)."""
    return frozenset(GITHUB_MEASURES + PAGERDUTY_MEASURES) if contract_key in STREAMS else frozenset()


# -- the deliveries -------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class DemoDelivery:
    """One webhook delivery as the tool sends it: its event type and delivery id (headers for GitHub,
    in the body for PagerDuty), the JSON body, and when it was sent (the order they are received in)."""

    source: str  # "github" or "pagerduty"
    event_type: str
    delivery_id: str
    payload: dict[str, Any]
    at: datetime

    def body(self) -> bytes:
        return json.dumps(self.payload, separators=(",", ":")).encode()


def signed_headers(delivery: DemoDelivery, *, secret: str, body: bytes | None = None) -> dict[str, str]:
    """The HTTP headers the tool sends with ``delivery``, signed with ``secret`` over ``body`` (by
    default ``delivery.body()``): GitHub's ``X-Hub-Signature-256: sha256=<hex>`` with its event and
    delivery headers; PagerDuty's ``X-PagerDuty-Signature: v1=<hex>`` (HMAC-SHA256 of the raw body)."""
    raw = delivery.body() if body is None else body
    digest = hmac.new(secret.encode(), raw, hashlib.sha256).hexdigest()
    if delivery.source == "github":
        return {
            "X-GitHub-Event": delivery.event_type,
            "X-GitHub-Delivery": delivery.delivery_id,
            "X-GitHub-Hook-ID": "470012345",
            "X-Hub-Signature-256": f"sha256={digest}",
            "User-Agent": "GitHub-Hookshot/7c3b1f2",
        }
    return {
        "X-PagerDuty-Signature": f"v1={digest}",
        "X-Webhook-Id": delivery.delivery_id,
        "X-Webhook-Subscription": "PSUBDEMO1",
        "User-Agent": "PagerDuty-Webhook/V3.0",
    }


# -- GitHub payloads (docs.github.com, "Webhook events and payloads") -------------------------------------------
def _iso_utc(moment: datetime) -> str:
    return moment.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%SZ")


def _iso_offset(moment: datetime, offset: str) -> str:
    sign = 1 if offset[0] == "+" else -1
    hours, minutes = (int(part) for part in offset[1:].split(":"))
    shifted = moment.astimezone(ZoneInfo("UTC")) + sign * timedelta(hours=hours, minutes=minutes)
    return shifted.strftime("%Y-%m-%dT%H:%M:%S") + offset


def _user(login: str) -> dict[str, Any]:
    number = int(hashlib.sha256(login.encode()).hexdigest()[:7], 16)
    return {
        "login": login,
        "id": number,
        "node_id": f"U_kgDO{number:08d}",
        "avatar_url": f"https://avatars.githubusercontent.com/u/{number}?v=4",
        "url": f"https://api.github.com/users/{login}",
        "html_url": f"https://github.com/{login}",
        "type": "User",
        "site_admin": False,
    }


def github_repository(full_name: str) -> dict[str, Any]:
    owner, name = full_name.split("/", 1)
    number = int(hashlib.sha256(full_name.encode()).hexdigest()[:8], 16)
    return {
        "id": number,
        "node_id": f"R_kgDO{number:08d}",
        "name": name,
        "full_name": full_name,
        "private": True,
        "owner": {**_user(owner), "type": "Organization"},
        "html_url": f"https://github.com/{full_name}",
        "url": f"https://api.github.com/repos/{full_name}",
        "default_branch": "main",
        "visibility": "private",
    }


def github_commit(
    *, repository: str, sha: str, message: str, author: Engineer, at: datetime, offset: str = "+00:00"
) -> dict[str, Any]:
    """A commit as a ``push`` payload lists it."""
    person = {"name": author.name, "email": author.email, "username": author.login}
    return {
        "id": sha,
        "tree_id": hashlib.sha1(sha.encode(), usedforsecurity=False).hexdigest(),
        "distinct": True,
        "message": message,
        "timestamp": _iso_offset(at, offset),
        "url": f"https://github.com/{repository}/commit/{sha}",
        "author": person,
        "committer": person,
        "added": [],
        "removed": [],
        "modified": ["src/app.py"],
    }


def github_push(
    *, repository: str, ref: str, before: str, commits: Sequence[dict[str, Any]], pusher: Engineer, at: datetime
) -> dict[str, Any]:
    """A ``push``: ``commits`` in order after ``before`` (the last one is the new head); GitHub gives
    the repository's ``pushed_at`` in seconds since the epoch in this event only."""
    after = commits[-1]["id"] if commits else before
    return {
        "ref": ref,
        "before": before,
        "after": after,
        "repository": {**github_repository(repository), "pushed_at": int(at.timestamp())},
        "pusher": {"name": pusher.login, "email": pusher.email},
        "sender": _user(pusher.login),
        "created": False,
        "deleted": False,
        "forced": False,
        "base_ref": None,
        "compare": f"https://github.com/{repository}/compare/{before[:12]}...{after[:12]}",
        "commits": list(commits),
        "head_commit": commits[-1] if commits else None,
    }


def _pull_request_object(
    *,
    repository: str,
    number: int,
    title: str,
    author: Engineer,
    branch: str,
    head_sha: str,
    opened_at: datetime,
    updated_at: datetime,
    merged_at: datetime | None,
    merge_sha: str | None,
    labels: Sequence[str],
    commits: int,
) -> dict[str, Any]:
    api = f"https://api.github.com/repos/{repository}"
    return {
        "url": f"{api}/pulls/{number}",
        "id": 1_900_000_000 + number,
        "node_id": f"PR_kwDO{number:08d}",
        "html_url": f"https://github.com/{repository}/pull/{number}",
        "number": number,
        "state": "closed" if merged_at else "open",
        "locked": False,
        "title": title,
        "user": _user(author.login),
        "body": f"{title}.",
        "labels": [{"id": 6_000_000 + index, "name": name, "color": "d73a4a"} for index, name in enumerate(labels)],
        "created_at": _iso_utc(opened_at),
        "updated_at": _iso_utc(updated_at),
        "closed_at": _iso_utc(merged_at) if merged_at else None,
        "merged_at": _iso_utc(merged_at) if merged_at else None,
        "merge_commit_sha": merge_sha,
        "draft": False,
        "head": {"label": f"{GITHUB_ORG}:{branch}", "ref": branch, "sha": head_sha, "user": _user(GITHUB_ORG)},
        "base": {"label": f"{GITHUB_ORG}:main", "ref": "main", "sha": head_sha, "user": _user(GITHUB_ORG)},
        "author_association": "MEMBER",
        "merged": merged_at is not None,
        "merged_by": _user(author.login) if merged_at else None,
        "comments": 0,
        "review_comments": 1,
        "commits": commits,
        "additions": 40 * commits,
        "deletions": 12 * commits,
        "changed_files": 2 * commits,
    }


def github_pull_request(*, action: str, repository: str, sender: Engineer, **pull: Any) -> dict[str, Any]:
    """A ``pull_request`` event (``opened``, or ``closed`` with ``merged`` true)."""
    pr = _pull_request_object(repository=repository, **pull)
    return {
        "action": action,
        "number": pr["number"],
        "pull_request": pr,
        "repository": github_repository(repository),
        "sender": _user(sender.login),
    }


def github_review(
    *, repository: str, reviewer: Engineer, submitted_at: datetime, state: str = "approved", **pull: Any
) -> dict[str, Any]:
    """A ``pull_request_review`` (``submitted``) on an open pull request."""
    pr = _pull_request_object(repository=repository, **pull)
    review_id = 2_100_000_000 + pr["number"] * 10 + len(reviewer.login)
    return {
        "action": "submitted",
        "review": {
            "id": review_id,
            "node_id": f"PRR_kwDO{review_id}",
            "user": _user(reviewer.login),
            "body": "Looks good." if state == "approved" else "A question inline.",
            "commit_id": pr["head"]["sha"],
            "submitted_at": _iso_utc(submitted_at),
            "state": state,
            "html_url": f"{pr['html_url']}#pullrequestreview-{review_id}",
            "author_association": "MEMBER",
        },
        "pull_request": pr,
        "repository": github_repository(repository),
        "sender": _user(reviewer.login),
    }


def github_deployment_status(
    *,
    repository: str,
    deployment_id: int,
    sha: str,
    ref: str,
    environment: str,
    state: str,
    created_at: datetime,
    finished_at: datetime,
    creator: str = "github-actions[bot]",
    task: str = "deploy",
    description: str = "",
) -> dict[str, Any]:
    """A ``deployment_status`` (``created``) of a deployment made by the CI (GitHub Actions)."""
    api = f"https://api.github.com/repos/{repository}"
    status_id = deployment_id * 10 + (1 if state == "success" else 2)
    bot = {**_user(creator), "type": "Bot"}
    return {
        "action": "created",
        "deployment_status": {
            "url": f"{api}/deployments/{deployment_id}/statuses/{status_id}",
            "id": status_id,
            "node_id": f"DES_kwDO{status_id}",
            "state": state,
            "creator": bot,
            "description": description,
            "environment": environment,
            "target_url": f"https://github.com/{repository}/actions/runs/{deployment_id + 7_000_000_000}",
            "log_url": f"https://github.com/{repository}/actions/runs/{deployment_id + 7_000_000_000}",
            "environment_url": f"https://{environment}.{repository.split('/')[1]}.example",
            "created_at": _iso_utc(finished_at),
            "updated_at": _iso_utc(finished_at),
            "deployment_url": f"{api}/deployments/{deployment_id}",
            "repository_url": api,
        },
        "deployment": {
            "url": f"{api}/deployments/{deployment_id}",
            "id": deployment_id,
            "node_id": f"DE_kwDO{deployment_id}",
            "task": task,
            "original_environment": environment,
            "environment": environment,
            "description": description or None,
            "created_at": _iso_utc(created_at),
            "updated_at": _iso_utc(finished_at),
            "statuses_url": f"{api}/deployments/{deployment_id}/statuses",
            "repository_url": api,
            "creator": bot,
            "sha": sha,
            "ref": ref,
            "payload": {},
            "transient_environment": False,
            "production_environment": environment == "production",
        },
        "repository": github_repository(repository),
        "sender": bot,
    }


# -- PagerDuty payloads (developer.pagerduty.com, "Webhooks v3 Overview": event payload, incident data) ----------
def pagerduty_incident(
    *,
    event_id: str,
    event_type: str,
    occurred_at: datetime,
    incident_id: str,
    number: int,
    title: str,
    service_id: str,
    service_name: str,
    created_at: datetime,
    status: str,
    urgency: str = "high",
    priority: str | None = "P2",
) -> dict[str, Any]:
    """A v3 webhook event of an incident: ``{"event": {... "data": <the incident>}}``."""
    base = f"https://{PAGERDUTY_SUBDOMAIN}.pagerduty.com"
    service = {
        "html_url": f"{base}/services/{service_id}",
        "id": service_id,
        "self": f"https://api.pagerduty.com/services/{service_id}",
        "summary": service_name,
        "type": "service_reference",
    }
    return {
        "event": {
            "id": event_id,
            "event_type": event_type,
            "resource_type": "incident",
            "occurred_at": occurred_at.astimezone(ZoneInfo("UTC")).strftime("%Y-%m-%dT%H:%M:%S.000Z"),
            "agent": {
                "html_url": f"{base}/users/PUSR0N1",
                "id": "PUSR0N1",
                "self": "https://api.pagerduty.com/users/PUSR0N1",
                "summary": "On-call engineer",
                "type": "user_reference",
            },
            "client": None,
            "data": {
                "id": incident_id,
                "type": "incident",
                "self": f"https://api.pagerduty.com/incidents/{incident_id}",
                "html_url": f"{base}/incidents/{incident_id}",
                "number": number,
                "status": status,
                "incident_key": uuid.uuid5(uuid.NAMESPACE_URL, incident_id).hex,
                "created_at": _iso_utc(created_at),
                "title": title,
                "service": service,
                "assignees": [],
                "escalation_policy": {
                    "html_url": f"{base}/escalation_policies/PESC0L1",
                    "id": "PESC0L1",
                    "self": "https://api.pagerduty.com/escalation_policies/PESC0L1",
                    "summary": f"{service_name} on call",
                    "type": "escalation_policy_reference",
                },
                "teams": [],
                "priority": (
                    {
                        "html_url": f"{base}/account/incident_priorities",
                        "id": f"PPRI0{priority[-1]}",
                        "self": f"https://api.pagerduty.com/priorities/PPRI0{priority[-1]}",
                        "summary": priority,
                        "type": "priority",
                    }
                    if priority
                    else None
                ),
                "urgency": urgency,
                "conference_bridge": None,
                "resolve_reason": None,
            },
        }
    }


# -- the generator -----------------------------------------------------------------------------------------------
_ULID_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"


@dataclass
class _Stream:
    """The state of one stream while it is generated."""

    plan: StreamPlan
    rng: random.Random
    deliveries: list[DemoDelivery] = field(default_factory=list)
    head: str = ""
    deployed_sha: str = ""
    previous_deployed_sha: str = ""
    last_deploy_at: datetime | None = None
    last_merge_at: datetime | None = None
    pr_number: int = 100
    deployment_id: int = 0
    incident_number: int = 0
    failure_credit: float = 0.0
    failures: int = 0

    def sha(self) -> str:
        return f"{self.rng.getrandbits(160):040x}"

    def github(self, event_type: str, payload: dict[str, Any], at: datetime) -> None:
        delivery_id = str(uuid.UUID(int=self.rng.getrandbits(128), version=4))
        self.deliveries.append(DemoDelivery("github", event_type, delivery_id, payload, at))

    def pagerduty_event_id(self) -> str:
        return "01" + "".join(self.rng.choice(_ULID_ALPHABET) for _ in range(24))

    def between(self, start: datetime, end: datetime) -> datetime:
        seconds = max((end - start).total_seconds(), 60.0)
        return start + timedelta(seconds=int(self.rng.uniform(0, seconds)))


def _hours(value: float) -> timedelta:
    return timedelta(hours=value)


def _pull_request(
    stream: _Stream,
    *,
    title: str,
    branch: str,
    merged_at: datetime,
    author: Engineer,
    review_within: tuple[float, float] = (1.0, 9.0),
    labels: Sequence[str] = (),
) -> list[dict[str, Any]]:
    """A pull request merged at ``merged_at``: its commits, its opening, a review by a customer
    engineer, its merge; answers the commits its merge pushes to main (the PR's and the merge commit)."""
    plan, rng = stream.plan, stream.rng
    stream.pr_number += 1
    number = stream.pr_number
    reviewed_at = merged_at - _hours(rng.uniform(0.3, 3.0))
    opened_at = reviewed_at - _hours(rng.uniform(*review_within))
    commits = []
    authored = opened_at - _hours(rng.uniform(2.0, 20.0))
    for index in range(rng.randint(1, 3)):
        message = title if index == 0 else f"{title}: review follow-up {index}"
        commits.append(
            github_commit(
                repository=plan.repository,
                sha=stream.sha(),
                message=message,
                author=author,
                at=authored,
                offset=plan.utc_offset,
            )
        )
        authored = min(authored + _hours(rng.uniform(0.5, 6.0)), opened_at - _hours(0.1))
    merge_sha = stream.sha()
    reviewer = rng.choice(plan.reviewers)
    pull: dict[str, Any] = {
        "number": number,
        "title": title,
        "author": author,
        "branch": branch,
        "head_sha": commits[-1]["id"],
        "labels": labels,
        "commits": len(commits),
        "opened_at": opened_at,
    }
    stream.github(
        "pull_request",
        github_pull_request(
            action="opened",
            repository=plan.repository,
            sender=author,
            updated_at=opened_at,
            merged_at=None,
            merge_sha=None,
            **pull,
        ),
        opened_at,
    )
    if rng.random() < REVIEWED_SHARE or labels:
        stream.github(
            "pull_request_review",
            github_review(
                repository=plan.repository,
                reviewer=reviewer,
                submitted_at=reviewed_at,
                updated_at=reviewed_at,
                merged_at=None,
                merge_sha=None,
                **pull,
            ),
            reviewed_at,
        )
    stream.github(
        "pull_request",
        github_pull_request(
            action="closed",
            repository=plan.repository,
            sender=author,
            updated_at=merged_at,
            merged_at=merged_at,
            merge_sha=merge_sha,
            **pull,
        ),
        merged_at,
    )
    merge = github_commit(
        repository=plan.repository,
        sha=merge_sha,
        message=f"Merge pull request #{number} from {GITHUB_ORG}/{branch}",
        author=author,
        at=merged_at,
        offset=plan.utc_offset,
    )
    return [*commits, merge]


def _merge_to_main(stream: _Stream, commits: list[dict[str, Any]], pusher: Engineer, at: datetime) -> None:
    """The push to main a merge makes: every commit new to main, in order after the old head."""
    stream.github(
        "push",
        github_push(
            repository=stream.plan.repository,
            ref="refs/heads/main",
            before=stream.head,
            commits=commits,
            pusher=pusher,
            at=at + timedelta(seconds=3),
        ),
        at + timedelta(seconds=3),
    )
    stream.head = commits[-1]["id"]
    stream.last_merge_at = at


def _deploy(stream: _Stream, *, sha: str, ref: str, at: datetime, task: str = "deploy", description: str = "") -> None:
    stream.deployment_id += 1
    deployment_id = 480_000_000 + stream.deployment_id
    created_at = at - timedelta(minutes=stream.rng.randint(4, 12))
    stream.github(
        "deployment_status",
        github_deployment_status(
            repository=stream.plan.repository,
            deployment_id=deployment_id,
            sha=sha,
            ref=ref,
            environment="production",
            state="success",
            created_at=created_at,
            finished_at=at,
            task=task,
            description=description,
        ),
        at,
    )
    stream.deployed_sha = sha
    stream.last_deploy_at = at


def _incident(
    stream: _Stream, *, title: str, opened_at: datetime, resolved_at: datetime, urgency: str = "high"
) -> None:
    """One PagerDuty incident: triggered, acknowledged, resolved (three deliveries)."""
    plan, rng = stream.plan, stream.rng
    stream.incident_number += 1
    incident_id = "Q" + "".join(rng.choice(_ULID_ALPHABET[:30]) for _ in range(13))
    acknowledged_at = opened_at + timedelta(minutes=rng.randint(3, 15))
    for event_type, status, at in (
        ("incident.triggered", "triggered", opened_at),
        ("incident.acknowledged", "acknowledged", acknowledged_at),
        ("incident.resolved", "resolved", max(resolved_at, acknowledged_at + timedelta(minutes=5))),
    ):
        event_id = stream.pagerduty_event_id()
        payload = pagerduty_incident(
            event_id=event_id,
            event_type=event_type,
            occurred_at=at,
            incident_id=incident_id,
            number=stream.incident_number,
            title=title,
            service_id=plan.service_id,
            service_name=plan.service_name,
            created_at=opened_at,
            status=status,
            urgency=urgency,
            priority="P2" if urgency == "high" else "P4",
        )
        stream.deliveries.append(DemoDelivery("pagerduty", event_type, event_id, payload, at))


def _fails(stream: _Stream, rate: float) -> bool:
    """Whether the next deployment fails: about the share ``rate`` of deployments, spread unevenly but
    never bunched (an accumulator with random steps, started at a random point): every month of a
    stream gets close to its rate, which a coin flip per deployment would not promise."""
    stream.failure_credit += rate * stream.rng.uniform(0.6, 1.4)
    if stream.failure_credit >= 1.0:
        stream.failure_credit -= 1.0
        return True
    return False


def _failure_and_remedy(stream: _Stream, *, deployed_at: datetime, pr_title: str, pr_number: int) -> None:
    """A production deployment that broke something: an incident, then a hot-fix deployment (a
    ``hotfix/`` branch, merged and deployed) or, every third time, a rollback to the previous release
    followed by a revert pull request the same evening."""
    plan, rng = stream.plan, stream.rng
    stream.failures += 1
    opened_at = deployed_at + timedelta(minutes=rng.randint(15, 80))
    author = rng.choice(plan.authors)
    if stream.failures % 3 == 0:
        previous = stream.previous_deployed_sha
        rolled_back_at = opened_at + _hours(rng.uniform(0.6, 2.0))
        _deploy(
            stream,
            sha=previous,
            ref="main",
            at=rolled_back_at,
            task="deploy:rollback",
            description=f"Rollback of {stream.deployed_sha[:7]}",
        )
        _incident(
            stream,
            title=f"{plan.service_name}: errors after release of {pr_title.lower()}",
            opened_at=opened_at,
            resolved_at=rolled_back_at + timedelta(minutes=rng.randint(10, 30)),
        )
        revert_at = rolled_back_at + _hours(rng.uniform(1.5, 4.0))
        commits = _pull_request(
            stream,
            title=f'Revert "{pr_title}"',
            branch=f"revert-{pr_number}-{_slug(pr_title)}",
            merged_at=revert_at,
            author=author,
            review_within=(0.3, 1.0),
        )
        _merge_to_main(stream, commits, author, revert_at)
        return
    fixed_at = opened_at + _hours(rng.uniform(1.5, 4.0))
    merged_at = fixed_at - timedelta(minutes=rng.randint(10, 20))
    branch = f"hotfix/{_slug(pr_title)}"
    commits = _pull_request(
        stream,
        title=f"Hotfix: {pr_title.lower()}",
        branch=branch,
        merged_at=merged_at,
        author=author,
        review_within=(0.2, 0.6),
        labels=("hotfix",),
    )
    _merge_to_main(stream, commits, author, merged_at)
    _deploy(stream, sha=stream.head, ref=branch, at=fixed_at, description=f"Hot-fix for #{pr_number}")
    _incident(
        stream,
        title=f"{plan.service_name}: {pr_title.lower()} failing in production",
        opened_at=opened_at,
        resolved_at=fixed_at + timedelta(minutes=rng.randint(10, 40)),
    )


def _slug(text: str) -> str:
    return "-".join("".join(ch if ch.isalnum() else " " for ch in text.lower()).split())[:40]


def _local(day: date, hour: float) -> datetime:
    zone = ZoneInfo(settings.TIME_ZONE)
    return datetime.combine(day, time(0), tzinfo=zone) + _hours(hour)


def _month_index(day: date, covers_from: date) -> int:
    return (day.year - covers_from.year) * 12 + day.month - covers_from.month


def telemetry_demo_stream(*, plan: StreamPlan, today: date) -> list[DemoDelivery]:
    """Every delivery of one demo contract's sources, oldest first: from the Monday of the week
    ``telemetry_covers_from(today)`` falls in to the day before ``today`` (nothing in the future)."""
    covers_from = telemetry_covers_from(today)
    rng = random.Random(f"telemetry-demo:{plan.contract_key}:{today.isoformat()}")
    stream = _Stream(plan=plan, rng=rng)
    stream.failure_credit = rng.random()
    stream.head = stream.sha()
    stream.deployed_sha = stream.head
    stream.previous_deployed_sha = stream.head
    monday = covers_from - timedelta(days=covers_from.weekday())
    topics = list(plan.topics)
    while monday < today:
        weekdays = [monday + timedelta(days=offset) for offset in range(5)]
        current_week = monday + timedelta(days=7) > today
        if not current_week:
            weekdays.pop(rng.randrange(5))  # four deploy-days in a full week
        for day in weekdays:
            if day >= today:
                break
            month = min(max(_month_index(day, covers_from), 0), TELEMETRY_MONTHS)
            deploy_at = _local(day, rng.uniform(14.0, 16.5))
            latest = max(filter(None, (stream.last_deploy_at, stream.last_merge_at)), default=deploy_at - _hours(30))
            earliest_merge = latest + timedelta(minutes=20)
            merges = sorted(
                stream.between(max(earliest_merge, deploy_at - _hours(20)), deploy_at - _hours(0.4))
                for _ in range(rng.choice((1, 1, 1, 2)))
            )
            title = ""
            for merged_at in merges:
                author = rng.choice(plan.authors)
                topic = rng.choice(topics)
                verb = rng.choice(("Add", "Fix", "Speed up", "Refactor", "Harden", "Tidy"))
                title = f"{verb} {topic}"
                commits = _pull_request(
                    stream,
                    title=title,
                    branch=f"feature/{_slug(title)}-{stream.pr_number + 1}",
                    merged_at=merged_at,
                    author=author,
                )
                _merge_to_main(stream, commits, author, merged_at)
            stream.previous_deployed_sha = stream.deployed_sha
            _deploy(stream, sha=stream.head, ref="main", at=deploy_at)
            if _fails(stream, plan.failure_rates[month]):
                _failure_and_remedy(stream, deployed_at=deploy_at, pr_title=title, pr_number=stream.pr_number)
        monday += timedelta(days=7)
    # Incidents no deployment caused (a cloud provider's outage, a certificate): restored within hours.
    for index in range(TELEMETRY_MONTHS + 1):
        for _ in range(plan.quiet_incidents_per_month):
            start = covers_from + relativedelta(months=index)
            day = start + timedelta(days=rng.randint(3, 24))
            if day >= today:
                continue
            opened_at = _local(day, rng.uniform(2.0, 20.0))
            _incident(
                stream,
                title=rng.choice(("Upstream provider latency", "TLS certificate renewal failed", "Queue backlog")),
                opened_at=opened_at,
                resolved_at=opened_at + _hours(rng.uniform(0.5, 2.5)),
                urgency="low",
            )
    return sorted(stream.deliveries, key=lambda delivery: delivery.at)


# -- seeding ------------------------------------------------------------------------------------------------------
@dataclass
class SeedResult:
    """What ``telemetry_demo_seed`` made, for the demo's summary line; ``failed`` names the deliveries a
    parser refused (the demo's own payloads: a refusal is a bug, and the load stops on it)."""

    bindings: int = 0
    identity_rules: int = 0
    deliveries: int = 0
    failed: list[str] = field(default_factory=list)
    measured_contracts: int = 0


def telemetry_demo_seed(
    *, today: date, contracts: Mapping[str, Contract], vendors: Mapping[str, Vendor], actor: User
) -> SeedResult:
    """Bind the demo contracts' GitHub repository and PagerDuty service, add their vendors' identity
    rules, and receive, process and measure their event streams. Only for the demo contracts given
    (those the demo created now); ``actor`` owns their engagements (the vendors' engineering owner)."""
    from apps.performance.choices import DeliveryStatus
    from apps.performance.telemetry import metrics
    from apps.performance.telemetry.processing import delivery_process
    from apps.performance.telemetry.services import binding_create, delivery_receive
    from apps.vendors.services import identity_rule_create

    result = SeedResult()
    covers_from = telemetry_covers_from(today)
    measured: list[int] = []
    for key, plan in STREAMS.items():
        contract = contracts.get(key)
        if contract is None:
            continue
        vendor = vendors[plan.vendor_key]
        identity_rule_create(actor=actor, data={"vendor": vendor, "kind": "email_domain", "value": plan.vendor_domain})
        result.identity_rules += 1
        for author in plan.authors:
            identity_rule_create(actor=actor, data={"vendor": vendor, "kind": "login", "value": author.login})
            result.identity_rules += 1
        bindings = {}
        for source, scope, name, measures in (
            ("github", plan.repository, plan.repository.split("/")[1], GITHUB_MEASURES),
            ("pagerduty", plan.service_id, plan.service_name, PAGERDUTY_MEASURES),
        ):
            binding, _secret = binding_create(
                actor=actor,
                data={
                    "contract": contract,
                    "source": source,
                    "scope": scope,
                    "name": name,
                    "measures": list(measures),
                    "covers_from": covers_from,
                    "production_environments": ["production"],
                },
            )
            bindings[source] = binding
            result.bindings += 1
        for delivery in telemetry_demo_stream(plan=plan, today=today):
            pk, _created = delivery_receive(
                binding=bindings[delivery.source],
                delivery_id=delivery.delivery_id,
                event_type=delivery.event_type,
                raw_payload=delivery.body().decode(),
                process_later=False,  # processed here and now: no task for the workers
            )
            status = delivery_process(delivery_id=pk)
            result.deliveries += 1
            if status == DeliveryStatus.FAILED:
                result.failed.append(f"{key} {delivery.event_type} {delivery.delivery_id}")
        measured.append(contract.pk)
    # What the worker's ``telemetry.measure`` does with the recompute requests the processing left:
    # each contract measured from its earliest event, the requests consumed.
    result.measured_contracts = metrics.telemetry_measure_pending(today=today) if measured else 0
    return result
