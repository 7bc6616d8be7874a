"""The breach list's bulk actions (``apps.core.bulk``): acknowledge, resolve (how, one reason for all)
and waive (executives, a reason), each row through the same service as the single buttons
(``apps.performance.services``): the lifecycle and the ownership of the engagement are checked row by
row, and a refused row says why."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from django import forms

from apps.core.bulk import BulkAction
from apps.performance import services
from apps.performance.models import Breach


class BreachReasonForm(forms.Form):
    reason = forms.CharField(
        max_length=2000,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text="Kept on each breach and in the audit trail.",
    )


class BreachResolveForm(BreachReasonForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = "How they were resolved"
        self.fields["reason"].error_messages["required"] = "Resolving breaches needs a reason."


class BreachWaiveForm(BreachReasonForm):
    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["reason"].label = "Why no credit is claimed"
        self.fields["reason"].error_messages["required"] = "A waiver needs its reason."


def _acknowledge(breach: Breach, *, actor: Any, data: Mapping[str, Any]) -> None:
    services.breach_acknowledge(breach=breach, actor=actor)


def _resolve(breach: Breach, *, actor: Any, data: Mapping[str, Any]) -> None:
    services.breach_resolve(breach=breach, actor=actor, reason=data["reason"])


def _waive(breach: Breach, *, actor: Any, data: Mapping[str, Any]) -> None:
    services.breach_waive(breach=breach, actor=actor, reason=data["reason"])


BREACH_BULK_ACTIONS = (
    BulkAction(
        "acknowledge",
        "Acknowledge",
        run=_acknowledge,
        permission="performance.acknowledge_breach",
        done="Acknowledged",
    ),
    BulkAction(
        "resolve",
        "Resolve…",
        run=_resolve,
        permission="performance.resolve_breach",
        form_class=BreachResolveForm,
        done="Resolved",
        help="One reason for all of them: the cause dealt with, the credit settled.",
    ),
    BulkAction(
        "waive",
        "Waive…",
        run=_waive,
        permission="performance.waive_breach",
        form_class=BreachWaiveForm,
        done="Waived",
        help="No service credit is claimed for these breaches, for the reason given.",
    ),
)
