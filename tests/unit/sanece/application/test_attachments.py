"""Checking and storing the attachments of a request (real local storage in a temp folder)."""

from __future__ import annotations

from datetime import datetime, timezone
from pathlib import Path

import pytest

from sanece.application.use_cases.attachments import (
    PROVISIONAL_KEY,
    BytesUpload,
    attachments_key,
    check_uploads,
    store_uploads,
)
from shared.adapters.rendering.samples import tiny_pdf, tiny_png
from shared.kernel.errors import ValidationError
from shared.storage.adapters.local import LocalFileStorage
from shared.storage.domain import FileTooLarge

NOW = datetime(2026, 3, 10, 16, 0, tzinfo=timezone.utc)
JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 40


def test_types_are_sniffed_from_the_content_and_names_sanitized():
    checked = check_uploads([BytesUpload(tiny_pdf("x"), "../../vigencia.PDF"),
                             BytesUpload(tiny_png(), "nota médica.png"),
                             BytesUpload(JPEG, "foto.txt")], 1024 * 1024)
    assert [(a.content_type, a.original_name, a.storage_key) for a in checked] == [
        ("application/pdf", "vigencia.PDF", PROVISIONAL_KEY),
        ("image/png", "nota medica.png", PROVISIONAL_KEY),
        ("image/jpeg", "foto.txt", PROVISIONAL_KEY)]


def test_refusals_name_the_file():
    with pytest.raises(ValidationError, match="«programa.pdf» debe ser PDF o imagen"):
        check_uploads([BytesUpload(b"MZ\x90\x00 executable", "programa.pdf")], 1024)
    with pytest.raises(ValidationError, match="«vacio.pdf» está vacío"):
        check_uploads([BytesUpload(b"", "vacio.pdf")], 1024)
    with pytest.raises(FileTooLarge, match="«grande.pdf» excede el tamaño máximo permitido de 1 KB"):
        check_uploads([BytesUpload(b"%PDF-" + b"0" * 2000, "grande.pdf")], 1024)


class FailingSecondPut(LocalFileStorage):
    """The real local storage, failing on the second file (a full disk, a network error)."""

    puts = 0

    def put(self, *args, **kwargs):  # type: ignore[no-untyped-def]
        self.puts += 1
        if self.puts == 2:
            raise OSError("No space left on device")
        return super().put(*args, **kwargs)


def test_storing_is_all_or_nothing(tmp_path: Path):
    uploads = [BytesUpload(tiny_pdf("a"), "a.pdf"), BytesUpload(tiny_png(), "b.png")]
    checked = check_uploads(uploads, 1024 * 1024)
    key = attachments_key(7, NOW)
    assert key == "sanece/requests/7/202603"
    storage = LocalFileStorage(tmp_path, lambda: NOW)
    stored = store_uploads(storage, key, uploads, checked, 1024 * 1024)
    assert [a.original_name for a in stored] == ["a.pdf", "b.png"]
    with storage.open(stored[1].storage_key) as fh:
        assert fh.read() == tiny_png()
    failing = FailingSecondPut(tmp_path / "other", lambda: NOW)
    with pytest.raises(OSError):
        store_uploads(failing, key, uploads, checked, 1024 * 1024)
    assert list((tmp_path / "other").rglob("*.bin")) == []
