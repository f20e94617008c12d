"""/results end to end through the fake Bot API: preview, freeze, publish, exports, refusals."""

from __future__ import annotations

import csv
import io
import zipfile
from datetime import timedelta

import pytest
from openpyxl import load_workbook
from pypdf import PdfReader
from sqlmodel import select

from bot.sandbox.fakeapi.shapes import TINY_PNG
from bot.sandbox.fakeapi.users import FakeUser, buttons_of, text_of
from bot.services import results
from storage.contest_models import Juror
from storage.models import Notification, NotificationKind
from tests.conftest import ORGANIZER_ID, onboard
from tests.result_factories import AIGERIM, ASEL, CLOSES_AT, DANA, JUROR_A, OLENA, small_contest
from tests.work_file_factories import WORK_TEXT, pdf_traces, pdf_with_name, traces

TITLE_EN = "We roam towards ourselves"
TITLE_RU = "Мы кочуем навстречу себе"
PREVIEW_LINES = [
    "4 entries · 2 jurors · 1 declared conflict of interest",
    "Winners per side: 1; more when a place is shared.",
    "",
    "Kazakhstan",
    "=1. E-001 «Steppe wind» — 8.35 (spread 0.35)",
    "=1. E-003 «Home» — 8.35 (spread 0.35)",
    "• E-004 «Ауыл» — 5 (spread 0) — scored by 1 juror, at least 2 needed",
    "",
    "Ukraine",
    "1. E-002 «Дніпро» — 6.5 (spread 0.5)",
]
ONLY_ORGANIZERS = "Only organizers can do this."
# A PDF with its author in every metadata field: the ZIP gets it without.
PDF_WORK = pdf_with_name()


@pytest.fixture
async def organizer(bot_app, fake_api) -> FakeUser:
    return await onboard(fake_api, ORGANIZER_ID, "en")


@pytest.fixture
async def participants(bot_app, fake_api) -> dict[int, FakeUser]:
    """Everyone who will hear from the bot has opened it (languages as in their profiles)."""
    return {user_id: await onboard(fake_api, user_id, language)
            for user_id, language, *_rest in (AIGERIM, OLENA, DANA, ASEL)}


async def open_preview(organizer: FakeUser, title: str = TITLE_EN, parts: int = 1) -> list[str]:
    """/results, then the contest's button; returns the texts of the `parts` preview
    messages (a small contest's preview is one)."""
    await organizer.send("/results")
    listing = await organizer.next_message()
    label = next(text for row in buttons_of(listing) for text in row if text.startswith(title))
    await organizer.press(label)
    return [text_of(await organizer.next_message()) for _ in range(parts)]


async def alert_after(user: FakeUser, query_id: str) -> str:
    answer = await user.wait_callback_answer(query_id)
    assert answer.show_alert
    return answer.text


def frozen_at(database, contest_id):
    with database.uow() as uow:
        return uow.contests.get(contest_id).frozen_at


async def test_organizer_sees_the_preview_by_side_with_places_and_flags(
    organizer, database
):
    made = small_contest(database)

    texts = await open_preview(organizer)

    assert texts == ["\n".join([f"Results of «{TITLE_EN}»: preview (not final)", *PREVIEW_LINES])]
    assert buttons_of(organizer.last_message) == [["Freeze"], ["CSV", "XLSX", "ZIP of entries"]]
    assert frozen_at(database, made.contest.id) is None


async def test_freeze_is_refused_while_the_contest_is_open(organizer, database):
    made = small_contest(database)
    await open_preview(organizer)

    query = await organizer.press("Freeze")

    assert await alert_after(organizer, query) == (
        "Submissions are still open. Close them first: press Close submissions on the contest "
        "card in /contests.")
    assert frozen_at(database, made.contest.id) is None


