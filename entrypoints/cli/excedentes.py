"""`sanece-admin excedentes …` commands.

Institutions are named by short code or name, entities by code or name, both ignoring case
and accents; the help of ``--institution`` lists the institutions registered in the database
(``excedentes institution create|list|update`` registers and changes them). The commands act as an administrator (audited
as ``cli:<user>``) and call use cases only; bad input prints one Spanish line starting with
``Error:`` and exits with a non-zero code.
"""

from __future__ import annotations

import contextlib
import os
import tempfile
from datetime import date
from pathlib import Path
from typing import Any, Callable, Iterator

import click
from rich.table import Table

from entrypoints.cli.main import actor, cli_errors, console, get_container
from entrypoints.cli.support import YEAR
from excedentes.application.access import Actor, EntityRef
from excedentes.application.use_cases.coordination import (
    CaptureWindowCommand,
    CreatePeriodCommand,
    PeriodCommand,
    ReopenCommand,
)
from excedentes.application.use_cases.catalog import file_format
from excedentes.application.use_cases.exports import ExportRecordsCommand
from excedentes.application.use_cases.institutions import (
    CreateInstitutionCommand,
    UpdateInstitutionCommand,
)
from excedentes.application.use_cases.reports import PrintReportCommand
from excedentes.domain.institution import MAX_SIGNED_PDF_MB, STORAGE_BACKENDS, InstitutionSettings
from shared.kernel.errors import DomainError
from shared.kernel.scope import Role, Scope
from shared.kernel.text import count_text

ADMIN = Scope(Role.ADMIN)


def _exc(ctx: click.Context) -> Any:
    return get_container(ctx).excedentes


def _actor() -> Actor:
    return Actor.admin(actor())


class DynamicHelpOption(click.Option):
    """An option whose help ends with what the database (or the editions' data) holds now:
    ``--institution`` lists the registered institutions, not a list written in the code. The
    help never fails: without a reachable database it says where to look."""

    def __init__(self, *args: Any, help_tail: Callable[[click.Context], str], **kwargs: Any
                 ) -> None:
        super().__init__(*args, **kwargs)
        self._help_head = self.help or ""
        self._help_tail = help_tail

    def get_help_record(self, ctx: click.Context) -> tuple[str, str] | None:
        try:
            tail = self._help_tail(ctx)
        except Exception:  # noqa: BLE001 - help must print even with no database
            tail = "(consulte «sanece-admin excedentes institution list»)."
        self.help = f"{self._help_head} {tail}".strip()
        return super().get_help_record(ctx)


def _registered(ctx: click.Context) -> str:
    return f"({_exc(ctx).queries().known_codes(ADMIN)})."


def institution_option(*decls: str, help: str = "Código o nombre de la institución",
                       **kwargs: Any) -> Callable[[Any], Any]:
    """``--institution`` with the registered institutions in its help."""
    return click.option(*(decls or ("--institution",)), cls=DynamicHelpOption,
                        help_tail=_registered, help=help, **kwargs)


def _institution(exc: Any, text: str) -> str:
    return exc.queries().resolve_institution(ADMIN, text).code


def _entity(exc: Any, institution: str, text: str) -> EntityRef:
    view = exc.queries().resolve_entity(ADMIN, institution, text)
    return EntityRef(view.institution_code, view.code)


def _date(value: str | None) -> date | None:
    if not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise ValueError(f"Fecha no válida: «{value}» (use AAAA-MM-DD).") from None


