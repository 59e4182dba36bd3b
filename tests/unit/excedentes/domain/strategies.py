"""Hypothesis strategies and small builders shared by the excedentes unit tests."""

from __future__ import annotations

from datetime import datetime, timezone

from hypothesis import strategies as st

from excedentes.domain.catalog import Period
from excedentes.domain.records import Cause, Modality, Record, RecordKind
from excedentes.domain.rules import MAX_QUANTITY
from excedentes.domain.signed import SignedReportFile
from shared.kernel.clock import FixedClock

T0 = datetime(2024, 5, 3, 18, 30, tzinfo=timezone.utc)

clues = st.builds(
    lambda letters, digits: letters + digits,
    st.text("ABCDEFGHIJKLMNOPQRSTUVWXYZ", min_size=5, max_size=5),
    st.text("0123456789", min_size=6, max_size=6),
)
quantities = st.integers(min_value=1, max_value=MAX_QUANTITY)
small_quantities = st.integers(min_value=1, max_value=5000)
causes = st.sampled_from(list(Cause))
product_ids = st.integers(min_value=1, max_value=40)


def clock(at: datetime = T0) -> FixedClock:
    return FixedClock(at)


def period(**kw: object) -> Period:
    values: dict[str, object] = {"institution_code": "IMSS", "year": 2024}
    values.update(kw)
    return Period(**values)  # type: ignore[arg-type]


def pdf_file(size: int = 1000, key: str = "k", content_type: str = "application/pdf"
             ) -> SignedReportFile:
    return SignedReportFile(storage_key=key, original_name="firmado.pdf", size=size,
                            sha256="0" * 64, content_type=content_type)


@st.composite
def unit_records(draw: st.DrawFn, unit: str | None = None, max_products: int = 6
                 ) -> list[Record]:
    """A valid set of records of one unit, as the grid would produce them."""
    c = unit or draw(clues)
    out: list[Record] = []
    for pid in draw(st.sets(product_ids, max_size=max_products)):
        patients = draw(small_quantities)
        cause = draw(causes)
        for modality in Modality:
            kind = draw(st.sampled_from([None, RecordKind.SHORTAGE, RecordKind.SURPLUS]))
            if kind is None:
                continue
            out.append(Record(c, pid, kind, modality, draw(small_quantities), patients,
                              cause if kind is RecordKind.SHORTAGE else None))
    return out
