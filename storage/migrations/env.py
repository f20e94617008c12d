"""Alembic environment: runs against the URL handed in by `storage.migrate`."""

from alembic import context
from sqlmodel import SQLModel

import storage.broadcast_models  # noqa: F401  (registers the tables on the metadata)
import storage.contest_models  # noqa: F401
import storage.coordination_models  # noqa: F401
import storage.feedback_models  # noqa: F401
import storage.models  # noqa: F401
import storage.org_models  # noqa: F401
import storage.persistence_models  # noqa: F401
from storage.db import make_engine

config = context.config
target_metadata = SQLModel.metadata


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url"))
    with engine.connect() as connection:
        _run(connection)
    engine.dispose()


def _run(connection) -> None:  # noqa: ANN001
    context.configure(
        connection=connection,
        target_metadata=target_metadata,
        render_as_batch=connection.dialect.name == "sqlite",
    )
    with context.begin_transaction():
        context.run_migrations()


run_migrations_online()
