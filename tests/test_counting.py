"""Counting one poll: block voting, ties by lot, uncontested wards, SV and FPTP, on published figures."""

from __future__ import annotations

from datetime import date

import pytest

from tallyroom.reference import Reference
from tallyroom.rules.counting import CountError, count, voting_system
from tallyroom.rules.model import (
    BallotFigures,
    Candidacy,
    CouncilRef,
    ElectionType,
    Poll,
    VotingSystem,
    WardRef,
)

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

DERBYSHIRE_PCC = CouncilRef("E23000026", "Derbyshire")


def poll(ref: Reference, seats: int, rows: list[tuple[str, str, int | None]], **kw: object) -> Poll:
    candidacies = tuple(
        Candidacy(name, ref.parties.resolve(label), label, votes) for name, label, votes in rows
    )
    fields: dict[str, object] = {
        "election_date": date(2021, 5, 6),
        "council": CouncilRef("E06000015", "Derby"),
        "ward": WardRef("Ward"),
        "seats": seats,
        "candidacies": candidacies,
    }
    fields.update(kw)
    return Poll(**fields)  # type: ignore[arg-type]


def test_block_vote_elects_the_top_n_and_measures_the_majority_at_the_line(ref: Reference) -> None:
    # domain §3.4, worked example 3 (illustrative figures from the rules document)
    result = count(
        poll(
            ref,
            3,
            [
                ("A", "Lab", 1250),
                ("B", "Lab", 1180),
                ("C", "Lab", 1050),
                ("D", "Con", 1100),
                ("E", "Con", 980),
            ],
            figures=BallotFigures(electorate=9000, ballots_counted=2700, rejected=20),
        )
    )
    assert [c.name for c in result.elected] == ["A", "B", "D"]
    assert result.majority == 50
    assert result.flags == ()


def test_a_tie_at_the_line_needs_a_lot_and_is_recorded_not_faked(ref: Reference) -> None:
    rows = [("A", "Lab", 900), ("B", "Con", 700), ("C", "LD", 700)]
    with pytest.raises(CountError, match="tie on 700"):
        count(poll(ref, 2, rows))
    tied = poll(ref, 2, rows)
    marked = tuple(
        Candidacy(c.name, c.party, c.label, c.votes, tie_break_winner=c.name == "C") for c in tied.candidacies
    )
    result = count(Poll(tied.election_date, tied.council, tied.ward, 2, marked))
    assert [c.name for c in result.elected] == ["A", "C"]
    assert result.tie_break is not None and result.tie_break.method == "lot"
    assert set(result.tie_break.between) == {"B", "C"}
    assert [c.votes for c in result.ranked] == [900, 700, 700]
    assert result.majority == 0


def test_uncontested_ward_elects_everyone_without_votes_or_majority(ref: Reference) -> None:
    result = count(poll(ref, 2, [("A", "C", None), ("B", "C", None)]))
    assert not result.contested
    assert len(result.elected) == 2
    assert result.majority is None


def test_published_winner_disagreeing_with_votes_is_flagged_not_rejected(ref: Reference) -> None:
    base = poll(ref, 1, [("A", "Lab", 500), ("B", "Con", 400)])
    flipped = tuple(
        Candidacy(c.name, c.party, c.label, c.votes, elected=c.name == "B") for c in base.candidacies
    )
    result = count(Poll(base.election_date, base.council, base.ward, 1, flipped))
    assert [c.name for c in result.elected] == ["B"]
    assert any("differ" in f for f in result.flags)
    assert result.majority is None  # not 0, nor -100: no margin is measured between such winners


def test_ballot_invariants_are_flagged(ref: Reference) -> None:
    result = count(
        poll(
            ref,
            1,
            [("A", "Lab", 950), ("B", "Con", 500)],
            figures=BallotFigures(electorate=800, ballots_counted=900, rejected=10),
        )
    )
    assert any("more votes than" in f for f in result.flags)
    assert any("electors" in f for f in result.flags)


def test_voting_system_comes_from_data_by_date() -> None:
    assert voting_system(ElectionType.PCC, date(2021, 5, 6)) is VotingSystem.SV
    assert voting_system(ElectionType.MAYOR, date(2022, 5, 5)) is VotingSystem.SV
    assert voting_system(ElectionType.MAYOR, date(2023, 5, 4)) is VotingSystem.FPTP
    assert voting_system(ElectionType.PCC, date(2024, 5, 2)) is VotingSystem.FPTP


def test_the_last_day_of_a_voting_systems_range_is_in_it() -> None:
    """uk-election-ids' data ends SV on 3 May 2023 and FPTP for mayors on 18 June 2026, and its matcher
    finds no range for either day: a poll on one of them (a by-election) is counted by the range it
    ends."""
    assert voting_system(ElectionType.MAYOR, date(2023, 5, 3)) is VotingSystem.SV
    assert voting_system(ElectionType.PCC, date(2023, 5, 3)) is VotingSystem.SV
    assert voting_system(ElectionType.MAYOR, date(2026, 6, 18)) is VotingSystem.FPTP
    assert voting_system(ElectionType.MAYOR, date(2026, 6, 19)) is VotingSystem.SV


