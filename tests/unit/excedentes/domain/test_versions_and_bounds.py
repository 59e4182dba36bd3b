"""Versions (optimistic concurrency), the grid's changed rows, and the numeric bounds."""

from __future__ import annotations

from datetime import datetime, timezone

import pytest
from hypothesis import given
from hypothesis import strategies as st

from excedentes.domain.bounds import MAX_ID, check_year, known_id, known_year
from excedentes.domain.errors import StaleVersion
from excedentes.domain.grid import GridField, GridRow, changed_rows, differing_fields, row_changed
from excedentes.domain.versions import (
    MAX_VERSION,
    VERSION_MISSING,
    VersionStamp,
    parse_version,
    require_version,
    stale,
)
from shared.kernel.errors import ValidationError


@given(st.text(max_size=40))
def test_parse_version_never_fails_and_stays_in_range(raw):
    value = parse_version(raw)
    assert value is None or 0 <= value <= MAX_VERSION


def test_parse_version_reads_etags():
    assert parse_version('"7"') == parse_version('W/"7"') == parse_version(" 7 ") == 7
    assert parse_version("*") is parse_version('"7", "8"') is parse_version("-1") is None
    assert parse_version(str(MAX_VERSION + 1)) is None and parse_version("٣") is None
    assert require_version("  ") == VERSION_MISSING
    with pytest.raises(StaleVersion):
        require_version("abc")


def test_the_stale_message_says_who_and_when():
    stamp = VersionStamp(3, "capturista.ss.bc2", datetime(2026, 12, 6, 16, 42, tzinfo=timezone.utc))
    refused = stale(stamp)
    assert refused.message.startswith(
        "Otra persona guardó esta tabla el 06/12/2026 10:42 (capturista.ss.bc2)")
    assert refused.status == 409 and refused.details["version"] == 3
    assert stamp.etag == '"3"'


def test_only_changed_rows_are_kept():
    start = {1: GridRow(1, shortage_outpatient="1200", cause="Falta de Equipo",
                        monthly_patients="3")}
    same = GridRow(1, shortage_outpatient="1,200", cause="falta de equipo", monthly_patients=" 3")
    assert not row_changed(same, start[1])
    assert not row_changed(GridRow(2), None)  # a blank row that started blank
    edited = GridRow(1, shortage_outpatient="5", cause="Falta de Equipo", monthly_patients="3")
    cleared = GridRow(3, surplus_outpatient="")
    assert changed_rows([same, edited, GridRow(2), cleared], start) == [edited]
    assert differing_fields(edited, start[1]) == {GridField.SHORTAGE_OUTPATIENT}
    assert differing_fields(GridRow(4, surplus_inpatient="x"), None) == {
        GridField.SURPLUS_INPATIENT}


@given(st.integers())
def test_ids_and_years_past_their_bounds_name_nothing(n):
    assert known_id(n) == (1 <= n <= MAX_ID)
    assert known_year(n) == (2000 <= n <= 2100)
    if not known_year(n):
        with pytest.raises(ValidationError, match="entre 2000 y 2100"):
            check_year(n)
    assert not known_id(True) and not known_id("5")
