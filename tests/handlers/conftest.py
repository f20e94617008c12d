"""Handler tests: a flow's messages into one chat come without Telegram's 1/s pacing.

The pacing itself is the delivery engine's (tests/bot/delivery/test_replies.py checks it
through the Application); here tests wait for replies, not for seconds to pass.
"""

from __future__ import annotations

from dataclasses import replace

import pytest

from bot.core.settings import Settings


@pytest.fixture
def settings(settings: Settings) -> Settings:
    return replace(settings, chat_interval_seconds=0.0)
