"""House rules that kept coming back in review, checked on every run (no database needed).

- A ``type: ignore`` names its error code and says why, on the same line: ``# type: ignore[misc]  # why``.
- Page templates carry no inline ``style=`` (djLint's H021 checks it too, in ``make lint-templates``), nor
  inline script or event handlers: the Content-Security-Policy refuses them (tests/test_security_headers.py).
  A value computed per row (a bar's width) goes in a data- attribute that static/js/app.js applies.
- No file of the repository refers to documents outside it.
"""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PYTHON_FOLDERS = ("apps", "config", "tests", "bench")
IGNORE = re.compile(r"#\s*type:\s*ignore(?P<codes>\[[^\]]*\])?(?P<rest>.*)$")
REASON = re.compile(r"^\s*#\s*\S")
OUTSIDE_DOCUMENTS = re.compile(r"DESIGN\.md|STYLE\.md|\.\./shared/")


def python_files() -> list[Path]:
    files = []
    for folder in PYTHON_FOLDERS:
        files += [path for path in (ROOT / folder).rglob("*.py") if "migrations" not in path.parts]
    return sorted(files)


def test_every_type_ignore_names_its_code_and_its_reason() -> None:
    bare = []
    for path in python_files():
        for number, line in enumerate(path.read_text().splitlines(), start=1):
            match = IGNORE.search(line)
            if match and (not match["codes"] or not REASON.match(match["rest"])):
                bare.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert bare == [], "A type: ignore needs [its-code] and '  # why' after it:\n" + "\n".join(bare)


def test_no_file_refers_to_documents_outside_the_repository() -> None:
    tracked = [*python_files(), ROOT / "README.md", *(ROOT / "docs").rglob("*.md"), *(ROOT / "templates").rglob("*")]
    found = [
        str(path.relative_to(ROOT))
        for path in tracked
        if path.is_file() and path != Path(__file__) and OUTSIDE_DOCUMENTS.search(path.read_text(errors="replace"))
    ]
    assert found == []
