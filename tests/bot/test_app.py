"""The composition root: what it starts at start-up it stops at shutdown (the hooks PTB's
run_polling calls after `initialize` and after `shutdown`)."""

from dataclasses import replace

import pytest

from bot.app import build_application
from bot.core.context import app_context


async def test_app_shutdown_disposes_the_database_it_opened(settings, migrated_template,
                                                            tmp_path, catalogs, clock):
    url = f"sqlite:///{tmp_path / 'own.db'}"
    (tmp_path / "own.db").write_bytes(migrated_template.read_bytes())
    application = build_application(replace(settings, database_url=url), clock=clock,
                                    catalogs=catalogs, start_delivery=False)
    database = app_context(application.bot_data).database
    with database.uow() as uow:
        uow.users.get(1)
    pool_in_use = database.engine.pool

    await application.initialize()
    await application.shutdown()
    await application.post_shutdown(application)

    assert database.engine.pool is not pool_in_use
    with pytest.raises(RuntimeError, match="after shutdown"):
        app_context(application.bot_data).executor.submit(int)


async def test_app_shutdown_leaves_a_database_handed_in_to_its_owner(settings, clock, database,
                                                                     catalogs):
    application = build_application(settings, clock=clock, database=database,
                                    catalogs=catalogs, start_delivery=False)
    pool_in_use = database.engine.pool

    await application.initialize()
    await application.shutdown()
    await application.post_shutdown(application)

    assert database.engine.pool is pool_in_use
