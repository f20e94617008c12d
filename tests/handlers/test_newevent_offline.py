"""/newevent of an event in the library: the address is asked instead of a join link."""

from datetime import UTC, datetime

from sqlmodel import select

from bot.sandbox.fakeapi.users import buttons_of, text_of
from storage.models import Event
from tests.conftest import ORGANIZER_ID, onboard

ADDRESS = "Central Library, 12 Abay Avenue, reading room 2"
ADDRESS_Q = ("Where will it be held? Send the library's address (up to 300 characters), for "
             "example: Central Library, 12 Abay Avenue, reading room 2.")
CAPACITY_Q = "How many readers can take part? Send a number, or choose no limit."


async def _act(user, action: str, value: str) -> dict:
    if action == "press":
        await user.press(value)
    else:
        await user.send(value)
    return await user.next_message()


async def test_newevent_offline_asks_the_address_and_no_join_link(bot_app, fake_api, database):
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send("/newevent")
    await organizer.next_message()
    before = [("press", "In the library"), ("press", "Русский"), ("send", "Читаем Абая"),
              ("press", "Continue"), ("press", "Skip"), ("press", "Almaty"),
              ("send", "2026-12-05 15:00")]
    for action, value in before:
        await _act(organizer, action, value)

    address_q = await _act(organizer, "press", "90 minutes")
    capacity_q = await _act(organizer, "send", ADDRESS)
    back = await _act(organizer, "press", "« Back")
    for action, value in [("press", f"Keep: {ADDRESS}"), ("send", "30"), ("press", "Done")]:
        await _act(organizer, action, value)
    summary = await _act(organizer, "press", "Default: 24h, 1h, at the start")
    await organizer.press("Confirm")
    created, card, _link = [await organizer.next_message() for _ in range(3)]

    with database.uow() as uow:
        [event] = uow.session.exec(select(Event)).all()
    assert (text_of(address_q), buttons_of(address_q)) == (ADDRESS_Q, [["« Back"]])
    assert (text_of(capacity_q), text_of(back)) == (CAPACITY_Q, ADDRESS_Q)
    assert text_of(summary).splitlines()[7:10] == [
        "Duration: 90 minutes", f"Address: {ADDRESS}", "Seats: 30"]
    assert (event.kind, event.address, event.link, event.capacity, event.starts_at) == (
        "offline", ADDRESS, None, 30, datetime(2026, 12, 5, 10, 0, tzinfo=UTC))
    assert text_of(created) == "The event is created."
    assert text_of(card).splitlines()[:2] == ["🏛 In the library", "Читаем Абая"]
    assert f"📍 {ADDRESS}" in text_of(card).splitlines()
