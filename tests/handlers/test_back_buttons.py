"""Back buttons read the same everywhere (issue 13): one msgid, one translation a language,
and no label built from an arrow and another word."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

BACK = "« Back"
HANDLERS = Path(__file__).resolve().parents[2] / "handlers"
# Labels going back somewhere: "Back", "◀ Contests", "‹ Back", "To the list", "Return"...
BACK_LIKE = re.compile(r"^\W*\s*(back|return|to the list|go back)\b", re.IGNORECASE)
ARROWS = ("◀", "‹", "«", "←", "⬅")
GETTEXT = {"_", "gettext", "N_"}


def _gettext_msgids(tree: ast.AST) -> list[str]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call) or not node.args:
            continue
        name = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(
            node.func, "id", None)
        first = node.args[0]
        if name in GETTEXT and isinstance(first, ast.Constant) and isinstance(first.value, str):
            found.append(first.value)
    return found


def _arrow_prefixed(tree: ast.AST) -> list[str]:
    """`"◀ " + _("Contests")`: an arrow glued to a translated word in the code."""
    return [ast.unparse(node) for node in ast.walk(tree)
            if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add)
            and isinstance(node.left, ast.Constant) and isinstance(node.left.value, str)
            and node.left.value.strip() in ARROWS]


def _sources() -> dict[str, ast.AST]:
    return {path.name: ast.parse(path.read_text(encoding="utf-8"))
            for path in sorted(HANDLERS.glob("*.py"))}


def test_back_buttons_use_one_msgid_in_every_handler():
    labels = {msgid for tree in _sources().values() for msgid in _gettext_msgids(tree)
              if len(msgid) <= 30 and BACK_LIKE.match(msgid)}

    assert labels == {BACK}


def test_back_buttons_glue_no_arrow_to_a_word_in_any_handler():
    glued = {name: found for name, tree in _sources().items()
             if (found := _arrow_prefixed(tree))}

    assert glued == {}


@pytest.mark.parametrize(("language", "label"), [
    ("kk", "« Артқа"), ("ru", "« Назад"), ("uk", "« Назад"), ("en", "« Back")])
def test_back_buttons_have_one_translation_per_language(catalogs, language, label):
    assert catalogs.translator(language).gettext(BACK) == label