async def test_freeze_then_publish_tells_each_participant_in_their_language(
    organizer, participants, database, clock, catalogs, fake_api
):
    made = small_contest(database)
    clock.set(CLOSES_AT + timedelta(minutes=1))
    await open_preview(organizer)

    await organizer.press("Freeze")
    assert text_of(await organizer.next_message()) == (
        f"Freeze the results of «{TITLE_EN}»? The jury is locked and the places in the preview "
        "become final.\n\n1 entry will stay unranked: fewer jurors scored it than the 2 needed. "
        "To rank it, ask the jury to score it before freezing.")
    await organizer.press("Yes, freeze")
    await organizer.handled()
    frozen = [text_of(event.message) for event in organizer.drain()]
    assert frozen == [
        f"The results of «{TITLE_EN}» are frozen: the jury is locked. Check them, then publish.",
        "\n".join([f"Results of «{TITLE_EN}»: frozen", *PREVIEW_LINES]),
    ]
    assert frozen_at(database, made.contest.id) == clock.now()
    assert buttons_of(organizer.last_message) == [["Publish"], ["CSV", "XLSX", "ZIP of entries"]]

    await organizer.press("Publish")
    assert buttons_of(await organizer.next_message()) == [
        ["All participants"], ["The jurors"], ["Only me"], ["Cancel"]]
    await organizer.press("All participants")
    assert text_of(await organizer.next_message()) == (
        f"Publish the results of «{TITLE_EN}»? 4 participants will be told their outcome; the "
        "winners list goes to all participants. This cannot be undone.")
    await organizer.press("Yes, publish")
    assert text_of(await organizer.next_message()) == (
        f"The results of «{TITLE_EN}» are published: 8 messages are on their way.")

    outcomes = {user_id: await outcome_of(user) for user_id, user in participants.items()}

    en, ru = catalogs.translator("en"), catalogs.translator("ru")
    caption, file_name, pdf, winners = outcomes[AIGERIM[0]]
    assert caption == "\n".join([
        f"🏆 The results of «{TITLE_EN}» are published.",
        "Congratulations! Your entry E-001 «Steppe wind» won 1st place (shared).",
        "Prize: 100,000 tenge certificate",
        "Your diploma is attached.",
    ])
    assert (file_name, pdf[:5]) == ("Diploma.pdf", b"%PDF-")
    assert winners == "\n".join([
        f"🏆 Winners of «{TITLE_EN}»",
        "",
        "Kazakhstan",
        # Named by first name and initial: the contest's default.
        "1st place (shared): E-001 «Steppe wind» — Aigerim S., "
        "Karaganda Regional Youth Library",
        "1st place (shared): E-003 «Home» — Dana B., Temirtau City Library",
        "",
        "Ukraine",
        "1st place: E-002 «Дніпро» — Олена К., Kyiv Youth Library",
    ])
    caption, file_name, pdf, winners = outcomes[OLENA[0]]
    assert caption == "\n".join([
        "🏆 " + ru.gettext("The results of «{contest}» are published.").format(contest=TITLE_RU),
        ru.gettext("Congratulations! Your entry {code} «{title}» won {place}.").format(
            code="E-002", title="Дніпро", place=ru.gettext("1st place")),
        ru.gettext("Prize: {prize}").format(prize="100,000 tenge certificate"),
        ru.gettext("Your diploma is attached."),
    ])
    assert (file_name, pdf[:5]) == (ru.gettext("Diploma") + ".pdf", b"%PDF-")
    assert winners.split("\n")[0] == "🏆 " + ru.gettext("Winners of «{contest}»").format(
        contest=TITLE_RU)
    caption, file_name, pdf, _winners = outcomes[ASEL[0]]
    kk = catalogs.translator("kk")
    assert caption.split("\n")[1] == kk.gettext(
        "Thank you for taking part with your entry {code} «{title}»!").format(
        code="E-004", title="Ауыл")
    assert (file_name, pdf[:5]) == (kk.gettext("Letter of thanks") + ".pdf", b"%PDF-")
    assert outcomes[DANA[0]][0].split("\n")[1] == en.gettext(
        "Congratulations! Your entry {code} «{title}» won {place}.").format(
        code="E-003", title="Home", place="1st place (shared)")


