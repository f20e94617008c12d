"""Pacing of outgoing messages, so that Telegram's flood control rarely has to say no.

Telegram allows a bot about 30 messages per second in all (1000 per second for
messages sent with `allow_paid_broadcast`), 1 per second into one private chat
and 20 per minute into one group; above that it answers 429 with `retry_after`,
and every 429 costs at least a second of silence. So the limiter keeps all the
limits on our side:

- the bulk limit as an even spacing between messages, not as bursts of `rate`
  at the top of each second (bursts need `rate` requests in flight at once, and
  a burst that reaches Telegram a little early overlaps the previous second's);
  after a late wake-up (a busy event loop) messages may catch up to `catch_up`
  seconds back to back, so a stall does not lose all its share of the rate (idling
  for a period gets no credit);
- free and paid messages in two lanes: a paid message waits only for the paid
  lane, a free one for both (the paid rate bounds everything we send);
- per chat: a gap of `chat_interval` in private chats (positive ids), at most
  `group_rate` per `group_period` in groups (negative ids).

Telegram counts the moment a request *arrives*, not the moment we let it go. A
message that takes 40 ms longer on its way than the one `rate` messages after
it makes both fall into one second. So each lane also remembers its last
`rate` messages and how late each may have arrived: `arrived(token, seconds)`,
called with a send's round trip, takes the excess over the usual round trip
(the fastest of the last few seconds) as an upper bound of its lateness, and a
new message waits until the one `rate` messages before it is a full period
(plus `guard`) behind it, lateness included. Spacing is
`(period + guard + catch_up) / rate`, so in a quiet stretch this never binds.

Replies to readers go first: `acquire(chat, reply=True)` waits for the same lanes
and its chat (and a pause), but while a reply could take the next slot, a bulk
send does not take it; the bulk send waits until the reply has gone. Nothing is
held back for replies that have not come: the bulk rate keeps its even pace, and a
reply arriving meanwhile takes the next slot of that pace (a thirtieth of a second
at 30/s, or at once when nothing is going on). A reply waiting for its own chat's
second does not hold bulk sends up; once its chat is free it goes before them.

`pause(seconds)` (a 429's retry_after) stops every lane and chat at once.

Processes sharing one database keep the bot's pace together: given `shared` (a
`bot.delivery.shared_pace.DatabasePace`), each send also takes its slot there once this
process's own pacing lets it go.
"""

from __future__ import annotations

import asyncio
import time
from collections import deque
from collections.abc import Awaitable, Callable, Hashable
from typing import Protocol

DEFAULT_RATE = 30
DEFAULT_CHAT_INTERVAL = 1.0
DEFAULT_GROUP_RATE = 20
DEFAULT_GROUP_PERIOD = 60.0
# Per-chat stamps older than the longest interval are forgotten once this many pile up.
_PRUNE_AT = 10_000
# Lateness is counted up to this (a time-out must not stop a lane for long), and a
# message not answered yet counts as late as the time it has been on its way.
_LATEST = 0.5
# The usual round trip is the fastest of the last few seconds: a slow stretch shorter
# than this counts as lateness, a longer one as the new usual.
_BASE_WINDOW = 3.0
# A reply that may go within this many seconds counts as ready: a bulk send waking at
# the same moment (timers in one loop tick fire in any order) leaves the slot to it.
_READY = 0.001


class SharedPace(Protocol):
    """The bot's pace kept with other processes (`bot.delivery.shared_pace`)."""

    async def take(self, chat_id: Hashable, *, paid: bool, reply: bool) -> list[int]: ...

    def arrived(self, logged: list[int], late: float) -> None: ...

    def pause(self, seconds: float) -> None: ...


class _SharedGrant(list):
    """A token's part that stands for the slots taken with other processes."""

    def __init__(self, logged: list[int]) -> None:
        super().__init__([None, None])
        self.logged = logged


