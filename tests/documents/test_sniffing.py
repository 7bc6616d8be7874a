"""What a file is, by its content; the size and type limits and their messages."""

from __future__ import annotations

import io

import openpyxl
import pytest

from apps.core.errors import ApplicationError
from apps.documents.sniffing import human_size, sniff
from tests.documents.files import docx_bytes, pdf_bytes, zip_bytes


def sniffed(data: bytes, name: str) -> str:
    return sniff([data[:100], data[100:]], name=name, size=len(data)).type.key


def refusal(data: bytes, name: str, size: int | None = None) -> str:
    with pytest.raises(ApplicationError) as caught:
        sniff([data], name=name, size=len(data) if size is None else size)
    assert caught.value.field == "file"
    return caught.value.message


def xlsx_bytes() -> bytes:
    out = io.BytesIO()
    openpyxl.Workbook().save(out)
    return out.getvalue()


PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 40
JPEG = b"\xff\xd8\xff\xe0\x00\x10JFIF\x00" + b"\x00" * 40


@pytest.mark.parametrize(
    ("data", "name", "key"),
    [
        (pdf_bytes("SOC 2 Type II"), "soc2.pdf", "pdf"),
        (docx_bytes("Signed"), "contract.docx", "docx"),
        (xlsx_bytes(), "controls.xlsx", "xlsx"),
        (PNG, "scan.png", "png"),
        (JPEG, "scan.jpeg", "jpeg"),
        ("name,value\nKraków,1\n".encode(), "list.csv", "text"),
        ("\ufeffminutes".encode(), "minutes", "text"),  # no extension: the content decides
        (pdf_bytes("x"), "report.PDF", "pdf"),
        (pdf_bytes("x"), "report", "pdf"),
    ],
)
def test_accepted_types_are_recognised_by_content(data: bytes, name: str, key: str) -> None:
    assert sniffed(data, name) == key


def test_the_hash_is_the_sha256_of_the_content() -> None:
    import hashlib

    data = pdf_bytes("hash me")
    assert sniff([data[:7], data[7:]], name="a.pdf", size=len(data)).sha256 == hashlib.sha256(data).hexdigest()


def test_a_zip_named_pdf_is_refused_as_what_it_is() -> None:
    assert refusal(zip_bytes(), "report.pdf") == (
        "This file is a ZIP archive, not one of: PDF, PNG image, JPEG image, Word document (DOCX), "
        "Excel workbook (XLSX), plain text or CSV."
    )


def test_a_text_file_named_pdf_is_refused() -> None:
    assert refusal(b"%not really a pdf\n", "report.pdf") == (
        "This file is named .pdf but its content is plain text, not a PDF. "
        "Upload the real PDF, or give the file its right name."
    )


def test_a_pdf_named_docx_is_refused() -> None:
    assert "named .docx but its content is a PDF" in refusal(pdf_bytes("x"), "contract.docx")


def test_binary_of_no_known_type_is_refused() -> None:
    assert refusal(b"\x00\x01\x02binary", "blob.bin").startswith("This file's type is not recognised")


def test_too_big_is_refused_before_reading(settings) -> None:
    assert refusal(b"", "big.pdf", size=int(31.2 * 1024 * 1024)) == "The file is 31.2 MB; the limit is 25 MB."
    settings.EVIDENCE_MAX_BYTES = 1000
    assert refusal(b"x" * 2048, "big.txt") == "The file is 2 KB; the limit is 1000 bytes."


def test_empty_is_refused() -> None:
    assert refusal(b"", "empty.pdf") == "The file is empty."


def test_the_allowed_types_are_a_setting(settings) -> None:
    settings.EVIDENCE_ALLOWED_TYPES = ["pdf"]
    assert refusal(docx_bytes("x"), "c.docx") == "This file is a Word document (DOCX), not one of: PDF."
    assert sniffed(pdf_bytes("x"), "c.pdf") == "pdf"


@pytest.mark.parametrize(
    ("size", "text"),
    [(1, "1 byte"), (900, "900 bytes"), (2560, "2.5 KB"), (25 * 1024 * 1024, "25 MB"), (3 * 1024**3, "3 GB")],
)
def test_human_size(size: int, text: str) -> None:
    assert human_size(size) == text
