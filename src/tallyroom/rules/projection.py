"""A projected national share after the published method as far as the results allow (§8.3, §8.5):
a projection, not the PNS.

1. Key wards: wards contested by the Conservatives, Labour and the Liberal Democrats both now and when
   their seats were last fought. Each party's change in top-vote share is measured there (a party that
   did not stand in a key ward has 0 there).
2. Each council's change is the mean over its key wards; the national change the mean over councils,
   each counting once (the areas with no election are taken to move like the mean council).
3. Wards are grouped by the year their seats were last fought (2021 has two: the seats of 2016 and of
   2017). Each group's projection is that year's projected share plus its national change; the groups
   are then averaged, weighted by their key wards.
4. The parties without a projected share in the baseline year (Greens, Reform UK in 2021, independents:
   their change from an unknown share cannot be measured) share what the others leave (100 less their
   projected shares), in proportion to their mean shares in the key wards now.

Nothing here reads a file: the baselines are handed in, and a projection for a year must be handed a
table without that year's own figure (see `tallyroom.published`).
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass

from tallyroom.rules.model import Poll
from tallyroom.rules.parties import INDEPENDENT
from tallyroom.rules.shares import ShareMethod, ward_votes

KEY_PARTIES = ("conservative", "labour", "liberal-democrats")
LABEL = "projection, not PNS"
METHOD = (
    "Projection, not PNS. Key wards are wards contested by the Conservatives, Labour and the Liberal "
    "Democrats both now and when the seats were last fought. Each party's change in top-vote share is "
    "averaged over each council's key wards, then over councils, each counting once, and added to the "
    "projected national share of the year the seats were last fought (published figures; for a year "
    "without one, this projection of that year). Where the seats of different years are up, each year's "
    "wards are projected from their own year and the results averaged by key wards. The parties with no "
    "projected share in the baseline year share what the others leave, in proportion to their mean "
    "shares in the key wards now."
)


@dataclass(frozen=True, slots=True)
class KeyWard:
    """A key ward's top-vote shares now and at its last-fought poll, in percent, by party id (every
    independent pooled)."""

    council: str
    baseline_year: int
    now: Mapping[str, float]
    before: Mapping[str, float]


@dataclass(frozen=True, slots=True)
class Projection:
    shares: dict[str, float]
    """Projected share by party id, in percent, largest first."""
    baseline_years: tuple[int, ...]
    wards_used: int
    councils_used: int
    missing_baselines: tuple[int, ...] = ()
    """Baseline years with no projected share to start from: their wards are left out."""


def _pooled(poll: Poll) -> dict[str, float]:
    votes = ward_votes(poll, ShareMethod.TOP_VOTE)
    total = sum(votes.values())
    shares: dict[str, float] = defaultdict(float)
    for key, v in votes.items():
        shares[INDEPENDENT if "#" in key else key] += 100 * v / total
    return dict(shares)


def key_ward(now: Poll, before: Poll | None, parties: Sequence[str] = KEY_PARTIES) -> KeyWard | None:
    """The ward as a key ward, or None where `parties` did not all stand in it both times."""
    if before is None:
        return None
    shares_now, shares_before = _pooled(now), _pooled(before)
    if not all(p in shares_now and p in shares_before for p in parties):
        return None
    return KeyWard(now.council.code, before.election_date.year, shares_now, shares_before)


class Tally:
    """Running sums of the key wards by baseline year: each council's totals, and the sum over councils
    of each council's mean, kept up to date as each ward is added. A declaration then costs the parties
    of one council to add and the parties of the night to project, and the figures are those of the
    wards taken at once."""

    def __init__(self) -> None:
        self._wards: dict[int, dict[str, int]] = defaultdict(lambda: defaultdict(int))
        self._totals: dict[int, dict[str, dict[str, list[float]]]] = defaultdict(
            lambda: defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
        )
        self._means: dict[int, dict[str, list[float]]] = defaultdict(lambda: defaultdict(lambda: [0.0, 0.0]))
        """Per year and party: the sums over councils of the mean change and of the mean share now."""

    def add(self, ward: KeyWard) -> None:
        year, council = ward.baseline_year, ward.council
        totals, means, n = self._totals[year][council], self._means[year], self._wards[year][council]
        self._take(totals, means, n, -1)
        for party in {*ward.now, *ward.before}:
            totals[party][0] += ward.now.get(party, 0) - ward.before.get(party, 0)
            totals[party][1] += ward.now.get(party, 0)
        self._wards[year][council] = n + 1
        self._take(totals, means, n + 1, 1)

    @staticmethod
    def _take(totals: dict[str, list[float]], means: dict[str, list[float]], n: int, sign: int) -> None:
        """Add (or with `sign` -1 take away) a council's means over its `n` key wards."""
        if n:
            for party, (change, now) in totals.items():
                means[party][0] += sign * change / n
                means[party][1] += sign * now / n

    def projection(self, baselines: Mapping[int, Mapping[str, float]]) -> Projection:
        """The projected shares from the key wards so far and each baseline year's projected shares."""
        missing = tuple(sorted(y for y in self._wards if y not in baselines))
        used = sorted(y for y in self._wards if y in baselines)
        weights = {y: sum(self._wards[y].values()) for y in used}
        combined: dict[str, float] = defaultdict(float)
        for year in used:
            for party, share in self._group(year, baselines[year]).items():
                combined[party] += share * weights[year] / sum(weights.values())
        return Projection(
            {p: s for p, s in sorted(combined.items(), key=lambda kv: -kv[1]) if s > 0},
            tuple(used),
            sum(weights.values()),
            sum(len(self._wards[y]) for y in used),
            missing,
        )

    def _group(self, year: int, baseline: Mapping[str, float]) -> dict[str, float]:
        """One baseline year's projection: its projected shares plus the mean council's change; the
        other parties share what those leave, by their mean key-ward shares now."""
        councils, means = len(self._wards[year]), self._means[year]
        projected = {p: max(0.0, base + means[p][0] / councils) for p, base in baseline.items()}
        rest = max(0.0, 100 - sum(projected.values()))
        others = {p: now for p, (_, now) in means.items() if p not in baseline and now > 0}
        projected.update({p: rest * now / sum(others.values()) for p, now in others.items()})
        return projected


def project(wards: Iterable[KeyWard], baselines: Mapping[int, Mapping[str, float]]) -> Projection:
    """The projected shares from the key wards and each baseline year's projected shares."""
    tally = Tally()
    for ward in wards:
        tally.add(ward)
    return tally.projection(baselines)