async def outcome_of(user: FakeUser) -> tuple[str, str, bytes, str]:
    """(caption, file name, PDF bytes, winners list) a participant received on Publish."""
    messages = [await user.next_message(timeout=10), await user.next_message(timeout=10)]
    document = next(m for m in messages if "document" in m)
    text = next(m for m in messages if "document" not in m)
    content = user._api.file_bytes(document["document"]["file_id"])
    return document["caption"], document["document"]["file_name"], content, text["text"]


async def test_publish_before_freezing_is_refused(organizer, database):
    made = small_contest(database)
    await open_preview(organizer)

    query = await organizer.press_data(organizer.last_message["message_id"],
                                       f"rs:pby:{made.contest.id}:p")

    assert await alert_after(organizer, query) == "Freeze the results before publishing them."
    with database.uow() as uow:
        assert uow.contests.get(made.contest.id).published_at is None


async def test_publish_only_to_me_sends_the_winners_list_to_the_organizer(
    organizer, participants, database, clock
):
    made = small_contest(database)
    clock.set(CLOSES_AT + timedelta(minutes=1))
    with database.uow() as uow:
        results.freeze(uow, made.contest.id, clock.now())
        uow.commit()
    await open_preview(organizer)
    await organizer.press("Publish")
    await organizer.next_message()
    await organizer.press("Only me")
    await organizer.next_message()

    await organizer.press("Yes, publish")

    assert text_of(await organizer.next_message()) == (
        f"The results of «{TITLE_EN}» are published: 5 messages are on their way.")
    winners = await organizer.next_message(timeout=10)
    assert text_of(winners).split("\n")[0] == f"🏆 Winners of «{TITLE_EN}»"
    with database.uow() as uow:
        lists = uow.session.exec(select(Notification.user_id).where(
            Notification.kind == NotificationKind.WINNERS_LIST)).all()
    assert lists == [ORGANIZER_ID]


async def test_readers_and_jurors_are_refused(bot_app, fake_api, database):
    reader = await onboard(fake_api, AIGERIM[0], "en")
    juror = await onboard(fake_api, JUROR_A, "en")
    made = small_contest(database)

    await reader.send("/results")
    assert text_of(await reader.next_message()) == ONLY_ORGANIZERS
    await juror.send("/results")
    assert text_of(await juror.next_message()) == ONLY_ORGANIZERS
    await juror.send("/help")
    help_id = (await juror.next_message())["message_id"]
    for data in (f"ct:results:{made.contest.id}", f"rs:fz:{made.contest.id}",
                 f"rs:fzy:{made.contest.id}", f"rs:pby:{made.contest.id}:p",
                 f"rs:csv:{made.contest.id}", f"rs:zip:{made.contest.id}"):
        query = await juror.press_data(help_id, data)
        assert await alert_after(juror, query) == ONLY_ORGANIZERS

    query = await reader.press_data(reader.last_message["message_id"],
                                    f"rs:pa:{made.contest.id}:p")
    assert await alert_after(reader, query) == ONLY_ORGANIZERS

    await juror.handled()
    assert juror.drain() == []
    assert frozen_at(database, made.contest.id) is None


async def test_cancelling_the_freeze_question_changes_nothing(organizer, database, clock):
    made = small_contest(database)
    clock.set(CLOSES_AT + timedelta(minutes=1))
    await open_preview(organizer)
    await organizer.press("Freeze")
    question = await organizer.next_message()

    await organizer.press("Cancel")

    edited = await organizer.next_message()
    assert (edited["message_id"], text_of(edited), buttons_of(edited)) == (
        question["message_id"], "Nothing changed.", [])
    assert frozen_at(database, made.contest.id) is None


