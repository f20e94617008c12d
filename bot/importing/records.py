"""Reading one record of `kopir import` (an event or a contest) from its YAML node.

Both readers (`bot.importing.events`, `bot.importing.contests`) work the same way: every
field is parsed by the domain's own parser, and every bad field adds a
`Problem` with its line instead of stopping, so one run lists everything wrong
with a file. Messages are English: import runs in a terminal.
"""

from __future__ import annotations

import gettext
import re
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

import yaml
from yaml.nodes import MappingNode, Node, ScalarNode, SequenceNode

from bot.core.i18n import Translator
from bot.services.event_fields import FieldError, parse_language
from bot.services.organizers import OrganizersError, clean_library_name
from bot.services.programmes import ProgrammeProblem, clean_programme_name

KEY_PATTERN = re.compile(r"[A-Za-z0-9][A-Za-z0-9._-]{0,99}")
NULL_TAG = "tag:yaml.org,2002:null"
# One import file at most: a season of a library network is far smaller. Larger files
# are split and imported one after another. (20,000 events took 42 s and 300 MB.)
MAX_FILE_BYTES = 2 * 1024 * 1024
MAX_RECORDS = 1000


@dataclass(frozen=True)
class Problem:
    line: int  # 1-based; 0 when the problem concerns the whole file
    message: str


class Bad(Exception):
    """A structural problem of the file itself."""

    def __init__(self, message: str, line: int = 0) -> None:
        super().__init__(message)
        self.message = message
        self.line = line


class RecordReader:
    """Reads one record's mapping node; subclasses say what a record is (`noun`, its
    `known` and `required` fields, an example key) and read the fields in `read`."""

    noun = "record"
    known: tuple[str, ...] = ()
    required: tuple[str, ...] = ()
    key_example = "karaganda-kyiv-2026-12"

    def __init__(self, node: MappingNode, now: datetime, seen_keys: dict[str, int]) -> None:
        self.node = node
        self.now = now
        self.seen_keys = seen_keys
        self.problems: list[Problem] = []
        self.fields: dict[str, Node] = {}
        self.key_line = line_of(node)

    def read_fields(self) -> None:
        """Takes the record's fields, reporting unknown, repeated and missing ones."""
        self.fields = fields_of(self.node, self.known, self.problems)
        for name in self.required:
            if name not in self.fields:
                self.problems.append(
                    Problem(line_of(self.node), f"Missing required field `{name}`.")
                )

    def _field(self, name: str, parse: Callable[[Node], object], default: object = None):  # noqa: ANN202
        node = self.fields.get(name)
        if node is None:
            return default
        if is_null(node):
            if name in self.required:
                self.problems.append(Problem(line_of(node), f"`{name}` has no value."))
            return default
        try:
            return parse(node)
        except (Bad, FieldError) as error:
            self._problem(name, node, error)
        return default

    def _problem(self, name: str, node: Node, error: FieldError | Bad) -> None:
        if isinstance(error, Bad):
            self.problems.append(Problem(error.line or line_of(node), f"{name}: {error.message}"))
        else:
            self.problems.append(Problem(line_of(node), f"{name}: {error.render(english())}"))

    def _library(self, node: Node) -> str:
        """The organizing library's name (added on import when new)."""
        try:
            return clean_library_name(self._scalar(node))
        except OrganizersError as error:
            raise Bad(english().gettext(error.msgid).format(**error.params),
                      line_of(node)) from None

    def _programme(self, node: Node) -> str:
        """The programme's name (added on import when new)."""
        name = clean_programme_name(self._scalar(node))
        if isinstance(name, ProgrammeProblem):
            raise Bad(english().gettext(name.msgid).format(**name.params), line_of(node))
        return name

    def _scalar(self, node: Node) -> str:
        if not isinstance(node, ScalarNode):
            raise Bad("expected a single value, not a list or a mapping.", line_of(node))
        return node.value

    def _key(self, node: Node) -> str:
        key = self._scalar(node).strip()
        self.key_line = line_of(node)
        if not KEY_PATTERN.fullmatch(key):
            raise Bad(f"{key!r} is not a usable key: use up to 100 Latin letters, digits, "
                      f"'-', '_' or '.', like {self.key_example}.")
        if key in self.seen_keys:
            raise Bad(f"the key {key} is already used on line {self.seen_keys[key]}.")
        self.seen_keys[key] = line_of(node)
        return key

    def _texts(self, name: str, node: Node, parse: Callable[[str], str],
               language: str | None) -> dict[str, str]:
        """A text in the record's language, or a mapping of texts by language."""
        if isinstance(node, ScalarNode):
            if language is None:
                # Without a valid language a plain text has no language to belong to;
                # that problem is already reported on `language`.
                parse(node.value)
                return {}
            return {language: parse(node.value)}
        if not isinstance(node, MappingNode):
            raise Bad("write a text, or a mapping by language like {ru: ..., kk: ...}.")
        texts: dict[str, str] = {}
        problems_before = len(self.problems)
        for key_node, value_node in node.value:
            try:
                code = parse_language(self._scalar(key_node))
                if code in texts:
                    raise Bad(f"the language {code} is given twice.", line_of(key_node))
                texts[code] = parse(self._scalar(value_node))
            except FieldError as error:
                self.problems.append(Problem(
                    line_of(value_node), f"{name}: {key_node.value}: {error.render(english())}"
                ))
            except Bad as bad:
                self._problem(name, value_node, bad)
        # A card falls back to the record's language, so the title must exist in it.
        complete = len(self.problems) == problems_before
        if complete and language is not None and name == "title" and language not in texts:
            raise Bad(f"there is no title in the {self.noun}'s language ({language}).")
        return texts


