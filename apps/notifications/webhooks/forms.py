"""The webhook endpoint forms: they check the shape of the input; the services check the rest (the
address's scheme and where it resolves, the events)."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.auth import get_user_model

from apps.notifications.choices import WebhookEventType
from apps.notifications.models import WebhookEndpoint

# The test event is sent on request (the endpoint's "Send a test event"), never subscribed to.
SUBSCRIBABLE_EVENTS = [
    (value, label) for value, label in WebhookEventType.choices if value != WebhookEventType.WEBHOOK_TEST
]


class WebhookEndpointForm(forms.ModelForm):
    url = forms.URLField(
        assume_scheme="https",
        max_length=2000,
        label="Address",
        help_text="The HTTPS address events are POSTed to (for Slack or Teams: the channel's webhook address).",
    )
    event_types = forms.MultipleChoiceField(
        choices=SUBSCRIBABLE_EVENTS,
        widget=forms.CheckboxSelectMultiple,
        label="Events",
        help_text="What this endpoint receives (docs/integrations/webhooks.md describes each payload).",
    )

    class Meta:
        model = WebhookEndpoint
        fields = ["name", "kind", "url", "event_types", "owner"]
        labels = {"owner": "Owner"}
        help_texts = {"owner": "Told when the endpoint is disabled after repeated failures."}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.fields["owner"].queryset = get_user_model().objects.filter(is_active=True).order_by("username")  # type: ignore[attr-defined]  # a ModelChoiceField
        self.fields["owner"].required = False  # empty: whoever creates the endpoint

    def _post_clean(self) -> None:
        # The services validate the endpoint (and answer with field errors); the model's own check of an
        # ArrayField from a form would only repeat it.
        pass


class WebhookDisableForm(forms.Form):
    reason = forms.CharField(
        required=False,
        max_length=300,
        widget=forms.Textarea(attrs={"rows": 2}),
        help_text="Shown on the endpoint's page and kept in the audit trail.",
    )


class ConfirmForm(forms.Form):
    """A page that asks before it acts (rotating a secret)."""
