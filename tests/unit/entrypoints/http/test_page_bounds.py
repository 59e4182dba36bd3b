"""Page numbers of any size are clamped before they reach SQL, then answered as the last page;
whole numbers past a 64-bit integer are refused in query strings and JSON bodies."""

from __future__ import annotations

import attrs
import pytest

from entrypoints.http.bodies import structure
from entrypoints.http.forms import parse_int
from shared.kernel.errors import ValidationError
from shared.kernel.pagination import MAX_PAGE, MAX_SIZE, PageRequest, paginate

INT64_MAX = 2**63 - 1


def test_a_huge_page_number_is_clamped_to_an_offset_sql_can_hold():
    page = PageRequest(10**20, MAX_SIZE)
    assert page.page == MAX_PAGE
    assert page.offset + page.size <= INT64_MAX


def test_paginate_answers_the_last_page_for_a_huge_page_number():
    rows = list(range(23))
    asked: list[int] = []

    def query(offset: int, limit: int):
        asked.append(offset)
        assert offset <= INT64_MAX
        return rows[offset:offset + limit], len(rows)

    page = paginate(PageRequest(10**20, 10), query)
    assert page.request.page == 3 and list(page.items) == [20, 21, 22]
    assert page.summary == "Mostrando 21 a 23 de 23 registros"
    assert asked[-1] == 20


def test_parse_int_refuses_numbers_past_64_bits():
    assert parse_int("9" * 18, "id") == 10**18 - 1
    with pytest.raises(ValidationError, match="«id» es demasiado grande"):
        parse_int("9" * 19, "id")
    with pytest.raises(ValidationError, match="demasiado grande"):
        parse_int("-" + "9" * 5000, "id")


@attrs.define
class _Body:
    n: int


@pytest.mark.parametrize("value", [2**63, -(2**63) - 1, 10**20, "1" * 19])
def test_a_json_number_past_64_bits_is_a_field_error(value):
    with pytest.raises(ValidationError) as refused:
        structure({"n": value}, _Body)
    assert any("$.n" in str(d) for d in refused.value.details), refused.value.details


@pytest.mark.parametrize("value", [2**63 - 1, -(2**63), "42", 0])
def test_json_numbers_within_64_bits_are_accepted(value):
    assert structure({"n": value}, _Body).n == int(value)
