"""A small, hand-checked exchange scenario on top of the excedentes test world.

The excedentes world (``tests.integration.excedentes.support``) plus three entities: IMSS
"BC" (one unit in Baja California), SS "MC" (one unit in México, beside IMSS's OOAD
"Edo. de Méx. Ote." whose unit MCIMS000011 must land in México by its CLUES) and SS "SR"
(one unit in Sonora). Records of the 2026 period, in monthly patients (all ambulatorio but
the last):

========================  ============================  ===============================
unit (institution:entity)  faltantes                     excedentes
========================  ============================  ===============================
BCSSA001152 (SS:BC)        Anestesia 10, Dilatación 3
BCSSA000633 (SS:BC)                                      Anestesia 4
BCSSA000013 (SS:BC)        Aplicación de corona 6        Dilatación 3
BSSSA000101 (SS:BS)        Dilatación 2                  Anestesia 5, Corona 3
BCIMS000101 (IMSS:BC)                                    Anestesia 3
SRSSA000101 (SS:SR)                                      Dilatación 3
MCIMS000011 (IMSS:MC-OTE)  Conducto radicular 8
MCSSA000101 (SS:MC)                                      Conducto radicular 5
NLIMS000331 (IMSS:NL)      APÉNDICE 7 (nobody offers)
NLIMS000035 (IMSS:NL)                                    Amigdalectomía 9 (hospitalario)
========================  ============================  ===============================

Baja California borders Baja California Sur and Sonora; those two do not border each other.
Expected, by hand:

- Anestesia: 10 = 4 (same entity) + 3 (IMSS in the same state) + 3 (neighbour), both methods;
- Corona: 3 of 6 from BS (neighbour); Conducto: 5 of 8 from SS in México (same state);
- Dilatación: greedy gives BCSSA000013's 3 to its own entity's faltante first (tier 1) and
  leaves BS, whose only provider that is, with nothing; the optimum covers BS's 2 from
  BCSSA000013 and the rest of BCSSA001152's 3 from Sonora: 5 instead of 3 patients.
- Totals: 6 faltante records, 36 patients, 8 excedentes; optimum 23 patients, 5 records (3
  fully); greedy 21 patients, 4 records (2 fully). SS: 4 faltantes, 21 patients, optimum 18,
  greedy 16; IMSS: 2 faltantes, 15 patients, 5 covered by both.
"""

from __future__ import annotations

from typing import Any

from excedentes.application.access import Actor, EntityRef
from excedentes.application.use_cases.capture import AnswerStep2Command, SaveGridCommand
from excedentes.domain.catalog import Entity, MedicalUnit
from excedentes.domain.grid import GridRow
from shared.kernel.scope import Role
from tests.helpers import login, make_user
from tests.integration.excedentes.support import (
    ADMIN,
    BC,
    BS,
    MX,
    NL,
    U_ALGODONES,
    U_BS,
    U_HGZ33,
    U_HOSPITAL,
    U_MX,
    U_OCTUBRE,
    U_UMF3,
    YEAR,
    World,
    load_world,
)

IMSS_BC = EntityRef("IMSS", "BC")
SS_MC = EntityRef("SS", "MC")
SS_SR = EntityRef("SS", "SR")
U_IMSS_BC, U_SS_MC, U_SS_SR = "BCIMS000101", "MCSSA000101", "SRSSA000101"

ANESTESIA, DILATACION = "Anestesia", "Dilatación de esófago"
CORONA, CONDUCTO = "Aplicación de corona", "Conducto radicular, no especificado de otra manera"
APENDICE, AMIGDALA = "APÉNDICE, HISTOPATOLÓGICO DE.", "Amigdalectomía con o sin adenoidectomía"
CIRUGIA, DENTAL, PATOLOGIA = "Cirugía", "Atención Estomatológica", "Anatomía patológica"

EXPECTED = {"records": 6, "needed": 36,
            "optimal": {"patients": 23, "covered": 5, "full": 3},
            "greedy": {"patients": 21, "covered": 4, "full": 2}}


def _short(pid: int, patients: int) -> GridRow:
    return GridRow(pid, shortage_outpatient="1", cause="Falta de Equipo",
                   monthly_patients=str(patients))


def _surplus(pid: int, patients: int, inpatient: bool = False) -> GridRow:
    if inpatient:
        return GridRow(pid, surplus_inpatient="1", monthly_patients=str(patients))
    return GridRow(pid, surplus_outpatient="1", monthly_patients=str(patients))


