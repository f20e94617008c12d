"""Scoring arithmetic, with every expected figure computed by hand in the comments."""

from __future__ import annotations

import math

import pytest

from bot.services.scoring import (
    Criterion,
    EntryInput,
    EntryResult,
    Rules,
    ScoreInput,
    compute,
)

ONE = (Criterion("points", 1.0),)


def rules(**overrides) -> Rules:
    fields = {
        "criteria": ONE,
        "aggregate": "mean",
        "normalize": False,
        "tie_policy": "shared",
        "quota_per_side": 5,
        "min_jurors": 1,
    }
    fields.update(overrides)
    return Rules(**fields)


def points(*triples: tuple[int, int, float]) -> list[ScoreInput]:
    """(entry, juror, points) on the single criterion "points"."""
    return [ScoreInput(entry, juror, {"points": value}) for entry, juror, value in triples]


def by_id(results: list[EntryResult]) -> dict[int, EntryResult]:
    return {result.entry_id: result for result in results}


def test_compute_weights_criteria_and_averages_jurors() -> None:
    criteria = (Criterion("originality", 0.4), Criterion("language", 0.3),
                Criterion("relevance", 0.3))
    scores = [
        # 0.4*8 + 0.3*6 + 0.3*7 = 3.2 + 1.8 + 2.1 = 7.1
        ScoreInput(1, 101, {"originality": 8, "language": 6, "relevance": 7}),
        # 0.4*5 + 0.3*9 + 0.3*10 = 2.0 + 2.7 + 3.0 = 7.7
        ScoreInput(1, 102, {"originality": 5, "language": 9, "relevance": 10}),
    ]

    [result] = compute(rules(criteria=criteria), [EntryInput(1, "kz")], scores)

    assert result.per_juror == {101: pytest.approx(7.1), 102: pytest.approx(7.7)}
    # (7.1 + 7.7) / 2 = 7.4; spread: both 0.3 from the mean, sqrt((0.09 + 0.09) / 2) = 0.3
    assert (result.score, result.spread, result.jurors) == (
        pytest.approx(7.4), pytest.approx(0.3), 2)
    assert (result.place, result.overall_place, result.flag, result.normalized) == (
        1, 1, None, None)


def test_compute_median_instead_of_mean_changes_the_order() -> None:
    entries = [EntryInput(1, None), EntryInput(2, None), EntryInput(3, None)]
    scores = points(
        # entry 1: 2, 3, 10 -> mean 15/3 = 5, median 3
        (1, 1, 2), (1, 2, 3), (1, 3, 10),
        # entry 2: 4, 4, 4 -> mean 4, median 4
        (2, 1, 4), (2, 2, 4), (2, 3, 4),
        # entry 3: 2, 3, 10, 11 (even count) -> median (3 + 10) / 2 = 6.5, mean 26/4 = 6.5
        (3, 1, 2), (3, 2, 3), (3, 3, 10), (3, 4, 11),
    )

    by_mean = by_id(compute(rules(aggregate="mean"), entries, scores))
    by_median = by_id(compute(rules(aggregate="median"), entries, scores))

    assert [(by_mean[n].score, by_mean[n].place) for n in (1, 2, 3)] == [
        (5, 2), (4, 3), (6.5, 1)]
    assert [(by_median[n].score, by_median[n].place) for n in (1, 2, 3)] == [
        (3, 3), (4, 2), (6.5, 1)]


def test_compute_normalization_gives_harsh_and_lenient_juror_equal_weight() -> None:
    # The harsh juror 1 scores entries 1-5 with 1..5; the lenient juror 2 scores 6-10 with 6..10.
    entries = [EntryInput(n, None) for n in range(1, 11)]
    scores = points(*[(n, 1, n) for n in range(1, 6)], *[(n, 2, n) for n in range(6, 11)])

    raw = by_id(compute(rules(), entries, scores))
    normalized = by_id(compute(rules(normalize=True), entries, scores))

    # Raw: every lenient score beats every harsh one.
    assert [raw[n].place for n in range(1, 11)] == [10, 9, 8, 7, 6, 5, 4, 3, 2, 1]
    # Juror 1: mean 3, population sd sqrt((4+1+0+1+4)/5) = sqrt(2); juror 2: mean 8, sd sqrt(2).
    # z = -2/sqrt2, -1/sqrt2, 0, 1/sqrt2, 2/sqrt2 for both: each juror's best is worth the same.
    root2 = math.sqrt(2)
    expected_z = [-2 / root2, -1 / root2, 0, 1 / root2, 2 / root2]
    assert [normalized[n].normalized for n in range(1, 6)] == pytest.approx(expected_z)
    assert [normalized[n].normalized for n in range(6, 11)] == pytest.approx(expected_z)
    # Shared policy: two entries on each figure -> 1, 1, 3, 3, 5, 5, 7, 7, 9, 9.
    assert [normalized[n].place for n in range(1, 11)] == [9, 7, 5, 3, 1, 9, 7, 5, 3, 1]
    assert all(normalized[n].shared for n in range(1, 11))
    # The score itself stays the raw mean.
    assert (normalized[10].score, normalized[5].score) == (10, 5)


