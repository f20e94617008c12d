"""Cards and lists as long as the organizers may make them still open: cut short with a
button for the rest, or paged, within Telegram's 4096 characters (the fake Bot API refuses
longer texts as Telegram does)."""

import re
from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.sandbox.fakeapi.users import buttons_of, text_of
from bot.services.profile import ProfileDraft, save_profile
from bot.services.registration import register
from storage.models import Partner
from tests.conftest import onboard
from tests.contest_factories import make_contest
from tests.factories import NOW, make_event

KYIV = ZoneInfo("Europe/Kyiv")
LONGEST_TITLE = 200
LONGEST_LINK = 500
PROFILE = ProfileDraft("Dana Bekova", date(2008, 5, 1), "Kazakhstan", "Karaganda", "School 1")


def _long_partners(count: int) -> list[Partner]:
    # Names of 200 characters and cities of 100: the longest the fields allow.
    return [
        Partner(name=f"Library {number:02d} " + "n" * 189, city=f"City {number:02d} " + "c" * 92,
                timezone="Europe/Kyiv")
        for number in range(1, count + 1)
    ]


async def test_event_card_with_20_long_partners_opens_and_lists_them_all(
    bot_app, fake_api, database, catalogs
):
    partners = _long_partners(20)
    event = make_event(database, titles={"en": "T" * LONGEST_TITLE}, language="en",
                       descriptions={"en": "d" * 2000}, partners=partners)
    user = await onboard(fake_api, 501, "en")
    t = catalogs.translator("en")
    await user.send("/events")
    await user.next_message()

    await user.press("1. " + "T" * 47 + "…")
    card = await user.next_message()
    await user.press(t.gettext("All partners ({n})").format(n=20))
    full = [await user.next_message(), await user.next_message()]

    shown = [line for line in text_of(card).split("\n")
             if line.startswith(("City ", t.gettext("Partners: {partners}")[:9]))]
    named = sum(text_of(card).count(partner.name) for partner in partners)
    when = t.datetime(event.starts_at, KYIV)
    expected = [t.gettext("Partners of «{title}»:").format(title="T" * LONGEST_TITLE)] + [
        t.gettext("{number}. {name} ({city}): {when}").format(
            number=number, name=partner.name, city=partner.city, when=when)
        for number, partner in enumerate(partners, start=1)
    ]
    assert (len(text_of(card)) <= 4096, text_of(card).count("d" * 2000), buttons_of(card)) == (
        True, 1, [[t.gettext("Register")], [t.gettext("All partners ({n})").format(n=20)],
                  [t.gettext("« Back")]])
    assert (shown[-1].endswith(t.ngettext("…and {n} more", "…and {n} more", 20 - named)
                               .format(n=20 - named)), 0 < named < 20) == (True, True)
    assert [len(text_of(part)) <= 4096 for part in full] == [True, True]
    assert "\n".join(text_of(part) for part in full).split("\n") == expected


async def test_event_card_with_few_partners_has_no_partners_button(
    bot_app, fake_api, database, catalogs
):
    event = make_event(database, partners=_long_partners(3))
    user = await onboard(fake_api, 502, "en")
    t = catalogs.translator("en")

    await user.send(f"/start event_{event.id}")
    card = await user.next_message()

    assert (text_of(card).count("n" * 189), buttons_of(card)) == (
        3, [[t.gettext("Register")], [t.gettext("« Back")]])


async def test_partners_button_of_a_cancelled_event_answers_with_alert(
    bot_app, fake_api, database
):
    event = make_event(database, partners=_long_partners(20), cancelled_at=NOW)
    user = await onboard(fake_api, 503, "en")
    await user.send("/events")
    listing = await user.next_message()

    query_id = await user.press_data(listing["message_id"], f"ev:partners:{event.id}")
    alert = await user.wait_callback_answer(query_id)

    assert (alert.text, alert.show_alert) == (
        "This button is out of date: the event no longer exists or has changed.", True)