# The especialidad troncal of the scenario's products in SS (IMSS has no such level).
SPECIALTY = {CIRUGIA: "Cirugía general", DENTAL: "Consulta externa Odontología",
             PATOLOGIA: "Anatomía patológica"}


def _save(world: World, ref: EntityRef, clues: str, group: str, rows: list[GridRow]) -> None:
    exc = world.exc
    inst = ref.institution_code
    specialty = world.sid(SPECIALTY[group], inst) if inst == "SS" else None
    result = exc.save_grid()(ADMIN, SaveGridCommand(ref, YEAR, clues, world.gid(group, inst),
                                                    specialty, rows))
    assert result.saved, result


def load_exchange_world(exc: Any) -> World:
    world = load_world(exc)
    with exc.uow() as uow:
        uow.entities.add_many([Entity("IMSS", "BC", "Baja California"),
                               Entity("SS", "MC", "MÉXICO"), Entity("SS", "SR", "SONORA")])
        uow.units.add_many([
            MedicalUnit(U_IMSS_BC, "HGZ 30, Mexicali", "SEGUNDO NIVEL", "BC", "IMSS"),
            MedicalUnit(U_SS_MC, "HOSPITAL GENERAL TOLUCA", "SEGUNDO NIVEL", "MC", "SS"),
            MedicalUnit(U_SS_SR, "HOSPITAL GENERAL HERMOSILLO", "SEGUNDO NIVEL", "SR", "SS")])
        uow.commit()
    for ref in (BC, BS, IMSS_BC, MX, SS_MC, SS_SR, NL):
        exc.answer_step2()(ADMIN, AnswerStep2Command(ref, YEAR, "SI"))
    p = world.pid
    _save(world, BC, U_OCTUBRE, CIRUGIA, [_short(p(ANESTESIA), 10), _short(p(DILATACION), 3)])
    _save(world, BC, U_ALGODONES, CIRUGIA, [_surplus(p(ANESTESIA), 4)])
    _save(world, BC, U_HOSPITAL, DENTAL, [_short(p(CORONA), 6)])
    _save(world, BC, U_HOSPITAL, CIRUGIA, [_surplus(p(DILATACION), 3)])
    _save(world, BS, U_BS, CIRUGIA, [_surplus(p(ANESTESIA), 5), _short(p(DILATACION), 2)])
    _save(world, BS, U_BS, DENTAL, [_surplus(p(CORONA), 3)])
    _save(world, IMSS_BC, U_IMSS_BC, CIRUGIA, [_surplus(p(ANESTESIA, "IMSS"), 3)])
    _save(world, SS_SR, U_SS_SR, CIRUGIA, [_surplus(p(DILATACION), 3)])
    _save(world, MX, U_MX, DENTAL, [_short(p(CONDUCTO, "IMSS"), 8)])
    _save(world, SS_MC, U_SS_MC, DENTAL, [_surplus(p(CONDUCTO), 5)])
    _save(world, NL, U_HGZ33, PATOLOGIA, [_short(p(APENDICE, "IMSS"), 7)])
    _save(world, NL, U_UMF3, CIRUGIA, [_surplus(p(AMIGDALA, "IMSS"), 9, inpatient=True)])
    return world


# --------------------------------------------------------------------------- actors, HTTP

COORD_IMSS = Actor.coordinador("coordinador.imss", "IMSS")
COORD_SS = Actor.coordinador("coordinador.ss", "SS")
COORD_ISSSTE = Actor.coordinador("coordinador.issste", "ISSSTE")
CAP_BS = Actor.capturista("capturista.ss.bs", "SS:BS")
CAP_NL = Actor.capturista("capturista.imss.nl", "IMSS:NL")
CAP_CC = Actor.capturista("capturista.issste.cc", "ISSSTE:CC")

USERS = {"admin": (Role.ADMIN, None), "coordinador.imss": (Role.COORDINADOR, "IMSS"),
         "coordinador.ss": (Role.COORDINADOR, "SS"),
         "coordinador.issste": (Role.COORDINADOR, "ISSSTE"),
         "capturista.ss.bs": (Role.CAPTURISTA, "SS:BS"),
         "capturista.imss.nl": (Role.CAPTURISTA, "IMSS:NL"),
         "capturista.issste.cc": (Role.CAPTURISTA, "ISSSTE:CC")}


def make_users(container: Any, *names: str) -> None:
    for name in names or USERS:
        role, scope = USERS[name]
        make_user(container, name, role, scope)


def login_as(client: Any, username: str) -> None:
    client.cookies.clear()
    response = login(client, username)
    assert response.status_code == 303, response.text
