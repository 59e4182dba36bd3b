"""The session store of an installation without Redis: Litestar's file store, read and written
in the event loop.

Session files are a few hundred bytes that live in the operating system's page cache: reading
one directly takes microseconds, while the stock ``FileStore`` hands every read, write and
delete to a worker thread (each hop costs more than the I/O, and queues behind busy threads
under load). The on-disk format, the atomic write (temporary file + rename) and the expiry
rules stay Litestar's, so several workers on one machine still share the sessions.
"""

from __future__ import annotations

import os
from datetime import timedelta
from os import PathLike
from pathlib import Path

from litestar.stores.base import StorageObject
from litestar.stores.file import FileStore, _safe_file_name


class LocalFileStore(FileStore):
    __slots__ = ("_dir",)

    def __init__(self, path: PathLike[str], *, create_directories: bool = False) -> None:
        super().__init__(path, create_directories=create_directories)
        self._dir = os.fspath(path)
        if create_directories:
            os.makedirs(self._dir, exist_ok=True)

    def with_namespace(self, namespace: str) -> "LocalFileStore":
        if not namespace.isalnum():
            raise ValueError(f"Invalid namespace: {namespace!r}")
        return LocalFileStore(os.path.join(self._dir, namespace), create_directories=True)

    def _file(self, key: str) -> str:
        # Litestar's own file name (``_path_from_key``), joined as a plain string: its anyio
        # ``Path`` arithmetic cost more than the read, on every request
        return os.path.join(self._dir, _safe_file_name(key))

    async def get(self, key: str, renew_for: int | timedelta | None = None) -> bytes | None:
        path = self._file(key)
        try:
            with open(path, "rb") as fh:
                stored = StorageObject.from_bytes(fh.read())
        except FileNotFoundError:
            return None
        if stored.expired:
            _unlink(path)
            return None
        if renew_for and stored.expires_at:
            await self.set(key, stored.data, expires_in=renew_for)
        return stored.data

    async def set(self, key: str, value: str | bytes, expires_in: int | timedelta | None = None) -> None:
        os.makedirs(self._dir, exist_ok=True)
        data = value.encode("utf-8") if isinstance(value, str) else value
        self._write_sync(Path(self._file(key)), StorageObject.new(data=data, expires_in=expires_in))

    async def delete(self, key: str) -> None:
        _unlink(self._file(key))

    async def exists(self, key: str) -> bool:
        return os.path.exists(self._file(key))


def _unlink(path: str) -> None:
    try:
        os.unlink(path)
    except FileNotFoundError:
        pass
