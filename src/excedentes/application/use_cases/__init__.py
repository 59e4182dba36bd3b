"""The excedentes use cases: one small class each, one transaction each, audited.

Every use case is called as ``use_case(actor, command)`` where ``actor`` is an
``excedentes.application.access.Actor`` (username + scope). See each module:

- ``capture``: ``AnswerStep2``, ``SaveGrid``, ``FinalizeReport`` (the capturista's Pasos 2, 6, 7)
- ``coordination``: ``ReopenEntity``, ``CreatePeriod``, ``OpenPeriod``, ``ClosePeriod``,
  ``SetCaptureWindow``
- ``reports``: ``PrintReport``, ``UploadSignedReport``, ``OpenSignedReport`` (Pasos 8, 9)
- ``product_requests``: ``FileProductRequest``, ``AcceptProductRequest``,
  ``RejectProductRequest``, ``AcknowledgeDecisions``
- ``catalog``: ``ImportCatalog``, ``ExportCatalog``, ``ImportUnits``, ``ExportUnits``
- ``exports``: ``ExportRecords`` (E14)
"""
