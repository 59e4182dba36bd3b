"""The excedentes demo loader (``entrypoints.demo.DemoLoader``): realistic synthetic data.

What it loads (deterministic: a seeded ``random.Random``):

- the five institutions as data (E1), registered from the editions (``InstitutionEditions``,
  ``editions.json``: what ``institution create --edition`` registers on a real installation):
  IMSS (OOAD/UMAE, no especialidad level, 100 MB), SS (Entidad Federativa, 150 MB),
  IMSS-BIENESTAR, ISSSTE (Delegación, "Nombre:" lines), PEMEX;
- their entities: the 32 states (IMSS with its OOADs "Edo. de Méx. Ote.", "Edo. de Méx.
  Pte.", "CDMX Norte/Sur", "Veracruz Norte/Sur");
- units with CLUES in the real pattern (BCSSA001152, BCIST000122, CCIST000016, NLIMS000331),
  among them the units named in the guides, with their levels;
- per institution the catalog Servicio > Grupo > [Especialidad] > Producto of E6, the guides'
  products among them (Aplicación de corona, Anestesia, Artrocentesis, …);
- "Captura del periodo YYYY" of the clock's year, open, and the three previous years, closed,
  where most entities finalized (some after the window's end), signed and were accepted (the
  completeness trend);
- entities in every state of the workflow (not started, SI without records, capturing,
  answered NO, finalized, signed report uploaded — a small PDF made with fpdf2 —, returned for
  correction with a coded reason, accepted), the catalog of return reasons, the guides'
  sample records (Entidad Federativa BAJA CALIFORNIA, OOAD Hidalgo, Delegación Campeche), and
  "solicitar producto" requests pending, accepted and rejected;
- users (created by the platform): ``coordinador.<inst>`` for each institution and
  ``capturista.<inst>.<entity>`` for each prepared entity, e.g. ``capturista.ss.bc``,
  ``capturista.imss.hg``; passwords from the injected ``password(role)`` rule.

Scales: ``small`` (about a thousand units, a few hundred products per institution) and
``national`` (~20,000 units, ~10,000 products per institution with Cirugía at 2,857, ~60,000
records). Loading is skipped when excedentes institutions already exist (idempotent-safe).
"""

from __future__ import annotations

import io
import random

import attrs
from datetime import date, datetime, time, timedelta, timezone
from typing import Any, Callable, Sequence

from excedentes.adapters.demo_data import (
    GROUP_SIZES,
    GROUPS,
    GUIDE_PRODUCTS,
    IMSS_KINDS_1,
    IMSS_KINDS_2,
    IMSS_KINDS_3,
    IMSS_NAMED,
    IMSS_SPLITS,
    IMSS_UNITS,
    IMSSB_NAMED_CL,
    INSTITUTION_PREFIX,
    ISSSTE_KINDS_2,
    ISSSTE_KINDS_3,
    ISSSTE_NAMED,
    ISSSTE_UNITS,
    PEMEX_KINDS,
    PEMEX_STATES,
    PLACES,
    SERVICE,
    SS_KINDS_1,
    SS_KINDS_2,
    SS_KINDS_3,
    SS_NAMED_BC,
    SS_UNITS,
    STATE_BY_PREFIX,
    STATES,
    generated_names,
)
from excedentes.adapters.editions import JsonInstitutionEditions
from excedentes.application.ports import Edition, InstitutionEditions, UnitOfWorkFactory
from excedentes.domain.catalog import (
    Entity,
    MedicalUnit,
    Period,
    Product,
    Service,
    ServiceGroup,
    Specialty,
)
from excedentes.domain.institution import Institution
from excedentes.domain.grid import rows_from_records
from excedentes.domain.model import Answer, EntityReport
from excedentes.domain.product_requests import ProductRequest
from excedentes.domain.quality import OutlierThresholds, judge_rows
from excedentes.domain.records import Cause, Modality, Record, RecordKind
from excedentes.domain.review import ReturnReason
from excedentes.domain.signed import PDF_CONTENT_TYPE, SignedReportFile
from shared.adapters.rendering.samples import tiny_pdf
from shared.audit.domain import AuditEntry
from shared.identity.domain import DemoUser
from shared.kernel.clock import Clock, FixedClock
from shared.kernel.demo import check_scale
from shared.kernel.progress import Progress
from shared.kernel.scope import Role
from shared.storage.domain import StorageSelector

SEED = 20260310
NATIONAL_RECORDS = 60_000

# (institution, entity code, state of the workflow). Each gets a capturista demo user.
NOT_STARTED, PRELIMINARY, CAPTURING, ANSWERED_NO = ("not_started", "preliminary", "capturing",
                                                    "answered_no")
