"""parse_mode rendering: plain text, entities and Telegram's parse errors."""

import pytest

from bot.sandbox.fakeapi.formatting import render
from bot.sandbox.fakeapi.shapes import ApiError


def test_render_html_counts_offsets_in_utf16_units():
    text, entities = render("👍 <b>Сәлем</b> &lt;3", "HTML")

    assert text == "👍 Сәлем <3"
    assert entities == [{"type": "bold", "offset": 3, "length": 5}]


def test_render_html_link_unescapes_href():
    text, entities = render('<a href="https://x.kz/?a=1&amp;b=2">сайт</a>', "HTML")

    assert (text, entities) == (
        "сайт",
        [{"type": "text_link", "offset": 0, "length": 4, "url": "https://x.kz/?a=1&b=2"}],
    )


def test_render_markdown_v2_supports_nested_and_escaped_text():
    text, entities = render(r"*bold _both_* 1\.5", "MarkdownV2")

    assert text == "bold both 1.5"
    assert entities == [
        {"type": "bold", "offset": 0, "length": 9},
        {"type": "italic", "offset": 5, "length": 4},
    ]


def test_render_strips_surrounding_whitespace():
    assert render("  <i>hi</i>\n", "HTML") == ("hi", [{"type": "italic", "offset": 0, "length": 2}])


@pytest.mark.parametrize(
    ("source", "mode", "reason"),
    [
        ("a<br>b", "HTML", 'Unsupported start tag "br" at byte offset 1'),
        ("<b>open", "HTML", 'Can\'t find end tag corresponding to start tag "b"'),
        ("Сәлем.", "MarkdownV2", "Character '.' is reserved"),
        ("*open", "MarkdownV2", "Can't find end of Bold entity at byte offset 0"),
        ("_open", "Markdown", "Can't find end of the entity starting at byte offset 0"),
    ],
)
def test_render_invalid_markup_raises_bad_request(source: str, mode: str, reason: str):
    with pytest.raises(ApiError) as raised:
        render(source, mode)

    assert raised.value.code == 400
    assert raised.value.description.startswith("Bad Request: can't parse entities: " + reason)
