"""Kazakh in the Latin alphabet end to end: a Latin Kazakh reader sees what a Kazakh reader
sees, letter for letter transliterated: the words, the event titles written in Kazakh, the
dates with their month names."""

from datetime import timedelta

from bot.core.latin import to_latin
from bot.sandbox.fakeapi.users import buttons_of, text_of
from tests.conftest import onboard
from tests.factories import NOW, make_event


async def _screens(user, *presses):  # noqa: ANN001, ANN202
    await user.send("/events")
    shown = [await user.next_message()]
    for label in presses:
        await user.press(label)
        shown.append(await user.next_message())
    return [(text_of(message), buttons_of(message)) for message in shown]


async def test_events_for_latin_kazakh_are_the_kazakh_screens_transliterated(
    bot_app, fake_api, database
):
    make_event(database, titles={"kk": "Болашақ үлгісі", "ru": "Модель будущего"},
               descriptions={"kk": "Қарағанды — Киев бейнекөпірі"}, language="kk",
               starts_at=NOW + timedelta(days=20))
    cyrillic = await onboard(fake_api, 2601, "kk")
    latin = await onboard(fake_api, 2602, "kk_Latn")

    kazakh = await _screens(cyrillic, "1. Болашақ үлгісі")
    shown = await _screens(latin, "1. Bolaşaq ülgısı")

    assert shown == [
        (to_latin(text), [[to_latin(label) for label in row] for row in rows])
        for text, rows in kazakh
    ]
    # 12 December: "желтоқсан" in Latin letters.
    assert "12 jeltoqsan" in shown[0][0]
