"""The overview is a list of tiles (``apps.dashboards.selectors``): each names a template of its own, and
the page renders them in the order listed."""

from __future__ import annotations

import re
from typing import Any

import pytest
from django.template.loader import get_template
from django.test import Client
from django.urls import reverse

from apps.accounts.choices import Role
from apps.dashboards.selectors import KEY_FIGURES, OVERVIEW_TILES
from tests.dashboards.conftest import Portfolio

OVERVIEW = reverse("dashboards:overview")


def test_every_tile_has_its_own_key_and_template() -> None:
    tiles = [*OVERVIEW_TILES, *KEY_FIGURES]
    assert len({tile.key for tile in tiles}) == len(tiles)
    assert len({tile.template for tile in tiles}) == len(tiles)
    for tile in tiles:
        assert get_template(tile.template)


@pytest.mark.django_db
def test_the_page_shows_the_key_figures_in_their_order(
    client: Client, user_with_role: Any, portfolio: Portfolio
) -> None:
    client.force_login(user_with_role(Role.EXECUTIVE))
    page = client.get(OVERVIEW).content.decode()
    shown = re.findall(r'<li class="tile[^"]*" data-tile="([^"]+)"', page)
    assert shown == [tile.key for tile in KEY_FIGURES]
    sections = re.findall(r'<section class="dash-section[^"]*" aria-labelledby="([a-z-]+)-title"', page)
    assert sections == ["attention-first", "tiles", "sla", "spend", "league", "matrix", "heat", "concentration"]
