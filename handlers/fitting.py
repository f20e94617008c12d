"""Texts that must fit Telegram's limits whatever the organizers wrote.

Telegram refuses a message over 4096 characters and a caption over 1024; a card
that grew past them could no longer be opened. These helpers cut a list short
("…and 12 more") or split a long list into several messages, on whole lines.
Lengths are counted in UTF-16 code units, as Telegram counts entities: never
fewer than the characters, so a text that fits here fits there.
"""

from __future__ import annotations

from collections.abc import Callable

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# Room kept free under the limit, for what a translation or a time format adds.
MARGIN = 96


def length(text: str) -> int:
    """How long Telegram finds `text`: UTF-16 code units (an emoji may count as two)."""
    return len(text.encode("utf-16-le")) // 2


def shorten(text: str, limit: int) -> str:
    """`text` cut to at most `limit` characters, ending with "…" when cut."""
    if length(text) <= limit:
        return text
    return _prefix(text, limit - 1).rstrip() + "…"


def _prefix(text: str, limit: int) -> str:
    """The longest start of `text` at most `limit` long (at least one character)."""
    size = 0
    for index, char in enumerate(text):
        size += length(char)
        if size > limit:
            return text[: max(index, 1)]
    return text


def take_fitting(
    items: list[str], room: int, separator: str, more: Callable[[int], str]
) -> list[str]:
    """The first `items` that fit in `room` joined by `separator`, and, when some are left
    out, `more(number left out)` as the last item (its room is kept for it)."""
    if length(separator.join(items)) <= room:
        return list(items)
    for kept in range(len(items) - 1, -1, -1):
        shown = [*items[:kept], more(len(items) - kept)]
        if length(separator.join(shown)) <= room:
            return shown
    return [more(len(items))]


def split_lines(text: str, limit: int = TEXT_LIMIT - MARGIN) -> list[str]:
    """`text` in messages of at most `limit` characters, cut between lines (a single line
    longer than that is cut inside)."""
    chunks: list[str] = []
    current = ""
    for line in text.split("\n"):
        while length(line) > limit:
            if current:
                chunks.append(current)
                current = ""
            head = _prefix(line, limit)
            chunks.append(head)
            line = line[len(head):]
        if current and length(current) + 1 + length(line) > limit:
            chunks.append(current)
            current = line
        else:
            current = f"{current}\n{line}" if current else line
    if current or not chunks:
        chunks.append(current)
    return chunks
