"""How a broadcast's status reads while it runs: figures, rate, time left, buttons."""

from __future__ import annotations

from datetime import timedelta
from zoneinfo import ZoneInfo

from bot.services.broadcasts import BroadcastFigures
from handlers.broadcast_screens import status_markup, status_text
from storage.broadcast_models import Broadcast, BroadcastStatus
from tests.factories import NOW

ALMATY = ZoneInfo("Asia/Almaty")
FIGURES = BroadcastFigures(sent=4000, pending=5890, blocked=98, failed=2, uncertain=10,
                           cancelled=0, total=10000, rate_per_s=29.43, eta_seconds=200.1)


def broadcast(status: BroadcastStatus, **fields) -> Broadcast:
    return Broadcast(id=3, created_by=7001, status=status, texts={"en": "Hi"},
                     default_language="en", started_at=NOW, created_at=NOW, updated_at=NOW,
                     **fields)


def markup_texts(markup) -> list[list[tuple[str, str]]]:  # noqa: ANN001
    return [[(button.text, button.callback_data) for button in row]
            for row in markup.inline_keyboard]


def test_running_broadcast_shows_its_rate_and_time_left_with_pause_and_cancel(catalogs):
    t = catalogs.translator("en")
    running = broadcast(BroadcastStatus.RUNNING)

    text = status_text(t, running, FIGURES, "everyone", ALMATY)

    assert text == (
        "📣 Announcement #3: sending\nAudience: everyone\nSent: 4,000 of 10,000\n"
        "Waiting: 5,890\nBlocked the bot: 98\nFailed: 2\nNot confirmed (timed out): 10\n"
        "Rate: 29.4 per second\nTime left: about 3 minutes")
    assert markup_texts(status_markup(t, running)) == [
        [("Pause", "bs:pause:3"), ("Cancel", "bs:cancel:3")]]


def test_paused_broadcast_shows_no_rate_and_offers_resume(catalogs):
    t = catalogs.translator("en")
    paused = broadcast(BroadcastStatus.PAUSED)

    text = status_text(t, paused, FIGURES, "everyone", ALMATY)

    assert text.split("\n")[0] == "📣 Announcement #3: paused"
    assert not [line for line in text.split("\n") if line.startswith(("Rate", "Time left"))]
    assert markup_texts(status_markup(t, paused)) == [
        [("Resume", "bs:resume:3"), ("Cancel", "bs:cancel:3")]]


def test_finished_broadcast_says_how_long_it_took_and_has_no_buttons(catalogs):
    t = catalogs.translator("en")
    done = broadcast(BroadcastStatus.DONE, finished_at=NOW + timedelta(seconds=339))
    figures = BroadcastFigures(sent=9890, pending=0, blocked=100, failed=0, uncertain=10,
                               cancelled=0, total=10000, rate_per_s=None, eta_seconds=0.0)

    text = status_text(t, done, figures, "everyone", ALMATY)

    assert text == (
        "📣 Announcement #3: finished\nAudience: everyone\nSent: 9,890 of 10,000\nWaiting: 0\n"
        "Blocked the bot: 100\nFailed: 0\nNot confirmed (timed out): 10\nTook: 6 minutes")
    assert status_markup(t, done) is None