def _os_error(exc: BaseException) -> OSError | None:
    """The I/O failure behind ``exc``, if any: writers wrap it (XlsxWriter raises its own
    ``FileCreateError`` from the ``OSError``)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, OSError):
            return seen
        seen = seen.__cause__ or seen.__context__
    return None


@contextlib.contextmanager
def output_file(out_path: Path) -> Iterator[Path]:
    """Where a command writes its file (PDF, XLSX, CSV). The folder is checked first, so that
    a wrong ``--out`` is one Spanish ``Error:`` line; the file is written under a temporary
    name in the same folder (same extension, the writers choose their format by it) and put
    in place only when complete: a failure never leaves a half-written file, nor replaces an
    earlier one."""
    target = Path(out_path).expanduser()
    folder = target.parent
    if target.is_dir():
        raise ValueError(f"«{target}» es una carpeta: indique el nombre del archivo de salida.")
    if not folder.is_dir():
        raise ValueError(f"No se puede escribir «{target}»: la carpeta «{folder}» no existe.")
    try:
        fd, name = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=target.suffix,
                                    dir=folder)
    except OSError as exc:
        raise ValueError(f"No se puede escribir «{target}»: {_reason(exc)}.") from exc
    os.close(fd)
    partial = Path(name)
    try:
        partial.chmod(0o666 & ~_umask())  # as a plainly created file, not mkstemp's 0600
        yield partial
        partial.replace(target)
    except DomainError:
        raise
    except Exception as exc:
        cause = _os_error(exc)
        if cause is None:
            raise
        raise ValueError(f"No se pudo escribir «{target}»: {_reason(cause)}.") from exc
    finally:
        partial.unlink(missing_ok=True)


def _umask() -> int:
    current = os.umask(0)
    os.umask(current)
    return current


def _reason(exc: OSError) -> str:
    import errno

    reasons = {errno.EACCES: "no tiene permiso de escritura en la carpeta",
               errno.EPERM: "no tiene permiso de escritura en la carpeta",
               errno.ENOSPC: "no queda espacio en el disco",
               errno.EROFS: "la carpeta es de solo lectura",
               errno.ENOENT: "la carpeta no existe"}
    return reasons.get(exc.errno or 0, f"error del sistema ({exc.strerror or exc})")


@click.group("excedentes")
def group() -> None:
    """Excedentes y Faltantes: periodos, aperturas, reportes, catálogos, exportaciones."""


# --- institutions --------------------------------------------------------------------------
def _editions(ctx: click.Context) -> str:
    codes = [e.code for e in _exc(ctx).editions().all()]
    return f"Ediciones: {', '.join(codes)}."


def _settings_options(fn: Any) -> Any:
    """The settings of an institution (E1); an option not given keeps the value (update) or
    takes the edition's (create)."""
    options = [
        click.option("--name", default=None, help="Nombre de la institución."),
        click.option("--entity-word", default=None,
                     help="Cómo se llaman sus entidades: OOAD/UMAE, Entidad Federativa, "
                          "Delegación…"),
        click.option("--signature-1", default=None,
                     help="Primera leyenda de firma del reporte final (p. ej. «Autoriza "
                          "TOOAD:»)."),
        click.option("--signature-2", default=None, help="Segunda leyenda de firma."),
        click.option("--signature-name-line/--no-signature-name-line", default=None,
                     help="Imprimir «Nombre:» bajo cada firma (edición ISSSTE)."),
        click.option("--header-line", "header_lines", multiple=True,
                     help="Línea del encabezado de los reportes (repita la opción, una por "
                          "línea)."),
        click.option("--no-header", is_flag=True,
                     help="Sin líneas de encabezado (se imprime el nombre)."),
        click.option("--signed-max-mb", type=click.IntRange(1, MAX_SIGNED_PDF_MB), default=None,
                     help="Tamaño máximo del reporte firmado, en MB (100; 150 en SS 2021)."),
        click.option("--specialty-level/--no-specialty-level", default=None,
                     help="Con el nivel de especialidad troncal (Paso 5)."),
        click.option("--storage", type=click.Choice(STORAGE_BACKENDS), default=None,
                     help="Almacenamiento de los archivos."),
    ]
    for option in reversed(options):
        fn = option(fn)
    return fn


def _settings(current: tuple[str, str] | None, name: str | None, entity_word: str | None,
              signature_1: str | None, signature_2: str | None,
              signature_name_line: bool | None, header_lines: tuple[str, ...], no_header: bool,
              signed_max_mb: int | None, specialty_level: bool | None,
              storage: str | None) -> InstitutionSettings:
    """The options as settings. One signature label alone completes the pair with the other
    one of ``current`` (the stored or the edition's labels)."""
    if no_header and header_lines:
        raise ValueError("Use --header-line o --no-header, no ambas.")
    labels: tuple[str, str] | None = None
    if signature_1 is not None or signature_2 is not None:
        if current is None and (signature_1 is None or signature_2 is None):
            raise ValueError("Indique las dos leyendas de firma: --signature-1 y --signature-2.")
        base = current or ("", "")
        labels = (signature_1 if signature_1 is not None else base[0],
                  signature_2 if signature_2 is not None else base[1])
    return InstitutionSettings(
        name=name, entity_word=entity_word, signature_labels=labels,
        header_lines=() if no_header else (tuple(header_lines) or None),
        signature_name_line=signature_name_line, signed_pdf_max_mb=signed_max_mb,
        has_specialty_level=specialty_level, storage_backend=storage)


