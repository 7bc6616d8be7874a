"""What the GitHub and GitLab adapters share: reading a payload field by field (a malformed payload is a
``PayloadError`` naming the field at fault), the scope rules, and the rework rules of the design
(docs/telemetry/github-gitlab.md).

A webhook payload is someone else's document: every field is checked for its type before use, so a
changed or forged payload is refused with a reason (400) instead of failing later on a worker.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from typing import Any

from django.core.exceptions import ValidationError
from django.core.validators import URLValidator

from apps.core.dates import DateInputError, parse_moment
from apps.performance.telemetry.models import Change
from apps.performance.telemetry.registry import ParseContext, PayloadError

ZERO_SHA = re.compile(r"^0+$")
SHA = re.compile(r"^[0-9a-fA-F]{7,64}$")
_URL = URLValidator(schemes=["http", "https"])
URL_MAX = 500
# A terminal deployment state is pushed this far past the moment the source gives it, so a status
# that is not final ("in progress") observed in the same second never overwrites it, whatever order
# the deliveries are processed in (the upsert lets the later observation win a tie).
TERMINAL_NUDGE = timedelta(microseconds=1)


# -- reading fields ------------------------------------------------------------------------------------------
def as_object(payload: Any, *, what: str) -> Mapping[str, Any]:
    if not isinstance(payload, Mapping):
        raise PayloadError(f"The {what} payload is not a JSON object.")
    return payload


def obj(data: Mapping[str, Any], key: str, *, where: str) -> Mapping[str, Any]:
    """A required object field."""
    value = data.get(key)
    if value is None:
        raise PayloadError(f"{where}.{key} is missing.")
    if not isinstance(value, Mapping):
        raise PayloadError(f"{where}.{key} must be an object.")
    return value


def opt_obj(data: Mapping[str, Any], key: str, *, where: str) -> Mapping[str, Any]:
    """An optional object field (an empty mapping when absent or null)."""
    value = data.get(key)
    if value is None:
        return {}
    if not isinstance(value, Mapping):
        raise PayloadError(f"{where}.{key} must be an object.")
    return value


def array(data: Mapping[str, Any], key: str, *, where: str) -> list[Any]:
    value = data.get(key)
    if value is None:
        raise PayloadError(f"{where}.{key} is missing.")
    if not isinstance(value, list):
        raise PayloadError(f"{where}.{key} must be a list.")
    return value


def text(data: Mapping[str, Any], key: str, *, where: str) -> str:
    """A required, non-empty text field."""
    value = data.get(key)
    if value is None or value == "":
        raise PayloadError(f"{where}.{key} is missing.")
    if not isinstance(value, str):
        raise PayloadError(f"{where}.{key} must be text.")
    return value


def opt_text(data: Mapping[str, Any], key: str, *, where: str) -> str:
    """An optional text field ("" when absent or null)."""
    value = data.get(key)
    if value is None:
        return ""
    if not isinstance(value, str):
        raise PayloadError(f"{where}.{key} must be text.")
    return value


def integer(data: Mapping[str, Any], key: str, *, where: str) -> int:
    value = data.get(key)
    if value is None:
        raise PayloadError(f"{where}.{key} is missing.")
    # bool is an int in Python, not in JSON.
    if isinstance(value, bool) or not isinstance(value, int):
        raise PayloadError(f"{where}.{key} must be a whole number.")
    if value < 0:
        raise PayloadError(f"{where}.{key} must not be negative.")
    return value


def opt_integer(data: Mapping[str, Any], key: str, *, where: str) -> int | None:
    return None if data.get(key) is None else integer(data, key, where=where)


def sha(data: Mapping[str, Any], key: str, *, where: str) -> str:
    value = text(data, key, where=where)
    if not SHA.match(value):
        raise PayloadError(f"{where}.{key} is not a commit id (7 to 64 hexadecimal digits).")
    return value.lower()


def moment_of(value: Any, *, field: str) -> datetime:
    """A moment as GitHub and GitLab write them: ISO 8601 (``2019-05-15T15:20:55Z``), GitLab's older
    ``2015-05-17 18:21:36 UTC`` and ``2021-04-28 21:50:00 +0200``, or seconds since the epoch (GitHub's
    ``repository.pushed_at`` in push events)."""
    if isinstance(value, bool):
        raise PayloadError(f"{field} must be a date and time.")
    if isinstance(value, int | float):
        try:
            return datetime.fromtimestamp(value, tz=UTC)
        except (OverflowError, OSError, ValueError):
            raise PayloadError(f"{field} is not a date and time.") from None
    if not isinstance(value, str):
        raise PayloadError(f"{field} must be a date and time.")
    written = value.strip()
    if written.endswith(" UTC"):
        written = written[: -len(" UTC")] + "+00:00"
    try:
        return parse_moment(written)
    except DateInputError as exc:
        raise PayloadError(f"{field}: {exc.message}") from None


def moment(data: Mapping[str, Any], key: str, *, where: str) -> datetime:
    value = data.get(key)
    if value is None or value == "":
        raise PayloadError(f"{where}.{key} is missing.")
    return moment_of(value, field=f"{where}.{key}")


def opt_moment(data: Mapping[str, Any], key: str, *, where: str) -> datetime | None:
    value = data.get(key)
    if value is None or value == "":
        return None
    return moment_of(value, field=f"{where}.{key}")


def label_names(labels: Any, *, key: str, where: str) -> list[str]:
    """The names of a list of label objects (GitHub names them ``name``, GitLab ``title``)."""
    if labels is None:
        return []
    if not isinstance(labels, list):
        raise PayloadError(f"{where} must be a list.")
    names = []
    for index, label in enumerate(labels):
        if not isinstance(label, Mapping):
            raise PayloadError(f"{where}[{index}] must be an object.")
        names.append(opt_text(label, key, where=f"{where}[{index}]"))
    return [name for name in names if name]


# -- values for the models ------------------------------------------------------------------------------------
def clip(value: str, length: int) -> str:
    return value if len(value) <= length else value[: length - 1] + "…"


def first_line(message: str) -> str:
    return message.strip().splitlines()[0] if message.strip() else ""


def safe_url(*candidates: str) -> str:
    """The first candidate that is an http(s) URL the model stores; "" if none is."""
    for candidate in candidates:
        if not candidate or len(candidate) > URL_MAX:
            continue
        try:
            _URL(candidate)
        except ValidationError:
            continue
        return candidate
    return ""


def is_zero_sha(value: str) -> bool:
    return bool(ZERO_SHA.match(value))


def settled(observed: datetime, *, terminal: bool) -> datetime:
    return observed + TERMINAL_NUDGE if terminal else observed


# -- the design's rework rules ----------------------------------------------------------------------------------
_HOTFIX = re.compile(r"hot-?fix", re.IGNORECASE)
HOTFIX_LABELS = frozenset({"hotfix", "hot-fix"})


def is_revert_title(title: str) -> bool:
    """``git revert`` writes ``Revert "<the reverted title>"``; GitHub and GitLab name revert PRs so."""
    return title.lstrip().startswith('Revert "')


def mentions_hotfix(*texts: str) -> bool:
    return any(_HOTFIX.search(value) for value in texts if value)


def is_hotfix_branch(branch: str) -> bool:
    lowered = branch.strip().lower()
    return lowered.startswith(("hotfix/", "hot-fix/"))


def has_hotfix_label(labels: Iterable[str]) -> bool:
    return any(label.strip().lower() in HOTFIX_LABELS for label in labels)


def is_rollback(*, task: str = "", ref: str = "", description: str = "") -> bool:
    """A rollback or hot-fix deployment: GitHub's ``deploy:rollback`` task, a ``hotfix/`` ref, or a
    description that says rollback."""
    return (
        task.strip().lower() == "deploy:rollback"
        or is_hotfix_branch(ref)
        or "rollback" in description.lower()
        or "roll back" in description.lower()
    )


# -- pushes ---------------------------------------------------------------------------------------------------
def push_changes(
    *,
    context: ParseContext,
    repository: str,
    branch: str,
    commits: list[Any],
    first_parent: str,
    pushed_at: datetime | None,
    where: str,
) -> list[Change]:
    """The commits of a push, oldest first as both sources list them, each chained to the one before it
    (the first to ``first_parent``: the push's ``before``, or "" when it is not known). All are observed
    at the push's time (the newest commit's when the source does not give it): a later push of the same
    commits, for instance a merge into the main branch, re-links them to the chain that was deployed."""
    rows: list[tuple[Mapping[str, Any], str, datetime, str]] = []
    for index, commit in enumerate(commits):
        place = f"{where}.commits[{index}]"
        if not isinstance(commit, Mapping):
            raise PayloadError(f"{place} must be an object.")
        rows.append((commit, sha(commit, "id", where=place), moment(commit, "timestamp", where=place), place))
    if not rows:
        return []
    observed = pushed_at or max(authored for _, _, authored, _ in rows)
    changes = []
    parent = first_parent
    for commit, commit_sha, authored, place in rows:
        author = opt_obj(commit, "author", where=place)
        email = opt_text(author, "email", where=f"{place}.author")
        email = email if "@" in email else ""  # GitLab writes [REDACTED] for a hidden address
        login = opt_text(author, "username", where=f"{place}.author")
        message = opt_text(commit, "message", where=place)
        changes.append(
            Change(
                source_id=f"{repository}@{commit_sha}",
                repository=repository,
                sha=commit_sha,
                parent_sha=parent,
                authored_at=authored,
                author_email=clip(email, 254),
                author_login=clip(login, 100),
                by_vendor=context.rules.matches(email=email or None, login=login or None),
                message=clip(first_line(message), 255),
                is_revert=is_revert_title(message),
                is_hotfix=mentions_hotfix(message, branch),
                url=safe_url(opt_text(commit, "url", where=place)),
                observed_at=observed,
            )
        )
        parent = commit_sha
    return changes
