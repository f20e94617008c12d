"""Quick checks of bench/reply_wave.py and bench/reminders.py: their pure parts (arguments,
percentiles, figures) and the fake API's press that waits for an edit. No long runs."""

from __future__ import annotations

import argparse
import asyncio
import math
import re

import aiohttp
import pytest
from telegram import Bot

from bench import reminders, reply_wave
from bench._wave import Press, Row, Stats, ms, table
from bot.sandbox.fakeapi import FakeBotApi


@pytest.fixture(autouse=True)
def _timedelta_periods(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PTB_TIMEDELTA", "true")


def test_wave_arguments_and_their_defaults():
    wave = reply_wave.parse_args([])
    register = reply_wave.parse_args(["--register"])
    big = reply_wave.parse_args(["--readers", "500", "--seconds", "5", "--bare-fast"])

    assert (wave.readers, wave.seconds, wave.timeout, wave.latency, wave.register) == (
        50, 20.0, 15.0, 0.05, False)
    assert (register.readers, register.seats, register.timeout) == (1000, 500, 600.0)
    assert (big.readers, big.seconds, big.bare_fast) == (500, 5.0, True)


def test_reminder_arguments_and_their_defaults():
    args = reminders.parse_args([])
    quick = reminders.parse_args(["--registrants", "300", "--early-slack", "5"])

    assert (args.registrants, args.rate, args.latency, args.offset) == (5000, 30, 0.05, 60)
    assert (quick.registrants, quick.early_slack) == (300, 5.0)


def test_bad_arguments_are_refused():
    with pytest.raises(SystemExit):
        reply_wave.parse_args(["--readers", "0"])
    with pytest.raises(SystemExit):
        reminders.parse_args(["--rate", "0"])


def test_stats_use_nearest_rank_percentiles_and_unanswered_are_infinite():
    stats = Stats.of([float(n) for n in range(1, 101)])
    with_missing = Stats.of([0.1] * 95 + [math.inf] * 5)
    more_missing = Stats.of([0.1] * 94 + [math.inf] * 6)

    assert (stats.p50, stats.p95, stats.max, stats.count) == (50.0, 95.0, 100.0, 100)
    assert (with_missing.p95, ms(more_missing.p95)) == (0.1, "none")
    assert Stats.of([]) is None


def test_a_reply_waits_for_both_the_answer_and_the_edit():
    assert Press(0.0, 0.1, 0.2).reply == 0.2
    assert Press(0.0, 0.3, 0.2).reply == 0.3
    assert Press(0.0, 0.1, None).reply == math.inf
    assert not Press(0.0, None, 0.2).answered


def test_answers_per_second_count_only_answers_within_the_window():
    wave = reply_wave.Wave("kopir", seconds=10.0, started=100.0, presses=[
        Press(101.0, 0.5, 0.6), Press(109.0, 0.5, 0.6), Press(109.8, 0.5, 0.6),
        Press(105.0, None, None),
    ])

    assert (wave.per_second(), wave.unanswered()) == (0.2, 1)


def test_goals_get_a_verdict_only_at_the_readers_they_are_stated_for():
    kopir = reply_wave.Wave("kopir", seconds=1.0, started=0.0, presses=[Press(0.0, 0.1, 0.2)])
    bare = reply_wave.Wave("bare", seconds=1.0, started=0.0, presses=[Press(0.0, 0.1, 0.2)])

    def verdicts(readers: int) -> dict[str, bool | None]:
        args = argparse.Namespace(readers=readers, timeout=15.0)
        return {row.name: row.met for row in reply_wave.wave_goals(args, kopir, bare)}

    assert verdicts(50) == {"ratio kopir/bare": True, "kopir reply p95": True,
                            "kopir unanswered": None}
    assert verdicts(500) == {"ratio kopir/bare": None, "kopir reply p95": True,
                             "kopir unanswered": True}
    assert verdicts(7) == {"ratio kopir/bare": None, "kopir reply p95": None,
                           "kopir unanswered": None}


def test_register_figures_hold_the_seats_and_the_waiting_list():
    run = reply_wave.RegisterRun(4, 2, first=[Press(0.0, 0.5, None), Press(0.1, 1.0, None)],
                                 final={"registered": 3, "waitlisted": 1})
    rows = {row.name: row for row in reply_wave.register_report(run)}

    assert rows["register: all answered"].value == "1.1 s"
    assert (rows["registered"].met, rows["waiting"].met, rows["oversold"].value) == (
        False, False, "1")
    assert reply_wave.all_answered_after([Press(0.0, None, None)]) is None


def test_reminder_lateness_is_measured_from_t():
    args = reminders.parse_args(["--registrants", "3", "--rate", "1", "--early-slack", "0"])
    run = reminders.Run(args, [1, 2, 3], due_mono=100.0, stats={
        "timeline": [[97.5, "delivered"], [99.0, "delivered"], [96.0, "delivered"],
                     [98.0, "rejected"]],
        "chats": {"1": 1, "2": 1, "3": 1}, "rejected_429": 1,
    })
    rows = {row.name: row for row in reminders.figures(run)}

    assert (rows["lateness max"].value, rows["lateness max"].met) == ("-1.0 s", True)
    assert rows["earliest"].value == "-4.0 s"
    # N / rate = 3 s: the arrival 4 s before T is too early.
    assert (rows["before T - N/rate"].value, rows["before T - N/rate"].met) == ("1", False)
    assert (rows["reminders lost"].value, rows["429 answers"].value) == ("0", "1")


def test_printed_lines_keep_the_columns_of_the_broadcast_bench():
    line = Row("lateness max", "-1.0 s", "<= 0 s", True, note="(by T)").line()

    assert [cell.strip() for cell in re.split(r"\s{2,}", line)] == [
        "lateness max:", "-1.0 s", "goal <= 0 s", "ok", "(by T)"]
    assert table(["bot", "n"], [["kopir", "12"]])[2].split() == ["kopir", "12"]


async def test_a_press_can_wait_for_the_edit_of_the_pressed_message():
    async with FakeBotApi() as api, Bot(api.token, base_url=api.base_url) as bot, \
            aiohttp.ClientSession() as http:
        api.user(4001).started = True

        async def press(edit: bool) -> dict:
            body = {"user_id": 4001, "data": "ev:card:1", "timeout": 2, "edit": edit}
            async with http.post(f"{api.url}/_fake/press", json=body) as response:
                return await response.json()

        async def bot_side(edit: bool) -> None:
            updates = await bot.get_updates(timeout=2)
            query = updates[-1].callback_query
            await bot.get_updates(offset=updates[-1].update_id + 1, timeout=0)
            await query.answer()
            if edit:
                await query.edit_message_text("A card")

        with_edit, _ = await asyncio.gather(press(True), bot_side(True))
        without, _ = await asyncio.gather(press(False), bot_side(False))
        no_edit_came, _ = await asyncio.gather(press(True), bot_side(False))

    assert 0 < with_edit["seconds"] <= with_edit["edit_seconds"] < 2
    assert with_edit["edited_at"] - with_edit["pressed_at"] == pytest.approx(
        with_edit["edit_seconds"])
    assert "edit_seconds" not in without and without["seconds"] is not None
    assert no_edit_came["seconds"] is not None and no_edit_came["edit_seconds"] is None