def _show_institution(view: Any) -> None:
    table = Table("Dato", "Valor", title=f"{view.code} — {view.name}")
    for label, value in _institution_rows(view):
        table.add_row(label, value)
    console.print(table)


def _institution_rows(view: Any) -> list[tuple[str, str]]:
    return [("Entidades", view.entity_word),
            ("Firma 1", view.signature_labels[0]), ("Firma 2", view.signature_labels[1]),
            ("«Nombre:» bajo las firmas", "sí" if view.signature_name_line else "no"),
            ("Encabezado", " / ".join(view.header_lines) or "(el nombre)"),
            ("PDF firmado", f"hasta {view.signed_pdf_max_mb} MB"),
            ("Especialidad troncal (Paso 5)", "sí" if view.has_specialty_level else "no"),
            ("Almacenamiento", view.storage_backend),
            ("Versión", str(view.version.version))] + (
        [("Entidades registradas", f"{view.entity_count}")]
        if view.entity_count is not None else [])


@group.group("institution")
def institution() -> None:
    """Instituciones: registro (desde una edición o completo) y sus datos."""


@institution.command("create")
@click.option("--edition", default=None, cls=DynamicHelpOption, help_tail=_editions,
              help="Edición de la que parte (sus datos; las demás opciones los cambian).")
@click.option("--code", default=None,
              help="Código de la institución (por omisión, el de la edición).")
@click.option("--entities", "entities_file",
              type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="CSV de sus entidades (columnas Código, Nombre; en el orden del tablero). "
                   "Por omisión, las de la edición.")
@_settings_options
@click.pass_context
@cli_errors
def institution_create(ctx: click.Context, edition: str | None, code: str | None,
                       entities_file: Path | None, **options: Any) -> None:
    """Registra una institución y sus entidades (por ejemplo: --edition SS)."""
    exc = _exc(ctx)
    base = exc.editions().get(edition) if edition else None
    current = base.settings.signature_labels if base else None
    entities = _entity_pairs(entities_file) if entities_file else None
    view = exc.create_institution()(_actor(), CreateInstitutionCommand(
        code, edition, _settings(current, **options), entities))
    console.print(f"Institución {view.code} registrada: {view.name}, con {view.entity_count} "
                  f"entidades ({view.entity_word}).")
    _show_institution(view)


def _entity_pairs(path: Path) -> tuple[tuple[str, str], ...]:
    """(code, name) of each line of a two-column CSV (a header line «Código,Nombre» is
    skipped); every bad line is named."""
    import csv

    try:
        text = path.read_text(encoding="utf-8-sig")
    except UnicodeDecodeError:
        raise ValueError(f"«{path.name}» no es un CSV en UTF-8.") from None
    pairs, problems = [], []
    for n, row in enumerate(csv.reader(text.splitlines()), 1):
        cells = [c.strip() for c in row]
        if not any(cells):
            continue
        if n == 1 and [c.casefold() for c in cells[:2]] in (["código", "nombre"],
                                                              ["codigo", "nombre"]):
            continue
        if len(cells) != 2 or not all(cells):
            problems.append(f"línea {n}: se esperan dos columnas, Código y Nombre")
            continue
        pairs.append((cells[0], cells[1]))
    if problems:
        raise ValueError(f"«{path.name}»: " + "; ".join(problems) + ".")
    if not pairs:
        raise ValueError(f"«{path.name}» no tiene entidades.")
    return tuple(pairs)


@institution.command("list")
@click.pass_context
@cli_errors
def institution_list(ctx: click.Context) -> None:
    """Lista las instituciones registradas y sus datos."""
    rows = _exc(ctx).institution_queries().list(ADMIN)
    if not rows:
        console.print("No hay instituciones registradas (sanece-admin excedentes institution "
                      "create --edition CÓDIGO).")
        return
    table = Table("Código", "Nombre", "Entidades", "Núm.", "Firmas", "Encabezado",
                  "PDF firmado",
                  "Especialidad troncal", "Almacenamiento", "Versión",
                  title="Instituciones registradas")
    for v in rows:
        signatures = " / ".join(v.signature_labels) + (" (con «Nombre:»)"
                                                       if v.signature_name_line else "")
        table.add_row(v.code, v.name, v.entity_word, str(v.entity_count), signatures,
                      " / ".join(v.header_lines) or "(el nombre)", f"{v.signed_pdf_max_mb} MB",
                      "sí" if v.has_specialty_level else "no", v.storage_backend,
                      str(v.version.version))
    console.print(table)