def size_problem(size: int) -> Problem | None:
    """The problem of a file of `size` bytes, if it is over `MAX_FILE_BYTES`."""
    if size <= MAX_FILE_BYTES:
        return None
    return Problem(0, f"The file is {size / 2**20:.1f} MB; at most {MAX_FILE_BYTES / 2**20:g} MB "
                      f"can be imported at once. Split it into several files and import them "
                      f"one after another.")


def too_many_records() -> Problem:
    return Problem(0, f"The file has more than {MAX_RECORDS} events and contests; at most "
                      f"{MAX_RECORDS} can be imported at once. Split it into several files and "
                      f"import them one after another.")


class TooManyRecords(Exception):
    """The file's `events:` and `contests:` lists hold more than `MAX_RECORDS` together."""


class _CountingLoader(yaml.SafeLoader):
    """Composes the file, counting the items of the top-level lists as they come: the
    record after the last one allowed stops the reading there, not at the end of a file
    that may be long."""

    def __init__(self, stream: str) -> None:
        super().__init__(stream)
        self._depth = 0
        self._records = 0
        self._in_section = False

    def compose_node(self, parent: Node | None, index: int) -> Node | None:
        # The root mapping is composed at depth 0, its lists at 1, their records at 2.
        if self._depth == 1:
            self._in_section = isinstance(parent, MappingNode)
        if self._depth == 2 and self._in_section and isinstance(parent, SequenceNode):
            self._records += 1
            if self._records > MAX_RECORDS:
                raise TooManyRecords
        self._depth += 1
        try:
            return super().compose_node(parent, index)
        finally:
            self._depth -= 1


def compose(text: str) -> Node | None:
    """The YAML node tree of `text` (marks kept for line numbers); raises `TooManyRecords`
    and the YAML errors."""
    loader = _CountingLoader(text)
    try:
        return loader.get_single_node()
    finally:
        loader.dispose()


def english() -> Translator:
    # msgids are English, so no catalog is needed to render them.
    return Translator("en", gettext.NullTranslations())


def fields_of(node: MappingNode, known: tuple[str, ...],
              problems: list[Problem]) -> dict[str, Node]:
    fields: dict[str, Node] = {}
    first_line: dict[str, int] = {}
    for key_node, value_node in node.value:
        name = str(key_node.value) if isinstance(key_node, ScalarNode) else "?"
        if name not in known:
            problems.append(Problem(
                line_of(key_node), f"Unknown field `{name}`; known fields: {', '.join(known)}."
            ))
        elif name in fields:
            problems.append(Problem(
                line_of(key_node), f"`{name}` is given twice (first on line {first_line[name]})."
            ))
        else:
            fields[name] = value_node
            first_line[name] = line_of(key_node)
    return fields


def is_null(node: Node) -> bool:
    return isinstance(node, ScalarNode) and node.tag == NULL_TAG


def line_of(node: Node) -> int:
    return node.start_mark.line + 1
