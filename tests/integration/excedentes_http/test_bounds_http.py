"""Every number the excedentes pages and API read from a URL, query or body has a domain
bound: a value past it (or past the databases' integers) answers a Spanish 4xx, never a 500
(both databases; PostgreSQL's INTEGER overflows at 2**31)."""

from __future__ import annotations

import pytest

from tests.helpers import api_csrf
from tests.integration.excedentes.support import U_OCTUBRE

from .flows import api_entity, entity_path

HUGE = (2**31, 2**63, 10**30)


def _paths(world, n: int) -> list[str]:
    g, s = world.gid("Cirugía"), world.sid("Cirugía general")
    api, page = api_entity(), entity_path()
    return [
        # the year in every entity URL
        api_entity(year=n), api_entity(year=n) + "/units", entity_path(year=n),
        entity_path(year=n) + "/unidades", entity_path(year=n) + "/reportes",
        f"/api/excedentes/institutions/SS/dashboard/{n}", f"/api/excedentes/records/{n}",
        f"/excedentes/tablero?periodo={n}",
        # group, specialty, signed version, request ids
        f"{api}/units/{U_OCTUBRE}/groups/{n}/specialties",
        f"{api}/units/{U_OCTUBRE}/groups/{n}/grid",
        f"{api}/units/{U_OCTUBRE}/groups/{g}/grid?specialty_id={n}",
        f"{page}/unidades/{U_OCTUBRE}/grupos/{n}",
        f"{page}/unidades/{U_OCTUBRE}/grupos/{n}/productos",
        f"{page}/unidades/{U_OCTUBRE}/grupos/{g}/productos?especialidad={n}",
        f"{page}/unidades/{U_OCTUBRE}/grupos/{g}/solicitar-producto?especialidad={n}",
        f"{api}/signed/{n}", f"{page}/firmado/descargar?version={n}",
        f"/api/excedentes/product-requests/{n}",
        f"{page}/unidades?pagina={n}", f"{api}/units?page={n}",
        f"/excedentes/solicitudes?pagina={n}",
        f"{page}/unidades/{U_OCTUBRE}/grupos/{g}/productos?especialidad={s}&q={n}",
    ]


@pytest.mark.parametrize("n", HUGE)
def test_huge_numbers_in_urls_never_fail(as_user, world, n):
    admin = as_user("admin_exc")
    failures = []
    for path in _paths(world, n):
        r = admin.get(path, follow_redirects=False)
        if r.status_code >= 500:
            failures.append((path, r.status_code))
    assert failures == [], "\n".join(f"{p} {c}" for p, c in failures)


@pytest.mark.parametrize("n", HUGE)
def test_huge_numbers_in_writes_are_refused_in_spanish(as_user, world, n):
    admin = as_user("admin_exc")
    h = {"x-csrf-token": api_csrf(admin)}
    g, s = world.gid("Cirugía"), world.sid("Cirugía general")
    api, inst = api_entity(), "/api/excedentes/institutions/SS"
    row = {"product_id": world.pid("Anestesia"), "surplus_outpatient": 1, "monthly_patients": 1}
    writes = [
        ("put", f"{api_entity(year=n)}/answer", {"answer": "SI"}),
        ("put", f"{api}/units/{U_OCTUBRE}/groups/{n}/grid", {"specialty_id": s, "rows": [row]}),
        ("put", f"{api}/units/{U_OCTUBRE}/groups/{g}/grid", {"specialty_id": n, "rows": [row]}),
        ("put", f"{api}/units/{U_OCTUBRE}/groups/{g}/grid",
         {"specialty_id": s, "rows": [{**row, "product_id": n}]}),
        ("post", f"{api}/product-requests", {"group_id": n, "product_name": "Nuevo",
                                             "unit_of_measure": "Pieza", "justification": "x"}),
        ("post", f"{inst}/periods", {"year": n}),
        ("post", f"{inst}/periods/{n}/close", None),
        ("put", f"{inst}/periods/{n}/window", {"window_start": None, "window_end": None}),
        ("post", f"/api/excedentes/product-requests/{n}/accept", None),
        ("post", f"{api_entity(year=n)}/reopen", {"reason": "x"}),
    ]
    for method, path, body in writes:
        r = getattr(admin, method)(path, json=body, headers={**h, "If-Match": '"0"'})
        assert 400 <= r.status_code < 500, (path, r.status_code, r.text[:300])
        assert r.headers["content-type"] == "application/problem+json", path
        assert r.json()["detail"], path  # a Spanish sentence, not a bare status
    # the period page's form
    page = admin.get("/excedentes/periodos").text
    from tests.helpers import csrf_from

    made = admin.post("/excedentes/periodos/SS", data={"anio": str(n),
                                                       "csrf_token": csrf_from(page)},
                      follow_redirects=False)
    assert 400 <= made.status_code < 500


def test_grid_quantities_at_and_past_their_bound(as_user, world):
    from excedentes.domain.rules import MAX_QUANTITY

    from .flows import api_etag

    c = as_user("cap_bc")
    h = {"x-csrf-token": api_csrf(c)}
    assert c.put(api_entity() + "/answer", json={"answer": "SI"},
                 headers={**h, **api_etag(c)}).status_code == 200
    url = f"{api_entity()}/units/{U_OCTUBRE}/groups/{world.gid('Cirugía')}/grid"
    spec, anest = world.sid("Cirugía general"), world.pid("Anestesia")
    for value in (MAX_QUANTITY + 1, 2**31, 10**30, "1" * 400):
        etag = c.get(url, params={"specialty_id": spec}).headers["etag"]
        r = c.put(url, json={"specialty_id": spec, "rows": [
            {"product_id": anest, "surplus_outpatient": str(value), "monthly_patients": "1"}]},
            headers={**h, "If-Match": etag})
        assert r.status_code == 422 and r.json()["code"] == "grid_invalid", r.text[:300]
        assert any("Cantidad máxima" in e["message"] or "entero" in e["message"]
                   for e in r.json()["errors"]), r.json()
    etag = c.get(url, params={"specialty_id": spec}).headers["etag"]
    ok = c.put(url, json={"specialty_id": spec, "rows": [
        {"product_id": anest, "surplus_outpatient": MAX_QUANTITY,
         "monthly_patients": MAX_QUANTITY}]}, headers={**h, "If-Match": etag})
    assert ok.status_code == 200, ok.text[:300]
    line = next(x for x in c.get(url, params={"specialty_id": spec}).json()["lines"]
                if x["product_id"] == anest)
    assert line["row"]["surplus_outpatient"] == str(MAX_QUANTITY)
