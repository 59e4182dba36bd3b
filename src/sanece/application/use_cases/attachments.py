"""Attachments of change requests: checking and storing what a director uploads, and opening a
stored one for download (scoped like its request).

An upload is anything with ``size``, ``original_name`` and ``open()`` (the HTTP layer's
``ReceivedFile`` already is one; ``BytesUpload`` serves tests and the demo). Its type is
sniffed here from the first bytes (PDF ``%PDF-``, PNG, JPEG), whatever the client claimed, and
the client's file name is kept only as sanitized metadata. The bytes go to the ``FileStorage``
port under ``sanece/requests/<unit>/<yyyymm>``; the storage makes the key.
"""

from __future__ import annotations

import contextlib
import io
from datetime import datetime
from typing import BinaryIO, Sequence

import attrs

from sanece.application.access import ATTACHMENT_NOT_FOUND, Actor
from sanece.application.ports import UploadedFile
from sanece.application.use_cases._common import UseCase, load_request
from sanece.domain.rules import AttachmentMustNotBeEmpty
from sanece.domain.values import Attachment
from shared.storage.domain import (
    SNIFF_BYTES,
    FileStorage,
    FileTooLarge,
    display_name,
    format_mb,
    sniff,
)
from shared.kernel.errors import NotFound
from shared.kernel.rules import check_rule

PROVISIONAL_KEY = "provisional"  # a checked upload before it is stored


@attrs.frozen
class BytesUpload:
    """An upload held in memory (small files: tests, demo data)."""

    data: bytes
    original_name: str

    @property
    def size(self) -> int:
        return len(self.data)

    def open(self) -> BinaryIO:
        return io.BytesIO(self.data)


def _check_size(size: int, name: str, max_bytes: int) -> None:
    if size > max_bytes:
        raise FileTooLarge(f"El archivo «{name}» excede el tamaño máximo permitido de "
                           f"{format_mb(max_bytes)}.")


def check_uploads(uploads: Sequence[UploadedFile], max_bytes: int) -> list[Attachment]:
    """Each upload as a provisional ``Attachment`` (type sniffed from its content, size
    limit, not empty), so that every rule of the request can be checked before any byte is
    stored. Messages name the file."""
    out = []
    for upload in uploads:
        name = display_name(upload.original_name)
        _check_size(upload.size, name, max_bytes)
        check_rule(AttachmentMustNotBeEmpty(upload.size, name))
        with upload.open() as fh:
            head = fh.read(SNIFF_BYTES)
        content_type = sniff(head) or "application/octet-stream"
        out.append(Attachment(PROVISIONAL_KEY, content_type, name, upload.size))
    return out


def attachments_key(unit_id: int | None, at: datetime) -> str:
    return f"sanece/requests/{unit_id or 0}/{at:%Y%m}"


def store_uploads(storage: FileStorage, logical_key: str, uploads: Sequence[UploadedFile],
                  checked: Sequence[Attachment], max_bytes: int) -> list[Attachment]:
    """Store the checked uploads; on any failure the files already stored are deleted again.
    The size that counts is what was really read (a stream may differ from its claim)."""
    keys: list[str] = []
    stored: list[Attachment] = []
    try:
        for upload, att in zip(uploads, checked, strict=True):
            with upload.open() as fh:
                put = storage.put(logical_key, fh, content_type=att.content_type,
                                  original_name=att.original_name, size=upload.size)
            keys.append(put.key)
            _check_size(put.size, att.original_name, max_bytes)
            stored.append(Attachment(put.key, att.content_type, att.original_name, put.size))
    except BaseException:
        for key in keys:
            with contextlib.suppress(Exception):
                storage.delete(key)
        raise
    return stored


def delete_stored(storage: FileStorage, attachments: Sequence[Attachment]) -> None:
    for att in attachments:
        with contextlib.suppress(Exception):
            storage.delete(att.storage_key)


# --------------------------------------------------------------------------- download


@attrs.frozen
class AttachmentDownload:
    stream: BinaryIO  # the caller closes it
    filename: str
    content_type: str
    size: int


@attrs.define
class OpenAttachment(UseCase):
    """Open attachment ``index`` (1-based) of a request the caller may see; anything else is
    the same ``NotFound`` (a foreign request's file answers like a missing one)."""

    storage: FileStorage

    def __call__(self, actor: Actor, request_id: int, index: int) -> AttachmentDownload:
        with self.uow_factory() as uow:
            try:
                request = load_request(uow, actor, request_id)
            except NotFound:
                raise NotFound(ATTACHMENT_NOT_FOUND) from None
            # the filing's attachments, then those of each answer to Requiere información
            every = request.all_attachments
            if not 1 <= int(index) <= len(every):
                raise NotFound(ATTACHMENT_NOT_FOUND)
            att = every[int(index) - 1]
        try:
            stream = self.storage.open(att.storage_key)
        except FileNotFoundError:
            raise NotFound(ATTACHMENT_NOT_FOUND) from None
        return AttachmentDownload(stream, att.original_name, att.content_type, att.size)
