"""The jury end to end: invites, blind scoring, revising, conflicts, and who may do what."""

import json
import re
from datetime import timedelta

import pytest
from sqlmodel import select

from bot.fakeapi.users import buttons_of, text_of
from handlers import common
from storage.contest_models import Conflict, EntryContent, Score
from tests.conftest import ORGANIZER_ID, onboard
from tests.contest_factories import make_contest, make_reader
from tests.factories import NOW
from tests.services.test_jury import add_entry, join
from tests.work_file_factories import pdf_traces, pdf_with_name

JUROR, SECOND, READER = 9101, 9102, 9103
AUTHOR = 8101
AUTHOR_NAME, AUTHOR_LIBRARY = "Aigerim Serikova", "Shakhtinsk Youth Library No. 3"
TITLE = "We roam towards ourselves"
FOR_JURORS = "This is for jury members only."
INVALID = "This invitation is not valid (used or expired). Ask the organizer for a new one."
ORIGINALITY = "Originality (1–10):"
VALUES = [["1", "2", "3", "4", "5"], ["6", "7", "8", "9", "10"],
          ["Conflict of interest", "Later"]]


async def texts(user, count: int) -> list[str]:
    return [text_of(await user.next_message()) for _ in range(count)]


def scores(database) -> list[tuple]:
    with database.uow() as uow:
        rows = uow.session.exec(select(Score).order_by(Score.entry_id)).all()
        return [(row.entry_id, row.juror_id, row.values, row.comment) for row in rows]


async def invite_link(fake_api, contest_id: int) -> tuple[list[str], str]:
    """The organizer presses Jury on the contest card; returns what they read and the token."""
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.press_data(organizer.last_message["message_id"], f"ct:jury:{contest_id}")
    shown = await texts(organizer, 2)
    return shown, re.search(r"start=jury_([\w-]+)", shown[1])[1]


async def test_jury_organizer_invites_and_a_juror_joins_once(bot_app, fake_api, database):
    contest = make_contest(database)
    juror = await onboard(fake_api, JUROR, "en")
    second = await onboard(fake_api, SECOND, "en")

    shown, token = await invite_link(fake_api, contest.id)
    await juror.send(f"/start jury_{token}")
    joined = await juror.next_message()
    await second.send(f"/start jury_{token}")
    refused = await second.next_message()
    await juror.send("/jury")
    listing = await juror.next_message()

    assert shown == [
        "\n".join([f"Jury of «{TITLE}»", "No jurors yet.", "No conflicts of interest declared.",
                   "The next message is an invitation for one juror: forward it to them. "
                   "Press Jury again to invite another."]),
        f"Invitation to the jury of «{TITLE}». Open this link to join; it works once, until "
        "November 29, 2026, 9:00\u202fAM:\n"
        f"https://t.me/kopir_bot?start=jury_{token}",
    ]
    assert (text_of(joined), text_of(refused)) == (
        f"Welcome to the jury of «{TITLE}»! Send /jury to see the entries and score them.",
        INVALID)
    assert (text_of(listing), buttons_of(listing)) == (
        f"Your jury work:\n«{TITLE}» — 0 of 0 scored", [[TITLE]])


async def test_jury_expired_invite_does_nothing(bot_app, fake_api, database, clock):
    contest = make_contest(database)
    juror = await onboard(fake_api, JUROR, "en")
    _shown, token = await invite_link(fake_api, contest.id)

    clock.advance(timedelta(days=7, minutes=1))
    await juror.send(f"/start jury_{token}")
    refused = await juror.next_message()
    await juror.send("/jury")
    denied = await juror.next_message()

    assert (text_of(refused), text_of(denied)) == (INVALID, FOR_JURORS)


