"""Files uploaded for a job (an import): stored FIRST through the storage port, so that a worker
on any machine reads them from there (S3 in the multi-machine profile), then consumed by the job.

An upload belongs to the user who sent it: it is kept under that user's own logical key
(``job-uploads/u<user id>``), one storage version per upload, and its id is the version's name.
Looking an id up only ever searches the requester's own key, so another user's id answers
exactly like a missing one. No table is needed: the storage itself records the owner.

Lifetime: the job that consumes an upload removes it when it ends (done, or failed by a rule);
what is left (a job cancelled while queued, an upload never used, a job failed by an unexpected
error after its retries) is swept when its owner stores the next one, once older than the jobs'
keep period (``JOBS_KEEP_DAYS``): it expires with the job.
"""

from __future__ import annotations

import re
import shutil
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any, BinaryIO, Mapping

import attrs

from shared.kernel.clock import Clock
from shared.kernel.errors import NotFound
from shared.storage.domain import StorageSelector

PREFIX = "job-uploads"
UPLOAD_NOT_FOUND = ("El archivo subido no existe o ya no está disponible (se borra al terminar "
                    "el trabajo o al expirar); súbalo de nuevo.")
_ID = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,79}$")


@attrs.frozen
class StoredUpload:
    id: str  # what the owner names it by (the storage version's name)
    backend: str  # the storage backend that keeps it
    key: str  # the storage's own key
    filename: str  # the client's file name (metadata only: CSV or XLSX is told by it)
    content_type: str
    size: int
    created_at: datetime

    def as_params(self) -> dict[str, Any]:
        """What a job's canonical parameters keep of it (made by ``prepare``, never by the
        client: the key a worker reads is the one found under the owner's own prefix)."""
        return {"upload": self.id, "upload_backend": self.backend, "upload_key": self.key,
                "filename": self.filename, "size": self.size}


def owner_key(user_id: int) -> str:
    return f"{PREFIX}/u{int(user_id)}"


@attrs.define
class JobUploads:
    storage: StorageSelector
    clock: Clock
    keep: timedelta = timedelta(days=7)

    def store(self, user_id: int, stream: BinaryIO, *, filename: str, content_type: str,
              size: int | None = None) -> StoredUpload:
        """Keep ``stream`` (already checked: size, type) as one of the user's uploads."""
        backend = self.storage.for_institution(None)
        self.sweep(user_id)
        stored = backend.put(owner_key(user_id), stream, content_type=content_type,
                             original_name=filename, size=size)
        return StoredUpload(stored.key.rsplit("/", 1)[1], backend.backend, stored.key, filename,
                            content_type, stored.size, stored.created_at)

    def find(self, user_id: int, upload_id: Any) -> StoredUpload:
        """The user's upload ``upload_id``; ``NotFound`` for a missing or foreign one (both are
        looked for under this user's key only, so they answer the same)."""
        if not isinstance(upload_id, str) or not _ID.match(upload_id):
            raise NotFound(UPLOAD_NOT_FOUND, log_message=f"malformed upload id {upload_id!r}")
        backend = self.storage.for_institution(None)
        wanted = f"{owner_key(user_id)}/{upload_id}"
        for f in backend.list_versions(owner_key(user_id)):
            if f.key == wanted:
                return StoredUpload(upload_id, backend.backend, f.key, f.original_name,
                                    f.content_type, f.size, f.created_at)
        raise NotFound(UPLOAD_NOT_FOUND, log_message=f"upload {upload_id} not among user "
                                                     f"{user_id}'s")

    def fetch(self, params: Mapping[str, Any], dest: Path) -> Path:
        """Copy the upload named by a job's canonical ``params`` to the local file ``dest``
        (the worker's private temporary folder)."""
        try:
            src = self.storage.backend(str(params["upload_backend"])).open(str(params["upload_key"]))
        except (FileNotFoundError, KeyError) as exc:
            raise NotFound(UPLOAD_NOT_FOUND, log_message=f"upload gone: {exc}") from exc
        with src, open(dest, "wb") as out:
            shutil.copyfileobj(src, out, 1024 * 1024)
        return dest

    def discard(self, params: Mapping[str, Any]) -> None:
        """Remove the upload a job consumed (best effort: a missing one is already gone)."""
        try:
            self.storage.backend(str(params["upload_backend"])).delete(str(params["upload_key"]))
        except (FileNotFoundError, KeyError):
            pass

    def sweep(self, user_id: int) -> int:
        """Remove the user's uploads older than the keep period; how many."""
        backend = self.storage.for_institution(None)
        limit = self.clock.now() - self.keep
        old = [f for f in backend.list_versions(owner_key(user_id)) if f.created_at < limit]
        for f in old:
            backend.delete(f.key)
        return len(old)
