"""Documents sent to the browser as attachments, for every context: a document written into a
temporary file under var/tmp (never a served folder) and streamed, or a file opened from the
storage port. Memory stays flat whatever the size.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any, BinaryIO, Callable, Iterator, TypeVar

from litestar import Request
from litestar.response import Stream

from entrypoints.http.downloads import attachment_headers

T = TypeVar("T")
CHUNK = 256 * 1024
PDF = "application/pdf"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
CSV = "text/csv"  # Litestar appends "; charset=utf-8" to text types


def temp_path(request: Request[Any, Any, Any], suffix: str, prefix: str = "doc-") -> Path:
    """A fresh temporary file under var/tmp."""
    tmp = Path(request.app.state.container.settings().tmp_dir)
    tmp.mkdir(parents=True, exist_ok=True)
    fd, name = tempfile.mkstemp(prefix=prefix, suffix=suffix, dir=tmp)
    os.close(fd)
    return Path(name)


def into_temp_path(request: Request[Any, Any, Any], suffix: str,
                   write: Callable[[Path], T]) -> tuple[Path, T]:
    """Run ``write(path)`` on a new temporary file (for writers that open the path
    themselves); the file is removed if it fails (a refused document never leaves a file
    behind)."""
    path = temp_path(request, suffix)
    try:
        return path, write(path)
    except BaseException:
        path.unlink(missing_ok=True)
        raise


def into_temp_file(request: Request[Any, Any, Any], suffix: str,
                   write: Callable[[BinaryIO], T]) -> tuple[Path, T]:
    """Run ``write(stream)`` on a new temporary file opened for writing; removed if it fails."""

    def to_stream(path: Path) -> T:
        with open(path, "wb") as out:
            return write(out)

    return into_temp_path(request, suffix, to_stream)


def stream_temp_file(path: Path, media_type: str, filename: str) -> Stream:
    """Send a finished temporary file as an attachment and delete it once sent (or when the
    connection breaks)."""

    def chunks() -> Iterator[bytes]:
        try:
            with open(path, "rb") as fh:
                while block := fh.read(CHUNK):
                    yield block
        finally:
            path.unlink(missing_ok=True)

    headers = attachment_headers(filename)
    headers["Content-Length"] = str(path.stat().st_size)
    return Stream(chunks(), media_type=media_type, headers=headers)


def stream_open_file(stream: BinaryIO, size: int, filename: str, media_type: str) -> Stream:
    """Send an already opened file (e.g. from the storage port) as an attachment; it is closed
    once sent."""

    def chunks() -> Iterator[bytes]:
        try:
            while block := stream.read(CHUNK):
                yield block
        finally:
            stream.close()

    headers = attachment_headers(filename)
    headers["Content-Length"] = str(size)
    return Stream(chunks(), media_type=media_type, headers=headers)
