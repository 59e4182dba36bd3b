"""S16: imports of units, medicines (genéricos and claves), patients and folios from CSV or
XLSX files (admin; ``sanece-admin sanece import …``).

Each import reads the whole file through the ``SaneceFiles`` port (which refuses an unreadable
file or a missing column), validates every line (``Línea N: …`` for each problem, the header
being line 1) and, only when every line is right, writes everything in one transaction with
its audit entry: nothing is half-imported. Lines that describe what is already stored count as
unchanged, so that a file can be imported again.

- units: OOAD/UMAE and Unidad médica (created when new; names compared ignoring case, accents
  and spacing);
- medicines: Genérico, Clave, Descripción (a clave belongs to one genérico; a new description
  updates the clave's presentation text);
- patients: NSS, Agregado, surnames and Nombre(s) (a record with the same NSS and agregado but
  other names is refused: names change through a Cambio de datos);
- folios: one line per folio with its patient (by NSS and agregado), genérico, unit and
  evaluation (a folio already stored with other data is refused: folios change through the
  evaluation and the change requests).
"""

from __future__ import annotations

from pathlib import Path
from typing import Any, Callable, Iterable, TypeVar, cast

import attrs

from sanece.application.access import Actor, require_admin
from sanece.application.documents import (
    FolioImportRow,
    MedicineImportRow,
    PatientImportRow,
    UnitImportRow,
)
from sanece.application.inputs import parse_months, parse_optional_date, parse_quantity
from sanece.application.ports import SaneceFiles, SaneceUnitOfWork
from sanece.application.use_cases._common import UseCase, audit
from sanece.application.results import ImportSummary
from sanece.domain.model import Folio, Medicine, Patient
from sanece.domain.values import (
    DrugKey,
    DrugQuantity,
    EvaluationStatus,
    add_months,
    clean_text,
    folio_number_date,
    format_date,
    parse_aggregate,
    parse_drug_key,
    parse_folio_number,
    parse_name,
    parse_nss,
)
from shared.kernel.errors import DomainError
from shared.kernel.imports import LineError, raise_if_errors
from shared.kernel.text import fold_text

T = TypeVar("T")
# What a checked file will do (its counts) and the writes that do it, in the write transaction.
_Planned = tuple[ImportSummary, Callable[[SaneceUnitOfWork], None]]


def _nothing(uow: SaneceUnitOfWork) -> None:
    """The writes of a refused file."""


@attrs.define
class _Import(UseCase):
    files: SaneceFiles

    def _run(self, actor: Actor, what: str, read: Callable[[Path, str], Iterable[T]],
             path: Path, original_name: str | None,
             apply: Callable[[SaneceUnitOfWork, list[T], list[LineError]], _Planned]
             ) -> ImportSummary:
        require_admin(actor.scope)
        name = original_name or Path(path).name
        # The file is read before any transaction starts (SQLite writers queue on it).
        rows = list(read(Path(path), name))
        # Every line is checked in a read-only unit: on SQLite it takes no write lock, so a
        # long file never stalls the other users; a refused file never takes the lock at all.
        read_only = cast(Callable[..., SaneceUnitOfWork], self.uow_factory)
        with read_only(read_only=True) as checking:
            errors: list[LineError] = []
            summary, write = apply(checking, rows, errors)
        raise_if_errors(errors)
        # Then one short write transaction, all or nothing. Imports are an administrator's
        # occasional task: a folio or clave imported by someone else in between is refused by
        # the tables' keys (the whole file rolls back); two admins importing the same new
        # patients at once could both add them, which a homologación then merges.
        with self.uow_factory() as uow:
            write(uow)
            audit(uow, self.clock, actor, f"{what}_imported", "sanece_import", what,
                  after={"file": name, "lines": len(rows), "created": summary.created,
                         "updated": summary.updated, "unchanged": summary.unchanged})
            uow.commit()
        return summary


def _problem(errors: list[LineError], line: int, fn: Callable[[], T]) -> T | None:
    """Run one parse; a domain refusal becomes a line error (so every field is reported)."""
    try:
        return fn()
    except DomainError as exc:
        errors.append(LineError(line, exc.message))
        return None


def _required(errors: list[LineError], line: int, value: str, label: str) -> str | None:
    text = " ".join(str(value or "").split())
    if not text:
        errors.append(LineError(line, f"Falta {label}."))
        return None
    return text


# --------------------------------------------------------------------------- units


