"""SQLAlchemy Core tables of the excedentes context (on the product's one MetaData)."""
