"""/newcontest end to end: the real Application, the fake Bot API, an organizer answering."""

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlmodel import select

from bot.sandbox.fakeapi.users import buttons_of, text_of
from storage.contest_models import Contest
from tests.conftest import ORGANIZER_ID, onboard
from tests.factories import NOW

KIND_Q = ("New contest. Is it an essay contest or a photo contest?\n\n"
          "Send /cancel at any time to stop.")
TITLE_Q = "Send the title in Russian (up to 200 characters)."
CLOSES_Q = ("When do submissions close? Send the date and time (Almaty time), for example: "
            "22.12.2026 23:59")
AGES_Q = "Which ages may take part? Send a range like 15-19."
CRITERIA_Q = ("Judging criteria: send one per message with its weight, like \"Originality 0.4\"; "
              "the weights must add up to 1. Or press Default. Press Done when the list is "
              "complete.")
STRAY = "I did not ask for anything just now. Send /events to see upcoming events or /help."
CLOSING = datetime(2027, 1, 31, 18, 59, tzinfo=UTC)
DEFAULT_CRITERIA = "Default: Originality 0.4, Language 0.3, Relevance 0.3"

# The whole form, answer by answer: ("press", button) or ("send", text).
FORM = [
    ("press", "Essay contest"),
    ("press", "Русский"),
    ("send", "Мы кочуем навстречу себе"),
    ("press", "+ English"),
    ("send", "We roam towards ourselves"),
    ("press", "Continue"),
    ("send", "Узнаваясь в другом"),
    ("send", "Эссе до 5 страниц."),
    ("send", "Карагандинская областная юношеская библиотека"),
    ("press", "Almaty"),
    ("press", "Now"),
    ("send", "2027-01-31 23:59"),
    ("press", "Default: 15–19"),
    ("press", "The closing date (31 January 2027)"),
    ("press", "Kazakhstan"),
    ("send", "Польша: Польша, Poland"),
    ("press", "Done"),
    ("press", "Default: 5"),
    ("press", "Default: 1"),
    ("press", DEFAULT_CRITERIA),
    ("press", "Default: 1–10"),
    ("press", "Shared: 1, 2, 2, 4"),
    ("send", "1: 100 000 тенге"),
    ("send", "2: 60 000 тенге"),
    ("press", "Done"),
    ("press", "Default: 1"),
    ("press", "Two weeks after closing"),
    ("press", "Full name: Aigerim Bekova"),
    ("press", "Default: Diploma"),
]
# Index in FORM of the answer to each question.
TITLE, OPENS, CLOSES, AGES, CRITERIA = 2, 10, 11, 12, 19

SUMMARY = "\n".join([
    "Please check the contest:",
    "",
    "Kind: Essay contest",
    "Language: Русский",
    "Title (Русский): Мы кочуем навстречу себе",
    "Title (English): We roam towards ourselves",
    "Theme: Узнаваясь в другом",
    "Rules: Эссе до 5 страниц.",
    "Organizer: Карагандинская областная юношеская библиотека",
    "Submissions open: 22 November 2026, 09:00 (Almaty time)",
    "Submissions close: 31 January 2027, 23:59 (Almaty time)",
    "Ages: 15–19 on 31 January 2027",
    "Sides: Kazakhstan (Kazakhstan, Казахстан, Қазақстан); Польша (Польша, Poland)",
    "Winners per side: 5",
    "Entries per participant: 1",
    "Criteria: Originality 0.4, Language 0.3, Relevance 0.3",
    "Scale: 1–10",
    "Ties: Shared: 1, 2, 2, 4",
    "Prizes: 1: 100 000 тенге; 2: 60 000 тенге",
    "Minimum jurors per entry: 1",
    "Jury deadline: 14 February 2027, 23:59 (Almaty time)",
    "Winners list names: Full name: Aigerim Bekova",
    "Winners receive: Diploma",
])
AWARD_Q = ("What do the winners receive? It is the heading of their documents; a diploma of "
           "the first three places has its degree (First-degree diploma). Participants who "
           "did not win get a letter of thanks.")
NAMES_Q = ("The list of winners goes to the contest's participants. How should it name the "
           "winners?")


