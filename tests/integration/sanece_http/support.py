"""Helpers of the sanece HTTP tests: the visible text of a page, and submitting its forms the
way a browser does (the CSRF token read from the page, fields before files)."""

from __future__ import annotations

import html
import re
from typing import Any

from shared.adapters.rendering.samples import tiny_pdf, tiny_png
from tests.helpers import csrf_from

EMPTY_FILE = ("adjunto1", ("", b"", "application/octet-stream"))  # an input left empty


def text_of(markup: str) -> str:
    """What a user reads: the page without tags, scripts or repeated spaces."""
    body = re.sub(r"<(script|style)\b.*?</\1>", " ", markup, flags=re.S)
    body = re.sub(r"<[^>]+>", " ", body)
    return " ".join(html.unescape(body).split())


def upload(field: str, name: str, kind: str = "pdf") -> tuple[str, tuple[str, bytes, str]]:
    data = {"pdf": tiny_pdf(name), "png": tiny_png(), "exe": b"MZ\x90\x00 not a pdf at all"}[kind]
    return field, (name, data, "image/png" if kind == "png" else "application/pdf")


def submit(client: Any, page_path: str, action: str, fields: dict[str, Any],
           files: list[Any] | None = None) -> Any:
    """A multipart form of ``page_path`` posted to ``action`` (no redirect followed)."""
    token = csrf_from(client.get(page_path).text)
    return client.post(action, data={"csrf_token": token, **fields},
                       files=files or [EMPTY_FILE], follow_redirects=False)


def post_form(client: Any, page_path: str, action: str, fields: dict[str, Any]) -> Any:
    """An URL-encoded form of ``page_path`` posted to ``action``."""
    token = csrf_from(client.get(page_path).text)
    return client.post(action, data={"csrf_token": token, **fields}, follow_redirects=False)


def followed(client: Any, response: Any) -> str:
    """The text of the page a post/redirect/get lands on."""
    assert response.status_code == 303, text_of(response.text)[:600]
    return text_of(client.get(response.headers["location"]).text)


def searched(client: Any, page_path: str, text: str, **filters: Any) -> Any:
    """The "Buscar:" box of ``page_path`` as a browser sends it: POSTed to /sanece/buscar,
    then the list the redirect leads to (its URL carries only an opaque token)."""
    token = csrf_from(client.get(page_path).text)
    back = page_path.split("?")[0]
    sent = client.post("/sanece/buscar", data={"csrf_token": token, "volver": back, "q": text,
                                               **filters}, follow_redirects=False)
    assert sent.status_code == 303, sent.text[:300]
    assert text not in sent.headers["location"] or not text.strip()
    return client.get(sent.headers["location"])


def nss_searched(client: Any, section_path: str, nss: str) -> Any:
    """"Escribe el número de seguridad social (NSS)" as a browser sends it (POST); the page it
    leads to (or the refusal shown in place)."""
    token = csrf_from(client.get(section_path).text)
    sent = client.post(section_path, data={"csrf_token": token, "nss": nss},
                       follow_redirects=False)
    if sent.status_code != 303:
        return sent
    assert nss not in sent.headers["location"]
    return client.get(sent.headers["location"])
