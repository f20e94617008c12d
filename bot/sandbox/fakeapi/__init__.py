"""Fake Telegram Bot API server plus simulated users, for e2e tests and the offline sandbox."""

from bot.sandbox.fakeapi.faults import RecordedRequest
from bot.sandbox.fakeapi.groups import FakeGroup
from bot.sandbox.fakeapi.server import FakeBotApi
from bot.sandbox.fakeapi.users import (
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
