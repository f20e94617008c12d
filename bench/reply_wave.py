"""Reply-wave benchmark (issue 8): many readers pressing buttons at once.

    .venv/bin/python bench/reply_wave.py                    # 50 readers, 20 s, Kopir and bare
    .venv/bin/python bench/reply_wave.py --readers 500      # the C=500 goal
    .venv/bin/python bench/reply_wave.py --register         # 1000 readers, 500 seats
    .venv/bin/python bench/reply_wave.py --instances 2 --webhook   # 1 and 2 instances, PostgreSQL

Processes: the fake Bot API (`python -m bot.sandbox.fakeapi --latency 0.05`, no flood control unless
--limits), the bot, and this harness, which presses through the fake API's /_fake/press.

Wave (default). The button is an event card's own button, `ev:card:<id>` ("open/refresh
the card", `handlers.events.card_pressed`): Kopir reads the reader and the card (seats
taken, the reader's status) from its SQLite database, answers the callback query and edits
the message into the card, as for a real reader (pressed again, the card is unchanged and
Telegram refuses the edit as "not modified"; the request still counts). C readers (stored,
with profiles) each press, wait for the reply, and press again, for --seconds. Then the
same wave against a bare python-telegram-bot bot (`bench._wave.run_bare_bot`: answer +
edit, `concurrent_updates(256)`, PTB's defaults otherwise), polling a fresh fake API of
the same settings (a fake API serves one bot token; two bots cannot poll one at once).
A wait is timed by the fake API from the moment it queues the update: "answer" until it
has taken the bot's answerCallbackQuery (after its latency: the reader's spinner stops),
"reply" until it has taken both the answer and the edit (the reader sees the card). A
press with no answer within --timeout counts as unanswered (and infinitely slow).
Presses answered per second count answers that came within the --seconds window.

Instances (--webhook, --instances N). The same wave against Kopir in webhook mode on
PostgreSQL (--postgres, default KOPIR_BENCH_DATABASE_URL or the local test server; a
database of its own, `kopir_bench_wave_x<n>`, made afresh), first one instance, then N
behind a round-robin load balancer (bench/_instances.py: the fake Bot API posts each
update to the balancer, which forwards it to an instance), in the same run and printed
side by side; no bare bot. "bot CPU" is then all instances' together.

Register (--register). N readers (default 1000) with stored profiles press Register
(`ev:reg:<id>`) on an event with --seats (500) at once. Kopir registers the first ones;
the others are told the event is full and offered the waiting list, and then (second
wave) press "Join the waiting list" (`ev:wait:<id>`) at once. Printed: time from the first
press until every press is answered, p50/p95 of the answer, and the registrations read
from the database: registered must be the seats, waiting the rest, nothing oversold.

Exit status: 0 when every goal stated for this run is met, 1 when one is missed, 2 when the
run broke off (see the logs it names).
"""

from __future__ import annotations

import argparse
import asyncio
import math
import os
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench._instances import DEFAULT_SERVER, Instances, drop_database, own_database  # noqa: E402
from bench._wave import (  # noqa: E402
    BareBotProcess,
    Press,
    Row,
    Stats,
    WaveFake,
    cpu_seconds,
    kopir_process,
    ms,
    query,
    reader_ids,
    registration_counts,
    run_main,
    say,
    seed_event,
    table,
    utc_in,
)

RATIO_GOAL = 0.8
P95_GOAL = 0.300  # at C=50
BIG_C = 500
BIG_P95_GOAL = 1.5  # at C=500
SMALL_C = 50


@dataclass
class Wave:
    """What one bot did in the wave."""

    bot: str
    presses: list[Press] = field(default_factory=list)
    seconds: float = 0.0
    started: float = 0.0  # monotonic, when the readers began
    startup: float = 0.0
    # CPU seconds the bot and the fake API used during the wave
    bot_cpu: float = 0.0
    fake_cpu: float = 0.0
    broke_off: str | None = None

    @property
    def answered(self) -> list[Press]:
        return [p for p in self.presses if p.answered]

    def per_second(self) -> float:
        end = self.started + self.seconds
        return sum(p.pressed_at + p.answer <= end for p in self.answered) / self.seconds

    def unanswered(self) -> int:
        return sum(not p.answered for p in self.presses)

    def answer_stats(self) -> Stats | None:
        return Stats.of([math.inf if p.answer is None else p.answer for p in self.presses])

    def reply_stats(self) -> Stats | None:
        return Stats.of([p.reply for p in self.presses])