@institution.command("update")
@click.argument("code")
@_settings_options
@click.option("--version", "expected", type=click.IntRange(0), default=None,
              help="Versión que se modifica (la de «institution list»): si otra persona la "
                   "cambió, no se guarda nada.")
@click.pass_context
@cli_errors
def institution_update(ctx: click.Context, code: str, expected: int | None,
                       **options: Any) -> None:
    """Cambia datos de una institución (el código no cambia)."""
    exc = _exc(ctx)
    code = _institution(exc, code)
    current = exc.institution_queries().get(ADMIN, code)
    change = exc.update_institution()(_actor(), UpdateInstitutionCommand(
        code, _settings(current.signature_labels, **options), expected))
    view = change.institution
    console.print(f"Institución {view.code}: "
                  + ("datos guardados." if change.changed else "sin cambios."))
    _show_institution(view)


# --- periods -------------------------------------------------------------------------------
@group.group("period")
def period() -> None:
    """Periodos de captura («Captura del periodo AAAA»)."""


@period.command("open")
@institution_option(required=True)
@click.option("--period", "year", type=YEAR, required=True, help="Año del periodo.")
@click.pass_context
@cli_errors
def period_open(ctx: click.Context, institution: str, year: int) -> None:
    """Abre la captura del periodo."""
    exc = _exc(ctx)
    change = exc.open_period()(_actor(), PeriodCommand(_institution(exc, institution), year))
    p = change.period
    state = "abierta" if change.changed else "ya estaba abierta"
    console.print(f"{p.label} ({p.institution_code}): captura {state}."
                  + (f" Aviso: {p.refusal}" if p.refusal else ""))


@period.command("close")
@institution_option(required=True)
@click.option("--period", "year", type=YEAR, required=True)
@click.pass_context
@cli_errors
def period_close(ctx: click.Context, institution: str, year: int) -> None:
    """Cierra la captura del periodo (la herramienta queda de solo consulta)."""
    exc = _exc(ctx)
    change = exc.close_period()(_actor(), PeriodCommand(_institution(exc, institution), year))
    p = change.period
    state = "cerrada" if change.changed else "ya estaba cerrada"
    console.print(f"{p.label} ({p.institution_code}): captura {state}.")


@period.command("create")
@institution_option(required=True)
@click.option("--period", "year", type=YEAR, required=True)
@click.option("--start", default=None, help="Inicio de la captura (AAAA-MM-DD).")
@click.option("--end", default=None, help="Fin de la captura (AAAA-MM-DD).")
@click.option("--closed", is_flag=True, help="Crearlo cerrado.")
@click.pass_context
@cli_errors
def period_create(ctx: click.Context, institution: str, year: int, start: str | None,
                  end: str | None, closed: bool) -> None:
    """Crea el periodo de captura de un año."""
    exc = _exc(ctx)
    view = exc.create_period()(_actor(), CreatePeriodCommand(
        _institution(exc, institution), year, not closed, _date(start), _date(end)))
    console.print(f"{view.label} ({view.institution_code}) creado: "
                  f"{'abierto' if view.is_open else 'cerrado'}.")


@period.command("window")
@institution_option(required=True)
@click.option("--period", "year", type=YEAR, required=True)
@click.option("--start", default=None, help="Inicio (AAAA-MM-DD); vacío: sin fecha.")
@click.option("--end", default=None, help="Fin (AAAA-MM-DD); vacío: sin fecha.")
@click.pass_context
@cli_errors
def period_window(ctx: click.Context, institution: str, year: int, start: str | None,
                  end: str | None) -> None:
    """Fija las fechas de la captura."""
    exc = _exc(ctx)
    change = exc.set_capture_window()(_actor(), CaptureWindowCommand(
        _institution(exc, institution), year, _date(start), _date(end)))
    p = change.period
    console.print(f"{p.label} ({p.institution_code}): del {p.window_start or '—'} al "
                  f"{p.window_end or '—'}.")


