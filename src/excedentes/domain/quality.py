"""Data quality at capture: outlier warnings on the Paso 6 grid and the comment they need.

A typed quantity (the monthly events of one column, or the monthly patients) is an *outlier*
when it is far from

- the **peers**: the same product's same column at the other units of the same level and
  institution. "Far" is a robust statistic, so that one absurd peer does not widen the range
  for everyone: the median ± ``mad_multiplier`` spreads, the spread being the scaled median
  absolute deviation (1.4826·MAD, the standard deviation for normal data) and at least
  ``relative_floor`` × median (identical peers have MAD 0, and 13 beside twelve 12s is not
  absurd). With fewer than ``min_peers`` peers there is no peer judgement at all;
- the unit's **own previous period**: the value grew or shrank by ``previous_ratio`` times
  or more, and by at least ``previous_min_change`` (3 → 18 is noise, 40 → 12,000 is not).

The thresholds are data (``OutlierThresholds.from_mapping``, read by an adapter from a file
the operator may change), never constants here. Every computation is exact (``Fraction``):
the verdicts do not depend on float rounding, and scaling every value by the same factor
never changes a peer verdict (the unit tests check it with hypothesis).

An outlier is not an error: it is kept when the row carries a comment that explains it
(``OutlierRequiresComment``), which the coordinador then reads in the entity's list.
"""

from __future__ import annotations

from fractions import Fraction
from typing import Any, Iterable, Mapping, Sequence

import attrs

from excedentes.domain.grid import QUANTITY_FIELDS, FieldError, GridField, GridRow
from excedentes.domain.records import quantity_value
from excedentes.domain.rules import format_int
from shared.kernel.errors import ValidationError
from shared.kernel.rules import BusinessRule

# the scaled MAD estimates the standard deviation of normally distributed values
_MAD_SCALE = Fraction(14826, 10000)
COMMENT_MAX_CHARS = 500

# how a column is named inside the explanation ("12,000 pacientes mensuales; …")
_FIELD_WORDS = {
    GridField.SHORTAGE_OUTPATIENT: "eventos mensuales de faltante ambulatorio",
    GridField.SHORTAGE_INPATIENT: "eventos mensuales de faltante hospitalario",
    GridField.SURPLUS_OUTPATIENT: "eventos mensuales de excedente ambulatorio",
    GridField.SURPLUS_INPATIENT: "eventos mensuales de excedente hospitalario",
    GridField.MONTHLY_PATIENTS: "pacientes mensuales",
}


def _fraction(name: str, value: Any, *, minimum: Fraction) -> Fraction:
    try:
        out = Fraction(str(value))
    except (TypeError, ValueError, ZeroDivisionError):
        raise ValidationError(f"Umbral de valores atípicos no válido: {name} = {value!r}.",
                              log_message=f"bad outlier threshold {name}={value!r}")
    if out < minimum:
        raise ValidationError(f"Umbral de valores atípicos no válido: {name} debe ser al "
                              f"menos {minimum}.", log_message=f"outlier threshold {name} low")
    return out


@attrs.frozen
class OutlierThresholds:
    """How far is too far (see the module's docstring)."""

    mad_multiplier: Fraction = Fraction(7, 2)
    relative_floor: Fraction = Fraction(1, 4)
    min_peers: int = 4
    previous_ratio: Fraction = Fraction(5)
    previous_min_change: int = 10

    @classmethod
    def from_mapping(cls, data: Mapping[str, Any]) -> "OutlierThresholds":
        """From the data file's object; missing keys keep the defaults, unknown keys and
        nonsense values are refused (a typo must not silently disable the warnings)."""
        known = {f.name for f in attrs.fields(cls)}
        unknown = sorted(set(data) - known)
        if unknown:
            raise ValidationError(f"Umbral de valores atípicos desconocido: {', '.join(unknown)}.",
                                  log_message=f"unknown outlier thresholds {unknown}")
        base = cls()
        return cls(
            mad_multiplier=_fraction("mad_multiplier",
                                     data.get("mad_multiplier", base.mad_multiplier),
                                     minimum=Fraction(1, 10)),
            relative_floor=_fraction("relative_floor",
                                     data.get("relative_floor", base.relative_floor),
                                     minimum=Fraction(0)),
            min_peers=int(_fraction("min_peers", data.get("min_peers", base.min_peers),
                                    minimum=Fraction(1))),
            previous_ratio=_fraction("previous_ratio",
                                     data.get("previous_ratio", base.previous_ratio),
                                     minimum=Fraction(1)),
            previous_min_change=int(_fraction(
                "previous_min_change", data.get("previous_min_change", base.previous_min_change),
                minimum=Fraction(0))),
        )