FINAL, FINAL_NO, SIGNED = "final", "final_no", "signed"
RETURNED, ACCEPTED = "returned", "accepted"  # the coordinador's review (issue 15)
# The catalog of return reasons the administrator keeps (code, text).
RETURN_REASONS = (
    ("DATOS-INC", "Datos incompletos: faltan unidades médicas o productos por registrar"),
    ("CIFRAS", "Cifras inconsistentes con la capacidad instalada de la unidad"),
    ("FIRMAS", "El reporte firmado no tiene las firmas requeridas"),
    ("ILEGIBLE", "El archivo del reporte firmado no es legible"),
)
# Earlier periods on record (years before the open one): share of entities that finalized,
# and of those, that finalized after the window's end: the completeness trend improves.
PAST_YEARS = ((3, 0.78, 0.35), (2, 0.86, 0.25), (1, 0.93, 0.12))
PREPARED: tuple[tuple[str, str, str], ...] = (
    ("SS", "BC", CAPTURING),  # the SS guide's sample: 4 units report, Preliminar
    ("SS", "BS", SIGNED),
    ("SS", "AS", NOT_STARTED),
    ("SS", "CC", ANSWERED_NO),
    ("SS", "CL", FINAL),
    ("SS", "CM", ACCEPTED),
    ("SS", "CH", RETURNED),
    ("SS", "CS", CAPTURING),
    ("SS", "DF", PRELIMINARY),
    ("IMSS", "NL", FINAL_NO),  # the IMSS guide's "no reporta intervenciones" sample
    ("IMSS", "HG", SIGNED),  # the IMSS guide's sample: 4 of 21 units
    ("IMSS", "OC", ANSWERED_NO),
    ("IMSS", "MN", NOT_STARTED),
    ("IMSS", "MC-OTE", CAPTURING),
    ("IMSSB", "CL", CAPTURING),
    ("IMSSB", "DG", NOT_STARTED),
    ("ISSSTE", "CC", SIGNED),  # the ISSSTE guide's sample: 8 of 11 units
    ("ISSSTE", "BC", NOT_STARTED),
    ("ISSSTE", "AS", FINAL),
    ("PEMEX", "TC", CAPTURING),
    ("PEMEX", "VZ", ANSWERED_NO),
)


def capturista_username(institution_code: str, entity_code: str) -> str:
    return f"capturista.{institution_code.lower()}.{entity_code.lower()}"


def coordinador_username(institution_code: str) -> str:
    return f"coordinador.{institution_code.lower()}"


def _entity_name(inst: str, code: str) -> str:
    if inst == "IMSS":
        for pair in IMSS_SPLITS.values():
            for c, name in pair:
                if c == code:
                    return name
        return STATE_BY_PREFIX[code].title
    return STATE_BY_PREFIX[code].upper


def entities_of(inst: str) -> list[tuple[str, str, str]]:
    """(code, name, CLUES state prefix) of an institution's entities, in dashboard order."""
    out = []
    for s in STATES:
        if inst == "IMSS" and s.prefix in IMSS_SPLITS:
            out += [(code, name, s.prefix) for code, name in IMSS_SPLITS[s.prefix]]
        else:
            out.append((s.prefix, _entity_name(inst, s.prefix), s.prefix))
    return out


class _Clues:
    """CLUES allocator: ``BCSSA`` + six digits, never reusing a code."""

    def __init__(self, rng: random.Random) -> None:
        self.rng = rng
        self.used: set[str] = set()
        self.next: dict[str, int] = {}

    def reserve(self, clues: str) -> None:
        self.used.add(clues)

    def new(self, prefix: str) -> str:
        n = self.next.get(prefix, 10)
        while True:
            n += self.rng.randint(1, 6)
            code = f"{prefix}{n:06d}"
            if code not in self.used:
                self.used.add(code)
                self.next[prefix] = n
                return code


class ExcedentesDemoLoader:
    """``DemoLoader`` of the excedentes context."""

    name = "excedentes"

    def __init__(self, uow_factory: UnitOfWorkFactory, clock: Clock, storage: StorageSelector,
                 password: Callable[[Role], str],
                 editions: InstitutionEditions | None = None) -> None:
        """``password``: the platform's demo password rule (``entrypoints.demo.demo_password``),
        injected by the container (adapters do not import entrypoints); ``editions``: where
        the institutions' settings come from (the editions file by default)."""
        self.uow_factory = uow_factory
        self.clock = clock
        self.storage = storage
        self.password = password
        self.editions = editions or JsonInstitutionEditions()

    def institutions(self) -> list[Institution]:
        return [e.institution() for e in self.editions.all()]

    # ----------------------------------------------------------------- users

    def users(self, scale: str) -> Sequence[DemoUser]:
        names = {i.code: i for i in self.institutions()}
        out = [DemoUser(coordinador_username(code), f"Coordinación {inst.name}", Role.COORDINADOR,
                        code, self.password(Role.COORDINADOR),
                        "periodos, aperturas, solicitudes de producto, catálogos")
               for code, inst in names.items()]
        for inst_code, code, state in PREPARED:
            inst = names[inst_code]
            title = inst.entity_title(_entity_name(inst_code, code))
            out.append(DemoUser(capturista_username(inst_code, code),
                                f"Capturista {title} ({inst_code})", Role.CAPTURISTA,
                                f"{inst_code}:{code}", self.password(Role.CAPTURISTA),
                                f"Pasos 1 a 9 de {title} ({_STATE_NOTES[state]})"))
        return out

    # ----------------------------------------------------------------- load

    def load(self, scale: str, progress: Progress) -> None:
        check_scale(scale)
        with self.uow_factory() as uow:
            if uow.institutions.list():
                progress("excedentes: ya cargado", 1, 1)
                return
            _Build(uow, scale, self.clock, self.storage, progress, self.editions.all()).run()
            uow.commit()
        with self.uow_factory() as uow:
            uow.refresh_statistics()  # type: ignore[attr-defined]
            uow.commit()