class _Lane:
    """`rate` per `period`: evenly spaced, and never `rate` + 1 arrivals in a period."""

    def __init__(self, rate: float, period: float, guard: float, catch_up: float) -> None:
        if rate <= 0:
            raise ValueError("rate must be positive")
        self.interval = (period + guard + catch_up) / rate
        self.window = period + guard
        self.catch_up = catch_up
        self.next_at = float("-inf")
        self.size = max(1, int(rate * period))
        # [sent at, lateness or None until answered] of the last `size` messages
        self.recent: deque[list] = deque()

    def wait(self, now: float, base: float | None) -> float:
        wait = self.next_at - now
        if len(self.recent) >= self.size:
            sent_at, late = self.recent[0]
            if late is None:
                late = 0.0 if base is None else min(_LATEST, max(0.0, now - sent_at - base))
            wait = max(wait, sent_at + late + self.window - now)
        return wait

    def take(self, now: float) -> list:
        behind = now - self.next_at
        if behind <= self.catch_up:
            # On schedule, or a little late: keep the schedule (the next may go sooner).
            self.next_at += self.interval
        elif behind < self.window:
            # A stall while sending (the event loop was busy): catch up what may be.
            self.next_at = now - self.catch_up + self.interval
        else:
            # Idle for a while: no credit for the time nothing was sent.
            self.next_at = now + self.interval
        entry = [now, None]
        self.recent.append(entry)
        if len(self.recent) > self.size:
            self.recent.popleft()
        return entry


