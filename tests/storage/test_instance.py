"""One Kopir process per SQLite database; several on PostgreSQL."""

from __future__ import annotations

from pathlib import Path

import pytest

from bot.cli import main
from storage.instance import AnotherInstance, hold_single_instance


def test_second_instance_on_one_sqlite_file_is_refused_until_the_first_ends(tmp_path: Path):
    url = f"sqlite:///{tmp_path / 'kopir.db'}"
    first = hold_single_instance(url)

    with pytest.raises(AnotherInstance, match="several instances need PostgreSQL"):
        hold_single_instance(url)
    assert first is not None
    first.close()  # the process ended
    again = hold_single_instance(url)

    assert again is not None
    again.close()


def test_other_sqlite_files_and_postgresql_are_not_held(tmp_path: Path):
    first = hold_single_instance(f"sqlite:///{tmp_path / 'a.db'}")
    other = hold_single_instance(f"sqlite:///{tmp_path / 'b.db'}")

    assert (hold_single_instance("postgresql://postgres@127.0.0.1:5432/test"),
            hold_single_instance("sqlite://")) == (None, None)
    assert first is not None and other is not None
    first.close()
    other.close()


def test_kopir_run_beside_a_running_instance_says_so_and_starts_nothing(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
):
    url = f"sqlite:///{tmp_path / 'kopir.db'}"
    running = hold_single_instance(url)
    monkeypatch.setenv("KOPIR_DATABASE_URL", url)
    monkeypatch.setenv("TELEGRAM_BOT_TOKEN", "123456:TEST-TOKEN")

    code = main(["run"])

    assert (code, capsys.readouterr().err.strip().splitlines()[-1]) == (
        2, f"kopir: another Kopir is already running on {tmp_path / 'kopir.db'} (SQLite serves "
           "one process; several instances need PostgreSQL)")
    assert not (tmp_path / "kopir.db").exists()  # not even migrated
    assert running is not None
    running.close()
