"""Case document storage: what may be uploaded, and where the bytes live.

Uploads are checked on their extension *and* their first bytes (OWASP ASVS 5.2.2), so a
program renamed ``.pdf`` is refused; zipped office formats have their entries counted and
their unpacked size summed before anything could unpack them (ASVS 5.2.3). Accepted
bytes are written under ``settings.SAFERLEEDS_DOCUMENT_ROOT`` (outside the web root, never
under ``STATIC_ROOT``) with a random server-generated name (ASVS 5.3.2); the original
name is kept only as data, for the download's ``Content-Disposition`` (ASVS 5.4.1).

Allowed types: PDF, PNG, JPEG, Word (DOCX), OpenDocument text (ODT) and plain text
(UTF-8), up to ``settings.SAFERLEEDS_DOCUMENT_MAX_BYTES`` (10 MB by default).
"""

from __future__ import annotations

import errno
import io
import os
import re
import secrets
import zipfile
from dataclasses import dataclass
from pathlib import Path

from django.conf import settings

__all__ = [
    "ALLOWED",
    "DocumentRejected",
    "CheckedDocument",
    "check_document",
    "document_root",
    "max_bytes",
    "store_document",
    "read_document",
    "remove_document",
    "download_name",
]

# Zip containers: refuse more entries, or more unpacked bytes, than a real document has.
ZIP_MAX_ENTRIES = 1000
ZIP_MAX_UNPACKED = 100 * 1024 * 1024
STORED_NAME_RE = re.compile(r"^[0-9a-f]{40}$")
ODT_MIMETYPE = b"application/vnd.oasis.opendocument.text"


class DocumentRejected(ValueError):
    """An upload that is not an allowed type, is empty, or is too large."""


@dataclass(frozen=True)
class FileType:
    """One allowed type: its extensions and the content type it is served as."""

    label: str
    extensions: tuple[str, ...]
    content_type: str


