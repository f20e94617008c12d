"""The sender's pacing: the bulk rate evenly spaced, 1/s per chat, 20/min per group, paid
messages in a lane of their own, lateness of arrivals, a pause on 429."""

from __future__ import annotations

import asyncio
import time

import pytest

from bot.ratelimit import RateLimiter


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
