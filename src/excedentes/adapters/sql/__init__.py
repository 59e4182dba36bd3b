"""SQL adapters of the excedentes context: ``tables`` (Core tables on the product's one
metadata), ``repositories`` + ``uow`` (write side), ``read_model`` (queries)."""