def _register_for_18_long_events(database, user_id: int) -> list[str]:
    with database.uow() as uow:
        save_profile(uow, user_id, PROFILE, NOW)
        uow.commit()
    titles = [f"{number:02d} " + "t" * (LONGEST_TITLE - 3) for number in range(1, 19)]
    events = [
        make_event(database, titles={"en": title}, language="en",
                   starts_at=NOW + timedelta(minutes=30 + number),
                   link="https://zoom.us/j/" + "9" * (LONGEST_LINK - 18))
        for number, title in enumerate(titles)
    ]
    with database.uow() as uow:
        for event in events:
            register(uow, event.id, user_id, NOW)
        uow.commit()
    return titles


async def test_my_with_18_long_registrations_pages_and_reaches_every_one(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 504, "en")
    titles = _register_for_18_long_events(database, 504)
    t = catalogs.translator("en")

    await user.send("/my")
    pages = [await user.next_message()]
    for _ in range(3):
        await user.press("▶")
        pages.append(await user.next_message())
    await user.press("◀")
    back = await user.next_message()

    headers = [text_of(page).split("\n")[0] for page in pages]
    numbered = [line for page in pages for line in text_of(page).split("\n")
                if re.match(r"\d+\. «", line)]
    assert headers == [t.gettext("Your events, page {page} of {pages}:").format(page=n, pages=4)
                       for n in range(1, 5)]
    assert numbered == [f"{number}. «{title}»" for number, title in enumerate(titles, start=1)]
    assert [len(text_of(page)) <= 4096 for page in pages] == [True] * 4
    assert [buttons_of(page)[-1] for page in pages] == [["▶"], ["◀", "▶"], ["◀", "▶"], ["◀"]]
    assert ({page["message_id"] for page in pages} == {back["message_id"]},
            text_of(back) == text_of(pages[2])) == (True, True)


async def test_my_cancel_on_the_last_page_redraws_that_page(
    bot_app, fake_api, database, catalogs
):
    user = await onboard(fake_api, 505, "en")
    titles = _register_for_18_long_events(database, 505)
    t = catalogs.translator("en")
    await user.send("/my")
    await user.next_message()
    for _ in range(3):
        await user.press("▶")
        await user.next_message()

    await user.press(t.gettext("Cancel: {title}").format(title=titles[17][:39] + "…"))
    await user.next_message()  # "Cancel your registration for …?"
    await user.press(t.gettext("Yes, cancel"))
    redrawn = await user.next_message()

    # Two events left on it, each with Join (within the lead time) and Cancel, and ◀.
    assert (text_of(redrawn).split("\n")[0], len(buttons_of(redrawn))) == (
        t.gettext("Your events, page {page} of {pages}:").format(page=4, pages=4), 5)


async def test_my_forged_page_button_answers_no_longer_valid(bot_app, fake_api, database):
    user = await onboard(fake_api, 506, "en")
    _register_for_18_long_events(database, 506)
    await user.send("/my")
    page = await user.next_message()

    query_id = await user.press_data(page["message_id"], "my:page:x")
    alert = await user.wait_callback_answer(query_id)

    assert (alert.text, alert.show_alert) == (
        "This button is no longer valid. Send /help to see what I can do.", True)


async def test_contest_card_with_every_list_at_its_longest_opens(bot_app, fake_api, database):
    sides = [{"key": f"s{number}", "names": {"en": f"Side {number} " + "s" * 93},
              "countries": [f"Country {number}"]} for number in range(10)]
    criteria = [{"key": f"c{number}", "names": {"en": f"Criterion {number} " + "k" * 88},
                 "weight": 0.1} for number in range(10)]
    contest = make_contest(
        database, titles={"en": "T" * 200}, themes={"en": "h" * 300}, rules={"en": "r" * 3000},
        organizer_names={"en": "o" * 200}, sides=sides, criteria=criteria, quota_per_side=12,
        prizes={str(place): {"en": "p" * 300} for place in range(1, 13)},
    )
    user = await onboard(fake_api, 507, "en")

    await user.send(f"/start contest_{contest.id}")
    card = await user.next_message()

    lines = text_of(card).split("\n")
    assert (len(text_of(card)) <= 4096, "r" * 250 in text_of(card), lines.count("…and 2 more"),
            lines.count("Place 10: " + "p" * 79 + "…"), buttons_of(card)) == (
        True, True, 1, 1, [["Enter"], ["« Back"]])