# --- reopen --------------------------------------------------------------------------------
@group.command("reopen")
@institution_option(required=True)
@click.option("--period", "year", type=YEAR, required=True)
@click.option("--entity", required=True, help="Código o nombre de la entidad.")
@click.option("--reason", required=True, help="Motivo de la apertura.")
@click.pass_context
@cli_errors
def reopen(ctx: click.Context, institution: str, year: int, entity: str, reason: str) -> None:
    """Apertura: regresa una entidad finalizada a «no finalizada»."""
    exc = _exc(ctx)
    ref = _entity(exc, _institution(exc, institution), entity)
    result = exc.reopen()(_actor(), ReopenCommand(ref, year, reason))
    extra = (f" Reporte firmado sustituido: versión "
             f"{', '.join(str(v) for v in result.superseded_versions)}."
             if result.superseded_versions else "")
    console.print(f"Apertura registrada para la {result.entity_title} ({ref.key}, "
                  f"{year}).{extra}")


# --- report --------------------------------------------------------------------------------
@group.command("report")
@institution_option(required=True)
@click.option("--period", "year", type=YEAR, required=True)
@click.option("--entity", required=True)
@click.option("--kind", type=click.Choice(["preliminar", "final"]), required=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
@cli_errors
def report(ctx: click.Context, institution: str, year: int, entity: str, kind: str,
           out_path: Path) -> None:
    """Genera el reporte PDF Preliminar o Versión Final de una entidad."""
    exc = _exc(ctx)
    ref = _entity(exc, _institution(exc, institution), entity)
    use_case = exc.print_report()
    with output_file(out_path) as partial, partial.open("wb") as out:
        printed = use_case(_actor(), PrintReportCommand(ref, year, kind == "final"), out)
    extra = f"; folio {printed.folio}, huella {printed.fingerprint}" if printed.final else ""
    console.print(f"Reporte {kind} de {ref.key} ({year}): {out_path} "
                  f"({printed.pages} páginas{extra}).")


# --- catalog and units ---------------------------------------------------------------------
@group.group("catalog")
def catalog() -> None:
    """Catálogo de productos (Servicio > Grupo > Especialidad > Producto)."""


@catalog.command("import")
@institution_option(required=True)
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
@cli_errors
def catalog_import(ctx: click.Context, institution: str, file: Path) -> None:
    """Importa el catálogo desde CSV o XLSX (todo o nada)."""
    exc = _exc(ctx)
    summary = exc.import_catalog()(_actor(), _institution(exc, institution), file, file.name)
    console.print(f"Catálogo importado: {summary.message}")


@catalog.command("export")
@institution_option(required=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None,
              help="Por omisión, según la extensión de --out.")
@click.pass_context
@cli_errors
def catalog_export(ctx: click.Context, institution: str, out_path: Path, fmt: str | None) -> None:
    """Exporta el catálogo a CSV o XLSX."""
    exc = _exc(ctx)
    code = _institution(exc, institution)
    fmt = file_format(out_path, fmt)  # from the name asked for, not the temporary one
    with output_file(out_path) as partial:
        n = exc.export_catalog()(_actor(), code, partial, fmt)
    console.print(f"{count_text(n, 'producto exportado', 'productos exportados')} a {out_path}.")


@group.group("units")
def units() -> None:
    """Unidades médicas (CLUES, nombre, nivel, entidad, institución)."""


@units.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.pass_context
@cli_errors
def units_import(ctx: click.Context, file: Path) -> None:
    """Importa unidades médicas desde CSV o XLSX (todo o nada)."""
    summary = _exc(ctx).import_units()(_actor(), file, file.name)
    console.print(f"Unidades importadas: {summary.message}")


@units.command("export")
@institution_option(default=None, help="Por omisión, todas; o el código o nombre de una")
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.option("--format", "fmt", type=click.Choice(["csv", "xlsx"]), default=None)
@click.pass_context
@cli_errors
def units_export(ctx: click.Context, institution: str | None, out_path: Path,
                 fmt: str | None) -> None:
    """Exporta las unidades médicas a CSV o XLSX."""
    exc = _exc(ctx)
    code = _institution(exc, institution) if institution else None
    fmt = file_format(out_path, fmt)
    with output_file(out_path) as partial:
        n = exc.export_units()(_actor(), code, partial, fmt)
    console.print(f"{count_text(n, 'unidad exportada', 'unidades exportadas')} a {out_path}.")


# --- export --------------------------------------------------------------------------------
@group.command("export")
@institution_option(default=None, help="Por omisión, todo el país; o el código o nombre de una")
@click.option("--entity", default=None)
@click.option("--period", "year", type=YEAR, required=True)
@click.option("--out", "out_path", type=click.Path(dir_okay=False, path_type=Path), required=True)
@click.pass_context
@cli_errors
def export(ctx: click.Context, institution: str | None, entity: str | None, year: int,
           out_path: Path) -> None:
    """Exporta a Excel los registros de una entidad, una institución o el país."""
    if out_path.suffix.lower() != ".xlsx":
        raise ValueError(f"El archivo de salida debe terminar en .xlsx: «{out_path.name}».")
    if entity and not institution:
        raise ValueError("Indique --institution junto con --entity.")
    exc = _exc(ctx)
    code = _institution(exc, institution) if institution else None
    entity_code = _entity(exc, code, entity).entity_code if code and entity else None
    with output_file(out_path) as partial:
        result = exc.export_records()(_actor(), ExportRecordsCommand(year, partial, code,
                                                                     entity_code))
    console.print(f"{count_text(result.rows, 'registro exportado', 'registros exportados')} "
                  f"a {out_path}.")


# --- status --------------------------------------------------------------------------------
@group.command("status")
@institution_option(required=True)
@click.option("--period", "year", type=YEAR, required=True)
@click.pass_context
@cli_errors
def status(ctx: click.Context, institution: str, year: int) -> None:
    """Tablero de control (Paso 1) de una institución."""
    exc = _exc(ctx)
    view = exc.queries().dashboard(ADMIN, _institution(exc, institution), year)
    inst = view.institution
    table = Table("No.", inst.entity_word, "Total", "Con Excedentes/ Faltantes",
                  "Sin Excedentes/ Faltantes", "Preliminar", "Final (para firmas)",
                  "Subir (firmado)", "Semáforo",
                  title=f"{inst.name} — {view.title}")
    for e in view.entries:
        r = e.row
        table.add_row(str(r.number), r.entity_name, f"{r.total_units:,}",
                      f"{r.units_with_records:,}", f"{r.units_without_records:,}",
                      r.labels.preliminary, r.labels.final, r.labels.upload or "",
                      r.status_light.color)
    tot = view.totals
    table.add_row("", "Total", f"{tot.total_units:,}", f"{tot.units_with_records:,}",
                  f"{tot.units_without_records:,}", "", f"{tot.finalized} finalizadas",
                  f"{tot.signed_uploaded} firmados", "")
    console.print(table)
    p = view.period
    window = (f" (del {p.window_start:%d/%m/%Y} al {p.window_end:%d/%m/%Y})"
              if p.window_start and p.window_end else "")
    state = "abierta" + window if p.capture_open else (p.refusal or "cerrada")
    console.print(f"Captura: {state}")
    console.print(f"verde: {view.legend_finalized}")
    console.print(f"rojo: {view.legend_not_finalized}")
    counts: dict[str, int] = {}
    for e in view.entries:
        counts[e.row.review.label] = counts.get(e.row.review.label, 0) + 1
    console.print("Revisión: " + ", ".join(f"{label} {n:,}" for label, n in counts.items()))


# --- review by levels ----------------------------------------------------------------------
@group.command("review")
@click.argument("action", type=click.Choice(["accept", "return", "revert"]))
@institution_option(required=True)
@click.option("--period", "year", type=YEAR, required=True)
@click.option("--entity", "entities", required=True, multiple=True,
              help="Código o nombre de la entidad (accept admite varias: --entity A --entity B).")
@click.option("--reason", default=None,
              help="return: clave del motivo de devolución (excedentes reasons list); "
                   "revert: el motivo, en texto.")
@click.option("--note", default=None, help="return: observaciones para la entidad.")
@click.pass_context
@cli_errors
def review(ctx: click.Context, action: str, institution: str, year: int,
           entities: tuple[str, ...], reason: str | None, note: str | None) -> None:
    """Revisión por niveles: aceptar, devolver para corrección o revertir una aceptación."""
    from excedentes.application.use_cases.review import BulkAcceptCommand, ReviewCommand

    exc = _exc(ctx)
    inst = _institution(exc, institution)
    refs = [_entity(exc, inst, e) for e in entities]
    if action == "accept" and len(refs) > 1:
        results = exc.bulk_accept()(_actor(), BulkAcceptCommand(
            inst, year, tuple(r.entity_code for r in refs)))
        for r in results:
            console.print(r.message)
        return
    if len(refs) > 1:
        raise click.UsageError("return y revert se aplican a una sola entidad.")
    if action == "return" and not reason:
        raise click.UsageError("Indique --reason con la clave del motivo de devolución.")
    if action == "revert" and not (reason or note):
        raise click.UsageError("Indique --reason con el motivo para revertir la aceptación.")
    cmd = ReviewCommand(refs[0], year, action,
                        reason_code=reason if action == "return" else None,
                        note=note if action == "return" else (reason or note))
    result = exc.review()(_actor(), cmd)
    console.print(f"{result.message} Estado: {result.status_label}.")


@group.group("reasons")
def reasons() -> None:
    """Catálogo de motivos de devolución (clave, texto, activo)."""


@reasons.command("list")
@click.pass_context
@cli_errors
def reasons_list(ctx: click.Context) -> None:
    """Lista los motivos de devolución."""
    table = Table("Clave", "Motivo", "Activo", title="Motivos de devolución")
    for r in _exc(ctx).queries().return_reasons(ADMIN):
        table.add_row(r.code, r.text, "sí" if r.active else "no")
    console.print(table)


@reasons.command("add")
@click.argument("code")
@click.argument("text")
@click.pass_context
@cli_errors
def reasons_add(ctx: click.Context, code: str, text: str) -> None:
    """Agrega un motivo de devolución: CLAVE "Texto del motivo"."""
    from excedentes.application.use_cases.review import ReasonCommand

    r = _exc(ctx).add_return_reason()(_actor(), ReasonCommand(code, text))
    console.print(f"Motivo {r.code} agregado: {r.text}")


@reasons.command("disable")
@click.argument("code")
@click.pass_context
@cli_errors
def reasons_disable(ctx: click.Context, code: str) -> None:
    """Desactiva un motivo (las devoluciones ya hechas conservan su texto)."""
    r = _exc(ctx).set_return_reason_active()(_actor(), code, False)
    console.print(f"Motivo {r.code} desactivado.")


@reasons.command("enable")
@click.argument("code")
@click.pass_context
@cli_errors
def reasons_enable(ctx: click.Context, code: str) -> None:
    """Activa de nuevo un motivo."""
    r = _exc(ctx).set_return_reason_active()(_actor(), code, True)
    console.print(f"Motivo {r.code} activo.")


# --- completeness --------------------------------------------------------------------------
def _pct(value: float | None) -> str:
    return "—" if value is None else f"{value:.1f}%"


@group.command("completeness")
@click.option("--period", "year", type=YEAR, default=None,
              help="Año; sin él, la vista nacional de todos los periodos.")
@institution_option(required=False)
@click.option("--json", "as_json", is_flag=True, help="Las cifras en JSON.")
@click.pass_context
@cli_errors
def completeness(ctx: click.Context, year: int | None, institution: str | None,
                 as_json: bool) -> None:
    """Completitud y oportunidad: esperadas, respondidas, finalizadas, firmadas, aceptadas,
    finalizadas a tiempo y mediana de días de retraso."""
    import json

    exc = _exc(ctx)
    inst = _institution(exc, institution) if institution else None
    view = exc.queries().completeness(ADMIN, year, inst)
    if as_json:
        click.echo(json.dumps({"year": view.year, "institution": view.institution_code,
                               "total": view.total.as_dict(),
                               "rows": [{"key": r.key, "name": r.name, **r.figures.as_dict()}
                                        for r in view.rows]}, ensure_ascii=False))
        return
    title = ("Completitud y oportunidad"
             + (f" — periodo {year}" if year else " — todos los periodos")
             + (f" — {view.institution_name}" if inst else ""))
    table = Table("Clave", "Nombre", "Esperadas", "Respondidas", "Finalizadas", "Firmadas",
                  "Aceptadas", "A tiempo", "Mediana días de retraso", title=title)
    for r in (*view.rows, None):
        f = r.figures if r else view.total
        median = "—" if f.median_days_late is None else f"{f.median_days_late:g}"
        table.add_row(r.key if r else "", r.name if r else "Total", f"{f.expected:,}",
                      f"{f.answered:,}", f"{f.finalized:,}", f"{f.signed:,}",
                      f"{f.accepted:,}", f"{f.on_time:,} ({_pct(f.on_time_pct)})", median)
    console.print(table)
