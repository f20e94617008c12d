"""Entering contests, /myentries and the organizers' list, end to end through the fake Bot API."""

import struct
from datetime import date, timedelta

import pytest
from sqlmodel import select

from bot.sandbox.fakeapi.shapes import TINY_PNG
from bot.sandbox.fakeapi.users import buttons_of, text_of
from bot.services import entries as service
from bot.services import entry_refusals
from bot.services.entry_refusals import EntryRefused
from handlers.entries import NAME_HINT
from storage.contest_models import Entry, Score
from storage.models import User
from tests.conftest import ORGANIZER_ID, onboard, time_out_conversations
from tests.contest_factories import make_contest, make_reader
from tests.factories import NOW
from tests.handlers.test_profile import answer_questions
from tests.work_file_factories import pdf_with_name

PDF = pdf_with_name()
OTHER_PNG = TINY_PNG + b"\x00other"
# Only the header is read (for the sizes Telegram advertises): a 1280x960 photo.
BIG_PNG = TINY_PNG[:16] + struct.pack(">II", 1280, 960) + TINY_PNG[24:]
PHOTO_TITLE = "Dawn over the steppe"
STOP_HINT = "Send /cancel to stop: nothing is stored until you press Submit."
TITLE_QUESTION = "What is the title of your work? Up to 200 characters."
PHOTO_QUESTION = ("Now send your photo: as a photo, or as a JPEG or PNG file (a file keeps "
                  "full quality).")
ESSAY_QUESTION = ("Now send your essay: as one text message, or as a PDF, DOCX, ODT or TXT "
                  "file up to 20 MB.")
CAPTION_QUESTION = "Add a caption to your photo (up to 1000 characters), or skip it."
SUBMITTED = "Your entry {code} is in. The jury will see only this code, not your name."
CHANGE_HINT = "Until entries close, you can replace or withdraw it in /myentries."



def rows(database, contest_id):
    with database.uow() as uow:
        return [(e.code, e.user_id, e.title, e.content, e.caption, e.text, e.file_unique_id,
                 e.file_name, e.status)
                for e in _entries(uow, contest_id)]


def _entries(uow, contest_id):
    return [entry for entry, _user in uow.entries.for_contest(contest_id)]


async def reader_in(fake_api, database, user_id, **profile):
    user = await onboard(fake_api, user_id, "en")
    make_reader(database, user_id, **profile)
    return user


async def press_enter(user, contest_id):
    """Press Enter as on the contest card; returns the next bot message."""
    await user.press_data(user.last_message["message_id"], f"ct:enter:{contest_id}")
    return await user.next_message()


async def start_entry(user, contest_id, title=PHOTO_TITLE):
    await press_enter(user, contest_id)
    await user.send(title)
    return await user.next_message()


async def submit(user, t):
    await user.press(t.gettext("Submit"))
    await user.next_message()  # the summary loses its buttons
    return await user.next_message()


def summary(t, contest, title, work, caption=None, photo=False):
    lines = [t.gettext("Please check your entry:"), "",
             t.gettext("Contest: «{contest}»").format(contest=contest),
             t.gettext("Title: {title}").format(title=title),
             t.gettext("Work: {work}").format(work=work)]
    if photo:
        lines.append(t.gettext("Caption: {caption}").format(caption=caption or "—"))
    lines += ["", t.gettext(NAME_HINT)]
    return "\n".join(lines)


def reprompt(t, refusal, question):
    return refusal.render(t) + "\n\n" + t.gettext(question)


# --- entering ------------------------------------------------------------------------------


