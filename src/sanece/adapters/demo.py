"""The sanece demo loader (``entrypoints.demo.DemoLoader``): realistic synthetic SAnECE data.

What it loads (deterministic: a seeded ``random.Random``; dates relative to the clock's today):

- OOADs and units, each with a director (``director.campeche`` for CAMPECHE "H Gral Zona MF 4",
  ``director.aguascalientes`` for AGUASCALIENTES "H Gral Zona 3", and more); passwords from
  the injected ``password(role)`` rule; the revisor and evaluador come from the platform;
- genéricos with their claves (TRASTUZUMAB EMTANSINA, USTEKINUMAB, CERTOLIZUMAB PEGOL with 5795
  "ampula 200 mg", ADALIMUMAB, …) and their diagnoses;
- the guide's examples in CAMPECHE: patient 1111111111 1F1980OR (PRUEBA PRUEBA PACIENTE) with
  folios 20250414214, 20250414079, 20250414069 and a vigente CERTOLIZUMAB PEGOL one, and the
  three records sharing NSS 1071533138, left for the director to homologate;
- about forty folios per unit over three years in every state (Pendiente, Validada vigente
  and vencida, No Validada, Baja);
- change requests of every type (the two expiry subtypes included) in every state, filed and
  decided through the application's use cases with their clocks set in the past, with small
  PDF and PNG attachments put in the storage; one pending unit change whose folio was given
  de baja meanwhile (its approval is refused as a conflict);
- a comentario, so that the administrators' list is not empty.

``national`` adds ~100,000 folios over three years in ~300 more units of every OOAD, the largest
(an UMAE) with about a fifth of them, and 3,000 change requests, two thirds pending (bulk
inserts, with progress). Loading is skipped when the data is already there.
"""

from __future__ import annotations

import io
import random
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Sequence

import sqlalchemy as sa

from sanece.adapters.sql import tables as t
from sanece.adapters.sql.mappers import folio_values, patient_values, request_values
from sanece.application.access import Actor, unit_ref
from sanece.application.ports import UnitOfWorkFactory
from sanece.application.use_cases.attachments import BytesUpload
from sanece.application.use_cases.feedback import FeedbackCommand, SubmitFeedback
from sanece.application.use_cases.requests import (
    FileExpiryChange,
    FileExpiryChangeCommand,
    FileMerge,
    FileMergeCommand,
    FilePatientDataChange,
    FilePatientDataCommand,
    FileRequirementChange,
    FileRequirementChangeCommand,
    FileUnitChange,
    FileUnitChangeCommand,
)
from sanece.application.use_cases.decisions import (
    AnswerCommand,
    AnswerRequest,
    CancelCommand,
    CancelRequest,
    PendCommand,
    PendRequest,
)
from sanece.application.use_cases.review import (
    ApproveCommand,
    ApproveRequest,
    RejectCommand,
    RejectRequest,
)
from sanece.domain.feedback import FeedbackKind
from sanece.domain.model import Folio, MedicalUnit, Medicine, Patient
from sanece.domain.requests import (
    file_expiry_change,
    file_requirement_change,
    file_unit_change,
    reject,
)
from sanece.domain.values import (
    Attachment,
    DrugKey,
    DrugQuantity,
    ExpiryChangeKind,
    MergeChoice,
    add_months,
    add_years,
)
from shared.adapters.rendering.samples import tiny_pdf, tiny_png
from shared.audit.domain import AuditEntry
from shared.identity.domain import DemoUser
from shared.kernel.clock import Clock, FixedClock
from shared.kernel.demo import check_scale
from shared.kernel.progress import Progress
from shared.kernel.scope import Role
from shared.storage.domain import FileStorage

SEED = 20250502
NATIONAL_FOLIOS = 100_000
NATIONAL_REQUESTS = 3_000  # two thirds pending: the review queue at scale
NATIONAL_MARKER = "UMAE H Especialidades CMN Siglo XXI"

# (OOAD, unit, director username): every demo unit has its director.
DEMO_UNITS: tuple[tuple[str, str, str], ...] = (
    ("CAMPECHE", "H Gral Zona MF 4", "director.campeche"),
    ("CAMPECHE", "UMF 10 Ciudad del Carmen", "director.campeche.umf10"),
    ("AGUASCALIENTES", "H Gral Zona 3", "director.aguascalientes"),
    ("AGUASCALIENTES", "H Gral Zona 1", "director.aguascalientes.hgz1"),
    ("JALISCO", "UMAE H Especialidades CMN Occidente", "director.jalisco"),
    ("NUEVO LEÓN", "UMAE H Especialidades 25", "director.nuevoleon"),
    ("YUCATÁN", "H Gral Regional 1 Mérida", "director.yucatan"),
)
MAIN_UNIT = ("CAMPECHE", "H Gral Zona MF 4")
OTHER_UNIT = ("AGUASCALIENTES", "H Gral Zona 3")

