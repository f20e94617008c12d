"""The composer's check of HTML and lengths, agreeing with the fake Bot API (which parses
HTML as strictly as Telegram does)."""

from __future__ import annotations

import pytest

from bot.sandbox.fakeapi.formatting import render
from bot.sandbox.fakeapi.shapes import ApiError
from bot.services.broadcast_text import check_message, plain_text, typed_html
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
     '<tg-spoiler>, <a href="https://...">, <code>, <pre>, <blockquote>. You can also format the '
     "text in Telegram itself (bold, italic, links) instead of typing tags."),
    ("<b>Hello", "The tag <b> is not closed: add </b> where it should end."),
    ("<b><i>Hello</b></i>", "The closing tag </b> does not match an open tag."),
    ("Hello</i>", "The closing tag </i> does not match an open tag."),
    ("<a>Join</a>", 'A link needs its address: <a href="https://...">text</a>.'),
    ("<span>x</span>", "Telegram cannot show the tag <span>. Allowed tags: <b>, <i>, <u>, <s>, "
     '<tg-spoiler>, <a href="https://...">, <code>, <pre>, <blockquote>. You can also format the '
     "text in Telegram itself (bold, italic, links) instead of typing tags."),
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


# Typed without Telegram's formatting: no HTML in sight, so shown exactly as typed.
TYPED_PLAIN = ["a < b & c", "ages <15-19>", "Hello, <readers> & all", "x > y", "Tom&Jerry"]
# HTML plainly meant (a tag Telegram knows, a closing tag or an escape): (typed, shown).
TYPED_HTML = [
    ("<b>x</b>", "x"),
    ("<b>Quiz</b>: 1 < 2 & 3", "Quiz: 1 < 2 & 3"),
    ("1 &lt; 2 < 3", "1 < 2 < 3"),
    ('<a href="https://example.org">Join</a> <15-19>', "Join <15-19>"),
]


@pytest.mark.parametrize("typed", TYPED_PLAIN)
def test_typed_text_without_html_is_shown_as_typed(typed):
    source = typed_html(typed)

    assert (plain_text(source), render(source, "HTML")) == (typed, (typed, []))


@pytest.mark.parametrize(("typed", "shown"), TYPED_HTML)
def test_typed_html_keeps_its_tags_and_its_stray_brackets_are_characters(typed, shown):
    source = typed_html(typed)

    assert (plain_text(source), render(source, "HTML")[0]) == (shown, shown)


@pytest.mark.parametrize("typed", ["<div>Hello</div>", "<b>Hello", "<b>x</b> <readers>"])
def test_typed_html_with_a_wrong_tag_is_still_explained(typed):
    with pytest.raises(FieldError):
        plain_text(typed_html(typed))
