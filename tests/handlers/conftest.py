"""Handler tests: a flow's messages come without Telegram's pacing (1/s into one chat,
30/s in all: each reply would wait a thirtieth of a second after the one before).

The pacing itself is the delivery engine's (tests/bot/delivery/test_replies.py checks it
through the Application); here tests wait for replies, not for seconds to pass.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, chat_interval_seconds=0.0, send_rate=1000.0)
