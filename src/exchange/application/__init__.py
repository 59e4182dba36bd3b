"""Use cases, ports and read-side views of the exchange analysis.

- ``ports``: every port of the context (source of records, unit of work, read model,
  documents, flow solver);
- ``model``: scope (``Viewer``), filters and the plain data the ports carry;
- ``snapshot``: the saved result of an analysis and every figure computed from it;
- ``views``: what pages, API, CLI and documents show;
- ``use_cases``: run, read, export and print analyses.
"""