# --- the wave -------------------------------------------------------------------------------


async def run_wave(args: argparse.Namespace, workdir: Path, which: str) -> Wave:
    sub = workdir / which
    sub.mkdir(parents=True, exist_ok=True)
    wave = Wave(which, seconds=args.seconds)
    readers = reader_ids(args.readers)
    fake = WaveFake(latency=args.latency, log=sub / "fakeapi.log", limits=args.limits)
    await fake.start()
    try:
        if which == "kopir":
            database_url = f"sqlite:///{sub / 'bench.db'}"
            event_id = await asyncio.to_thread(
                seed_event, database_url, readers, capacity=500, starts_at=utc_in(7 * 86400),
                reminder_offsets=[24 * 60, 60],
            )
            bot = kopir_process(fake, database_url, sub)
        else:
            event_id = 1
            bot = BareBotProcess(fake, sub, fast=args.bare_fast)
        data = f"ev:card:{event_id}"
        await fake.users(readers, [])
        bot.start()
        try:
            wave.startup = await fake.wait_ready(data, bot)
            await press_wave(args, wave, fake, readers, data, [bot.pid])
            if not bot.alive():
                wave.broke_off = f"the bot exited during the wave; see {bot.log}"
        except RuntimeError as error:
            wave.broke_off = str(error)
        finally:
            await bot.stop()
    finally:
        await fake.stop()
    return wave


async def press_wave(args: argparse.Namespace, wave: Wave, fake: WaveFake, readers: list[int],
                     data: str, bot_pids: list[int]) -> None:
    """Every reader presses `data` again and again for --seconds, each press after the
    answer to the one before; the presses and the CPU used go into `wave`."""
    wave.started = time.monotonic()
    end = wave.started + args.seconds
    cpu = sum(map(cpu_seconds, bot_pids)), cpu_seconds(fake.process.pid)

    async def press_again_and_again(user_id: int) -> list[Press]:
        done = []
        while time.monotonic() < end:
            done.append(await fake.press_reply(user_id, data, args.timeout))
        return done

    per_reader = await asyncio.gather(*map(press_again_and_again, readers))
    wave.presses = [press for presses in per_reader for press in presses]
    elapsed = time.monotonic() - wave.started
    wave.bot_cpu = (sum(map(cpu_seconds, bot_pids)) - cpu[0]) / elapsed
    wave.fake_cpu = (cpu_seconds(fake.process.pid) - cpu[1]) / elapsed


async def run_instances_wave(args: argparse.Namespace, workdir: Path, count: int) -> Wave:
    """The wave against `count` Kopir instances in webhook mode on a PostgreSQL database of
    their own, behind the round-robin balancer."""
    sub = workdir / f"x{count}"
    wave = Wave(f"kopir x{count}", seconds=args.seconds)
    readers = reader_ids(args.readers)
    name = f"kopir_bench_wave_x{count}"
    database_url = await asyncio.to_thread(own_database, args.postgres, name)
    try:
        event_id = await asyncio.to_thread(
            seed_event, database_url, readers, capacity=500, starts_at=utc_in(7 * 86400),
            reminder_offsets=[24 * 60, 60],
        )
        group = Instances(database_url, sub, count=count, latency=args.latency,
                          limits=args.limits)
        try:
            started = time.monotonic()
            await group.start()
            data = f"ev:card:{event_id}"
            await group.fake.users(readers, [])
            await group.wait_answering(data)
            wave.startup = time.monotonic() - started
            await press_wave(args, wave, group.fake, readers, data,
                             [bot.pid for bot in group.bots])
            if not all(group.alive()):
                wave.broke_off = f"an instance exited during the wave; see {sub}"
        except RuntimeError as error:
            wave.broke_off = str(error)
        finally:
            await group.stop()
    finally:
        if args.workdir is None:
            await asyncio.to_thread(drop_database, args.postgres, name)
    return wave


