"""/contests, contest cards, deep links and Close, end to end through the fake Bot API."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from bot.sandbox.fakeapi.users import buttons_of, text_of
from bot.services import entries as entry_service
from storage.contest_models import Contest, ContestKind
from tests.conftest import ORGANIZER_ID, onboard
from tests.contest_factories import make_contest, make_reader
from tests.factories import NOW

ALMATY = ZoneInfo("Asia/Almaty")
STALE = "This button is out of date: the contest no longer exists or has changed."
ONLY_ORGANIZERS = "Only organizers can do this."
READER_BUTTONS = [["Enter"], ["« Back"]]
ORGANIZER_BUTTONS = [["Enter"], ["Jury", "Entries"], ["Results", "Close submissions"], ["« Back"]]


def _contest(database, contest_id) -> Contest:
    with database.uow() as uow:
        return uow.contests.get(contest_id)


def _card_text(t, *, closes_at, window=None, entries="Your entries: 0 of 1", extra=()):
    return "\n".join([
        "📝 Essay contest",
        "We roam towards ourselves",
        "Theme: Recognising ourselves in the other",
        "",
        "An essay of up to 5 pages.",
        "",
        window or f"🕒 Entries are accepted until {t.datetime(closes_at, ALMATY)} (Almaty time)",
        f"Ages 15–19 on {t.date(closes_at.date())}",
        "Sides: Kazakhstan, Ukraine",
        "5 winners per side",
        "Winners receive: Diploma",
        "Judged on: Originality 40%, Language 30%, Relevance 30%; scale 1–10",
        "",
        "Prizes:",
        "Place 1: 100,000 tenge certificate",
        "Place 2: 60,000 tenge",
        "Place 3: 35,000 tenge",
        "Organizer: Karaganda Regional Youth Library",
        *([""] if extra or entries else []),
        *extra,
        *([entries] if entries else []),
    ])


async def _open_card(user, contest_id):
    await user.send(f"/start contest_{contest_id}")
    return await user.next_message()


async def _alert(user, data):
    query = await user.press_data(user.last_message["message_id"], data)
    return await user.wait_callback_answer(query)


async def test_contests_empty_list_gets_a_friendly_message(bot_app, fake_api):
    user = await onboard(fake_api, 301, "en")

    await user.send("/contests")
    reply = await user.next_message()

    assert (text_of(reply), buttons_of(reply)) == (
        "There are no open contests now. Libraries announce essay and photo contests here: "
        "please look again soon.",
        [],
    )


async def test_contests_list_pages_five_at_a_time_with_arrows(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    for day in range(1, 8):
        make_contest(database, titles={"en": f"Contest {day}"}, language="en",
                     closes_at=NOW + timedelta(days=day))
    user = await onboard(fake_api, 302, "en")

    await user.send("/contests")
    first = await user.next_message()
    await user.press("▶")
    second = await user.next_message()
    await user.press("◀")
    back = await user.next_message()

    def line(day):
        return (f"{day}. 📝 Essay contest «Contest {day}», until "
                f"{t.datetime(NOW + timedelta(days=day), ALMATY)}")

    assert (text_of(first), buttons_of(first)) == (
        "\n".join(["Contests, page 1 of 2:", ""] + [line(day) for day in range(1, 6)]),
        [[f"{day}. Contest {day}"] for day in range(1, 6)] + [["▶"]],
    )
    assert (text_of(second), buttons_of(second)) == (
        "\n".join(["Contests, page 2 of 2:", ""] + [line(6), line(7)]),
        [["6. Contest 6"], ["7. Contest 7"], ["◀"]],
    )
    assert (back["message_id"], text_of(back)) == (first["message_id"], text_of(first))


async def test_contests_list_shows_closed_unpublished_ones_to_organizers_only(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    opens_at = NOW + timedelta(days=2)
    make_contest(database, titles={"en": "Open"}, kind=ContestKind.PHOTO)
    make_contest(database, titles={"en": "Soon"}, opens_at=opens_at)
    make_contest(database, titles={"en": "Judged"}, closed_at=NOW - timedelta(days=1))
    make_contest(database, titles={"en": "Done"}, closed_at=NOW - timedelta(days=3),
                 published_at=NOW - timedelta(days=1))
    reader = await onboard(fake_api, 303, "en")
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")

    await reader.send("/contests")
    for_reader = await reader.next_message()
    await organizer.send("/contests")
    for_organizer = await organizer.next_message()

    until = t.datetime(NOW + timedelta(days=10), ALMATY)
    reader_lines = ["Contests:", "",
                    f"1. 📷 Photo contest «Open», until {until}",
                    f"2. 📝 Essay contest «Soon», opens {t.datetime(opens_at, ALMATY)}"]
    assert (text_of(for_reader), buttons_of(for_reader)) == (
        "\n".join(reader_lines), [["1. Open"], ["2. Soon"]])
    assert (text_of(for_organizer), buttons_of(for_organizer)) == (
        "\n".join([*reader_lines, "3. 📝 Essay contest «Judged», submissions closed"]),
        [["1. Open"], ["2. Soon"], ["3. Judged"]],
    )


async def test_contest_card_for_reader_has_enter_and_no_organizer_buttons(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    contest = make_contest(database)
    user = await onboard(fake_api, 304, "en")

    await user.send("/contests")
    await user.next_message()
    await user.press("1. We roam towards ourselves")
    card = await user.next_message()

    assert (text_of(card), buttons_of(card)) == (
        _card_text(t, closes_at=contest.closes_at), READER_BUTTONS)


async def test_contest_card_counts_the_readers_entries_and_names_their_side(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    contest = make_contest(database)
    make_reader(database, 305, country="Україна")
    with database.uow() as uow:
        entry_service.submit_entry(uow, contest.id, 305, entry_service.WorkDraft(
            content="text", title="Steppe", text="An essay."), NOW)
        uow.commit()
    user = fake_api.user(305)

    card = await _open_card(user, contest.id)

    assert text_of(card) == _card_text(t, closes_at=contest.closes_at,
                                       entries="Your entries: 1 of 1",
                                       extra=["Your side: Ukraine"])


async def test_contest_card_after_closing_has_no_enter(bot_app, fake_api, database, catalogs):
    t = catalogs.translator("en")
    contest = make_contest(database, closed_at=NOW - timedelta(hours=1))
    user = await onboard(fake_api, 306, "en")

    card = await _open_card(user, contest.id)

    assert (text_of(card), buttons_of(card)) == (
        _card_text(t, closes_at=contest.closes_at,
                   window="🔒 Submissions are closed: the jury is at work."),
        [["« Back"]],
    )


async def test_contest_card_for_organizer_has_every_button(bot_app, fake_api, database):
    contest = make_contest(database)
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")

    card = await _open_card(organizer, contest.id)

    assert buttons_of(card) == ORGANIZER_BUTTONS
    datas = [button["callback_data"] for row in card["reply_markup"]["inline_keyboard"]
             for button in row]
    assert datas == [f"ct:enter:{contest.id}", f"ct:jury:{contest.id}",
                     f"ct:entries:{contest.id}", f"ct:results:{contest.id}",
                     f"ct:close:{contest.id}", "ct:list:0"]


async def test_contest_deep_link_in_kazakh_before_the_language_is_chosen(
    bot_app, fake_api, database, catalogs
):
    kk = catalogs.translator("kk")
    contest = make_contest(database, titles={"kk": "Өзімізге қарай көшеміз"}, language="kk",
                           age_reference_date=date(2026, 12, 31))
    user = fake_api.user(307, language_code="kk")

    await user.send(f"/start contest_{contest.id}")
    await user.next_message()
    await user.press("✓ Қазақша")
    await user.next_message()
    card = await user.next_message()

    assert text_of(card).split("\n")[:2] + text_of(card).split("\n")[7:8] == [
        "📝 " + kk.gettext("Essay contest"),
        "Өзімізге қарай көшеміз",
        kk.gettext("Ages {low}–{high} on {day}").format(
            low=15, high=19, day=kk.date_before_suffix(date(2026, 12, 31))),
    ]


async def test_contest_deep_link_to_a_missing_contest_says_so(bot_app, fake_api):
    user = await onboard(fake_api, 308, "en")

    reply = await _open_card(user, 424242)

    assert (text_of(reply), buttons_of(reply)) == (
        "This contest is no longer available. Send /contests to see the open ones.", [])


async def test_close_asks_for_confirmation_then_closes(bot_app, fake_api, database, catalogs):
    t = catalogs.translator("en")
    contest = make_contest(database)
    make_reader(database, 309)
    with database.uow() as uow:
        entry_service.submit_entry(uow, contest.id, 309, entry_service.WorkDraft(
            content="text", title="Steppe", text="An essay."), NOW)
        uow.commit()
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await _open_card(organizer, contest.id)

    await organizer.press("Close submissions")
    question = await organizer.next_message()
    before = _contest(database, contest.id).closed_at
    await organizer.press("Yes, close")
    done = await organizer.next_message()
    card = await organizer.next_message()

    assert (text_of(question), buttons_of(question)) == (
        "Close submissions to «We roam towards ourselves» now? 1 entry so far.",
        [["Yes, close", "No, keep open"]],
    )
    assert (before, _contest(database, contest.id).closed_at) == (None, NOW)
    assert (done["message_id"], text_of(done), buttons_of(done)) == (
        question["message_id"], "Submissions to «We roam towards ourselves» are closed: 1 entry.",
        [])
    assert (text_of(card), buttons_of(card)) == (
        _card_text(t, closes_at=contest.closes_at, entries=None,
                   window="🔒 Submissions are closed: the jury is at work."),
        [["Jury", "Entries"], ["Results"], ["« Back"]],
    )


async def test_close_answered_no_changes_nothing(bot_app, fake_api, database):
    contest = make_contest(database)
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await _open_card(organizer, contest.id)

    await organizer.press("Close submissions")
    await organizer.next_message()
    await organizer.press("No, keep open")
    reply = await organizer.next_message()

    assert (text_of(reply), _contest(database, contest.id).closed_at) == (
        "Nothing changed: submissions stay open.", None)


async def test_close_of_a_closed_contest_is_refused(bot_app, fake_api, database):
    contest = make_contest(database, closed_at=NOW - timedelta(days=1))
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await _open_card(organizer, contest.id)

    alert = await _alert(organizer, f"ct:closey:{contest.id}")

    assert ((alert.text, alert.show_alert), _contest(database, contest.id).closed_at) == (
        ("Submissions to this contest are already closed.", True), NOW - timedelta(days=1))


async def test_reader_forging_close_is_refused(bot_app, fake_api, database):
    contest = make_contest(database)
    reader = await onboard(fake_api, 310, "en")
    await _open_card(reader, contest.id)

    alerts = [await _alert(reader, f"{prefix}:{contest.id}")
              for prefix in ("ct:close", "ct:closey", "ct:closen")]
    await reader.handled()

    assert [(alert.text, alert.show_alert) for alert in alerts] == [(ONLY_ORGANIZERS, True)] * 3
    assert (_contest(database, contest.id).closed_at, reader.drain()) == (None, [])


async def test_forged_or_stale_contest_buttons_get_an_alert(bot_app, fake_api, database):
    make_contest(database)
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send("/contests")
    await organizer.next_message()

    alerts = [await _alert(organizer, data)
              for data in ("ct:card:999999", "ct:card:abc", "ct:list:x", "ct:close:999999",
                           "ct:frobnicate:1")]
    await organizer.handled()

    assert [(alert.text, alert.show_alert) for alert in alerts] == [(STALE, True)] * 5
    assert organizer.drain() == []


async def test_contest_card_with_the_longest_texts_fits_in_one_message(
    bot_app, fake_api, database
):
    contest = make_contest(
        database, titles={"en": "T" * 200}, themes={"en": "h" * 300},
        rules={"en": "r" * 3000}, organizer_names={"en": "o" * 200},
        quota_per_side=10, prizes={str(place): {"en": "p" * 300} for place in range(1, 11)},
    )
    user = await onboard(fake_api, 311, "en")

    card = await _open_card(user, contest.id)

    lines = text_of(card).split("\n")
    assert (len(text_of(card)) <= 4096, lines[4][-3:], lines.count("Place 10: " + "p" * 149 + "…"),
            buttons_of(card)) == (True, "rr…", 1, READER_BUTTONS)
