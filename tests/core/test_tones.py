"""Badge tones (apps/core/tones.py): apps register the tone of their status values; a value keeps one
tone, and the ``{% badge %}`` tag renders the registered tone (``quiet`` for anything unregistered)."""

from __future__ import annotations

import pytest
from django.core.exceptions import ImproperlyConfigured
from django.template import Context, Template

from apps.core import tones
from apps.core.tones import BAD, GOOD, QUIET, WARN, register_tones, registered_tones, tone_for
from apps.vendors.choices import VendorStatus


@pytest.fixture
def empty_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(tones, "_tones", {})


@pytest.mark.usefixtures("empty_registry")
def test_registering_merges_and_the_same_tone_again_is_allowed() -> None:
    register_tones({"open": BAD, "held": GOOD})
    register_tones({"open": BAD, "weak": WARN})
    assert dict(registered_tones()) == {"open": BAD, "held": GOOD, "weak": WARN}
    assert (tone_for("open"), tone_for("nobody_registered_me"), tone_for(None)) == (BAD, QUIET, QUIET)


@pytest.mark.usefixtures("empty_registry")
def test_a_value_given_another_tone_is_refused_and_nothing_of_that_call_is_added() -> None:
    register_tones({"open": BAD})
    with pytest.raises(ImproperlyConfigured, match="'open' is registered with the tone 'bad' and now 'good'"):
        register_tones({"fresh": WARN, "open": GOOD})
    assert dict(registered_tones()) == {"open": BAD}


@pytest.mark.usefixtures("empty_registry")
def test_an_unknown_tone_is_refused() -> None:
    with pytest.raises(ImproperlyConfigured, match="Unknown badge tone 'red'"):
        register_tones({"open": "red"})


def test_choices_members_register_by_their_value() -> None:
    assert registered_tones()[VendorStatus.ACTIVE.value] == GOOD
    assert tone_for(VendorStatus.ACTIVE) == GOOD


def test_the_badge_tag_renders_the_registered_tone() -> None:
    template = Template("{% load ui %}{% badge status label %}|{% badge '' %}|{% badge 'unregistered' %}")
    html = template.render(Context({"status": VendorStatus.OFFBOARDING, "label": "Offboarding"}))
    assert html == (
        '<span class="badge badge-warn">Offboarding</span>|<span class="badge badge-quiet">—</span>|'
        '<span class="badge badge-quiet">unregistered</span>'
    )
