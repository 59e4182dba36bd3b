"""The read side: tablero, Pasos 3 to 6, directory, resolution of names."""

from __future__ import annotations

import pytest

from excedentes.domain.dashboard import ReportState, StatusLight
from excedentes.domain.errors import SpecialtyRequired
from shared.kernel.errors import NotFound
from shared.kernel.pagination import PageRequest
from shared.kernel.scope import Role, Scope

from ..support import (
    ADMIN_SCOPE,
    BC,
    CAP_BC,
    CAP_NL,
    NL,
    U_ALGODONES,
    U_HGZ33,
    U_HOSPITAL,
    U_OCTUBRE,
    YEAR,
    answer,
    finalize,
    save_grid,
    shortage_row,
    surplus_row,
)


def _capture(world, actor, ref, clues, group, specialty, rows):
    answer(world, "SI", actor, ref)
    return save_grid(world, clues, rows, group, specialty, actor, ref)


def test_dashboard_rows_labels_totals(world, exc):
    _capture(world, CAP_BC, BC, U_OCTUBRE, "Cirugía", "Cirugía general",
             [shortage_row(world.pid("Anestesia"))])
    _capture(world, CAP_NL, NL, U_HGZ33, "Cirugía", None,
             [surplus_row(world.pid("Anestesia", "IMSS"))])
    finalize(world, CAP_NL, NL)

    ss = exc.queries().dashboard(ADMIN_SCOPE, "SS", YEAR)
    assert ss.title == "Captura del periodo 2026" and ss.period.capture_open
    assert ss.legend_finalized == "La Entidad Federativa ha finalizado el registro de información"
    rows = {e.row.entity_name: e.row for e in ss.entries}
    assert [e.row.number for e in ss.entries] == [1, 2, 3]
    bc = rows["BAJA CALIFORNIA"]
    assert (bc.total_units, bc.units_with_records, bc.units_without_records) == (3, 1, 2)
    assert (bc.labels.preliminary, bc.labels.final, bc.labels.upload) == \
        ("Preliminar", "Finalizar Reporte", None)
    assert bc.state is ReportState.TO_FINALIZE and bc.status_light is StatusLight.NOT_FINALIZED
    assert rows["CHIAPAS"].total_units == 0 and rows["CHIAPAS"].state is ReportState.NOT_STARTED
    assert ss.totals.total_units == 4 and ss.totals.units_with_records == 1
    assert ss.periods == (2026, 2025)

    imss = exc.queries().dashboard(ADMIN_SCOPE, "imss", YEAR)
    nl = next(e.row for e in imss.entries if e.row.entity_code == "NL")
    assert (nl.labels.preliminary, nl.labels.final, nl.labels.upload) == \
        ("—", "Versión Final", "Subir")
    assert nl.status_light is StatusLight.FINALIZED and imss.totals.finalized == 1
    assert imss.legend_not_finalized == "La OOAD/UMAE aún no finaliza el registro de información"

    with pytest.raises(NotFound):
        exc.queries().dashboard(ADMIN_SCOPE, "SS", 2019)


def test_units_grouped_by_level_searchable_paginated(world, exc):
    _capture(world, CAP_BC, BC, U_ALGODONES, "Cirugía", "Cirugía general",
             [shortage_row(world.pid("Anestesia"))])
    q = exc.queries()
    listing = q.units(CAP_BC.scope, BC, YEAR, PageRequest(1, 10))
    assert listing.page.summary == "Mostrando 1 a 3 de 3 registros"
    assert [(lv.level, [u.label for u in lv.items]) for lv in listing.levels] == [
        ("PRIMER NIVEL", ["3 DE OCTUBRE, PRIMER NIVEL", "ALGODONES, PRIMER NIVEL"]),
        ("SEGUNDO NIVEL", ["HOSPITAL GENERAL MEXICALI, SEGUNDO NIVEL"])]
    assert [(u.number, u.clues, u.marker) for u in listing.page.items] == [
        (1, U_OCTUBRE, ""), (2, U_ALGODONES, "SI"), (3, U_HOSPITAL, "")]
    page2 = q.units(CAP_BC.scope, BC, YEAR, PageRequest(2, 2))
    assert page2.page.summary == "Mostrando 3 a 3 de 3 registros"
    assert page2.page.items[0].number == 3
    found = q.units(CAP_BC.scope, BC, YEAR, PageRequest(1, 10, "méxicali"))
    assert [u.clues for u in found.page.items] == [U_HOSPITAL]
    assert q.units(CAP_BC.scope, BC, YEAR, PageRequest(1, 10, "bcssa0006")).page.total == 1
    assert q.units(CAP_BC.scope, BC, YEAR, PageRequest(1, 10, "100%_")).page.total == 0


