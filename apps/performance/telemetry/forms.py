"""The forms of delivery telemetry's pages: a source binding (made, then changed), the signing secret a
tool made itself (PagerDuty), and a vendor's identity rule. They check the shape of the input; the
models and services check the rules (``SourceBinding.clean``, the unique scope, the known KPIs), and
what they refuse lands on the field it names."""

from __future__ import annotations

from typing import Any

from django import forms
from django.contrib.postgres.forms import SimpleArrayField

from apps.core.forms import WorkspaceModelForm
from apps.performance.choices import TELEMETRY_DEFAULT_KPIS, TELEMETRY_KPI_CODES, TelemetrySource
from apps.performance.telemetry.models import SourceBinding
from apps.performance.telemetry.selectors import kpi_names
from apps.vendors.models import VendorIdentityRule

MEASURES_HELP = (
    "For this contract, telemetry becomes the one source of the KPIs ticked: typed values for them are refused "
    "from “covers from” on. None ticked: what the source can measure ({defaults})."
)


def _default_measures_text(names: dict[str, str]) -> str:
    """What each source measures by default, in words (GitHub and GitLab measure the same)."""
    groups: dict[tuple[str, ...], list[str]] = {}
    for source, codes in TELEMETRY_DEFAULT_KPIS.items():
        if source != TelemetrySource.GENERIC:
            groups.setdefault(tuple(codes), []).append(str(TelemetrySource(source).label))
    return "; ".join(
        f"{' and '.join(sources)}: {', '.join(names.get(code, code) for code in codes)}"
        for codes, sources in groups.items()
    )


class BindingFields(WorkspaceModelForm):
    """What a binding's two forms share: the KPIs it measures as checkboxes with their names, the
    production environments as a comma-separated list."""

    measures = forms.MultipleChoiceField(
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Measures",
        error_messages={"invalid_choice": "Telemetry cannot measure %(value)s: choose among the KPIs listed."},
    )
    production_environments = SimpleArrayField(
        forms.CharField(max_length=100),
        required=False,
        label="Production environments",
        help_text="The CI/CD environment names whose deployments are production deployments, separated by commas.",
    )

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        names = kpi_names()
        measures = self.fields["measures"]
        assert isinstance(measures, forms.MultipleChoiceField)
        measures.choices = [(code, names.get(code, code)) for code in TELEMETRY_KPI_CODES]
        measures.help_text = MEASURES_HELP.format(defaults=_default_measures_text(names))
        self.fields["covers_from"].label = "Covers from"
        if "source" in self.fields:
            source = self.fields["source"]
            assert isinstance(source, forms.ChoiceField)
            source.choices = [("", "Choose the tool"), *TelemetrySource.choices]

    def clean_name(self) -> str:
        return str(self.cleaned_data.get("name") or "").strip()


class BindingCreateForm(BindingFields):
    sections = (
        ("The source", ("source", "scope", "component", "label", "name")),
        ("What it measures", ("production_environments", "measures", "covers_from")),
    )

    class Meta(WorkspaceModelForm.Meta):
        model = SourceBinding
        fields = ["source", "scope", "component", "label", "name", "production_environments", "measures", "covers_from"]
        labels = {"component": "Jira component", "label": "Jira label"}
        help_texts = {
            "scope": "GitHub: owner/repository (or the organisation); GitLab: group/project (or the group); "
            "Jira: the project key; PagerDuty: the service id (e.g. PABC123); generic: any name.",
            "component": "Jira only: count only this component's issues. Leave blank for other sources.",
            "label": "Jira only: count only issues with this label. Leave blank for other sources.",
        }


class BindingUpdateForm(BindingFields):
    """What may change once a binding is made (``BINDING_CHANGEABLE_FIELDS``): not its contract, source or
    scope, whose deliveries and events it holds. The backfill token is written, never shown."""

    api_token = forms.CharField(
        required=False,
        strip=True,
        max_length=500,
        label="API token for backfill",
        widget=forms.PasswordInput(render_value=False),
        help_text="Only to read history from the tool's API (manage.py telemetry_backfill). Blank: keep the current one.",
    )

    class Meta(WorkspaceModelForm.Meta):
        model = SourceBinding
        fields = ["name", "component", "label", "production_environments", "measures", "covers_from", "api_base_url"]
        labels = {"component": "Jira component", "label": "Jira label", "api_base_url": "API address for backfill"}

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        if self.instance.source != TelemetrySource.JIRA:
            del self.fields["component"]
            del self.fields["label"]


class BindingSecretForm(forms.Form):
    """The signing secret the tool generated (PagerDuty shows it once, after the webhook is added)."""

    secret = forms.CharField(
        strip=True,
        max_length=255,
        label="The tool's signing secret",
        widget=forms.PasswordInput(render_value=False, attrs={"autocomplete": "off"}),
        help_text="Paste it whole; it replaces this binding's secret at once and is not shown again.",
    )


class RotateForm(forms.Form):
    """Nothing to fill in: the button is the confirmation."""


class IdentityRuleForm(WorkspaceModelForm):
    class Meta(WorkspaceModelForm.Meta):
        model = VendorIdentityRule
        fields = ["kind", "value"]
        help_texts = {
            "value": "An e-mail domain (acme.example: its subdomains too), a login, a team slug or a group name; "
            "matched without regard to case."
        }
