"""The sender's pacing: the bulk rate evenly spaced, 1/s per chat, 20/min per group, paid
messages in a lane of their own, lateness of arrivals, a pause on 429."""

from __future__ import annotations

import asyncio
import heapq
import time

import pytest

from bot.delivery.ratelimit import RateLimiter


class FakeTime:
    """A monotonic clock that moves only when the limiter sleeps."""

    def __init__(self) -> None:
        self.now = 0.0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


def limiter_on(fake: FakeTime, **options) -> RateLimiter:
    return RateLimiter(clock=fake.clock, sleep=fake.sleep, **options)


async def send_times(limiter: RateLimiter, fake: FakeTime, chats: list[int]) -> list[float]:
    times = []
    for chat in chats:
        await limiter.acquire(chat)
        times.append(round(fake.now, 6))
    return times


async def test_limiter_spaces_messages_into_one_chat_a_second_apart():
    fake = FakeTime()
    limiter = limiter_on(fake)

    times = await send_times(limiter, fake, [501, 501, 501])

    assert times == [0.0, 1.0, 2.0]


async def test_limiter_spaces_messages_into_different_chats_evenly():
    fake = FakeTime()
    limiter = limiter_on(fake)

    times = await send_times(limiter, fake, [501, 502, 503])

    assert times == [0.0, round(1 / 30, 6), round(2 / 30, 6)]


async def test_limiter_sustains_the_global_rate_and_never_exceeds_it():
    fake = FakeTime()
    limiter = limiter_on(fake, rate=30)

    times = await send_times(limiter, fake, list(range(1, 91)))

    assert times[-1] == round(89 / 30, 6)
    # The 31st goes a full second after the first (to the microsecond), never sooner.
    assert max(sum(1 for t in times if start <= t < start + 0.999999) for start in times) == 30


async def test_limiter_per_chat_wait_does_not_hold_other_chats():
    fake = FakeTime()
    limiter = limiter_on(fake)

    times = await send_times(limiter, fake, [501, 502, 501, 503])

    # The second message to 501 waits its second; 503 then follows a 30th of a second later.
    assert times == [0.0, round(1 / 30, 6), 1.0, round(1 + 1 / 30, 6)]
    assert limiter.chat_delay(502) == 0.0


async def test_limiter_pause_stops_every_chat():
    fake = FakeTime()
    limiter = limiter_on(fake)
    await limiter.acquire(501)

    limiter.pause(3)
    times = await send_times(limiter, fake, [502, 503])

    assert times == [3.0, round(3 + 1 / 30, 6)]


async def test_limiter_shorter_pause_does_not_shorten_a_longer_one():
    fake = FakeTime()
    limiter = limiter_on(fake)

    limiter.pause(5)
    limiter.pause(1)

    assert limiter.delay(501) == 5.0


async def test_limiter_concurrent_senders_stay_within_the_rate():
    limiter = RateLimiter(rate=3, chat_interval=0.0, period=0.1)
    stamps: list[float] = []

    async def send(chat: int) -> None:
        await limiter.acquire(chat)
        stamps.append(time.monotonic())

    await asyncio.gather(*(send(chat) for chat in range(9)))

    stamps.sort()
    gaps = [stamps[i + 3] - stamps[i] for i in range(len(stamps) - 3)]
    assert min(gaps) >= 0.1 - 0.005


def test_limiter_refuses_a_rate_below_one():
    with pytest.raises(ValueError):
        RateLimiter(rate=0)


async def test_limiter_lets_20_messages_a_minute_into_a_group():
    fake = FakeTime()
    limiter = limiter_on(fake)

    times = await send_times(limiter, fake, [-100] * 22)

    # One a second (the chat gap) up to twenty, then the twenty-first a minute after the first.
    assert times == [float(n) for n in range(20)] + [60.0, 61.0]


async def test_limiter_group_limit_does_not_hold_private_chats():
    fake = FakeTime()
    limiter = limiter_on(fake)
    await send_times(limiter, fake, [-100] * 20)

    assert (limiter.chat_delay(-100), limiter.chat_delay(501)) == (41.0, 0.0)


async def test_limiter_paid_messages_go_at_the_paid_rate():
    fake = FakeTime()
    limiter = limiter_on(fake, rate=30, paid_rate=1000)

    paid = []
    for chat in range(1, 101):
        await limiter.acquire(chat, paid=True)
        paid.append(round(fake.now, 6))

    assert paid[-1] == round(99 / 1000, 6)


async def test_limiter_free_messages_also_count_towards_the_paid_lane():
    fake = FakeTime()
    limiter = limiter_on(fake, rate=1000, paid_rate=10)

    await limiter.acquire(1)

    # The free lane would allow the next at 1 ms; the paid lane (10/s) says 100 ms.
    assert round(limiter.delay(2), 6) == 0.1
    assert round(limiter.delay(2, paid=True), 6) == 0.1


