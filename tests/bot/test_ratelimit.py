"""The sender's pacing: 1 message per second into a chat, a global rate, a pause on 429."""

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


async def test_limiter_lets_messages_into_different_chats_go_together():
    fake = FakeTime()
    limiter = limiter_on(fake)

    times = await send_times(limiter, fake, [501, 502, 503])

    assert times == [0.0, 0.0, 0.0]


async def test_limiter_holds_the_31st_message_of_a_second():
    fake = FakeTime()
    limiter = limiter_on(fake)

    times = await send_times(limiter, fake, list(range(1, 32)))

    assert times == [0.0] * 30 + [1.0]


async def test_limiter_sustains_the_global_rate_and_never_exceeds_it():
    fake = FakeTime()
    limiter = limiter_on(fake, rate=30)

    times = await send_times(limiter, fake, list(range(1, 91)))

    assert times[-1] == 2.0
    assert max(sum(1 for t in times if start <= t < start + 1) for start in times) == 30


async def test_limiter_per_chat_wait_does_not_reset_other_chats():
    fake = FakeTime()
    limiter = limiter_on(fake)

    times = await send_times(limiter, fake, [501, 502, 501, 503])

    # The second message to 501 waits a second; 503 then goes at once.
    assert times == [0.0, 0.0, 1.0, 1.0]


async def test_limiter_pause_stops_every_chat():
    fake = FakeTime()
    limiter = limiter_on(fake)
    await limiter.acquire(501)

    limiter.pause(3)
    times = await send_times(limiter, fake, [502, 503])

    assert times == [3.0, 3.0]


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
