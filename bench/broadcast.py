"""Broadcast benchmark (issue 4): the bot's delivery engine against a Telegram-like fake API.

Run from the repository root, without installing anything:
    .venv/bin/python bench/broadcast.py                 # free: 10,000 recipients at 30/s (~6 min)
    .venv/bin/python bench/broadcast.py --paid          # allow_paid_broadcast: 1000/s
    .venv/bin/python bench/broadcast.py --kill          # SIGKILL the bot at 30% and 60%, restart
    .venv/bin/python bench/broadcast.py --quick         # 900 recipients (~30 s), any mode
    .venv/bin/python bench/broadcast.py --check-fake    # can the fake API take 1000 req/s?
    .venv/bin/python bench/broadcast.py --instances 2   # two processes on PostgreSQL, one limit

Three processes: the fake Bot API (`python -m bot.sandbox.fakeapi`: 50 ms latency, flood control
like Telegram's answering 429 with retry_after: 30 messages/s in all, 1000/s with
allow_paid_broadcast, 1/s per chat; 1% of the recipients have blocked the bot and answer
403), the bot (`python -m bot.cli run` on a file SQLite database seeded with the readers),
and this harness. Once the bot answers, 50 readers (outside the audience) act, each one
thing at a time: press the event card's button (the next press a second after each answer)
and, every 30 s (each at its own phase: 1.7 commands/s in all), send /events, whose reply is
a new message (sendMessage), so it competes with the announcement for the 30/s. After a
few seconds of that the harness creates one broadcast to everyone through
`bot.services.broadcasts` (its outbox rows written at once), and watches the fake API's
counters and the outbox until no row is pending or sending.

Figures, one a line with its goal: rate / limit (everything the bot sent, announcements and
replies, per second between the first and the last announcement, over the limit; a 403 takes
its slot as at Telegram; goal 0.97, 0.95 with readers sending commands), the announcements'
own rate, lost (recipients who have not blocked the bot and got nothing), duplicates
(messages beyond the first in a chat), p95 of the time from a button press until the fake
API has taken the bot's answerCallbackQuery (after its 50 ms latency: when the reader's
client stops waiting), p95 of the time from a command until its reply was delivered,
commands answered, replies refused (429 answers to sends into the readers' chats) and
"something went wrong" replies. With --kill, duplicates are held to the engine's in-flight
bound instead.

With --instances N the bot is N `kopir run` processes in webhook mode on one PostgreSQL
database (--postgres, default KOPIR_BENCH_DATABASE_URL or the local test server; a
database of its own, `kopir_bench_broadcast`, made afresh) behind a round-robin load
balancer (bench/_instances.py): the readers' presses and commands reach either, both send
the broadcast, and the limit is the bot's, for both together. Two more figures: the most
sends the fake API took in any one second (every request, refused ones too) and how many
each instance sent. Exit status: 0 when every goal is met, 1 when one is missed, 2 when the run
broke off (see the logs it names) or the harness failed.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import sys
import tempfile
import time
import traceback
from dataclasses import dataclass, field
from pathlib import Path

# Running as a script puts bench/ on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._instances import (  # noqa: E402
    DEFAULT_SERVER,
    Instances,
    drop_database,
    max_in_window,
    own_database,
)
from bench._support import (  # noqa: E402
    ORGANIZER_ID,
    READER_ID,
    TOKEN,
    BotProcess,
    Command,
    FakeApiProcess,
    Readers,
    Seeded,
    create_broadcast,
    dump_json,
    in_flight_bound,
    load_fake,
    outbox_counts,
    percentile,
    seed,
    went_wrong_texts,
)

FREE_GOAL = 0.97
# Issue 8: the rate with readers sending commands (their replies take slots too).
COMMANDS_GOAL = 0.95
PAID_GOAL = 0.9
P95_GOAL_MS = 200.0
KILL_AT = (0.3, 0.6)
QUICK_RECIPIENTS = 900
INSTANCES_DATABASE = "kopir_bench_broadcast"
STARTUP_TIMEOUT = 60.0
PROGRESS_EVERY = 30.0
# Outbox statuses that mean "not finished yet".
OPEN_STATUSES = ("pending", "sending")


@dataclass
class Run:
    """What one run observed; `figures` turns it into the printed lines."""

    args: argparse.Namespace
    seeded: Seeded
    limit: int
    broadcast_id: int = 0
    via: str = ""
    stats: dict = field(default_factory=dict)
    # With --instances: the sends with whose they were and when flood control counted them.
    records: dict = field(default_factory=dict)
    outbox: dict = field(default_factory=dict)
    presses: list[tuple[float, float | None]] = field(default_factory=list)
    commands: list[Command] = field(default_factory=list)
    in_flight_at_kills: list[int] = field(default_factory=list)
    bot_started: float = 0.0
    ready: float = 0.0
    created: float = 0.0
    broke_off: str | None = None


class InstancesBot:
    """The instances of --instances, watched and stopped as the one bot is."""

    def __init__(self, group: Instances) -> None:
        self.group = group
        self.log = group.workdir / "kopir-*" / "bot.log"

    def alive(self) -> bool:
        return all(self.group.alive())

    async def stop(self) -> None:
        await self.group.stop()


async def run_broadcast(args: argparse.Namespace, workdir: Path) -> Run:
    # A fresh database and fresh logs each run, also in a --workdir used before.
    for name in ("bench.db", "bench.db-wal", "bench.db-shm", "bot.log", "fakeapi.log"):
        (workdir / name).unlink(missing_ok=True)
    if args.instances:
        database_url = await asyncio.to_thread(own_database, args.postgres, INSTANCES_DATABASE)
    else:
        database_url = f"sqlite:///{workdir / 'bench.db'}"
    seeded = await asyncio.to_thread(
        seed, database_url, args.recipients, blocked_share=args.blocked, readers=args.readers
    )
    run = Run(args, seeded, args.paid_rate if args.paid else args.rate)
    if args.instances:
        group = Instances(
            database_url, workdir, count=args.instances, latency=args.latency, limits=True,
            rate=args.rate, paid_rate=args.paid_rate,
            env={"KOPIR_PAID_BROADCASTS": "yes" if args.paid else "no"},
        )
        try:
            await group.start_servers()
        except BaseException:
            await group.stop()
            raise
        fake: FakeApiProcess = group.fake
        bot: BotProcess | InstancesBot = InstancesBot(group)
        run = await _broadcast_with(run, args, fake, bot, database_url, group)
        if args.workdir is None:
            await asyncio.to_thread(drop_database, args.postgres, INSTANCES_DATABASE)
        return run
    fake = FakeApiProcess(
        latency=args.latency, rate=args.rate, paid_rate=args.paid_rate,
        log=workdir / "fakeapi.log",
    )
    await fake.start()
    bot = BotProcess(
        {
            "TELEGRAM_BOT_TOKEN": TOKEN,
            "TELEGRAM_API_BASE_URL": fake.base_url,
            "TELEGRAM_API_BASE_FILE_URL": fake.base_file_url,
            "KOPIR_DATABASE_URL": database_url,
            "KOPIR_SEND_RATE": str(args.rate),
            "KOPIR_PAID_BROADCASTS": "yes" if args.paid else "no",
            "KOPIR_ADMIN_IDS": str(ORGANIZER_ID),
        },
        workdir,
        workdir / "bot.log",
    )
    return await _broadcast_with(run, args, fake, bot, database_url, None)


async def _broadcast_with(
    run: Run, args: argparse.Namespace, fake: FakeApiProcess, bot: BotProcess | InstancesBot,
    database_url: str, group: Instances | None,
) -> Run:
    """The run itself, with the fake API up: the bot (or the instances) started, readers
    pressing, the broadcast created and watched until it is done."""
    seeded = run.seeded
    presser = Readers(
        fake, reader_ids(args), f"ev:card:{seeded.event_id}", args.press_interval,
        command=args.command, command_every=args.command_every,
    )
    try:
        await fake.users(seeded.recipients, seeded.blocked)
        await fake.users(reader_ids(args), [])
        if not args.baseline:
            # No quiet phase: the rows are there at start-up, so the first run sends them.
            await _create(run, database_url)
        if group is not None:
            await group.start_bots()
        else:
            bot.start()
        run.bot_started = time.monotonic()
        presser.start()
        # The bot is up once it answers a press; until then presses time out.
        await asyncio.wait_for(presser.answered.wait(), STARTUP_TIMEOUT)
        run.ready = time.monotonic()
        if args.kill:
            await presser.stop()
        if args.baseline:
            if not args.kill:
                await asyncio.sleep(args.baseline)
            await _create(run, database_url)
        await _watch(run, fake, bot, database_url)
    except TimeoutError:
        run.broke_off = f"the bot did not answer within {STARTUP_TIMEOUT} s; see {bot.log}"
    except RuntimeError as error:  # an instance that did not start
        run.broke_off = str(error)
    finally:
        run.presses = await presser.stop()
        run.commands = presser.commands
        try:
            run.stats = await fake.stats(chats=True)
            if group is not None:
                run.records = await group.fake.records()
        finally:
            await bot.stop()
            await fake.stop()
    if run.broadcast_id:
        run.outbox = await asyncio.to_thread(outbox_counts, database_url, run.broadcast_id)
    return run


def reader_ids(args: argparse.Namespace) -> list[int]:
    return list(range(READER_ID, READER_ID + args.readers))


async def _create(run: Run, database_url: str) -> None:
    run.broadcast_id, run.via = await asyncio.to_thread(
        create_broadcast, database_url, run.seeded, paid=run.args.paid
    )
    run.created = time.monotonic()


async def _watch(run: Run, fake: FakeApiProcess, bot: BotProcess | InstancesBot,
                 database_url: str) -> None:
    args, total = run.args, len(run.seeded.recipients)
    kills = [round(share * total) for share in KILL_AT] if args.kill else []
    deadline = run.created + total / run.limit * 2 + args.grace
    next_outbox_check = 0.0
    next_progress = run.created + PROGRESS_EVERY
    while True:
        await asyncio.sleep(0.25)
        now = time.monotonic()
        if now >= next_progress:
            next_progress = now + PROGRESS_EVERY
            stats = await fake.stats()
            _say(f"... {now - run.created:.0f} s: {stats['accepted']} of {total} sent, "
                 f"{stats['rejected_429']} answered 429")
        if kills and isinstance(bot, BotProcess) and (await fake.stats())["accepted"] >= kills[0]:
            kills.pop(0)
            bot.kill()
            run.in_flight_at_kills.append((await fake.stats())["in_flight"])
            _say(f"killed the bot (SIGKILL) with {run.in_flight_at_kills[-1]} sends in flight; "
                 "restarting it")
            bot.start()
        if not bot.alive():
            run.broke_off = f"the bot exited by itself; see {bot.log}"
            return
        if now >= next_outbox_check:
            next_outbox_check = now + 1.0
            counts = await asyncio.to_thread(outbox_counts, database_url, run.broadcast_id)
            if not kills and sum(counts.values()) >= total and not any(
                counts.get(status) for status in OPEN_STATUSES
            ):
                return
        if now > deadline:
            run.broke_off = f"not finished after {now - run.created:.0f} s; see {bot.log}"
            return


# --- figures --------------------------------------------------------------------------------


@dataclass(frozen=True)
class Figure:
    name: str
    value: str
    goal: str = ""
    met: bool | None = None
    note: str = ""

    def line(self) -> str:
        """Columns two or more spaces apart: name, value, goal, verdict, (note)."""
        verdict = "" if self.met is None else ("ok" if self.met else "MISSED")
        goal = f"goal {self.goal}" if self.goal else ""
        cells = [f"{self.name}:".ljust(20), self.value.ljust(12), goal.ljust(16), verdict.ljust(6)]
        return "  ".join([*cells, self.note]).rstrip()


def figures(run: Run) -> list[Figure]:
    args, stats, seeded = run.args, run.stats, run.seeded
    chats = {int(chat): count for chat, count in stats.get("chats", {}).items()}
    blocked = set(seeded.blocked)
    lost = [user for user in seeded.recipients if user not in blocked and not chats.get(user)]
    duplicates = sum(max(0, chats.get(user, 0) - 1) for user in seeded.recipients)
    audience = set(seeded.recipients)
    # Sends the fake API let through ([time, outcome, chat]); a 403 takes its slot too.
    accepted = [(at, chat) for at, outcome, chat in stats.get("sends", []) if outcome != "rejected"]
    announced = [at for at, chat in accepted if chat in audience]
    first, last = (min(announced), max(announced)) if announced else (None, None)
    span = (last - first) if announced else 0.0
    within = [at for at, _ in accepted if first is not None and first <= at <= last]
    rate = (len(within) - 1) / span if span > 0 else 0.0
    announcement_rate = (len(announced) - 1) / span if span > 0 else 0.0
    ideal = len(seeded.recipients) / run.limit
    commanding = bool(args.readers and args.command_every)
    rows = [
        Figure("recipients", f"{len(seeded.recipients)}",
               note=f"({len(blocked)} blocked; outbox rows written by {run.via or 'nobody'})"),
        Figure("sending took", f"{span:.1f} s", note=f"(ideal {ideal:.1f} s)"),
        Figure("first send", "none" if first is None else f"{first - run.created:.1f} s",
               note="(after the broadcast was created)"),
    ]
    if not args.kill:
        goal = PAID_GOAL if args.paid else (COMMANDS_GOAL if commanding else FREE_GOAL)
        ratio = rate / run.limit
        rows.append(Figure("rate / limit", f"{ratio:.3f}", f">= {goal}", ratio >= goal,
                           note="(all sends: announcements and replies)"))
        rows.append(Figure("rate", f"{rate:.1f}/s", note=f"(limit {run.limit}/s)"))
        rows.append(Figure("announcements", f"{announcement_rate:.1f}/s",
                           note=f"({announcement_rate / run.limit:.3f} of the limit; replies "
                           f"{max(0.0, rate - announcement_rate):.1f}/s)"))
    if args.instances:
        # Every request the fake took while the announcement went out, 429s too: the limit
        # is the bot's, whichever process sent.
        taken = [counted for at, _outcome, _chat, _via, counted in run.records.get("sends", [])
                 if first is not None and first <= at <= last]
        busiest = max_in_window(taken)
        rows.append(Figure("max in 1 s", str(busiest), f"<= {run.limit}", busiest <= run.limit,
                           note="(sends in the busiest second, all instances, 429s too)"))
        sent_by = ", ".join(f"{via} {n}" for via, n in sorted(stats.get("sent_by", {}).items()))
        rows.append(Figure("sent by", sent_by or "nobody", note="(messages delivered)"))
    rows.append(Figure("lost", str(len(lost)), "0", not lost))
    if args.kill:
        bound, source = in_flight_bound(args.rate, args.paid)
        rows.append(Figure("duplicates", str(duplicates), f"<= {bound}", duplicates <= bound,
                           note=f"({source})"))
        rows.append(Figure("in flight at kills", ", ".join(map(str, run.in_flight_at_kills)),
                           note="(sends the fake API was still answering)"))
    else:
        rows.append(Figure("duplicates", str(duplicates), "0", duplicates == 0))
        during = [s for at, s in run.presses if first is not None and first <= at <= last]
        idle = [s for at, s in run.presses if run.ready <= at < run.created]
        rows.extend(_press_figures(during, idle))
        if commanding:
            rows.extend(_command_figures(run, first, last))
    rows.append(Figure("429 answers", str(stats.get("rejected_429", 0))))
    rows.append(Figure("max in flight", str(stats.get("max_in_flight", 0)),
                       note="(sends at once, seen by the fake API)"))
    if args.paid:
        rows.append(Figure("paid sends", str(stats.get("paid", 0)),
                           note="(with allow_paid_broadcast)"))
    outbox = ", ".join(f"{status} {count}" for status, count in sorted(run.outbox.items()))
    rows.append(Figure("outbox", outbox or "no rows"))
    return rows


def _command_figures(run: Run, first: float | None, last: float | None) -> list[Figure]:
    """Readers' commands: how soon their replies came, and that none was refused or an error.
    Every command of the run counts for refusals and errors, not only those during the
    broadcast."""
    readers = set(reader_ids(run.args))
    rejected = run.stats.get("rejected_chats", {})
    refused = sum(n for chat, n in rejected.items() if int(chat) in readers)
    wrong_texts = went_wrong_texts()
    wrong = sum(1 for c in run.commands if c.text is not None and c.text in wrong_texts)
    unanswered = sum(1 for c in run.commands if c.seconds is None)
    during = [c for c in run.commands if first is not None and first <= c.at <= last]
    idle = [c for c in run.commands if run.ready <= c.at < run.created]
    rows = []
    if during:
        timings = [float("inf") if c.seconds is None else c.seconds * 1000 for c in during]
        note = f"(p50 {percentile(timings, 0.5):.0f} ms, max {max(timings):.0f} ms"
        if idle:
            quiet = [float("inf") if c.seconds is None else c.seconds * 1000 for c in idle]
            note += f"; idle p95 {percentile(quiet, 0.95):.0f} ms"
        rows.append(Figure("command reply p95", f"{percentile(timings, 0.95):.0f} ms",
                           note=note + ")"))
    else:
        rows.append(Figure("command reply p95", "no commands"))
    rows += [
        Figure("commands", str(len(during)),
               note=f"(during the broadcast; {len(run.commands)} in all, {unanswered} "
               "unanswered)"),
        Figure("replies refused", str(refused), "0", refused == 0,
               note="(429 answers to replies to the readers)"),
        Figure("went wrong", str(wrong + unanswered), "0", wrong + unanswered == 0,
               note="(commands answered with an error, or not at all)"),
    ]
    return rows


def _press_figures(during: list[float | None], idle: list[float | None]) -> list[Figure]:
    def milliseconds(presses: list[float | None]) -> list[float]:
        # A press left unanswered counts as infinitely slow.
        return [float("inf") if s is None else s * 1000 for s in presses]

    if not during:
        return [Figure("button answer p95", "no presses", f"< {P95_GOAL_MS:.0f} ms", False)]
    timings = milliseconds(during)
    p95 = percentile(timings, 0.95)
    unanswered = sum(s is None for s in during)
    rows = [
        Figure("button answer p95", f"{p95:.0f} ms", f"< {P95_GOAL_MS:.0f} ms",
               p95 < P95_GOAL_MS, note="(while the broadcast went out)"),
        Figure("button presses", str(len(during)),
               note=f"(p50 {percentile(timings, 0.5):.0f} ms, max {max(timings):.0f} ms, "
               f"{unanswered} unanswered)"),
    ]
    if idle:
        quiet = milliseconds(idle)
        rows.append(Figure("idle answer p95", f"{percentile(quiet, 0.95):.0f} ms",
                           note=f"(before the broadcast, {len(idle)} presses)"))
    return rows


# --- the fake API alone ---------------------------------------------------------------------


async def check_fake(args: argparse.Namespace, workdir: Path) -> int:
    fake = FakeApiProcess(
        latency=args.latency, rate=args.check_rate * 2, paid_rate=args.check_rate * 2,
        log=workdir / "fakeapi.log",
    )
    await fake.start()
    try:
        result = await load_fake(fake, args.check_rate, args.check_seconds)
    finally:
        await fake.stop()
    met = result["completed_per_s"] >= 0.97 * args.check_rate
    _say(f"fake Bot API alone, {args.latency * 1000:.0f} ms latency, "
         f"{args.check_rate} sendMessage/s offered for {args.check_seconds:.0f} s")
    for figure in (
        Figure("completed", f"{result['completed_per_s']:.0f}/s",
               f">= {0.97 * args.check_rate:.0f}/s", met),
        Figure("answer p50", f"{result['p50_ms']:.1f} ms"),
        Figure("answer p95", f"{result['p95_ms']:.1f} ms"),
        Figure("errors", str(result["errors"])),
        Figure("server CPU", f"{result['server_cpu_s']:.2f} s",
               note=f"({result['server_cpu_s'] / args.check_seconds * 100:.0f}% of a core)"),
    ):
        _say(figure.line())
    return 0 if met else 1


# --- command line ---------------------------------------------------------------------------


def _say(line: str) -> None:
    sys.stdout.write(line + "\n")
    sys.stdout.flush()


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--recipients", type=int, default=None,
                        help="readers in the audience (default 10000; 900 with --quick)")
    parser.add_argument("--paid", action="store_true", help="allow_paid_broadcast, 1000/s")
    parser.add_argument("--kill", action="store_true", help="SIGKILL the bot twice, restart")
    parser.add_argument("--quick", action="store_true", help=f"{QUICK_RECIPIENTS} recipients")
    parser.add_argument("--rate", type=int, default=30, help="free limit, messages/s")
    parser.add_argument("--paid-rate", type=int, default=1000, help="paid limit, messages/s")
    parser.add_argument("--latency", type=float, default=0.05, help="fake API latency, s")
    parser.add_argument("--blocked", type=float, default=0.01, help="share of blocked readers")
    parser.add_argument("--readers", type=int, default=50,
                        help="readers outside the audience pressing and sending commands")
    parser.add_argument("--press-interval", type=float, default=1.0,
                        help="a reader's pause after each answer before acting again, s")
    parser.add_argument("--command-every", type=float, default=30.0,
                        help="each reader sends a command this often, s (0: never)")
    parser.add_argument("--command", default="/events",
                        help="the command readers send (answered with sendMessage)")
    parser.add_argument("--baseline", type=float, default=5.0,
                        help="seconds of presses before the broadcast is created; 0: it is "
                        "created before the bot starts")
    parser.add_argument("--grace", type=float, default=120.0,
                        help="seconds allowed beyond twice the ideal time")
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the database and logs here (default: a temporary folder)")
    parser.add_argument("--instances", type=int, default=0,
                        help="N kopir processes in webhook mode on PostgreSQL behind a load "
                        "balancer instead of one polling bot on SQLite")
    parser.add_argument("--postgres", default=os.environ.get("KOPIR_BENCH_DATABASE_URL")
                        or DEFAULT_SERVER,
                        help="PostgreSQL server for --instances (the bench makes a database "
                        "of its own there); default KOPIR_BENCH_DATABASE_URL or "
                        + DEFAULT_SERVER)
    parser.add_argument("--check-fake", action="store_true",
                        help="only measure the fake API under load")
    parser.add_argument("--check-rate", type=int, default=1000)
    parser.add_argument("--check-seconds", type=float, default=10.0)
    args = parser.parse_args(argv)
    if args.instances < 0:
        parser.error("--instances must not be negative")
    if args.instances and args.kill:
        parser.error("--kill restarts the one bot; it does not go with --instances")
    if args.recipients is None:
        args.recipients = QUICK_RECIPIENTS if args.quick else 10_000
    return args


async def main_async(args: argparse.Namespace) -> int:
    workdir = args.workdir or Path(tempfile.mkdtemp(prefix="kopir-bench-"))
    workdir.mkdir(parents=True, exist_ok=True)
    if args.check_fake:
        return await check_fake(args, workdir)
    mode = "kill" if args.kill else ("paid" if args.paid else "free")
    limit = args.paid_rate if args.paid else args.rate
    bots = (f"{args.instances} instances on PostgreSQL (webhook, round-robin balancer)"
            if args.instances else "one bot on SQLite (polling)")
    _say(f"broadcast bench: {mode}, {args.recipients} recipients, limit {limit}/s, "
         f"latency {args.latency * 1000:.0f} ms, {bots}, logs in {workdir}")
    run = await run_broadcast(args, workdir)
    dump_json(workdir / "stats.json", run.stats)
    rows = figures(run)
    for row in rows:
        _say(row.line())
    if run.broke_off:
        _say(f"broke off: {run.broke_off}")
        return 2
    return 0 if all(row.met is not False for row in rows) else 1


def main(argv: list[str] | None = None) -> int:
    args = parse_args(argv)
    try:
        return asyncio.run(main_async(args))
    except Exception:
        # Not 1, which means "a goal was missed".
        traceback.print_exc()
        return 2


if __name__ == "__main__":
    raise SystemExit(main())
