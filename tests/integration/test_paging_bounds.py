"""Every page number is bounded (both databases): a page number of any size answers the last
page, as the pages do for a page past the end (never a 500 from an OFFSET the database cannot
hold); a negative or non-numeric one is a 400 problem JSON in the API and a 422 page in HTML."""

from __future__ import annotations

import re

import pytest

from shared.kernel.scope import Role
from tests.helpers import login, make_user
from tests.integration.excedentes.support import YEAR
from tests.integration.excedentes.support import load_world as load_excedentes
from tests.integration.sanece.support import load_world as load_sanece

HUGE = "100000000000000000000"
ENORMOUS = "9" * 5000  # past Python's default int-from-text limit too
PROBLEM = "application/problem+json"

# Every paginated list of the JSON API (path, the page size it is asked with).
API_LISTS = [
    "/api/sanece/folios",
    "/api/sanece/patients",
    "/api/sanece/requests?type=patient_data",
    "/api/sanece/review-queue",
    "/api/sanece/merges",
    "/api/sanece/evaluations/pending",
    "/api/sanece/feedback",
    f"/api/excedentes/entities/SS/BC/{YEAR}/units",
    "/api/excedentes/product-requests/",
    "/api/excedentes/intercambios/",
]
PAGES = [
    "/sanece/revision",
    "/intercambios",
    f"/excedentes/entidades/SS/BC/{YEAR}/unidades",
]


@pytest.fixture
def admin(container, client):
    load_excedentes(container.excedentes)
    load_sanece(container.sanece)
    make_user(container, "root", Role.ADMIN)
    assert login(client, "root").status_code == 303
    return client


def _paging(body: dict) -> tuple[int, int, int]:
    """(page shown, total, rows) of a list answer: flat, or a listing holding its ``page``."""
    if isinstance(body.get("page"), dict):
        inner = body["page"]
        return inner["request"]["page"], inner["total"], len(inner["items"])
    return body["page"], body["total"], len(body["items"])


def _sep(path: str) -> str:
    return "&" if "?" in path else "?"


@pytest.mark.parametrize("path", API_LISTS)
def test_api_answers_the_last_page_for_any_page_number(admin, path):
    first = admin.get(f"{path}{_sep(path)}page=1&size=1")
    assert first.status_code == 200, first.text
    _, total, _ = _paging(first.json())
    last = max(1, total)
    for page in (HUGE, "9" * 40, str(last + 5)):
        r = admin.get(f"{path}{_sep(path)}page={page}&size=1")
        assert r.status_code == 200, (page[:30], r.status_code, r.text[:300])
        assert _paging(r.json()) == (last, total, 1 if total else 0)


@pytest.mark.parametrize("path", API_LISTS)
def test_api_refuses_a_page_that_is_not_a_positive_number(admin, path):
    # ENORMOUS: the API's query parser refuses a number of thousands of digits as out of range.
    for page in ("0", "-1", "-" + HUGE, "abc", "1.5", ENORMOUS):
        r = admin.get(f"{path}{_sep(path)}page={page}")
        assert r.status_code == 400, (page, r.status_code, r.text[:300])
        assert r.headers["content-type"].startswith(PROBLEM)


@pytest.mark.parametrize("path", PAGES)
def test_pages_answer_the_last_page_for_any_page_number(admin, path):
    shown = admin.get(path).text
    for page in (HUGE, ENORMOUS):
        r = admin.get(f"{path}?pagina={page}")
        assert r.status_code == 200, (path, r.status_code)
        # the same pager summary as the list's only page ("Mostrando 1 a N de N registros")
        summary = re.search(r"Mostrando \d+ a \d+ de \d+ registros?", shown)
        assert summary is None or summary.group(0) in r.text


@pytest.mark.parametrize("path", PAGES)
def test_pages_refuse_a_page_that_is_not_a_positive_number(admin, path):
    for page in ("0", "-1", "abc"):
        r = admin.get(f"{path}?pagina={page}")
        assert r.status_code == 422  # a page's refused input, as every form of the product
        assert "«página» debe ser" in r.text
