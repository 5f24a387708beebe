"""Alembic migrations of the walkrun store, shipped inside the package (see ``walkrun.store.migrate``)."""