async def _act(user, action: str, value: str) -> dict:
    if action == "press":
        await user.press(value)
    else:
        await user.send(value)
    return await user.next_message()


async def _open_form(fake_api, answers: int, form=FORM) -> tuple:
    """The organizer starts /newcontest and gives the first `answers` answers of `form`."""
    organizer = await onboard(fake_api, ORGANIZER_ID, "en")
    await organizer.send("/newcontest")
    last = await organizer.next_message()
    for action, value in form[:answers]:
        last = await _act(organizer, action, value)
    return organizer, last


def _contests(database) -> list[Contest]:
    with database.uow() as uow:
        return list(uow.session.exec(select(Contest)).all())


async def test_newcontest_with_defaults_creates_the_contest_and_a_deep_link(
    bot_app, fake_api, database
):
    organizer, summary = await _open_form(fake_api, len(FORM))

    await organizer.press("Confirm")
    created, card, link = [await organizer.next_message() for _ in range(3)]

    [contest] = _contests(database)
    assert (text_of(summary), buttons_of(summary)) == (SUMMARY, [["Confirm"], ["« Back", "Cancel"]])
    assert (
        contest.kind, contest.language, contest.titles, contest.themes, contest.rules,
        contest.organizer_names, contest.timezone, contest.opens_at, contest.closes_at,
        contest.age_min, contest.age_max, contest.age_reference_date, contest.countries,
    ) == (
        "essay", "ru",
        {"ru": "Мы кочуем навстречу себе", "en": "We roam towards ourselves"},
        {"ru": "Узнаваясь в другом"}, {"ru": "Эссе до 5 страниц."},
        {"ru": "Карагандинская областная юношеская библиотека"}, "Asia/Almaty", NOW, CLOSING,
        15, 19, date(2027, 1, 31), [],
    )
    assert contest.sides == [
        {"key": "kz", "names": {"kk": "Қазақстан", "ru": "Казахстан", "uk": "Казахстан",
                                "en": "Kazakhstan"},
         "countries": ["Kazakhstan", "Казахстан", "Қазақстан"]},
        {"key": "poland", "names": {"ru": "Польша"}, "countries": ["Польша", "Poland"]},
    ]
    assert [(c["key"], c["names"]["en"], c["weight"]) for c in contest.criteria] == [
        ("originality", "Originality", 0.4), ("language", "Language", 0.3),
        ("relevance", "Relevance", 0.3),
    ]
    assert (
        contest.quota_per_side, contest.entries_per_participant, contest.scale_min,
        contest.scale_max, contest.tie_policy, contest.aggregate, contest.prizes,
        contest.min_jurors, contest.jury_deadline, contest.jury_reminder_offsets,
        contest.created_by, contest.closed_at, contest.winner_names,
    ) == (
        5, 1, 1, 10, "shared", "mean",
        {"1": {"ru": "100 000 тенге"}, "2": {"ru": "60 000 тенге"}},
        1, CLOSING + timedelta(days=14), [1440], ORGANIZER_ID, None, "full",
    )
    assert (text_of(created), text_of(card).split("\n")[:2], buttons_of(card)[0],
            text_of(link)) == (
        "The contest is created.",
        ["📝 Essay contest", "We roam towards ourselves"],
        ["Enter"],
        "Invite participants with this link; post it anywhere:\n"
        f"https://t.me/kopir_bot?start=contest_{contest.id}",
    )


