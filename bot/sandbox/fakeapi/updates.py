"""The queue of updates for the bot: long polling (offsets, allowed_updates, poll
conflicts), and what webhook delivery (`bot.sandbox.fakeapi.webhook`) takes from it."""

from __future__ import annotations

import asyncio
import copy
from collections.abc import Callable

from bot.sandbox.fakeapi.shapes import ApiError, JSONDict

# Update kinds Telegram withholds unless a bot asks for them explicitly.
_OPT_IN_KINDS = frozenset({"chat_member", "message_reaction", "message_reaction_count"})


class UpdateQueue:
    def __init__(self) -> None:
        self._pending: list[JSONDict] = []
        # Real update ids are large and not 1-based; a bot must not assume otherwise.
        self._next_id = 700_000_001
        self._changed = asyncio.Event()
        self._allowed: frozenset[str] | None = None
        self._poll_generation = 0
        self._closed = False
        self.last_pushed: JSONDict | None = None
        # Called on every change (a push, a confirmation): webhook delivery wakes on it.
        self.listeners: list[Callable[[], None]] = []

    @property
    def pending(self) -> list[JSONDict]:
        return copy.deepcopy(self._pending)

    def pending_ids(self) -> list[int]:
        """update_ids of the updates not yet confirmed (no copies: cheap to poll)."""
        return [update["update_id"] for update in self._pending]

    def waiting(self) -> list[JSONDict]:
        """The updates not yet confirmed, oldest first: the list itself, not copies (for
        webhook delivery, which reads it without awaiting in between)."""
        return self._pending

    def confirm_one(self, update_id: int) -> None:
        """The bot has this update (a webhook answered 2xx): it is not delivered again."""
        self._pending = [u for u in self._pending if u["update_id"] != update_id]
        self._wake()

    def allow(self, allowed_updates: list[str] | None) -> None:
        """The kinds the bot asked for (getUpdates or setWebhook); None leaves them as they
        are, an empty list means "back to the default set", as in the Bot API."""
        if allowed_updates is None:
            return
        self._allowed = frozenset(allowed_updates) or None
        self._pending = [u for u in self._pending if self._accepts(_kind_of(u))]

    def push(self, kind: str, payload: JSONDict) -> JSONDict:
        update = {"update_id": self._next_id, kind: copy.deepcopy(payload)}
        self._next_id += 1
        self.last_pushed = update
        # Like Telegram, updates the bot opted out of are never stored at all.
        if self._accepts(kind):
            self._pending.append(update)
            self._wake()
        return update

    def redeliver(self, update: JSONDict) -> None:
        """Deliver an update again with its own update_id, as Telegram does when a webhook
        answer was lost or a poll is repeated after a time-out."""
        self._pending.append(copy.deepcopy(update))
        self._wake()

    def drop_pending(self) -> None:
        self._pending.clear()
        self._wake()

    def close(self) -> None:
        """Release every waiting long poll, so the HTTP server can shut down at once."""
        self._closed = True
        self._wake()

    async def get(
        self,
        *,
        offset: int | None,
        limit: int,
        poll_seconds: float,
        allowed_updates: list[str] | None,
    ) -> list[JSONDict]:
        self.allow(allowed_updates)
        self._poll_generation += 1
        generation = self._poll_generation
        self._wake()  # an older poll still waiting must now answer 409
        if offset is not None:
            self._confirm(offset)
        loop = asyncio.get_running_loop()
        deadline = loop.time() + max(0.0, poll_seconds)
        while True:
            if generation != self._poll_generation:
                raise ApiError(
                    409,
                    "Conflict: terminated by other getUpdates request; "
                    "make sure that only one bot instance is running",
                )
            batch = self._pending[: max(1, min(limit, 100))]
            remaining = deadline - loop.time()
            if batch or self._closed or remaining <= 0:
                return copy.deepcopy(batch)
            changed = self._changed
            try:
                await asyncio.wait_for(changed.wait(), remaining)
            except TimeoutError:
                pass

    def _confirm(self, offset: int) -> None:
        if offset < 0:
            self._pending = self._pending[offset:]
        else:
            self._pending = [u for u in self._pending if u["update_id"] >= offset]

    def _accepts(self, kind: str) -> bool:
        if self._allowed is None:
            return kind not in _OPT_IN_KINDS
        return kind in self._allowed

    def _wake(self) -> None:
        # Swap in a fresh Event so waiters that wake up and loop again block properly.
        self._changed.set()
        self._changed = asyncio.Event()
        for listener in self.listeners:
            listener()


def _kind_of(update: JSONDict) -> str:
    return next(key for key in update if key != "update_id")