def sv_candidacy(ref: Reference, name: str, label: str, first: int, second: int | None) -> Candidacy:
    return Candidacy(name, ref.parties.resolve(label), label, first, transfers=second)


def test_supplementary_vote_derbyshire_pcc_2021(ref: Reference) -> None:
    # domain §4.1 worked example 4: published first round and final figures; the two eliminated
    # candidates' first-round votes are the rules document's derived approximations.
    candidacies = (
        sv_candidacy(ref, "Angelique Foster", "Conservative", 137_884, 11_865),
        sv_candidacy(ref, "Hardyal Singh Dhindsa", "Labour", 104_700, 12_864),
        sv_candidacy(ref, "Stan Heptinstall", "Liberal Democrats", 25_700, None),
        sv_candidacy(ref, "Timothy Prosser", "Reform UK", 10_600, None),
    )
    poll = Poll(
        date(2021, 5, 6),
        DERBYSHIRE_PCC,
        WardRef("Derbyshire"),
        1,
        candidacies,
        election_type=ElectionType.PCC,
    )
    result = count(poll)
    assert result.sv is not None
    assert result.sv.finalists == ("Angelique Foster", "Hardyal Singh Dhindsa")
    assert result.sv.final == {"Angelique Foster": 149_749, "Hardyal Singh Dhindsa": 117_564}
    assert [c.name for c in result.elected] == ["Angelique Foster"]
    assert result.majority == 32_185
    # The second round takes only the papers of the two knocked out: 36,300 first choices between them.
    too_many = (candidacies[0]._replace(transfers=23_437), *candidacies[1:])
    with pytest.raises(CountError, match=r"36,301 second-round votes added .* than the 36,300 first"):
        count(poll._replace(candidacies=too_many))


def test_supplementary_vote_stops_at_round_one_on_a_strict_majority(ref: Reference) -> None:
    candidacies = (
        sv_candidacy(ref, "A", "Conservative", 5001, None),
        sv_candidacy(ref, "B", "Labour", 5000, None),
    )
    result = count(
        Poll(date(2021, 5, 6), DERBYSHIRE_PCC, WardRef("X"), 1, candidacies, election_type=ElectionType.PCC)
    )
    assert result.sv is not None and result.sv.final == {}
    assert [c.name for c in result.elected] == ["A"]
    half = (
        sv_candidacy(ref, "A", "Conservative", 5000, 10),
        sv_candidacy(ref, "B", "Labour", 4000, 20),
        sv_candidacy(ref, "C", "Green", 1000, None),
    )
    result = count(
        Poll(date(2021, 5, 6), DERBYSHIRE_PCC, WardRef("X"), 1, half, election_type=ElectionType.PCC)
    )
    assert result.sv is not None and result.sv.final == {"A": 5010, "B": 4020}


def test_a_two_candidate_supplementary_vote_tied_on_first_choices_asks_for_a_lot(ref: Reference) -> None:
    tied = (
        sv_candidacy(ref, "A", "Conservative", 5000, None),
        sv_candidacy(ref, "B", "Labour", 5000, None),
    )
    with pytest.raises(CountError, match="the final round is tied; mark the winner chosen by lot"):
        count(Poll(date(2021, 5, 6), DERBYSHIRE_PCC, WardRef("X"), 1, tied, election_type=ElectionType.PCC))


def test_first_past_the_post_mansfield_mayor_2023(ref: Reference) -> None:
    # The published first-preference-free count of 4 May 2023: FPTP, so no second round is looked for.
    votes = [9987, 5832, 4992, 936, 420]
    candidacies = tuple(
        sv_candidacy(ref, f"candidate {i}", "Independent", v, None) for i, v in enumerate(votes)
    )
    result = count(
        Poll(
            date(2023, 5, 4),
            CouncilRef("E07000174", "Mansfield"),
            WardRef("Mansfield"),
            1,
            candidacies,
            election_type=ElectionType.MAYOR,
        )
    )
    assert result.sv is None
    assert [c.votes for c in result.elected] == [9987]
    assert result.majority == 9987 - 5832


def test_scottish_and_northern_irish_councils_count_by_stv() -> None:
    assert voting_system(ElectionType.LOCAL, date(2017, 5, 4), "SCT") is VotingSystem.STV
    assert voting_system(ElectionType.LOCAL, date(2019, 5, 2), "NIR") is VotingSystem.STV
    assert voting_system(ElectionType.LOCAL, date(2022, 5, 5), "WLS") is VotingSystem.FPTP
