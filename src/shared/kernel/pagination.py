"""Pages of a list: what the caller asks for (``PageRequest``), what it gets (``Page``) and
``paginate``, which asks a query for one page and clamps a page past the end to the last one.

A page past the end ("?pagina=99" of 30 records) is answered with the last page, so that the
summary and the pager always agree with the rows shown: "Mostrando 21 a 30 de 30 registros",
never "Mostrando 981 a 30 de 30 registros".
"""

from __future__ import annotations

from typing import Callable, Generic, Sequence, TypeVar

import attrs

T = TypeVar("T")
MAX_SIZE = 500
# Far past any real list, yet every offset (MAX_PAGE * MAX_SIZE) fits a 64-bit SQL integer: a
# page number of any size is clamped here and then answered as the last page (``paginate``),
# never handed to the database as an OFFSET it cannot hold.
MAX_PAGE = 1_000_000_000

# A query answering one page: (offset, limit) -> (the rows, the total without paging).
PageQuery = Callable[[int, int], "tuple[Sequence[T], int]"]


@attrs.frozen
class PageRequest:
    page: int = attrs.field(default=1, converter=lambda v: min(MAX_PAGE, max(1, int(v))))
    size: int = attrs.field(default=10, converter=lambda v: min(MAX_SIZE, max(1, int(v))))
    search: str = ""

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size

    def within(self, total: int) -> "PageRequest":
        """This request, or the last page of ``total`` records when it asks past the end."""
        last = last_page(total, self.size)
        return self if self.page <= last else attrs.evolve(self, page=last)


def last_page(total: int, size: int) -> int:
    """The number of the last page of ``total`` records (1 when there are none)."""
    return max(1, -(-max(0, total) // max(1, size)))


@attrs.frozen
class Page(Generic[T]):
    """One page of rows. ``first``/``last`` count the rows really shown, so the summary never
    contradicts the table (build pages with ``paginate`` so that a page past the end shows the
    last page's rows)."""

    items: Sequence[T]
    total: int
    request: PageRequest

    @property
    def first(self) -> int:
        return self.request.offset + 1 if self.items and self.total else 0

    @property
    def last(self) -> int:
        return min(self.total, self.request.offset + len(self.items)) if self.first else 0

    @property
    def pages(self) -> int:
        return last_page(self.total, self.request.size)

    @property
    def summary(self) -> str:
        """The legacy DataTables wording the users know."""
        word = "registro" if self.total == 1 else "registros"
        return f"Mostrando {self.first} a {self.last} de {self.total} {word}"


def paginate(request: PageRequest, query: "PageQuery[T]") -> Page[T]:
    """Ask ``query`` for the requested page; a page past the end is asked again as the last
    page (the total is only known after the first answer; a list that shrank in between is
    clamped again)."""
    items, total = query(request.offset, request.size)
    clamped = request.within(total)
    while clamped != request:
        request = clamped
        items, total = query(request.offset, request.size)
        clamped = request.within(total)
    return Page(tuple(items), total, request)