# genérico -> (claves with presentation, diagnoses)
MEDICINES: dict[str, tuple[tuple[tuple[str, str], ...], tuple[str, ...]]] = {
    "TRASTUZUMAB EMTANSINA": (
        (("5434", "frasco ámpula 100 mg"), ("5435", "frasco ámpula 160 mg")),
        ("CÁNCER DE MAMA HER 2 POSITIVO METASTÁSICO O IRRESECABLE Y FALLA A TRATAMIENTO PREVIO "
         "CON TRASTUZUMAB +/- PERTUZUMAB",
         "CÁNCER DE MAMA HER 2 POSITIVO TEMPRANO CON ENFERMEDAD RESIDUAL INVASIVA")),
    "USTEKINUMAB": (
        (("5511", "solución inyectable 45 mg/0.5 ml"), ("5512", "solución inyectable 90 mg/ml"),
         ("5513", "frasco ámpula 130 mg/26 ml")),
        ("ENFERMEDAD DE CROHN MODERADA A GRAVE CON FALLA A ANTI-TNF",
         "PSORIASIS EN PLACAS MODERADA A GRAVE")),
    "CERTOLIZUMAB PEGOL": (
        (("5795", "ampula 200 mg"), ("5796", "jeringa prellenada 200 mg/ml")),
        ("ARTRITIS REUMATOIDE ACTIVA MODERADA A GRAVE CON FALLA A FARME",
         "ESPONDILITIS ANQUILOSANTE ACTIVA")),
    "ADALIMUMAB": (
        (("4512", "jeringa prellenada 40 mg/0.8 ml"), ("4513", "pluma precargada 40 mg")),
        ("ARTRITIS REUMATOIDE ACTIVA MODERADA A GRAVE", "HIDRADENITIS SUPURATIVA MODERADA A GRAVE",
         "UVEÍTIS NO INFECCIOSA")),
    "TOCILIZUMAB": (
        (("5080", "frasco ámpula 80 mg/4 ml"), ("5081", "frasco ámpula 200 mg/10 ml"),
         ("5082", "jeringa prellenada 162 mg")),
        ("ARTRITIS REUMATOIDE CON FALLA A ANTI-TNF", "ARTRITIS IDIOPÁTICA JUVENIL SISTÉMICA")),
    "RITUXIMAB": (
        (("5433", "frasco ámpula 100 mg/10 ml"), ("5445", "frasco ámpula 500 mg/50 ml")),
        ("LINFOMA NO HODGKIN DE CÉLULAS B CD20 POSITIVO", "LEUCEMIA LINFOCÍTICA CRÓNICA")),
    "PEMBROLIZUMAB": (
        (("6045", "frasco ámpula 100 mg/4 ml"),),
        ("MELANOMA METASTÁSICO O IRRESECABLE",
         "CÁNCER DE PULMÓN DE CÉLULAS NO PEQUEÑAS CON PD-L1 MAYOR A 50 %")),
    "OMALIZUMAB": (
        (("5660", "frasco ámpula 150 mg"), ("5661", "jeringa prellenada 150 mg/ml")),
        ("ASMA GRAVE ALÉRGICA NO CONTROLADA", "URTICARIA CRÓNICA ESPONTÁNEA")),
}

PATERNAL = ("HERNÁNDEZ", "GARCÍA", "MARTÍNEZ", "LÓPEZ", "GONZÁLEZ", "PÉREZ", "RODRÍGUEZ",
            "SÁNCHEZ", "RAMÍREZ", "CRUZ", "FLORES", "GÓMEZ", "MORALES", "VÁZQUEZ", "REYES",
            "JIMÉNEZ", "TORRES", "DÍAZ", "GUTIÉRREZ", "RUIZ", "MENDOZA", "AGUILAR", "ORTIZ",
            "CASTILLO", "MORENO", "ROMERO", "CHÁVEZ", "RIVERA", "JUÁREZ", "DOMÍNGUEZ", "UC",
            "CANUL", "CHI", "PECH", "MAY", "NÚÑEZ", "IBARRA", "PEÑA", "MUÑOZ", "CASTAÑEDA")
GIVEN_F = ("MARÍA GUADALUPE", "JUANA", "MARÍA DEL ROCÍO", "ROSA MARÍA", "VERÓNICA", "PATRICIA",
           "LETICIA", "ALEJANDRA", "ADRIANA", "SOFÍA", "XIMENA", "FERNANDA", "MARTHA ELENA",
           "GABRIELA", "ISABEL", "CLAUDIA", "ANA LAURA", "YOLANDA")
GIVEN_M = ("JOSÉ LUIS", "JUAN CARLOS", "MIGUEL ÁNGEL", "FRANCISCO", "JESÚS", "ALEJANDRO",
           "PEDRO", "RICARDO", "FERNANDO", "JORGE", "ROBERTO", "SERGIO", "MANUEL", "ARTURO",
           "EDUARDO", "RAÚL", "SANTIAGO", "EMILIANO")
