"""Time `bot.services.scoring.compute` on a large contest (issue 3 asks for < 0.5 s).

Run from the repository root, without installing anything:
    .venv/bin/python bench/scoring.py [--entries 5000] [--jurors 15] [--criteria 5] [--runs 5]

It builds a seeded random contest (two sides, every juror scoring every entry, normalization on:
the costlier path) and prints the best and the median of the runs.
"""

from __future__ import annotations

import argparse
import random
import statistics
import sys
import time
from pathlib import Path

# Running as a script puts bench/ on the path, not the repository root.
sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bot.services.scoring import (  # noqa: E402
    Criterion,
    EntryInput,
    Rules,
    ScoreInput,
    compute,
)

GOAL_SECONDS = 0.5
SEED = 2026


def make_contest(
    entries: int, jurors: int, criteria: int, seed: int = SEED
) -> tuple[Rules, list[EntryInput], list[ScoreInput]]:
    rng = random.Random(seed)
    keys = [f"c{index}" for index in range(criteria)]
    rules = Rules(
        criteria=tuple(Criterion(key, 1 / criteria) for key in keys),
        aggregate="mean",
        normalize=True,
        tie_policy="shared",
        quota_per_side=5,
        min_jurors=3,
    )
    entry_inputs = [
        EntryInput(entry_id, "kz" if entry_id % 2 else "ua", eligible=rng.random() > 0.01)
        for entry_id in range(1, entries + 1)
    ]
    scores = []
    for juror_id in range(1, jurors + 1):
        # Each juror has a leniency of their own, which normalization corrects.
        leniency = rng.randint(-2, 2)
        for entry in entry_inputs:
            values = {key: min(10, max(1, rng.randint(1, 10) + leniency)) for key in keys}
            scores.append(ScoreInput(entry.entry_id, juror_id, values))
    return rules, entry_inputs, scores


def time_compute(
    rules: Rules, entries: list[EntryInput], scores: list[ScoreInput], runs: int
) -> list[float]:
    timings = []
    for _ in range(runs):
        started = time.perf_counter()
        compute(rules, entries, scores)
        timings.append(time.perf_counter() - started)
    return timings


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--entries", type=int, default=5000)
    parser.add_argument("--jurors", type=int, default=15)
    parser.add_argument("--criteria", type=int, default=5)
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args(argv)
    rules, entries, scores = make_contest(args.entries, args.jurors, args.criteria)
    timings = time_compute(rules, entries, scores, args.runs)
    sys.stdout.write(
        f"scoring {args.entries} entries x {args.jurors} jurors x {args.criteria} criteria: "
        f"best {min(timings):.2f} s, median {statistics.median(timings):.2f} s "
        f"(goal < {GOAL_SECONDS} s)\n"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
