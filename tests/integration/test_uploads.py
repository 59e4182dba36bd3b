"""The shared streaming upload helper, mounted on a test route of the real app."""

from __future__ import annotations

from typing import Any

import pytest
from litestar import Request, get, post
from litestar.params import FromPath
from litestar.response import Response

from entrypoints.http.app import create_app
from entrypoints.http.rendering import HttpModule
from entrypoints.http.uploads import UPLOAD_ROUTE, receive_form
from shared.kernel.scope import Role
from shared.storage.domain import UploadPolicy
from tests.helpers import api_csrf, login, make_user

LIMIT = 200_000


@post("/test-upload", **UPLOAD_ROUTE)
async def upload(request: Request[Any, Any, Any]) -> dict[str, Any]:
    storage = request.app.state.container.storage().for_institution("IMSS")
    with await receive_form(request, UploadPolicy.pdf_or_image(LIMIT)) as form:
        stored = []
        for f in form.files:
            with f.open() as fh:
                s = storage.put("test/uploads", fh, content_type=f.content_type, original_name=f.original_name)
            stored.append({"key": s.key, "size": s.size, "type": s.content_type, "name": s.original_name})
        return {"note": form.get("note"), "files": stored}


@get("/test-download/{key:path}")
async def download(request: Request[Any, Any, Any], key: FromPath[str]) -> Response[Any]:
    from entrypoints.http.downloads import stream_stored

    storage = request.app.state.container.storage().for_institution("IMSS")
    versions = {v.key: v for v in storage.list_versions("test/uploads")}
    return stream_stored(storage, versions[key.lstrip("/")])


@pytest.fixture
def upload_client(container):
    from litestar.testing import TestClient

    app = create_app(container, modules=[HttpModule("test", [upload, download])])
    make_user(container, "subidor", Role.ADMIN)
    with TestClient(app=app, base_url="http://testserver.local") as c:
        login(c, "subidor")
        yield c


def _files(tmp_root):
    return sorted(p.name for p in tmp_root.rglob("*") if p.is_file())


def test_upload_stores_sniffed_type_and_keeps_name_as_metadata(upload_client, container):
    token = api_csrf(upload_client)
    r = upload_client.post("/test-upload", data={"csrf_token": token, "note": "hola"},
                           files={"file": ("../../etc/passwd.pdf", b"%PDF-1.7\nabc", "text/plain")})
    assert r.status_code == 201, r.text
    body = r.json()
    assert body["note"] == "hola"
    f = body["files"][0]
    assert f["type"] == "application/pdf" and f["name"] == "passwd.pdf" and f["size"] == 12
    root = container.settings().files_root
    assert all(".." not in str(p) for p in root.rglob("*"))
    dl = upload_client.get(f"/test-download/{f['key']}")
    assert dl.status_code == 200 and dl.content == b"%PDF-1.7\nabc"
    assert dl.headers["content-type"].startswith("application/pdf")
    assert dl.headers["content-disposition"].startswith("attachment;")


def test_executable_renamed_pdf_is_refused(upload_client, container):
    token = api_csrf(upload_client)
    r = upload_client.post("/test-upload", data={"csrf_token": token},
                           files={"file": ("factura.pdf", b"MZ\x90\x00\x03\x00\x00\x00" + b"\x00" * 100,
                                           "application/pdf")})
    assert r.status_code == 422 and "no es un PDF" in r.text
    assert _files(container.settings().tmp_dir) == []
    assert not container.settings().files_root.exists() or _files(container.settings().files_root) == []


def test_body_over_the_limit_is_413_and_leaves_no_file(upload_client, container):
    token = api_csrf(upload_client)
    big = b"%PDF-1.7\n" + b"0" * (LIMIT + 10)
    r = upload_client.post("/test-upload", data={"csrf_token": token}, files={"file": ("big.pdf", big, "application/pdf")})
    assert r.status_code == 413
    assert r.headers["content-type"].startswith("text/html") or "problem" in r.headers["content-type"]
    assert _files(container.settings().tmp_dir) == []
    assert not container.settings().files_root.exists() or _files(container.settings().files_root) == []


def test_upload_without_csrf_writes_nothing(upload_client, container):
    r = upload_client.post("/test-upload", data={"note": "x"},
                           files={"file": ("a.pdf", b"%PDF-1.7\n", "application/pdf")})
    assert r.status_code == 403
    assert _files(container.settings().tmp_dir) == []


def test_too_many_files_is_refused(upload_client):
    token = api_csrf(upload_client)
    files = [("file", (f"{i}.pdf", b"%PDF-1.7\n", "application/pdf")) for i in range(4)]
    r = upload_client.post("/test-upload", data={"csrf_token": token}, files=files)
    assert r.status_code == 422 and "máximo 3" in r.text


def test_anonymous_upload_is_refused(container):
    from litestar.testing import TestClient

    app = create_app(container, modules=[HttpModule("test", [upload])])
    with TestClient(app=app) as c:
        r = c.post("/test-upload", files={"file": ("a.pdf", b"%PDF-1.7\n", "application/pdf")},
                   headers={"accept": "application/json"}, follow_redirects=False)
        assert r.status_code in (303, 401)
