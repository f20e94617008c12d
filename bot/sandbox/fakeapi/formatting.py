"""Turn ``parse_mode`` text into plain text + entities, as the Bot API does.

Being strict here is the point: a real Telegram answers ``400 can't parse entities`` for an
unsupported HTML tag or an unescaped MarkdownV2 character, and we want the tests to catch
those bugs before production does. Error texts follow Telegram's wording.
"""

from __future__ import annotations

import functools
import html
import re
from dataclasses import dataclass, field

from bot.sandbox.fakeapi.shapes import ApiError, JSONDict, utf16_len

_HTML_TAGS = {
    "b": "bold",
    "strong": "bold",
    "i": "italic",
    "em": "italic",
    "u": "underline",
    "ins": "underline",
    "s": "strikethrough",
    "strike": "strikethrough",
    "del": "strikethrough",
    "tg-spoiler": "spoiler",
    "span": "spoiler",
    "a": "text_link",
    "code": "code",
    "pre": "pre",
    "blockquote": "blockquote",
    "tg-emoji": "custom_emoji",
}
_ATTR_RE = re.compile(r"""([A-Za-z][\w-]*)(?:\s*=\s*(?:"([^"]*)"|'([^']*)'|([^\s"'>]+)))?""")
_HTML_ENTITY_RE = re.compile(r"&(#\d+|#x[0-9A-Fa-f]+|lt|gt|amp|quot);")

_MARKDOWN_V2_RESERVED = set("_*[]()~`>#+-=|{}.!")
_MARKDOWN_V2_NAMES = {
    "*": "Bold",
    "_": "Italic",
    "__": "Underline",
    "~": "Strikethrough",
    "||": "Spoiler",
    "`": "Code",
    "```": "Pre",
    "[": "TextUrl",
}
_MARKDOWN_V2_TYPES = {
    "*": "bold",
    "_": "italic",
    "__": "underline",
    "~": "strikethrough",
    "||": "spoiler",
}


def render(text: str, parse_mode: str | None) -> tuple[str, list[JSONDict]]:
    """Plain text and entities for ``text`` sent with ``parse_mode`` (None = as is)."""
    plain, entities = _render(text, parse_mode)
    # Copies: a broadcast sends one text to thousands, parsed once; each message owns its
    # entities.
    return plain, [dict(entity) for entity in entities]


@functools.lru_cache(maxsize=256)
def _render(text: str, parse_mode: str | None) -> tuple[str, list[JSONDict]]:
    mode = (parse_mode or "").lower()
    if mode == "html":
        plain, entities = _HtmlParser(text).parse()
    elif mode == "markdownv2":
        plain, entities = _MarkdownParser(text, v2=True).parse()
    elif mode == "markdown":
        plain, entities = _MarkdownParser(text, v2=False).parse()
    elif mode:
        raise ApiError.bad_request(f"unsupported parse_mode {parse_mode!r}")
    else:
        plain, entities = text, []
    return _strip(plain, entities)


def _strip(text: str, entities: list[JSONDict]) -> tuple[str, list[JSONDict]]:
    """Telegram trims surrounding whitespace and clips entities to what remains."""
    stripped = text.strip()
    shift = utf16_len(text[: len(text) - len(text.lstrip())])
    total = utf16_len(stripped)
    kept = []
    for entity in entities:
        start = max(0, entity["offset"] - shift)
        end = min(total, entity["offset"] + entity["length"] - shift)
        if end > start:
            kept.append({**entity, "offset": start, "length": end - start})
    kept.sort(key=lambda e: (e["offset"], -e["length"]))
    return stripped, kept


def _parse_error(reason: str) -> ApiError:
    return ApiError.bad_request(f"can't parse entities: {reason}")


def _byte_offset(source: str, index: int) -> int:
    return len(source[:index].encode("utf-8"))


@dataclass
class _Open:
    marker: str
    start16: int
    source_index: int
    extra: JSONDict = field(default_factory=dict)


