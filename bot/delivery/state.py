"""What the delivery engine keeps: a run's report, a sender's state between runs, a
claimed row on its way, and how many requests may be in flight (`bot.delivery.run`)."""

from __future__ import annotations

import asyncio
import math
from collections.abc import Callable
from dataclasses import dataclass, field

from telegram.request import BaseRequest

from bot.core.context import process_name
from bot.delivery.ratelimit import RateLimiter
from bot.messages.outgoing import Outgoing
from bot.services import outbox

# Requests in flight: 2 x rate x latency, at least MIN_IN_FLIGHT and at most half a
# second's worth at the rate (30/s: 15; paid 1000/s: 500). The cap is what a crash can
# duplicate, so it grows with the rate only: a paid broadcast over a slow link needs
# hundreds at once to keep its pace, a free one never more than a few.
MIN_IN_FLIGHT = 4
IN_FLIGHT_SECONDS = 0.5
FIRST_LATENCY_GUESS = 0.25


def max_in_flight(rate: float) -> int:
    return max(MIN_IN_FLIGHT, math.ceil(rate * IN_FLIGHT_SECONDS))


@dataclass
class DeliveryReport:
    """What one run did; counts of rows by outcome."""

    sent: int = 0
    skipped: int = 0
    blocked: int = 0
    retried: int = 0
    failed: int = 0
    uncertain: int = 0
    cancelled: int = 0
    recovered: int = 0


@dataclass
class Sender:
    """State a sender keeps between runs; one per Application (in `bot_data`)."""

    limiter: RateLimiter
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    recovered: bool = False
    wake_pending: bool = False
    # Names this process's claims; unique per start, so a restarted bot is another sender.
    owner: str = field(default_factory=process_name)
    # Seconds a send takes (moving average): sizes the number of requests in flight.
    latency: float = FIRST_LATENCY_GUESS
    # Makes the bulk Bot's request object for a pool of that many connections; None: the
    # aiohttp client (`engine.send_through` puts another, e.g. the fake Bot API in process).
    make_request: Callable[[int], BaseRequest] | None = None


@dataclass
class Item:
    """A claimed row on its way: its claim, its message being rendered, its lane."""

    claim: outbox.Claim
    prepared: asyncio.Future[Outgoing]
    paid: bool
    floods: int = 0

    @property
    def row_id(self) -> int:
        return self.claim.notification.id

    @property
    def chat_id(self) -> int:
        return self.claim.notification.user_id

    @property
    def broadcast_id(self) -> int | None:
        return self.claim.notification.broadcast_id

    @property
    def priority(self) -> int:
        return self.claim.notification.priority
