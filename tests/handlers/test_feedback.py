"""Rating an event one came to, a comment, and the organizer's view, end to end."""

from __future__ import annotations

import json
from datetime import timedelta

from bot.core.context import app_context
from bot.delivery.engine import send_due
from bot.sandbox.fakeapi.users import buttons_of, text_of
from bot.services import feedback
from tests.conftest import onboard
from tests.factories import NOW
from tests.handlers.test_results import alert_after
from tests.services.test_feedback import CAME, CANCELLED_BUT_CAME, STAYED_AWAY, ended

ORGANIZER = 7001
TITLE = "A model of the future"


async def request_delivered(bot_app, fake_api, database):  # noqa: ANN001, ANN201
    """The reader who came (CAME) has the bot open and gets the rating request."""
    reader = await onboard(fake_api, CAME, "en")
    await onboard(fake_api, STAYED_AWAY, "en")
    await onboard(fake_api, CANCELLED_BUT_CAME, "en")
    event = ended(database)
    ctx = app_context(bot_app.bot_data)
    await ctx.call(feedback.plan_requests, NOW)
    await send_due(bot_app, ctx)
    return reader, event, await reader.next_message()


async def test_feedback_request_rated_then_commented_and_seen_by_the_organizer(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    reader, event, request = await request_delivered(bot_app, fake_api, database)
    organizer = await onboard(fake_api, ORGANIZER, "en")

    await reader.press("4 ⭐")
    thanked = await reader.next_message()
    await reader.press(t.gettext("Add a comment"))
    asked = await reader.next_message()
    await reader.send_sticker()
    again = await reader.next_message()
    await reader.send("Very interesting, thank you!")
    saved = await reader.next_message()
    await organizer.send("/help")
    help_message = await organizer.next_message()
    await organizer.press_data(help_message["message_id"], f"fb:s:{event.id}")
    summary = await organizer.next_message()

    assert text_of(request) == t.gettext(
        "Thank you for coming to «{title}»! How was it? Please rate it from 1 (poor) to "
        "5 (excellent).").format(title=TITLE)
    assert buttons_of(request) == [["⭐", "⭐⭐", "3 ⭐", "4 ⭐", "5 ⭐"]]
    assert text_of(thanked) == t.gettext(
        "Thank you! Your rating: {rating} of 5. You can add a comment, or press another "
        "number to change the rating.").format(rating=4)
    ask = t.gettext("Write your comment in one message (up to {limit} characters). "
                    "Send /cancel to skip it.").format(limit=1000)
    assert (text_of(asked), text_of(again)) == (
        ask, t.gettext("Please write your comment as a text message.") + "\n\n" + ask)
    assert text_of(saved) == t.gettext("Thank you, your comment is saved.")
    assert text_of(summary) == "\n".join([
        f"«{TITLE}»: average rating 4 of 5, from 1 reader.",
        "1⭐ 0  2⭐ 0  3⭐ 0  4⭐ 1  5⭐ 0", "", "Comments:", "— Very interesting, thank you!"])


async def test_feedback_rating_after_the_week_is_refused_with_an_alert(
    bot_app, fake_api, database, catalogs, clock
):
    t = catalogs.translator("en")
    reader, _event, _request = await request_delivered(bot_app, fake_api, database)
    clock.set(NOW + timedelta(days=8))

    alert = await alert_after(reader, await reader.press("5 ⭐"))

    assert alert == t.gettext(
        "Ratings for this event are closed: they are taken for a week after it ends.")


async def test_feedback_rating_by_a_reader_who_did_not_come_is_refused(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    _reader, event, _request = await request_delivered(bot_app, fake_api, database)
    other = fake_api.user(STAYED_AWAY)
    message_id = other.messages[-1]["message_id"] if other.messages else 1

    alert = await alert_after(other, await other.press_data(message_id, f"fb:r:{event.id}:5"))

    assert alert == t.gettext("Only readers who came to the event can rate it.")


async def test_feedback_comment_cancelled_keeps_the_rating(bot_app, fake_api, database, catalogs):
    t = catalogs.translator("en")
    reader, _event, _request = await request_delivered(bot_app, fake_api, database)
    await reader.press("5 ⭐")
    await reader.next_message()
    await reader.press(t.gettext("Add a comment"))
    await reader.next_message()

    await reader.send("/cancel")
    reply = await reader.next_message()

    assert text_of(reply) == t.gettext("No comment then; your rating is kept.")


async def test_feedback_summary_refused_to_a_reader(bot_app, fake_api, database, catalogs):
    t = catalogs.translator("en")
    reader, event, request = await request_delivered(bot_app, fake_api, database)

    alert = await alert_after(reader, await reader.press_data(request["message_id"],
                                                              f"fb:s:{event.id}"))

    assert alert == t.gettext("Only organizers can do this.")


async def test_feedback_shown_in_mydata_and_its_file(bot_app, fake_api, database, catalogs):
    t = catalogs.translator("en")
    reader, _event, _request = await request_delivered(bot_app, fake_api, database)
    await reader.press("5 ⭐")
    await reader.next_message()

    await reader.send("/mydata")
    shown = text_of(await reader.next_message())
    document = await reader.next_message()

    assert "\n".join([t.gettext("Your ratings of events:"), f"• «{TITLE}»: 5 of 5"]) in shown
    kept = json.loads(fake_api.file_bytes(document["document"]["file_id"]))
    assert kept["event_ratings"] == [
        {"event_id": _event.id, "event": TITLE, "rating": 5, "comment": None}]
