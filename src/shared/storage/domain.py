"""File storage port and the upload policy (size limit, type sniffed from content).

Pure: the HTTP upload helper and the adapters both lean on these rules.
"""

from __future__ import annotations

import re
import unicodedata
from datetime import datetime
from typing import BinaryIO, Iterable, Protocol, Sequence

import attrs

from shared.kernel.errors import DomainError, ValidationError

PDF = "application/pdf"
PNG = "image/png"
JPEG = "image/jpeg"

_SIGNATURES: tuple[tuple[bytes, str], ...] = (
    (b"%PDF-", PDF),
    (b"\x89PNG\r\n\x1a\n", PNG),
    (b"\xff\xd8\xff", JPEG),
)
SNIFF_BYTES = 8
TYPE_LABELS = {PDF: "PDF", PNG: "imagen PNG", JPEG: "imagen JPEG"}


def sniff(head: bytes) -> str | None:
    """Content type from the first bytes, or None when it is none we accept."""
    for magic, ctype in _SIGNATURES:
        if head.startswith(magic):
            return ctype
    return None


class FileTooLarge(DomainError):
    code = "file_too_large"
    status = 413


class FileTypeNotAllowed(ValidationError):
    code = "file_type_not_allowed"


def format_size(n_bytes: int) -> str:
    """A stored file's size as people read it beside limits said in MB: "149.6 MB", "820 KB"."""
    if n_bytes >= 1024 * 1024:
        return f"{n_bytes / (1024 * 1024):,.1f} MB"
    return f"{max(1, -(-n_bytes // 1024)):,} KB"


def format_mb(n_bytes: int) -> str:
    mb = n_bytes / (1024 * 1024)
    return f"{mb:.0f} MB" if mb >= 1 else f"{n_bytes // 1024} KB"


@attrs.frozen
class UploadPolicy:
    max_bytes: int
    allowed_types: frozenset[str] = frozenset({PDF})

    @classmethod
    def pdf_only(cls, max_bytes: int) -> "UploadPolicy":
        return cls(max_bytes, frozenset({PDF}))

    @classmethod
    def pdf_or_image(cls, max_bytes: int) -> "UploadPolicy":
        return cls(max_bytes, frozenset({PDF, PNG, JPEG}))

    def check_size(self, seen: int) -> None:
        if seen > self.max_bytes:
            raise FileTooLarge(f"El archivo excede el tamaño máximo permitido de {format_mb(self.max_bytes)}.")

    def check_type(self, head: bytes) -> str:
        ctype = sniff(head)
        if ctype is None or ctype not in self.allowed_types:
            allowed = "PDF" if self.allowed_types == {PDF} else "PDF o imagen (PNG, JPEG)"
            raise FileTypeNotAllowed(
                f"El archivo no es un {allowed} válido (se revisa su contenido, no su nombre).")
        return ctype


_SAFE = re.compile(r"[^A-Za-z0-9._ -]+")


def display_name(client_name: str | None, fallback: str = "archivo") -> str:
    """The client's file name kept only as metadata: no path parts, no control characters."""
    name = (client_name or "").replace("\\", "/").rsplit("/", 1)[-1]
    name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    name = _SAFE.sub("_", name).strip(" .")[:120]
    return name or fallback


@attrs.frozen
class StoredFile:
    key: str  # the version's own key: opaque, made by the storage, never from client input
    logical_key: str  # what the versions belong to, e.g. "excedentes/signed/IMSS/2026/09"
    size: int
    sha256: str
    content_type: str
    original_name: str
    created_at: datetime


class FileStorage(Protocol):
    backend: str

    def put(self, logical_key: str, stream: BinaryIO, *, content_type: str, original_name: str,
            size: int | None = None) -> StoredFile: ...

    def open(self, key: str) -> BinaryIO: ...

    def delete(self, key: str) -> None: ...

    def list_versions(self, logical_key: str) -> Sequence[StoredFile]: ...

    def reachable(self) -> bool:
        """Whether files can be written and read now (the health check)."""
        ...


class StorageSelector(Protocol):
    """The installation's storage backends, and which one an institution writes to."""

    @property
    def backends(self) -> frozenset[str]: ...

    def backend(self, name: str | None) -> FileStorage: ...

    def for_institution(self, institution: str | None, preferred: str | None = None) -> FileStorage: ...

    def unreachable(self) -> list[str]: ...


_LOGICAL = re.compile(r"^[A-Za-z0-9_-]+(/[A-Za-z0-9_.-]+)*$")


def check_logical_key(logical_key: str) -> str:
    if not _LOGICAL.match(logical_key) or ".." in logical_key:
        raise ValueError(f"invalid storage key {logical_key!r}")
    return logical_key


def chunks(stream: BinaryIO, size: int = 1024 * 1024) -> Iterable[bytes]:
    while True:
        block = stream.read(size)
        if not block:
            return
        yield block