def instances_goals(waves: dict[str, Wave]) -> list[Row]:
    """N instances against one: how the answered presses scale, how the reply time moves."""
    one, *more = waves.values()
    rows = []
    for wave in more:
        if not one.presses or not wave.presses or one.per_second() == 0:
            continue
        rows.append(Row(f"{wave.bot} / {one.bot}", f"{wave.per_second() / one.per_second():.2f}",
                        note=f"(answered/s {wave.per_second():.1f} / {one.per_second():.1f})"))
        rows.append(Row(f"{wave.bot} reply p95", f"{ms(wave.reply_stats().p95)} ms",
                        note=f"({one.bot}: {ms(one.reply_stats().p95)} ms)"))
        rows.append(Row(f"{wave.bot} unanswered", str(wave.unanswered()), "0",
                        wave.unanswered() == 0, note=f"(of {len(wave.presses)})"))
    return rows


def wave_report(args: argparse.Namespace, waves: dict[str, Wave]) -> list[str]:
    rows = []
    for wave in waves.values():
        answer, reply = wave.answer_stats(), wave.reply_stats()
        if answer is None:
            rows.append([wave.bot, "0", "-", "-", "-", "-", "-", "-", "-", "-", "-"])
            continue
        rows.append([
            wave.bot, str(len(wave.presses)), f"{wave.per_second():.1f}", str(wave.unanswered()),
            ms(answer.p50), ms(answer.p95), ms(reply.p50), ms(reply.p95), ms(reply.max),
            f"{wave.bot_cpu:.0%}", f"{wave.fake_cpu:.0%}",
        ])
    lines = table(["bot", "presses", "answered/s", "unanswered", "answer p50", "p95",
                   "reply p50", "p95", "max", "bot CPU", "fake CPU"], rows)
    lines.append("(ms; answer: press -> answerCallbackQuery taken; reply: -> answer and edit "
                 "both taken; CPU: share of one core during the wave)")
    lines.append("")
    kopir, bare = waves.get("kopir"), waves.get("bare")
    rows = wave_goals(args, kopir, bare) if kopir is not None else instances_goals(waves)
    for row in rows:
        lines.append(row.line())
    return lines


def wave_goals(args: argparse.Namespace, kopir: Wave | None, bare: Wave | None) -> list[Row]:
    """The issue's goals next to the figures; a verdict only for the C it states them at."""
    c = args.readers
    rows = []
    if kopir is None:
        return []
    if not kopir.presses:
        return [Row("kopir", "no presses", met=False)]
    reply = kopir.reply_stats()
    if bare is not None and bare.presses and bare.per_second() > 0:
        ratio = kopir.per_second() / bare.per_second()
        rows.append(Row("ratio kopir/bare", f"{ratio:.2f}", f">= {RATIO_GOAL} at C={SMALL_C}",
                        ratio >= RATIO_GOAL if c == SMALL_C else None,
                        note=f"(answered/s {kopir.per_second():.1f} / {bare.per_second():.1f})"))
    if c == BIG_C:
        rows.append(Row("kopir reply p95", f"{ms(reply.p95)} ms",
                        f"< {BIG_P95_GOAL:.1f} s at C={BIG_C}", reply.p95 < BIG_P95_GOAL))
    else:
        rows.append(Row("kopir reply p95", f"{ms(reply.p95)} ms",
                        f"< {P95_GOAL * 1000:.0f} ms at C={SMALL_C}",
                        reply.p95 < P95_GOAL if c == SMALL_C else None,
                        note=f"(at C={BIG_C}: < {BIG_P95_GOAL:.1f} s)"))
    rows.append(Row("kopir unanswered", str(kopir.unanswered()), f"0 at C={BIG_C}",
                    kopir.unanswered() == 0 if c == BIG_C else None,
                    note=f"(of {len(kopir.presses)}; none within {args.timeout:.0f} s)"))
    return rows


# --- register -------------------------------------------------------------------------------


@dataclass
class RegisterRun:
    readers: int
    seats: int
    first: list[Press] = field(default_factory=list)
    second: list[Press] = field(default_factory=list)
    after_first: dict[str, int] = field(default_factory=dict)
    final: dict[str, int] = field(default_factory=dict)
    duplicate_rows: int = 0
    startup: float = 0.0
    broke_off: str | None = None