def test_compute_normalization_uses_the_pool_for_a_juror_with_fewer_than_five_scores() -> None:
    entries = [EntryInput(n, None) for n in range(1, 11)]
    scores = points(
        *[(n, 1, n) for n in range(1, 6)],
        *[(n, 2, n) for n in range(6, 11)],
        # Juror 3 scored only two entries: 7 for entry 1, 4 for entry 6.
        (1, 3, 7), (6, 3, 4),
    )

    results = by_id(compute(rules(normalize=True), entries, scores))

    # Pool of all 12 scores: 1..10, 7, 4 -> sum 66, mean 5.5;
    # squared deviations 82.5 (for 1..10) + 1.5^2 + 1.5^2 = 87 -> sd sqrt(87/12) = sqrt(7.25).
    pooled_sd = math.sqrt(7.25)
    # Entry 1: juror 1 (own stats: mean 3, sd sqrt2) (1-3)/sqrt2 = -sqrt2;
    # juror 3 (pool) (7-5.5)/sqrt(7.25) = 0.5571; mean (-1.4142 + 0.5571) / 2 = -0.4286.
    assert results[1].normalized == pytest.approx((-math.sqrt(2) + 1.5 / pooled_sd) / 2)
    assert results[1].normalized == pytest.approx(-0.428564, abs=1e-6)
    # Entry 6: juror 2 (6-8)/sqrt2 = -sqrt2; juror 3 (4-5.5)/sqrt(7.25) = -0.5571 -> -0.9857.
    assert results[6].normalized == pytest.approx((-math.sqrt(2) - 1.5 / pooled_sd) / 2)
    assert (results[1].jurors, results[6].jurors) == (2, 2)
    # Entries juror 3 did not score are unaffected: entry 5 = (5-3)/sqrt2 = sqrt2.
    assert results[5].normalized == pytest.approx(math.sqrt(2))


def test_compute_normalization_of_a_juror_with_no_spread_is_zero() -> None:
    entries = [EntryInput(n, None) for n in range(1, 6)]
    scores = points(
        # Juror 1 gives every entry 7: sd 0 -> z = 0 for each.
        *[(n, 1, 7) for n in range(1, 6)],
        # Juror 2: 1..5, mean 3, sd sqrt2 -> z = (n-3)/sqrt2.
        *[(n, 2, n) for n in range(1, 6)],
    )

    results = by_id(compute(rules(normalize=True), entries, scores))

    # Entry n: (0 + (n-3)/sqrt2) / 2; entry 5: sqrt2/2 = 0.7071, entry 1: -0.7071.
    root2 = math.sqrt(2)
    assert [results[n].normalized for n in range(1, 6)] == pytest.approx(
        [(n - 3) / root2 / 2 for n in range(1, 6)])
    assert [results[n].place for n in range(1, 6)] == [5, 4, 3, 2, 1]


def test_compute_normalization_with_a_flat_pool_ties_everything_at_zero() -> None:
    # One juror with two scores (under five: pooled), both 6: the pool's sd is 0.
    entries = [EntryInput(1, None), EntryInput(2, None)]

    results = compute(rules(normalize=True), entries, points((1, 1, 6), (2, 1, 6)))

    assert [(r.normalized, r.place, r.shared) for r in results] == [(0, 1, True), (0, 1, True)]


def test_compute_disagreement_is_the_population_sd_of_juror_scores() -> None:
    entries = [EntryInput(1, None), EntryInput(2, None), EntryInput(3, None)]
    scores = points((1, 1, 4), (1, 2, 6), (1, 3, 8), (2, 1, 9))

    results = by_id(compute(rules(), entries, scores))

    # Entry 1: mean 6, squared deviations 4 + 0 + 4 = 8 -> sqrt(8/3) = 1.63299.
    assert results[1].spread == pytest.approx(math.sqrt(8 / 3))
    assert results[1].spread == pytest.approx(1.632993, abs=1e-6)
    # One juror: no disagreement; no juror: nothing to measure.
    assert (results[2].spread, results[3].spread) == (0, None)


