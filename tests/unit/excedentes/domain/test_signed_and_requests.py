"""Signed-report policy and "solicitar producto" requests."""

from __future__ import annotations

from datetime import timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, rule

from excedentes.domain.catalog import Service, ServiceGroup
from excedentes.domain.errors import SignedReportNotPdf, SignedReportTooLarge
from excedentes.domain.product_requests import ProductRequest, RequestStatus
from excedentes.domain.signed import SignedReportPolicy
from shared.kernel.errors import Conflict, DomainError, ValidationError

from .strategies import clock, pdf_file

MB = 1024 * 1024


# ------------------------------------------------------------------ signed report policy


@settings(max_examples=200, deadline=None)
@given(st.sampled_from([100 * MB, 150 * MB, 1000]), st.integers(0, 200 * MB),
       st.sampled_from(["application/pdf", "image/png", "image/jpeg", "text/html"]))
def test_pdf_only_within_the_institutions_limit(limit, size, content_type):
    policy = SignedReportPolicy(limit)
    file = pdf_file(size=size, content_type=content_type)
    should_pass = content_type == "application/pdf" and 0 < size <= limit
    try:
        policy.check_file(file)
        assert should_pass
    except DomainError as exc:
        assert not should_pass
        if content_type != "application/pdf":
            assert isinstance(exc, SignedReportNotPdf)
        elif size > limit:
            assert isinstance(exc, SignedReportTooLarge) and exc.status == 413


def test_policy_checks_the_content_not_the_name_and_the_size_while_streaming():
    policy = SignedReportPolicy(150 * MB)
    policy.check_head(b"%PDF-1.7\n")
    with pytest.raises(SignedReportNotPdf, match="se revisa su contenido"):
        policy.check_head(b"<html>")
    policy.check_size(150 * MB)
    with pytest.raises(SignedReportTooLarge,
                       match="tamaño máximo permitido de 150 MB"):
        policy.check_size(150 * MB + 1)
    assert SignedReportPolicy().max_bytes == 100 * MB


# ------------------------------------------------------------------ product requests


GROUP = ServiceGroup(Service("IMSS", "Servicios de Atención Médica"), "Radioterapia")


def new_request() -> ProductRequest:
    return ProductRequest.file(entity_code="NL", requested_by="capturista.nl",
                               product_name="Braquiterapia de alta tasa",
                               unit_of_measure="Sesión", group=GROUP,
                               justification="No aparece en el listado", clock=clock())


def test_a_request_needs_a_product_name_and_a_unit_of_measure():
    with pytest.raises(ValidationError, match="nombre del producto"):
        ProductRequest.file(entity_code="NL", requested_by="c", product_name=" ",
                            unit_of_measure="Sesión", group=GROUP, clock=clock())
    with pytest.raises(ValidationError, match="unidad de medida"):
        ProductRequest.file(entity_code="NL", requested_by="c", product_name="X",
                            unit_of_measure="", group=GROUP, clock=clock())


def test_accepting_gives_the_product_to_add():
    request = new_request()
    product = request.accept("coordinador", clock(), has_specialty_level=False)
    assert product.id is None and product.name == "Braquiterapia de alta tasa"
    assert product.group == GROUP and product.unit_of_measure == "Sesión"
    assert request.status is RequestStatus.ACCEPTED and request.decided_by == "coordinador"


def test_rejecting_needs_a_reason_and_decisions_are_final():
    request = new_request()
    with pytest.raises(ValidationError, match="requiere un motivo"):
        request.reject("coordinador", "  ", clock())
    assert request.is_pending
    request.reject("coordinador", "Ya existe como Braquiterapia", clock())
    with pytest.raises(Conflict) as err:
        request.accept("coordinador", clock())
    assert err.value.message == ("La solicitud ya fue rechazada el 03/05/2024 12:30; la "
                                 "decisión es definitiva.")


class RequestLifecycle(RuleBasedStateMachine):
    def __init__(self) -> None:
        super().__init__()
        self.clock = clock()
        self.request = new_request()
        self.decisions = 0

    @rule(reason=st.sampled_from(["", " ", "Duplicado"]))
    def reject(self, reason):
        was_pending = self.request.is_pending
        try:
            self.request.reject("coord", reason, self.clock)
            assert was_pending and reason.strip()
            self.decisions += 1
        except DomainError:
            assert not (was_pending and reason.strip())
            assert self.request.is_pending == was_pending

    @rule()
    def accept(self):
        was_pending = self.request.is_pending
        try:
            self.request.accept("coord", self.clock)
            assert was_pending
            self.decisions += 1
        except Conflict:
            assert not was_pending

    @rule()
    def time_passes(self):
        self.clock.advance(timedelta(hours=5))

    @invariant()
    def one_final_decision(self):
        assert self.decisions <= 1
        r = self.request
        assert (r.status is RequestStatus.PENDING) == (self.decisions == 0)
        assert (r.decided_at is None) == r.is_pending
        if r.status is RequestStatus.REJECTED:
            assert r.decision_reason


RequestLifecycle.TestCase.settings = settings(max_examples=40, stateful_step_count=15,
                                              deadline=None)
TestRequestLifecycle = RequestLifecycle.TestCase
