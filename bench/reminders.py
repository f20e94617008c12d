"""Reminder benchmark (issue 8): N registrants of one event, one reminder each due at T.

    .venv/bin/python bench/reminders.py                     # 5,000 registrants at 30/s (~4 min)
    .venv/bin/python bench/reminders.py --registrants 300   # quick (~35 s)

The readers (with profiles) are registered through `bot.services.registration.register`, so
the reminder rows are the service's own (an event with one reminder offset, --offset
minutes). Just before the bot starts the event is moved, as an organizer's edit does it
(`bot.services.notifications.replan_event_reminders`), so that every reminder falls due at
T = now + N / rate + the sender's interval + --margin: the engine, which claims reminders for
N readers due at T about N / rate early, must start sending soon after it starts, before T.

Processes: the fake Bot API with Telegram's flood control enforced (--rate, 30/s; 1/s a
chat; 50 ms latency), the bot (`python -m bot.cli run`), this harness. A reminder "arrives"
when the fake API takes the sendMessage (after its latency), read from its timeline of
sends; the fake API and the harness share CLOCK_MONOTONIC, T is mapped onto it once.

Figures: lateness of arrivals against T (p50, p95, max: the last must arrive by T), the
earliest arrival, how many arrived before T - N / rate (sent earlier than needed; --early-slack
allows some), reminders lost and duplicated, 429 answers. Exit status: 0 when every goal is
met, 1 when one is missed, 2 when the run broke off (the logs it names stay).
"""

from __future__ import annotations

import argparse
import asyncio
import sys
import time
from dataclasses import dataclass, field
from datetime import datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._wave import (  # noqa: E402
    Row,
    Stats,
    WaveFake,
    kopir_process,
    monotonic_of,
    move_event,
    query,
    reader_ids,
    register_through_service,
    run_main,
    say,
    seed_event,
    utc_in,
)

PROGRESS_EVERY = 30.0


@dataclass
class Run:
    args: argparse.Namespace
    readers: list[int]
    due: datetime | None = None
    due_mono: float = 0.0
    interval: float = 5.0
    stats: dict = field(default_factory=dict)
    outbox: dict = field(default_factory=dict)
    startup: float = 0.0
    broke_off: str | None = None

    @property
    def lead(self) -> float:
        """N / rate: how early the first of N reminders must go out for the last to be on
        time."""
        return len(self.readers) / self.args.rate


def sender_interval() -> float:
    from bot.core.settings import Settings

    return Settings.from_env({}).sender_interval_seconds


async def run_reminders(args: argparse.Namespace, workdir: Path) -> Run:
    run = Run(args, reader_ids(args.registrants), interval=sender_interval())
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    say(f"... seeding {len(run.readers)} registrations through the registration service")
    event_id = await asyncio.to_thread(
        seed_event, database_url, run.readers, capacity=None, starts_at=utc_in(86400),
        reminder_offsets=[args.offset],
    )
    await asyncio.to_thread(register_through_service, database_url, event_id, run.readers)
    fake = WaveFake(latency=args.latency, log=workdir / "fakeapi.log", limits=True,
                    rate=args.rate)
    await fake.start()
    bot = kopir_process(fake, database_url, workdir, rate=args.rate)
    try:
        await fake.users(run.readers, [])
        run.due = utc_in(run.lead + run.interval + args.margin)
        await asyncio.to_thread(
            move_event, database_url, event_id, run.due + timedelta(minutes=args.offset)
        )
        run.due_mono = monotonic_of(run.due)
        due_rows = await asyncio.to_thread(
            query, database_url, "SELECT count(*), min(due_at), max(due_at) FROM notifications "
            "WHERE kind = 'reminder' AND status = 'pending'")
        say(f"... {due_rows[0][0]} reminder rows due at T = {run.due:%H:%M:%S} UTC "
            f"({run.due_mono - time.monotonic():.0f} s from now); starting the bot")
        started = time.monotonic()
        bot.start()
        run.startup = await fake.wait_ready(f"ev:card:{event_id}", bot)
        await _watch(run, fake, bot, started)
        run.stats = await fake.stats(chats=True)
    except RuntimeError as error:
        run.broke_off = str(error)
    finally:
        await bot.stop()
        await fake.stop()
    run.outbox = dict(await asyncio.to_thread(
        query, database_url, "SELECT status, count(*) FROM notifications "
        "WHERE kind = 'reminder' GROUP BY status"))
    return run