def _median(sorted_values: Sequence[Fraction]) -> Fraction:
    n = len(sorted_values)
    mid = n // 2
    return sorted_values[mid] if n % 2 else (sorted_values[mid - 1] + sorted_values[mid]) / 2


@attrs.frozen
class PeerRange:
    """What the peers report: ``low``..``high`` is the accepted band (median ± k spreads);
    ``typical_low``..``typical_high`` the peers' own values inside it (what the warning
    quotes: "reportan entre 5 y 40")."""

    count: int
    median: Fraction
    low: Fraction
    high: Fraction
    typical_low: int
    typical_high: int

    def contains(self, value: int) -> bool:
        return self.low <= value <= self.high


def peer_range(peers: Iterable[int], thresholds: OutlierThresholds) -> PeerRange | None:
    """The peers' band, or None when there are too few peers to judge by."""
    peers = list(peers)
    if all(type(v) is int for v in peers):
        return _peer_range_of_ints(sorted(peers), thresholds)
    return _peer_range(peers, thresholds)


def _peer_range_of_ints(values: list[int], thresholds: OutlierThresholds) -> PeerRange | None:
    """``_peer_range`` of whole numbers (sorted), as exact, with whole numbers where it can:
    twice the median and twice each deviation from it are whole, so only the last few steps
    need fractions (a Cirugía grid's save judged hundreds of bands, each value a
    ``Fraction``). A unit test checks both agree."""
    n = len(values)
    if not values or n < thresholds.min_peers:
        return None
    mid = n // 2
    median2 = 2 * values[mid] if n % 2 else values[mid - 1] + values[mid]  # 2 x median
    deviations2 = sorted(abs(2 * v - median2) for v in values)  # 2 x |v - median|
    median = Fraction(median2, 2)
    mad = (Fraction(deviations2[mid], 2) if n % 2
           else Fraction(deviations2[mid - 1] + deviations2[mid], 4))
    spread = max(_MAD_SCALE * mad, thresholds.relative_floor * abs(median))
    low = min(median - thresholds.mad_multiplier * spread, Fraction(values[(n - 1) // 2]))
    high = max(median + thresholds.mad_multiplier * spread, Fraction(values[n // 2]))
    typical = [v for v in values if low <= v <= high]  # never empty (the middle values)
    return PeerRange(n, median, low, high, typical[0], typical[-1])


def _peer_range(peers: Iterable[Any], thresholds: OutlierThresholds) -> PeerRange | None:
    values = sorted(Fraction(v) for v in peers)
    if not values or len(values) < thresholds.min_peers:
        return None
    median = _median(values)
    mad = _median(sorted(abs(v - median) for v in values))
    spread = max(_MAD_SCALE * mad, thresholds.relative_floor * abs(median))
    n = len(values)
    # the band always holds the middle value(s): an even count's median may be no one's value
    low = min(median - thresholds.mad_multiplier * spread, values[(n - 1) // 2])
    high = max(median + thresholds.mad_multiplier * spread, values[n // 2])
    typical = [v for v in values if low <= v <= high]  # never empty (the middle values)
    return PeerRange(len(values), median, low, high, int(min(typical)), int(max(typical)))


def far_from_previous(value: int, previous: int | None, thresholds: OutlierThresholds) -> bool:
    """The unit's own change since the previous period is too large to pass unremarked."""
    if previous is None or previous <= 0 or value <= 0:
        return False
    if abs(value - previous) < thresholds.previous_min_change:
        return False
    small, large = sorted((value, previous))
    return large >= thresholds.previous_ratio * small


@attrs.frozen
class Outlier:
    field: GridField
    value: int
    explanation: str  # "12,000 pacientes mensuales; unidades de segundo nivel reportan …"


@attrs.frozen
class RowContext:
    """What one grid row is judged against: the unit's row of the previous period (None when
    it reported nothing) and, per quantity column, the peers' values this period."""

    level: str  # "SEGUNDO NIVEL"
    previous_year: int | None = None
    previous: GridRow | None = None
    peers: Mapping[GridField, Sequence[int]] = attrs.field(factory=dict)


def _typed(row: GridRow | None, field: GridField) -> int | None:
    if row is None:
        return None
    text = getattr(row, _ATTRS[field])
    # a blank input has no value: most of a grid's inputs, so not parsed
    return quantity_value(text) if text and not text.isspace() else None


# each field's ``GridRow`` attribute, read once (an enum's ``.value`` is a descriptor call)
_ATTRS = {f: f.value for f in GridField}


def value_outlier(field: GridField, value: int, context: RowContext,
                  thresholds: OutlierThresholds) -> Outlier | None:
    """The warning for one typed quantity, or None. Peers are judged first: the explanation
    quotes the range a coordinador would compare with."""
    band = peer_range(context.peers.get(field, ()), thresholds)
    if band is not None and not band.contains(value):
        words = f"{format_int(value)} {_FIELD_WORDS[field]}"
        level = context.level.strip().lower() or "su nivel"
        if band.typical_low == band.typical_high:
            said = f"reportan {format_int(band.typical_low)}"
        else:
            said = (f"reportan entre {format_int(band.typical_low)} y "
                    f"{format_int(band.typical_high)}")
        return Outlier(field, value, f"{words}; unidades de {level} {said}")
    previous = _typed(context.previous, field)
    if far_from_previous(value, previous, thresholds):
        words = f"{format_int(value)} {_FIELD_WORDS[field]}"
        when = f"en {context.previous_year}" if context.previous_year else "el periodo anterior"
        return Outlier(field, value,
                       f"{words}; {when} esta unidad reportó {format_int(previous or 0)}")
    return None


def row_outliers(row: GridRow, context: RowContext,
                 thresholds: OutlierThresholds) -> tuple[Outlier, ...]:
    """Every outlier of a row's typed quantities (unparseable ones are the grid's errors)."""
    if context.previous is None and not context.peers:
        return ()  # nothing to compare with (most rows of a big grid): no value is parsed
    out = []
    for field in QUANTITY_FIELDS:
        value = _typed(row, field)
        if value is not None and (found := value_outlier(field, value, context, thresholds)):
            out.append(found)
    return tuple(out)


def clean_comment(raw: Any) -> str:
    """A comment as stored: trimmed, inner whitespace kept; too long is refused."""
    text = "" if raw is None else str(raw).strip()
    if len(text) > COMMENT_MAX_CHARS:
        raise ValidationError(f"El comentario admite hasta {COMMENT_MAX_CHARS} caracteres.",
                              log_message="comment too long")
    return text


class OutlierRequiresComment(BusinessRule):
    """A value far from the usual is saved only with a comment that explains it."""

    def __init__(self, outlier: Outlier, comment: str) -> None:
        self.outlier = outlier
        self.comment = comment

    def is_broken(self) -> bool:
        return not self.comment.strip()

    def get_message(self) -> str:
        return (f"Valor atípico: {self.outlier.explanation}. Si es correcto, escriba un "
                f"comentario que lo explique; si no, corríjalo.")


@attrs.frozen
class ValueNote:
    """What is kept beside a unit's row of a product: the capturista's comment and, when the
    values were outliers at their save, the explanation shown then (the coordinador's list)."""

    comment: str = ""
    outlier: str | None = None

    @property
    def is_empty(self) -> bool:
        return not self.comment and not self.outlier


@attrs.frozen
class QualityVerdict:
    """``errors``: outliers without a comment (the save is refused whole, as any grid error);
    otherwise ``notes``: the note of every row judged (an empty one deletes what was kept)."""

    errors: tuple[FieldError, ...]
    notes: Mapping[int, ValueNote]


def judge_rows(rows: Sequence[GridRow], contexts: Mapping[int, RowContext],
               comments: Mapping[int, str], thresholds: OutlierThresholds) -> QualityVerdict:
    """The rows about to be saved (already valid): each outlier needs its row's comment."""
    errors: list[FieldError] = []
    notes: dict[int, ValueNote] = {}
    for index, row in enumerate(rows):
        if row.is_blank:  # a cleared row: its comment and warning go with its values
            notes[row.product_id] = ValueNote()
            continue
        context = contexts.get(row.product_id)
        found = row_outliers(row, context, thresholds) if context is not None else ()
        comment = clean_comment(comments.get(row.product_id, ""))
        for outlier in found:
            rule = OutlierRequiresComment(outlier, comment)
            if rule.is_broken():
                errors.append(FieldError(index, row.product_id, outlier.field,
                                         rule.get_message()))
        explanation = " · ".join(o.explanation for o in found) or None
        notes[row.product_id] = ValueNote(comment, explanation)
    return QualityVerdict(tuple(errors), notes if not errors else {})
