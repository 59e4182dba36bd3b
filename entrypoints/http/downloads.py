"""Downloads of stored files: always as attachments, with the stored (sniffed) type."""

from __future__ import annotations

from typing import Any, Iterator
from urllib.parse import quote

from litestar.response import Stream

from shared.storage.domain import FileStorage, StoredFile


def attachment_headers(filename: str) -> dict[str, str]:
    ascii_name = filename.encode("ascii", "replace").decode().replace('"', "") or "archivo"
    return {"Content-Disposition": f"attachment; filename=\"{ascii_name}\"; filename*=UTF-8''{quote(filename)}",
            "X-Content-Type-Options": "nosniff"}


def stream_stored(storage: FileStorage, stored: StoredFile, filename: str | None = None) -> Stream:
    def chunks() -> Iterator[bytes]:
        with storage.open(stored.key) as fh:
            while block := fh.read(256 * 1024):
                yield block

    headers = attachment_headers(filename or stored.original_name)
    headers["Content-Length"] = str(stored.size)
    return Stream(chunks(), media_type=stored.content_type, headers=headers)


def stream_bytes(data: bytes, media_type: str, filename: str) -> Any:
    from litestar import Response

    return Response(data, media_type=media_type, headers=attachment_headers(filename))