async def test_newcontest_typed_answers_instead_of_buttons(bot_app, fake_api, database):
    answers = [("press", "Photo contest"), ("press", "English"), ("send", "Youth through a lens"),
               ("press", "Continue"), ("send", "My city"), ("press", "Skip"),
               ("send", "City library"), ("send", "Kyiv"), ("send", "2026-12-01 10:00"),
               ("send", "2026-12-20 18:00"), ("send", "16"), ("send", "2026-12-01"),
               ("send", "Ukraine"), ("press", "Done"), ("send", "3"), ("send", "2"),
               ("send", "Composition 0.5"), ("send", "Idea 50%"), ("press", "Done"),
               ("send", "0-5"), ("press", "Dense: 1, 2, 2, 3"), ("press", "Skip"),
               ("send", "2"), ("press", "No deadline"), ("send", "code"), ("send", "Грамота"),
               ("press", "Confirm")]
    await _open_form(fake_api, len(answers), answers)

    [contest] = _contests(database)
    assert (
        contest.kind, contest.titles, contest.rules, contest.timezone, contest.opens_at,
        contest.closes_at, contest.age_min, contest.age_max, contest.age_reference_date,
        [side["key"] for side in contest.sides], contest.quota_per_side,
        contest.entries_per_participant,
        [(c["key"], c["names"], c["weight"]) for c in contest.criteria],
        contest.scale_min, contest.scale_max, contest.tie_policy, contest.prizes,
        contest.min_jurors, contest.jury_deadline, contest.jury_reminder_offsets,
        contest.winner_names, contest.award,
    ) == (
        "photo", {"en": "Youth through a lens"}, {}, "Europe/Kyiv",
        datetime(2026, 12, 1, 8, 0, tzinfo=UTC), datetime(2026, 12, 20, 16, 0, tzinfo=UTC),
        16, 16, date(2026, 12, 1), ["ukraine"], 3, 2,
        [("composition", {"en": "Composition"}, 0.5), ("idea", {"en": "Idea"}, 0.5)],
        0, 5, "dense", {}, 2, None, [], "code", "charter",
    )


@pytest.mark.parametrize(
    ("before", "bad", "explanation", "question"),
    [
        ([], "x" * 201, "The title is too long: 201 characters, at most 200.", TITLE_Q),
        ([("send", "2026-12-10 09:00")], "2026-12-01 10:00",
         "The contest must close after it opens: check both dates.",
         CLOSES_Q.replace("22.12.2026", "09.01.2027")),
        ([("press", "Now")], "2026-11-01 10:00",
         "The closing time must be in the future: 2026-11-01 10:00 is already past.", CLOSES_Q),
        ([("press", "Now"), ("send", "2027-01-31 23:59")], "19-15",
         "The youngest age (19) is above the oldest (15): write it like 15-19.", AGES_Q),
    ],
    ids=["long-title", "closes-before-opens", "closes-in-the-past", "ages-reversed"],
)
async def test_newcontest_bad_answer_is_explained_and_asked_again(
    bot_app, fake_api, database, before, bad, explanation, question
):
    start = TITLE if not before else OPENS
    organizer, _question = await _open_form(fake_api, start)
    for action, value in before:
        await _act(organizer, action, value)

    await organizer.send(bad)
    replies = [text_of(await organizer.next_message()) for _ in range(2)]

    assert (replies, _contests(database)) == ([explanation, question], [])


async def test_newcontest_weights_not_adding_up_to_one_are_refused_at_done(
    bot_app, fake_api, database
):
    organizer, _question = await _open_form(fake_api, CRITERIA)

    await _act(organizer, "send", "Originality 0.5")
    await _act(organizer, "send", "Language 0.3")
    await organizer.press("Done")
    refusal, again = [await organizer.next_message() for _ in range(2)]
    await _act(organizer, "send", "Relevance 0.2")
    await organizer.press("Done")
    scale = await organizer.next_message()

    assert (text_of(refusal), text_of(again), buttons_of(again)) == (
        "The weights add up to 0.8, not 1: for example Originality 0.4, Language 0.3, "
        "Relevance 0.3.",
        CRITERIA_Q + "\n\nSo far: Originality 0.5, Language 0.3",
        [[DEFAULT_CRITERIA], ["Done"], ["Start the list again"], ["« Back"]],
    )
    assert text_of(scale) == "On which scale do jurors score each criterion? Send it like 1-10."


async def test_newcontest_criterion_pushing_weights_over_one_is_refused(bot_app, fake_api):
    organizer, _question = await _open_form(fake_api, CRITERIA)

    await _act(organizer, "send", "Originality 0.7")
    await organizer.send("Language 0.4")
    refusal, again = [text_of(await organizer.next_message()) for _ in range(2)]

    assert (refusal, again) == (
        "The weights would add up to 1.1, more than 1: send this criterion again with a "
        "smaller weight.",
        CRITERIA_Q + "\n\nSo far: Originality 0.7",
    )