async def test_enter_photo_sent_as_photo_stores_the_largest_size(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    contest = make_contest(database, kind="photo", titles={"en": "Subjective"})
    user = await reader_in(fake_api, database, 501)

    intro = await press_enter(user, contest.id)
    await user.send(PHOTO_TITLE)
    work_question = await user.next_message()
    sent = await user.send_photo(BIG_PNG)
    caption_question = await user.next_message()
    await user.press(t.gettext("Skip"))
    shown = await user.next_message()
    done = await submit(user, t)

    assert text_of(intro) == "\n\n".join([
        t.gettext("Entering «{contest}».").format(contest="Subjective"),
        t.gettext(TITLE_QUESTION), t.gettext(STOP_HINT)])
    assert [text_of(work_question), text_of(caption_question), buttons_of(caption_question)] == [
        t.gettext(PHOTO_QUESTION), t.gettext(CAPTION_QUESTION), [[t.gettext("Skip")]]]
    assert (text_of(shown), buttons_of(shown)) == (
        summary(t, "Subjective", PHOTO_TITLE, t.gettext("a photo"), photo=True),
        [[t.gettext("Submit"), t.gettext("Cancel")]])
    assert text_of(done) == (t.gettext(SUBMITTED).format(code="E-001") + "\n\n"
                             + t.gettext(CHANGE_HINT))
    thumbnail, largest = sent["photo"]
    assert (thumbnail["width"], largest["width"], rows(database, contest.id)) == (90, 1280, [
        ("E-001", 501, PHOTO_TITLE, "photo", None, None, largest["file_unique_id"], None,
         "submitted")])


async def test_enter_photo_sent_as_png_file_with_its_caption(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    contest = make_contest(database, kind="photo", titles={"en": "Subjective"})
    user = await reader_in(fake_api, database, 502)
    await start_entry(user, contest.id)

    sent = await user.send_document(TINY_PNG, "dawn.png", "image/png", caption="Karaganda, May")
    shown = await user.next_message()
    done = await submit(user, t)

    assert text_of(shown) == summary(
        t, "Subjective", PHOTO_TITLE, t.gettext("the file {name}").format(name="dawn.png"),
        caption="Karaganda, May", photo=True)
    assert text_of(done).startswith(t.gettext(SUBMITTED).format(code="E-001"))
    assert rows(database, contest.id) == [
        ("E-001", 502, PHOTO_TITLE, "image_file", "Karaganda, May", None,
         sent["document"]["file_unique_id"], "dawn.png", "submitted")]


async def test_enter_essay_as_text(bot_app, fake_api, database, catalogs):
    t = catalogs.translator("en")
    contest = make_contest(database)
    user = await reader_in(fake_api, database, 503)
    work_question = await start_entry(user, contest.id, "We roam")

    await user.send("The steppe wind remembers us.")
    shown = await user.next_message()
    done = await submit(user, t)

    assert text_of(work_question) == t.gettext(ESSAY_QUESTION)
    assert text_of(shown) == summary(
        t, "We roam towards ourselves", "We roam",
        t.ngettext("text of {n} character", "text of {n} characters", 29).format(n=29))
    assert text_of(done).startswith(t.gettext(SUBMITTED).format(code="E-001"))
    assert rows(database, contest.id) == [
        ("E-001", 503, "We roam", "text", None, "The steppe wind remembers us.", None, None,
         "submitted")]


@pytest.mark.http
async def test_enter_essay_as_pdf_gets_the_next_code(bot_app_http, fake_api, database, catalogs):
    t = catalogs.translator("en")
    contest = make_contest(database)
    make_reader(database, 600)
    with database.uow() as uow:
        service.submit_entry(uow, contest.id, 600, service.WorkDraft(
            content="text", title="First", text="First essay."), NOW)
        uow.commit()
    user = await reader_in(fake_api, database, 504)
    await start_entry(user, contest.id, "Recognising")

    sent = await user.send_document(PDF, "essay.pdf", "application/pdf")
    await user.next_message()
    done = await submit(user, t)

    assert text_of(done).startswith(t.gettext(SUBMITTED).format(code="E-002"))
    assert rows(database, contest.id)[1] == (
        "E-002", 504, "Recognising", "document", None, None, sent["document"]["file_unique_id"],
        "essay.pdf", "submitted")


# --- refusals at Enter ---------------------------------------------------------------------


async def test_enter_refused_when_the_window_is_closed(bot_app, fake_api, database, catalogs):
    t = catalogs.translator("en")
    contest = make_contest(database, closed_at=NOW - timedelta(hours=1))
    user = await reader_in(fake_api, database, 510)

    refused = await press_enter(user, contest.id)

    assert (text_of(refused), buttons_of(refused)) == (t.gettext(entry_refusals.WINDOW_CLOSED), [])


async def test_enter_without_profile_offers_the_profile_questions(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    contest = make_contest(database)
    user = await onboard(fake_api, 511, "en")

    refused = await press_enter(user, contest.id)
    await user.press(t.gettext("Fill in my profile"))
    question = await user.next_message()

    assert (text_of(refused), refused["reply_markup"]["inline_keyboard"]) == (
        t.gettext(entry_refusals.PROFILE_INCOMPLETE),
        [[{"text": t.gettext("Fill in my profile"), "callback_data": f"prof:edit:{contest.id}"}]])
    assert text_of(question).endswith(
        t.gettext("What is your full name (first name and surname)?"))


async def test_enter_after_the_profile_is_saved_brings_the_contest_back(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    contest = make_contest(database)
    user = await onboard(fake_api, 512, "en")
    await press_enter(user, contest.id)
    await user.press(t.gettext("Fill in my profile"))
    await user.next_message()

    await answer_questions(user, ("Aru Serikova", "14.03.2009", "Kazakhstan", "Karaganda",
                                  "Karaganda Regional Youth Library"))
    await user.press(t.gettext("Yes, I agree"))
    saved, card = [await user.next_message() for _ in range(3)][1:]
    entering = await press_enter(user, contest.id)

    assert (text_of(saved), buttons_of(card)[0]) == (
        t.gettext("Thank you! Your profile is saved."), [t.gettext("Enter")])
    assert text_of(entering).startswith(
        t.gettext("Entering «{contest}».").format(contest=contest.titles["en"]))


async def test_enter_refused_by_age_country_and_limit(bot_app, fake_api, database, catalogs):
    t = catalogs.translator("en")
    contest = make_contest(database)
    too_old = await reader_in(fake_api, database, 512, birth_date=date(2006, 12, 2))
    abroad = await reader_in(fake_api, database, 513, country="Poland")
    done = await reader_in(fake_api, database, 514)
    with database.uow() as uow:
        service.submit_entry(uow, contest.id, 514, service.WorkDraft(
            content="text", title="Mine", text="An essay."), NOW)
        uow.commit()

    texts = [text_of(await press_enter(user, contest.id)) for user in (too_old, abroad, done)]

    assert texts == [
        EntryRefused(entry_refusals.AGE_OUT_OF_RANGE, min=15, max=19, date=date(2026, 12, 2),
                     age=20).render(t),
        EntryRefused(entry_refusals.COUNTRY_NOT_ALLOWED, country="Poland").render(t),
        EntryRefused(entry_refusals.ENTRY_LIMIT, n=1).render(t),
    ]
    assert [row[1] for row in rows(database, contest.id)] == [514]


# --- refusals of the work ------------------------------------------------------------------


async def test_wrong_work_is_explained_and_asked_again(bot_app, fake_api, database, catalogs):
    t = catalogs.translator("en")
    photo_contest = make_contest(database, kind="photo")
    essay_contest = make_contest(database)
    photographer = await reader_in(fake_api, database, 520)
    writer = await reader_in(fake_api, database, 521)
    await start_entry(photographer, photo_contest.id)
    await start_entry(writer, essay_contest.id)

    await photographer.send_sticker()
    sticker = await photographer.next_message()
    await photographer.send_document(PDF, "essay.pdf", "application/pdf")
    pdf = await photographer.next_message()
    await photographer.send("my photo is lovely")
    typed = await photographer.next_message()
    await writer.send_document(b"MZ\x90\x00", "essay.exe", "application/x-msdownload")
    exe = await writer.next_message()
    await writer.send_photo(TINY_PNG)
    photo = await writer.next_message()

    wrong_photo = reprompt(t, EntryRefused(entry_refusals.WRONG_PHOTO), PHOTO_QUESTION)
    wrong_essay = reprompt(t, EntryRefused(entry_refusals.WRONG_ESSAY), ESSAY_QUESTION)
    assert [text_of(m) for m in (sticker, pdf, typed, exe, photo)] == [
        wrong_photo, wrong_photo, wrong_photo, wrong_essay, wrong_essay]
    assert (rows(database, photo_contest.id), rows(database, essay_contest.id)) == ([], [])


async def test_file_over_20_megabytes_is_refused_with_its_size(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    contest = make_contest(database)
    user = await reader_in(fake_api, database, 522)
    await start_entry(user, contest.id)

    await user.send_document(b"%PDF" + bytes(20 * 1024 * 1024 - 3), "big.pdf", "application/pdf")
    refused = await user.next_message()

    assert text_of(refused) == reprompt(
        t, EntryRefused(entry_refusals.FILE_TOO_LARGE, size=20.1), ESSAY_QUESTION)


async def test_same_file_twice_is_refused(bot_app, fake_api, database, catalogs):
    t = catalogs.translator("en")
    contest = make_contest(database, kind="photo")
    first = await reader_in(fake_api, database, 523)
    copier = await reader_in(fake_api, database, 524)
    await start_entry(first, contest.id)
    await first.send_document(TINY_PNG, "dawn.png", "image/png", caption="Mine")
    await first.next_message()
    await submit(first, t)
    await start_entry(copier, contest.id)

    await copier.send_document(TINY_PNG, "copy.png", "image/png")
    refused = await copier.next_message()

    assert text_of(refused) == reprompt(
        t, EntryRefused(entry_refusals.DUPLICATE_FILE), PHOTO_QUESTION)
    assert [row[1] for row in rows(database, contest.id)] == [523]


async def test_title_too_long_is_asked_again(bot_app, fake_api, database, catalogs):
    t = catalogs.translator("en")
    contest = make_contest(database)
    user = await reader_in(fake_api, database, 525)
    await press_enter(user, contest.id)

    await user.send("t" * 201)
    refused = await user.next_message()
    await user.send("Short")
    accepted = await user.next_message()

    assert text_of(refused) == "\n\n".join([
        EntryRefused(entry_refusals.TITLE_TOO_LONG, length=201, max=200).render(t),
        t.gettext(TITLE_QUESTION), t.gettext(STOP_HINT)])
    assert text_of(accepted) == t.gettext(ESSAY_QUESTION)


async def test_cancel_stores_nothing(bot_app, fake_api, database, catalogs):
    t = catalogs.translator("en")
    contest = make_contest(database)
    user = await reader_in(fake_api, database, 526)
    await start_entry(user, contest.id)
    await user.send("An essay that will not be sent.")
    await user.next_message()

    await user.send("/cancel")
    cancelled = await user.next_message()
    await user.send("Another text")
    stray = await user.next_message()

    assert [text_of(cancelled), rows(database, contest.id)] == [
        t.gettext("The entry is cancelled; nothing was stored."), []]
    assert text_of(stray) == t.gettext(
        "I did not ask for anything just now. Send /events to see upcoming events or /help.")


async def test_submit_after_the_window_closed_stores_nothing(
    bot_app, fake_api, database, catalogs, clock
):
    t = catalogs.translator("en")
    contest = make_contest(database)
    user = await reader_in(fake_api, database, 527)
    await start_entry(user, contest.id)
    await user.send("Words.")
    await user.next_message()
    clock.set(contest.closes_at)

    refused = await submit(user, t)

    assert (text_of(refused), rows(database, contest.id)) == (
        t.gettext(entry_refusals.WINDOW_CLOSED) + "\n\n" + t.gettext("Nothing was stored."), [])


async def test_unanswered_entry_times_out_with_nothing_stored(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    contest = make_contest(database)
    user = await reader_in(fake_api, database, 528)
    await start_entry(user, contest.id)

    await time_out_conversations(bot_app, fake_api)
    closed = await user.next_message()
    await user.send("Words.")
    stray = await user.next_message()

    assert [text_of(closed), rows(database, contest.id)] == [t.gettext(
        "The entry form was closed because it had no answer for a long time. Nothing was saved. "
        "Press Enter on the contest card to start again."), []]
    assert text_of(stray) == t.gettext(
        "I did not ask for anything just now. Send /events to see upcoming events or /help.")


# --- /myentries ----------------------------------------------------------------------------


async def test_myentries_replace_keeps_the_code_and_says_scores_were_removed(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    contest = make_contest(database, kind="photo", titles={"en": "Subjective"})
    user = await reader_in(fake_api, database, 530)
    await start_entry(user, contest.id)
    await user.send_photo(TINY_PNG, caption="Old")
    await user.next_message()
    await submit(user, t)
    entry = _only_entry(database, contest.id)
    _score(database, entry.id)

    await user.send("/myentries")
    listing = await user.next_message()
    await user.press(t.gettext("Replace {code}").format(code="E-001"))
    keep_question = await user.next_message()
    await user.press(t.gettext("Keep: {title}").format(title=PHOTO_TITLE))
    await user.next_message()
    await user.send_document(OTHER_PNG, "new.png", "image/png", caption="New")
    await user.next_message()
    done = await submit(user, t)

    assert (text_of(listing), buttons_of(listing)) == (
        "\n".join([t.gettext("Your contest entries:"), "", "«Subjective»",
                   f"E-001 «{PHOTO_TITLE}»: " + t.gettext("submitted")]),
        [[t.gettext("Replace {code}").format(code="E-001"),
          t.gettext("Withdraw {code}").format(code="E-001")]])
    assert buttons_of(keep_question) == [[t.gettext("Keep: {title}").format(title=PHOTO_TITLE)]]
    assert text_of(done) == t.gettext(
        "Your entry {code} now has the new work. The jury's scores of the old work were "
        "removed: the jury will judge the new one.").format(code="E-001")
    assert [(row[0], row[2], row[3], row[4], row[7]) for row in rows(database, contest.id)] == [
        ("E-001", PHOTO_TITLE, "image_file", "New", "new.png")]
    assert _score_count(database, entry.id) == 0


async def test_myentries_withdraw_asks_first_then_hides_the_buttons(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    contest = make_contest(database)
    user = await reader_in(fake_api, database, 531)
    await start_entry(user, contest.id, "Essay")
    await user.send("Words.")
    await user.next_message()
    await submit(user, t)
    await user.send("/myentries")
    await user.next_message()

    await user.press(t.gettext("Withdraw {code}").format(code="E-001"))
    question = await user.next_message()
    await user.press(t.gettext("Yes, withdraw"))
    withdrawn = await user.next_message()
    await user.send("/myentries")
    listing = await user.next_message()

    assert text_of(question) == t.gettext(
        "Withdraw your entry {code} «{title}»? The jury will no longer see it.").format(
            code="E-001", title="Essay")
    assert text_of(withdrawn) == t.gettext("Your entry {code} is withdrawn.").format(code="E-001")
    assert (text_of(listing).splitlines()[-1], buttons_of(listing)) == (
        "E-001 «Essay»: " + t.gettext("withdrawn"), [])
    assert [row[8] for row in rows(database, contest.id)] == ["withdrawn"]


async def test_myentries_after_closing_has_no_buttons(bot_app, fake_api, database, catalogs, clock):
    t = catalogs.translator("en")
    contest = make_contest(database)
    user = await reader_in(fake_api, database, 532)
    with database.uow() as uow:
        service.submit_entry(uow, contest.id, 532, service.WorkDraft(
            content="text", title="Mine", text="An essay."), NOW)
        uow.commit()
    clock.advance(timedelta(days=11))

    await user.send("/myentries")
    listing = await user.next_message()

    assert (text_of(listing).splitlines()[-1], buttons_of(listing)) == (
        "E-001 «Mine»: " + t.gettext("submitted"), [])


async def test_forged_entry_buttons_for_someone_elses_entry_are_refused(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    contest = make_contest(database)
    make_reader(database, 540)
    with database.uow() as uow:
        entry = service.submit_entry(uow, contest.id, 540, service.WorkDraft(
            content="text", title="Theirs", text="An essay."), NOW)
        uow.commit()
    intruder = await reader_in(fake_api, database, 541)
    message_id = intruder.last_message["message_id"]

    alerts = []
    for data in (f"en:wd:{entry.id}", f"en:wdy:{entry.id}", f"en:rep:{entry.id}"):
        alerts.append(await intruder.wait_callback_answer(
            await intruder.press_data(message_id, data)))
    await intruder.handled()

    not_yours = t.gettext(entry_refusals.NOT_YOURS)
    assert [(a.text, a.show_alert) for a in alerts] == [(not_yours, True)] * 3
    assert rows(database, contest.id) == [
        ("E-001", 540, "Theirs", "text", None, "An essay.", None, None, "submitted")]
    assert intruder.drain() == []


# --- organizers ----------------------------------------------------------------------------


async def test_organizer_lists_entries_and_readers_cannot(bot_app, fake_api, database, catalogs):
    t = catalogs.translator("en")
    contest = make_contest(database, titles={"en": "We roam"})
    make_reader(database, 550, full_name="Aigerim Serikova", library="Youth library")
    make_reader(database, 551, full_name="Olena Shevchenko", country="Ukraine",
                library="Kyiv library")
    with database.uow() as uow:
        for user_id, title in ((550, "Steppe"), (551, "Dnipro")):
            service.submit_entry(uow, contest.id, user_id, service.WorkDraft(
                content="text", title=title, text=f"{title} essay."), NOW)
        uow.commit()
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    reader = await onboard(fake_api, 552, "en")

    await organizer.press_data(organizer.last_message["message_id"], f"ct:entries:{contest.id}")
    listing = await organizer.next_message()
    alert = await reader.wait_callback_answer(
        await reader.press_data(reader.last_message["message_id"], f"ct:entries:{contest.id}"))

    assert text_of(listing) == "\n".join([
        t.gettext("Entries of «{contest}»").format(contest="We roam"),
        t.ngettext("{n} entry in the contest", "{n} entries in the contest", 2).format(n=2),
        "E-001 «Steppe» — Aigerim Serikova — Youth library — Kazakhstan",
        "E-002 «Dnipro» — Olena Shevchenko — Kyiv library — Ukraine",
    ])
    assert (alert.text, alert.show_alert) == (t.gettext("Only organizers can do this."), True)


async def test_organizer_list_of_many_entries_is_split_under_4096(
    bot_app, fake_api, database, catalogs
):
    contest = make_contest(database, entries_per_participant=200)
    make_reader(database, 560, full_name="N" * 150, library="L" * 150)
    with database.uow() as uow:
        for number in range(40):
            service.submit_entry(uow, contest.id, 560, service.WorkDraft(
                content="text", title=f"{number:03d}" + "t" * 190, text="Text."), NOW)
        uow.commit()
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")

    await organizer.press_data(organizer.last_message["message_id"], f"ct:entries:{contest.id}")
    await organizer.handled()
    parts = [text_of(event.message) for event in organizer.drain()]

    lines = "\n".join(parts).splitlines()
    assert (len(parts) > 1, max(len(part) for part in parts) <= 4096, len(lines)) == (
        True, True, 42)


def _only_entry(database, contest_id) -> Entry:
    with database.uow() as uow:
        (entry,) = _entries(uow, contest_id)
    return entry


def _score(database, entry_id):
    with database.uow() as uow:
        uow.users.add(User(id=990, first_name="Juror", created_at=NOW))
        uow.flush()
        uow.session.add(Score(entry_id=entry_id, juror_id=990, values={"originality": 5},
                              saved_at=NOW))
        uow.commit()


def _score_count(database, entry_id) -> int:
    with database.uow() as uow:
        return len(uow.session.exec(select(Score).where(Score.entry_id == entry_id)).all())
