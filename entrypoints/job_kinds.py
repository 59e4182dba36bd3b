"""The job kinds of this product: the bridge where the jobs capability (``shared.jobs``) meets
the contexts' use cases. Each kind is one object registered once (``job_kinds``); the pages,
the API, the CLI and the worker iterate over the registry.

The exports run the excedentes ``ExportRecords`` use case unchanged: its own scope rules decide
who may export what. At start, the same use case runs with an exporter that writes nothing (its
rows are a lazy query, never executed), so a request outside the user's scope is refused at once
with the use case's own answer instead of becoming a failed job.
"""

from __future__ import annotations

import time
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterable, Iterator, Mapping

import attrs

from excedentes.application.access import INSTITUTION_NOT_FOUND, Actor, EntityRef, require_manage
from excedentes.application.use_cases.catalog import CATALOG, UNITS, catalog_stale
from excedentes.application.use_cases.exports import ExportRecords, ExportRecordsCommand
from excedentes.application.use_cases.reports import PrintReportCommand
from exchange.application.model import ViewFilter, may_run
from exchange.application.use_cases import RunExchangeCommand
from exchange.domain.matching import ExchangeCriteria
from sanece.application.access import Actor as SaneceActor
from sanece.application.access import require_admin
from sanece.application.use_cases.documents import ExtractionCommand
from shared.jobs.application import JobKinds, JobOutput, JobProgress
from shared.jobs.domain import Requester
from shared.jobs.uploads import JobUploads
from shared.kernel.errors import DomainError, NotFound, PermissionDenied, ValidationError
from shared.kernel.scope import Actor as KernelActor
from shared.kernel.scope import Role, Scope
from shared.storage.domain import format_size

XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
PERIOD_REQUIRED = "Indique el periodo (año) a exportar."
INSTITUTION_REQUIRED = "Indique la institución a exportar."
DATES_REQUIRED = "Indique las fechas de inicio y fin (AAAA-MM-DD)."
NUMBER_EXPECTED = "«{name}» debe ser un número."
ENTITY_REQUIRED = "Indique la institución y la entidad del reporte."
FORMAT_UNKNOWN = "El formato debe ser «xlsx» (Excel) o «pdf»."
EXCHANGE_DENIED = "Solo un coordinador o un administrador puede correr un análisis de intercambio."
PDF = "application/pdf"
ROWS_PER_REPORT = 500  # progress is reported every this many rows


def _period(params: Mapping[str, Any]) -> int:
    value = params.get("period")
    if isinstance(value, str) and value.strip().isdigit():
        value = int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(PERIOD_REQUIRED, code="job_params_invalid")
    return value


def _institution(params: Mapping[str, Any]) -> str:
    value = params.get("institution")
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(INSTITUTION_REQUIRED, code="job_params_invalid")
    return value.strip().upper()


def _actor(requester: Requester) -> Actor:
    return Actor(requester.username, Scope(Role(requester.role), requester.scope_ref))


class _NoWrite:
    """The ``RecordsExporter`` of the start-time check: consumes nothing, writes nothing."""

    def write(self, rows: Iterable[Any], path: Path) -> int:
        return 0


@attrs.define
class _Counting:
    """The real exporter, with the rows counted as they stream by, to report progress from 5 %
    (rows start flowing) to 95 % (all written) against the tablero's count of records."""

    inner: Any  # RecordsExporter
    progress: JobProgress
    total: int

    def write(self, rows: Iterable[Any], path: Path) -> int:
        def counted() -> Iterator[Any]:
            n = 0
            for row in rows:
                n += 1
                if n % ROWS_PER_REPORT == 0:
                    share = min(n / max(self.total, 1), 1.0)
                    self.progress(5 + int(90 * share), "Escribiendo los registros")
                yield row

        return self.inner.write(counted(), path)  # type: ignore[no-any-return]


