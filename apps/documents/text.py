"""The text of an uploaded document: PDF through pypdf, DOCX through python-docx. Used by the apps
that fill a record from its evidence (the contract's text, ``apps.contracts.evidence``)."""

from __future__ import annotations

import logging
import zipfile

import docx
import pypdf
from pypdf.errors import PyPdfError

from apps.core.errors import ApplicationError
from apps.documents.models import EvidenceFile
from apps.documents.sniffing import TYPES

logger = logging.getLogger(__name__)

PDF = TYPES["pdf"].media_type
DOCX = TYPES["docx"].media_type
TEXT_MEDIA_TYPES = frozenset({PDF, DOCX})


class TextUnreadable(ApplicationError):
    """The document holds no text we can read (encrypted, damaged, or a scan without a text layer)."""


def _clean(text: str) -> str:
    # PostgreSQL text holds no NUL; pypdf marks some unmapped glyphs with it.
    lines = [line.rstrip() for line in text.replace("\x00", "").replace("\r\n", "\n").split("\n")]
    return "\n".join(lines).strip()


def _pdf_text(evidence: EvidenceFile) -> str:
    with evidence.file.open("rb") as handle:
        try:
            reader = pypdf.PdfReader(handle)
            if reader.is_encrypted and not reader.decrypt(""):
                raise TextUnreadable("the PDF is encrypted")
            return "\n\n".join(page.extract_text() or "" for page in reader.pages)
        except (PyPdfError, ValueError, KeyError) as exc:
            logger.info("evidence %s: unreadable PDF (%s)", evidence.pk, exc)
            raise TextUnreadable("the PDF could not be read") from exc


def _docx_text(evidence: EvidenceFile) -> str:
    with evidence.file.open("rb") as handle:
        try:
            document = docx.Document(handle)
        except (zipfile.BadZipFile, KeyError, ValueError) as exc:
            logger.info("evidence %s: unreadable DOCX (%s)", evidence.pk, exc)
            raise TextUnreadable("the Word document could not be read") from exc
        parts = [paragraph.text for paragraph in document.paragraphs]
        for table in document.tables:
            for row in table.rows:
                parts.append(" | ".join(cell.text for cell in row.cells))
        return "\n".join(parts)


def document_text(evidence: EvidenceFile) -> str:
    """The document's text, cleaned ("" for a type that has none here); ``TextUnreadable`` when the
    file is a PDF or DOCX whose text cannot be read."""
    if evidence.media_type == PDF:
        return _clean(_pdf_text(evidence))
    if evidence.media_type == DOCX:
        return _clean(_docx_text(evidence))
    return ""
