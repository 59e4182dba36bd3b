"""The pure domain of the Excedentes y Faltantes collection (standard library, attrs and
``shared.kernel`` only; no I/O, no clock reads).

Modules:

- ``rules``: every business rule as a small named ``BusinessRule`` with its Spanish message;
- ``errors``: ``EntityLocked``, ``CaptureClosed``, ``GridInvalid``, ``SignedReportTooLarge``…;
- ``catalog``: ``Service`` > ``ServiceGroup`` > ``Specialty`` > ``Product``; ``MedicalUnit``,
  ``Entity``, ``Period`` (capture window);
- ``institution``: ``Institution`` as data (wording, signatures, signed-PDF limit, levels);
- ``records``: ``Record`` (one shortage/surplus of a product, modality and unit), ``Cause``,
  ``RecordKind``, ``Modality``, ``parse_quantity``;
- ``grid``: the Paso 6 grid (``GridRow`` raw strings -> ``Record``s or every ``FieldError``);
- ``model``: the ``EntityReport`` aggregate (answer, records, finalize, reopen, signed reports);
- ``signed``: signed-report upload policy and versions;
- ``dashboard``: state, status light and labels of the tablero, derived from the aggregate;
- ``product_requests``: "solicitar producto" requests (pending -> accepted | rejected);
- ``imports``: line-numbered, all-or-nothing validation of catalog and unit imports;
"""
