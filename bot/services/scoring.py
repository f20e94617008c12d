"""Contest results computed from the jury's scores: pure arithmetic, no database, no Telegram.

Definitions (issue 3), as computed by `compute`:

- **Juror's score** for an entry = the weighted sum of its criteria, sum(weight_k * points_k).
  The weights sum to 1, so the figure stays on the contest's scale. A score lacking one of the
  rules' criteria (the criteria changed after it was saved) is not counted at all: it is no
  juror's opinion under the current rules. Keys the rules do not name are ignored. Scores for
  entries not passed in (withdrawn entries) are ignored, also by normalization.
- **Entry score** = the mean of its jurors' scores, or their median when the rules say so (with an
  even number of jurors, the median is the mean of the two middle scores).
- **Normalization** (when on): each juror's scores become z-scores, (x - mean_j) / sd_j with the
  juror's mean and *population* standard deviation over every entry they scored, so a harsh and a
  lenient juror weigh the same. The entry's `normalized` figure is the mean (or median) of its
  jurors' z-scores. Two edge cases:
  * A juror with fewer than `MIN_SCORES_TO_NORMALIZE` (5) scores: their own mean and sd over so few
    entries say more about which entries they happened to get than about how harsh they are, so
    their scores are z-scored against the *pooled* mean and sd of all scores (every juror, every
    entry). This is fairer than leaving them out: the entries they scored keep the same jurors in
    the normalized figure as in the score (an entry scored only by such jurors still gets a
    figure and can be ranked), and what they said about absolute quality is kept on the common
    scale, only their personal leniency is not corrected.
  * A standard deviation of 0 (a juror who gave every entry the same score; or all scores equal,
    for the pool): every z-score is 0. The juror sees no difference between the entries, and 0 -
    "at their own average" - says exactly that without favouring any entry or dropping the juror.
  When normalization is off, `normalized` is None.
- **Spread** (disagreement) = the population standard deviation of the jurors' scores of the entry
  (raw weighted scores, on the contest's scale); 0 with one juror, None with none.
- **Flags**: "ineligible" when the entry's author is not eligible (decided by the caller: age on the
  reference date re-checked at freezing); else "incomplete" when fewer than `min_jurors` jurors
  scored it. Flagged entries keep their figures for the preview but get no place and never win.
  "ineligible" wins over "incomplete" because completing the scores would not make it rankable.
- **Ranking** by the normalized figure when normalization is on, else by the score, highest first;
  overall (`overall_place`) and within each side (`place`; entries without a side form one group).
  Two figures are **tied** when equal after rounding to `PRECISION` (9) decimal places (1e-9):
  rounding, unlike a tolerance, is transitive, and it absorbs float noise such as a z-score sum of
  1e-16 that is 0 in exact arithmetic. Policies: "shared" = 1, 2, 2, 4 (a place is one more than the
  number of entries strictly ahead); "dense" = 1, 2, 2, 3 (one more than the number of distinct
  figures ahead). `shared` is true when the entry's place within its side is held by more than one
  entry (`overall_place` is informative only).
- **Winners**: entries whose place within their side is <= `quota_per_side`. All entries sharing a
  place at the boundary therefore win (quota 5 with places 1, 2, 3, 4, 5, 5 gives six winners);
  under "dense" the same rule applies to the dense places.
- **Order** of the returned list: ranked entries by overall place (ties in the order the entries
  were given), then the unranked ones in the order given.
"""

from __future__ import annotations

import math
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, field

from storage.contest_models import Aggregate, TiePolicy

MIN_SCORES_TO_NORMALIZE = 5
PRECISION = 9
WEIGHT_TOLERANCE = 1e-6

INCOMPLETE = "incomplete"
INELIGIBLE = "ineligible"


@dataclass(frozen=True)
class Criterion:
    key: str
    weight: float


@dataclass(frozen=True)
class Rules:
    criteria: tuple[Criterion, ...]
    aggregate: str = Aggregate.MEAN
    normalize: bool = False
    tie_policy: str = TiePolicy.SHARED
    quota_per_side: int = 5
    min_jurors: int = 1

    def __post_init__(self) -> None:
        # The contest form validates all this for people; here it guards the arithmetic.
        object.__setattr__(self, "criteria", tuple(self.criteria))
        if not self.criteria:
            raise ValueError("at least one criterion is needed")
        total = math.fsum(criterion.weight for criterion in self.criteria)
        if abs(total - 1.0) > WEIGHT_TOLERANCE:
            raise ValueError(f"criteria weights sum to {total}, not 1")
        if self.aggregate not in set(Aggregate):
            raise ValueError(f"unknown aggregate {self.aggregate!r}")
        if self.tie_policy not in set(TiePolicy):
            raise ValueError(f"unknown tie policy {self.tie_policy!r}")
        if self.quota_per_side < 0 or self.min_jurors < 0:
            raise ValueError("quota_per_side and min_jurors cannot be negative")


@dataclass(frozen=True)
class EntryInput:
    entry_id: int
    side: str | None
    eligible: bool = True


@dataclass(frozen=True)
class ScoreInput:
    entry_id: int
    juror_id: int
    values: Mapping[str, float]


@dataclass
class EntryResult:
    entry_id: int
    side: str | None
    score: float | None
    normalized: float | None
    spread: float | None
    jurors: int
    place: int | None = None
    shared: bool = False
    overall_place: int | None = None
    winner: bool = False
    flag: str | None = None
    # juror id -> that juror's weighted score of the entry
    per_juror: dict[int, float] = field(default_factory=dict)


