"""Local filesystem storage under var/files/ (never served directly by the web server)."""

from __future__ import annotations

import hashlib
import json
import os
import secrets
import shutil
import tempfile
from datetime import datetime
from pathlib import Path
from typing import BinaryIO, Callable, Sequence

from shared.storage.domain import StoredFile, check_logical_key, chunks


class LocalFileStorage:
    backend = "local"

    def __init__(self, root: Path, now: Callable[[], datetime]) -> None:
        self.root = Path(root)
        self._now = now

    def reachable(self) -> bool:
        try:
            self.root.mkdir(parents=True, exist_ok=True)
        except OSError:
            return False
        return os.access(self.root, os.W_OK | os.R_OK | os.X_OK)

    def _dir(self, logical_key: str) -> Path:
        return self.root / check_logical_key(logical_key)

    def put(self, logical_key: str, stream: BinaryIO, *, content_type: str, original_name: str,
            size: int | None = None) -> StoredFile:
        folder = self._dir(logical_key)
        folder.mkdir(parents=True, exist_ok=True)
        created = self._now()
        version = f"{created.strftime('%Y%m%dT%H%M%S%f')}-{secrets.token_hex(6)}"
        digest = hashlib.sha256()
        written = 0
        # Write to a temp file in the same folder, then rename: a crash never leaves a
        # half-written version visible.
        fd, tmp = tempfile.mkstemp(prefix=".part-", dir=folder)
        try:
            with os.fdopen(fd, "wb") as out:
                for block in chunks(stream):
                    digest.update(block)
                    out.write(block)
                    written += len(block)
                out.flush()
                os.fsync(out.fileno())
            stored = StoredFile(f"{logical_key}/{version}", logical_key, written, digest.hexdigest(),
                                content_type, original_name, created)
            meta = folder / f"{version}.json"
            meta.write_text(json.dumps({
                "size": written, "sha256": stored.sha256, "content_type": content_type,
                "original_name": original_name, "created_at": created.isoformat(),
            }))
            os.replace(tmp, folder / f"{version}.bin")
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise
        return stored

    def _version_paths(self, key: str) -> tuple[Path, Path]:
        logical, _, version = key.rpartition("/")
        folder = self._dir(logical)
        if not version or "/" in version or version.startswith("."):
            raise FileNotFoundError(key)
        return folder / f"{version}.bin", folder / f"{version}.json"

    def open(self, key: str) -> BinaryIO:
        data, _ = self._version_paths(key)
        return open(data, "rb")

    def delete(self, key: str) -> None:
        data, meta = self._version_paths(key)
        data.unlink(missing_ok=True)
        meta.unlink(missing_ok=True)

    def list_versions(self, logical_key: str) -> Sequence[StoredFile]:
        folder = self._dir(logical_key)
        if not folder.is_dir():
            return []
        out = []
        for meta in sorted(folder.glob("*.json")):
            version = meta.stem
            if not (folder / f"{version}.bin").exists():
                continue
            m = json.loads(meta.read_text())
            out.append(StoredFile(f"{logical_key}/{version}", logical_key, m["size"], m["sha256"],
                                  m["content_type"], m["original_name"],
                                  datetime.fromisoformat(m["created_at"])))
        return out

    def purge(self) -> None:
        """Delete everything (tests only)."""
        shutil.rmtree(self.root, ignore_errors=True)