async def test_jury_organizer_sees_progress_and_conflicts(bot_app, fake_api, database):
    contest = make_contest(database)
    make_reader(database, AUTHOR)
    entries = [add_entry(database, contest.id, AUTHOR, number) for number in (1, 2, 3)]
    for user_id, name in ((JUROR, "Dana Omarova"), (SECOND, "Olena Kovalenko")):
        make_reader(database, user_id, full_name=name)
        join(database, contest.id, user_id)
    with database.uow() as uow:
        uow.session.add(Score(entry_id=entries[0].id, juror_id=JUROR,
                              values={"originality": 5, "language": 5, "relevance": 5},
                              saved_at=NOW))
        uow.session.add(Conflict(entry_id=entries[1].id, juror_id=SECOND, declared_at=NOW))
        uow.commit()

    shown, _token = await invite_link(fake_api, contest.id)

    assert shown[0] == "\n".join([
        f"Jury of «{TITLE}»", "2 jurors:", "1. Dana Omarova — 1 of 3 scored",
        "2. Olena Kovalenko — 0 of 2 scored", "Declared conflicts of interest:",
        "• Olena Kovalenko — E-002",
        "The next message is an invitation for one juror: forward it to them. "
        "Press Jury again to invite another.",
    ])


def blind_contest(database, fake_api, **overrides):
    """An essay contest with a typed essay, a photo and a PDF named after its author."""
    contest = make_contest(database, **overrides)
    make_reader(database, AUTHOR, full_name=AUTHOR_NAME, library=AUTHOR_LIBRARY,
                first_name="Aigerim")
    photo = fake_api.files.add(b"\x89PNG-photo", "photo")
    document = fake_api.files.add(pdf_with_name(), "document",
                                  file_name=f"{AUTHOR_NAME} essay.pdf",
                                  mime_type="application/pdf")
    entries = [
        add_entry(database, contest.id, AUTHOR, 1, title="The steppe",
                  text="The wind over the steppe speaks every language."),
        add_entry(database, contest.id, AUTHOR, 2, title="Kyiv at dawn", content=EntryContent.PHOTO,
                  text=None, file_id=photo.file_id, caption="Taken from the bridge"),
        add_entry(database, contest.id, AUTHOR, 3, title="Letters", content=EntryContent.DOCUMENT,
                  text=None, file_id=document.file_id, file_name=f"{AUTHOR_NAME} essay.pdf",
                  mime_type="application/pdf"),
    ]
    return contest, entries


def everything_sent_to(fake_api, juror) -> str:
    """Every request the bot made into the juror's chat, the files' names, the pop-ups, and
    the chat as the juror sees it."""
    calls = [{"method": r.method, "params": r.params,
              "files": [getattr(f, "filename", None) for f in r.files.values()]}
             for r in fake_api.calls(chat_id=juror.id)]
    answers = [answer.text for answer in juror.callback_answers]
    return json.dumps([calls, answers, juror.messages], ensure_ascii=False, default=str)


async def score_entry(juror, values: tuple[str, str, str]) -> list[str]:
    seen = []
    for value in values:
        await juror.press(value)
        seen.append(text_of(await juror.next_message()))
    return seen


