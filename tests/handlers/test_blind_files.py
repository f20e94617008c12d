"""Works reach the jury without their author's name, end to end through the fake Bot API: a
reader sends a DOCX with their name in its properties and comments, a juror gets it clean;
a file that is not what its name says is refused and nothing is stored."""

from __future__ import annotations

import io
import zipfile

import pytest

from bot.sandbox.fakeapi.users import text_of
from bot.services import entry_refusals
from bot.services.entry_refusals import EntryRefused
from tests.conftest import onboard
from tests.contest_factories import make_contest, make_reader
from tests.handlers.test_entries import (
    ESSAY_QUESTION,
    SUBMITTED,
    reader_in,
    reprompt,
    rows,
    start_entry,
    submit,
)
from tests.handlers.test_jury import JUROR, texts
from tests.services.test_jury import join
from tests.work_file_factories import NAME, WORK_TEXT, docx_with_name, members, traces

DOCX_MIME = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
AUTHOR = 8201


@pytest.mark.http
async def test_a_docx_reaches_the_juror_without_its_authors_name(
    bot_app_http, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    contest = make_contest(database)
    author = await reader_in(fake_api, database, AUTHOR, full_name=NAME)
    original = docx_with_name()
    assert traces(original) or any(traces(part) for part in members(original).values())

    await start_entry(author, contest.id, "Letters")
    await author.send_document(original, f"{NAME}.docx", DOCX_MIME)
    await author.next_message()  # the summary
    done = await submit(author, t)
    assert text_of(done).startswith(t.gettext(SUBMITTED).format(code="E-001"))

    juror = await onboard(fake_api, JUROR, "en")
    make_reader(database, JUROR, full_name="Dana Omarova")
    join(database, contest.id, JUROR)
    await juror.send("/jury")
    await texts(juror, 1)
    document = await juror.next_message()

    assert document["document"]["file_name"] == "E-001.docx"
    received = fake_api.file_bytes(document["document"]["file_id"])
    parts = members(received)
    assert traces(received) == []
    assert {name: traces(part) for name, part in parts.items() if traces(part)} == {}
    assert WORK_TEXT.encode() in parts["word/document.xml"]


async def test_a_docx_that_is_not_a_zip_is_refused_and_nothing_is_stored(
    bot_app, fake_api, database, catalogs
):
    t = catalogs.translator("en")
    contest = make_contest(database)
    author = await reader_in(fake_api, database, AUTHOR)
    await start_entry(author, contest.id, "Letters")

    await author.send_document(b"MZ\x90\x00 this is a program", "essay.docx", DOCX_MIME)
    refused = await author.next_message()

    assert text_of(refused) == reprompt(
        t, EntryRefused(entry_refusals.NOT_WHAT_IT_SAYS, format="DOCX"), ESSAY_QUESTION)
    assert "DOCX" in text_of(refused)
    assert rows(database, contest.id) == []
    # The way forward: another file is taken.
    good = io.BytesIO()
    with zipfile.ZipFile(good, "w") as package:
        package.writestr("word/document.xml", b"<w:document/>")
    await author.send_document(good.getvalue(), "essay.docx", DOCX_MIME)
    summary = await author.next_message()
    assert text_of(summary).startswith(t.gettext("Please check your entry:"))
