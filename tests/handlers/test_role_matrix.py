"""The role matrix: every organizer command and button, pressed by a reader, a juror of
contest A, a juror of contest B, an organizer of library X, an organizer of library Y and
an admin. Buttons are pressed with forged data, as a hostile user would, so a check that
only hides a button would fail here."""

from __future__ import annotations

import pytest

from bot.sandbox.fakeapi import text_of
from tests.conftest import ORGANIZER_ID
from tests.contest_factories import make_contest, make_reader
from tests.factories import make_event
from tests.org_factories import make_library, make_organizer
from tests.result_factories import make_entry, make_juror

READER, JUROR_A, JUROR_B, ORGANIZER_X, ORGANIZER_Y, ADMIN = (
    9001, 9002, 9003, 9004, 9005, ORGANIZER_ID)
PEOPLE = {"reader": READER, "juror of A": JUROR_A, "juror of B": JUROR_B,
          "organizer of X": ORGANIZER_X, "organizer of Y": ORGANIZER_Y, "admin": ADMIN}

ORGANIZERS_ONLY = "Only organizers can do this."
OTHER_LIBRARY = ("This belongs to another library: only its organizers and the administrators "
                 "can manage it.")
ADMINS_ONLY = "Only administrators can manage organizers."
REFUSALS = {ORGANIZERS_ONLY: "no: organizers", OTHER_LIBRARY: "no: other library",
            ADMINS_ONLY: "no: admins"}

# Who may do what with library X's event and contest A (of library X).
X_ONLY = {"reader": "no: organizers", "juror of A": "no: organizers",
          "juror of B": "no: organizers", "organizer of X": "yes",
          "organizer of Y": "no: other library", "admin": "yes"}
ANY_ORGANIZER = {**X_ONLY, "organizer of Y": "yes"}
ADMIN_ONLY = {"reader": "no: admins", "juror of A": "no: admins", "juror of B": "no: admins",
              "organizer of X": "no: admins", "organizer of Y": "no: admins", "admin": "yes"}


@pytest.fixture
def world(database):
    """Library X with event E and contest A, library Y with contest B, a juror on each."""
    x, y = make_library(database, "Library X"), make_library(database, "Library Y")
    for user_id in (READER, JUROR_A, JUROR_B, ADMIN):
        make_reader(database, user_id)
    make_organizer(database, ORGANIZER_X, x)
    make_organizer(database, ORGANIZER_Y, y)
    event = make_event(database, library_id=x)
    contest_a = make_contest(database, library_id=x, key="a")
    contest_b = make_contest(database, library_id=y, key="b")
    make_juror(database, contest_a, JUROR_A, "Juror A")
    make_juror(database, contest_b, JUROR_B, "Juror B")
    entry = make_entry(database, contest_a, READER, 1, "Steppe wind")
    return {"E": event.id, "A": contest_a.id, "B": contest_b.id, "entry": entry.id}


def _verdict(text: str | None) -> str:
    return REFUSALS.get(text or "", "yes")


async def _pressed(fake_api, user_id: int, data: str) -> str:
    person = fake_api.user(user_id)
    await person.send("/help")
    help_message = await person.next_message()
    answer = await person.wait_callback_answer(
        await person.press_data(help_message["message_id"], data))
    return _verdict(answer.text)


async def _sent(fake_api, user_id: int, command: str) -> str:
    person = fake_api.user(user_id)
    await person.send(command)
    return _verdict(text_of(await person.next_message()))


BUTTONS = [
    ("org:edit:{E}", X_ONLY),
    ("org:regs:{E}", X_ONLY),
    ("org:cancel:{E}", X_ONLY),
    ("org:cancel:{E}:yes", X_ONLY),
    ("org:chg:cap:{E}", X_ONLY),
    ("att:show:{E}", X_ONLY),
    ("att:list:{E}:0", X_ONLY),
    ("att:on:{E}:1:0", X_ONLY),
    ("att:off:{E}:1:0", X_ONLY),
    ("chk:qr:{E}", X_ONLY),
    ("ct:entries:{A}", X_ONLY),
    ("ct:jury:{A}", X_ONLY),
    ("jy:new:{A}", X_ONLY),
    ("ct:results:{A}", X_ONLY),
    ("rs:fz:{A}", X_ONLY),
    ("rs:csv:{A}", X_ONLY),
    ("rs:xlsx:{A}", X_ONLY),
    ("rs:zip:{A}", X_ONLY),
    ("rs:pb:{A}", X_ONLY),
    ("rs:list:0", ANY_ORGANIZER),
    ("ct:close:{A}", X_ONLY),
    ("ct:closen:{A}", X_ONLY),
    ("og:inv:1", ADMIN_ONLY),
    ("og:rm:1", ADMIN_ONLY),
]
COMMANDS = [
    ("/newevent", ANY_ORGANIZER),
    ("/newcontest", ANY_ORGANIZER),
    ("/results", ANY_ORGANIZER),
    ("/broadcast", ANY_ORGANIZER),
    ("/broadcasts", ANY_ORGANIZER),
    ("/organizers", ADMIN_ONLY),
]


@pytest.mark.parametrize(("data", "expected"), BUTTONS, ids=[b[0] for b in BUTTONS])
async def test_role_matrix_button(bot_app, fake_api, world, data, expected):
    seen = {who: await _pressed(fake_api, user_id, data.format(**world))
            for who, user_id in PEOPLE.items()}

    assert seen == expected


@pytest.mark.parametrize(("command", "expected"), COMMANDS, ids=[c[0] for c in COMMANDS])
async def test_role_matrix_command(bot_app, fake_api, world, command, expected):
    seen = {who: await _sent(fake_api, user_id, command) for who, user_id in PEOPLE.items()}

    assert seen == expected


JURY_ONLY_A = {"reader": "no: jury", "juror of A": "yes", "juror of B": "no: jury",
               "organizer of X": "no: jury", "organizer of Y": "no: jury", "admin": "no: jury"}


async def test_role_matrix_scoring_an_entry_of_contest_a(bot_app, fake_api, world):
    data = "jr:v:{A}:{entry}:0:7".format(**world)

    seen = {}
    for who, user_id in PEOPLE.items():
        person = fake_api.user(user_id)
        await person.send("/help")
        help_message = await person.next_message()
        answer = await person.wait_callback_answer(
            await person.press_data(help_message["message_id"], data))
        seen[who] = "no: jury" if answer.text == "This is for jury members only." else "yes"

    assert seen == JURY_ONLY_A