_STATE_NOTES = {NOT_STARTED: "sin iniciar", PRELIMINARY: "respondió SI, sin registros",
                CAPTURING: "en captura", ANSWERED_NO: "respondió NO",
                FINAL: "finalizada, falta subir el firmado", FINAL_NO: "finalizada con NO",
                SIGNED: "reporte firmado subido",
                RETURNED: "devuelta para corrección por su coordinador",
                ACCEPTED: "reporte aceptado por su coordinador"}


class _Build:
    def __init__(self, uow: Any, scale: str, clock: Clock, storage: StorageSelector,
                 progress: Progress, editions: Sequence[Edition]) -> None:
        self.uow = uow
        self.national = scale == "national"
        self.clock = clock
        self.storage = storage
        self.progress = progress
        self.rng = random.Random(SEED)
        self.clues = _Clues(self.rng)
        self.year = clock.today().year
        self.institutions = {e.code: e.institution() for e in editions}
        self.entities = {e.code: e.entities for e in editions}
        self.units: dict[tuple[str, str], list[MedicalUnit]] = {}
        self.products: dict[str, list[int]] = {}
        self.by_name: dict[tuple[str, str, str], int] = {}  # (inst, group, name) -> id
        self.groups: dict[tuple[str, str], ServiceGroup] = {}
        self.specialties: dict[tuple[str, str, str], Specialty] = {}
        self.records_total = 0

    def run(self) -> None:
        self._organisation()
        self._catalogs()
        self._units()
        self._collection()
        self._requests()
        self.uow.audit.record(AuditEntry(self.clock.now(), "demo", "excedentes.demo_loaded",
                                         "demo", "excedentes",
                                         after={"scale": "national" if self.national else "small",
                                                "records": self.records_total}))

    # ----------------------------------------------------------------- organisation

    def _organisation(self) -> None:
        for pos, inst in enumerate(self.institutions.values(), 1):
            self.uow.institutions.add(inst, pos)
        self.uow.entities.add_many([Entity(code, c, name) for code in self.institutions
                                    for c, name in self.entities[code]])
        for code in self.institutions:
            self.uow.periods.add(self._open_period(code))
            self.uow.periods.add(self._closed_period(code))
            for back, _, _ in PAST_YEARS[:-1]:  # the last one is ``_closed_period``
                self.uow.periods.add(self._closed_period(code, back))
        for reason_code, text in RETURN_REASONS:
            self.uow.return_reasons.add(ReturnReason(reason_code, text))
        self.progress("excedentes: instituciones y periodos", 1, 1)

    def _open_period(self, code: str) -> Period:
        return Period(code, self.year, True, date(self.year, 1, 1), date(self.year, 12, 31))

    def _closed_period(self, code: str, back: int = 1) -> Period:
        year = self.year - back
        closed = datetime(year, 12, 15, 18, 0, tzinfo=timezone.utc)
        return Period(code, year, False, date(year, 2, 1), date(year, 11, 30), closed)

    # ----------------------------------------------------------------- catalogs

    def _catalogs(self) -> None:
        for n, (code, inst) in enumerate(self.institutions.items(), 1):
            products = self._catalog_of(inst)
            merged = self.uow.catalog.merge_products(products)
            ids = list(merged.product_ids)
            self.products[code] = ids
            for p, pid in zip(products, ids):
                self.by_name[(code, p.group.name, p.name)] = pid
            self.progress("excedentes: catálogos", n, len(self.institutions))

    def _catalog_of(self, inst: Institution) -> list[Product]:
        service = Service(inst.code, SERVICE)
        out: list[Product] = []
        guide_by_group: dict[str, list[tuple[str, str, str]]] = {}
        for group, spec, name, uom in GUIDE_PRODUCTS:
            guide_by_group.setdefault(group, []).append((spec, name, uom))
        for group_name, (specs, uom) in GROUPS.items():
            group = ServiceGroup(service, group_name)
            self.groups[(inst.code, group_name)] = group
            spec_objs = [Specialty(group, s) for s in specs]
            for s in spec_objs:
                self.specialties[(inst.code, group_name, s.name)] = s
            guide = guide_by_group.get(group_name, [])
            seen = set()
            for spec, name, unit in guide:
                specialty = (self.specialties[(inst.code, group_name, spec)]
                             if inst.has_specialty_level else None)
                out.append(Product(None, name, unit, group, specialty))
                seen.add(name.casefold())
            size = GROUP_SIZES[group_name][1 if self.national else 0]
            names = [n for n in generated_names(group_name) if n.casefold() not in seen]
            random.Random(f"{SEED}:{group_name}").shuffle(names)
            for i, name in enumerate(names[:max(0, size - len(guide))]):
                specialty = spec_objs[i % len(spec_objs)] if inst.has_specialty_level else None
                out.append(Product(None, name, uom, group, specialty))
        return out

    # ----------------------------------------------------------------- units

    def _units(self) -> None:
        for named in (SS_NAMED_BC, IMSSB_NAMED_CL, *ISSSTE_NAMED.values(),
                      *IMSS_NAMED.values()):
            for clues, _, _ in named:
                self.clues.reserve(clues)
        all_units: list[MedicalUnit] = []
        for inst in self.institutions:
            for code, name, prefix in entities_of(inst):
                units = self._units_of(inst, code, prefix)
                self.units[(inst, code)] = units
                all_units += units
        total = len(all_units)
        step = 5000
        for i in range(0, total, step):
            self.uow.units.add_many(all_units[i:i + step])
            self.progress("excedentes: unidades médicas", min(total, i + step), total)

    def _named(self, inst: str, code: str) -> tuple[tuple[str, str, str], ...]:
        if inst == "SS" and code == "BC":
            return SS_NAMED_BC
        if inst == "IMSSB" and code == "CL":
            return IMSSB_NAMED_CL
        if inst == "ISSSTE":
            return ISSSTE_NAMED.get(code, ())
        if inst == "IMSS":
            return IMSS_NAMED.get(code, ())
        return ()

    def _unit_count(self, inst: str, code: str, prefix: str, named: int) -> int:
        rng = self.rng
        if inst == "PEMEX":
            if prefix not in PEMEX_STATES[: 16 if self.national else 8]:
                return 0
            return rng.randint(2, 7) if self.national else rng.randint(1, 3)
        if not self.national:
            if named:
                return named
            return {"SS": rng.randint(6, 10), "IMSS": rng.randint(4, 7),
                    "IMSSB": rng.randint(4, 6), "ISSSTE": rng.randint(3, 5)}[inst]
        if inst == "SS":
            n = SS_UNITS[prefix]
        elif inst == "IMSS":
            n = IMSS_UNITS[code]
        elif inst == "IMSSB":
            n = rng.randint(30, 110)
        else:
            n = ISSSTE_UNITS.get(prefix) or rng.randint(20, 60)
        return max(n, named)

    def _units_of(self, inst: str, code: str, prefix: str) -> list[MedicalUnit]:
        named = self._named(inst, code)
        count = self._unit_count(inst, code, prefix, len(named))
        units = [MedicalUnit(c, n, lvl, code, inst) for c, n, lvl in named]
        clues_prefix = prefix + INSTITUTION_PREFIX[inst]
        state = STATE_BY_PREFIX[prefix]
        for i in range(count - len(units)):
            name, level = self._unit_name(inst, state.capital, i)
            units.append(MedicalUnit(self.clues.new(clues_prefix), name, level, code, inst))
        return units

    def _unit_name(self, inst: str, capital: str, i: int) -> tuple[str, str]:
        rng = self.rng
        roll = rng.random()
        place = rng.choice(PLACES)
        if inst == "IMSS":
            city = capital if rng.random() < 0.5 else place.title()
            if roll < 0.6:
                return f"{rng.choice(IMSS_KINDS_1)} {rng.randint(1, 99)}, {city}", "PRIMER NIVEL"
            if roll < 0.95:
                return f"{rng.choice(IMSS_KINDS_2)} {rng.randint(1, 99)}, {city}", "SEGUNDO NIVEL"
            return f"{rng.choice(IMSS_KINDS_3)} {rng.randint(1, 40)}, {capital}", "TERCER NIVEL"
        if inst == "PEMEX":
            kind, level = PEMEX_KINDS[min(len(PEMEX_KINDS) - 1, int(roll * 4))]
            return f"{kind} {capital.upper()}" + (f" {i + 1}" if i else ""), level
        if inst == "ISSSTE":
            if roll < 0.8:
                return f"{place} {rng.randint(1, 3)}", "PRIMER NIVEL"
            if roll < 0.97:
                return f"{rng.choice(ISSSTE_KINDS_2)} {place}", "SEGUNDO NIVEL"
            return f"{ISSSTE_KINDS_3[0]} {capital.upper()}", "TERCER NIVEL"
        if roll < 0.85:
            kind = rng.choice(SS_KINDS_1)
            if kind.endswith("NO."):
                return f"{kind} {rng.randint(1, 40)}", "PRIMER NIVEL"
            return f"{kind} {place}", "PRIMER NIVEL"
        if roll < 0.98:
            return f"{rng.choice(SS_KINDS_2)} {place}", "SEGUNDO NIVEL"
        return f"{rng.choice(SS_KINDS_3)} {capital.upper()}", "TERCER NIVEL"

    # ----------------------------------------------------------------- the collection

    def _collection(self) -> None:
        prepared = {(i, c): s for i, c, s in PREPARED}
        plan: list[tuple[str, str, str]] = []
        weights = ((NOT_STARTED, 12), (PRELIMINARY, 3), (ANSWERED_NO, 5), (FINAL_NO, 3),
                   (CAPTURING, 42), (FINAL, 20), (SIGNED, 15))
        for inst in self.institutions:
            for code, _, _ in entities_of(inst):
                if (inst, code) in prepared:
                    plan.append((inst, code, prepared[(inst, code)]))
                elif self.national:
                    state = self.rng.choices([w[0] for w in weights],
                                             [w[1] for w in weights])[0]
                    if state not in (NOT_STARTED, ANSWERED_NO, FINAL_NO) and \
                            not self.units[(inst, code)]:
                        state = ANSWERED_NO
                    plan.append((inst, code, state))
        with_records = [(i, c) for i, c, s in plan
                        if s in (CAPTURING, FINAL, SIGNED, RETURNED, ACCEPTED)]
        units_with = {key: self._units_with_records(key) for key in with_records}
        n_units = sum(len(v) for v in units_with.values()) or 1
        per_unit = NATIONAL_RECORDS / n_units if self.national else 4
        for n, (inst, code, state) in enumerate(plan, 1):
            self._entity(inst, code, state, units_with.get((inst, code), []), per_unit)
            self.progress("excedentes: registros de las entidades", n, len(plan))
        self._previous_year()
        self._quality_notes()

    def _units_with_records(self, key: tuple[str, str]) -> list[MedicalUnit]:
        units = self.units[key]
        if not units:
            return []
        named = {"SS:BC": ("BCSSA001346", "BCSSA000633", "BCSSA000970", "BCSSA001152"),
                 "IMSS:HG": ("HGIMS000012", "HGIMS000024", "HGIMS000036", "HGIMS000045"),
                 "IMSSB:CL": ("CLSSA002192", "CLSSA002471"),
                 "ISSSTE:CC": tuple(u[0] for u in ISSSTE_NAMED["CC"][:8])}.get(":".join(key))
        if named:
            return [u for u in units if u.clues in named]
        if not self.national:
            return self.rng.sample(units, min(len(units), self.rng.randint(1, 3)))
        share = self.rng.uniform(0.06, 0.2)
        return self.rng.sample(units, max(1, min(len(units), round(len(units) * share))))

    def _clock_for(self, days_ago_max: int = 40) -> FixedClock:
        now = self.clock.now()
        day_of_year = self.clock.today().timetuple().tm_yday - 1
        back = timedelta(days=self.rng.randint(0, max(0, min(days_ago_max, day_of_year - 1))),
                         minutes=self.rng.randint(0, 600))
        return FixedClock(max(now - back, datetime.combine(date(self.year, 1, 1), time(18),
                                                           tzinfo=timezone.utc)))

    def _entity(self, inst: str, code: str, state: str, units: list[MedicalUnit],
                per_unit: float) -> None:
        if state == NOT_STARTED:
            return
        period = self._open_period(inst)
        clock = self._clock_for()
        report = EntityReport.start(code, period)
        if state in (ANSWERED_NO, FINAL_NO):
            report.set_answer(Answer.NO, clock)
        else:
            report.set_answer(Answer.YES, clock)
        if state in (CAPTURING, FINAL, SIGNED, RETURNED, ACCEPTED):
            scripted = _SCRIPTED.get(f"{inst}:{code}", {})
            for unit in units:
                recs = self._scripted_records(inst, unit.clues, scripted.get(unit.clues)) \
                    if unit.clues in scripted else self._random_records(inst, unit.clues,
                                                                        per_unit)
                report.save_unit_records(unit.clues, {r.product_id for r in recs}, recs, clock)
                self.records_total += len(recs)
        if state in (FINAL, FINAL_NO, SIGNED, RETURNED, ACCEPTED):
            clock.advance(timedelta(hours=self.rng.randint(1, 48)))
            report.finalize(clock, capturista_username(inst, code))
        if state in (SIGNED, RETURNED, ACCEPTED):
            clock.advance(timedelta(hours=self.rng.randint(2, 72)))
            self._attach_signed(inst, code, report, clock)
        if state == ACCEPTED:
            clock.advance(timedelta(hours=3))
            report.accept(clock, coordinador_username(inst))
        if state == RETURNED:
            clock.advance(timedelta(hours=5))
            report.return_for_correction(
                ReturnReason(*RETURN_REASONS[0]),
                "Faltan las unidades de segundo nivel de la Jurisdicción 2; complételas, "
                "finalice y suba de nuevo el reporte firmado.", clock,
                coordinador_username(inst))
        self.uow.reports.add(report)

    def _attach_signed(self, inst: str, code: str, report: EntityReport, clock: Clock) -> None:
        institution = self.institutions[inst]
        title = institution.entity_title(_entity_name(inst, code))
        content = tiny_pdf("Reporte firmado (demostración)",
                           [title, f"Folio: {report.folio}",
                            f"Huella: {report.final_fingerprint}",
                            institution.signature_labels[0], institution.signature_labels[1]])
        name = f"reporte-final-firmado-{inst}-{code}.pdf"
        storage = self.storage.for_institution(inst, institution.storage_backend)
        stored = storage.put(f"excedentes/signed/{inst}/{report.year}/{code}",
                             io.BytesIO(content), content_type=PDF_CONTENT_TYPE,
                             original_name=name, size=len(content))
        report.attach_signed_report(
            SignedReportFile(stored.key, name, stored.size, stored.sha256, PDF_CONTENT_TYPE,
                             storage.backend),
            institution.signed_report_policy, clock, capturista_username(inst, code))

    def _random_records(self, inst: str, clues: str, per_unit: float) -> list[Record]:
        rng = self.rng
        pool = self.products[inst]
        k = max(1, min(len(pool), round(rng.uniform(0.5, 1.5) * per_unit)))
        out: list[Record] = []
        for pid in rng.sample(pool, k):
            shortage = rng.random() < 0.65
            modality = Modality.OUTPATIENT if rng.random() < 0.7 else Modality.INPATIENT
            events = rng.choice((1, 2, 3, 4, 5, 6, 8, 10, 12, 15, 20, 25, 30, 40, 50, 60, 100))
            patients = max(1, min(events * rng.randint(1, 3), 999))
            out.append(Record(clues, pid, RecordKind.SHORTAGE if shortage else RecordKind.SURPLUS,
                              modality, events, patients,
                              rng.choice(list(Cause)) if shortage else None))
            if rng.random() < 0.05:  # now and then the other modality, of the other kind
                other = Modality.INPATIENT if modality is Modality.OUTPATIENT else \
                    Modality.OUTPATIENT
                out.append(Record(clues, pid,
                                  RecordKind.SURPLUS if shortage else RecordKind.SHORTAGE,
                                  other, events, patients,
                                  None if shortage else rng.choice(list(Cause))))
        return out

    def _scripted_records(self, inst: str, clues: str,
                          lines: Sequence[tuple]) -> list[Record]:
        out = []
        for group, product, kind, modality, events, patients, cause in lines:
            pid = self.by_name[(inst, group, product)]
            out.append(Record(clues, pid, kind, modality, events, patients, cause))
        return out

    def _previous_year(self) -> None:
        """Earlier periods on record (three years): most entities finalized, signed and were
        accepted, some after the window's end, so completeness has a trend to show. The
        guides' sample entities report records; the rest answer NO or a few records."""
        samples = {("SS", "BC"), ("SS", "BS"), ("IMSS", "HG"), ("ISSSTE", "CC")}
        for back, finalized_share, late_share in PAST_YEARS:
            year = self.year - back
            for inst, institution in self.institutions.items():
                signed = self._past_signed_file(inst, year)
                for code, _, _ in entities_of(inst):
                    sample = (inst, code) in samples and back == 1
                    if not sample and self.rng.random() > finalized_share:
                        continue
                    late = not sample and self.rng.random() < late_share
                    self._past_report(inst, code, back, sample, late, signed,
                                      institution.signed_report_policy)
            self.progress("excedentes: periodos anteriores", 4 - back, len(PAST_YEARS))

    def _past_signed_file(self, inst: str, year: int) -> SignedReportFile:
        """One stored signed copy per institution and year, shared by its past reports
        (the demo's history needs a real file to open, not one per entity)."""
        institution = self.institutions[inst]
        content = tiny_pdf("Reporte firmado (demostración)",
                           [institution.name, f"Periodo {year}"])
        name = f"reporte-final-firmado-{inst}-{year}.pdf"
        storage = self.storage.for_institution(inst, institution.storage_backend)
        stored = storage.put(f"excedentes/signed/{inst}/{year}/demo", io.BytesIO(content),
                             content_type=PDF_CONTENT_TYPE, original_name=name,
                             size=len(content))
        return SignedReportFile(stored.key, name, stored.size, stored.sha256, PDF_CONTENT_TYPE,
                                storage.backend)

    def _past_report(self, inst: str, code: str, back: int, sample: bool, late: bool,
                     signed: SignedReportFile, policy: Any) -> None:
        closed = self._closed_period(inst, back)
        year = closed.year
        assert closed.window_end is not None
        day = (closed.window_end + timedelta(days=self.rng.randint(1, 24)) if late
               else closed.window_end - timedelta(days=self.rng.randint(0, 40)))
        clock = FixedClock(datetime.combine(day, time(17), tzinfo=timezone.utc))
        # replayed while it was open (a late one: after the coordinador extended the window)
        report = EntityReport.start(code, attrs.evolve(attrs_open(closed), window_end=None))
        units = self.units[(inst, code)][:2 if sample else 1]
        yes = sample or (units and self.rng.random() < 0.3)
        report.set_answer(Answer.YES if yes else Answer.NO, clock)
        if yes:
            for unit in units:
                recs = self._random_records(inst, unit.clues, 3 if sample else 2)
                report.save_unit_records(unit.clues, {r.product_id for r in recs}, recs, clock)
                self.records_total += len(recs)
            # the guides' sample units also reported last year: "Copiar los valores del periodo
            # anterior" has something to copy, and a value far from last year's is warned
            if sample:
                for clues, lines in _SCRIPTED_PREVIOUS.get(f"{inst}:{code}", {}).items():
                    if any(u.clues == clues for u in self.units[(inst, code)]):
                        recs = self._scripted_records(inst, clues, lines)
                        report.save_unit_records(clues, {r.product_id for r in recs}, recs, clock)
                        self.records_total += len(recs)
        report.finalize(clock, capturista_username(inst, code))
        clock.advance(timedelta(hours=self.rng.randint(2, 30)))
        report.attach_signed_report(signed, policy, clock, capturista_username(inst, code))
        clock.advance(timedelta(days=self.rng.randint(1, 6)))
        if self.rng.random() < 0.92 or sample:
            report.accept(clock, coordinador_username(inst))
        self.uow.reports.add(attrs.evolve(report, period=closed))

    def _quality_notes(self) -> None:
        """The outliers of the demo, judged by the product's own rules against last year: kept
        with the capturista's comment, as a real save would (the coordinador's list)."""
        for (inst, code), (clues, comment) in _QUALITY_COMMENTS.items():
            unit = next((u for u in self.units[(inst, code)] if u.clues == clues), None)
            report = self.uow.reports.get(inst, code, self.year)
            if unit is None or report is None:
                continue
            rows = list(rows_from_records(report.records_of(clues)).values())
            contexts = self.uow.quality.contexts(inst, code, self.year, clues, unit.level,
                                                 [r.product_id for r in rows])
            verdict = judge_rows(rows, contexts, {r.product_id: comment for r in rows},
                                 OutlierThresholds())
            notes = {pid: n for pid, n in verdict.notes.items() if n.outlier}
            self.uow.quality.save_notes(inst, code, self.year, clues, notes,
                                        capturista_username(inst, code), self.clock.now())

    # ----------------------------------------------------------------- product requests

    def _requests(self) -> None:
        clock = self._clock_for(10)
        ss, imss = self.institutions["SS"], self.institutions["IMSS"]
        dental = self.groups[("SS", "Atención Estomatológica")]
        pending = ProductRequest.file(
            entity_code="BC", requested_by=capturista_username("SS", "BC"),
            product_name="Colocación de implante dental", unit_of_measure="Procedimiento",
            group=dental,
            specialty=self.specialties[("SS", "Atención Estomatológica",
                                        "Consulta externa Odontología")],
            justification="La unidad realiza el procedimiento y no aparece en el catálogo.",
            clock=clock)
        self.uow.requests.add(pending)
        rejected = ProductRequest.file(
            entity_code="BC", requested_by=capturista_username("SS", "BC"),
            product_name="Extracción de diente temporal", unit_of_measure="Consulta",
            group=dental,
            specialty=self.specialties[("SS", "Atención Estomatológica",
                                        "Consulta externa Odontología")],
            justification="Se solicita para registrar faltantes.", clock=clock)
        self.uow.requests.add(rejected)
        rejected.reject(coordinador_username("SS"),
                        "Ya existe en el catálogo como «Extracción de diente caduco».", clock)
        self.uow.requests.update(rejected)
        accepted = ProductRequest.file(
            entity_code="HG", requested_by=capturista_username("IMSS", "HG"),
            product_name="Tomografía por emisión de positrones (PET-CT)",
            unit_of_measure="Estudio", group=self.groups[("IMSS", "Medicina Nuclear")],
            justification="Estudio que la OOAD envía a otra unidad cada mes.", clock=clock)
        self.uow.requests.add(accepted)
        product = accepted.accept(coordinador_username("IMSS"), clock,
                                  has_specialty_level=imss.has_specialty_level)
        pid = self.uow.catalog.merge_products([product]).product_ids[0]
        self.uow.requests.update(accepted, product_id=pid)
        assert ss.has_specialty_level
        self.progress("excedentes: solicitudes de producto", 1, 1)