async def test_limiter_guard_and_catch_up_stretch_the_spacing():
    fake = FakeTime()
    limiter = limiter_on(fake, rate=10, guard=0.01, catch_up=0.02)

    times = await send_times(limiter, fake, [1, 2])

    assert times == [0.0, 0.103]


async def test_limiter_catches_up_after_a_late_wake_up_but_not_after_idling():
    fake = FakeTime()
    limiter = limiter_on(fake, rate=10, catch_up=0.05)
    await limiter.acquire(1)  # next due at 0.105

    fake.now = 0.145  # woke 40 ms late: the schedule holds
    await limiter.acquire(2)
    late = limiter.delay(3)
    fake.now = 0.4  # 95 ms late: 50 ms of it are caught up
    await limiter.acquire(3)
    stalled = limiter.delay(4)
    fake.now = 5.0  # idle: no credit
    await limiter.acquire(4)
    idle = limiter.delay(5)

    assert (round(late, 6), round(stalled, 6), round(idle, 6)) == (0.065, 0.055, 0.105)


async def test_limiter_a_late_arrival_delays_the_message_a_period_after_it():
    fake = FakeTime()
    limiter = limiter_on(fake, rate=3)
    tokens = []
    for chat in (1, 2, 3):
        tokens.append(await limiter.acquire(chat))
    limiter.arrived(tokens[1], 0.05)  # the usual round trip
    limiter.arrived(tokens[2], 0.05)
    # The first took 300 ms more than usual: it may have reached Telegram that late.
    limiter.arrived(tokens[0], 0.35)

    fake.now = 1.0
    assert round(limiter.delay(4), 6) == 0.3


async def test_limiter_counts_no_lateness_for_the_usual_round_trip():
    fake = FakeTime()
    limiter = limiter_on(fake, rate=3)
    tokens = [await limiter.acquire(chat) for chat in (1, 2, 3)]
    for token in tokens:
        limiter.arrived(token, 0.05)

    times = await send_times(limiter, fake, [4, 5, 6])

    assert times == [1.0, round(4 / 3, 6), round(5 / 3, 6)]


async def test_limiter_takes_a_long_slow_stretch_as_the_new_usual_round_trip():
    fake = FakeTime()
    limiter = limiter_on(fake, rate=3)
    limiter.arrived(await limiter.acquire(1), 0.05)
    fake.now = 5.0  # the fast answer is old news: round trips are 250 ms now
    tokens = [await limiter.acquire(chat) for chat in (2, 3, 4)]
    for token in tokens:
        limiter.arrived(token, 0.25)

    fake.now = 6.0
    assert limiter.delay(5) == 0.0


# --- replies to readers: before bulk sends ----------------------------------------------------