REGIMES = ("OR", "PE", "SA", "ES", "VI")
OBSERVATIONS = (
    "Si considera necesario continuar tratamiento favor de enviar 2 semanas previas a la fecha "
    "de vencimiento: resumen con escalas de actividad de la enfermedad (DAS28, ACR, EVA, HAQ) "
    "comparativas de los últimos 12 meses, exámenes de laboratorio de control BH, EGO, PFH, "
    "PCR, VSG, Rx de tórax recientes y vigencia de derechos actualizada.",
    "Enviar valoración de respuesta al tratamiento al término del periodo autorizado.",
    "",
)
NOT_VALIDATED_OBSERVATIONS = (
    "No cumple con los criterios de inclusión del protocolo vigente.",
    "Falta estudio de inmunohistoquímica HER2 que confirme el diagnóstico.",
    "Sin evidencia de falla a tratamiento convencional documentada en el resumen clínico.",
)

# National scale: every OOAD of the IMSS with a few units each.
NATIONAL_OOADS = (
    "BAJA CALIFORNIA", "BAJA CALIFORNIA SUR", "COAHUILA", "COLIMA", "CHIAPAS", "CHIHUAHUA",
    "CDMX NORTE", "CDMX SUR", "DURANGO", "GUANAJUATO", "GUERRERO", "HIDALGO",
    "ESTADO DE MÉXICO ORIENTE", "ESTADO DE MÉXICO PONIENTE", "MICHOACÁN", "MORELOS", "NAYARIT",
    "OAXACA", "PUEBLA", "QUERÉTARO", "QUINTANA ROO", "SAN LUIS POTOSÍ", "SINALOA", "SONORA",
    "TABASCO", "TAMAULIPAS", "TLAXCALA", "VERACRUZ NORTE", "VERACRUZ SUR", "ZACATECAS",
    "UMAE CMN SIGLO XXI",
)
NATIONAL_KINDS = ("H Gral Zona", "H Gral Regional", "UMF", "H Gral Subzona", "UMAA")


