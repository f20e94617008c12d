"""What python-telegram-bot's persistence keeps between restarts (see `bot.runtime.persistence`):
readers' `user_data` (drafts of half-filled forms, the flow typed text goes to), `chat_data`,
and the state of each persistent conversation."""

from __future__ import annotations

from datetime import datetime
from enum import StrEnum

from sqlalchemy import Column, LargeBinary
from sqlmodel import Field, SQLModel

from storage.types import UTCDateTime


class StateKind(StrEnum):
    USER = "user"
    CHAT = "chat"
    CONVERSATION = "conversation"


class PersistedState(SQLModel, table=True):
    """One row per user, chat, or (conversation, key).

    - kind: a `StateKind`;
    - name: the conversation's name; "" for users and chats;
    - key: the user or chat id as text, or the conversation key (a tuple of chat and
      user ids) as a JSON list, e.g. "[42, 42]";
    - data: pickled value (the user's or chat's dict, or the conversation state).
    """

    __tablename__ = "persisted_state"

    kind: str = Field(primary_key=True, max_length=16)
    name: str = Field(default="", primary_key=True, max_length=64)
    key: str = Field(primary_key=True, max_length=64)
    data: bytes = Field(sa_column=Column(LargeBinary, nullable=False))
    updated_at: datetime = Field(sa_column=Column(UTCDateTime(), nullable=False))
