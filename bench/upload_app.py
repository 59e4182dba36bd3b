"""The product's app plus one upload route that uses the shared streaming helper, so the
benchmark measures exactly what the contexts' upload pages use."""

from __future__ import annotations

from typing import Any

from litestar import Request, post

from entrypoints.http.app import create_app
from entrypoints.http.rendering import HttpModule
from entrypoints.http.uploads import UPLOAD_ROUTE, receive_form
from entrypoints.modules import http_modules
from entrypoints.container import build_container
from shared.storage.domain import UploadPolicy

LIMIT = 160 * 1024 * 1024


@post("/bench/upload", **UPLOAD_ROUTE)
async def bench_upload(request: Request[Any, Any, Any]) -> dict[str, Any]:
    from anyio import to_thread

    storage = request.app.state.container.storage().for_institution("SS")
    with await receive_form(request, UploadPolicy.pdf_only(LIMIT), max_files=1) as form:
        f = form.files[0]

        def store() -> Any:
            with f.open() as fh:
                return storage.put("bench/uploads", fh, content_type=f.content_type, original_name=f.original_name)

        stored = await to_thread.run_sync(store)
        return {"size": stored.size, "sha256": stored.sha256}


def app() -> Any:
    container = build_container()
    return create_app(container, modules=[*http_modules(container), HttpModule("bench", [bench_upload])])
