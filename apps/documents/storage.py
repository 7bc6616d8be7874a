"""Where evidence files are kept: the storage alias ``"evidence"`` of ``STORAGES`` (the file system under
the data folder by default, or an S3-compatible bucket; config/settings/base.py).

The field asks for the storage on every use (``EvidenceStorage``), so a change of ``STORAGES`` — a test's
``settings`` override — takes effect without reloading the model.
"""

from __future__ import annotations

import uuid
from typing import Any

from django.core.files.storage import Storage, storages
from django.utils.functional import LazyObject, empty


class EvidenceStorage(LazyObject):
    """``storages["evidence"]``, resolved when first used and again after ``STORAGES`` changes."""

    _wrapped: Any

    def _setup(self) -> None:
        self._wrapped = storages["evidence"]


evidence_storage = EvidenceStorage()


def reset_evidence_storage(*, setting: str, **kwargs: Any) -> None:
    """On ``setting_changed``: Django resets ``storages`` itself when ``STORAGES`` changes (django.test.signals)."""
    if setting == "STORAGES":
        evidence_storage._wrapped = empty


def get_evidence_storage() -> Storage:
    """For ``FileField(storage=...)``: a callable keeps the alias, not a backend, in the migrations."""
    return evidence_storage  # type: ignore[return-value]  # a lazy proxy of a Storage


def evidence_upload_to(instance: Any, filename: str) -> str:
    """``<subject model>/<subject id>/<random>.<extension of the sniffed type>``: the uploader's file name
    never becomes a path (it is kept in ``original_name`` for the download)."""
    extension = filename.rsplit(".", 1)[-1] if "." in filename else "bin"
    return f"{instance.content_type.app_label}.{instance.content_type.model}/{instance.object_id}/{uuid.uuid4().hex}.{extension}"
