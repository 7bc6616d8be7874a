"""DRF's browsable API under the Content-Security-Policy (local and test settings; production renders
JSON only)."""

from __future__ import annotations

from typing import Any

from csp.constants import UNSAFE_INLINE
from rest_framework import renderers


class BrowsableAPIRenderer(renderers.BrowsableAPIRenderer):
    """DRF's HTML pages carry inline styles (a <style> for code highlighting, style="" on the filter and
    form widgets): their responses allow inline styles. Scripts stay as strict as everywhere."""

    def render(self, data: Any, accepted_media_type: str | None = None, renderer_context: Any = None) -> Any:
        response = (renderer_context or {}).get("response")
        if response is not None:
            response._csp_update = {"style-src": [UNSAFE_INLINE]}  # read by django-csp's middleware
        return super().render(data, accepted_media_type, renderer_context)