async def run_register(args: argparse.Namespace, workdir: Path) -> RegisterRun:
    run = RegisterRun(args.readers, args.seats)
    readers = reader_ids(args.readers)
    database_url = f"sqlite:///{workdir / 'bench.db'}"
    event_id = await asyncio.to_thread(
        seed_event, database_url, readers, capacity=args.seats, starts_at=utc_in(7 * 86400),
        reminder_offsets=[24 * 60, 60],
    )
    fake = WaveFake(latency=args.latency, log=workdir / "fakeapi.log", limits=args.limits)
    await fake.start()
    bot = kopir_process(fake, database_url, workdir)
    try:
        await fake.users(readers, [])
        bot.start()
        run.startup = await fake.wait_ready(f"ev:card:{event_id}", bot)

        async def press_all(ids: list[int], data: str) -> list[Press]:
            return list(await asyncio.gather(*(
                fake.press_answer(user_id, data, args.timeout) for user_id in ids
            )))

        run.first = await press_all(readers, f"ev:reg:{event_id}")
        run.after_first = await asyncio.to_thread(registration_counts, database_url, event_id)
        # Those told "full" were offered the waiting list: they take it, all at once.
        registered = {user_id for (user_id,) in await asyncio.to_thread(
            query, database_url, "SELECT user_id FROM registrations WHERE event_id = :id",
            id=event_id)}
        offered = [user_id for user_id in readers if user_id not in registered]
        if offered:
            run.second = await press_all(offered, f"ev:wait:{event_id}")
        if not bot.alive():
            run.broke_off = f"the bot exited; see {bot.log}"
    except RuntimeError as error:
        run.broke_off = str(error)
    finally:
        await bot.stop()
        await fake.stop()
    run.final = await asyncio.to_thread(registration_counts, database_url, event_id)
    (run.duplicate_rows,) = (await asyncio.to_thread(
        query, database_url, "SELECT count(*) - count(DISTINCT user_id) FROM registrations "
        "WHERE event_id = :id", id=event_id))[0]
    return run


def all_answered_after(presses: list[Press]) -> float | None:
    """Seconds from the first press until the last answer; None if one was never answered."""
    if not presses or not all(p.answered for p in presses):
        return None
    return max(p.pressed_at + p.answer for p in presses) - min(p.pressed_at for p in presses)


def register_report(run: RegisterRun) -> list[Row]:
    rows = []
    for name, presses in (("register", run.first), ("waiting list", run.second)):
        if not presses:
            continue
        stats = Stats.of([math.inf if p.answer is None else p.answer for p in presses])
        took = all_answered_after(presses)
        unanswered = sum(not p.answered for p in presses)
        rows.append(Row(f"{name}: all answered", "never" if took is None else f"{took:.1f} s",
                        note=f"({len(presses)} presses at once, {unanswered} unanswered)"))
        rows.append(Row(f"{name}: answer p95", f"{ms(stats.p95)} ms",
                        note=f"(p50 {ms(stats.p50)} ms, max {ms(stats.max)} ms)"))
    registered = run.final.get("registered", 0)
    waiting = run.final.get("waitlisted", 0)
    rows.append(Row("registered", str(registered), str(run.seats), registered == run.seats,
                    note=f"(after the Register wave: {run.after_first.get('registered', 0)})"))
    rows.append(Row("waiting", str(waiting), str(run.readers - run.seats),
                    waiting == run.readers - run.seats))
    oversold = max(0, registered - run.seats)
    rows.append(Row("oversold", str(oversold), "0", oversold == 0))
    rows.append(Row("two rows for a reader", str(run.duplicate_rows), "0", run.duplicate_rows == 0))
    rows.append(Row("bot start-up", f"{run.startup:.1f} s"))
    return rows


# --- command line ---------------------------------------------------------------------------


