"""Paso 8 (PDF reports, E11) and Paso 9 (signed uploads, E12)."""

from __future__ import annotations

import io
from datetime import timedelta

import pytest
from pypdf import PdfReader

from excedentes.application.use_cases.coordination import PeriodCommand, ReopenCommand
from excedentes.application.use_cases.reports import PrintReportCommand, UploadSignedCommand
from excedentes.domain.errors import CaptureClosed, SignedReportNotPdf, SignedReportTooLarge
from shared.audit.domain import AuditFilter
from shared.kernel.errors import Conflict, NotFound

from ..support import (
    ADMIN_SCOPE,
    BC,
    CAP_BC,
    CAP_BS,
    CAP_NL,
    COORD_SS,
    NL,
    U_HOSPITAL,
    U_OCTUBRE,
    YEAR,
    RecordingRenderer,
    answer,
    finalize,
    pdf_bytes,
    save_grid,
    shortage_row,
    surplus_row,
)

MB = 1024 * 1024


def _fill_bc(world):
    answer(world)
    save_grid(world, U_OCTUBRE, [
        shortage_row(world.pid("Anestesia"), "1200", "10", "Falta de Equipo"),
        surplus_row(world.pid("Dilatación de esófago"), "12", "12")])
    save_grid(world, U_HOSPITAL, [
        shortage_row(world.pid("Anestesia"), "11", "12", "Carencia de Servicio", inpatient=True)])


def _upload(world, data: bytes, name="firmado.pdf", ctype="application/pdf", actor=CAP_BC):
    return world.exc.upload_signed()(actor, UploadSignedCommand(
        BC, YEAR, io.BytesIO(data), len(data), name, ctype))


def test_preliminary_document_content(world, exc):
    renderer = RecordingRenderer()
    exc.renderer.override(renderer)
    _fill_bc(world)
    out = io.BytesIO()
    printed = exc.print_report()(CAP_BC, PrintReportCommand(BC, YEAR, False), out)
    assert printed.filename == "reporte-preliminar-SS-BC-2026.pdf" and printed.folio is None
    doc = renderer.documents[0]
    assert not doc.final and doc.entity_title == "Entidad Federativa BAJA CALIFORNIA"
    assert doc.header_lines[:2] == ("SALUD", "SECRETARÍA DE SALUD")
    assert (doc.units_reporting, doc.units_total, doc.year) == (2, 3, 2026)
    assert doc.not_closed_sentence == ("La Entidad Federativa BAJA CALIFORNIA aún no cierra el "
                                       "registro de información.")
    assert doc.printed_at.strftime("%d/%m/%Y %H:%M:%S") == "10/03/2026 10:00:00"
    assert [s.heading for s in doc.sections] == [
        "BCSSA001152 3 DE OCTUBRE, PRIMER NIVEL",
        "BCSSA000013 HOSPITAL GENERAL MEXICALI, SEGUNDO NIVEL"]
    first = doc.sections[0]
    assert [(line.group, line.product, line.cause, line.modality, line.monthly_events)
            for line in first.shortages] == [
        ("Cirugía", "Anestesia", "Falta de Equipo", "Ambulatorio", 1200)]
    assert [(line.product, line.cause, line.modality) for line in first.surpluses] == [
        ("Dilatación de esófago", None, "Ambulatorio")]
    assert doc.sections[1].shortages[0].modality == "Hospitalario"
    assert doc.folio is None and doc.fingerprint is None


