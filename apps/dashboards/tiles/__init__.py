"""The portfolio overview's tiles, one module each: the tile's selector(s), the dataclasses they return
and the ``Tile`` that names its template (``templates/dashboards/tiles/``).

``apps.dashboards.selectors`` composes them into the ``Overview`` and lists the tiles in the order the
page shows them. Every number is read with its aggregation in the database and a fixed number of queries
whatever the size of the portfolio; the shared vocabulary (``Scope``, ``Drill``, ``drill_url`` …) is in
``apps.dashboards.scope``.
"""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Tile:
    """A part of the overview page: ``key`` names it, ``template`` renders it from the page's context
    (``overview``, ``charts`` and the view's other values)."""

    key: str
    template: str
