"""ReaderOrderProcessor: readers at once, each reader's updates in order, repeats dropped."""

from __future__ import annotations

import asyncio

from telegram import Update

from bot.runtime.updates import ReaderOrderProcessor, sequence_keys, waiting_for_telegram

GROUP_ID = -100_123


def message_update(update_id: int, user_id: int, chat_id: int | None = None) -> Update:
    chat_id = user_id if chat_id is None else chat_id
    chat_type = "private" if chat_id > 0 else "supergroup"
    return Update.de_json({
        "update_id": update_id,
        "message": {
            "message_id": update_id, "date": 0, "text": "hi",
            "chat": {"id": chat_id, "type": chat_type},
            "from": {"id": user_id, "is_bot": False, "first_name": "A"},
        },
    }, None)


class Journal:
    """Handling that waits for a go-ahead, recording when each update starts and ends."""

    def __init__(self) -> None:
        self.entries: list[str] = []
        self.gates: dict[int, asyncio.Event] = {}
        self.started: dict[int, asyncio.Event] = {}

    async def handle(self, update: Update) -> None:
        number = update.update_id
        self.entries.append(f"start {number}")
        self.started.setdefault(number, asyncio.Event()).set()
        await self.gates.setdefault(number, asyncio.Event()).wait()
        self.entries.append(f"end {number}")

    def release(self, number: int) -> None:
        self.gates.setdefault(number, asyncio.Event()).set()

    async def wait_started(self, number: int) -> None:
        await self.started.setdefault(number, asyncio.Event()).wait()


def submit(processor: ReaderOrderProcessor, journal: Journal, update: Update) -> asyncio.Task:
    # As PTB's Application does: one task per update, created in arrival order.
    return asyncio.create_task(processor.process_update(update, journal.handle(update)))


async def test_processor_different_readers_run_at_once():
    processor, journal = ReaderOrderProcessor(8), Journal()
    tasks = [submit(processor, journal, message_update(n, user_id=n)) for n in (1, 2, 3)]

    for number in (1, 2, 3):
        await journal.wait_started(number)
    for number in (3, 2, 1):
        journal.release(number)
    await asyncio.gather(*tasks)

    assert journal.entries == ["start 1", "start 2", "start 3", "end 3", "end 2", "end 1"]


async def test_processor_one_readers_updates_never_overlap_and_keep_their_order():
    processor, journal = ReaderOrderProcessor(8), Journal()
    tasks = [submit(processor, journal, message_update(n, user_id=42)) for n in (1, 2, 3)]

    for number in (3, 2, 1):
        journal.release(number)
    await asyncio.gather(*tasks)

    assert journal.entries == ["start 1", "end 1", "start 2", "end 2", "start 3", "end 3"]


async def test_processor_one_group_chat_in_order_across_its_members():
    processor, journal = ReaderOrderProcessor(8), Journal()
    first = submit(processor, journal, message_update(1, user_id=41, chat_id=GROUP_ID))
    second = submit(processor, journal, message_update(2, user_id=42, chat_id=GROUP_ID))
    later = submit(processor, journal, message_update(3, user_id=42))
    other = submit(processor, journal, message_update(4, user_id=43))

    await journal.wait_started(4)
    for number in (4, 3, 2, 1):
        journal.release(number)
    await asyncio.gather(first, second, later, other)

    # Update 2 waits for its chat (update 1), update 3 for its user (update 2); the
    # unrelated reader's update 4 runs beside them.
    assert journal.entries == [
        "start 1", "start 4", "end 4", "end 1", "start 2", "end 2", "start 3", "end 3",
    ]


async def test_processor_same_update_id_twice_is_handled_once():
    processor, journal = ReaderOrderProcessor(8), Journal()
    journal.release(7)

    await submit(processor, journal, message_update(7, user_id=42))
    await submit(processor, journal, message_update(7, user_id=42))

    assert journal.entries == ["start 7", "end 7"]


async def test_processor_forgets_a_readers_lock_once_idle():
    processor, journal = ReaderOrderProcessor(8), Journal()
    journal.release(1)

    await submit(processor, journal, message_update(1, user_id=42))

    assert (processor._locks, processor._holders) == ({}, {})


def test_sequence_keys_user_before_chat():
    assert sequence_keys(message_update(1, user_id=42, chat_id=GROUP_ID)) == [
        ("user", 42), ("chat", GROUP_ID),
    ]


async def test_processor_bound_holds_updates_back_until_one_finishes():
    processor, journal = ReaderOrderProcessor(1), Journal()
    first = submit(processor, journal, message_update(1, user_id=41))
    second = submit(processor, journal, message_update(2, user_id=42))

    await journal.wait_started(1)
    journal.release(2)
    journal.release(1)
    await asyncio.gather(first, second)

    assert journal.entries == ["start 1", "end 1", "start 2", "end 2"]


async def test_processor_update_waiting_for_telegram_does_not_count_against_the_bound():
    processor, journal = ReaderOrderProcessor(1), Journal()
    slot = asyncio.Event()

    async def reply_waiting_for_a_slot(update: Update) -> None:
        journal.entries.append("waiting 1")
        async with waiting_for_telegram():
            await slot.wait()
        journal.entries.append("sent 1")

    first = asyncio.create_task(processor.process_update(
        message_update(1, user_id=41), reply_waiting_for_a_slot(message_update(1, user_id=41))
    ))
    journal.release(2)
    # A ceiling against a hang (the bound never freed), not a pace.
    await asyncio.wait_for(submit(processor, journal, message_update(2, user_id=42)), 5)
    slot.set()
    await first

    assert journal.entries == ["waiting 1", "start 2", "end 2", "sent 1"]