def parse_args(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--register", action="store_true",
                        help="readers press Register at once on an event with --seats")
    parser.add_argument("--readers", type=int, default=None,
                        help="readers pressing (default 50; 1000 with --register)")
    parser.add_argument("--seconds", type=float, default=20.0, help="length of the wave")
    parser.add_argument("--seats", type=int, default=500, help="seats of the event (--register)")
    parser.add_argument("--latency", type=float, default=0.05, help="fake API latency, s")
    parser.add_argument("--timeout", type=float, default=None,
                        help="a press not answered this long counts as unanswered "
                        "(default 15 s; 600 s with --register)")
    parser.add_argument("--limits", action="store_true",
                        help="enforce flood control in the fake API (30/s, 1/s a chat)")
    parser.add_argument("--only", choices=("kopir", "bare"), default=None,
                        help="run the wave against one bot only")
    parser.add_argument("--bare-fast", action="store_true",
                        help="the bare bot on Kopir's transport (aiohttp client, uvloop) "
                        "instead of PTB's defaults")
    parser.add_argument("--webhook", action="store_true",
                        help="Kopir in webhook mode on PostgreSQL behind a load balancer, "
                        "one instance and then --instances (no bare bot)")
    parser.add_argument("--instances", type=int, default=1,
                        help="with --webhook: the second wave's instances (default 1: one "
                        "wave only)")
    parser.add_argument("--postgres", default=os.environ.get("KOPIR_BENCH_DATABASE_URL")
                        or DEFAULT_SERVER,
                        help="PostgreSQL server for --webhook (a database of the bench's own "
                        "is made there); default KOPIR_BENCH_DATABASE_URL or " + DEFAULT_SERVER)
    parser.add_argument("--workdir", type=Path, default=None,
                        help="keep the databases and logs here (default: a temporary folder, "
                        "removed afterwards unless the run broke off)")
    args = parser.parse_args(argv)
    if args.instances < 1:
        parser.error("--instances must be at least 1")
    if args.instances > 1 and not args.webhook:
        parser.error("several instances take updates by webhook: add --webhook")
    if args.webhook and args.register:
        parser.error("--register runs one polling instance on SQLite; leave out --webhook")
    if args.readers is None:
        args.readers = 1000 if args.register else SMALL_C
    if args.timeout is None:
        args.timeout = 600.0 if args.register else 15.0
    if args.readers < 1 or args.seconds <= 0 or args.seats < 0:
        parser.error("--readers must be at least 1, --seconds positive, --seats not negative")
    return args


async def main_async(args: argparse.Namespace, workdir: Path) -> int:
    if args.register:
        say(f"register wave: {args.readers} readers, {args.seats} seats, latency "
            f"{args.latency * 1000:.0f} ms{', flood control' if args.limits else ''}; "
            f"logs in {workdir}")
        run = await run_register(args, workdir)
        rows = register_report(run)
        for row in rows:
            say(row.line())
        broke_off = run.broke_off
        met = all(row.met is not False for row in rows)
    elif args.webhook:
        counts = sorted({1, args.instances})
        say(f"reply wave, webhook: {args.readers} readers, {args.seconds:.0f} s, button ev:card "
            f"(event card), latency {args.latency * 1000:.0f} ms"
            f"{', flood control' if args.limits else ''}; Kopir on PostgreSQL, "
            f"{' and '.join(map(str, counts))} instance(s) behind a round-robin balancer; "
            f"logs in {workdir}")
        waves = {}
        for count in counts:
            wave = await run_instances_wave(args, workdir, count)
            waves[wave.bot] = wave
            say(f"... {wave.bot}: up after {wave.startup:.1f} s, {len(wave.presses)} presses")
            if wave.broke_off:
                break
        for line in wave_report(args, waves):
            say(line)
        say(f"(this harness, with the balancer: {time.process_time():.0f} s CPU in all)")
        broke_off = next((w.broke_off for w in waves.values() if w.broke_off), None)
        met = all(row.met is not False for row in instances_goals(waves))
    else:
        say(f"reply wave: {args.readers} readers, {args.seconds:.0f} s, button ev:card "
            f"(event card), latency {args.latency * 1000:.0f} ms"
            f"{', flood control' if args.limits else ''}; bare bot on "
            f"{'aiohttp + uvloop' if args.bare_fast else 'PTB defaults'}; logs in {workdir}")
        waves = {}
        for which in ("kopir", "bare"):
            if args.only in (None, which):
                waves[which] = await run_wave(args, workdir, which)
                say(f"... {which}: up after {waves[which].startup:.1f} s, "
                    f"{len(waves[which].presses)} presses")
        for line in wave_report(args, waves):
            say(line)
        say(f"(this harness: {time.process_time():.0f} s CPU in all)")
        broke_off = next((w.broke_off for w in waves.values() if w.broke_off), None)
        met = all(row.met is not False
                  for row in wave_goals(args, waves.get("kopir"), waves.get("bare")))
    if broke_off:
        say(f"broke off: {broke_off}")
        return 2
    return 0 if met else 1


def main(argv: list[str] | None = None) -> int:
    return run_main(main_async, parse_args(argv), "kopir-wave-")


if __name__ == "__main__":
    raise SystemExit(main())
