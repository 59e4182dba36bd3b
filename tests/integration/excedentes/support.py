"""Constants and helpers of the excedentes integration tests; ``conftest`` loads a small,
known dataset on both databases through the repositories.

SS (with especialidad level, 150 MB): entities BC "BAJA CALIFORNIA" (3 units), BS "BAJA
CALIFORNIA SUR" (1 unit), CS "CHIAPAS" (no unit); IMSS (no especialidad level): NL "Nuevo
León" (2 units), MC-OTE "Edo. de Méx. Ote." (1 unit). Periods: 2026 open for both (the
``clock`` fixture is 2026-03-10), 2025 closed for SS.
"""

from __future__ import annotations

import io
import threading
from datetime import date, datetime, timezone
from typing import Any

import attrs

from excedentes.adapters.demo_data import institutions
from excedentes.application.access import Actor, EntityRef
from excedentes.application.documents import EntityReportDocument
from excedentes.application.use_cases.capture import (
    AnswerStep2Command,
    FinalizeCommand,
    SaveGridCommand,
)
from excedentes.domain.catalog import (
    Entity,
    MedicalUnit,
    Period,
    Product,
    Service,
    ServiceGroup,
    Specialty,
)
from excedentes.domain.errors import StaleVersion
from excedentes.domain.grid import GridRow
from shared.kernel.scope import Role, Scope

YEAR = 2026
SERVICE = "Servicios de Atención Médica"
BC = EntityRef("SS", "BC")
BS = EntityRef("SS", "BS")
CS = EntityRef("SS", "CS")
NL = EntityRef("IMSS", "NL")
MX = EntityRef("IMSS", "MC-OTE")
U_OCTUBRE, U_ALGODONES, U_HOSPITAL = "BCSSA001152", "BCSSA000633", "BCSSA000013"
U_BS = "BSSSA000101"
U_HGZ33, U_UMF3, U_MX = "NLIMS000331", "NLIMS000035", "MCIMS000011"

ADMIN = Actor.admin("admin")
CAP_BC = Actor.capturista("capturista.ss.bc", "SS:BC")
CAP_BS = Actor.capturista("capturista.ss.bs", "SS:BS")
CAP_NL = Actor.capturista("capturista.imss.nl", "IMSS:NL")
COORD_SS = Actor.coordinador("coordinador.ss", "SS")
COORD_IMSS = Actor.coordinador("coordinador.imss", "IMSS")
ADMIN_SCOPE = Scope(Role.ADMIN)


@attrs.define
class World:
    exc: Any
    products: dict[tuple[str, str], int]  # (institution, product name) -> id
    groups: dict[tuple[str, str], int]  # (institution, group name) -> id
    specialties: dict[tuple[str, str], int]  # (institution, specialty name) -> id

    def pid(self, name: str, inst: str = "SS") -> int:
        return self.products[(inst, name)]

    def gid(self, name: str, inst: str = "SS") -> int:
        return self.groups[(inst, name)]

    def sid(self, name: str, inst: str = "SS") -> int:
        return self.specialties[(inst, name)]


class RecordingRenderer:
    """A ``ReportRenderer`` that keeps the document (what the use case built)."""

    def __init__(self) -> None:
        self.documents: list[EntityReportDocument] = []

    def render(self, document: EntityReportDocument, out: Any) -> int:
        self.documents.append(attrs.evolve(document, sections=list(document.sections)))
        out.write(b"%PDF-1.4 fake")
        return 1


def _catalog() -> list[Product]:
    out = []
    for inst in ("SS", "IMSS"):
        svc = Service(inst, SERVICE)
        cir = ServiceGroup(svc, "Cirugía")
        dental = ServiceGroup(svc, "Atención Estomatológica")
        pat = ServiceGroup(svc, "Anatomía patológica")
        spec = inst == "SS"
        general = Specialty(cir, "Cirugía general") if spec else None
        otorrino = Specialty(cir, "Otorrinolaringología") if spec else None
        odont = Specialty(dental, "Consulta externa Odontología") if spec else None
        patol = Specialty(pat, "Anatomía patológica") if spec else None
        out += [
            Product(None, "Anestesia", "Procedimiento", cir, general),
            Product(None, "Dilatación de esófago", "Procedimiento", cir, general),
            Product(None, "Amigdalectomía con o sin adenoidectomía", "Procedimiento", cir,
                    otorrino),
            Product(None, "Aplicación de corona", "Consulta", dental, odont),
            Product(None, "Conducto radicular, no especificado de otra manera", "Consulta", dental,
                    odont),
            Product(None, "APÉNDICE, HISTOPATOLÓGICO DE.", "Estudio", pat, patol),
        ]
    return out


