"""Streaming multipart uploads shared by both contexts.

The request body is parsed as it arrives: file parts go to a temporary file under var/tmp
(never memory), the size limit is enforced while reading (413 as soon as it is passed, the
partial file removed), the type is sniffed from the first bytes (an executable renamed .pdf is
refused), and the client's file name is kept only as metadata. The CSRF token must arrive as a
form field before the first file, so nothing is written for a forged request.
"""

from __future__ import annotations

import os
import tempfile
from pathlib import Path
from typing import Any

import attrs
from litestar import Request
from multipart import MultipartError, MultipartSegment, PushMultipartParser

from entrypoints.http.security import CSRF_FIELD, CsrfFailed, token_matches
from shared.kernel.errors import ValidationError
from shared.storage.domain import SNIFF_BYTES, UploadPolicy, display_name

MAX_FIELD_BYTES = 64 * 1024
# Keyword arguments for a route that calls receive_form: no whole-body limit (the policy
# limits each file while streaming) and CSRF checked by the reader, not the app guard.
UPLOAD_ROUTE: dict[str, Any] = {"request_max_body_size": None, "opt": {"csrf": "stream"}}
MAX_PARTS = 40


@attrs.define
class ReceivedFile:
    field: str
    path: Path
    size: int
    content_type: str  # sniffed, never the client's claim
    original_name: str

    def open(self):  # -> BinaryIO
        return open(self.path, "rb")


@attrs.define
class ReceivedForm:
    fields: dict[str, list[str]] = attrs.field(factory=dict)
    files: list[ReceivedFile] = attrs.field(factory=list)

    def get(self, name: str, default: str = "") -> str:
        values = self.fields.get(name)
        return values[0] if values else default

    def getall(self, name: str) -> list[str]:
        return list(self.fields.get(name, []))

    def files_for(self, name: str) -> list[ReceivedFile]:
        return [f for f in self.files if f.field == name]

    def cleanup(self) -> None:
        for f in self.files:
            f.path.unlink(missing_ok=True)

    def __enter__(self) -> "ReceivedForm":
        return self

    def __exit__(self, *exc: object) -> None:
        self.cleanup()


class _FilePart:
    def __init__(self, field: str, client_name: str, tmp_dir: Path, policy: UploadPolicy) -> None:
        self.field = field
        self.name = display_name(client_name)
        self.named = bool((client_name or "").strip())  # a chosen file, not an empty input
        self.policy = policy
        fd, path = tempfile.mkstemp(prefix="upload-", dir=tmp_dir)
        self.path = Path(path)
        self.out = os.fdopen(fd, "wb")
        self.size = 0
        self.head = b""
        self.ctype: str | None = None

    def write(self, block: bytes) -> None:
        self.size += len(block)
        self.policy.check_size(self.size)
        if self.ctype is None:
            self.head += block[: SNIFF_BYTES - len(self.head)]
            if len(self.head) >= SNIFF_BYTES:
                self.ctype = self.policy.check_type(self.head)
        self.out.write(block)

    def finish(self) -> ReceivedFile | None:
        self.out.close()
        if self.size == 0:
            self.path.unlink(missing_ok=True)
            if self.named:  # a file of 0 bytes was chosen: say so, not "no file"
                raise ValidationError(f"El archivo «{self.name}» está vacío.",
                                      log_message="empty file uploaded")
            return None  # an empty file input: the user chose nothing
        if self.ctype is None:
            self.ctype = self.policy.check_type(self.head)
        return ReceivedFile(self.field, self.path, self.size, self.ctype, self.name)

    def abort(self) -> None:
        try:
            self.out.close()
        finally:
            self.path.unlink(missing_ok=True)


async def receive_form(request: Request[Any, Any, Any], policy: UploadPolicy, *, max_files: int = 3,
                       tmp_dir: Path | None = None, into: ReceivedForm | None = None) -> ReceivedForm:
    """Parse a multipart form with file parts under ``policy``; the caller must ``cleanup()``.

    ``into``: fill this form instead of a new one, so that a caller can still read the text
    fields that arrived before a refusal (a file too large or of the wrong type) and show the
    form back as typed; its files are removed on a refusal all the same."""
    ctype = request.headers.get("content-type", "")
    if not ctype.startswith("multipart/form-data") or "boundary=" not in ctype:
        raise ValidationError("El formulario debe enviarse como multipart/form-data con el archivo adjunto.")
    boundary = ctype.split("boundary=", 1)[1].split(";", 1)[0].strip().strip('"')
    length = request.headers.get("content-length")
    overhead = 64 * 1024
    if length and length.isdigit() and int(length) > policy.max_bytes * max_files + overhead:
        # Refuse before reading a byte when the announced body is already too big.
        policy.check_size(int(length) - overhead)
    tmp = tmp_dir or Path(request.app.state.container.settings().tmp_dir)
    tmp.mkdir(parents=True, exist_ok=True)

    form = into if into is not None else ReceivedForm()
    current: _FilePart | None = None
    field_name: str | None = None
    field_buf = bytearray()
    csrf_ok = request.headers.get("x-csrf-token") is not None and token_matches(
        request, request.headers.get("x-csrf-token"))
    try:
        with PushMultipartParser(boundary, max_segment_count=MAX_PARTS) as parser:
            async for chunk in request.stream():
                for event in parser.parse(chunk):
                    if isinstance(event, MultipartSegment):
                        if event.filename is not None:
                            if not csrf_ok:
                                raise CsrfFailed()
                            if len(form.files) >= max_files:
                                raise ValidationError(f"Se admiten como máximo {max_files} archivos.")
                            current = _FilePart(event.name, event.filename, tmp, policy)
                        else:
                            field_name, field_buf = event.name, bytearray()
                    elif event:
                        if current is not None:
                            current.write(bytes(event))
                        else:
                            field_buf.extend(event)
                            if len(field_buf) > MAX_FIELD_BYTES:
                                raise ValidationError("Un campo del formulario es demasiado largo.")
                    else:  # end of a part
                        if current is not None:
                            done = current.finish()
                            current = None
                            if done is not None:
                                form.files.append(done)
                        elif field_name is not None:
                            value = field_buf.decode("utf-8", errors="replace")
                            form.fields.setdefault(field_name, []).append(value)
                            if field_name == CSRF_FIELD and token_matches(request, value):
                                csrf_ok = True
                            field_name = None
            if not parser.closed:
                raise ValidationError("El formulario llegó incompleto; intente de nuevo.")
        if not csrf_ok:
            raise CsrfFailed()
    except MultipartError as exc:
        _discard(current, form)
        raise ValidationError("El formulario no tiene un formato válido.") from exc
    except BaseException:
        _discard(current, form)
        raise
    return form


def _discard(current: _FilePart | None, form: ReceivedForm) -> None:
    if current is not None:
        current.abort()
    form.cleanup()
