"""Backups that restore, on SQLite and PostgreSQL: taken while the bot writes, restored
into an empty database only, migrated and counted against the manifest."""

from __future__ import annotations

import threading

import pytest
from sqlalchemy import create_engine, text

from bot.cli import main
from bot.services.registration import register_reader
from storage.backup import BackupError, Manifest, backup, manifest_path, restore, table_counts
from storage.db import normalize_url
from storage.models import User
from storage.uow import Database
from tests.factories import NOW, make_event, make_readers


def url_of(database: Database) -> str:
    return database.engine.url.render_as_string(hide_password=False)


def seed(database: Database, readers: int = 12) -> None:
    event = make_event(database, capacity=5)
    make_readers(database, range(1, readers + 1))
    for user_id in range(1, readers + 1):
        register_reader(database, event.id, user_id, NOW, waitlist=True)


def test_backup_restores_into_an_empty_database_with_the_same_rows(storage, empty_url, tmp_path):
    seed(storage)
    file = tmp_path / "kopir.backup"

    manifest = backup(url_of(storage), file, now=NOW)
    restored = restore(file, empty_url)

    assert restored == table_counts(url_of(storage)) == manifest.counts
    assert (manifest.counts["users"], manifest.counts["registrations"]) == (12, 12)
    assert Manifest.read(manifest_path(file)) == manifest


def test_backup_taken_while_readers_register_is_consistent(storage, empty_url, tmp_path):
    seed(storage)
    more = range(100, 400)
    make_readers(storage, more)
    event = make_event(storage, capacity=1000)
    started = threading.Event()

    def register_all() -> None:
        for user_id in more:
            register_reader(storage, event.id, user_id, NOW, waitlist=True)
            started.set()

    writer = threading.Thread(target=register_all)
    writer.start()
    started.wait(10)
    file = tmp_path / "kopir.backup"
    try:
        manifest = backup(url_of(storage), file, now=NOW)
    finally:
        writer.join()

    # The restore checks itself against the manifest: counts taken with the copy.
    assert restore(file, empty_url) == manifest.counts
    assert 12 < manifest.counts["registrations"] <= 12 + len(more)


def test_restore_into_a_database_that_is_not_empty_is_refused_and_changes_nothing(
    storage, tmp_path
):
    seed(storage)
    file = tmp_path / "kopir.backup"
    backup(url_of(storage), file, now=NOW)
    before = table_counts(url_of(storage))

    with pytest.raises(BackupError, match="not empty"):
        restore(file, url_of(storage))

    assert table_counts(url_of(storage)) == before


def test_backup_over_an_existing_file_is_refused(storage, tmp_path):
    file = tmp_path / "kopir.backup"
    file.write_bytes(b"yesterday's backup")

    with pytest.raises(BackupError, match="already exists"):
        backup(url_of(storage), file, now=NOW)

    assert (file.read_bytes(), manifest_path(file).exists()) == (b"yesterday's backup", False)


def test_restore_that_differs_from_its_manifest_is_an_error(storage, empty_url, tmp_path):
    seed(storage)
    file = tmp_path / "kopir.backup"
    manifest = backup(url_of(storage), file, now=NOW)
    Manifest(manifest.kind, manifest.revision, {**manifest.counts, "users": 13},
             manifest.taken_at).write(manifest_path(file))

    with pytest.raises(BackupError, match="differs from the backup"):
        restore(file, empty_url)


def test_cli_backup_and_restore_print_what_they_did(storage, empty_url, tmp_path, monkeypatch,
                                                    capsys):
    seed(storage)
    with storage.uow() as uow:
        total_users = len(list(uow.session.exec(text("SELECT id FROM users")).all()))
    file = tmp_path / "kopir.backup"
    monkeypatch.setenv("KOPIR_DATABASE_URL", url_of(storage))
    backed_up = main(["backup", str(file)])
    monkeypatch.setenv("KOPIR_DATABASE_URL", empty_url)
    restored = main(["restore", str(file)])
    again = main(["restore", str(file)])

    out, err = capsys.readouterr()
    rows = sum(table_counts(url_of(storage)).values())
    assert (backed_up, restored, again, total_users) == (0, 0, 1, 12)
    assert out.splitlines()[-2:] == [
        f"{rows} rows in {len(table_counts(empty_url))} tables backed up to {file}",
        f"{rows} rows in {len(table_counts(empty_url))} tables restored from {file}",
    ]
    assert err.strip().endswith(
        "kopir restore: the database is not empty: restore goes into an empty one")


def test_restore_without_a_backup_file_says_so(storage, tmp_path):
    with pytest.raises(BackupError, match="no backup file"):
        restore(tmp_path / "missing.backup", url_of(storage))


def test_user_rows_survive_with_their_fields(storage, empty_url, tmp_path):
    make_readers(storage, [7])
    file = tmp_path / "kopir.backup"
    backup(url_of(storage), file, now=NOW)
    restore(file, empty_url)

    restored = Database(create_engine(normalize_url(empty_url)))
    with storage.uow() as uow, restored.uow() as copy:
        original, kept = uow.session.get(User, 7), copy.session.get(User, 7)
        assert kept is not None and original is not None
        assert kept.model_dump() == original.model_dump()
    restored.dispose()
