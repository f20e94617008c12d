"""Checks an organizer's broadcast text the way Telegram will read it (parse mode HTML).

The text is stored and sent as HTML. Formatting applied in the Telegram app arrives as
entities and is turned into HTML by the handler; a typed text becomes HTML here
(`typed_html`): tags when the organizer plainly wrote HTML, otherwise the text as typed.

A broadcast that Telegram refuses would fail for every recipient, so the composer
refuses it first: tags Telegram does not know, tags left open or closed out of
order, and texts too long once the tags are taken out (Telegram counts the text
after parsing: 4096 characters for a message, 1024 for a photo or document caption).
"""

from __future__ import annotations

import html
import re

from bot.core.i18n import N_, Nn_
from bot.services.event_fields import FieldError

TEXT_LIMIT = 4096
CAPTION_LIMIT = 1024
# Telegram's HTML: https://core.telegram.org/bots/api#html-style
TAGS = frozenset({
    "b", "strong", "i", "em", "u", "ins", "s", "strike", "del", "span", "tg-spoiler", "a",
    "code", "pre", "blockquote", "tg-emoji",
})
_NAME = re.compile(r"[a-z][a-z0-9-]*")
_ENTITY = re.compile(r"&(#\d+|#x[0-9A-Fa-f]+|lt|gt|amp|quot);")
# What Telegram would read as a tag: "<", a name, attributes, ">". Any other "<" ("1 < 2",
# "ages <15-19>") is a character of the text.
_TAG_LIKE = re.compile(r"<(/?)([A-Za-z][A-Za-z0-9-]*)(?:\s[^<>]*)?>")
_ATTRIBUTE = re.compile(r"""([A-Za-z][\w-]*)\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+))""")

ALLOWED = '<b>, <i>, <u>, <s>, <tg-spoiler>, <a href="https://...">, <code>, <pre>, <blockquote>'
UNSUPPORTED_TAG = N_(
    "Telegram cannot show the tag <{tag}>. Allowed tags: {allowed}. You can also format "
    "the text in Telegram itself (bold, italic, links) instead of typing tags."
)
LONE_BRACKET = N_("In HTML the character < starts a tag: to show it as it is, write &lt;.")
UNCLOSED_TAG = N_("The tag <{tag}> is not closed: add </{tag}> where it should end.")
UNEXPECTED_END = N_("The closing tag </{tag}> does not match an open tag.")
LINK_WITHOUT_ADDRESS = N_('A link needs its address: <a href="https://...">text</a>.')
EMPTY_TEXT = N_("The message has no text. Send the text of the announcement.")
TOO_LONG = Nn_(
    "The text is {length} character long without the tags; Telegram allows at most {limit}. "
    "Shorten it and send it again.",
    "The text is {length} characters long without the tags; Telegram allows at most {limit}. "
    "Shorten it and send it again.",
    count="length",
)
CAPTION_TOO_LONG = Nn_(
    "The caption is {length} character long without the tags; a photo or document caption "
    "may have at most {limit}. Shorten it and send it again.",
    "The caption is {length} characters long without the tags; a photo or document caption "
    "may have at most {limit}. Shorten it and send it again.",
    count="length",
)


def typed_html(typed: str) -> str:
    """The HTML for a text typed without Telegram's formatting.

    A text is HTML when it shows it is meant as such: a tag Telegram knows, any closing
    tag, or an escape such as &lt;. Its "<" that start no tag are escaped, so "1 < 2"
    needs no &lt;; its tags are checked later, and a wrong one is explained. Any other
    text is escaped whole, so "a < b & c" or "<readers>" reaches readers as typed."""
    tags = list(_TAG_LIKE.finditer(typed))
    meant = _ENTITY.search(typed) is not None or any(
        tag.group(1) or tag.group(2).lower() in TAGS for tag in tags)
    if not meant:
        return html.escape(typed, quote=False)
    starts = {tag.start() for tag in tags}
    return "".join("&lt;" if char == "<" and index not in starts else char
                   for index, char in enumerate(typed))


def plain_text(source: str) -> str:
    """`source` as Telegram will show it: tags removed, entities decoded, trimmed.
    Raises FieldError for HTML that Telegram would refuse."""
    parts: list[str] = []
    open_tags: list[str] = []
    index = 0
    while index < len(source):
        start = source.find("<", index)
        if start == -1:
            parts.append(source[index:])
            break
        parts.append(source[index:start])
        end = source.find(">", start)
        if end == -1:
            # Telegram reads every "<" as the start of a tag.
            raise FieldError(LONE_BRACKET)
        body = source[start + 1 : end].strip()
        index = end + 1
        if body.startswith("/"):
            name = body[1:].strip().lower()
            if not open_tags or open_tags[-1] != name:
                raise FieldError(UNEXPECTED_END, tag=name)
            open_tags.pop()
            continue
        name, _, rest = body.partition(" ")
        _check_start_tag(name.lower(), rest)
        open_tags.append(name.lower())
    if open_tags:
        raise FieldError(UNCLOSED_TAG, tag=open_tags[-1])
    text = _ENTITY.sub(lambda entity: html.unescape(entity.group()), "".join(parts))
    return text.strip()


def _check_start_tag(name: str, rest: str) -> None:
    if not _NAME.fullmatch(name):
        raise FieldError(LONE_BRACKET)
    if name not in TAGS:
        raise FieldError(UNSUPPORTED_TAG, tag=name, allowed=ALLOWED)
    attributes = {m.group(1).lower(): m.group(2) or m.group(3) or m.group(4) or ""
                  for m in _ATTRIBUTE.finditer(rest)}
    if name == "span" and attributes.get("class") != "tg-spoiler":
        raise FieldError(UNSUPPORTED_TAG, tag="span", allowed=ALLOWED)
    if name == "a" and not attributes.get("href"):
        raise FieldError(LINK_WITHOUT_ADDRESS)


def check_message(source: str, *, caption: bool) -> str:
    """The organizer's HTML, checked; returns it with surrounding blanks trimmed.

    A caption may be empty (a photo alone); a message may not."""
    text = plain_text(source)
    if not text and not caption:
        raise FieldError(EMPTY_TEXT)
    limit = CAPTION_LIMIT if caption else TEXT_LIMIT
    if len(text) > limit:
        raise FieldError(CAPTION_TOO_LONG if caption else TOO_LONG, length=len(text), limit=limit)
    return source.strip()