def test_final_only_after_finalize_and_each_print_is_recorded(world, exc, container, clock):
    renderer = RecordingRenderer()
    exc.renderer.override(renderer)
    _fill_bc(world)
    with pytest.raises(Conflict, match="Versión Final se habilita"):
        exc.print_report()(CAP_BC, PrintReportCommand(BC, YEAR, True), io.BytesIO())
    done = finalize(world)
    printed = exc.print_report()(COORD_SS, PrintReportCommand(BC, YEAR, True), io.BytesIO())
    assert (printed.folio, printed.fingerprint) == (done.folio, done.fingerprint)
    doc = renderer.documents[-1]
    assert doc.final and doc.signature_labels == (
        "Autoriza Titular de los Servicios de Salud de la Entidad:",
        "Autoriza Responsable de Planeación:")
    clock.advance(timedelta(minutes=5))
    exc.print_report()(CAP_BC, PrintReportCommand(BC, YEAR, True), io.BytesIO())
    prints = exc.queries().final_prints(ADMIN_SCOPE, BC, YEAR)
    assert [(p.folio, p.fingerprint, p.printed_by) for p in prints] == [
        (done.folio, done.fingerprint, "capturista.ss.bc"),
        (done.folio, done.fingerprint, "coordinador.ss")]
    audit = container.audit_query().list(AuditFilter(action="excedentes.final_printed"))
    assert len(audit) == 2 and audit[0].entry.after["folio"] == "SS-2026-BC-V1"
    # Once finalized the Preliminar ("aún no cierra el registro") is refused with the reason,
    # and nothing is recorded.
    with pytest.raises(Conflict, match="El reporte Preliminar ya no está disponible"):
        exc.print_report()(CAP_BC, PrintReportCommand(BC, YEAR, False), io.BytesIO())
    assert len(exc.queries().final_prints(ADMIN_SCOPE, BC, YEAR)) == 2

    # A signed paper copy is traced by its fingerprint (or folio).
    traced = exc.queries().trace_print(COORD_SS.scope, done.fingerprint.lower())
    assert [(t.entity_key, t.year, t.still_current) for t in traced] == [("SS:BC", 2026, True)] * 2
    assert exc.queries().trace_print(CAP_BS.scope, done.folio) == []
    exc.reopen()(COORD_SS, ReopenCommand(BC, YEAR, "Corrección"))
    traced = exc.queries().trace_print(CAP_BC.scope, done.folio)
    assert not traced[0].still_current and "versión anterior" in traced[0].explanation


def test_no_case_and_imss_signatures_in_real_pdfs(world, exc):
    answer(world, "NO", CAP_NL, NL)
    finalize(world, CAP_NL, NL)
    out = io.BytesIO()
    printed = exc.print_report()(CAP_NL, PrintReportCommand(NL, YEAR, True), out)
    text = "\n".join(p.extract_text() for p in PdfReader(io.BytesIO(out.getvalue())).pages)
    assert "La OOAD/UMAE Nuevo León no reporta intervenciones Excedentes/Faltantes para el año " \
           "2026" in text
    assert "Autoriza TOOAD:" in text and "Sin Validez Oficial" not in text
    assert printed.folio in text and printed.fingerprint in text and printed.pages == 1


def test_real_preliminary_pdf(world, exc):
    _fill_bc(world)
    out = io.BytesIO()
    printed = exc.print_report()(CAP_BC, PrintReportCommand(BC, YEAR, False), out)
    reader = PdfReader(io.BytesIO(out.getvalue()))
    text = "\n".join(p.extract_text() for p in reader.pages)
    assert len(reader.pages) == printed.pages
    for expected in ("Sin Validez Oficial.", "Fecha de impresión", "1,200",
                     "2 de 3 Unidades Médicas reportan Excedentes y/o Faltantes",
                     "BCSSA001152 3 DE OCTUBRE, PRIMER NIVEL", "Dilatación de esófago",
                     "Recolección de Excedentes y Faltantes de Servicios Médicos Institucionales "
                     "para el 2026"):
        assert expected in text, expected


def test_signed_upload_replace_download_and_reopen(world, exc, container):
    _fill_bc(world)
    with pytest.raises(Conflict, match="después de finalizar"):
        _upload(world, pdf_bytes())
    finalize(world)
    with pytest.raises(SignedReportNotPdf):
        _upload(world, b"PK\x03\x04 not a pdf", "firmado.pdf", "application/zip")
    with pytest.raises(SignedReportTooLarge):
        world.exc.upload_signed()(CAP_BC, UploadSignedCommand(
            BC, YEAR, io.BytesIO(b"%PDF-"), 150 * MB + 1, "x.pdf", "application/pdf"))
    with pytest.raises(NotFound):
        exc.open_signed()(CAP_BC, BC, YEAR)

    first = _upload(world, pdf_bytes(100), "../../Reporte Firmado BC.pdf")
    assert first.version == 1 and first.current and first.size == 100
    assert first.original_name == "Reporte Firmado BC.pdf"
    overview = exc.queries().overview(CAP_BC.scope, BC, YEAR)
    assert overview.labels.upload == "Consultar/Modificar"
    assert overview.current_signed.version == 1

    second = _upload(world, pdf_bytes(200), "v2.pdf")
    versions = exc.queries().signed_versions(CAP_BC.scope, BC, YEAR)
    assert [(v.version, v.current, v.superseded_label) for v in versions] == [
        (2, True, None), (1, False, "Reemplazado por una versión posterior")]
    current = exc.open_signed()(COORD_SS, BC, YEAR)
    with current.stream as fh:
        assert fh.read() == pdf_bytes(200)
    assert current.filename == "reporte-firmado-SS-BC-2026-v2.pdf"
    earlier = exc.open_signed()(CAP_BC, BC, YEAR, version=1)
    with earlier.stream as fh:
        assert len(fh.read()) == 100
    with pytest.raises(NotFound):
        exc.open_signed()(CAP_BS, BC, YEAR)

    exc.reopen()(COORD_SS, ReopenCommand(BC, YEAR, "Agregar una unidad"))
    versions = exc.queries().signed_versions(ADMIN_SCOPE, BC, YEAR)
    assert [(v.version, v.current) for v in versions] == [(2, False), (1, False)]
    assert versions[0].superseded_label == "Sustituido por la apertura del registro"
    assert exc.queries().overview(ADMIN_SCOPE, BC, YEAR).labels.upload is None
    with exc.open_signed()(CAP_BC, BC, YEAR, version=2).stream as fh:
        assert fh.read() == pdf_bytes(200)  # kept, not deleted
    assert second.version == 2
    audit = container.audit_query().list(AuditFilter(action="excedentes.signed_uploaded"))
    assert [a.entry.after["current_version"] for a in audit] == [2, 1]