def attrs_open(period: Period) -> Period:
    """The same period while it was open (to replay last year's capture)."""
    return Period(period.institution_code, period.year, True, period.window_start,
                  period.window_end, None)


_S, _X = RecordKind.SHORTAGE, RecordKind.SURPLUS
_AMB, _HOS = Modality.OUTPATIENT, Modality.INPATIENT
_LAB = "Laboratorio de análisis clínicos"

# The guides' sample reports: {entity: {CLUES: [(group, product, kind, modality, events,
# patients, cause)]}} (the IMSS sample printed 0 patients, which the rules refuse now).
# Last year's values of the guides' sample units (see ``_previous_year``).
_SCRIPTED_PREVIOUS: dict[str, dict[str, list[tuple]]] = {
    "SS:BC": {
        "BCSSA001152": [("Cirugía", "Anestesia", _S, _AMB, 4, 6, Cause.LACK_OF_STAFF),
                        ("Cirugía", "Dilatación de esófago", _X, _AMB, 2, 3, None)],
    },
    "IMSS:HG": {
        "HGIMS000012": [("Radioterapia", "IMPLANTACION O INSERCIÓN DE ELEMENTOS RADIOACTIVOS",
                         _S, _AMB, 60, 6, Cause.LACK_OF_EQUIPMENT)],
    },
}
# The comment each outlier of these units was kept with.
_QUALITY_COMMENTS: dict[tuple[str, str], tuple[str, str]] = {
    ("IMSS", "HG"): ("HGIMS000012", "El acelerador lineal estuvo fuera de servicio todo el año: "
                                    "se acumuló la demanda de los tres hospitales de la zona."),
}