async def _watch(run: Run, fake: WaveFake, bot, started: float) -> None:
    deadline = run.due_mono + max(60.0, run.lead)
    next_progress = time.monotonic() + PROGRESS_EVERY
    while True:
        await asyncio.sleep(0.5)
        stats = await fake.stats()
        now = time.monotonic()
        if stats["delivered"] >= len(run.readers):
            return
        if now >= next_progress:
            next_progress = now + PROGRESS_EVERY
            say(f"... {now - started:.0f} s: {stats['delivered']} of {len(run.readers)} "
                f"delivered, T {'in' if now < run.due_mono else 'was'} "
                f"{abs(run.due_mono - now):.0f} s {'' if now < run.due_mono else 'ago'}")
        if not bot.alive():
            run.broke_off = f"the bot exited by itself; see {bot.log}"
            return
        if now > deadline:
            run.broke_off = (f"{stats['delivered']} of {len(run.readers)} delivered "
                             f"{now - run.due_mono:.0f} s after T; see {bot.log}")
            return


def arrivals(stats: dict) -> list[float]:
    """Monotonic times at which the fake API took a delivered message."""
    return sorted(at for at, outcome in stats.get("timeline", []) if outcome == "delivered")


def figures(run: Run) -> list[Row]:
    args = run.args
    times = arrivals(run.stats)
    lateness = [at - run.due_mono for at in times]
    chats = {int(chat): count for chat, count in run.stats.get("chats", {}).items()}
    lost = sum(1 for user_id in run.readers if not chats.get(user_id))
    duplicates = sum(max(0, count - 1) for count in chats.values())
    rows = [Row("registrants", str(len(run.readers)),
                note=f"(rate {args.rate}/s: N / rate = {run.lead:.1f} s; sender interval "
                f"{run.interval:.0f} s)")]
    stats = Stats.of(lateness)
    if stats is None:
        rows.append(Row("reminders delivered", "0", str(len(run.readers)), False))
        return rows
    early_edge = -run.lead - args.early_slack
    early = sum(late < early_edge for late in lateness)
    span = times[-1] - times[0]
    rate = (len(times) - 1) / span if span > 0 else 0.0
    rows += [
        Row("lateness p50", f"{stats.p50:+.1f} s", note="(arrival - T; negative: before T)"),
        Row("lateness p95", f"{stats.p95:+.1f} s"),
        Row("lateness max", f"{stats.max:+.1f} s", "<= 0 s", stats.max <= 0,
            note="(the last reminder arrives by T)"),
        Row("earliest", f"{lateness[0]:+.1f} s", note=f"(ideal start T - {run.lead:.1f} s)"),
        Row("before T - N/rate", str(early), "0", early == 0,
            note=f"(more than {run.lead + args.early_slack:.1f} s before T"
            + (f", slack {args.early_slack:g} s" if args.early_slack else "") + ")"),
        Row("reminders lost", str(lost), "0", lost == 0),
        Row("duplicates", str(duplicates), "0", duplicates == 0),
        Row("send rate", f"{rate:.1f}/s", note=f"(limit {args.rate}/s; first to last arrival "
            f"{span:.1f} s)"),
        Row("429 answers", str(run.stats.get("rejected_429", 0))),
        Row("bot start-up", f"{run.startup:.1f} s"),
    ]
    outbox = ", ".join(f"{status} {count}" for status, count in sorted(run.outbox.items()))
    rows.append(Row("outbox reminders", outbox or "no rows"))
    return rows


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--registrants", type=int, default=5000, help="readers registered")
    parser.add_argument("--rate", type=int, default=30, help="flood limit, messages/s")
    parser.add_argument("--latency", type=float, default=0.05, help="fake API latency, s")
    parser.add_argument("--offset", type=int, default=60,
                        help="the reminder's offset before the start, minutes")
    parser.add_argument("--margin", type=float, default=15.0,
                        help="seconds beyond N / rate + the sender interval until T")
    # The engine starts N / (its real pace, 1.5% under the limit) early, plus the sender
    # interval (the next run may be that far away): about 8 s for 5,000 at 30/s.
    parser.add_argument("--early-slack", type=float, default=10.0,
                        help="arrivals this many seconds before T - N / rate still count "
                        "as on time (default 10: the engine's declared lead)")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the database and logs here (default: a temporary folder, "
                        "removed afterwards unless the run broke off)")
    args = parser.parse_args(argv)
    if args.registrants < 1 or args.rate < 1 or args.margin < 0 or args.early_slack < 0:
        parser.error("--registrants and --rate at least 1, --margin and --early-slack >= 0")
    return args


async def main_async(args: argparse.Namespace, workdir: Path) -> int:
    say(f"reminder bench: {args.registrants} registrants, limit {args.rate}/s, latency "
        f"{args.latency * 1000:.0f} ms; logs in {workdir}")
    run = await run_reminders(args, workdir)
    rows = figures(run)
    for row in rows:
        say(row.line())
    if run.broke_off:
        say(f"broke off: {run.broke_off}")
        return 2
    return 0 if all(row.met is not False for row in rows) else 1


def main(argv: list[str] | None = None) -> int:
    return run_main(main_async, parse_args(argv), "kopir-reminders-")


if __name__ == "__main__":
    raise SystemExit(main())