@attrs.define
class ImportUnits(_Import):
    def __call__(self, actor: Actor, path: Path, original_name: str | None = None
                 ) -> ImportSummary:
        return self._run(actor, "units", self.files.read_units, path, original_name,
                         self._apply)

    def _apply(self, uow: SaneceUnitOfWork, rows: list[UnitImportRow],
               errors: list[LineError]) -> _Planned:
        seen: dict[tuple[str, str], int] = {}
        valid: list[tuple[str, str]] = []
        for row in rows:
            ooad = _required(errors, row.line, row.ooad, "la OOAD/UMAE")
            unit = _required(errors, row.line, row.unit, "la unidad médica")
            if ooad is None or unit is None:
                continue
            key = (fold_text(ooad), fold_text(unit))
            if key in seen:
                errors.append(LineError(row.line, f"Unidad repetida: ya aparece en la línea "
                                                  f"{seen[key]}."))
                continue
            seen[key] = row.line
            valid.append((ooad, unit))
        if errors:
            return ImportSummary(0, 0, 0), _nothing
        created = 0
        for ooad_name, unit_name in valid:
            ooad = uow.ooads.find(ooad_name)
            if ooad is None or uow.units.find(ooad.id, unit_name) is None:
                created += 1

        def write(w: SaneceUnitOfWork) -> None:
            for ooad_name, unit_name in valid:
                ooad = w.ooads.find(ooad_name) or w.ooads.add(ooad_name)
                if w.units.find(ooad.id, unit_name) is None:
                    w.units.add(ooad.id, unit_name)

        return ImportSummary(created, 0, len(valid) - created), write


# --------------------------------------------------------------------------- medicines


@attrs.define
class ImportMedicines(_Import):
    def __call__(self, actor: Actor, path: Path, original_name: str | None = None
                 ) -> ImportSummary:
        return self._run(actor, "medicines", self.files.read_medicines, path, original_name,
                         self._apply)

    def _apply(self, uow: SaneceUnitOfWork, rows: list[MedicineImportRow],
               errors: list[LineError]) -> _Planned:
        in_file: dict[str, tuple[str, int]] = {}  # key -> (folded genérico, line)
        valid: list[tuple[str, DrugKey]] = []
        for row in rows:
            generic = _required(errors, row.line, row.generic, "el genérico")
            code = _problem(errors, row.line, lambda: parse_drug_key(row.key))
            description = _problem(errors, row.line,
                                   lambda: clean_text(row.description, "descripción", 300))
            if generic is None or code is None or description is None:
                continue
            if code in in_file:
                errors.append(LineError(row.line, f"Clave {code} repetida: ya aparece en la "
                                                  f"línea {in_file[code][1]}."))
                continue
            in_file[code] = (fold_text(generic), row.line)
            owner = uow.medicines.owner_of_key(code)
            if owner is not None:
                current = uow.medicines.get(owner)
                if current is not None and fold_text(current.name) != fold_text(generic):
                    errors.append(LineError(row.line, f"La clave {code} ya pertenece al "
                                                      f"genérico {current.name}."))
                    continue
            valid.append((generic, DrugKey(code, description)))
        if errors:
            return ImportSummary(0, 0, 0), _nothing
        created = updated = unchanged = 0
        for generic, key in valid:
            found = uow.medicines.find(generic)
            existing = {k.code: k for k in found.keys} if found else {}
            if key.code not in existing:
                created += 1
            elif existing[key.code].description != key.description:
                updated += 1
            else:
                unchanged += 1

        def write(w: SaneceUnitOfWork) -> None:
            for generic, key in valid:
                medicine = w.medicines.find(generic) or w.medicines.add(generic)
                existing = {k.code: k for k in medicine.keys}
                if key.code not in existing:
                    w.medicines.add_key(medicine.id, key)
                elif existing[key.code].description != key.description:
                    w.medicines.update_key(medicine.id, key)

        return ImportSummary(created, updated, unchanged), write


# --------------------------------------------------------------------------- patients

_NAME_FIELDS = (("paternal_surname", "apellido paterno"), ("maternal_surname", "apellido materno"),
                ("given_names", "nombre"))


