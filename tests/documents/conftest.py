from __future__ import annotations

from pathlib import Path

import pytest


@pytest.fixture(autouse=True)
def evidence_root(settings, tmp_path: Path) -> Path:
    """Each test's evidence in its own folder (the storage follows a change of STORAGES)."""
    root = tmp_path / "evidence"
    settings.STORAGES = {
        **settings.STORAGES,
        "evidence": {
            "BACKEND": "django.core.files.storage.FileSystemStorage",
            "OPTIONS": {"location": str(root), "base_url": None},
        },
    }
    return root