_SCRIPTED: dict[str, dict[str, list[tuple]]] = {
    "SS:BC": {
        "BCSSA001346": [("Cirugía", "Anestesia", _S, _AMB, 10, 10, Cause.LACK_OF_EQUIPMENT)],
        "BCSSA000633": [("Consulta", "Artrocentesis", _S, _HOS, 11, 12, Cause.LACK_OF_SERVICE)],
        "BCSSA000970": [
            ("Cirugía", "Creación de conducto entre el ventrículo derecho y la arteria pulmonar",
             _S, _HOS, 12, 45, Cause.LACK_OF_EQUIPMENT),
            ("Cirugía", "Cierre de uretostomía", _S, _AMB, 10, 10, Cause.LACK_OF_SERVICE),
            ("Cirugía", "Dilatación de esófago", _X, _AMB, 12, 12, None)],
        "BCSSA001152": [("Cirugía", "Amigdalectomía con o sin adenoidectomía", _S, _AMB, 10, 10,
                         Cause.LACK_OF_SERVICE)],
    },
    "IMSS:HG": {
        "HGIMS000012": [
            ("Radioterapia", "IMPLANTACION O INSERCIÓN DE ELEMENTOS RADIOACTIVOS", _S, _AMB,
             6000, 60, Cause.LACK_OF_EQUIPMENT),
            ("Radioterapia", "Braquiterapia manual (hospitalización 72-120 hrs)", _X, _HOS, 5000,
             50, None),
            ("Radioterapia", "Braquiterapia", _X, _AMB, 4000, 40, None),
            ("Radioterapia", "TELERRADIOTERAPIA CON RADIOISOTOPOS", _X, _AMB, 500, 25, None)],
        "HGIMS000024": [
            ("Medicina Nuclear", "Flebogramografía y pulmonar perfusor (fleboctelografía).", _S,
             _HOS, 12000, 120, Cause.LACK_OF_EQUIPMENT),
            ("Medicina Nuclear", "Flebogramografía radioisotópica.", _S, _AMB, 11000, 110,
             Cause.LACK_OF_EQUIPMENT),
            ("Hospitalización", "CONTROL DE HEMORRAGIA DESPUÉS DE AMIGDALECTOMIA Y "
             "ADENOIDECTOMIA", _S, _HOS, 4000, 40, Cause.LACK_OF_EQUIPMENT),
            ("Hospitalización", "CONGELACIÓN GÁSTRICA", _S, _AMB, 3000, 30,
             Cause.LACK_OF_EQUIPMENT),
            ("Medicina Nuclear", "Cistogramografía radioisotópica indirecta/directa.", _X, _HOS,
             10000, 100, None)],
    },
    "ISSSTE:CC": {
        "CCIST000016": [
            ("Imagenología", "Abdomen simple (radiografía)", _S, _AMB, 1, 60,
             Cause.LACK_OF_SERVICE),
            (_LAB, "Albúmina", _S, _AMB, 1, 5, Cause.LACK_OF_SERVICE),
            (_LAB, "Albumina en orina.", _S, _AMB, 1, 5, Cause.LACK_OF_SERVICE),
            (_LAB, "Albúmina en sangre.", _S, _AMB, 1, 10, Cause.LACK_OF_SERVICE),
            (_LAB, "Amiba en fresco.", _S, _AMB, 1, 5, Cause.LACK_OF_SERVICE),
            ("Imagenología", "Antebrazo adulto (radiografía)", _S, _AMB, 1, 20,
             Cause.LACK_OF_SERVICE),
            (_LAB, "Antígeno prostático psa libre", _S, _AMB, 1, 10, Cause.LACK_OF_SERVICE),
            (_LAB, "Antígeno prostático psa total", _S, _AMB, 1, 10, Cause.LACK_OF_SERVICE),
            (_LAB, "Bilirubina total.", _S, _AMB, 1, 5, Cause.LACK_OF_SERVICE),
            (_LAB, "Citometría hemática completa.", _S, _AMB, 1, 30, Cause.LACK_OF_SERVICE),
            (_LAB, "Coagulación.", _S, _AMB, 1, 10, Cause.LACK_OF_SERVICE),
            (_LAB, "Colesterol total", _S, _AMB, 1, 40, Cause.LACK_OF_SERVICE),
            (_LAB, "Coprocultivo", _S, _AMB, 1, 10, Cause.LACK_OF_SERVICE),
            (_LAB, "Examen general de orina", _S, _AMB, 1, 60, Cause.LACK_OF_SERVICE)],
    },
}

