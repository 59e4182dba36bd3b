"""Long work as jobs: a state machine (``domain``), the use cases and ports (``application``)
and the embedded adapter (``adapters``: state in the product's database, worker threads)."""
