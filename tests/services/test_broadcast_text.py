"""The composer's check of HTML and lengths, agreeing with the fake Bot API (which parses
HTML as strictly as Telegram does)."""

from __future__ import annotations

import pytest

from bot.sandbox.fakeapi.formatting import render
from bot.sandbox.fakeapi.shapes import ApiError
from bot.services.broadcast_text import check_message, plain_text
from bot.services.event_fields import FieldError

ACCEPTED = [
    "<b>Video-bridge</b> with <i>Kyiv</i> &amp; <u>Mogilev</u>",
    '<a href="https://zoom.us/j/1">Join</a> at 15:00 &lt;Almaty&gt;',
    '<span class="tg-spoiler">prize</span> <tg-spoiler>list</tg-spoiler>',
    '<pre><code class="language-python">print(1)</code></pre>',
    "<blockquote>Quote</blockquote> <s>old</s> <code>x</code>",
    "  plain text with spaces around  ",
]
REFUSED = [
    ("<div>Hello</div>", "Telegram cannot show the tag <div>. Allowed tags: <b>, <i>, <u>, <s>, "
     '<tg-spoiler>, <a href="https://...">, <code>, <pre>, <blockquote>. To show the characters '
     "< > & themselves, write &lt; &gt; &amp;."),
    ("<b>Hello", "The tag <b> is not closed: add </b> where it should end."),
    ("<b><i>Hello</b></i>", "The closing tag </b> does not match an open tag."),
    ("Hello</i>", "The closing tag </i> does not match an open tag."),
    ("<a>Join</a>", 'A link needs its address: <a href="https://...">text</a>.'),
    ("<span>x</span>", "Telegram cannot show the tag <span>. Allowed tags: <b>, <i>, <u>, <s>, "
     '<tg-spoiler>, <a href="https://...">, <code>, <pre>, <blockquote>. To show the characters '
     "< > & themselves, write &lt; &gt; &amp;."),
    ("1 < 2", "In HTML the character < starts a tag: to show it as it is, write &lt;."),
    ("ages <15-19>", "In HTML the character < starts a tag: to show it as it is, write &lt;."),
]


@pytest.mark.parametrize("source", ACCEPTED)
def test_plain_text_is_what_telegram_shows(source):
    assert plain_text(source) == render(source, "HTML")[0]


@pytest.mark.parametrize(("source", "explanation"), REFUSED)
def test_html_telegram_refuses_is_refused_with_an_explanation(source, explanation):
    with pytest.raises(FieldError) as refused:
        plain_text(source)

    assert str(refused.value) == explanation
    with pytest.raises(ApiError):
        render(source, "HTML")


def test_message_up_to_4096_characters_without_tags_is_accepted():
    source = "<b>" + "a" * 4096 + "</b>"

    assert check_message(source, caption=False) == source


def test_message_over_4096_characters_is_refused():
    with pytest.raises(FieldError) as refused:
        check_message("a" * 4097, caption=False)

    assert str(refused.value) == (
        "The text is 4097 characters long without the tags; Telegram allows at most 4096. "
        "Shorten it and send it again.")


def test_caption_over_1024_characters_is_refused_and_1024_accepted():
    with pytest.raises(FieldError) as refused:
        check_message("<i>" + "a" * 1025 + "</i>", caption=True)

    assert str(refused.value) == (
        "The caption is 1025 characters long without the tags; a photo or document caption may "
        "have at most 1024. Shorten it and send it again.")
    assert check_message("a" * 1024, caption=True) == "a" * 1024


def test_empty_message_is_refused_but_a_photo_may_go_without_caption():
    with pytest.raises(FieldError) as refused:
        check_message("<b> </b>", caption=False)

    assert str(refused.value) == "The message has no text. Send the text of the announcement."
    assert check_message("", caption=True) == ""