def compute(
    rules: Rules, entries: Sequence[EntryInput], scores: Iterable[ScoreInput]
) -> list[EntryResult]:
    """Scores, normalized figures, spread, flags, places and winners of `entries`."""
    per_entry = _weighted_scores(rules, entries, scores)
    z_scores = _z_scores(per_entry) if rules.normalize else None
    middle = statistics.median if rules.aggregate == Aggregate.MEDIAN else _mean

    results = []
    for entry in entries:
        weighted = per_entry[entry.entry_id]
        values = list(weighted.values())
        normalized = None
        if z_scores is not None and values:
            normalized = middle(list(z_scores[entry.entry_id].values()))
        if not entry.eligible:
            flag = INELIGIBLE
        elif len(values) < rules.min_jurors or not values:
            flag = INCOMPLETE
        else:
            flag = None
        results.append(
            EntryResult(
                entry_id=entry.entry_id,
                side=entry.side,
                score=middle(values) if values else None,
                normalized=normalized,
                spread=_pstdev(values) if values else None,
                jurors=len(values),
                flag=flag,
                per_juror=weighted,
            )
        )
    return _rank(rules, results)


def _weighted_scores(
    rules: Rules, entries: Sequence[EntryInput], scores: Iterable[ScoreInput]
) -> dict[int, dict[int, float]]:
    """entry id -> {juror id -> weighted score}, for the given entries only."""
    per_entry: dict[int, dict[int, float]] = {entry.entry_id: {} for entry in entries}
    for score in scores:
        bucket = per_entry.get(score.entry_id)
        if bucket is None:
            continue
        value = weighted_score(rules, score.values)
        if value is not None:
            bucket[score.juror_id] = value
    return per_entry


def weighted_score(rules: Rules, values: Mapping[str, float]) -> float | None:
    """One juror's score of one entry; None when a criterion of the rules is missing."""
    if any(criterion.key not in values for criterion in rules.criteria):
        return None
    return weighted_sum(rules.criteria, values)


def weighted_sum(criteria: Iterable[Criterion], values: Mapping[str, float]) -> float:
    """The sum of each criterion's points times its weight (every criterion given)."""
    return sum(criterion.weight * values[criterion.key] for criterion in criteria)


def _z_scores(per_entry: dict[int, dict[int, float]]) -> dict[int, dict[int, float]]:
    """entry id -> {juror id -> z-score}, per the module docstring."""
    by_juror: dict[int, list[float]] = {}
    for weighted in per_entry.values():
        for juror_id, value in weighted.items():
            by_juror.setdefault(juror_id, []).append(value)
    pooled = [value for values in by_juror.values() for value in values]
    pooled_stats = (_mean(pooled), _pstdev(pooled)) if pooled else (0.0, 0.0)
    stats = {
        juror_id: (_mean(values), _pstdev(values))
        if len(values) >= MIN_SCORES_TO_NORMALIZE
        else pooled_stats
        for juror_id, values in by_juror.items()
    }
    z: dict[int, dict[int, float]] = {}
    for entry_id, weighted in per_entry.items():
        row = z[entry_id] = {}
        for juror_id, value in weighted.items():
            mean, sd = stats[juror_id]
            row[juror_id] = (value - mean) / sd if sd > 0 else 0.0
    return z


def _rank(rules: Rules, results: list[EntryResult]) -> list[EntryResult]:
    def figure(result: EntryResult) -> float:
        value = result.normalized if rules.normalize else result.score
        # Only flagged entries (scored by too few jurors, or by none) lack the figure,
        # and they are not ranked.
        if value is None:
            raise ValueError(f"entry {result.entry_id} has no figure to rank by")
        return round(value, PRECISION)

    ranked = [result for result in results if result.flag is None]
    # Python's sort is stable: tied entries stay in the order given.
    keyed = sorted(((figure(result), result) for result in ranked), key=lambda pair: -pair[0])
    for place, _shared, result in _places(keyed, rules.tie_policy):
        result.overall_place = place
    sides: dict[str | None, list[tuple[float, EntryResult]]] = {}
    for pair in keyed:
        sides.setdefault(pair[1].side, []).append(pair)
    for group in sides.values():
        for place, shared, result in _places(group, rules.tie_policy):
            result.place = place
            result.shared = shared
            result.winner = place <= rules.quota_per_side
    return [result for _, result in keyed] + [r for r in results if r.flag is not None]


def _places(
    keyed: list[tuple[float, EntryResult]], policy: str
) -> list[tuple[int, bool, EntryResult]]:
    """(place, shared, result) for results sorted by figure, highest first."""
    counts: dict[float, int] = {}
    for value, _ in keyed:
        counts[value] = counts.get(value, 0) + 1
    places = []
    previous: float | None = None
    place = distinct = 0
    for position, (value, result) in enumerate(keyed, start=1):
        if value != previous:
            distinct += 1
            place = position if policy == TiePolicy.SHARED else distinct
            previous = value
        places.append((place, counts[value] > 1, result))
    return places


def _mean(values: Sequence[float]) -> float:
    return math.fsum(values) / len(values)


def _pstdev(values: Sequence[float]) -> float:
    mean = _mean(values)
    return math.sqrt(math.fsum((value - mean) ** 2 for value in values) / len(values))
