"""Letters of thanks to the readers who came, end to end: asked, sent once, delivered as PDF."""

from __future__ import annotations

import io

from pypdf import PdfReader

from bot.core.context import app_context
from bot.delivery.engine import send_due
from bot.sandbox.fakeapi.users import buttons_of, text_of
from tests.conftest import onboard
from tests.handlers.test_results import alert_after
from tests.services.test_feedback import CAME, CANCELLED_BUT_CAME, STAYED_AWAY, ended

ORGANIZER = 7001
TITLE = "A model of the future"


async def came_and_named(fake_api, database):  # noqa: ANN001, ANN201
    """Three readers; two came; one of them (CAME) has a profile, so a name to print."""
    readers = {user_id: await onboard(fake_api, user_id, "en")
               for user_id in (CAME, STAYED_AWAY, CANCELLED_BUT_CAME)}
    event = ended(database)
    with database.uow() as uow:
        uow.users.get(CAME).full_name = "Aru Sadykova"
        uow.commit()
    return readers, event


async def test_letters_asked_then_sent_once_to_who_came_as_a_pdf_in_their_language(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    readers, event = await came_and_named(fake_api, database)
    organizer = await onboard(fake_api, ORGANIZER, "en")
    await organizer.send("/help")
    anchor = (await organizer.next_message())["message_id"]

    before = [len(readers[user_id].messages) for user_id in (STAYED_AWAY, CANCELLED_BUT_CAME)]

    await organizer.press_data(anchor, f"lt:ask:{event.id}")
    asked = await organizer.next_message()
    await organizer.press(t.gettext("Send"))
    sent = await organizer.next_message()
    await send_due(bot_app, app_context(bot_app.bot_data))
    letter = await readers[CAME].next_message()
    await organizer.press_data(anchor, f"lt:ask:{event.id}")
    again = await organizer.next_message()

    assert (text_of(asked), buttons_of(asked)) == (
        "Send a letter of thanks (a PDF in their own language) to 1 reader who came?",
        [["Send", "No"]])
    assert text_of(sent) == "1 letter of thanks is on its way."
    assert (letter["caption"], letter["document"]["file_name"]) == (
        f"A letter of thanks for taking part in «{TITLE}».", "Letter of thanks.pdf")
    pdf = PdfReader(io.BytesIO(fake_api.file_bytes(letter["document"]["file_id"])))
    printed = pdf.pages[0].extract_text()
    assert ("Aru Sadykova" in printed, TITLE in printed) == (True, True)
    assert [len(readers[user_id].messages) for user_id in (STAYED_AWAY, CANCELLED_BUT_CAME)] \
        == before  # one did not come, the other has no name to print
    assert text_of(again).startswith("Nobody is waiting for a letter")


async def test_letters_refused_to_a_reader(bot_app, fake_api, database, catalogs):
    t = catalogs.translator("en")
    readers, event = await came_and_named(fake_api, database)
    reader = readers[CAME]
    await reader.send("/help")
    anchor = (await reader.next_message())["message_id"]

    alert = await alert_after(reader, await reader.press_data(anchor, f"lt:ask:{event.id}"))

    assert alert == t.gettext("Only organizers can do this.")
