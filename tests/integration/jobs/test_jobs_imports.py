"""The import job kinds on both databases (``catalog-import``, ``units-import``,
``sanece-import``): the file is stored first under its owner's key, the worker's step imports it
through the use case unchanged and removes it; a refused file fails the job with the use case's
Spanish message and its line errors, nothing imported; another user's upload id answers exactly
like a missing one."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest

from excedentes.application.access import Actor
from excedentes.domain.errors import StaleVersion
from shared.jobs.domain import JobStatus, Requester
from shared.jobs.uploads import UPLOAD_NOT_FOUND
from shared.kernel.errors import NotFound, PermissionDenied, ValidationError
from shared.kernel.scope import Role
from tests.helpers import make_user
from tests.integration.excedentes.support import U_OCTUBRE

from .conftest import run_queue

CATALOG_HEAD = "Servicio,Grupo de Servicio,Especialidad,Producto,Unidad de Medida\n"
GOOD_CATALOG = (CATALOG_HEAD
                + "Servicios de Atención Médica,Cirugía,Cirugía general,Hernioplastia,Procedimiento\n"
                + "Servicios de Atención Médica,Cirugía,Cirugía general,Colecistectomía,Procedimiento\n")
BAD_CATALOG = (CATALOG_HEAD
               + "Servicios de Atención Médica,Cirugía,Cirugía general,Apendicectomía,Procedimiento\n"
               + "Servicios de Atención Médica,Cirugía,,Sin especialidad,Procedimiento\n")


def upload(container, who: Requester, text: str, name: str = "catalogo.csv") -> str:
    data = text.encode()
    return container.job_uploads().store(who.user_id, io.BytesIO(data), filename=name,
                                         content_type="text/csv", size=len(data)).id


def products(container) -> set[str]:
    return {r.product for r in container.excedentes.read_model().catalog_rows("SS")}


def result_text(container, who: Requester, job_id: str) -> str:
    opened = container.open_job_result()(who, job_id)
    with opened.stream as fh:
        return fh.read().decode("utf-8")


def test_a_catalog_import_runs_as_a_job_and_removes_its_upload(container, users, world):
    coord = users["coord_ss"]
    upload_id = upload(container, coord, GOOD_CATALOG)
    view = container.start_job()(coord, "catalog-import", {"upload": upload_id,
                                                           "institution": "ss"})
    assert view.description == "Importación del catálogo de productos de SS (catalogo.csv)"
    assert "Hernioplastia" not in products(container)
    assert run_queue(container) == 1
    done = container.get_job()(coord, view.id)
    assert done.status is JobStatus.DONE, done.error
    assert {"Hernioplastia", "Colecistectomía"} <= products(container)
    assert done.filename == "importacion-catalogo-SS.txt"
    text = result_text(container, coord, view.id)
    assert "Catálogo de productos importado: 2 líneas: 2 nuevas, 0 actualizadas" in text
    assert "catalogo.csv" in text and "coord_ss" in text
    with pytest.raises(NotFound):  # the upload is gone once imported
        container.job_uploads().find(coord.user_id, upload_id)


def test_a_refused_file_fails_the_job_with_its_line_errors_and_imports_nothing(
        container, users, world, tmp_path):
    coord = users["coord_ss"]
    before = products(container)
    view = container.start_job()(coord, "catalog-import", {
        "upload": upload(container, coord, BAD_CATALOG), "institution": "SS"})
    run_queue(container)
    failed = container.get_job()(coord, view.id)
    assert failed.status is JobStatus.FAILED and failed.attempts == 1  # a rule: no retry
    assert failed.error.startswith("No se importó ninguna línea: Línea 3: ")
    assert "Corrija lo indicado" in failed.error
    assert products(container) == before  # all or nothing
    assert container.job_uploads().sweep(coord.user_id) == 0
    # a version another import replaced: refused at once, or, when that import comes while
    # the job waits, the job fails with the use case's words; nothing imported either way
    with pytest.raises(StaleVersion):
        container.start_job()(coord, "catalog-import", {
            "upload": upload(container, coord, GOOD_CATALOG), "institution": "SS", "version": 7})
    waiting = container.start_job()(coord, "catalog-import", {
        "upload": upload(container, coord, GOOD_CATALOG), "institution": "SS", "version": 0})
    other = Actor.coordinador("coordinador.ss2", "SS")
    path = tmp_path / "otro.csv"
    path.write_text(CATALOG_HEAD + "Servicios de Atención Médica,Cirugía,Cirugía general,"
                    "Apendicectomía,Procedimiento\n", encoding="utf-8")
    container.excedentes.import_catalog()(other, "SS", path, "otro.csv")
    run_queue(container)
    error = container.get_job()(coord, waiting.id).error
    assert error.startswith("Otra persona actualizó el catálogo") and "Hernioplastia" not in \
        products(container)


def test_another_users_upload_answers_like_a_missing_one(container, users, world):
    owner, other = users["coord_ss"], users["admin_jobs"]
    upload_id = upload(container, owner, GOOD_CATALOG)
    start = container.start_job()
    with pytest.raises(NotFound) as foreign:
        start(other, "catalog-import", {"upload": upload_id, "institution": "SS"})
    with pytest.raises(NotFound) as missing:
        start(other, "catalog-import", {"upload": "20261207T000000000000-000000000000",
                                        "institution": "SS"})
    assert foreign.value.message == missing.value.message == UPLOAD_NOT_FOUND
    with pytest.raises(NotFound):  # a crafted storage key is never read: only the id counts
        start(other, "catalog-import", {"upload": f"../u{owner.user_id}/{upload_id}",
                                        "institution": "SS"})
    with pytest.raises(NotFound):  # the use case's scope: another institution is missing
        start(users["coord_imss"], "catalog-import", {"upload": upload_id, "institution": "SS"})
    with pytest.raises(PermissionDenied):
        start(users["cap_bc"], "units-import", {"upload": upload_id})
    with pytest.raises(ValidationError):
        start(owner, "catalog-import", {"institution": "SS"})
    assert container.job_uploads().find(owner.user_id, upload_id).filename == "catalogo.csv"


def test_a_units_import_runs_as_a_job(container, users, world):
    coord = users["coord_ss"]
    units = ("CLUES,Unidad Médica,Nivel,Entidad,Institución\n"
             f"{U_OCTUBRE},Hospital 20 de Noviembre renovado,Tercer nivel,BC,SS\n")
    view = container.start_job()(coord, "units-import", {
        "upload": upload(container, coord, units, "unidades.csv"), "institution": "SS"})
    run_queue(container)
    done = container.get_job()(coord, view.id)
    assert done.status is JobStatus.DONE, done.error
    assert "Unidades médicas importadas: 1 línea: 0 nuevas, 1 actualizada" in \
        result_text(container, coord, view.id)


def test_old_uploads_expire_with_the_jobs(container, users, world, clock):
    coord = users["coord_ss"]
    upload(container, coord, GOOD_CATALOG)  # never used by a job
    clock.advance(timedelta(days=8))
    fresh = upload(container, coord, GOOD_CATALOG)  # storing sweeps the owner's old ones
    assert container.job_uploads().sweep(coord.user_id) == 0
    assert container.job_uploads().find(coord.user_id, fresh)


@pytest.fixture
def sanece_admin(container) -> Requester:
    view = make_user(container, "admin_sanece", Role.ADMIN, None)
    return Requester(view.id, view.username, Role.ADMIN.value, None)


def test_sanece_imports_run_as_jobs(container, sanece_admin, clock):
    units = "OOAD/UMAE;Unidad Médica\nCAMPECHE;H Gral Zona MF 4\ncampeche;UMF 10\n"
    view = container.start_job()(sanece_admin, "sanece-import", {
        "what": "units", "upload": upload(container, sanece_admin, units, "unidades.csv")})
    assert view.description == "Importación SAnECE de unidades médicas (unidades.csv)"
    run_queue(container)
    done = container.get_job()(sanece_admin, view.id)
    assert done.status is JobStatus.DONE, done.error
    assert "2 nuevos, 0 actualizados, 0 sin cambios" in result_text(container, sanece_admin,
                                                                      view.id)
    from sanece.application.access import Actor
    from shared.kernel.scope import Scope

    admin = Actor("admin_sanece", Scope(Role.ADMIN, None))
    assert len(container.sanece.queries().units(admin.scope)) == 2

    bad = "NSS,Agregado,Apellido paterno,Apellido materno,Nombre(s)\n123,1F1980OR,A,B,C\n"
    failed = container.start_job()(sanece_admin, "sanece-import", {
        "what": "patients", "upload": upload(container, sanece_admin, bad, "pacientes.csv")})
    run_queue(container)
    failed_view = container.get_job()(sanece_admin, failed.id)
    assert failed_view.status is JobStatus.FAILED
    assert failed_view.error.startswith("No se importó ninguna línea: Línea 2: ")

    with pytest.raises(ValidationError):
        container.start_job()(sanece_admin, "sanece-import", {"what": "todo", "upload": "x"})
    director = make_user(container, "director.x", Role.DIRECTOR, "1")
    with pytest.raises(PermissionDenied):
        container.start_job()(Requester(director.id, director.username, Role.DIRECTOR.value, "1"),
                              "sanece-import", {"what": "units", "upload": "x"})
