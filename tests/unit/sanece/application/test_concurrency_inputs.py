"""The version a page or an ``If-Match`` carries, and the stale refusal's wording."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest

from sanece.application.concurrency import (
    StaleVersion,
    check_version,
    format_moment,
    parse_version,
)
from sanece.application.inputs import known_id, optional_id
from sanece.domain.model import Patient
from shared.kernel.errors import ValidationError


@pytest.mark.parametrize("raw,expected", [
    (None, None), ("", None), ("  ", None), ('"3"', 3), ("3", 3), ('W/"12"', 12), (0, 0),
])
def test_versions_from_forms_and_if_match(raw, expected):
    assert parse_version(raw) == expected


@pytest.mark.parametrize("raw", ['"abc"', "-1", "99999999999", "*", "1.5", True])
def test_malformed_versions_are_refused_in_spanish(raw):
    if raw is True:  # a JSON true is not a version: not checked rather than misread as 1
        assert parse_version(raw) is None
        return
    with pytest.raises(ValidationError, match="La versión del registro no es válida"):
        parse_version(raw)


def test_a_stale_page_is_told_who_changed_the_record_and_when():
    at = datetime(2026, 3, 10, 16, 5, tzinfo=timezone.utc)  # 10:05 in Mexico City
    patient = Patient(id=7, nss="1111111111", aggregate="1F1980OR", paternal_surname="PRUEBA",
                      maternal_surname="PRUEBA", given_names="PACIENTE", version=2,
                      changed_by="revisor", changed_at=at)
    check_version("El registro del paciente", patient, 2, patient.data())  # current: fine
    check_version("El registro del paciente", patient, None, patient.data())  # not checked
    with pytest.raises(StaleVersion) as refused:
        check_version("El registro del paciente", patient, 1, patient.data())
    assert refused.value.message.startswith(
        "El registro del paciente fue modificado por revisor el 10/03/2026 10:05 después de "
        "que abriste la página")
    assert refused.value.status == 409 and refused.value.code == "stale_version"
    assert refused.value.details["current"]["given_names"] == "PACIENTE"
    assert format_moment(None) == ""


@pytest.mark.parametrize("raw,expected", [
    (1, 1), ("42", 42), (2_147_483_647, 2_147_483_647), (2_147_483_648, 0), (10**30, 0),
    (0, 0), (-5, 0), ("abc", 0), (True, 0),
])
def test_ids_beyond_the_integer_columns_name_no_record(raw, expected):
    assert known_id(raw) == expected
    assert optional_id(None) is None and optional_id("") is None
