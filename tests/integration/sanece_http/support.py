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
