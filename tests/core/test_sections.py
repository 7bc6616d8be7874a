"""The registry of detail-page sections (apps.core.sections)."""

from __future__ import annotations

import pytest
from django.http import Http404

from apps.core import sections


def test_the_vendor_page_tabs_come_from_the_apps_that_own_them_in_their_order() -> None:
    tabs = sections.sections_for("vendors.vendor")
    assert [tab.key for tab in tabs] == [
        "overview",
        "performance",
        "vetting",
        "certifications",
        "risks",
        "access",
        "team",
        "contracts",
        "telemetry",
        "reviews",
        "evidence",
        "history",
    ]
    owners = {tab.key: tab.context.__module__ for tab in tabs}
    assert owners["contracts"].startswith("apps.contracts.")
    assert owners["risks"].startswith("apps.vendors.")
    assert owners["evidence"] == "apps.vendors.evidence"  # the files of its certifications, vetting, reviews, risks
    assert owners["telemetry"] == "apps.performance.telemetry.sections"  # identity rules and bound sources


def test_an_unknown_tab_is_a_404_and_a_second_section_under_one_key_is_refused() -> None:
    with pytest.raises(Http404):
        sections.section("vendors.vendor", "no-such-tab")

    def first(request, obj):
        return {}

    def second(request, obj):
        return {}

    page = "tests.throwaway"
    sections.register_section(page, key="one", label="One", template="x.html")(first)
    sections.register_section(page, key="one", label="One", template="x.html")(first)  # the same again: fine
    with pytest.raises(ValueError, match="registered twice"):
        sections.register_section(page, key="one", label="One", template="x.html")(second)
    assert [entry.key for entry in sections.sections_for(page)] == ["one"]
