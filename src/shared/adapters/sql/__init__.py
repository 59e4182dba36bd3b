from shared.adapters.sql.database import (  # noqa: F401
    SqlUnitOfWork,
    UtcDateTime,
    create_engine,
    metadata,
    normalize_url,
    session_factory,
)