class SteppedTime:
    """A monotonic clock for concurrent waiters: `sleep` parks the caller until `run`
    moves the clock to its wake-up time (earliest first; at one time, first come first
    woken). Nothing sleeps for real."""

    def __init__(self) -> None:
        self.now = 0.0
        self._sleepers: list[tuple[float, int, asyncio.Future[None]]] = []
        self._seq = 0

    def clock(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        waker = asyncio.get_running_loop().create_future()
        self._seq += 1
        heapq.heappush(self._sleepers, (self.now + max(0.0, seconds), self._seq, waker))
        await waker

    async def run(self, *tasks: asyncio.Task, until: float | None = None) -> None:
        """Move the clock from wake-up to wake-up until every task is done (or `until`)."""
        while True:
            await _settle()
            if all(task.done() for task in tasks):
                for task in tasks:
                    task.result()
                return
            if not self._sleepers:
                raise AssertionError("tasks wait for something other than the clock")
            if until is not None and self._sleepers[0][0] > until:
                self.now = until
                return
            await self.step()

    async def step(self) -> None:
        """Wake the next sleeper (moving the clock to its time) and let it run."""
        when, _, waker = heapq.heappop(self._sleepers)
        self.now = max(self.now, when)
        if not waker.done():  # a cancelled sleeper has gone
            waker.set_result(None)
        await _settle()


async def _settle() -> None:
    for _ in range(20):
        await asyncio.sleep(0)


def stepped_limiter(stepped: SteppedTime, **options) -> RateLimiter:
    return RateLimiter(clock=stepped.clock, sleep=stepped.sleep, **options)


async def bulk_stream(limiter: RateLimiter, clock: SteppedTime, chats: list[int],
                      times: list[float]) -> None:
    for chat in chats:
        await limiter.acquire(chat)
        times.append(clock.now)


async def reply_at(limiter: RateLimiter, clock: SteppedTime, at: float, chat: int,
                   times: list[float]) -> None:
    await clock.sleep(at - clock.now)
    await limiter.acquire(chat, reply=True)
    times.append(clock.now)


async def test_reply_goes_at_once_when_nothing_else_is_going_on():
    fake = FakeTime()
    limiter = limiter_on(fake)

    await limiter.acquire(900, reply=True)

    assert fake.now == 0.0


async def test_reply_takes_the_next_slot_before_a_running_bulk_stream():
    clock = SteppedTime()
    limiter = stepped_limiter(clock, rate=32)  # slots 1/32 s apart: exact in binary
    bulk: list[float] = []
    replies: list[float] = []

    # The reply comes between two bulk slots: it waits for the next one (0.5), where the
    # bulk stream's next message wakes at the same moment, first, and leaves it the slot.
    await clock.run(
        asyncio.create_task(bulk_stream(limiter, clock, list(range(1, 61)), bulk)),
        asyncio.create_task(reply_at(limiter, clock, 0.49, 900, replies)),
    )

    assert replies == [0.5]
    # The bulk stream goes on at its even pace, one slot later from there on.
    assert bulk == [n / 32 for n in range(16)] + [n / 32 for n in range(17, 61)]
    assert limiter.replies_waiting == 0


async def test_replies_and_bulk_together_never_exceed_the_rate():
    clock = SteppedTime()
    limiter = stepped_limiter(clock, rate=30)
    bulk: list[float] = []
    replies: list[float] = []

    await clock.run(
        asyncio.create_task(bulk_stream(limiter, clock, list(range(1, 91)), bulk)),
        *(asyncio.create_task(reply_at(limiter, clock, 0.01 + n * 0.11, 900 + n, replies))
          for n in range(20)),
    )

    assert len(replies) == 20
    # Each reply waited at most one slot.
    assert max(t - (0.01 + n * 0.11) for n, t in enumerate(replies)) <= 1 / 30 + 1e-9
    stamps = sorted(bulk + replies)
    assert max(sum(1 for t in stamps if start <= t < start + 0.999999) for start in stamps) == 30


async def test_replies_into_one_chat_go_a_second_apart():
    clock = SteppedTime()
    limiter = stepped_limiter(clock)
    replies: list[float] = []

    await clock.run(*(asyncio.create_task(reply_at(limiter, clock, 0.0, 501, replies))
                      for _ in range(3)))

    assert replies == [0.0, 1.0, 2.0]


async def test_reply_waiting_for_its_chat_does_not_hold_bulk_sends_up():
    clock = SteppedTime()
    limiter = stepped_limiter(clock, rate=30)
    await limiter.acquire(501, reply=True)  # the bot has just answered in chat 501
    bulk: list[float] = []
    replies: list[float] = []

    await clock.run(
        asyncio.create_task(bulk_stream(limiter, clock, list(range(1, 41)), bulk)),
        asyncio.create_task(reply_at(limiter, clock, 0.0, 501, replies)),
    )

    # The bulk stream keeps its pace while the reply waits its chat's second, then the
    # reply takes the slot due at 1.0 and the bulk goes on a slot later.
    assert replies == [1.0]
    assert [round(t, 6) for t in bulk[:29]] == [round(n / 30, 6) for n in range(1, 30)]
    assert round(bulk[29], 6) == round(31 / 30, 6)


async def test_after_a_pause_waiting_replies_go_first():
    clock = SteppedTime()
    limiter = stepped_limiter(clock, rate=30)
    limiter.pause(2)
    bulk: list[float] = []
    replies: list[float] = []

    await clock.run(
        asyncio.create_task(bulk_stream(limiter, clock, [1, 2], bulk)),
        asyncio.create_task(reply_at(limiter, clock, 0.5, 900, replies)),
    )

    assert replies == [2.0]
    assert [round(t, 6) for t in bulk] == [round(2 + 1 / 30, 6), round(2 + 2 / 30, 6)]


async def test_a_paid_bulk_send_does_not_wait_for_a_reply_the_free_lane_holds_up():
    clock = SteppedTime()
    limiter = stepped_limiter(clock, rate=30, paid_rate=1000)
    await limiter.acquire(1)  # the free lane's next slot is a 30th of a second away
    replies: list[float] = []
    paid: list[float] = []

    async def paid_stream() -> None:
        for chat in range(100, 110):
            await limiter.acquire(chat, paid=True)
            paid.append(clock.now)

    await clock.run(asyncio.create_task(paid_stream()),
                    asyncio.create_task(reply_at(limiter, clock, 0.0, 900, replies)))

    assert [round(t, 6) for t in paid] == [round(n / 1000, 6) for n in range(1, 11)]
    assert [round(t, 6) for t in replies] == [round(1 / 30, 6)]


async def test_a_reply_given_up_lets_the_waiting_bulk_send_go():
    clock = SteppedTime()
    limiter = stepped_limiter(clock, rate=32)
    times: list[float] = []
    bulk = asyncio.create_task(bulk_stream(limiter, clock, [1, 2], times))
    await _settle()  # the first went at 0; the second sleeps until 1/32
    reply = asyncio.create_task(limiter.acquire(900, reply=True))
    await _settle()  # the reply sleeps until 1/32 too, woken after the bulk send

    await clock.step()  # the bulk send wakes and leaves the slot to the reply
    assert (times, limiter.replies_waiting) == ([0.0], 1)
    reply.cancel()  # the reader's update was cancelled (shutdown): the slot is free again
    await clock.run(bulk)

    assert times == [0.0, 1 / 32]
    assert limiter.replies_waiting == 0