class _Builder:
    """Accumulates plain text while tracking the UTF-16 position for entity offsets."""

    def __init__(self) -> None:
        self.parts: list[str] = []
        self.pos16 = 0
        self.entities: list[JSONDict] = []

    def add(self, chunk: str) -> None:
        self.parts.append(chunk)
        self.pos16 += utf16_len(chunk)

    def entity(self, kind: str, start16: int, **extra: object) -> None:
        if self.pos16 > start16:
            self.entities.append(
                {"type": kind, "offset": start16, "length": self.pos16 - start16, **extra}
            )

    def result(self) -> tuple[str, list[JSONDict]]:
        return "".join(self.parts), self.entities


class _HtmlParser:
    def __init__(self, source: str) -> None:
        self.source = source
        self.out = _Builder()
        self.stack: list[_Open] = []

    def parse(self) -> tuple[str, list[JSONDict]]:
        src, index = self.source, 0
        while index < len(src):
            char = src[index]
            if char == "<":
                end = src.find(">", index)
                if end == -1:
                    raise _parse_error(
                        f"Unclosed start tag at byte offset {_byte_offset(src, index)}"
                    )
                self._tag(src[index + 1 : end].strip(), index)
                index = end + 1
            elif char == "&":
                match = _HTML_ENTITY_RE.match(src, index)
                self.out.add(html.unescape(match.group()) if match else "&")
                index = match.end() if match else index + 1
            else:
                self.out.add(char)
                index += 1
        if self.stack:
            raise _parse_error(
                f'Can\'t find end tag corresponding to start tag "{self.stack[-1].marker}"'
            )
        return self.out.result()

    def _tag(self, body: str, index: int) -> None:
        offset = _byte_offset(self.source, index)
        if body.startswith("/"):
            name = body[1:].strip().lower()
            if not self.stack or self.stack[-1].marker != name:
                expected = f"</{self.stack[-1].marker}>" if self.stack else "nothing"
                raise _parse_error(
                    f'Unmatched end tag at byte offset {offset}, expected "{expected}", '
                    f'found "</{name}>"'
                )
            self._close(self.stack.pop())
            return
        name, _, attr_text = body.partition(" ")
        name = name.lower()
        attrs = {
            m.group(1).lower(): html.unescape(m.group(2) or m.group(3) or m.group(4) or "")
            for m in _ATTR_RE.finditer(attr_text)
        }
        if name not in _HTML_TAGS or (name == "span" and attrs.get("class") != "tg-spoiler"):
            raise _parse_error(f'Unsupported start tag "{name}" at byte offset {offset}')
        if name == "a" and "href" not in attrs:
            raise _parse_error(f'Unsupported start tag "a" at byte offset {offset}')
        self.stack.append(_Open(name, self.out.pos16, index, attrs))

    def _close(self, tag: _Open) -> None:
        kind = _HTML_TAGS[tag.marker]
        parent = self.stack[-1] if self.stack else None
        if kind == "code" and parent is not None and parent.marker == "pre":
            # <pre><code class="language-x"> is one pre entity with a language, not two.
            language = tag.extra.get("class", "").removeprefix("language-")
            if language:
                parent.extra["language"] = language
            return
        if kind == "text_link":
            self.out.entity(kind, tag.start16, url=tag.extra["href"])
        elif kind == "pre" and "language" in tag.extra:
            self.out.entity(kind, tag.start16, language=tag.extra["language"])
        elif kind == "blockquote" and "expandable" in tag.extra:
            self.out.entity("expandable_blockquote", tag.start16)
        elif kind == "custom_emoji":
            self.out.entity(kind, tag.start16, custom_emoji_id=tag.extra.get("emoji-id", ""))
        else:
            self.out.entity(kind, tag.start16)