async def test_newcontest_photo_instead_of_title_is_asked_again(bot_app, fake_api, database):
    organizer, _question = await _open_form(fake_api, TITLE)

    await organizer.send_photo()
    replies = [text_of(await organizer.next_message()) for _ in range(2)]

    assert (replies, _contests(database)) == (
        ["Please answer with a text message.", TITLE_Q], [])


async def test_newcontest_sticker_on_a_button_question_points_to_the_buttons(bot_app, fake_api):
    organizer, _question = await _open_form(fake_api, 0)

    await organizer.send_sticker()
    replies = [text_of(await organizer.next_message()) for _ in range(2)]

    assert replies == ["Please choose one of the buttons below.", KIND_Q]


async def test_newcontest_back_from_summary_keeps_the_answers(bot_app, fake_api, database):
    organizer, _summary = await _open_form(fake_api, len(FORM))

    await organizer.press("« Back")
    award = await organizer.next_message()
    await organizer.press("« Back")
    names = await organizer.next_message()
    await organizer.press("« Back")
    deadline = await organizer.next_message()
    await organizer.press("Keep: 14 February 2027, 23:59 (Almaty time)")
    names_again = await organizer.next_message()
    await organizer.press("✓ Full name: Aigerim Bekova")
    award_again = await organizer.next_message()
    await organizer.press("✓ Default: Diploma")
    again = await organizer.next_message()

    assert (text_of(award), buttons_of(award), text_of(award_again)) == (AWARD_Q, [
        ["✓ Default: Diploma"], ["Certificate"], ["Certificate of merit"], ["Letter of thanks"],
        ["« Back"]], AWARD_Q)
    assert (text_of(names), buttons_of(names)) == (NAMES_Q, [
        ["✓ Full name: Aigerim Bekova"], ["First name and initial: Aigerim B."],
        ["Only the entry code: E-017"], ["« Back"]])
    assert (buttons_of(deadline), text_of(names_again), text_of(again), _contests(database)) == (
        [["Two weeks after closing"], ["No deadline"],
         ["Keep: 14 February 2027, 23:59 (Almaty time)"], ["« Back"]],
        NAMES_Q, SUMMARY, [],
    )


async def test_newcontest_unknown_way_to_name_winners_is_explained(bot_app, fake_api, database):
    organizer, _names = await _open_form(fake_api, len(FORM) - 2)

    await organizer.send("surnames")
    reason, question = [await organizer.next_message() for _ in range(2)]

    assert (text_of(reason), text_of(question)) == (
        "Unknown way to name the winners surnames: use full (Aigerim Bekova), initial "
        "(Aigerim B.) or code (only the entry code).", NAMES_Q)


async def test_newcontest_cancel_on_summary_writes_nothing(bot_app, fake_api, database):
    organizer, _summary = await _open_form(fake_api, len(FORM))

    await organizer.press("Cancel")
    reply = await organizer.next_message()

    assert (text_of(reply), _contests(database)) == (
        "The new contest is cancelled; nothing was saved.", [])


async def test_newcontest_cancel_command_midway_writes_nothing(bot_app, fake_api, database):
    organizer, _question = await _open_form(fake_api, AGES)

    await organizer.send("/cancel")
    reply = await organizer.next_message()
    await organizer.send("15-19")
    after = await organizer.next_message()

    assert (text_of(reply), text_of(after), _contests(database)) == (
        "The new contest is cancelled; nothing was saved.", STRAY, [])


async def test_newcontest_refused_for_a_reader(bot_app, fake_api, database):
    reader = await onboard(fake_api, 8201, "en")

    await reader.send("/newcontest")
    reply = await reader.next_message()

    assert (text_of(reply), _contests(database)) == ("Only organizers can do this.", [])


async def test_newcontest_button_of_a_finished_form_is_answered(bot_app, fake_api, database):
    organizer, _summary = await _open_form(fake_api, len(FORM))
    await organizer.press("Confirm")
    await organizer.handled()

    answer = await organizer.wait_callback_answer(await organizer.press("Confirm"))

    assert (answer.text, answer.show_alert, len(_contests(database))) == (
        "This form is closed. Send /newcontest to create a contest.", True, 1)


