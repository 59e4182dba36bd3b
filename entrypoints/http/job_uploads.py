"""Import files for jobs on the web: the CSV/XLSX upload policy of every import, the step that
turns a large received import into a job (its file stored first through the storage port, as
the user's upload), and ``POST /api/jobs/uploads``, which stores a file and answers its id for
``POST /api/jobs`` (``{"kind": "catalog-import", "params": {"upload": id, …}}``).

The upload is received exactly as an import page receives it (``receive_form``: streamed to a
temporary file, ``IMPORT_MAX_MB`` enforced while reading, the type told by the first bytes),
then copied to the storage under its owner's key; the job that imports it removes it.
"""

from __future__ import annotations

from typing import Any

import attrs
from anyio import to_thread
from litestar import Controller, Request, Response, post

from entrypoints.http.dependencies import Injected
from entrypoints.http.security import current_user
from entrypoints.http.streams import CSV, XLSX
from entrypoints.http.uploads import UPLOAD_ROUTE, ReceivedFile, receive_form
from shared.jobs.application import JobView, StartIfLarge
from shared.jobs.domain import Requester
from shared.jobs.uploads import JobUploads
from shared.kernel.errors import PermissionDenied, ValidationError
from shared.kernel.scope import Role
from shared.storage.domain import FileTypeNotAllowed, UploadPolicy

XLSX_MAGIC = b"PK\x03\x04"
IMPORT_KINDS = ("catalog-import", "units-import", "sanece-import")
UPLOAD_DENIED = "Solo un coordinador o un administrador puede subir archivos de importación."


class TabularUploadPolicy(UploadPolicy):
    """Catalog, unit and SAnECE files: an .xlsx (a ZIP container) or a text CSV; anything binary
    (an executable, an image, a PDF renamed .csv) is refused by its first bytes."""

    def check_type(self, head: bytes) -> str:
        if head.startswith(XLSX_MAGIC):
            return XLSX
        if head and b"\x00" not in head and not head.startswith((b"%PDF-", b"\x89PNG",
                                                                 b"\xff\xd8\xff", b"MZ")):
            return CSV
        raise FileTypeNotAllowed("El archivo debe ser CSV o XLSX (se revisa su contenido, no "
                                 "su nombre).")


def requester_of(request: Request[Any, Any, Any]) -> Requester:
    """The session user as the jobs see them (the owner of what they start or upload)."""
    user = current_user(request)
    return Requester(user.id, user.username, user.role.value, user.scope_ref)


def tabular_policy(request: Request[Any, Any, Any]) -> TabularUploadPolicy:
    """Import uploads, up to ``IMPORT_MAX_MB`` (the settings' ``import_max_bytes``)."""
    return TabularUploadPolicy(request.app.state.container.settings().import_max_bytes,
                               frozenset({XLSX, CSV}))


def import_job_bytes(request: Request[Any, Any, Any]) -> int:
    """``JOBS_IMPORT_BYTES``: the size above which an import page's file becomes a job (the
    page states it beside its forms)."""
    return int(request.app.state.container.settings().jobs_import_bytes)


def start_import_job(request: Request[Any, Any, Any], start_if_large: StartIfLarge,
                     job_uploads: JobUploads, kind: str, received: ReceivedFile,
                     params: dict[str, Any]) -> JobView | None:
    """Above ``JOBS_IMPORT_BYTES``: store the received file as the user's upload and start the
    import ``kind`` on it (the kind's ``prepare`` decides scope and parameters at once; a
    refusal removes the upload again). None: small enough to import within the request."""
    limit = start_if_large.limits.get(kind)
    if limit is None or received.size <= limit:
        return None
    requester = requester_of(request)
    with received.open() as fh:
        stored = job_uploads.store(requester.user_id, fh, filename=received.original_name,
                                   content_type=received.content_type, size=received.size)
    try:
        return start_if_large(requester, kind, {**params, "upload": stored.id}, received.size)
    except BaseException:
        job_uploads.discard(stored.as_params())
        raise


@attrs.frozen
class UploadOut:
    upload: str  # the id to name in a job's params ("upload")
    filename: str
    size: int
    content_type: str


class JobUploadsApi(Controller):
    path = "/api/jobs/uploads"
    tags = ["Trabajos"]

    @post("/", status_code=201, summary="Subir el archivo de una importación (CSV/XLSX)",
          description="Formulario multipart con el campo `archivo` (hasta `IMPORT_MAX_MB`). "
                      "Responde el id del archivo (`upload`), que se indica en `POST /api/jobs` "
                      "(`catalog-import`, `units-import`, `sanece-import`). El archivo es solo "
                      "de quien lo subió y se borra al terminar el trabajo (o al expirar).",
          **UPLOAD_ROUTE)
    async def upload(self, request: Request[Any, Any, Any],
                     job_uploads: Injected[JobUploads]) -> Response[UploadOut]:
        requester = requester_of(request)
        if requester.role not in (Role.COORDINADOR.value, Role.ADMIN.value):
            raise PermissionDenied(UPLOAD_DENIED)  # before a byte is read
        with await receive_form(request, tabular_policy(request), max_files=1) as form:
            if not form.files:
                raise ValidationError("Adjunte el archivo CSV o XLSX a importar (campo "
                                      "«archivo»).")
            received = form.files[0]

            def store() -> Any:
                with received.open() as fh:
                    return job_uploads.store(requester.user_id, fh,
                                             filename=received.original_name,
                                             content_type=received.content_type,
                                             size=received.size)

            stored = await to_thread.run_sync(store)
        return Response(UploadOut(stored.id, stored.filename, stored.size, stored.content_type),
                        status_code=201)
