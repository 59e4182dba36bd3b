from __future__ import annotations

from typing import Generic, Sequence, TypeVar

import attrs

T = TypeVar("T")


@attrs.frozen
class PageRequest:
    page: int = attrs.field(default=1, converter=lambda v: max(1, int(v)))
    size: int = attrs.field(default=10, converter=lambda v: min(500, max(1, int(v))))
    search: str = ""

    @property
    def offset(self) -> int:
        return (self.page - 1) * self.size


@attrs.frozen
class Page(Generic[T]):
    items: Sequence[T]
    total: int
    request: PageRequest

    @property
    def first(self) -> int:
        return 0 if self.total == 0 else self.request.offset + 1

    @property
    def last(self) -> int:
        return min(self.total, self.request.offset + len(self.items))

    @property
    def pages(self) -> int:
        return max(1, -(-self.total // self.request.size))

    @property
    def summary(self) -> str:
        """The legacy DataTables wording the users know."""
        word = "registro" if self.total == 1 else "registros"
        return f"Mostrando {self.first} a {self.last} de {self.total} {word}"
