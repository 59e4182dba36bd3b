"""The published OpenAPI document (``/schema/openapi.json``): a valid OpenAPI 3.1 document of
the API only, every error status the API answers documented per operation as problem JSON
whose schema matches what ``errors.py`` sends, the folio and NSS formats, and ``Allow`` on
405 answers (both databases)."""

from __future__ import annotations

import re
from typing import Any, Iterator

import jsonschema_rs
import pytest
import schemathesis

from sanece.domain.values import FOLIO_LENGTH, NSS_LENGTH, parse_folio_number, parse_nss
from shared.kernel.scope import Role
from tests.helpers import api_csrf, login, make_user

API_STATUSES = {400, 401, 403, 404, 409, 412, 413, 422, 428, 429}
WRITES = {"post", "put", "patch", "delete"}
PUBLIC = {("get", "/api/auth/csrf"), ("post", "/api/auth/login"), ("get", "/health")}
PROBLEM = "application/problem+json"
PROBLEM_REF = "#/components/schemas/Problem"


@pytest.fixture
def doc(client) -> dict[str, Any]:
    response = client.get("/schema/openapi.json")
    assert response.status_code == 200
    assert response.headers["content-type"].startswith("application/vnd.oai.openapi+json")
    return response.json()


def operations(doc: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, item in doc["paths"].items():
        for method, operation in item.items():
            if method in {"get", "put", "post", "patch", "delete", "head", "options"}:
                yield method, path, operation


def test_document_is_valid_openapi_of_the_api_only(doc):
    schema = schemathesis.openapi.from_dict(doc)
    schema.validate()  # OpenAPI 3.1 meta-schema (raises on the first violation)
    assert all(result.ok() for result in schema.get_all_operations())
    assert not [p for p in doc["paths"] if p.startswith("/schema")]
    assert {"/api/auth/login", "/api/sanece/folios/{number}", "/health"} <= set(doc["paths"])


def test_every_status_the_api_answers_is_documented_per_operation(doc):
    documented: set[int] = set()
    for method, path, operation in operations(doc):
        responses = operation["responses"]
        codes = {int(c) for c in responses if c.isdigit()}
        documented |= codes
        where = f"{method.upper()} {path}"
        for code in codes - {200, 201, 204}:
            if 400 <= code < 500:
                body = responses[str(code)]["content"]
                assert body == {PROBLEM: {"schema": {"$ref": PROBLEM_REF}}}, where
        if (method, path) not in PUBLIC:
            assert {401, 403} <= codes, where
        params = operation.get("parameters", [])
        if any(p["in"] == "path" for p in params):
            assert {400, 404, 422} <= codes, where
        if params or "requestBody" in operation:
            assert {400, 422} <= codes, where
        if method in WRITES:
            assert {403, 409, 412, 413, 428} <= codes, where
    assert API_STATUSES <= documented
    login = doc["paths"]["/api/auth/login"]["post"]["responses"]
    assert {"401", "422", "429"} <= set(login)
    assert "503" in doc["paths"]["/health"]["get"]["responses"]


def test_problem_schema_matches_what_errors_send(client, container, doc):
    problem = doc["components"]["schemas"]["Problem"]
    answers = [
        client.get("/api/auth/me"),  # 401, DomainError
        client.delete("/api/auth/me"),  # 405, HTTPException
        client.get("/api/no-such-route"),  # 404, unrouted
        client.post("/api/auth/login", json={"username": "x"}),  # 403: no CSRF token
    ]
    token = api_csrf(client)
    answers.append(client.post("/api/auth/login", json={"username": "nadie"},
                               headers={"x-csrf-token": token}))  # 400 with ``errors``
    make_user(container, "adm", Role.ADMIN)
    assert login(client, "adm").status_code == 303
    token = api_csrf(client)
    answers.append(client.post("/api/sanece/feedback", json={}, headers={
        "x-csrf-token": token}))  # 422 with ``errors`` and ``code``
    answers.append(client.post("/api/auth/password", content=b"{no", headers={
        "x-csrf-token": token, "content-type": "application/json"}))  # 400 malformed
    statuses = []
    for answer in answers:
        assert answer.headers["content-type"] == PROBLEM, answer.text
        jsonschema_rs.validate(problem, answer.json())
        statuses.append(answer.status_code)
    assert statuses == [401, 405, 404, 403, 400, 422, 400]
    assert answers[4].json()["errors"] and answers[5].json()["errors"]


def test_folio_and_nss_formats_are_documented(doc):
    folio = doc["paths"]["/api/sanece/folios/{number}"]["get"]["parameters"]
    number = next(p for p in folio if p["name"] == "number")["schema"]
    assert number["pattern"] == f"^[0-9]{{{FOLIO_LENGTH}}}$" == "^[0-9]{11}$"
    assert re.fullmatch(number["pattern"], parse_folio_number("20260310001"))
    nss_fields = [prop for name, schema in doc["components"]["schemas"].items()
                  for field, prop in (schema.get("properties") or {}).items()
                  if field == "nss" and "pattern" in prop]
    nss_fields += [p["schema"] for _, path, op in operations(doc) if path.startswith("/api/sanece/")
                   for p in op.get("parameters", []) if p["name"] == "nss"]
    assert nss_fields, "no NSS input documented"
    for schema in nss_fields:
        assert schema["pattern"] == f"^[0-9]{{{NSS_LENGTH}}}$" == "^[0-9]{10}$"
        assert re.fullmatch(schema["pattern"], parse_nss("1234567890"))
    # Excedentes' own "folio" (its report's) is not SAnECE's: no folio format outside sanece.
    for _, path, op in operations(doc):
        if not path.startswith("/api/sanece/"):
            assert all("pattern" not in p.get("schema", {}) for p in op.get("parameters", [])), path


@pytest.mark.parametrize("method,path,allowed", [
    ("delete", "/api/auth/me", {"GET"}),
    ("put", "/api/sanece/folios/20260310001", {"GET"}),
    ("post", "/health", {"GET"}),
    ("put", "/login", {"GET", "POST"}),
    ("delete", "/static/app.css", {"GET", "HEAD"}),
])
def test_405_answers_carry_allow(client, method, path, allowed):
    response = client.request(method.upper(), path)
    assert response.status_code == 405
    assert allowed <= {m.strip() for m in response.headers["allow"].split(",")}
    expected = PROBLEM if path.startswith("/api/") else "text/html; charset=utf-8"
    assert response.headers["content-type"] == expected
