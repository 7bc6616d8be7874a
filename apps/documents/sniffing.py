"""What an uploaded file really is, read from its content (``filetype``'s magic numbers; plain text by
decoding it as UTF-8), and the limits: ``EVIDENCE_MAX_BYTES`` and ``EVIDENCE_ALLOWED_TYPES``.

The name is never trusted: a ZIP archive named ``report.pdf`` is a ZIP archive, and is refused. A name
that claims another accepted type than the content (``notes.pdf`` holding plain text) is refused too,
so a file is never downloaded under a misleading extension.
"""

from __future__ import annotations

import codecs
import hashlib
from collections.abc import Iterable
from dataclasses import dataclass

import filetype
from django.conf import settings

from apps.core.errors import ApplicationError

SNIFF_BYTES = 8192
CHUNK_BYTES = 64 * 1024


@dataclass(frozen=True)
class FileType:
    key: str  # as in EVIDENCE_ALLOWED_TYPES
    label: str
    media_type: str
    extension: str  # of the stored file
    extensions: frozenset[str]  # names that claim this type


TYPES: dict[str, FileType] = {
    t.key: t
    for t in (
        FileType("pdf", "PDF", "application/pdf", "pdf", frozenset({"pdf"})),
        FileType("png", "PNG image", "image/png", "png", frozenset({"png"})),
        FileType("jpeg", "JPEG image", "image/jpeg", "jpg", frozenset({"jpg", "jpeg"})),
        FileType(
            "docx",
            "Word document (DOCX)",
            "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
            "docx",
            frozenset({"docx"}),
        ),
        FileType(
            "xlsx",
            "Excel workbook (XLSX)",
            "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
            "xlsx",
            frozenset({"xlsx"}),
        ),
        FileType("text", "plain text or CSV", "text/plain", "txt", frozenset({"txt", "csv", "text", "md", "log"})),
    )
}
# ``filetype``'s extension → the type above (what it recognises but we name differently).
_FILETYPE_KEYS = {"pdf": "pdf", "png": "png", "jpg": "jpeg", "docx": "docx", "xlsx": "xlsx"}
# How a refused type reads in a message ("This file is a ZIP archive, …").
_REFUSED_LABELS = {
    "zip": "a ZIP archive",
    "exe": "a program (EXE)",
    "elf": "a program (ELF)",
    "gif": "a GIF image",
    "doc": "an old Word document (DOC)",
    "xls": "an old Excel workbook (XLS)",
    "rar": "a RAR archive",
    "gz": "a gzip archive",
    "7z": "a 7-Zip archive",
    "tar": "a TAR archive",
    "html": "an HTML page",
}


@dataclass(frozen=True)
class SniffedFile:
    type: FileType
    size: int
    sha256: str


def human_size(size: int) -> str:
    """``31.2 MB``, ``25 MB``, ``2.5 KB``, ``900 bytes`` (binary units, one decimal when it matters)."""
    for unit, factor in (("GB", 1024**3), ("MB", 1024**2), ("KB", 1024)):
        if size >= factor:
            return f"{size / factor:.1f}".removesuffix(".0") + f" {unit}"
    return f"{size} byte{'s' if size != 1 else ''}"


def _a(label: str) -> str:
    return f"{'an' if label[:1].lower() in 'aeiou' else 'a'} {label}"


def allowed_types() -> list[FileType]:
    return [TYPES[key] for key in settings.EVIDENCE_ALLOWED_TYPES if key in TYPES]


def allowed_sentence() -> str:
    return ", ".join(t.label for t in allowed_types())


def _is_text(chunks: Iterable[bytes]) -> bool:
    decoder = codecs.getincrementaldecoder("utf-8-sig")()
    try:
        for chunk in chunks:
            if b"\x00" in chunk:
                return False
            decoder.decode(chunk)
        decoder.decode(b"", final=True)
    except UnicodeDecodeError:
        return False
    return True


def sniff(chunks: Iterable[bytes], *, name: str, size: int) -> SniffedFile:
    """Recognise the file whose content ``chunks`` yields (``size`` bytes) and check it against the
    limits; refused with an ``ApplicationError`` on ``file`` saying what the file is and what is
    accepted. The size is checked first, so a file over the limit is not read."""
    limit = settings.EVIDENCE_MAX_BYTES
    if size > limit:
        raise ApplicationError(f"The file is {human_size(size)}; the limit is {human_size(limit)}.", field="file")
    if size == 0:
        raise ApplicationError("The file is empty.", field="file")
    digest = hashlib.sha256()
    head = b""
    text_chunks: list[bytes] = []
    for chunk in chunks:
        digest.update(chunk)
        if len(head) < SNIFF_BYTES:
            head += chunk[: SNIFF_BYTES - len(head)]
        text_chunks.append(chunk)
    guessed = filetype.guess(head)
    key = _FILETYPE_KEYS.get(guessed.extension) if guessed is not None else None
    if key is None and guessed is None and _is_text(text_chunks):
        key = "text"
    allowed = allowed_types()
    if key is None or TYPES[key] not in allowed:
        if key is not None:
            what = _a(TYPES[key].label) if key != "text" else "plain text"
        elif guessed is not None:
            what = _REFUSED_LABELS.get(guessed.extension, _a(f"{guessed.extension.upper()} file"))
        else:
            raise ApplicationError(
                f"This file's type is not recognised from its content; accepted are: {allowed_sentence()}.",
                field="file",
            )
        raise ApplicationError(f"This file is {what}, not one of: {allowed_sentence()}.", field="file")
    found = TYPES[key]
    extension = name.rsplit(".", 1)[-1].lower() if "." in name else ""
    claimed = next((t for t in TYPES.values() if extension in t.extensions), None)
    if claimed is not None and claimed != found:
        raise ApplicationError(
            f"This file is named .{extension} but its content is {'plain text' if key == 'text' else _a(found.label)}"
            f", not {_a(claimed.label)}. Upload the real {claimed.label}, or give the file its right name.",
            field="file",
        )
    return SniffedFile(type=found, size=size, sha256=digest.hexdigest())