@attrs.define
class ImportPatients(_Import):
    def __call__(self, actor: Actor, path: Path, original_name: str | None = None
                 ) -> ImportSummary:
        return self._run(actor, "patients", self.files.read_patients, path, original_name,
                         self._apply)

    def _apply(self, uow: SaneceUnitOfWork, rows: list[PatientImportRow],
               errors: list[LineError]) -> _Planned:
        seen: dict[tuple[str, str], int] = {}
        new: list[Patient] = []
        unchanged = 0
        for row in rows:
            before = len(errors)
            nss = _problem(errors, row.line, lambda: parse_nss(row.nss))
            aggregate = _problem(errors, row.line, lambda: parse_aggregate(row.aggregate))
            names = {attr: _problem(errors, row.line,
                                    lambda a=attr, lab=label: parse_name(getattr(row, a), lab))
                     for attr, label in _NAME_FIELDS}
            if len(errors) > before or nss is None or aggregate is None:
                continue
            key = (nss, aggregate)
            if key in seen:
                errors.append(LineError(row.line, f"Paciente {nss} - {aggregate} repetido: ya "
                                                  f"aparece en la línea {seen[key]}."))
                continue
            seen[key] = row.line
            patient = Patient(nss=nss, aggregate=aggregate, **names)
            same = [p for p in uow.patients.by_nss(nss)
                    if not p.is_merged and p.aggregate == aggregate]
            if not same:
                new.append(patient)
            elif any(_same_names(p, patient) for p in same):
                unchanged += 1
            else:
                errors.append(LineError(row.line, f"Ya existe el paciente {nss} - {aggregate} "
                                                  f"con otro nombre ({same[0].full_name}); los "
                                                  "datos se corrigen con una solicitud de "
                                                  "cambio de datos."))
        if errors:
            return ImportSummary(0, 0, 0), _nothing

        def write(w: SaneceUnitOfWork) -> None:
            w.patients.add_many(new)

        return ImportSummary(len(new), 0, unchanged), write


def _same_names(a: Patient, b: Patient) -> bool:
    return all(getattr(a, f) == getattr(b, f) for f, _ in _NAME_FIELDS)


# --------------------------------------------------------------------------- folios

STATUS_BY_LABEL = {fold_text(s.label): s for s in EvaluationStatus} | {
    fold_text(s.value): s for s in EvaluationStatus}


@attrs.define
class ImportFolios(_Import):
    def __call__(self, actor: Actor, path: Path, original_name: str | None = None
                 ) -> ImportSummary:
        return self._run(actor, "folios", self.files.read_folios, path, original_name,
                         self._apply)

    def _apply(self, uow: SaneceUnitOfWork, rows: list[FolioImportRow],
               errors: list[LineError]) -> _Planned:
        lookups = _Lookups(uow)
        seen: dict[str, int] = {}
        new: list[Folio] = []
        unchanged = 0
        for row in rows:
            before = len(errors)
            folio = self._folio(row, lookups, errors)
            if folio is None or len(errors) > before:
                continue
            if folio.number in seen:
                errors.append(LineError(row.line, f"Folio {folio.number} repetido: ya aparece "
                                                  f"en la línea {seen[folio.number]}."))
                continue
            seen[folio.number] = row.line
            stored = uow.folios.get(folio.number)
            if stored is None:
                new.append(folio)
            elif _folio_data(stored) == _folio_data(folio):
                unchanged += 1
            else:
                errors.append(LineError(row.line, f"El folio {folio.number} ya existe con otros "
                                                  "datos; los folios cambian con la evaluación "
                                                  "o con las solicitudes de cambio."))
        if errors:
            return ImportSummary(0, 0, 0), _nothing

        def write(w: SaneceUnitOfWork) -> None:
            w.folios.add_many(new)

        return ImportSummary(len(new), 0, unchanged), write

    def _folio(self, row: FolioImportRow, lk: "_Lookups", errors: list[LineError]
               ) -> Folio | None:
        line = row.line

        def err(message: str) -> None:
            errors.append(LineError(line, message))

        number = _problem(errors, line, lambda: parse_folio_number(row.folio))
        status = STATUS_BY_LABEL.get(fold_text(row.status))
        if status is None:
            err("El estatus debe ser Pendiente, Validada, No Validada o Baja.")
        evaluation = _problem(errors, line, lambda: parse_optional_date(
            row.evaluation_date, "fecha de evaluación"))
        if number is not None:
            encoded = folio_number_date(number)
            if evaluation is None:
                evaluation = encoded
            elif evaluation != encoded:
                err(f"La fecha de evaluación ({format_date(evaluation)}) debe coincidir con la "
                    f"fecha del folio ({format_date(encoded)}).")
        patient_id = lk.patient(row, err)
        medicine = lk.medicine(row.generic, err)
        unit_id = lk.unit(row.ooad, row.unit, err)
        keys = [self._key(row.key1, row.quantity1, medicine, line, errors),
                self._key(row.key2, row.quantity2, medicine, line, errors)]
        months = (_problem(errors, line, lambda: parse_months(row.period_months))
                  if str(row.period_months or "").strip() else None)
        expiry = _problem(errors, line, lambda: parse_optional_date(
            row.expiry_date, "fecha de vencimiento"))
        cancelled = _problem(errors, line, lambda: parse_optional_date(
            row.cancellation_date, "fecha de baja"))
        if expiry is None and months is not None and evaluation is not None:
            expiry = add_months(evaluation, months)
        texts = {k: _problem(errors, line, lambda k=k, lab=lab: clean_text(getattr(row, k), lab))
                 for k, lab in (("diagnosis", "diagnóstico"), ("requirement", "requerimiento"),
                                ("observations", "observaciones"))}
        if (number is None or status is None or evaluation is None or patient_id is None
                or medicine is None or unit_id is None or any(v is None for v in texts.values())):
            return None
        return _problem(errors, line, lambda: Folio(
            number=number, medicine_id=medicine.id, evaluation_date=evaluation,
            unit_id=unit_id, patient_id=patient_id, diagnosis=texts["diagnosis"] or "",
            status=status, key1=keys[0], key2=keys[1], requirement=texts["requirement"] or "",
            observations=texts["observations"] or "", period_months=months,
            expiry_date=expiry, cancellation_date=cancelled))

    @staticmethod
    def _key(code: str, quantity: str, medicine: Medicine | None, line: int,
             errors: list[LineError]) -> DrugQuantity | None:
        if not str(code or "").strip():
            if str(quantity or "").strip():
                errors.append(LineError(line, "Hay una cantidad sin su clave."))
            return None
        key = _problem(errors, line, lambda: parse_drug_key(code))
        if key is None:
            return None
        if medicine is not None and not medicine.has_key(key):
            _problem(errors, line, lambda: medicine.check_key(key))
            return None
        qty = _problem(errors, line, lambda: parse_quantity(quantity, key))
        return DrugQuantity(key, qty) if qty is not None else None


