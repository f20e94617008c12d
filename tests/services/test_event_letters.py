"""Letters of thanks: to whom (bot.services.event_letters), on SQLite and PostgreSQL."""

from __future__ import annotations

from bot.services import event_letters
from tests.factories import NOW
from tests.services.test_feedback import CAME, CANCELLED_BUT_CAME, ended, readers  # noqa: F401


def named(storage, *user_ids: int) -> None:  # noqa: ANN001
    with storage.uow() as uow:
        for user_id in user_ids:
            uow.users.get(user_id).full_name = f"Reader {user_id}"
        uow.commit()


def test_event_letters_go_once_to_who_came_with_a_name(storage, readers):  # noqa: F811
    event = ended(storage)
    named(storage, CAME)

    first = event_letters.send(storage, event.id, NOW)
    named(storage, CANCELLED_BUT_CAME)  # filled in the profile later
    second = event_letters.send(storage, event.id, NOW)
    third = event_letters.send(storage, event.id, NOW)

    assert (first, second, third) == (1, 1, 0)


def test_event_letters_for_an_event_that_is_gone_send_nothing(storage, readers):  # noqa: F811
    assert event_letters.send(storage, 999, NOW) == 0
