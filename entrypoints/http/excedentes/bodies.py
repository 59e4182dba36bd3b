"""JSON request bodies of the excedentes API (attrs classes).

They are structured with the platform's strict cattrs converter (``entrypoints.http.bodies``:
``@put(..., **json_body(AnswerBody))`` with ``data: JSONBody[AnswerBody]``): malformed JSON
answers 400 and a body that does not fit (missing field, wrong type, unknown field) 422, both
as problem details whose ``errors`` list every problem with its JSON path, in Spanish; the
OpenAPI schema documents each class.
"""

from __future__ import annotations

from datetime import date

import attrs


# --------------------------------------------------------------------------- bodies


@attrs.frozen
class AnswerBody:
    """Paso 2: "SI" or "NO"."""

    answer: str


@attrs.frozen
class GridRowBody:
    """One Paso 6 row; quantities may be sent as numbers or text, empty or null = nothing."""

    product_id: int
    shortage_outpatient: str | None = None
    shortage_inpatient: str | None = None
    cause: str | None = None
    surplus_outpatient: str | None = None
    surplus_inpatient: str | None = None
    monthly_patients: str | None = None
    # the row's comment (needed to keep a value warned as an outlier); None keeps the stored one
    comment: str | None = None


@attrs.frozen
class SaveGridBody:
    """Paso 6 "Guardar": the rows to change (products not sent keep their records; a row
    sent blank deletes that product's records). ``specialty_id`` is required for
    institutions with Paso 5. Send ``If-Match`` with the ETag of the grid's GET: 428 without
    it, 412 when someone saved the grid since (nothing is changed)."""

    rows: list[GridRowBody]
    specialty_id: int | None = None


@attrs.frozen
class FinalizeBody:
    """Paso 7: the user's own password, re-entered to confirm."""

    password: str


@attrs.frozen
class ReasonBody:
    """Apertura or rejection: the reason, recorded in the audit trail."""

    reason: str


@attrs.frozen
class ReviewBody:
    """Review by levels: ``accept``, ``return`` (``reason_code`` of the catalog and an optional
    ``note``) or ``revert`` (admin; ``note`` is the required reason)."""

    action: str
    reason_code: str | None = None
    note: str | None = None


@attrs.frozen
class CreatePeriodBody:
    year: int
    is_open: bool = True
    window_start: date | None = None
    window_end: date | None = None


@attrs.frozen
class WindowBody:
    """Capture window dates (ISO ``AAAA-MM-DD``); null clears a date."""

    window_start: date | None = None
    window_end: date | None = None


@attrs.frozen
class ProductRequestBody:
    """"Solicitar producto" from a Paso 6 grid."""

    group_id: int
    product_name: str
    unit_of_measure: str
    specialty_id: int | None = None
    justification: str = ""