class _Folios:
    """Folio numbers: the evaluation date and a 3-digit daily sequence, never reused."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.next: dict[date, int] = {}

    def reserve(self, number: str) -> None:
        self.used.add(number)

    def new(self, day: date) -> str:
        n = self.next.get(day, 0)
        while True:
            n += 1
            if n > 999:
                raise ValueError(f"more than 999 folios on {day}")
            number = f"{day:%Y%m%d}{n:03d}"
            if number not in self.used:
                self.used.add(number)
                self.next[day] = n
                return number


class SaneceDemoLoader:
    """``DemoLoader`` of the sanece context."""

    name = "sanece"

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, storage: FileStorage,
                 password: Callable[[Role], str], max_bytes: int = 10 * 1024 * 1024) -> None:
        """``password``: the platform's demo password rule (``entrypoints.demo.demo_password``),
        injected by the container (adapters do not import entrypoints)."""
        self.uow_factory = uow_factory
        self.clock = clock
        self.storage = storage
        self.password = password
        self.max_bytes = max_bytes

    def users(self, scale: str) -> Sequence[DemoUser]:
        """One director per demo unit (bound to the unit's id: only once the data is loaded)."""
        scopes = self.director_scopes()
        return [DemoUser(username, f"Dirección {unit}", Role.DIRECTOR, scopes[username],
                         self.password(Role.DIRECTOR), f"{ooad} ({unit})")
                for ooad, unit, username in DEMO_UNITS if username in scopes]

    def director_scopes(self) -> dict[str, str]:
        """username -> scope reference (the unit id) of the demo units that exist."""
        out = {}
        with self.uow_factory() as uow:
            for ooad_name, unit_name, username in DEMO_UNITS:
                ooad = uow.ooads.find(ooad_name)
                unit = uow.units.find(ooad.id, unit_name) if ooad else None
                if unit is not None:
                    out[username] = unit_ref(unit.id)
        return out

    def load(self, scale: str, progress: Progress) -> None:
        check_scale(scale)
        with self.uow_factory() as uow:
            loaded = uow.ooads.find(MAIN_UNIT[0]) is not None
        if loaded:
            progress("sanece: ya cargado", 1, 1)
        else:
            _Small(self, progress).run()
        if scale == "national":
            _National(self, progress).run()
        with self.uow_factory() as uow:
            uow.refresh_statistics()  # type: ignore[attr-defined]
            uow.commit()


def _in_days(clock: Clock, days: float, hour: int = 17) -> FixedClock:
    """A clock ``days`` before now (at ``hour`` UTC: working hours in Mexico)."""
    day = clock.today() - timedelta(days=int(days))
    return FixedClock(datetime.combine(day, time(hour, 0), tzinfo=timezone.utc))


class _Small:
    def __init__(self, loader: SaneceDemoLoader, progress: Progress) -> None:
        self.l = loader
        self.progress = progress
        self.rng = random.Random(SEED)
        self.today = loader.clock.today()
        self.numbers = _Folios(self.rng)
        self.units: dict[tuple[str, str], int] = {}
        self.ooads: dict[str, int] = {}
        self.medicines: dict[str, Medicine] = {}
        self.nss_used: set[str] = set()

    def run(self) -> None:
        with self.l.uow_factory() as uow:
            self._catalog(uow)
            self._guide(uow)
            scenario = self._scenario_folios(uow)
            self._generated(uow)
            uow.audit.record(AuditEntry(self.l.clock.now(), "demo", "sanece.demo_loaded", "demo",
                                        "sanece", after={"scale": "small"}))
            uow.commit()
        self.progress("sanece: unidades, medicamentos, pacientes y folios", 1, 1)
        self._requests(scenario)

    # ----------------------------------------------------------------- catalog

    def _catalog(self, uow: Any) -> None:
        for ooad_name, unit_name, _ in DEMO_UNITS:
            if ooad_name not in self.ooads:
                self.ooads[ooad_name] = uow.ooads.add(ooad_name).id
            self.units[(ooad_name, unit_name)] = uow.units.add(self.ooads[ooad_name],
                                                              unit_name).id
        for name, (keys, _) in MEDICINES.items():
            med = uow.medicines.add(name)
            for code, text in keys:
                uow.medicines.add_key(med.id, DrugKey(code, text))
            self.medicines[name] = uow.medicines.get(med.id)

    # ----------------------------------------------------------------- patients and folios

    def _nss(self) -> str:
        while True:
            nss = f"{self.rng.randint(1, 9)}{self.rng.randint(0, 999_999_999):09d}"
            if nss not in self.nss_used:
                self.nss_used.add(nss)
                return nss

    def _person(self, sex: str | None = None) -> dict[str, str]:
        rng = self.rng
        sex = sex or rng.choice("FM")
        year = rng.randint(1940, 2010)
        return {"nss": self._nss(),
                "aggregate": f"{rng.randint(1, 6)}{sex}{year}{rng.choice(REGIMES)}",
                "paternal_surname": rng.choice(PATERNAL), "maternal_surname": rng.choice(PATERNAL),
                "given_names": rng.choice(GIVEN_F if sex == "F" else GIVEN_M)}

    def _patient(self, uow: Any, **data: str) -> int:
        return uow.patients.add(Patient(**(data or self._person()))).id

    def _folio(self, uow: Any, *, unit: tuple[str, str], patient_id: int, generic: str,
               day: date, state: str, months: int = 12, number: str | None = None,
               qty: int | None = None, observations: str | None = None,
               requirement: str | None = None) -> Folio:
        med = self.medicines[generic]
        diagnoses = MEDICINES[generic][1]
        folio = Folio(number=number or self.numbers.new(day), medicine_id=med.id,
                      evaluation_date=day, unit_id=self.units[unit], patient_id=patient_id,
                      diagnosis=self.rng.choice(diagnoses))
        if state == "validated":
            key = med.keys[0]
            quantity = qty or self.rng.choice((1, 2, 4, 6, 12, 24))
            folio.register_validated(
                medicine=med, period_months=months, key1=DrugQuantity(key.code, quantity),
                requirement=requirement or f"Clave {key.code} {generic.capitalize()} "
                                           f"{key.description}. {quantity} envase(s) por mes.",
                observations=self.rng.choice(OBSERVATIONS) if observations is None
                else observations, today=day)  # evaluated on its own date
        elif state == "not_validated":
            folio.register_not_validated(
                observations=observations or self.rng.choice(NOT_VALIDATED_OBSERVATIONS))
        elif observations:
            folio.observations = observations
        uow.folios.add(folio)
        return folio

    def _guide(self, uow: Any) -> None:
        """The guide's examples in CAMPECHE (H Gral Zona MF 4), left for the director to try."""
        for number in ("20250414214", "20250414079", "20250414069"):
            self.numbers.reserve(number)
        p1 = self._patient(uow, nss="1111111111", aggregate="1F1980OR",
                           paternal_surname="PRUEBA", maternal_surname="PRUEBA",
                           given_names="PACIENTE")
        self.nss_used |= {"1111111111", "1071533138"}
        day = date(2025, 4, 14)
        if day <= self.today:
            self._folio(uow, unit=MAIN_UNIT, patient_id=p1, generic="TRASTUZUMAB EMTANSINA",
                        day=day, state="pending", number="20250414214", observations="teyi")
            self._folio(uow, unit=MAIN_UNIT, patient_id=p1, generic="TRASTUZUMAB EMTANSINA",
                        day=day, state="not_validated", number="20250414079")
            self._folio(uow, unit=MAIN_UNIT, patient_id=p1, generic="USTEKINUMAB", day=day,
                        state="pending", number="20250414069")
        self._folio(uow, unit=MAIN_UNIT, patient_id=p1, generic="CERTOLIZUMAB PEGOL",
                    day=self.today - timedelta(days=60), state="validated", months=12, qty=12,
                    observations=OBSERVATIONS[0],
                    requirement="Clave 5795 Certolizumab pegol ampula 200 mg. Dosis 400 mg al "
                                "mes. Un envase con dos jeringas prellenadas con 1 ml por mes.")
        trio = (("PEREZ", "ORTIZ", "MIGUEL ANGEL", "5M1953PE", "ADALIMUMAB"),
                ("XXX", "GOMEZ", "MARIA DEL ROCIO", "2F1954OR", "TOCILIZUMAB"),
                ("XXX", "GOMEZ", "MARIA DEL ROCIO", "6F1954PE", "TOCILIZUMAB"))
        for i, (pat, mat, given, aggregate, generic) in enumerate(trio):
            pid = self._patient(uow, nss="1071533138", aggregate=aggregate,
                                paternal_surname=pat, maternal_surname=mat, given_names=given)
            self._folio(uow, unit=MAIN_UNIT, patient_id=pid, generic=generic,
                        day=self.today - timedelta(days=400 - 120 * i), state="validated",
                        months=12)

    def _scenario_folios(self, uow: Any) -> dict[str, Any]:
        """Folios and patients the demo requests are about (each its own)."""
        out: dict[str, Any] = {}
        generics = list(MEDICINES)
        folio_cases = ("ext_pending", "ext_approved", "ext_rejected", "ext_conflict",
                       "can_pending", "can_approved", "can_rejected", "unit_pending",
                       "unit_approved", "unit_rejected", "req_pending", "req_approved",
                       "req_rejected")
        for i, case in enumerate(folio_cases):
            pid = self._patient(uow)
            out[case] = self._folio(uow, unit=MAIN_UNIT, patient_id=pid,
                                    generic=generics[i % len(generics)],
                                    day=self.today - timedelta(days=100 + 7 * i),
                                    state="validated", months=6)
        pid = self._patient(uow)
        out["can_other_unit"] = self._folio(uow, unit=OTHER_UNIT, patient_id=pid,
                                            generic="RITUXIMAB",
                                            day=self.today - timedelta(days=90),
                                            state="validated", months=12)
        for case in ("data_pending", "data_approved", "data_rejected"):
            pid = self._patient(uow)
            self._folio(uow, unit=MAIN_UNIT, patient_id=pid, generic="ADALIMUMAB",
                        day=self.today - timedelta(days=200), state="validated", months=6)
            out[case] = uow.patients.get(pid)
        for case in ("merge_pending", "merge_approved", "merge_rejected"):
            person = self._person("F")
            first = self._patient(uow, **person)
            twin = dict(person, aggregate=f"{int(person['aggregate'][0]) % 6 + 1}"
                                          f"{person['aggregate'][1:6]}PE")
            second = self._patient(uow, **twin)
            for pid, days in ((first, 700), (second, 150)):
                self._folio(uow, unit=MAIN_UNIT, patient_id=pid, generic="OMALIZUMAB",
                            day=self.today - timedelta(days=days), state="validated",
                            months=12)
            out[case] = (first, second, person["nss"])
        return out

    def _generated(self, uow: Any) -> None:
        """About forty folios per unit over three years, in every state."""
        rng = self.rng
        earliest = add_years(self.today, -3) + timedelta(days=7)
        span = (self.today - earliest).days
        for unit in self.units:
            patients = [self._patient(uow) for _ in range(rng.randint(18, 26))]
            for _ in range(rng.randint(34, 46)):
                day = earliest + timedelta(days=rng.randint(0, span))
                age = (self.today - day).days
                roll = rng.random()
                if age < 25 and roll < 0.7:
                    state = "pending"
                elif roll < 0.72:
                    state = "validated"
                elif roll < 0.9:
                    state = "not_validated"
                else:
                    state = "pending" if age < 120 else "validated"
                self._folio(uow, unit=unit, patient_id=rng.choice(patients),
                            generic=rng.choice(list(MEDICINES)), day=day, state=state,
                            months=rng.choice((3, 6, 6, 12, 12, 24)))

    # ----------------------------------------------------------------- requests

    def _director(self, unit: tuple[str, str]) -> Actor:
        username = next(u for o, n, u in DEMO_UNITS if (o, n) == unit)
        return Actor.director(username, self.units[unit])

    def _files(self, *names: str) -> list[BytesUpload]:
        out = []
        for name in names:
            if name.endswith(".png"):
                out.append(BytesUpload(tiny_png(), name))
            else:
                out.append(BytesUpload(tiny_pdf("Documento de demostración",
                                                [name, "SAnECE - datos sintéticos"]), name))
        return out

    def _use(self, cls: type, days_ago: float, hour: int = 16) -> Any:
        clock = _in_days(self.l.clock, days_ago, hour)
        if cls in (ApproveRequest, RejectRequest, SubmitFeedback, PendRequest, CancelRequest):
            return cls(self.l.uow_factory, clock)
        return cls(self.l.uow_factory, clock, self.l.storage, self.l.max_bytes)

    def _requirement(self, director: Actor, folio: Any, quantity: int, days_ago: float) -> int:
        """A cambio de requerimiento of the folio's last clave (what the demo decides)."""
        med = next(m for m in self.medicines.values() if m.id == folio.medicine_id)
        key = med.keys[-1].code
        filed = self._use(FileRequirementChange, days_ago)(director, FileRequirementChangeCommand(
            folio.number, key, quantity, f"Clave {key}: {quantity} envases por mes.",
            "Ajuste de dosis", "El médico tratante ajustó la dosis.",
            self._files("nota-medico-tratante.pdf")))
        return int(filed.ids[0])

    def _decide(self, request_id: int, state: str, days_ago: float,
                reason: str = "", **approve: Any) -> None:
        revisor = Actor.revisor("revisor")
        if state == "approved":
            self._use(ApproveRequest, days_ago, 19)(revisor, ApproveCommand(request_id,
                                                                            **approve))
        elif state == "rejected":
            self._use(RejectRequest, days_ago, 19)(revisor, RejectCommand(request_id, reason,
                                                                          "DOC-INCOMPLETA"))

    def _requests(self, s: dict[str, Any]) -> None:
        director = self._director(MAIN_UNIT)
        states = ("pending", "approved", "rejected")
        total, done = 22, 0

        def step() -> None:
            nonlocal done
            done += 1
            self.progress("sanece: solicitudes de cambio", done, total)

        # Ampliación de fecha de vencimiento (prórroga)
        for i, state in enumerate(states):
            folio = s[f"ext_{state}"]
            filed = self._use(FileExpiryChange, 12 - i)(director, FileExpiryChangeCommand(
                folio.number, "extension", "Desabasto",
                "El medicamento no se surtió durante dos meses; se solicita recorrer la fecha.",
                self._files("nota-medico-tratante.pdf")))
            self._decide(filed.ids[0], state, 10 - i,
                         "La nota médica no justifica la ampliación; adjunte el resumen clínico "
                         "actualizado.", new_expiry=add_months(folio.expiry_date, 2))
            step()
        # Baja de folio
        for i, state in enumerate(states):
            filed = self._use(FileExpiryChange, 11 - i)(director, FileExpiryChangeCommand(
                s[f"can_{state}"].number, "cancellation", "Reacción adversa al medicamento",
                "Reacción de hipersensibilidad grave tras la segunda aplicación.",
                self._files("reporte-vigiflow.pdf", "nota-medico-tratante.png")))
            self._decide(filed.ids[0], state, 9 - i,
                         "El reporte Vigiflow adjunto corresponde a otro paciente.")
            step()
        # A pending unit change whose folio was given de baja meanwhile: approving it
        # conflicts (the folio is no longer vigente).
        conflict = s["ext_conflict"]
        self._use(FileUnitChange, 8)(director, FileUnitChangeCommand(
            conflict.number, "Cambio de domicilio del paciente",
            "La familia se mudó a Aguascalientes.", self.ooads[OTHER_UNIT[0]],
            self.units[OTHER_UNIT], self._files("comprobante-domicilio.pdf")))
        baja = self._use(FileExpiryChange, 7)(director, FileExpiryChangeCommand(
            conflict.number, "cancellation", "Defunción",
            "Se notifica el fallecimiento del paciente.", self._files("acta.pdf")))
        self._decide(baja.ids[0], "approved", 6)
        step()
        # Cambio de unidad médica (the approved one moves the folio to AGUASCALIENTES)
        destination = self.units[OTHER_UNIT]
        for i, state in enumerate(states):
            filed = self._use(FileUnitChange, 9 - i)(director, FileUnitChangeCommand(
                s[f"unit_{state}"].number, "Contrarreferencia",
                "El paciente cambió su residencia y se atenderá en el hospital de destino.",
                self.ooads[OTHER_UNIT[0]], destination,
                self._files("nota-contrarreferencia.pdf")))
            self._decide(filed.ids[0], state, 7 - i,
                         "Falta la nota de contrarreferencia firmada por el médico tratante.")
            step()
        # Cambio de requerimiento
        for i, state in enumerate(states):
            folio = s[f"req_{state}"]
            med = self.medicines[next(n for n, m in self.medicines.items()
                                      if m.id == folio.medicine_id)]
            key = med.keys[-1].code
            filed = self._use(FileRequirementChange, 8 - i)(director,
                                                             FileRequirementChangeCommand(
                folio.number, key, 2,
                f"Clave {key} {med.name.capitalize()} {med.keys[-1].description}. Ajuste de "
                "dosis: 2 envases por mes.", "Ajuste de dosis",
                "El médico tratante ajustó la dosis por peso del paciente.",
                self._files("nota-medico-tratante.pdf")))
            self._decide(filed.ids[0], state, 6 - i,
                         "La dosis solicitada excede la autorizada en el protocolo.")
            step()
        # The decisions beyond Validado / No Validado, on the requirement changes' folios: a
        # Validado con modificación (the reviewer authorizes another quantity), a Requiere
        # información waiting for the director's answer (on Inicio), one answered and back in
        # the queue, one cancelled by the unit
        revisor = Actor.revisor("revisor")
        modified = self._requirement(director, s["req_approved"], 3, 5)
        self._use(ApproveRequest, 4, 19)(revisor, ApproveCommand(
            modified, modifications={"quantity1": 4}))
        waiting = self._requirement(director, s["req_rejected"], 3, 5)
        self._use(PendRequest, 3, 10)(revisor, PendCommand(
            waiting, "DOC-INCOMPLETA", "Adjunte la receta con la dosis ajustada y el peso "
            "actual del paciente."))
        answered = self._requirement(director, s["unit_rejected"], 2, 6)
        self._use(PendRequest, 5, 10)(revisor, PendCommand(
            answered, "DATOS-NO-COINC", "La dosis de la nota no coincide con la solicitada."))
        self._use(AnswerRequest, 4)(director, AnswerCommand(
            answered, "Se adjunta la nota corregida por el médico tratante.",
            self._files("nota-corregida.pdf")))
        cancelled = self._requirement(director, s["ext_rejected"], 2, 3)
        self._use(CancelRequest, 2, 9)(director, CancelCommand(
            cancelled, "YA-NO-APLICA", "El paciente cambió de esquema."))
        step()
        # Cambio de datos de paciente
        for i, state in enumerate(states):
            patient: Patient = s[f"data_{state}"]
            filed = self._use(FilePatientDataChange, 6 - i)(director, FilePatientDataCommand(
                patient.id, self._files("vigencia.pdf"),
                maternal_surname="SANECE" if state != "approved" else "DE LA CRUZ"))
            self._decide(filed.ids[0], state, 4 - i,
                         "La vigencia de derechos adjunta no corresponde al paciente.")
            step()
        # Homologación
        for i, state in enumerate(states):
            first, second, nss = s[f"merge_{state}"]
            filed = self._use(FileMerge, 5 - i)(director, FileMergeCommand(
                nss, {second: MergeChoice.CORRECT, first: MergeChoice.MERGE},
                self._files("vigencia.png")))
            self._decide(filed.ids[0], state, 3 - i,
                         "Los registros corresponden a personas distintas (agregados de dos "
                         "beneficiarios).")
            step()
        # One pending request of another unit (the queue shows several OOADs)
        self._use(FileExpiryChange, 2)(self._director(OTHER_UNIT), FileExpiryChangeCommand(
            s["can_other_unit"].number, "cancellation", "Término del tratamiento",
            "El paciente concluyó el esquema autorizado.", self._files("nota.pdf")))
        step()
        self._use(SubmitFeedback, 1)(director, FeedbackCommand(
            "Sería útil recibir un aviso cuando una solicitud cambie de estatus.",
            FeedbackKind.IMPROVEMENT))
        step()


class _National:
    """~100,000 folios over three years in ~300 more units, and 3,000 change requests (two
    thirds pending), with bulk inserts (executemany)."""

    def __init__(self, loader: SaneceDemoLoader, progress: Progress) -> None:
        self.l = loader
        self.progress = progress
        self.rng = random.Random(SEED + 1)
        self.today = loader.clock.today()

    def run(self) -> None:
        with self.l.uow_factory() as uow:
            session = uow.session  # type: ignore[attr-defined]
            if session.execute(sa.select(t.units.c.id).where(
                    t.units.c.name == NATIONAL_MARKER)).first():
                self.progress("sanece: escala nacional ya cargada", 1, 1)
                return
            units, weights = self._units(uow)
            medicines = [uow.medicines.find(name) for name in MEDICINES]
            used = set(session.execute(sa.select(t.folios.c.number)).scalars())
            nss_used = set(session.execute(sa.select(t.patients.c.nss)).scalars())
            vigentes = self._folios(session, units, weights, medicines, used, nss_used)
            self._requests(session, vigentes, units, {m.id: m for m in medicines if m})
            uow.audit.record(AuditEntry(self.l.clock.now(), "demo", "sanece.demo_loaded",
                                        "demo", "sanece",
                                        after={"scale": "national", "folios": NATIONAL_FOLIOS}))
            uow.commit()

    def _units(self, uow: Any) -> tuple[list[int], list[float]]:
        rng = self.rng
        units: list[int] = []
        weights: list[float] = []
        for name in NATIONAL_OOADS:
            ooad = uow.ooads.find(name) or uow.ooads.add(name)
            if name.startswith("UMAE"):
                names = [NATIONAL_MARKER, "UMAE H Oncología CMN Siglo XXI",
                         "UMAE H Pediatría CMN Siglo XXI"]
            else:
                names = sorted({f"{rng.choice(NATIONAL_KINDS)} {rng.randint(1, 90)}"
                                for _ in range(rng.randint(7, 12))})
            for unit_name in names:
                if uow.units.find(ooad.id, unit_name) is None:
                    units.append(uow.units.add(ooad.id, unit_name).id)
                    # the largest unit (an UMAE) holds about a fifth of the country's folios
                    weights.append(110.0 if unit_name == NATIONAL_MARKER else
                                   rng.uniform(0.5, 2.5))
        self.progress("sanece: unidades nacionales", 1, 1)
        return units, weights

    def _folios(self, session: Any, units: list[int], weights: list[float],
                medicines: list[Medicine | None], used: set[str], nss_used: set[str]
                ) -> list[Folio]:
        """Inserts the folios; returns some vigente ones (what the requests are about)."""
        rng = self.rng
        meds = [m for m in medicines if m is not None]
        numbers = _Folios(rng)
        numbers.used = used
        earliest = add_years(self.today, -3) + timedelta(days=2)
        span = (self.today - earliest).days
        n_patients = int(NATIONAL_FOLIOS * 0.6)
        patients: list[dict[str, Any]] = []
        home: list[int] = []
        for _ in range(n_patients):
            while True:
                nss = f"{rng.randint(1, 9)}{rng.randint(0, 999_999_999):09d}"
                if nss not in nss_used:
                    nss_used.add(nss)
                    break
            sex = rng.choice("FM")
            patients.append(patient_values(Patient(
                nss=nss, aggregate=f"{rng.randint(1, 6)}{sex}{rng.randint(1940, 2010)}"
                                   f"{rng.choice(REGIMES)}",
                paternal_surname=rng.choice(PATERNAL), maternal_surname=rng.choice(PATERNAL),
                given_names=rng.choice(GIVEN_F if sex == "F" else GIVEN_M))))
            home.append(rng.choices(units, weights)[0])
        ids: list[int] = []
        step = 5000
        for i in range(0, n_patients, step):
            result = session.execute(
                sa.insert(t.patients).returning(t.patients.c.id, sort_by_parameter_order=True),
                patients[i:i + step])
            ids += [int(r) for r in result.scalars()]
            self.progress("sanece: pacientes (escala nacional)", min(n_patients, i + step),
                          n_patients)
        batch: list[dict[str, Any]] = []
        vigentes: list[Folio] = []
        for n in range(NATIONAL_FOLIOS):
            k = rng.randrange(n_patients) if n >= n_patients else n
            day = earliest + timedelta(days=rng.randint(0, span))
            med = meds[k % len(meds)]
            folio = Folio(number=numbers.new(day), medicine_id=med.id, evaluation_date=day,
                          unit_id=home[k], patient_id=ids[k],
                          diagnosis=MEDICINES[med.name][1][k % len(MEDICINES[med.name][1])])
            roll = rng.random()
            age = (self.today - day).days
            if age < 20 and roll < 0.6 or roll < 0.04:
                pass  # Pendiente
            elif roll < 0.86:
                qty = rng.choice((1, 2, 4, 12))
                folio.register_validated(
                    medicine=med, period_months=rng.choice((3, 6, 12, 12)),
                    key1=DrugQuantity(med.keys[0].code, qty),
                    requirement=f"Clave {med.keys[0].code} {med.keys[0].description}. "
                                f"{qty} envase(s) por mes.", today=day)
            else:
                folio.register_not_validated(observations=rng.choice(NOT_VALIDATED_OBSERVATIONS))
            batch.append(folio_values(folio))
            if len(vigentes) < 2 * NATIONAL_REQUESTS and folio.is_in_force(self.today):
                vigentes.append(folio)
            if len(batch) >= step:
                session.execute(sa.insert(t.folios), batch)
                batch = []
                self.progress("sanece: folios (escala nacional)", n + 1, NATIONAL_FOLIOS)
        if batch:
            session.execute(sa.insert(t.folios), batch)
        self.progress("sanece: folios (escala nacional)", NATIONAL_FOLIOS, NATIONAL_FOLIOS)
        return vigentes

    def _requests(self, session: Any, vigentes: list[Folio], units: list[int],
                  medicines: dict[int, Medicine]) -> None:
        """Requests on distinct vigente folios, filed by the domain's rules in the last two
        months; a third rejected. They share one stored attachment."""
        rng = self.rng
        content = tiny_pdf("Nota del médico tratante (demostración)")
        stored = self.l.storage.put("sanece/requests/0/demo", io.BytesIO(content),
                                    content_type="application/pdf",
                                    original_name="nota-medico-tratante.pdf", size=len(content))
        proof = (Attachment(stored.key, "application/pdf", "nota-medico-tratante.pdf",
                            stored.size),)
        unit_ooad = dict(session.execute(sa.select(t.units.c.id, t.units.c.ooad_id)).all())
        rows = []
        now = self.l.clock.now()
        for n, folio in enumerate(rng.sample(vigentes, min(NATIONAL_REQUESTS, len(vigentes)))):
            filed_at = now - timedelta(days=rng.uniform(0, 60))
            common = dict(attachments=proof, existing=(), today=self.today,
                          filed_by="director.nacional", filed_at=filed_at, unit_id=folio.unit_id)
            kind = n % 4
            if kind == 0:
                request = file_expiry_change(folio, ExpiryChangeKind.EXTENSION, motive="Desabasto",
                                             detail="Sin surtimiento del medicamento.", **common)
            elif kind == 1:
                request = file_expiry_change(folio, ExpiryChangeKind.CANCELLATION,
                                             motive="Término del tratamiento",
                                             detail="Concluyó el esquema.", **common)
            elif kind == 2:
                other = folio.unit_id
                while other == folio.unit_id:
                    other = rng.choice(units)
                request = file_unit_change(folio, MedicalUnit(id=other, ooad_id=unit_ooad[other],
                                                              name="destino"),
                                           motive="Contrarreferencia",
                                           detail="Se atenderá en la unidad de destino.",
                                           **common)
            else:
                med = medicines[folio.medicine_id]
                request = file_requirement_change(
                    folio, med, key1=DrugQuantity(med.keys[-1].code, 2),
                    requirement="Ajuste de dosis: 2 envases por mes.", motive="Ajuste de dosis",
                    detail="Ajuste por peso.", **common)
            if n % 3 == 2:
                reject(request, reason="Falta el resumen clínico actualizado.",
                       now=filed_at + timedelta(days=1), reviewer="revisor")
            rows.append(request_values(request))
        for i in range(0, len(rows), 1000):
            session.execute(sa.insert(t.requests), rows[i:i + 1000])
        self.progress("sanece: solicitudes (escala nacional)", len(rows), len(rows))
