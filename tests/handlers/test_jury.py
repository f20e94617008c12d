"""The jury end to end: invites, blind scoring, revising, conflicts, and who may do what."""

import json
import re
from datetime import timedelta

from sqlmodel import select

from bot.sandbox.fakeapi.users import buttons_of, text_of
from storage.contest_models import Conflict, EntryContent, Juror, JuryInvite, Score
from tests.conftest import ORGANIZER_ID, onboard, time_out_conversations
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


async def jury_screen(fake_api, contest_id: int, organizer=None):
    """The organizer (onboarded first when not given) presses Jury on the contest card;
    returns them and the screen."""
    organizer = organizer or await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.press_data(organizer.last_message["message_id"], f"ct:jury:{contest_id}")
    return organizer, await organizer.next_message()


async def invite_link(fake_api, contest_id: int, organizer=None) -> tuple[list[str], str]:
    """The organizer opens the Jury screen and presses New invite link; returns what they
    read and the token."""
    organizer, screen = await jury_screen(fake_api, contest_id, organizer)
    await organizer.press("New invite link")
    invitation = text_of(await organizer.next_message())
    return [text_of(screen), invitation], re.search(r"start=jury_([\w-]+)", invitation)[1]


def invites(database) -> list[tuple]:
    with database.uow() as uow:
        rows = uow.session.exec(select(JuryInvite).order_by(JuryInvite.id)).all()
        return [(row.used_by, row.expires_at) for row in rows]


def seat(database, contest_id: int, user_id: int) -> Juror:
    with database.uow() as uow:
        return uow.jury.juror(contest_id, user_id)


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
                   "0 invitation links are still open (unused and not expired).",
                   "Press New invite link to get a one-time link for one more juror."]),
        f"Invitation to the jury of «{TITLE}». Open this link to join; it works once, until "
        "29 November 2026, 09:00 (Almaty time):\n"
        f"https://t.me/kopir_bot?start=jury_{token}",
    ]
    assert (text_of(joined), text_of(refused)) == (
        f"Welcome to the jury of «{TITLE}»! Send /jury to see the entries and score them.",
        INVALID)
    assert (text_of(listing), buttons_of(listing)) == (
        f"Your jury work:\n«{TITLE}» — 0 of 0 scored\n\nNo more entries are waiting for your "
        "score. You can revise your scores until the results are frozen.",
        [["My scores (revise)"]])


async def test_jury_screen_mints_no_invite(bot_app, fake_api, database):
    contest = make_contest(database)

    organizer, first = await jury_screen(fake_api, contest.id)
    await organizer.press_data(first["message_id"], f"ct:jury:{contest.id}")
    await organizer.handled()

    # Pressed again, the screen is already there: nothing is sent twice.
    assert (buttons_of(first), organizer.drain()) == ([["New invite link"], ["« Back"]], [])
    assert invites(database) == []