async def test_jury_scores_blind_revises_and_declares_a_conflict(bot_app, fake_api, database):
    contest, entries = blind_contest(database, fake_api)
    juror = await onboard(fake_api, JUROR, "en")
    make_reader(database, JUROR, full_name="Dana Omarova")
    join(database, contest.id, JUROR)

    await juror.send("/jury")
    opening = await texts(juror, 3)
    criterion = juror.last_message
    steps = await score_entry(juror, ("8", "7", "6"))
    await juror.send("Vivid and honest.")
    summary = await juror.next_message()
    await juror.press("Save")
    after_save = await texts(juror, 3)
    photo = fake_api.calls("sendPhoto", chat_id=JUROR)[-1].params

    assert opening == [
        f"Your jury work:\n«{TITLE}» — 0 of 3 scored",
        "E-001 «The steppe»\n\nThe wind over the steppe speaks every language.",
        f"E-001 «The steppe»\n\n{ORIGINALITY}",
    ]
    assert buttons_of(criterion) == VALUES
    assert steps == [
        "E-001 «The steppe»\nOriginality: 8\n\nLanguage (1–10):",
        "E-001 «The steppe»\nOriginality: 8\nLanguage: 7\n\nRelevance (1–10):",
        "E-001 «The steppe»\nOriginality: 8\nLanguage: 7\nRelevance: 6\n\n"
        "Add a comment for the organizers (up to 1000 characters), or press Skip.",
    ]
    assert (text_of(summary), buttons_of(summary)) == (
        "E-001 «The steppe»\nOriginality: 8\nLanguage: 7\nRelevance: 6\n"
        "Comment: Vivid and honest.\nWeighted score: 7.1", [["Save", "Score again"]])
    assert after_save == ["Saved: E-001 — 7.1.", "E-002 «Kyiv at dawn»\nTaken from the bridge",
                          f"E-002 «Kyiv at dawn»\n\n{ORIGINALITY}"]
    assert photo["photo"] == entries[1].file_id

    # The photo is left for later; the document comes under its code, not its author's name.
    await juror.press("Later")
    document, question = await juror.next_message(), await juror.next_message()
    assert (document["document"]["file_name"], text_of(document), text_of(question)) == (
        "E-003.pdf", "E-003 «Letters»", f"E-003 «Letters»\n\n{ORIGINALITY}")
    assert pdf_traces(fake_api.file_bytes(document["document"]["file_id"])) == []

    # A conflict with the document: confirmed, it is not shown again.
    await juror.press("Conflict of interest")
    asked = await juror.next_message()
    await juror.press("Yes, declare")
    declared = await texts(juror, 3)
    assert text_of(asked) == (
        "Declare a conflict of interest with E-003 (for example, the author is a reader of your "
        "library)? The entry will not be shown to you again and your score for it, if any, will "
        "be deleted.")
    assert declared == [
        "Conflict of interest declared: E-003 will not be shown to you again.",
        "E-002 «Kyiv at dawn»\nTaken from the bridge", f"E-002 «Kyiv at dawn»\n\n{ORIGINALITY}"]

    # Revising the first score from the list, skipping the comment this time.
    await juror.send("/jury")
    await texts(juror, 3)
    await juror.press_data(juror.last_message["message_id"], f"jr:l:{contest.id}:0")
    listing = await juror.next_message()
    await juror.press("E-001 «The steppe» — 7.1")
    again = await texts(juror, 2)
    await score_entry(juror, ("10", "9", "8"))
    await juror.press("Skip")
    await juror.next_message()
    await juror.press("Save")
    resaved = await juror.next_message()
    await juror.wait_idle()

    assert (text_of(listing), buttons_of(listing)) == (
        f"Your scores in «{TITLE}». Choose an entry to score it again:",
        [["E-001 «The steppe» — 7.1"]])
    assert again[1] == (f"E-001 «The steppe»\nYour saved score: 7.1. Scoring again replaces "
                        f"it.\n\n{ORIGINALITY}")
    assert text_of(resaved) == "Saved: E-001 — 9.1."
    assert scores(database) == [
        (entries[0].id, JUROR, {"originality": 10, "language": 9, "relevance": 8}, None)]
    seen = everything_sent_to(fake_api, juror)
    assert [name for name in (AUTHOR_NAME, "Serikova", "Aigerim", AUTHOR_LIBRARY)
            if name in seen] == []


async def test_jury_comment_too_long_is_asked_again(bot_app, fake_api, database):
    contest, entries = blind_contest(database, fake_api)
    juror = await onboard(fake_api, JUROR, "en")
    make_reader(database, JUROR)
    join(database, contest.id, JUROR)
    await juror.send("/jury")
    await texts(juror, 3)
    await score_entry(juror, ("5", "5", "5"))

    await juror.send("x" * 1001)
    too_long = await juror.next_message()
    await juror.send_photo()
    not_text = await juror.next_message()
    await juror.send("Fine.")
    summary = await juror.next_message()

    assert [text_of(m) for m in (too_long, not_text)] == [
        "The comment is too long: 1001 characters, at most 1000. Send a shorter one, or press "
        "Skip.", "Please answer with a text message."]
    assert text_of(summary).endswith("Comment: Fine.\nWeighted score: 5")
    assert scores(database) == []


async def test_jury_shows_other_scores_after_saving_when_allowed(bot_app, fake_api, database):
    contest, entries = blind_contest(database, fake_api, show_other_scores=True)
    juror = await onboard(fake_api, JUROR, "en")
    for user_id in (SECOND, JUROR):
        make_reader(database, user_id)
        join(database, contest.id, user_id)
    with database.uow() as uow:
        uow.session.add(Score(entry_id=entries[0].id, juror_id=SECOND,
                              values={"originality": 4, "language": 5, "relevance": 6},
                              saved_at=NOW))
        uow.commit()
    await juror.send("/jury")
    await texts(juror, 3)
    await score_entry(juror, ("8", "7", "6"))
    await juror.press("Skip")
    await juror.next_message()

    await juror.press("Save")
    saved = await texts(juror, 2)

    assert saved == ["Saved: E-001 — 7.1.", "Other jurors' scores for E-001:\nJuror 1: 4.9"]


