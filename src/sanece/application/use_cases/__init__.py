"""The sanece use cases: one small class each, one transaction each, audited.

Every use case is called as ``use_case(actor, command)`` where ``actor`` is a
``sanece.application.access.Actor`` (username + scope). See each module:

- ``requests``: ``FilePatientDataChange``, ``FileMerge``, ``FileExpiryChange``,
  ``FileUnitChange``, ``FileRequirementChange`` (the director's S7–S11, with attachments)
- ``review``: ``ApproveRequest``, ``RejectRequest`` (Catálogo II, S12), ``UndoMerge`` (admin)
- ``evaluation``: ``RegisterEvaluation`` (S14)
- ``documents``: ``PrintFolioResponse`` (S4), ``ExtractFolios`` (S13)
- ``attachments``: ``OpenAttachment`` (downloads), ``BytesUpload``
- ``feedback``: ``SubmitFeedback`` (S15)
- ``imports``: ``ImportUnits``, ``ImportMedicines``, ``ImportPatients``, ``ImportFolios`` (S16)
"""
