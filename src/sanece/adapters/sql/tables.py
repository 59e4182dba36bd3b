"""SQLAlchemy Core tables of the sanece context (on the product's one MetaData)."""