async def test_jury_frozen_results_refuse_scoring(bot_app, fake_api, database):
    contest, entries = blind_contest(database, fake_api)
    juror = await onboard(fake_api, JUROR, "en")
    make_reader(database, JUROR)
    join(database, contest.id, JUROR)
    await juror.send("/jury")
    await texts(juror, 3)
    with database.uow() as uow:
        uow.contests.get(contest.id).frozen_at = NOW
        uow.commit()

    query = await juror.press("8")
    answer = await juror.wait_callback_answer(query)
    await juror.send("/jury")
    listing = await texts(juror, 2)

    assert (answer.text, answer.show_alert) == (
        "The results are frozen: scores can no longer change.", True)
    assert listing == [f"Your jury work:\n«{TITLE}» — 0 of 3 scored (results frozen)",
                       "The results are frozen: scores can no longer change."]


async def test_jury_a_reader_is_refused_everywhere(bot_app, fake_api, database):
    contest, entries = blind_contest(database, fake_api)
    reader = await onboard(fake_api, READER, "en")
    message_id = reader.last_message["message_id"]

    await reader.send("/jury")
    denied = await reader.next_message()
    answers = []
    for data in (f"jr:c:{contest.id}", f"jr:v:{contest.id}:{entries[0].id}:0:5",
                 f"jr:e:{contest.id}:{entries[0].id}", f"jr:xy:{contest.id}:{entries[0].id}",
                 f"ct:jury:{contest.id}"):
        answers.append((await reader.wait_callback_answer(
            await reader.press_data(message_id, data))).text)
    await reader.wait_reply()

    assert text_of(denied) == FOR_JURORS
    assert answers == [FOR_JURORS] * 4 + ["Only organizers can do this."]
    assert fake_api.calls("sendMessage", chat_id=READER)[-1].params["text"] == FOR_JURORS
    with database.uow() as uow:
        assert uow.session.exec(select(Conflict)).all() == []


async def test_jury_forged_data_for_another_contest_is_refused(bot_app, fake_api, database):
    mine, my_entries = blind_contest(database, fake_api)
    other = make_contest(database, titles={"en": "Subjective"})
    foreign = add_entry(database, other.id, AUTHOR, 1, title="Secret")
    juror = await onboard(fake_api, JUROR, "en")
    make_reader(database, JUROR)
    join(database, mine.id, JUROR)
    message_id = juror.last_message["message_id"]

    answers = []
    for data in (f"jr:c:{other.id}", f"jr:e:{other.id}:{foreign.id}",
                 f"jr:e:{mine.id}:{foreign.id}", f"jr:v:{mine.id}:{foreign.id}:0:5",
                 f"jr:xy:{mine.id}:{foreign.id}", f"jr:l:{other.id}:0"):
        answers.append((await juror.wait_callback_answer(
            await juror.press_data(message_id, data))).text)
    await juror.wait_reply()

    assert answers == [FOR_JURORS] * 6
    assert "Secret" not in everything_sent_to(fake_api, juror)
    with database.uow() as uow:
        conflicts = uow.session.exec(select(Conflict)).all()
    assert (conflicts, scores(database)) == ([], [])


@pytest.fixture
def short_timeout(monkeypatch):
    """Conversations end after two seconds; list it before bot_app, which builds them."""
    monkeypatch.setattr(common, "CONVERSATION_TIMEOUT", timedelta(seconds=2))


async def test_jury_comment_left_unanswered_is_closed_with_nothing_saved(
    short_timeout, bot_app, fake_api, database
):
    contest, entries = blind_contest(database, fake_api)
    juror = await onboard(fake_api, JUROR, "en")
    make_reader(database, JUROR)
    join(database, contest.id, JUROR)
    await juror.send("/jury")
    await texts(juror, 3)
    await score_entry(juror, ("5", "5", "5"))

    closed = await juror.next_message(timeout=5)
    await juror.send("Too late?")
    stray = await juror.next_message()

    assert (text_of(closed), text_of(stray)) == (
        "The scoring was closed because it had no answer for a long time. Nothing was saved. "
        "Send /jury to go on.",
        "I did not ask for anything just now. Send /events to see upcoming events or /help.")
    assert scores(database) == []