@pytest.mark.parametrize(
    ("policy", "places"),
    [("shared", [1, 2, 2, 4]), ("dense", [1, 2, 2, 3])],
)
def test_compute_ties_follow_the_tie_policy(policy: str, places: list[int]) -> None:
    entries = [EntryInput(n, None) for n in range(1, 5)]
    # Entry 3's 8.0000000000001 equals entry 2's 8 after rounding to 1e-9: a tie.
    scores = points((1, 1, 9), (2, 1, 8), (3, 1, 8.0000000000001), (4, 1, 7))

    results = compute(rules(tie_policy=policy), entries, scores)

    assert [(r.entry_id, r.place, r.overall_place, r.shared) for r in results] == [
        (1, places[0], places[0], False),
        (2, places[1], places[1], True),
        (3, places[2], places[2], True),
        (4, places[3], places[3], False),
    ]


def test_compute_rounding_keeps_figures_apart_beyond_the_precision() -> None:
    entries = [EntryInput(1, None), EntryInput(2, None)]

    results = compute(rules(), entries, points((1, 1, 8), (2, 1, 8.000001)))

    assert [(r.entry_id, r.place, r.shared) for r in results] == [(2, 1, False), (1, 2, False)]


def test_compute_winners_are_per_side_and_a_shared_boundary_place_all_win() -> None:
    entries = [EntryInput(n, "kz") for n in (1, 2, 3, 4)] + [
        EntryInput(n, "ua") for n in (5, 6, 7)]
    # kz: 9, 8, 8, 7 -> places 1, 2, 2, 4; ua: 6, 5, 4 -> 1, 2, 3.
    scores = points((1, 1, 9), (2, 1, 8), (3, 1, 8), (4, 1, 7), (5, 1, 6), (6, 1, 5), (7, 1, 4))

    results = compute(rules(quota_per_side=2), entries, scores)

    # Quota 2: kz's shared 2nd place makes three winners; ua has two.
    assert [(r.entry_id, r.side, r.place, r.shared, r.winner, r.overall_place)
            for r in results] == [
        (1, "kz", 1, False, True, 1),
        (2, "kz", 2, True, True, 2),
        (3, "kz", 2, True, True, 2),
        (4, "kz", 4, False, False, 4),
        (5, "ua", 1, False, True, 5),
        (6, "ua", 2, False, True, 6),
        (7, "ua", 3, False, False, 7),
    ]


def test_compute_flags_incomplete_and_ineligible_entries_and_leaves_them_unranked() -> None:
    entries = [
        EntryInput(1, "kz"),
        EntryInput(2, "kz"),  # one juror only, two needed
        EntryInput(3, "kz", eligible=False),  # the best, but its author is ineligible
        EntryInput(4, "kz", eligible=False),  # ineligible and incomplete: ineligible
        EntryInput(5, "kz"),  # nobody scored it
        EntryInput(6, "kz"),
    ]
    scores = points(
        (1, 1, 6), (1, 2, 8),
        (2, 1, 10),
        (3, 1, 10), (3, 2, 10),
        (4, 1, 9),
        (6, 1, 5), (6, 2, 5),
    )

    results = compute(rules(min_jurors=2, quota_per_side=5), entries, scores)

    assert [(r.entry_id, r.flag, r.place, r.overall_place, r.winner, r.score, r.jurors)
            for r in results] == [
        (1, None, 1, 1, True, 7, 2),
        (6, None, 2, 2, True, 5, 2),
        (2, "incomplete", None, None, False, 10, 1),
        (3, "ineligible", None, None, False, 10, 2),
        (4, "ineligible", None, None, False, 9, 1),
        (5, "incomplete", None, None, False, None, 0),
    ]


def test_compute_ignores_scores_missing_a_criterion_and_scores_of_other_entries() -> None:
    criteria = (Criterion("a", 0.5), Criterion("b", 0.5))
    scores = [
        ScoreInput(1, 1, {"a": 6, "b": 8}),  # (6 + 8) / 2 = 7
        ScoreInput(1, 2, {"a": 10}),  # saved before criterion "b" existed: not counted
        ScoreInput(99, 1, {"a": 1, "b": 1}),  # a withdrawn entry: not passed in
    ]

    [result] = compute(rules(criteria=criteria), [EntryInput(1, None)], scores)

    assert (result.score, result.jurors, result.per_juror) == (7, 1, {1: 7})


def test_rules_refuse_weights_that_do_not_sum_to_one() -> None:
    with pytest.raises(ValueError, match="sum to 0.9"):
        Rules(criteria=(Criterion("a", 0.5), Criterion("b", 0.4)))
