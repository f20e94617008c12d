"""Fake Telegram Bot API server plus simulated users, for e2e tests and the offline sandbox."""

from bot.fakeapi.faults import RecordedRequest
from bot.fakeapi.groups import FakeGroup
from bot.fakeapi.server import FakeBotApi
from bot.fakeapi.users import (
    CallbackAnswer,
    ChatEvent,
    FakeUser,
    button_data,
    buttons_of,
    text_of,
)

__all__ = [
    "CallbackAnswer",
    "ChatEvent",
    "FakeBotApi",
    "FakeGroup",
    "FakeUser",
    "RecordedRequest",
    "button_data",
    "buttons_of",
    "text_of",
]
