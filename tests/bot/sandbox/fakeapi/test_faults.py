"""Flood control of the fake Bot API: Telegram's sliding windows, on a clock we pass in."""

from __future__ import annotations

from bot.sandbox.fakeapi.faults import RateLimiter


def test_limiter_global_window_slides_by_one_second():
    limiter = RateLimiter(3, 1)

    answers = [limiter.acquire(chat, at) for chat, at in
               [(1, 0.0), (2, 0.2), (3, 0.4), (4, 0.6), (4, 1.0), (5, 1.1), (5, 1.3)]]

    assert answers == [None, None, None, 1, None, 1, None]


def test_limiter_allows_one_message_per_second_into_a_private_chat():
    limiter = RateLimiter(30, 1)

    answers = [limiter.acquire(7, at) for at in (0.0, 0.5, 1.0)]

    assert answers == [None, 1, None]


def test_limiter_allows_twenty_messages_per_minute_into_a_group():
    limiter = RateLimiter(30, 1)

    answers = [limiter.acquire(-100, index * 0.5) for index in range(21)]

    assert (answers[:20], answers[20], limiter.acquire(-100, 60.0)) == ([None] * 20, 50, None)


def test_limiter_paid_sends_skip_the_free_limit_but_not_their_own():
    limiter = RateLimiter(1, 1, paid_rate=3)

    answers = [limiter.acquire(chat, 0.1, paid=paid) for chat, paid in
               [(1, False), (2, False), (3, True), (4, True), (5, True), (6, True)]]

    assert answers == [None, 1, None, None, 1, 1]


def test_limiter_rejected_sends_take_no_slot():
    limiter = RateLimiter(1, 1)
    limiter.acquire(1, 0.0)
    limiter.acquire(2, 0.5)

    assert limiter.acquire(2, 1.0) is None