async def test_newcontest_confirm_after_the_closing_time_passed_asks_it_again(
    bot_app, fake_api, database, clock
):
    organizer, _summary = await _open_form(fake_api, len(FORM))
    clock.set(CLOSING + timedelta(minutes=1))

    await organizer.press("Confirm")
    reason, question = [text_of(await organizer.next_message()) for _ in range(2)]

    assert (reason, question, _contests(database)) == (
        "The closing time must be in the future: 2027-01-31 23:59 is already past.",
        "When do submissions close? Send the date and time (Almaty time), for example: "
        "03.03.2027 23:59",
        [],
    )


async def test_newcontest_new_time_zone_rereads_the_typed_dates(bot_app, fake_api, database):
    organizer, _summary = await _open_form(fake_api, len(FORM))
    for _ in range(16):
        await organizer.press("« Back")
        await organizer.next_message()

    await organizer.press("Kyiv")
    opens = await organizer.next_message()
    await organizer.press("✓ Now")
    closes = await organizer.next_message()

    assert (text_of(opens), buttons_of(closes)) == (
        "When do submissions open? Press Now, or send the date and time (Kyiv time), for "
        "example: 29.11.2026 09:00",
        [["Keep: 31 January 2027, 23:59 (Kyiv time)"], ["« Back"]],
    )


PROGRAMME_Q = "Does the contest belong to a programme or project? Choose it, or None."
ORGANIZER_Q = ("Which library organizes the contest? Send its name: it appears on the "
               "certificates.")
RULES = 8  # the answer after the rules: the programme, when there are programmes


def _add_programmes(database, *names: str) -> None:
    from storage.org_models import Programme

    with database.uow() as uow:
        for name in names:
            uow.organizers.add_programme(Programme(name=name, created_at=NOW))
        uow.commit()


async def test_newcontest_asks_the_programme_and_stores_it(bot_app, fake_api, database):
    _add_programmes(database, "Одна страна – одна книга")
    organizer, question = await _open_form(fake_api, RULES)
    assert (text_of(question), buttons_of(question)) == (
        PROGRAMME_Q, [["Одна страна – одна книга"], ["None"], ["« Back"]])
    await organizer.send("Одна страна – одна книга")  # typed: the buttons are pointed to
    assert text_of(await organizer.next_message()) == "Please choose one of the buttons below."
    assert text_of(await organizer.next_message()) == PROGRAMME_Q
    assert text_of(await _act(organizer, "press", "Одна страна – одна книга")) == ORGANIZER_Q
    # Back from the organizer returns to the programme, with the choice marked.
    await organizer.press("« Back")
    again = await organizer.next_message()
    assert buttons_of(again) == [["✓ Одна страна – одна книга"], ["None"], ["« Back"]]
    await organizer.press("✓ Одна страна – одна книга")
    await organizer.next_message()
    for action, value in FORM[RULES:]:
        summary = await _act(organizer, action, value)
    assert "Programme: Одна страна – одна книга" in text_of(summary).splitlines()

    await organizer.press("Confirm")
    await organizer.handled()
    [contest] = _contests(database)
    with database.uow() as uow:
        assert uow.organizers.programme(contest.programme_id).name == "Одна страна – одна книга"


async def test_newcontest_programme_none_is_stored_as_none(bot_app, fake_api, database):
    _add_programmes(database, "Өлке тұлғалары")
    organizer, _question = await _open_form(fake_api, RULES)
    assert text_of(await _act(organizer, "press", "None")) == ORGANIZER_Q
    for action, value in FORM[RULES:]:
        summary = await _act(organizer, action, value)
    assert "Programme: —" in text_of(summary).splitlines()
    await organizer.press("Confirm")
    await organizer.handled()
    [contest] = _contests(database)
    assert contest.programme_id is None


async def test_newcontest_without_programmes_does_not_ask_the_programme(bot_app, fake_api):
    _organizer, question = await _open_form(fake_api, RULES)
    assert text_of(question) == ORGANIZER_Q


async def test_newcontest_award_chosen_is_stored_and_shown(bot_app, fake_api, database):
    organizer, _award = await _open_form(fake_api, len(FORM) - 1)

    summary = await _act(organizer, "press", "Letter of thanks")
    await organizer.press("Confirm")
    await organizer.handled()

    [contest] = _contests(database)
    assert (text_of(summary).splitlines()[-1], contest.award) == (
        "Winners receive: Letter of thanks", "letter_of_thanks")