class _MarkdownParser:
    """MarkdownV2 (strict escaping) and legacy Markdown (no nesting, few markers)."""

    def __init__(self, source: str, *, v2: bool) -> None:
        self.source = source
        self.v2 = v2
        self.out = _Builder()
        self.stack: list[_Open] = []
        self.quote_start: int | None = None

    def _in_code(self) -> bool:
        return bool(self.stack) and self.stack[-1].marker in ("`", "```")

    def parse(self) -> tuple[str, list[JSONDict]]:
        src, index = self.source, 0
        while index < len(src):
            index = self._step(src, index)
        self._end_quote()
        if self.stack:
            opened = self.stack[-1]
            offset = _byte_offset(src, opened.source_index)
            if self.v2:
                name = _MARKDOWN_V2_NAMES[opened.marker]
                raise _parse_error(f"Can't find end of {name} entity at byte offset {offset}")
            raise _parse_error(f"Can't find end of the entity starting at byte offset {offset}")
        return self.out.result()

    def _step(self, src: str, index: int) -> int:
        char = src[index]
        if char == "\\" and index + 1 < len(src) and (self.v2 or src[index + 1] in "_*`["):
            self.out.add(src[index + 1])
            return index + 2
        if src.startswith("```", index) and (not self._in_code() or self.stack[-1].marker == "```"):
            return self._pre(src, index)
        if char == "`":
            return self._toggle("`", index, 1)
        if self._in_code():
            self.out.add(char)
            return index + 1
        at_line_start = index == 0 or src[index - 1] == "\n"
        if self.v2 and char == ">" and at_line_start:
            # Consecutive "> " lines form one blockquote entity.
            if self.quote_start is None:
                self.quote_start = self.out.pos16
            return index + 1
        if char == "\n" and self.quote_start is not None and not src.startswith(">", index + 1):
            self._end_quote()
        if self.v2 and src.startswith("||", index):
            return self._toggle("||", index, 2)
        if self.v2 and src.startswith("__", index):
            return self._toggle("__", index, 2)
        if char in "*_" or (self.v2 and char == "~"):
            return self._toggle(char, index, 1)
        if char == "[":
            self.stack.append(_Open("[", self.out.pos16, index))
            return index + 1
        if char == "]" and self.stack and self.stack[-1].marker == "[":
            return self._link_end(src, index)
        if self.v2 and char in _MARKDOWN_V2_RESERVED:
            raise _parse_error(
                f"Character '{char}' is reserved and must be escaped with the preceding '\\'"
            )
        self.out.add(char)
        return index + 1

    def _end_quote(self) -> None:
        if self.quote_start is not None:
            self.out.entity("blockquote", self.quote_start)
            self.quote_start = None

    def _toggle(self, marker: str, index: int, width: int) -> int:
        if self.stack and self.stack[-1].marker == marker:
            opened = self.stack.pop()
            kind = "code" if marker == "`" else _MARKDOWN_V2_TYPES[marker]
            self.out.entity(kind, opened.start16)
        elif self.stack and (not self.v2 or any(o.marker == marker for o in self.stack)):
            # Legacy Markdown cannot nest, and V2 entities must close in order.
            opened = self.stack[-1]
            offset = _byte_offset(self.source, opened.source_index)
            raise _parse_error(f"Can't find end of the entity starting at byte offset {offset}")
        else:
            self.stack.append(_Open(marker, self.out.pos16, index))
        return index + width

    def _pre(self, src: str, index: int) -> int:
        if self.stack and self.stack[-1].marker == "```":
            opened = self.stack.pop()
            language = opened.extra.get("language")
            extra = {"language": language} if language else {}
            self.out.entity("pre", opened.start16, **extra)
            return index + 3
        start = index + 3
        newline = src.find("\n", start)
        opened = _Open("```", self.out.pos16, index)
        first_line = src[start:newline] if newline != -1 else ""
        if newline != -1 and first_line and not re.search(r"\s", first_line):
            opened.extra["language"] = first_line
            start = newline + 1
        self.stack.append(opened)
        return start

    def _link_end(self, src: str, index: int) -> int:
        if not src.startswith("(", index + 1):
            if self.v2:
                raise _parse_error(
                    "Character ']' is reserved and must be escaped with the preceding '\\'"
                )
            self.stack.pop()
            self.out.add("]")
            return index + 1
        close = index + 2
        url_chars: list[str] = []
        while close < len(src) and src[close] != ")":
            if src[close] == "\\" and close + 1 < len(src):
                close += 1
            url_chars.append(src[close])
            close += 1
        if close >= len(src):
            opened = self.stack[-1]
            offset = _byte_offset(src, opened.source_index)
            raise _parse_error(f"Can't find end of a URL at byte offset {offset}")
        opened = self.stack.pop()
        self.out.entity("text_link", opened.start16, url="".join(url_chars))
        return close + 1