@attrs.define
class RecordsExportKind:
    """``national-export`` (the country, admin) and ``institution-export`` (one institution,
    its coordinador or an admin): the Excel of the records of a period (E14)."""

    name: str
    label: str
    roles: frozenset[str]
    national: bool
    read_model: Callable[[], Any]  # the excedentes read model (lazy: built on first use)
    exporter: Callable[[], Any]  # the XlsxWriter exporter

    def _command(self, params: Mapping[str, Any], path: Path) -> ExportRecordsCommand:
        return ExportRecordsCommand(_period(params), path,
                                    None if self.national else _institution(params))

    def prepare(self, requester: Requester, params: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(params, Mapping):
            raise ValidationError(PERIOD_REQUIRED, code="job_params_invalid")
        cmd = self._command(params, Path("unused.xlsx"))
        ExportRecords(self.read_model(), _NoWrite())(_actor(requester), cmd)
        out: dict[str, Any] = {"period": cmd.year}
        if cmd.institution_code:
            out["institution"] = cmd.institution_code.upper()
        return out

    def storage_scope(self, params: Mapping[str, Any]) -> str | None:
        return None if self.national else str(params.get("institution") or "") or None

    def describe(self, params: Mapping[str, Any]) -> str:
        if self.national:
            return f"Excel nacional de los registros ({params.get('period', '')})"
        return f"Excel de los registros de {params.get('institution', '')} ({params.get('period', '')})"

    def run(self, requester: Requester, params: Mapping[str, Any], out: Path,
            progress: JobProgress) -> JobOutput:
        rm = self.read_model()
        cmd = self._command(params, out)
        progress(1, "Contando los registros")
        codes = ([i.code for i in rm.institutions()] if cmd.institution_code is None
                 else [cmd.institution_code])
        total = sum(s.facts.record_count for code in codes for s in rm.dashboard(code, cmd.year))
        progress(5, "Consultando los registros")
        ExportRecords(rm, _Counting(self.exporter(), progress, total))(_actor(requester), cmd)
        scope = "nacional" if cmd.institution_code is None else cmd.institution_code.upper()
        return JobOutput(f"excedentes-faltantes-{scope}-{cmd.year}.xlsx", XLSX)


def _date(params: Mapping[str, Any], name: str) -> date:
    value = params.get(name)
    try:
        return value if isinstance(value, date) else date.fromisoformat(str(value))
    except ValueError:
        raise ValidationError(DATES_REQUIRED, code="job_params_invalid") from None


def _optional_int(params: Mapping[str, Any], name: str) -> int | None:
    value = params.get(name)
    if value is None or value == "":
        return None
    if isinstance(value, str) and value.strip().isdigit():
        return int(value)
    if not isinstance(value, int) or isinstance(value, bool):
        raise ValidationError(NUMBER_EXPECTED.format(name=name), code="job_params_invalid")
    return value


@attrs.define
class SaneceExtractionKind:
    """``sanece-extraction``: Exportar a Excel (S13) of a unit's evaluated folios, run by the
    SAnECE ``ExtractFolios`` use case unchanged (its scope and window rules decide, at start
    and again when it runs; it audits the extraction as the owner)."""

    extract: Callable[[], Any]  # ExtractFolios
    name: str = "sanece-extraction"
    label: str = "Extracción SAnECE a Excel"
    roles: frozenset[str] = frozenset({Role.DIRECTOR.value, Role.REVISOR.value,
                                       Role.EVALUADOR.value, Role.ADMIN.value})
    # The SAnECE menu is the guide's: its users reach the job from the Extracción page (and
    # «Mis descargas» from the job's page).
    in_menu: bool = False

    @staticmethod
    def _actor(requester: Requester) -> SaneceActor:
        return SaneceActor(requester.username, Scope(Role(requester.role), requester.scope_ref))

    @staticmethod
    def command(params: Mapping[str, Any]) -> ExtractionCommand:
        if not isinstance(params, Mapping):
            raise ValidationError(DATES_REQUIRED, code="job_params_invalid")
        return ExtractionCommand(_date(params, "start"), _date(params, "end"),
                                 _optional_int(params, "unit_id"),
                                 _optional_int(params, "medicine_id"),
                                 params.get("status") or None,
                                 params.get("mode") or "by_folio")

    def prepare(self, requester: Requester, params: Mapping[str, Any]) -> dict[str, Any]:
        c = self.extract().criteria(self._actor(requester), self.command(params))
        return {"start": c.window.start.isoformat(), "end": c.window.end.isoformat(),
                "unit_id": c.unit_id, "medicine_id": c.medicine_id,
                "status": c.status.value if c.status else None, "mode": c.mode.value}

    def storage_scope(self, params: Mapping[str, Any]) -> str | None:
        return None

    def describe(self, params: Mapping[str, Any]) -> str:
        by = "por paciente" if params.get("mode") == "by_patient" else "por folio"
        return (f"Extracción SAnECE de la unidad {params.get('unit_id', '')}, {by} "
                f"({params.get('start', '')} a {params.get('end', '')})")

    def run(self, requester: Requester, params: Mapping[str, Any], out: Path,
            progress: JobProgress) -> JobOutput:
        progress(5, "Consultando los folios")
        with open(out, "wb") as fh:
            result = self.extract()(self._actor(requester), self.command(params), fh)
        progress(95, f"{result.rows} filas escritas")
        return JobOutput(result.filename, XLSX)


@attrs.define
class ReportPdfKind:
    """``report-pdf``: an entity's report in PDF (Versión Final by default, or Preliminar), the
    excedentes ``PrintReport`` unchanged (readers of the entity; a final print is recorded with
    its folio and fingerprint). At start the use case builds the document's data once (its
    access and Paso 7 rules decide at once); the rendering, the long part, is the job's."""

    print_report: Callable[[], Any]
    name: str = "report-pdf"
    label: str = "Reporte en PDF de la entidad"
    roles: frozenset[str] = frozenset({Role.CAPTURISTA.value, Role.COORDINADOR.value,
                                       Role.ADMIN.value})

    @staticmethod
    def command(params: Mapping[str, Any]) -> PrintReportCommand:
        if not isinstance(params, Mapping):
            raise ValidationError(ENTITY_REQUIRED, code="job_params_invalid")
        inst, entity = params.get("institution"), params.get("entity")
        if not isinstance(inst, str) or not isinstance(entity, str) or not inst or not entity:
            raise ValidationError(ENTITY_REQUIRED, code="job_params_invalid")
        try:
            ref = EntityRef(inst, entity)
        except ValueError:
            raise ValidationError(ENTITY_REQUIRED, code="job_params_invalid") from None
        final = params.get("final", True)
        return PrintReportCommand(ref, _period(params), final is not False and final != "false")

    def prepare(self, requester: Requester, params: Mapping[str, Any]) -> dict[str, Any]:
        cmd = self.command(params)
        self.print_report().document(_actor(requester), cmd)
        return {"institution": cmd.entity.institution_code, "entity": cmd.entity.entity_code,
                "period": cmd.year, "final": cmd.final}

    def storage_scope(self, params: Mapping[str, Any]) -> str | None:
        return str(params.get("institution") or "") or None

    def describe(self, params: Mapping[str, Any]) -> str:
        kind = "final" if params.get("final", True) else "preliminar"
        return (f"Reporte {kind} en PDF de {params.get('institution', '')}:"
                f"{params.get('entity', '')} ({params.get('period', '')})")

    def run(self, requester: Requester, params: Mapping[str, Any], out: Path,
            progress: JobProgress) -> JobOutput:
        progress(5, "Escribiendo el PDF")
        with open(out, "wb") as fh:
            printed = self.print_report()(_actor(requester), self.command(params), fh)
        progress(95, f"{printed.pages} páginas")
        return JobOutput(printed.filename, PDF)


@attrs.define
class ExchangeAnalysisKind:
    """``exchange-analysis``: run an exchange analysis (E15, ``RunExchangeAnalysis`` unchanged:
    saved, audited, as the owner) and write its workbook or its PDF summary, the whole result
    the owner may see. The analysis' own rules (criteria, the coordinador's institution, a
    period that year) are checked again when it runs; a broken one fails the job with its
    Spanish message."""

    run_analysis: Callable[[], Any]
    export_workbook: Callable[[], Any]
    print_summary: Callable[[], Any]
    name: str = "exchange-analysis"
    label: str = "Análisis de intercambio (Excel o PDF)"
    roles: frozenset[str] = frozenset({Role.COORDINADOR.value, Role.ADMIN.value})

    @staticmethod
    def command(params: Mapping[str, Any]) -> tuple[RunExchangeCommand, str]:
        if not isinstance(params, Mapping):
            raise ValidationError(PERIOD_REQUIRED, code="job_params_invalid")
        fmt = str(params.get("format") or "xlsx").lower()
        if fmt not in ("xlsx", "pdf"):
            raise ValidationError(FORMAT_UNKNOWN, code="job_params_invalid")
        criteria = ExchangeCriteria.from_dict(params.get("criteria") or {})
        cmd = RunExchangeCommand(_period({"period": params.get("year", params.get("period"))}),
                                 criteria, params.get("state") or None,
                                 params.get("service_group") or None)
        return cmd, fmt

    def prepare(self, requester: Requester, params: Mapping[str, Any]) -> dict[str, Any]:
        if not may_run(Scope(Role(requester.role), requester.scope_ref)):
            raise PermissionDenied(EXCHANGE_DENIED)
        cmd, fmt = self.command(params)
        return {"year": cmd.year, "criteria": cmd.criteria.to_dict(), "state": cmd.state,
                "service_group": cmd.service_group, "format": fmt}

    def storage_scope(self, params: Mapping[str, Any]) -> str | None:
        return None

    def describe(self, params: Mapping[str, Any]) -> str:
        fmt = "PDF" if params.get("format") == "pdf" else "Excel"
        where = f", {params['state']}" if params.get("state") else ""
        return f"Análisis de intercambio {params.get('year', '')}{where} ({fmt})"

    def run(self, requester: Requester, params: Mapping[str, Any], out: Path,
            progress: JobProgress) -> JobOutput:
        actor = KernelActor(requester.username, Scope(Role(requester.role), requester.scope_ref))
        cmd, fmt = self.command(params)

        def steps(label: str, done: int, total: int) -> None:
            progress(2 + int(48 * done / max(total, 1)), label)

        result = self.run_analysis()(actor, cmd, steps)
        analysis_id = result.analysis.id
        name = f"oportunidades-intercambio-analisis-{analysis_id}"
        if fmt == "pdf":
            progress(55, "Escribiendo el PDF")
            with open(out, "wb") as fh:
                self.print_summary()(actor, analysis_id, ViewFilter(), fh)
            return JobOutput(f"{name}.pdf", PDF)
        progress(55, "Escribiendo el libro de Excel")
        self.export_workbook()(actor, analysis_id, ViewFilter(), out)
        return JobOutput(f"{name}.xlsx", XLSX)


# --- imports ----------------------------------------------------------------------------------
# The file of an import is uploaded first (``JobUploads``: the storage port, under its owner's
# key) and named by its id in the job's parameters; ``prepare`` looks it up among the
# requester's own uploads (another user's id answers like a missing one) and keeps the key the
# worker reads. The use case then runs unchanged on a local copy: its own scope and validation
# rules decide, and it is all or nothing (a refused file fails the job with its Spanish
# message and its first line errors). The job's file is the import's summary (a short text,
# shown on the job page); the upload is removed when the job ends.
TEXT = "text/plain; charset=utf-8"
UPLOAD_REQUIRED = "Indique el archivo subido a importar («upload»: el id que respondió la subida)."
SANECE_WHAT_UNKNOWN = "«what» debe ser units, medicines, patients o folios."
SANECE_IMPORTS = {"units": "unidades médicas", "medicines": "claves de medicamentos",
                  "patients": "pacientes", "folios": "folios"}
UNITS_DENIED = "La importación de unidades corresponde al coordinador de la institución."
PROGRESS_EVERY = 1.0  # seconds between two progress reports while the file is read


def _upload_id(params: Mapping[str, Any]) -> str:
    value = params.get("upload") if isinstance(params, Mapping) else None
    if not isinstance(value, str) or not value.strip():
        raise ValidationError(UPLOAD_REQUIRED, code="job_params_invalid")
    return value.strip()


def _version(params: Mapping[str, Any]) -> int | None:
    return _optional_int(params, "version")


class _CountedReads:
    """The use case's files port with its ``read_*`` rows counted as the use case consumes
    them: the job reports «Leyendo el archivo: 120,000 de 300,000 líneas» (5–50 %) while the
    file is read, then «Validando y guardando» once every row is in (the writes are one
    transaction, without intermediate progress). A CSV's line count is known beforehand (its
    newlines); an XLSX's is not, and its percentage creeps up towards 45."""

    def __init__(self, inner: Any, progress: JobProgress, total: int | None,
                 clock: Callable[[], float]) -> None:
        self._inner, self._progress, self._total, self._clock = inner, progress, total, clock

    def __getattr__(self, name: str) -> Any:
        attr = getattr(self._inner, name)
        if not name.startswith("read_"):
            return attr

        def read(*args: Any, **kwargs: Any) -> Iterator[Any]:
            return self._counted(attr(*args, **kwargs))

        return read

    def _counted(self, rows: Iterable[Any]) -> Iterator[Any]:
        n, last = 0, self._clock()
        for row in rows:
            n += 1
            if n % 1000 == 0 and self._clock() - last >= PROGRESS_EVERY:
                last = self._clock()
                if self._total:
                    share = min(n / self._total, 1.0)
                    self._progress(5 + int(45 * share),
                                   f"Leyendo el archivo: {n:,} de {self._total:,} líneas")
                else:
                    self._progress(5 + int(40 * n / (n + 50_000)),
                                   f"Leyendo el archivo: {n:,} líneas")
            yield row
        self._progress(50, f"Validando y guardando {n:,} líneas (todo o nada)")


def _counted_lines(path: Path) -> int | None:
    """Data lines of a CSV (its newlines less the heading); None for an XLSX (a ZIP)."""
    with open(path, "rb") as fh:
        if fh.read(4) == b"PK\x03\x04":
            return None
        fh.seek(0)
        newlines, last = 0, b""
        for block in iter(lambda: fh.read(1024 * 1024), b""):
            newlines += block.count(b"\n")
            last = block
    return max(newlines - (0 if last.endswith(b"\n") else -1) - 1, 0)


def _check_version(read_model: Any, code: str, kind: str, version: int | None) -> None:
    """A page or client that names the version it saw learns at once that another import came
    first (the use case checks it again, in its write transaction, when the job runs)."""
    if version is None:
        return
    state = read_model.catalog_state(code)
    stamp = state.catalog if kind == CATALOG else state.units
    if stamp.version != version:
        raise catalog_stale(stamp, kind, code)


@attrs.define
class _ImportKind:
    """What the import kinds share: the upload's look-up, the local copy, the summary file."""

    uploads: Callable[[], JobUploads]

    def _upload(self, requester: Requester, params: Mapping[str, Any]) -> dict[str, Any]:
        return self.uploads().find(requester.user_id, _upload_id(params)).as_params()

    def storage_scope(self, params: Mapping[str, Any]) -> str | None:
        return None

    def _run(self, params: Mapping[str, Any], out: Path, progress: JobProgress,
             use_case: Any, call: Callable[[Any, Path, str], Any]) -> Any:
        """Copy the upload next to ``out`` (the worker's private folder), run ``call`` with the
        use case whose reads are counted; remove the upload once the job's outcome is final
        (imported, or refused by a rule); an unexpected error keeps it for the retry."""
        progress(2, "Obteniendo el archivo subido")
        name = str(params.get("filename") or "archivo")
        local = self.uploads().fetch(params, out.with_name("upload" + Path(name).suffix.lower()))
        counted = attrs.evolve(use_case, files=_CountedReads(use_case.files, progress,
                                                             _counted_lines(local), time.monotonic))
        try:
            result = call(counted, local, name)
        except DomainError:
            self.uploads().discard(params)
            raise
        self.uploads().discard(params)
        return result

    @staticmethod
    def _summary(out: Path, title: str, params: Mapping[str, Any], requester: Requester,
                 result: str) -> None:
        size = int(params.get("size") or 0)
        out.write_text(f"{title}\nArchivo: {params.get('filename', '')} ({format_size(size)})\n"
                       f"Resultado: {result}\nImportado por: {requester.username}\n",
                       encoding="utf-8")


@attrs.define
class CatalogImportKind(_ImportKind):
    """``catalog-import``: an institution's product catalog (``ImportCatalog``, E13), by its
    coordinador or an admin. ``{"upload": id, "institution": "SS", "version": 4}``; the
    version (optional) is the catalog's the page or client saw: another import in between
    fails the job with the use case's «Otra persona actualizó…»."""

    import_catalog: Callable[[], Any] = attrs.field(default=None, kw_only=True)
    read_model: Callable[[], Any] = attrs.field(default=None, kw_only=True)
    name: str = "catalog-import"
    label: str = "Importación del catálogo de productos"
    roles: frozenset[str] = frozenset({Role.COORDINADOR.value, Role.ADMIN.value})

    def prepare(self, requester: Requester, params: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(params, Mapping):
            raise ValidationError(INSTITUTION_REQUIRED, code="job_params_invalid")
        inst = self.read_model().institution(_institution(params))
        if inst is None:
            raise NotFound(INSTITUTION_NOT_FOUND)
        require_manage(_actor(requester).scope, inst.code)  # the use case's rule, at once
        version = _version(params)
        _check_version(self.read_model(), inst.code, CATALOG, version)
        return {"institution": inst.code, "version": version, **self._upload(requester, params)}

    def describe(self, params: Mapping[str, Any]) -> str:
        return (f"Importación del catálogo de productos de {params.get('institution', '')} "
                f"({params.get('filename', '')})")

    def run(self, requester: Requester, params: Mapping[str, Any], out: Path,
            progress: JobProgress) -> JobOutput:
        inst = str(params["institution"])
        summary = self._run(params, out, progress, self.import_catalog(),
                            lambda uc, path, name: uc(_actor(requester), inst, path, name,
                                                      expected_version=params.get("version")))
        self._summary(out, f"Importación del catálogo de productos de {inst}", params,
                      requester, f"Catálogo de productos importado: {summary.message}")
        return JobOutput(f"importacion-catalogo-{inst}.txt", TEXT)


@attrs.define
class UnitsImportKind(_ImportKind):
    """``units-import``: medical units (``ImportUnits``, E13), by a coordinador (their
    institution's rows) or an admin. ``{"upload": id, "institution": "SS", "version": 2}``;
    institution and version are optional (the version is that institution's units')."""

    import_units: Callable[[], Any] = attrs.field(default=None, kw_only=True)
    read_model: Callable[[], Any] = attrs.field(default=None, kw_only=True)
    name: str = "units-import"
    label: str = "Importación de unidades médicas"
    roles: frozenset[str] = frozenset({Role.COORDINADOR.value, Role.ADMIN.value})

    def prepare(self, requester: Requester, params: Mapping[str, Any]) -> dict[str, Any]:
        if not isinstance(params, Mapping):
            raise ValidationError(UPLOAD_REQUIRED, code="job_params_invalid")
        if requester.role not in (Role.ADMIN.value, Role.COORDINADOR.value):
            raise PermissionDenied(UNITS_DENIED)  # the use case's own refusal, at once
        code = None
        if params.get("institution"):
            inst = self.read_model().institution(_institution(params))
            if inst is None:
                raise NotFound(INSTITUTION_NOT_FOUND)
            require_manage(_actor(requester).scope, inst.code)
            code = inst.code
        version = _version(params)
        if code is not None:
            _check_version(self.read_model(), code, UNITS, version)
        return {"institution": code, "version": version, **self._upload(requester, params)}

    def describe(self, params: Mapping[str, Any]) -> str:
        return f"Importación de unidades médicas ({params.get('filename', '')})"

    def run(self, requester: Requester, params: Mapping[str, Any], out: Path,
            progress: JobProgress) -> JobOutput:
        summary = self._run(params, out, progress, self.import_units(),
                            lambda uc, path, name: uc(
                                _actor(requester), path, name,
                                institution_code=params.get("institution"),
                                expected_version=params.get("version")))
        self._summary(out, "Importación de unidades médicas", params, requester,
                      f"Unidades médicas importadas: {summary.message}")
        return JobOutput("importacion-unidades.txt", TEXT)


@attrs.define
class SaneceImportKind(_ImportKind):
    """``sanece-import``: the SAnECE imports (S16, admin): ``{"upload": id, "what": "units" |
    "medicines" | "patients" | "folios"}``, each its use case unchanged."""

    use_cases: Mapping[str, Callable[[], Any]] = attrs.field(factory=dict, kw_only=True)
    name: str = "sanece-import"
    label: str = "Importación SAnECE (unidades, medicamentos, pacientes o folios)"
    roles: frozenset[str] = frozenset({Role.ADMIN.value})
    in_menu: bool = False  # the SAnECE menu is the guide's (the admin has it anyway)

    @staticmethod
    def _what(params: Mapping[str, Any]) -> str:
        what = params.get("what") if isinstance(params, Mapping) else None
        if what not in SANECE_IMPORTS:
            raise ValidationError(SANECE_WHAT_UNKNOWN, code="job_params_invalid")
        return str(what)

    def prepare(self, requester: Requester, params: Mapping[str, Any]) -> dict[str, Any]:
        what = self._what(params)
        require_admin(SaneceExtractionKind._actor(requester).scope)  # the use case's rule
        return {"what": what, **self._upload(requester, params)}

    def describe(self, params: Mapping[str, Any]) -> str:
        noun = SANECE_IMPORTS.get(str(params.get("what")), "")
        return f"Importación SAnECE de {noun} ({params.get('filename', '')})"

    def run(self, requester: Requester, params: Mapping[str, Any], out: Path,
            progress: JobProgress) -> JobOutput:
        what = self._what(params)
        actor = SaneceExtractionKind._actor(requester)
        summary = self._run(params, out, progress, self.use_cases[what](),
                            lambda uc, path, name: uc(actor, path, name))
        noun = SANECE_IMPORTS[what]
        self._summary(out, f"Importación SAnECE de {noun}", params, requester,
                      f"{summary.created:,} nuevos, {summary.updated:,} actualizados, "
                      f"{summary.unchanged:,} sin cambios.")
        return JobOutput(f"importacion-sanece-{what}.txt", TEXT)


def job_kinds(read_model: Callable[[], Any], exporter: Callable[[], Any],
              sanece_extract: Callable[[], Any] | None = None,
              exchange: tuple[Callable[[], Any], Callable[[], Any], Callable[[], Any]] | None = None,
              print_report: Callable[[], Any] | None = None,
              uploads: Callable[[], JobUploads] | None = None,
              excedentes_imports: tuple[Callable[[], Any], Callable[[], Any]] | None = None,
              sanece_imports: Mapping[str, Callable[[], Any]] | None = None) -> JobKinds:
    """The registry, given the contexts' providers (called when a job starts or runs)."""
    extra: list[Any] = []
    if uploads is not None and excedentes_imports is not None:
        import_catalog, import_units = excedentes_imports
        extra.append(CatalogImportKind(uploads, import_catalog=import_catalog,
                                       read_model=read_model))
        extra.append(UnitsImportKind(uploads, import_units=import_units, read_model=read_model))
    if uploads is not None and sanece_imports is not None:
        extra.append(SaneceImportKind(uploads, use_cases=sanece_imports))
    if print_report is not None:
        extra.append(ReportPdfKind(print_report))
    if exchange is not None:
        extra.append(ExchangeAnalysisKind(*exchange))
    if sanece_extract is not None:
        extra.append(SaneceExtractionKind(sanece_extract))
    return JobKinds([
        RecordsExportKind("national-export", "Excel nacional de los registros",
                          frozenset({Role.ADMIN.value}), True, read_model, exporter),
        RecordsExportKind("institution-export", "Excel de los registros de la institución",
                          frozenset({Role.COORDINADOR.value, Role.ADMIN.value}), False,
                          read_model, exporter),
        *extra,
    ])
