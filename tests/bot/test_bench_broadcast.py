"""Smoke test of bench/broadcast.py: a tiny broadcast through the real processes (fake Bot
API, `kopir run`, the harness), checking that it finishes and prints every figure."""

from __future__ import annotations

import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
COLUMNS = re.compile(r"\s{2,}")


def parse_figures(output: str) -> dict[str, dict[str, str]]:
    """{name: {"value", "goal", "verdict", "note"}} from the lines `name:  value  ...`."""
    figures = {}
    for line in output.splitlines():
        cells = COLUMNS.split(line.strip())
        if len(cells) < 2 or not cells[0].endswith(":"):
            continue
        figure = {"value": cells[1], "goal": "", "verdict": "", "note": ""}
        for cell in cells[2:]:
            if cell.startswith("goal "):
                figure["goal"] = cell.removeprefix("goal ")
            elif cell in ("ok", "MISSED"):
                figure["verdict"] = cell
            elif cell.startswith("("):
                figure["note"] = cell
        figures[cells[0].removesuffix(":")] = figure
    return figures


def run_bench(tmp_path: Path, *options: str) -> tuple[subprocess.CompletedProcess, dict]:
    command = [sys.executable, "bench/broadcast.py", "--recipients", "60", "--grace", "60",
               "--baseline", "0", "--workdir", str(tmp_path), *options]
    result = subprocess.run(command, cwd=ROOT, capture_output=True, text=True, timeout=240)
    return result, parse_figures(result.stdout)


def test_bench_broadcast_prints_every_figure_of_a_finished_run(tmp_path: Path):
    # Ten readers pressing, each sending /events every two seconds: 5 replies/s.
    result, figures = run_bench(tmp_path, "--readers", "10", "--command-every", "2",
                                "--press-interval", "0.1")

    logs = (tmp_path / "bot.log").read_text()[-3000:] if (tmp_path / "bot.log").exists() else ""
    assert result.returncode in (0, 1), result.stdout + result.stderr + logs
    assert list(figures) == [
        "recipients", "sending took", "first send", "rate / limit", "rate", "announcements",
        "lost", "duplicates", "button answer p95", "button presses", "command reply p95",
        "commands", "replies refused", "went wrong", "429 answers", "max in flight", "outbox",
    ]
    assert (figures["recipients"]["value"], figures["lost"]["value"],
            figures["duplicates"]["value"]) == ("60", "0", "0")
    assert re.fullmatch(r"\d+\.\d{3}", figures["rate / limit"]["value"])
    assert figures["rate / limit"]["goal"] == ">= 0.95"  # with readers sending commands
    assert re.fullmatch(r"\d+ ms", figures["button answer p95"]["value"])
    assert figures["button answer p95"]["goal"] == "< 200 ms"
    assert (figures["replies refused"]["goal"], figures["went wrong"]["goal"]) == ("0", "0")
    assert re.fullmatch(r"\d+", figures["replies refused"]["value"])
    assert figures["outbox"]["value"] == "blocked 1, sent 59"


@pytest.mark.bench
def test_bench_broadcast_without_commands_keeps_its_goal(tmp_path: Path):
    result, figures = run_bench(tmp_path, "--readers", "1", "--command-every", "0",
                                "--press-interval", "0.1")

    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert "replies refused" not in figures
    assert figures["rate / limit"]["goal"] == ">= 0.97"
    assert figures["outbox"]["value"] == "blocked 1, sent 59"


@pytest.mark.bench
def test_bench_broadcast_kill_mode_restarts_the_bot_and_bounds_duplicates(tmp_path: Path):
    result, figures = run_bench(tmp_path, "--kill")

    assert result.returncode in (0, 1), result.stdout + result.stderr
    assert result.stdout.count("killed the bot (SIGKILL)") == 2
    assert list(figures) == [
        "recipients", "sending took", "first send", "lost", "duplicates", "in flight at kills",
        "429 answers", "max in flight", "outbox",
    ]
    assert figures["lost"]["value"] == "0"
    assert int(figures["duplicates"]["value"]) <= int(figures["duplicates"]["goal"][3:])
    assert figures["outbox"]["value"] == "blocked 1, sent 59"