async def test_forged_data_for_a_missing_contest_is_refused(organizer, database):
    await organizer.send("/help")
    message_id = (await organizer.next_message())["message_id"]

    query = await organizer.press_data(message_id, "rs:fzy:999")

    assert await alert_after(organizer, query) == (
        "This button is out of date: the contest no longer exists or has changed.")


async def test_exports_arrive_as_documents(organizer, database, fake_api):
    photo = fake_api.files.add(TINY_PNG, "photo")
    essay = fake_api.files.add(PDF_WORK, "document", file_name="Olena Koval essay.pdf",
                               mime_type="application/pdf")
    made = small_contest(database, files={
        "E-002": {"content": "document", "text": None, "file_id": essay.file_id,
                  "file_name": "Olena Koval essay.pdf", "mime_type": "application/pdf"},
        "E-003": {"content": "photo", "text": None, "file_id": photo.file_id},
    })
    await open_preview(organizer)

    await organizer.press("CSV")
    csv_message = await organizer.next_message()
    await organizer.press("XLSX")
    xlsx_message = await organizer.next_message()
    await organizer.press("ZIP of entries")
    zip_message = await organizer.next_message()

    names = [m["document"]["file_name"] for m in (csv_message, xlsx_message, zip_message)]
    key = f"contest-{made.contest.id}"
    assert names == [f"results-{key}.csv", f"results-{key}.xlsx", f"entries-{key}.zip"]
    table = list(csv.reader(io.StringIO(
        fake_api.file_bytes(csv_message["document"]["file_id"]).decode("utf-8-sig"))))
    assert table[1] == ["1", "Kazakhstan", "1", "yes", "E-001", "Steppe wind",
                        "Aigerim Serikova", "Karaganda Regional Youth Library", "8.7", "8.0",
                        "8.35", "", "0.35", "2", "", "yes"]
    book = load_workbook(io.BytesIO(fake_api.file_bytes(xlsx_message["document"]["file_id"])))
    assert book.active.max_row == 5
    archive = zipfile.ZipFile(io.BytesIO(fake_api.file_bytes(zip_message["document"]["file_id"])))
    assert sorted(archive.namelist()) == [
        "E-001.txt", "E-002.pdf", "E-003.jpg", "E-004.txt", "index.csv"]
    assert archive.read("E-003.jpg") == TINY_PNG
    essay = archive.read("E-002.pdf")
    assert pdf_traces(essay) == [] and traces(PDF_WORK)
    assert WORK_TEXT in PdfReader(io.BytesIO(essay)).pages[0].extract_text()


async def test_results_button_on_the_contest_card_opens_the_preview(organizer, database):
    made = small_contest(database)
    await organizer.send(f"/start contest_{made.contest.id}")
    await organizer.next_message()

    await organizer.press("Results")

    preview = await organizer.next_message()
    assert text_of(preview).split("\n")[0] == f"Results of «{TITLE_EN}»: preview (not final)"


async def test_preview_and_exports_note_the_scores_of_a_removed_juror(
    organizer, database, fake_api
):
    small_contest(database)
    with database.uow() as uow:
        [contest_id] = {juror.contest_id for juror in uow.session.exec(select(Juror)).all()}
        uow.jury.juror(contest_id, JUROR_A).removed_at = CLOSES_AT
        uow.commit()

    texts = await open_preview(organizer)
    await organizer.press("CSV")
    csv_message = await organizer.next_message()
    await organizer.press("XLSX")
    xlsx_message = await organizer.next_message()

    note = "Scores of 1 removed juror are not counted."
    assert texts[0].split("\n")[1:3] == [
        "4 entries · 1 juror · 1 declared conflict of interest", note]
    table = list(csv.reader(io.StringIO(
        fake_api.file_bytes(csv_message["document"]["file_id"]).decode("utf-8-sig"))))
    assert table[-2:] == [[], [note]]
    sheet = load_workbook(io.BytesIO(fake_api.file_bytes(
        xlsx_message["document"]["file_id"]))).active
    assert (sheet.max_row, sheet.cell(row=sheet.max_row, column=1).value) == (7, note)