class RateLimiter:
    """`token = await limiter.acquire(chat_id, paid=..., reply=...)` before each send, and
    `limiter.arrived(token, round_trip)` when its answer (or error) came.

    `clock` (seconds, monotonic) and `sleep` are injectable so tests can run on a
    fake clock. Waiting happens outside the bookkeeping, which has no `await`
    in it, so concurrent senders in one event loop never overshoot.
    """

    def __init__(
        self,
        rate: float = DEFAULT_RATE,
        chat_interval: float = DEFAULT_CHAT_INTERVAL,
        *,
        period: float = 1.0,
        paid_rate: float | None = None,
        group_rate: int = DEFAULT_GROUP_RATE,
        group_period: float = DEFAULT_GROUP_PERIOD,
        guard: float = 0.0,
        catch_up: float = 0.0,
        paid_catch_up: float | None = None,
        clock: Callable[[], float] = time.monotonic,
        sleep: Callable[[float], Awaitable[object]] = asyncio.sleep,
        shared: SharedPace | None = None,
    ) -> None:
        if rate < 1:
            raise ValueError("rate must be at least one message per period")
        self.rate = rate
        self.paid_rate = paid_rate
        self.chat_interval = chat_interval + guard
        self.group_rate = group_rate
        self.group_period = group_period + guard
        self._clock = clock
        self._sleep = sleep
        self.shared = shared
        self._free = _Lane(rate, period, guard, catch_up)
        self._paid = None
        if paid_rate:
            paid_catch_up = catch_up if paid_catch_up is None else paid_catch_up
            self._paid = _Lane(paid_rate, period, guard, paid_catch_up)
        self._last_in_chat: dict[Hashable, float] = {}
        self._group_sends: dict[Hashable, deque[float]] = {}
        self._paused_until = float("-inf")
        # (answered at, round trip), round trips increasing: a sliding minimum.
        self._round_trips: deque[tuple[float, float]] = deque()
        # Replies waiting for a slot (a key per waiter -> its chat), and a future bulk
        # sends wait on while a ready reply is about to take the slot they would take.
        self._replies: dict[int, Hashable] = {}
        self._reply_seq = 0
        self._reply_gone: asyncio.Future[None] | None = None
        # Replies past their chat's wait queue here; the first one's chat is `_reply_head`.
        self._reply_gate = asyncio.Lock()
        self._reply_head: Hashable | None = None

    @property
    def paced_rate(self) -> float:
        """Free messages per second the limiter lets through back to back (below `rate`
        by the guard and catch-up margins)."""
        return 1 / self._free.interval

    def delay(self, chat_id: Hashable, *, paid: bool = False) -> float:
        """Seconds until a message to `chat_id` may go; 0 when it may go now."""
        now = self._clock()
        base = self._round_trips[0][1] if self._round_trips else None
        waits = [self._paused_until - now, self.chat_delay(chat_id, now)]
        waits += [lane.wait(now, base) for lane in self._lanes(paid)]
        return max(0.0, *waits)

    def chat_delay(self, chat_id: Hashable, now: float | None = None) -> float:
        """Seconds until `chat_id` itself may take a message, whatever the bulk limit says."""
        now = self._clock() if now is None else now
        if _is_group(chat_id):
            sends = self._group_sends.get(chat_id)
            if sends is None:
                return 0.0
            while sends and sends[0] <= now - self.group_period:
                sends.popleft()
            wait = 0.0
            if len(sends) >= self.group_rate:
                wait = sends[0] + self.group_period - now
            if sends:
                wait = max(wait, sends[-1] + self.chat_interval - now)
            return max(0.0, wait)
        last = self._last_in_chat.get(chat_id)
        return 0.0 if last is None else max(0.0, last + self.chat_interval - now)

    async def acquire(
        self, chat_id: Hashable, *, paid: bool = False, reply: bool = False
    ) -> tuple[list, ...]:
        """Wait until a message to `chat_id` may go and take its slot. `reply=True`: a
        reply to a reader, which goes before bulk sends (see the module's docstring)."""
        token = await (self._acquire_reply(chat_id) if reply else self._acquire_bulk(chat_id, paid))
        if self.shared is not None:
            logged = await self.shared.take(chat_id, paid=paid, reply=reply)
            token = (*token, _SharedGrant(logged))
        return token

    async def _acquire_bulk(self, chat_id: Hashable, paid: bool) -> tuple[list, ...]:
        while True:
            wait = self.delay(chat_id, paid=paid)
            if wait > 0:
                await self._sleep(wait)
            elif self._reply_ready():
                # The slot is a reply's: wait until it has taken it (or given up).
                if self._reply_gone is None or self._reply_gone.done():
                    self._reply_gone = asyncio.get_running_loop().create_future()
                await self._reply_gone
            else:
                return self._record(chat_id, paid)

    async def _acquire_reply(self, chat_id: Hashable) -> tuple[list, ...]:
        self._reply_seq += 1
        key = self._reply_seq
        self._replies[key] = chat_id
        try:
            # Its own chat first: a reply waiting for its chat's second holds nobody up.
            while (wait := self.chat_delay(chat_id)) > 0:
                await self._sleep(wait)
            # Then in line: one reply at a time watches the lanes. A thousand replies
            # waking for every slot would spend the bot's CPU on waking up.
            async with self._reply_gate:
                self._reply_head = chat_id
                try:
                    while (wait := self.delay(chat_id)) > 0:
                        await self._sleep(wait)
                    return self._record(chat_id, paid=False)
                finally:
                    self._reply_head = None
        finally:
            del self._replies[key]
            gone = self._reply_gone
            if gone is not None and not gone.done():
                gone.set_result(None)

    def _reply_ready(self) -> bool:
        """Whether the reply first in line may go now (lanes, pause and its chat): then it
        takes the slot, not a bulk send. A paid bulk send, which needs only the paid lane,
        so gives way only to replies the free lane lets go too."""
        head = self._reply_head
        if head is None:
            return False
        now = self._clock()
        if self._paused_until - now > _READY:
            return False
        base = self._round_trips[0][1] if self._round_trips else None
        if any(lane.wait(now, base) > _READY for lane in self._lanes(False)):
            return False
        return self.chat_delay(head, now) <= _READY

    @property
    def replies_waiting(self) -> int:
        """Replies waiting for a slot now."""
        return len(self._replies)

    def arrived(self, token: tuple[list, ...], round_trip: float) -> None:
        """The answer to the message `token` stands for came after `round_trip` seconds:
        whatever it took beyond the usual round trip, it may have arrived that late."""
        now, round_trips = self._clock(), self._round_trips
        while round_trips and round_trips[-1][1] >= round_trip:
            round_trips.pop()
        round_trips.append((now, round_trip))
        while round_trips[0][0] < now - _BASE_WINDOW:
            round_trips.popleft()
        late = min(_LATEST, max(0.0, round_trip - round_trips[0][1]))
        for entry in token:
            entry[1] = late
            if isinstance(entry, _SharedGrant) and self.shared is not None:
                self.shared.arrived(entry.logged, late)

    def pause(self, seconds: float) -> None:
        """Flood control answered: nobody sends for `seconds`."""
        self._paused_until = max(self._paused_until, self._clock() + seconds)
        if self.shared is not None:
            self.shared.pause(seconds)

    def _lanes(self, paid: bool) -> list[_Lane]:
        if paid and self._paid is not None:
            return [self._paid]
        return [self._free] if self._paid is None else [self._free, self._paid]

    def _record(self, chat_id: Hashable, paid: bool) -> tuple[list, ...]:
        now = self._clock()
        token = tuple(lane.take(now) for lane in self._lanes(paid))
        if _is_group(chat_id):
            self._group_sends.setdefault(chat_id, deque()).append(now)
            return token
        self._last_in_chat[chat_id] = now
        if len(self._last_in_chat) > _PRUNE_AT:
            horizon = now - self.chat_interval
            self._last_in_chat = {
                chat: stamp for chat, stamp in self._last_in_chat.items() if stamp > horizon
            }
        return token


def _is_group(chat_id: Hashable) -> bool:
    return isinstance(chat_id, int) and chat_id < 0
