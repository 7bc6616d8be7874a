"""Every status a template shows with ``{% badge %}`` has a tone registered by the app that owns it.

The templates are read for the first argument of each ``{% badge %}``: a quoted literal must be
registered itself; ``something.<field>`` names a model field, and every model field of that name with
choices must have all its values registered, so a status added to a choices class without a tone fails
here. A badge of a choices member itself (``rec.value``) is listed by hand in ``BADGED_MEMBERS``."""

from __future__ import annotations

import re
from pathlib import Path

from django.apps import apps
from django.conf import settings
from django.template.utils import get_app_template_dirs

from apps.core.tones import registered_tones
from apps.functions.choices import Recommendation
from apps.performance.choices import BindingHealth

BADGE_ARGUMENT = re.compile(r"{%\s*badge\s+(\S+)")
LITERAL = re.compile(r"""^(["'])(.*)\1$""")
# Badges whose value is a choices member rather than a model field: a function's recommendation.
# A binding's health is a property (``SourceBinding.health``), not a field with choices.
BADGED_MEMBERS = {"value": [Recommendation], "health": [BindingHealth]}
# Fields named like a badged one that no template shows with {% badge %}: an import job's status is
# toned by the import pages themselves.
NOT_BADGED_MODELS = {"ImportJob", "ImportJobEvent"}


def badge_arguments() -> set[str]:
    dirs = [Path(d) for d in settings.TEMPLATES[0]["DIRS"]] + [Path(d) for d in get_app_template_dirs("templates")]
    found: set[str] = set()
    for folder in dirs:
        for template in folder.rglob("*.html"):
            found.update(BADGE_ARGUMENT.findall(template.read_text(encoding="utf-8")))
    return found


def field_values(name: str) -> dict[str, set[str]]:
    """The choice values of every model field called ``name``, by ``app.Model.field``."""
    return {
        f"{model._meta.label}.{name}": {str(value) for value, _label in field.flatchoices}
        for model in apps.get_models()
        if model._meta.object_name not in NOT_BADGED_MODELS
        for field in model._meta.concrete_fields
        if field.name == name and field.choices
    }


def test_every_badged_status_value_has_a_registered_tone() -> None:
    arguments = badge_arguments()
    assert len(arguments) > 10, arguments  # the templates were found
    registered = registered_tones()
    missing: dict[str, set[str]] = {}
    for argument in sorted(arguments):
        literal = LITERAL.match(argument)
        if literal:
            if literal.group(2) not in registered:
                missing[argument] = {literal.group(2)}
            continue
        name = argument.rsplit(".", 1)[-1]
        if name in BADGED_MEMBERS:
            sources = {cls.__qualname__: {str(v) for v in cls.values} for cls in BADGED_MEMBERS[name]}
        else:
            sources = field_values(name)
            assert sources, f"{{% badge {argument} %}}: no model field {name!r} with choices; list it in BADGED_MEMBERS"
        for source, values in sources.items():
            if values - set(registered):
                missing[source] = values - set(registered)
    assert not missing, f"status values without a registered tone (register_tones in their choices.py): {missing}"
