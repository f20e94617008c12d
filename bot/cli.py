"""The `kopir` command: run, sandbox, import, db upgrade, backup, restore, report."""

from __future__ import annotations

import argparse
import asyncio
import gc
import logging
import os
import signal
import sys
from pathlib import Path
from typing import TYPE_CHECKING

from bot.core.settings import Settings, SettingsError, load_dotenv_file

if TYPE_CHECKING:
    from telegram.ext import Application


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="kopir", description="Kopir, the library bridge bot")
    commands = parser.add_subparsers(dest="command")
    run = commands.add_parser(
        "run", help="run the bot: long polling, or webhook mode when KOPIR_WEBHOOK_URL is set"
    )
    run.add_argument(
        "--or-sandbox",
        action="store_true",
        help="start the offline sandbox instead when no token is configured",
    )
    commands.add_parser("sandbox", help="offline sandbox: fake Telegram and a chat in the terminal")
    importer = commands.add_parser(
        "import", help="create or update events and contests from a YAML file"
    )
    importer.add_argument("file")
    db = commands.add_parser("db", help="database maintenance")
    db.add_argument("action", choices=["upgrade"])
    backup = commands.add_parser(
        "backup", help="back the database up to FILE (and FILE.manifest.json), also while running"
    )
    backup.add_argument("file")
    restore = commands.add_parser(
        "restore", help="restore FILE into the empty database, migrate it and check its rows"
    )
    restore.add_argument("file")
    commands.add_parser(
        "health", help="ask the running bot's /healthz (exit 0 when healthy): for healthchecks"
    )
    report = commands.add_parser(
        "report", help="the report for a period: paragraph (.txt), XLSX, CSV and PNG charts"
    )
    report.add_argument("--from", dest="first", required=True, help="first day, 2026-01-01")
    report.add_argument("--to", dest="last", required=True, help="last day, 2026-09-30")
    report.add_argument("--library", help="one library's name (default: all libraries)")
    report.add_argument("--lang", default=None, help="kk, ru, uk or en (default: the bot's)")
    report.add_argument("--out", default=".", help="directory the files are written to")
    args = parser.parse_args(argv)
    # python-telegram-bot 22 deprecates int durations (RetryAfter.retry_after and
    # friends); opt in to timedeltas now so the code is ready for 23.
    os.environ.setdefault("PTB_TIMEDELTA", "true")

    logging.basicConfig(
        level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s"
    )
    # httpx logs every polling request at INFO, APScheduler every run of the sender's and the
    # broadcast status's jobs (every few seconds); that drowns what matters.
    logging.getLogger("httpx").setLevel(logging.WARNING)
    logging.getLogger("apscheduler").setLevel(logging.WARNING)
    load_dotenv_file()
    try:
        settings = Settings.from_env()
    except SettingsError as error:
        sys.stderr.write(f"kopir: configuration error: {error}\n")
        return 2

    command = args.command or "run"
    if command == "run" and not settings.token and getattr(args, "or_sandbox", False):
        command = "sandbox"
    if command == "run":
        return _run(settings)
    if command == "sandbox":
        from bot.sandbox.runner import run_sandbox

        return run_sandbox(settings)
    if command == "import":
        from bot.importing.events import import_command

        return import_command(settings, args.file)
    if command == "health":
        return _health(settings)
    if command == "report":
        from bot.files.report_files import report_command

        return report_command(settings, args.first, args.last, args.library, args.lang,
                              Path(args.out))
    if command in ("backup", "restore"):
        return _backup_or_restore(command, settings.database_url, Path(args.file))
    from storage.migrate import upgrade

    upgrade(settings.database_url)
    sys.stdout.write("database is up to date\n")
    return 0


def _health(settings: Settings) -> int:
    """0 when the running bot's /healthz answers 200 (the webhook's port in webhook mode,
    else KOPIR_HEALTH_PORT), 1 when it answers otherwise or not at all, 2 when neither
    is configured."""
    import urllib.error
    import urllib.request

    address = settings.service_address()
    if address is None or not address[1]:
        sys.stderr.write("kopir health: set KOPIR_HEALTH_PORT (or webhook mode) first\n")
        return 2
    host, port = address
    host = "127.0.0.1" if host in ("0.0.0.0", "::", "") else host  # noqa: S104
    try:
        with urllib.request.urlopen(f"http://{host}:{port}/healthz", timeout=5) as answer:  # noqa: S310
            sys.stdout.write(answer.read().decode() + "\n")
            return 0
    except urllib.error.HTTPError as error:
        sys.stdout.write(error.read().decode() + "\n")
    except OSError as error:
        sys.stderr.write(f"kopir health: no answer from {host}:{port}: {error}\n")
    return 1


def _backup_or_restore(command: str, database_url: str, file: Path) -> int:
    from storage.backup import BackupError, backup, restore

    try:
        if command == "backup":
            counts = backup(database_url, file).counts
        else:
            counts = restore(file, database_url)
    except BackupError as error:
        sys.stderr.write(f"kopir {command}: {error}\n")
        return 1
    rows = sum(counts.values())
    done = "backed up to" if command == "backup" else "restored from"
    sys.stdout.write(f"{rows} rows in {len(counts)} tables {done} {file}\n")
    return 0


def _run(settings: Settings) -> int:
    if not settings.token:
        sys.stderr.write(
            "kopir: configuration error: TELEGRAM_BOT_TOKEN is not set "
            "(use `kopir sandbox` to try the bot offline)\n"
        )
        return 2
    from bot.app import build_application
    from storage.instance import AnotherInstance, hold_single_instance
    from storage.migrate import upgrade

    try:
        instance_lock = hold_single_instance(settings.database_url)  # held until exit
    except AnotherInstance as error:
        sys.stderr.write(f"kopir: {error}\n")
        return 2
    upgrade(settings.database_url)
    application = build_application(settings)
    _settle_memory()
    _fast_event_loop()
    if settings.webhook_mode:
        asyncio.run(_serve_webhook(application))
    else:
        application.run_polling()
    if instance_lock is not None:
        instance_lock.close()
    return 0


async def _serve_webhook(application: Application) -> None:
    """Webhook mode: Kopir's own server takes Telegram's posts (bot.runtime.webhook) until
    SIGINT or SIGTERM. The webhook stays set at shutdown: another instance may serve it."""
    stop = asyncio.Event()
    loop = asyncio.get_running_loop()
    for signum in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(signum, stop.set)
    async with application:
        if application.post_init is not None:
            await application.post_init(application)  # the server, then setWebhook
        await application.start()
        await stop.wait()
        await application.stop()
    if application.post_shutdown is not None:
        await application.post_shutdown(application)


def _fast_event_loop() -> None:
    # uvloop (libuv) runs the event loop and its sockets in C: the bot answers readers
    # and keeps a paid broadcast's pace with less of its one core. Optional: where it
    # cannot be installed (Windows), the standard loop does the same work, slower.
    try:
        import uvloop
    except ImportError:
        return
    asyncio.set_event_loop_policy(uvloop.EventLoopPolicy())


def _settle_memory() -> None:
    # Start-up leaves hundreds of thousands of objects that live as long as the process
    # (modules, catalogs, PTB's handlers); a broadcast makes short-lived ones by the
    # million. Frozen, the former are no longer scanned at every collection, and a larger
    # first generation collects the latter less often: a paid broadcast keeps its pace.
    gc.collect()
    gc.freeze()
    gc.set_threshold(50_000, 50, 1000)


if __name__ == "__main__":
    raise SystemExit(main())