def test_upload_refused_outside_the_window(world, exc):
    _fill_bc(world)
    finalize(world)
    exc.close_period()(COORD_SS, PeriodCommand("SS", YEAR))
    with pytest.raises(CaptureClosed, match="está cerrada desde el 10/03/2026 10:00"):
        _upload(world, pdf_bytes())
    # Reports can still be consulted.
    exc.renderer.override(RecordingRenderer())
    exc.print_report()(CAP_BC, PrintReportCommand(BC, YEAR, True), io.BytesIO())


@pytest.fixture(scope="module")
def s3_endpoint():
    from moto.server import ThreadedMotoServer

    server = ThreadedMotoServer(ip_address="127.0.0.1", port=0)
    server.start()
    host, port = server.get_host_and_port()
    yield f"http://{host}:{port}"
    server.stop()


def test_the_institution_setting_chooses_the_storage_and_files_are_read_where_written(
        world, exc, container, settings, tmp_path, s3_endpoint, monkeypatch):
    """The admin moves SS to S3: the next signed copy goes to S3 (moto's server), the earlier
    one stays readable on the local disk; back to local, both still download. A backend the
    installation lacks is refused with a Spanish message, and nothing changes."""
    from dependency_injector import providers

    from excedentes.application.use_cases.institutions import UpdateInstitutionCommand
    from excedentes.domain.institution import InstitutionSettings
    from shared.kernel.errors import ValidationError
    from shared.storage.adapters.local import LocalFileStorage
    from shared.storage.adapters.s3 import S3FileStorage
    from shared.storage.adapters.selector import ConfiguredStorageSelector

    from ..support import ADMIN

    monkeypatch.setenv("AWS_ACCESS_KEY_ID", "test")
    monkeypatch.setenv("AWS_SECRET_ACCESS_KEY", "test")
    s3 = S3FileStorage.from_settings(bucket="signed-" + tmp_path.name[-12:].lower().replace("_", "-"),
                                     endpoint_url=s3_endpoint, region="us-east-1", now=container.clock().now)
    s3._client.create_bucket(Bucket=s3.bucket)
    local = LocalFileStorage(settings.files_root, container.clock().now)
    container.storage.override(providers.Object(ConfiguredStorageSelector(
        {"local": lambda: local, "s3": lambda: s3}, "local", {})))

    def set_storage(name: str):
        return exc.update_institution()(ADMIN, UpdateInstitutionCommand(
            "SS", InstitutionSettings(storage_backend=name)))

    _fill_bc(world)
    finalize(world)
    _upload(world, pdf_bytes(100), "v1.pdf")
    set_storage("s3")
    _upload(world, pdf_bytes(200), "v2.pdf")
    assert len(s3.list_versions(f"excedentes/signed/SS/{YEAR}/BC")) == 1
    assert len(local.list_versions(f"excedentes/signed/SS/{YEAR}/BC")) == 1
    set_storage("local")
    for version, size in ((1, 100), (2, 200)):
        with exc.open_signed()(COORD_SS, BC, YEAR, version=version).stream as fh:
            assert len(fh.read()) == size

    container.storage.override(providers.Object(ConfiguredStorageSelector(
        {"local": lambda: local}, "local", {})))
    with pytest.raises(ValidationError, match="«s3» no está configurado"):
        set_storage("s3")
    assert exc.institution_queries().get(ADMIN_SCOPE, "SS").storage_backend == "local"