def _folio_data(folio: Folio) -> dict[str, Any]:
    data = attrs.asdict(folio, recurse=False)
    for bookkeeping in ("version", "changed_by", "changed_at"):
        data.pop(bookkeeping)
    return data


class _Lookups:
    """Name lookups of a folio import, cached (a file repeats its units and genéricos)."""

    def __init__(self, uow: SaneceUnitOfWork) -> None:
        self.uow = uow
        self.medicines: dict[str, Medicine | None] = {}
        self.units: dict[tuple[str, str], int | None] = {}
        self.patients: dict[str, list[Patient]] = {}  # by NSS, not merged

    def medicine(self, name: str, err: Callable[[str], None]) -> Medicine | None:
        key = fold_text(name)
        if not key:
            err("Falta el genérico.")
            return None
        if key not in self.medicines:
            self.medicines[key] = self.uow.medicines.find(name)
        found = self.medicines[key]
        if found is None:
            err(f"El genérico «{name.strip()}» no existe (importe primero los medicamentos).")
        return found

    def unit(self, ooad_name: str, unit_name: str, err: Callable[[str], None]) -> int | None:
        key = (fold_text(ooad_name), fold_text(unit_name))
        if not all(key):
            err("Faltan la OOAD/UMAE o la unidad médica.")
            return None
        if key not in self.units:
            ooad = self.uow.ooads.find(ooad_name)
            unit = self.uow.units.find(ooad.id, unit_name) if ooad else None
            self.units[key] = unit.id if unit else None
        found = self.units[key]
        if found is None:
            err(f"La unidad «{unit_name.strip()}» de la OOAD «{ooad_name.strip()}» no existe "
                "(importe primero las unidades).")
        return found

    def patient(self, row: FolioImportRow, err: Callable[[str], None]) -> int | None:
        try:
            key = (parse_nss(row.nss), parse_aggregate(row.aggregate))
        except DomainError as exc:
            err(exc.message)
            return None
        if key[0] not in self.patients:
            self.patients[key[0]] = [p for p in self.uow.patients.by_nss(key[0])
                                     if not p.is_merged]
        found = [p for p in self.patients[key[0]] if p.aggregate == key[1]]
        if not found:
            err(f"El paciente {key[0]} - {key[1]} no existe (importe primero los pacientes).")
            return None
        if len(found) > 1:
            err(f"Hay {len(found)} registros del paciente {key[0]} - {key[1]}: solicite su "
                "homologación antes de importar folios.")
            return None
        return found[0].id


__all__ = ["ImportFolios", "ImportMedicines", "ImportPatients", "ImportUnits"]
