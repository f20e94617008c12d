"""Short runs of the benchmarks that tests/bot/test_bench_broadcast.py and
test_bench_db_offload.py do not run: each script starts, measures and prints its figures.
Their full runs are `make bench`."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from tests.bot.test_bench_broadcast import ROOT, parse_figures


def run_script(script: str, *options: str) -> tuple[subprocess.CompletedProcess, dict]:
    command = [sys.executable, f"bench/{script}", *options]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    return result, parse_figures(result.stdout)


def test_bench_scoring_prints_its_timing_against_the_goal():
    result, _ = run_script("scoring.py", "--entries", "40", "--jurors", "3", "--criteria", "2",
                           "--runs", "2")

    assert (result.returncode, result.stdout.startswith("scoring 40 entries x 3 jurors x 2 "
                                                        "criteria: best ")) == (0, True)
    assert result.stdout.rstrip().endswith("(goal < 0.5 s)")


def test_bench_reminders_short_run_sends_each_reminder_once_by_its_time(tmp_path: Path):
    result, figures = run_script("reminders.py", "--registrants", "20", "--margin", "2",
                                 "--early-slack", "5", "--workdir", str(tmp_path))

    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert list(figures) == [
        "registrants", "lateness p50", "lateness p95", "lateness max", "earliest",
        "before T - N/rate", "reminders lost", "duplicates", "send rate", "429 answers",
        "bot start-up", "outbox reminders",
    ]
    assert (figures["reminders lost"]["value"], figures["duplicates"]["value"],
            figures["outbox reminders"]["value"]) == ("0", "0", "sent 20")


def test_bench_reply_wave_short_run_answers_every_press(tmp_path: Path):
    result, figures = run_script("reply_wave.py", "--readers", "3", "--seconds", "1",
                                 "--only", "kopir", "--workdir", str(tmp_path))

    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert figures["kopir unanswered"]["value"] == "0"
    assert figures["kopir unanswered"]["goal"] == "0 at C=500"


def test_bench_report_short_run_prints_both_timings_against_their_goals():
    result, figures = run_script("report.py", "--events", "40", "--registrations", "400",
                                 "--readers", "100", "--runs", "1")

    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert [(name, figure["goal"]) for name, figure in figures.items()
            if name != "paragraph"] == [("tables and paragraph", "< 2.0 s"),
                                        ("charts, xlsx and csv", "< 3.0 s")]