async def test_jury_each_new_invite_link_is_one_more_open_invite(bot_app, fake_api, database):
    contest = make_contest(database)
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    _shown, first = await invite_link(fake_api, contest.id, organizer)
    _shown, second = await invite_link(fake_api, contest.id, organizer)

    _organizer, screen = await jury_screen(fake_api, contest.id, organizer)

    assert first != second
    assert invites(database) == [(None, NOW + timedelta(days=7))] * 2
    assert text_of(screen).splitlines()[-2] == (
        "2 invitation links are still open (unused and not expired).")


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

    _organizer, screen = await jury_screen(fake_api, contest.id)

    assert text_of(screen) == "\n".join([
        f"Jury of «{TITLE}»", "2 jurors:", "1. Dana Omarova — 1 of 3 scored",
        "2. Olena Kovalenko — 0 of 2 scored", "Declared conflicts of interest:",
        "• Olena Kovalenko — E-002",
        "0 invitation links are still open (unused and not expired).",
        "Press New invite link to get a one-time link for one more juror.",
    ])
    assert buttons_of(screen) == [["New invite link"], ["Remove Dana Omarova"],
                                  ["Remove Olena Kovalenko"], ["« Back"]]


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
    await juror.handled()

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
    listing = await texts(juror, 1)

    assert (answer.text, answer.show_alert) == (
        "The results are frozen: scores can no longer change.", True)
    assert listing == [f"Your jury work:\n«{TITLE}» — 0 of 3 scored (results frozen)\n\n"
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
    await reader.handled()

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
    await juror.handled()

    assert answers == [FOR_JURORS] * 6
    assert "Secret" not in everything_sent_to(fake_api, juror)
    with database.uow() as uow:
        conflicts = uow.session.exec(select(Conflict)).all()
    assert (conflicts, scores(database)) == ([], [])



async def test_jury_comment_left_unanswered_is_closed_with_nothing_saved(
    bot_app, fake_api, database
):
    contest, entries = blind_contest(database, fake_api)
    juror = await onboard(fake_api, JUROR, "en")
    make_reader(database, JUROR)
    join(database, contest.id, JUROR)
    await juror.send("/jury")
    await texts(juror, 3)
    await score_entry(juror, ("5", "5", "5"))

    await time_out_conversations(bot_app, fake_api)
    closed = await juror.next_message()
    await juror.send("Too late?")
    stray = await juror.next_message()

    assert (text_of(closed), text_of(stray)) == (
        "The scoring was closed because it had no answer for a long time. Nothing was saved. "
        "Send /jury to go on.",
        "I did not ask for anything just now. Send /events to see upcoming events or /help.")
    assert scores(database) == []


# --- removing jurors, and authors on the jury ----------------------------------------------


async def test_jury_organizer_removes_a_juror_after_confirming(bot_app, fake_api, database):
    contest = make_contest(database)
    make_reader(database, JUROR, full_name="Dana Omarova")
    join(database, contest.id, JUROR)
    organizer, _screen = await jury_screen(fake_api, contest.id)

    await organizer.press("Remove Dana Omarova")
    question = await organizer.next_message()
    await organizer.press("Yes, remove")
    done = await organizer.next_message()
    _organizer, after = await jury_screen(fake_api, contest.id, organizer)

    assert (text_of(question), buttons_of(question)) == (
        f"Remove Dana Omarova from the jury of «{TITLE}»? Their scores will no longer count in "
        "the results. They can come back only through a new invite link.",
        [["Yes, remove", "Cancel"]])
    assert text_of(done) == (f"Dana Omarova is removed from the jury of «{TITLE}»: their "
                             "scores no longer count.")
    assert seat(database, contest.id, JUROR).removed_at == NOW
    assert (text_of(after).splitlines()[1:3], buttons_of(after)) == (
        ["No jurors yet.", "Removed from the jury (their scores do not count): Dana Omarova"],
        [["New invite link"], ["« Back"]])


async def test_jury_removal_cancelled_changes_nothing(bot_app, fake_api, database):
    contest = make_contest(database)
    make_reader(database, JUROR, full_name="Dana Omarova")
    join(database, contest.id, JUROR)
    organizer, _screen = await jury_screen(fake_api, contest.id)
    await organizer.press("Remove Dana Omarova")
    await organizer.next_message()

    await organizer.press("Cancel")
    cancelled = await organizer.next_message()

    assert text_of(cancelled) == "Nothing changed."
    assert seat(database, contest.id, JUROR).removed_at is None


async def test_jury_removal_once_frozen_is_refused(bot_app, fake_api, database):
    contest = make_contest(database)
    make_reader(database, JUROR, full_name="Dana Omarova")
    join(database, contest.id, JUROR)
    organizer, screen = await jury_screen(fake_api, contest.id)
    with database.uow() as uow:
        uow.contests.get(contest.id).frozen_at = NOW
        uow.commit()
    seat_id = seat(database, contest.id, JUROR).id

    answers = []
    for data in (f"jy:rm:{contest.id}:{seat_id}", f"jy:rmy:{contest.id}:{seat_id}",
                 f"jy:new:{contest.id}"):
        answer = await organizer.wait_callback_answer(
            await organizer.press_data(screen["message_id"], data))
        answers.append((answer.text, answer.show_alert))
    _organizer, frozen = await jury_screen(fake_api, contest.id, organizer)

    assert answers == [("The results are frozen, so the jury can no longer change.", True)] * 3
    assert (text_of(frozen).splitlines()[-1], buttons_of(frozen)) == (
        "The results are frozen, so the jury can no longer change.", [["« Back"]])
    assert (seat(database, contest.id, JUROR).removed_at, invites(database)) == (
        None, [(JUROR, NOW + timedelta(days=7))])


async def test_jury_removal_of_a_seat_of_another_contest_is_refused(bot_app, fake_api, database):
    contest = make_contest(database)
    other = make_contest(database, titles={"en": "Subjective"})
    make_reader(database, JUROR)
    join(database, other.id, JUROR)
    organizer, screen = await jury_screen(fake_api, contest.id)

    query = await organizer.press_data(
        screen["message_id"], f"jy:rmy:{contest.id}:{seat(database, other.id, JUROR).id}")
    answer = await organizer.wait_callback_answer(query)

    assert answer.text == ("This button is out of date: the contest no longer exists or has "
                           "changed.")
    assert seat(database, other.id, JUROR).removed_at is None


async def test_jury_removed_juror_is_told_on_jury_and_on_a_scoring_button(
    bot_app, fake_api, database
):
    contest, entries = blind_contest(database, fake_api)
    juror = await onboard(fake_api, JUROR, "en")
    make_reader(database, JUROR)
    join(database, contest.id, JUROR)
    await juror.send("/jury")
    await texts(juror, 3)
    with database.uow() as uow:
        uow.jury.juror(contest.id, JUROR).removed_at = NOW
        uow.commit()

    pressed = await juror.wait_callback_answer(await juror.press("8"))
    opened = await juror.wait_callback_answer(await juror.press_data(
        juror.last_message["message_id"], f"jr:c:{contest.id}"))
    await juror.send("/jury")
    listing = await juror.next_message()

    removed = "You are no longer on the jury of this contest: an organizer removed you."
    assert [(a.text, a.show_alert) for a in (pressed, opened)] == [(removed, True)] * 2
    assert (text_of(listing), buttons_of(listing)) == (
        f"You are no longer on the jury of «{TITLE}»: an organizer removed you.", [])
    assert scores(database) == []


async def test_jury_removed_juror_rejoins_through_a_new_invite(bot_app, fake_api, database):
    contest = make_contest(database)
    juror = await onboard(fake_api, JUROR, "en")
    make_reader(database, JUROR)
    join(database, contest.id, JUROR)
    with database.uow() as uow:
        uow.jury.juror(contest.id, JUROR).removed_at = NOW
        uow.commit()
    _shown, token = await invite_link(fake_api, contest.id)

    await juror.send(f"/start jury_{token}")
    joined = await juror.next_message()

    assert text_of(joined) == (
        f"Welcome to the jury of «{TITLE}»! Send /jury to see the entries and score them.")
    assert seat(database, contest.id, JUROR).removed_at is None


async def test_jury_author_on_the_jury_never_gets_their_own_entry(bot_app, fake_api, database):
    author = await onboard(fake_api, AUTHOR, "en")
    contest, entries = blind_contest(database, fake_api)
    join(database, contest.id, AUTHOR)
    make_reader(database, SECOND)
    add_entry(database, contest.id, SECOND, 4, title="Not mine")

    await author.send("/jury")
    opening = await texts(author, 3)
    forged = await author.wait_callback_answer(await author.press_data(
        author.last_message["message_id"], f"jr:v:{contest.id}:{entries[0].id}:0:5"))
    _organizer, screen = await jury_screen(fake_api, contest.id)

    assert opening == [f"Your jury work:\n«{TITLE}» — 0 of 1 scored",
                       "E-004 «Not mine»\n\nThe text of essay 4.",
                       f"E-004 «Not mine»\n\n{ORIGINALITY}"]
    assert (forged.text, forged.show_alert) == (
        "This is your own entry: you do not score it.", True)
    assert text_of(screen).splitlines()[2:8] == [
        f"1. {AUTHOR_NAME} — 0 of 1 scored", "No conflicts of interest declared.",
        "Jurors' own entries (they do not score them):", f"• {AUTHOR_NAME} — E-001",
        f"• {AUTHOR_NAME} — E-002", f"• {AUTHOR_NAME} — E-003"]


TITLE_RU = "Мы кочуем навстречу себе"


def finished_contest(database, juror_id: int = JUROR, language: str = "en", **overrides):
    """A contest with one entry, which the juror (speaking `language`) has scored."""
    contest = make_contest(database, **overrides)
    make_reader(database, AUTHOR)
    entry = add_entry(database, contest.id, AUTHOR, 1, title="The steppe")
    make_reader(database, juror_id, language=language)
    join(database, contest.id, juror_id)
    with database.uow() as uow:
        uow.session.add(Score(entry_id=entry.id, juror_id=juror_id,
                              values={"originality": 5, "language": 5, "relevance": 5},
                              saved_at=NOW))
        uow.commit()
    return contest


def sent(user) -> list[tuple[str, str, list[list[str]]]]:
    return [(event.kind, text_of(event.message), buttons_of(event.message))
            for event in user.drain()]


async def test_jury_command_on_a_finished_contest_sends_one_message(bot_app, fake_api, database):
    juror = await onboard(fake_api, JUROR, "en")
    finished_contest(database)

    await juror.send("/jury")
    await juror.handled()

    assert sent(juror) == [(
        "sent",
        f"Your jury work:\n«{TITLE}» — 1 of 1 scored\n\nNo more entries are waiting for your "
        "score. You can revise your scores until the results are frozen.",
        [["My scores (revise)"]])]


async def test_jury_command_on_a_finished_contest_sends_one_message_in_kazakh(
    bot_app, fake_api, database
):
    juror = await onboard(fake_api, JUROR, "kk")
    finished_contest(database, language="kk")

    await juror.send("/jury")
    await juror.handled()

    assert sent(juror) == [(
        "sent",
        f"Бағалау барысы:\n«{TITLE_RU}» — 1 / 1 бағаланды\n\nСіздің бағаңызды күтіп тұрған "
        "жұмыс қалмады. Нәтижелер бекітілгенге дейін ұпайларыңызды қайта қарай аласыз.",
        [["Менің ұпайларым (қайта қарау)"]])]


async def test_jury_command_on_a_frozen_contest_sends_one_message_in_russian(
    bot_app, fake_api, database
):
    juror = await onboard(fake_api, JUROR, "ru")
    finished_contest(database, language="ru", frozen_at=NOW)

    await juror.send("/jury")
    await juror.handled()

    assert sent(juror) == [(
        "sent",
        f"Ход оценивания:\n«{TITLE_RU}» — оценено 1 из 1 (результаты зафиксированы)\n\n"
        "Результаты зафиксированы: оценки больше нельзя изменить.", [])]


async def test_jury_contest_button_on_a_finished_contest_sends_one_message(
    bot_app, fake_api, database
):
    juror = await onboard(fake_api, JUROR, "en")
    contest = finished_contest(database)
    other = make_contest(database, titles={"en": "Another contest"})
    join(database, other.id, JUROR)
    await juror.send("/jury")
    await juror.next_message()

    await juror.press(TITLE)
    await juror.handled()

    assert sent(juror) == [(
        "sent",
        f"No more entries waiting for your score in «{TITLE}» (1 of 1 scored). You can revise "
        "your scores until the results are frozen.", [["My scores (revise)"]])]
    assert contest.id != other.id


async def test_jury_button_shows_the_jury_in_place_of_the_card_and_back_returns(
    bot_app, fake_api, database
):
    contest = make_contest(database)
    organizer = await onboard(fake_api, ORGANIZER_ID, "uk")
    await organizer.send(f"/start contest_{contest.id}")
    card = await organizer.next_message()

    await organizer.press("Журі")
    screen = await organizer.next_message()
    await organizer.press("« Назад")
    back = await organizer.next_message()

    assert (screen["message_id"], text_of(screen).splitlines()[0], buttons_of(screen)) == (
        card["message_id"], "Журі конкурсу «Мы кочуем навстречу себе»",
        [["Нове запрошення"], ["« Назад"]])
    assert (back["message_id"], text_of(back), buttons_of(back)) == (
        card["message_id"], text_of(card), buttons_of(card))