def test_groups_specialties_and_grid(world, exc):
    _capture(world, CAP_BC, BC, U_OCTUBRE, "Cirugía", "Otorrinolaringología",
             [shortage_row(world.pid("Amigdalectomía con o sin adenoidectomía"))])
    q = exc.queries()
    groups = q.service_groups(CAP_BC.scope, BC, YEAR, U_OCTUBRE)
    assert groups.has_specialty_level and groups.unit.label == "3 DE OCTUBRE, PRIMER NIVEL"
    [service] = groups.services
    assert service.name == "Servicios de Atención Médica"
    assert [(g.number, g.name, g.marker) for g in service.groups] == [
        (1, "Anatomía patológica", ""), (2, "Atención Estomatológica", ""), (3, "Cirugía", "SI")]
    specs = q.specialties(CAP_BC.scope, BC, YEAR, U_OCTUBRE, world.gid("Cirugía"))
    assert not specs.skip
    assert [(s.name, s.marker) for s in specs.specialties] == [
        ("Cirugía general", ""), ("Otorrinolaringología", "SI")]

    full = q.grid(CAP_BC.scope, BC, YEAR, U_OCTUBRE, world.gid("Cirugía"),
                  world.sid("Cirugía general"))
    assert [(line.number, line.product, line.unit_of_measure) for line in full.lines] == [
        (1, "Anestesia", "Procedimiento"), (2, "Dilatación de esófago", "Procedimiento")]
    assert full.editable and full.causes[0] == "Carencia de Servicio"
    otorrino = q.grid(CAP_BC.scope, BC, YEAR, U_OCTUBRE, world.gid("Cirugía"),
                      world.sid("Otorrinolaringología"))
    amig = next(line for line in otorrino.lines if line.product.startswith("Amigdalectomía"))
    assert amig.row.shortage_outpatient == "3" and amig.row.cause == "Falta de Equipo"
    searched = q.grid(CAP_BC.scope, BC, YEAR, U_OCTUBRE, world.gid("Cirugía"),
                      world.sid("Cirugía general"), "DILATACION")
    assert [line.product for line in searched.lines] == ["Dilatación de esófago"]
    assert searched.total_products == 2
    # Where the catalog has especialidades troncales, a grid is one group and one specialty.
    with pytest.raises(SpecialtyRequired, match="Paso 5"):
        q.grid(CAP_BC.scope, BC, YEAR, U_OCTUBRE, world.gid("Cirugía"))

    # A unit of another entity, a group of another institution, a specialty of another group.
    with pytest.raises(NotFound):
        q.grid(CAP_BC.scope, BC, YEAR, U_HGZ33, world.gid("Cirugía"))
    with pytest.raises(NotFound):
        q.grid(CAP_BC.scope, BC, YEAR, U_OCTUBRE, world.gid("Cirugía", "IMSS"))
    with pytest.raises(NotFound):
        q.grid(CAP_BC.scope, BC, YEAR, U_OCTUBRE, world.gid("Cirugía"),
               world.sid("Consulta externa Odontología"))


def test_institution_without_specialty_level_skips_paso_5(world, exc):
    q = exc.queries()
    specs = q.specialties(CAP_NL.scope, NL, YEAR, U_HGZ33, world.gid("Cirugía", "IMSS"))
    assert specs.skip and specs.specialties == ()
    grid = q.grid(CAP_NL.scope, NL, YEAR, U_HGZ33, world.gid("Cirugía", "IMSS"))
    assert len(grid.lines) == 3


def test_overview_and_resolution(world, exc):
    q = exc.queries()
    o = q.overview(CAP_NL.scope, NL, YEAR)
    assert o.step2_question == ("¿Alguna de las Unidades Médicas de la OOAD/UMAE Nuevo León tiene "
                                "Excedentes/Faltantes de algún Servicio Médico Institucional?")
    assert o.entity.title == "OOAD/UMAE Nuevo León" and o.entity.key == "IMSS:NL"
    assert q.resolve_institution(ADMIN_SCOPE, "secretaría de salud").code == "SS"
    assert q.resolve_entity(ADMIN_SCOPE, "IMSS", "edo. de mex. ote.").code == "MC-OTE"
    assert q.resolve_entity(ADMIN_SCOPE, "IMSS", "nuevo leon").code == "NL"
    assert q.resolve_entity(ADMIN_SCOPE, "SS", "bc").name == "BAJA CALIFORNIA"
    with pytest.raises(NotFound, match="varias entidades"):
        q.resolve_entity(ADMIN_SCOPE, "SS", "baja")
    with pytest.raises(NotFound):
        q.resolve_entity(ADMIN_SCOPE, "SS", "Sonora")
    assert q.entity_for_scope(CAP_NL.scope).key == "IMSS:NL"
    assert q.current_year(ADMIN_SCOPE, "SS") == 2026
    # Last year's period is closed: read only, saying since when.
    last = q.overview(ADMIN_SCOPE, BC, YEAR - 1)
    assert last.lock_reason.startswith("La captura del periodo 2025 está cerrada desde el "
                                       "01/12/2025 12:00")


def test_scope_directory(world, exc):
    directory = exc.scope_directory()
    assert directory.describe(Scope(Role.CAPTURISTA, "SS:BC")) == \
        "Entidad Federativa BAJA CALIFORNIA (SS)"
    assert directory.describe(Scope(Role.CAPTURISTA, "IMSS:mc-ote")) == \
        "OOAD/UMAE Edo. de Méx. Ote. (IMSS)"
    assert directory.describe(Scope(Role.COORDINADOR, "IMSS")) == \
        "Instituto Mexicano del Seguro Social"
    assert directory.describe(Scope(Role.CAPTURISTA, "SS:ZZ")) is None
    assert directory.describe(Scope(Role.CAPTURISTA, "BC")) is None
    assert directory.describe(Scope(Role.COORDINADOR, "XX")) is None
    assert directory.describe(Scope(Role.DIRECTOR, "SS:BC")) is None
    assert directory.describe(Scope(Role.ADMIN)) is None


def test_platform_uses_the_directory_for_user_scopes(world, container):
    from tests.helpers import make_user

    view = make_user(container, "capturista.ss.bc", Role.CAPTURISTA, "SS:BC")
    assert container.identity().describe_scope(view) == "Entidad Federativa BAJA CALIFORNIA (SS)"
    from shared.kernel.errors import ValidationError

    with pytest.raises(ValidationError):
        make_user(container, "capturista.ss.zz", Role.CAPTURISTA, "SS:ZZ")
