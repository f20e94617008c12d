"""What a reader gets from a broadcast row, and how the engine's progress finishes it."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from telegram import Bot, InlineKeyboardButton, InlineKeyboardMarkup

from bot.core.clock import ManualClock
from bot.core.context import AppContext
from bot.delivery.answers import report_progress
from bot.messages.broadcasts import compose, outgoing_for
from bot.messages.outgoing import Outgoing
from bot.sandbox.fakeapi.shapes import TINY_PNG
from bot.sandbox.fakeapi.users import text_of
from bot.services import broadcasts
from bot.services.broadcasts import Audience, AudienceKind, BroadcastDraft
from bot.services.outbox import Claim
from storage.broadcast_models import Broadcast, BroadcastStatus, MediaKind
from storage.models import Notification, NotificationStatus, User
from tests.factories import NOW

TEXTS = {"ru": "<b>Видеомост</b> в пятницу", "en": "<b>Video-bridge</b> on Friday"}
EVENT_LINK = "https://t.me/kopir_bot?start=event_3"


def broadcast(**fields) -> Broadcast:
    values = {"created_by": 7001, "texts": TEXTS, "default_language": "ru",
              "audience": {"kind": "everyone"}, "created_at": NOW, "updated_at": NOW}
    values.update(fields)
    return Broadcast(**values)


def claim_for(row_broadcast: Broadcast, language: str | None) -> Claim:
    row = Notification(dedupe_key="broadcast:1:501", kind="broadcast", user_id=501,
                       broadcast_id=1, due_at=NOW, next_attempt_at=NOW, created_at=NOW)
    user = User(id=501, first_name="Aru", language=language, created_at=NOW)
    return Claim(row, user, None, broadcast=row_broadcast)


@pytest.fixture
def app_ctx(settings, database, catalogs, clock) -> AppContext:  # noqa: ANN001
    return AppContext(settings=settings, database=database, catalogs=catalogs, clock=clock)


@pytest.fixture
async def bot(fake_api) -> AsyncIterator[Bot]:  # noqa: ANN001
    async with Bot(fake_api.token, base_url=fake_api.base_url,
                   base_file_url=fake_api.base_file_url) as bot:
        yield bot


def test_compose_gives_the_reader_their_language_version(app_ctx):
    outgoing = compose(app_ctx.translator("en"), app_ctx, claim_for(broadcast(), "en"))

    assert outgoing == Outgoing("<b>Video-bridge</b> on Friday", parse_mode="HTML")


def test_compose_gives_the_default_version_to_other_languages(app_ctx):
    outgoing = compose(app_ctx.translator("kk"), app_ctx, claim_for(broadcast(), "kk"))

    assert outgoing == Outgoing("<b>Видеомост</b> в пятницу", parse_mode="HTML")


def test_photo_and_document_go_by_file_id_with_the_text_as_caption(app_ctx):
    t = app_ctx.translator("en")
    photo = broadcast(media_kind=MediaKind.PHOTO, media_file_id="AgAC-photo")
    document = broadcast(media_kind=MediaKind.DOCUMENT, media_file_id="BQAC-doc",
                         media_file_name="programme.pdf")

    assert outgoing_for(photo, "en", t) == Outgoing(
        "<b>Video-bridge</b> on Friday", photo_file_id="AgAC-photo", parse_mode="HTML")
    assert outgoing_for(document, "en", t) == Outgoing(
        "<b>Video-bridge</b> on Friday", document_file_id="BQAC-doc", parse_mode="HTML")


def test_button_opens_the_card_by_deep_link_labelled_in_the_readers_language(app_ctx):
    linked = broadcast(button={"kind": "event", "id": 3, "url": EVENT_LINK})

    russian = outgoing_for(linked, "ru", app_ctx.translator("ru")).markup
    english = outgoing_for(linked, "en", app_ctx.translator("en")).markup

    assert russian == InlineKeyboardMarkup([[InlineKeyboardButton("Открыть мероприятие",
                                                                  url=EVENT_LINK)]])
    assert english == InlineKeyboardMarkup([[InlineKeyboardButton("Open the event",
                                                                  url=EVENT_LINK)]])


def test_button_without_a_link_opens_the_card_in_place(app_ctx):
    linked = broadcast(button={"kind": "contest", "id": 2})

    markup = outgoing_for(linked, "uk", app_ctx.translator("uk")).markup

    assert markup == InlineKeyboardMarkup([[InlineKeyboardButton("Відкрити конкурс",
                                                                 callback_data="ct:card:2")]])


async def test_rendered_broadcast_is_accepted_by_the_bot_api_as_formatted_text(fake_api, bot,
                                                                               app_ctx):
    reader = fake_api.user(501)
    await reader.send("/start")
    linked = broadcast(button={"kind": "event", "id": 3, "url": EVENT_LINK})

    await outgoing_for(linked, "en", app_ctx.translator("en")).send(bot, 501)

    message = reader.last_message
    assert (message["text"], message["entities"]) == (
        "Video-bridge on Friday", [{"type": "bold", "offset": 0, "length": 12}])
    assert message["reply_markup"] == {
        "inline_keyboard": [[{"text": "Open the event", "url": EVENT_LINK}]]}


async def test_rendered_photo_broadcast_arrives_as_the_same_photo_with_caption(fake_api, bot,
                                                                               app_ctx):
    reader = fake_api.user(501)
    await reader.send("/start")
    uploaded = await reader.send_photo(TINY_PNG)
    photo_id = uploaded["photo"][-1]["file_id"]

    await outgoing_for(broadcast(media_kind=MediaKind.PHOTO, media_file_id=photo_id), "ru",
                       app_ctx.translator("ru")).send(bot, 501)

    message = reader.last_message
    assert (message["photo"][-1]["file_id"], text_of(message), message["caption_entities"]) == (
        photo_id, "Видеомост в пятницу", [{"type": "bold", "offset": 0, "length": 9}])


def test_report_progress_finishes_a_broadcast_with_nothing_left(app_ctx, database):
    clock: ManualClock = app_ctx.clock
    with database.uow() as uow:
        uow.users.add(User(id=501, first_name="Aru", language="en", created_at=NOW))
        draft = BroadcastDraft(texts=TEXTS, default_language="ru",
                               audience=Audience(AudienceKind.EVERYONE))
        started = broadcasts.create(uow, draft, 7001, NOW)
        uow.commit()
    report_progress(app_ctx, {started.id})
    with database.uow() as uow:
        unfinished = uow.broadcasts.get(started.id).status
    with database.uow() as uow:
        uow.notifications.by_key(f"broadcast:{started.id}:501").status = NotificationStatus.SENT
        uow.commit()
    clock.advance(timedelta(seconds=7))

    report_progress(app_ctx, {started.id})

    with database.uow() as uow:
        done = uow.broadcasts.get(started.id)
    assert (unfinished, done.status, done.finished_at) == (
        BroadcastStatus.RUNNING, BroadcastStatus.DONE, NOW + timedelta(seconds=7))

