"""The pagination arithmetic every list shares (both contexts): whatever page and size are
asked for, the summary agrees with the rows shown, and a page past the end is the last page
(the acceptance review saw "Mostrando 981 a 30 de 30 registros")."""

from __future__ import annotations

import re

from hypothesis import given
from hypothesis import strategies as st

from shared.kernel.pagination import MAX_SIZE, Page, PageRequest, last_page, paginate

SUMMARY = re.compile(r"Mostrando (\d+) a (\d+) de (\d+) registros?")


def list_query(rows: list[int], calls: list[tuple[int, int]] | None = None):  # type: ignore[no-untyped-def]
    """A query over a list, as the SQL read models answer: (page of rows, total)."""
    def query(offset: int, limit: int) -> tuple[list[int], int]:
        if calls is not None:
            calls.append((offset, limit))
        return rows[offset:offset + limit], len(rows)

    return query


@given(total=st.integers(0, 2000), page=st.integers(-5, 10_000), size=st.integers(-5, 2000))
def test_the_summary_always_agrees_with_the_rows_shown(total: int, page: int, size: int) -> None:
    rows = list(range(1, total + 1))
    result = paginate(PageRequest(page, size), list_query(rows))
    first, last, of = (int(g) for g in SUMMARY.fullmatch(result.summary).groups())  # type: ignore[union-attr]
    assert of == result.total == total
    if total == 0:
        assert result.summary == "Mostrando 0 a 0 de 0 registros"
        assert result.items == () and result.pages == 1 and result.request.page == 1
        return
    assert 1 <= first <= last <= total
    assert list(result.items) == rows[first - 1:last]  # exactly the rows the summary names
    assert 1 <= result.request.page <= result.pages == -(-total // result.request.size)
    assert result.request.size == min(MAX_SIZE, max(1, size))
    asked = max(1, page)
    if asked <= result.pages:
        assert result.request.page == asked
    else:  # past the end: the last page, full or partial
        assert result.request.page == result.pages and last == total
    word = "registro" if total == 1 else "registros"
    assert result.summary == f"Mostrando {first} a {last} de {total} {word}"


def test_the_reviews_example_and_the_queries_asked() -> None:
    calls: list[tuple[int, int]] = []
    page = paginate(PageRequest(99, 10), list_query(list(range(30)), calls))
    assert page.summary == "Mostrando 21 a 30 de 30 registros"
    assert page.request.page == 3 and len(page.items) == 10
    assert calls == [(980, 10), (20, 10)]  # asked once more, for the last page only
    calls.clear()
    assert paginate(PageRequest(2, 10), list_query(list(range(30)), calls)).first == 11
    assert calls == [(10, 10)]  # a page inside the list costs one query
    assert paginate(PageRequest(1, 10), list_query([1])).summary == \
        "Mostrando 1 a 1 de 1 registro"


def test_a_list_that_shrinks_between_the_two_queries_is_clamped_again() -> None:
    answers = iter([([], 40), ([], 15), ([11, 12, 13, 14, 15], 15)])
    page = paginate(PageRequest(9, 5), lambda offset, limit: next(answers))
    assert page.request.page == 3 and page.summary == "Mostrando 11 a 15 de 15 registros"


@given(total=st.integers(0, 100), page=st.integers(1, 50), size=st.integers(1, 20),
       shown=st.integers(0, 20))
def test_a_page_built_by_hand_never_contradicts_its_rows(total: int, page: int, size: int,
                                                         shown: int) -> None:
    request = PageRequest(page, size)
    items = tuple(range(max(0, min(shown, size, total - request.offset))))
    p = Page(items, total, request)
    first, last = p.first, p.last
    if items:
        assert 1 <= first <= last <= total and last - first + 1 == len(items)
    else:
        assert (first, last) == (0, 0)
    assert p.pages == last_page(total, size) >= 1
    assert request.within(total).page == min(page, p.pages)