def load_world(exc: Any) -> World:
    """Load the dataset through the repositories (one transaction)."""
    insts = {i.code: i for i in institutions()}
    products = _catalog()
    with exc.uow() as uow:
        for pos, code in enumerate(("IMSS", "SS", "ISSSTE"), 1):
            uow.institutions.add(insts[code], pos)
        uow.entities.add_many([
            Entity("SS", "BC", "BAJA CALIFORNIA"), Entity("SS", "BS", "BAJA CALIFORNIA SUR"),
            Entity("SS", "CS", "CHIAPAS"), Entity("IMSS", "NL", "Nuevo León"),
            Entity("IMSS", "MC-OTE", "Edo. de Méx. Ote."), Entity("ISSSTE", "CC", "CAMPECHE")])
        uow.units.add_many([
            MedicalUnit(U_OCTUBRE, "3 DE OCTUBRE", "PRIMER NIVEL", "BC", "SS"),
            MedicalUnit(U_ALGODONES, "ALGODONES", "PRIMER NIVEL", "BC", "SS"),
            MedicalUnit(U_HOSPITAL, "HOSPITAL GENERAL MEXICALI", "SEGUNDO NIVEL", "BC", "SS"),
            MedicalUnit(U_BS, "LA PAZ", "PRIMER NIVEL", "BS", "SS"),
            MedicalUnit(U_HGZ33, "HGZ 33, Monterrey", "SEGUNDO NIVEL", "NL", "IMSS"),
            MedicalUnit(U_UMF3, "UMF 3, Monterrey", "PRIMER NIVEL", "NL", "IMSS"),
            MedicalUnit(U_MX, "HGZ 53, Los Reyes La Paz", "SEGUNDO NIVEL", "MC-OTE", "IMSS"),
        ])
        uow.periods.add(Period("SS", YEAR, True, date(YEAR, 1, 1), date(YEAR, 12, 31)))
        uow.periods.add(Period("IMSS", YEAR, True))
        uow.periods.add(Period("SS", YEAR - 1, False, None, None,
                               datetime(YEAR - 1, 12, 1, 18, tzinfo=timezone.utc)))
        merged = uow.catalog.merge_products(products)
        uow.commit()
    ids = {(p.institution_code, p.name): pid for p, pid in zip(products, merged.product_ids)}
    groups, specs = {}, {}
    for inst in ("SS", "IMSS"):
        tree = exc.queries().catalog_tree(ADMIN_SCOPE, inst)
        for svc in tree.services:
            for g in svc.groups:
                groups[(inst, g.name)] = g.id
                for s in g.specialties:
                    specs[(inst, s.name)] = s.id
    return World(exc, ids, groups, specs)


# --------------------------------------------------------------------------- capture steps
# Pasos 2, 6 and 7 of one entity through the use cases, as the tests take them to reach a
# state (the CAP_BC capturista of BC unless told; ``kw``: the commands' other fields).


def answer(world: World, value: Any = "SI", actor: Actor = CAP_BC, ref: EntityRef = BC,
           **kw: Any) -> Any:
    return world.exc.answer_step2()(actor, AnswerStep2Command(ref, YEAR, value, **kw))


def save_grid(world: World, clues: str, rows: list[GridRow], group: str = "Cirugía",
              specialty: str | None = "Cirugía general", actor: Actor = CAP_BC,
              ref: EntityRef = BC, **kw: Any) -> Any:
    inst = ref.institution_code
    sid = world.sid(specialty, inst) if specialty else None
    return world.exc.save_grid()(actor, SaveGridCommand(ref, YEAR, clues, world.gid(group, inst),
                                                        sid, rows, **kw))


def finalize(world: World, actor: Actor = CAP_BC, ref: EntityRef = BC, confirmed: bool = True,
             **kw: Any) -> Any:
    return world.exc.finalize()(actor, FinalizeCommand(ref, YEAR, confirmed, **kw))


# --------------------------------------------------------------------------- helpers


def shortage_row(pid: int, events: str = "3", patients: str = "4",
                 cause: str = "Falta de Equipo", inpatient: bool = False) -> GridRow:
    if inpatient:
        return GridRow(pid, shortage_inpatient=events, cause=cause, monthly_patients=patients)
    return GridRow(pid, shortage_outpatient=events, cause=cause, monthly_patients=patients)


def surplus_row(pid: int, events: str = "5", patients: str = "6") -> GridRow:
    return GridRow(pid, surplus_outpatient=events, monthly_patients=patients)


def pdf_bytes(size: int = 0) -> bytes:
    body = b"%PDF-1.4\n% signed copy\n"
    return body + b"0" * max(0, size - len(body))


def stream(data: bytes) -> io.BytesIO:
    return io.BytesIO(data)


def race(pool: Any, attempt: Any, label: object = None) -> tuple[int, list[Any]]:
    """Run ``attempt(0)`` and ``attempt(1)`` at the same moment (one barrier) on a two-worker
    ``pool``; a ``StaleVersion`` refusal is returned, not raised. Exactly one must win:
    answers the winner's index and both outcomes."""
    barrier = threading.Barrier(2)

    def run(k: int) -> Any:
        barrier.wait(timeout=30)
        try:
            return attempt(k)
        except StaleVersion as refused:
            return refused

    outcomes = list(pool.map(run, (0, 1)))
    winners = [k for k, o in enumerate(outcomes) if not isinstance(o, StaleVersion)]
    assert len(winners) == 1, (label, outcomes)
    return winners[0], outcomes