ALLOWED: dict[str, FileType] = {
    "pdf": FileType("PDF", (".pdf",), "application/pdf"),
    "png": FileType("PNG image", (".png",), "image/png"),
    "jpeg": FileType("JPEG image", (".jpg", ".jpeg"), "image/jpeg"),
    "docx": FileType(
        "Word document",
        (".docx",),
        "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    ),
    "odt": FileType(
        "OpenDocument text", (".odt",), "application/vnd.oasis.opendocument.text"
    ),
    "txt": FileType("Plain text", (".txt",), "text/plain; charset=utf-8"),
}
ALLOWED_EXTENSIONS = ", ".join(ext for t in ALLOWED.values() for ext in t.extensions)


@dataclass(frozen=True)
class CheckedDocument:
    """An upload that passed the checks."""

    kind: str
    content_type: str
    size: int


def max_bytes() -> int:
    """The largest document accepted, in bytes."""
    return int(settings.SAFERLEEDS_DOCUMENT_MAX_BYTES)


def document_root() -> Path:
    """Where documents are stored (created, private to the service's user, on first use)."""
    root = Path(settings.SAFERLEEDS_DOCUMENT_ROOT)
    root.mkdir(parents=True, exist_ok=True, mode=0o700)
    return root


def _zip_entries(data: bytes) -> dict[str, zipfile.ZipInfo] | None:
    """The entries of a zip container, or None if it is not a sound, modest zip."""
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as z:
            infos = z.infolist()
    except (zipfile.BadZipFile, ValueError, OSError):
        return None
    if len(infos) > ZIP_MAX_ENTRIES:
        return None
    if sum(i.file_size for i in infos) > ZIP_MAX_UNPACKED:
        return None
    return {i.filename: i for i in infos}


def _matches(kind: str, data: bytes) -> bool:
    """Whether ``data`` really is of ``kind`` (magic bytes, or the container's layout)."""
    if kind == "pdf":
        return data.startswith(b"%PDF-")
    if kind == "png":
        return data.startswith(b"\x89PNG\r\n\x1a\n")
    if kind == "jpeg":
        return data.startswith(b"\xff\xd8\xff")
    if kind in ("docx", "odt"):
        if not data.startswith(b"PK\x03\x04"):
            return False
        entries = _zip_entries(data)
        if entries is None:
            return False
        if kind == "docx":
            return "word/document.xml" in entries and "[Content_Types].xml" in entries
        # ODF puts an uncompressed "mimetype" entry first (ODF 1.2 part 3, 3.3).
        return data[30:38] == b"mimetype" and ODT_MIMETYPE in data[38:120]
    if kind == "txt":
        if b"\x00" in data:
            return False
        try:
            data.decode("utf-8")
        except UnicodeDecodeError:
            return False
        return True
    return False


def kind_for_name(filename: str) -> str | None:
    """The allowed kind a file name's extension claims, if any."""
    ext = os.path.splitext(filename.strip().lower())[1]
    for kind, t in ALLOWED.items():
        if ext in t.extensions:
            return kind
    return None


def check_document(filename: str, data: bytes) -> CheckedDocument:
    """Check an upload's name, size and content.

    Raises:
        DocumentRejected: With a message fit to show the user.
    """
    kind = kind_for_name(filename)
    if kind is None:
        raise DocumentRejected(f"The selected file must be a {ALLOWED_EXTENSIONS} file")
    if not data:
        raise DocumentRejected("The selected file is empty")
    limit = max_bytes()
    if len(data) > limit:
        raise DocumentRejected(
            f"The selected file must be smaller than {_human(limit + 1)}"
        )
    if not _matches(kind, data):
        raise DocumentRejected(
            f"The selected file is not a real {ALLOWED[kind].label}: "
            "its contents do not match its name"
        )
    return CheckedDocument(kind, ALLOWED[kind].content_type, len(data))


def _human(n: int) -> str:
    if n >= 1024 * 1024:
        return f"{n / (1024 * 1024):.0f} MB"
    if n >= 1024:
        return f"{n / 1024:.0f} KB"
    return f"{n} bytes"


class DocumentNotStored(DocumentRejected):
    """The bytes could not be written (the disk is full): nothing was kept."""


def store_document(data: bytes) -> str:
    """Write checked bytes under a new random name; returns the name.

    All or nothing: the bytes are written and flushed to disk, or no file is left
    (a full disk must not leave half a document behind).

    Raises:
        DocumentNotStored: The disk is full, or writing failed otherwise.
    """
    root = document_root()
    name = secrets.token_hex(20)
    # O_EXCL: never overwrite; 0o600: readable by the service's user only.
    fd = os.open(root / name, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
            f.flush()
            # A full disk can surface only when the data reaches it: before the record.
            os.fsync(f.fileno())
    except OSError as exc:
        (root / name).unlink(missing_ok=True)
        if exc.errno in (errno.ENOSPC, errno.EDQUOT):
            raise DocumentNotStored(
                "The document could not be saved: there is no space left on the "
                "disk that holds documents. Nothing was saved; ask your "
                "administrator to free some space, then upload it again"
            ) from exc
        raise DocumentNotStored(
            f"The document could not be saved ({exc.strerror or exc}). Nothing was "
            "saved; try again, and tell your administrator if it keeps happening"
        ) from exc
    return name


def _path(stored_name: str) -> Path:
    if not STORED_NAME_RE.match(stored_name):
        raise FileNotFoundError(stored_name)
    return document_root() / stored_name


def read_document(stored_name: str) -> bytes:
    """The stored bytes (call only after the access check).

    Raises:
        FileNotFoundError: Not stored, or not a name this module made.
    """
    return _path(stored_name).read_bytes()


def remove_document(stored_name: str) -> None:
    """Delete stored bytes if present (used when the record could not be saved)."""
    try:
        _path(stored_name).unlink(missing_ok=True)
    except FileNotFoundError:
        pass


def download_name(original_name: str, kind_extension: str = "") -> str:
    """A safe file name for ``Content-Disposition``: letters, digits, ``-_.`` and spaces."""
    base = os.path.basename(original_name.replace("\\", "/"))
    clean = re.sub(r"[^A-Za-z0-9 ._-]", "_", base).strip(" .") or "document"
    return clean[:120] + (
        "" if clean.lower().endswith(kind_extension) else kind_extension
    )
