"""The `kopir` command's own set-up."""

from __future__ import annotations

import logging

from bot.cli import main


def test_cli_keeps_the_schedulers_job_runs_out_of_the_info_log(monkeypatch, capsys):
    scheduler = logging.getLogger("apscheduler")
    monkeypatch.setattr(scheduler, "level", logging.NOTSET)
    monkeypatch.delenv("KOPIR_HEALTH_PORT", raising=False)
    monkeypatch.delenv("KOPIR_WEBHOOK_URL", raising=False)

    main(["health"])  # any command: the logging is set up first

    capsys.readouterr()
    assert scheduler.level == logging.WARNING
