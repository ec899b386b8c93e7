"""Results as CSV, one row per candidacy, in Democracy Club's column names and then our own.

The Democracy Club columns are those of the candidates site's data export
(candidates.democracyclub.org.uk/data/, YourNextRepresentative `data_exports/csv_fields.py`), in the
order that export writes them, wherever we hold the data; DC's columns we cannot fill (`person_id`,
`election_current`, `cancelled_poll`, `results_source`, ...) are left out rather than left blank. Like
that export, true and false are written `t` and `f`, and an unknown value is an empty cell.

- `party_id` is the party's Electoral Commission id as DC gives it (`PP53`; `ynmp-party:2` for an
  independent), empty for a party the register has no EC id for; `tallyroom_party_id` is ours.
- `turnout_reported` is the ballot papers counted (valid and rejected) and `spoilt_ballots` the papers
  rejected, as YNR defines them (see `importers.dc._figures`); `turnout_percentage` is as published.
- `elected` is the published flag, else the count's (`rules.counting.count`); `rank` is the finishing
  position in a contested poll (blank when uncontested), and `tied_vote_winner` marks a seat won by lot.

A text cell that a spreadsheet would read as a formula (starting with `=`, `+`, `-`, `@`, a tab or a
carriage return) is written with a leading apostrophe, as OWASP's CSV injection guidance says; numbers
are written as they are. The CSV is text, not HTML: names are written exactly as given.

`stages_csv` writes every STV count stage by stage in the columns of a published stage sheet
(`importers.stages`), so that `stv-check` reads it back.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterable, Mapping
from functools import lru_cache
from typing import TextIO

from uk_election_ids.election_ids import IdBuilder

from tallyroom.rules.ballots import ballot_id
from tallyroom.rules.counting import CountError, PollResult, count
from tallyroom.rules.model import ElectionType, Poll, PollKind
from tallyroom.rules.parties import Party
from tallyroom.rules.stv import NON_TRANSFERABLE, StageAction, StvCount, parties_of

DC_COLUMNS = (
    "person_name",
    "election_id",
    "ballot_paper_id",
    "election_date",
    "party_name",
    "party_id",
    "post_label",
    "seats_contested",
    "by_election",
    "gss",
    "organisation_name",
    "party_description_text",
    "votes_cast",
    "elected",
    "tied_vote_winner",
    "rank",
    "turnout_reported",
    "spoilt_ballots",
    "total_electorate",
    "turnout_percentage",
)
"""Democracy Club's data export columns that we can fill, in DC's order: its core columns, then its
`election`, `candidacy` and `results` groups."""

OWN_COLUMNS = ("council_code", "ward_code", "tallyroom_party_id", "transfers", "incumbent")
"""Ours, after DC's: the council's GSS code; the ward's code as the log holds it (DC's `gss` is left
empty for a code that is not a GSS code); our party register's id; second-round votes added in a
supplementary vote count; and whether the candidate was a sitting councillor (where the source says)."""

COLUMNS = DC_COLUMNS + OWN_COLUMNS

INDEPENDENT_EC_ID = "ynmp-party:2"
"""Democracy Club's party id for independent candidates (they have no Electoral Commission id)."""

GSS = re.compile(r"^[ENSWK]\d{8}$")

FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")

STAGE_COLUMNS = (
    "council",
    "council_code",
    "ward",
    "ward_code",
    "by_election",
    "quota",
    "stage",
    "action",
    "subjects",
    "transfer_value",
    "candidate",
    "party_name",
    "votes",
    "status",
)
"""One row per candidate per stage, then the stage's non-transferable papers (candidate
`non-transferable`): votes exact, as counted; `subjects` the candidates whose surplus or exclusion the
stage passes on (`; ` between them); `status` `elected` or `excluded` at the stage that did it."""

Cell = str | int | float | None


def results_csv(polls: Iterable[Poll]) -> str:
    """The polls' candidacies as CSV text, a header row then one row per candidacy, polls in the order
    given and candidacies in ballot order."""
    out = io.StringIO(newline="")
    write_results_csv(polls, out)
    return out.getvalue()


def write_results_csv(polls: Iterable[Poll], out: TextIO) -> int:
    """Write the CSV to a text stream (open a file with `newline=""`); returns the candidacy rows
    written."""
    csv.writer(out).writerow(COLUMNS)
    written = 0
    for poll in polls:
        text, rows = _poll_csv(poll)
        out.write(text)
        written += rows
    return written


@lru_cache(maxsize=8192)
def _poll_csv(poll: Poll) -> tuple[str, int]:
    """A poll's rows as CSV text, and how many, made once for each poll as it stands: the whole night's
    CSV is written again after every declaration."""
    out = io.StringIO(newline="")
    rows = poll_rows(poll)
    csv.writer(out).writerows([_cell(value) for value in row] for row in rows)
    return out.getvalue(), len(rows)


def poll_rows(poll: Poll) -> list[tuple[Cell, ...]]:
    """A poll's rows, values unformatted (booleans as `t`/`f`, unknowns None), in `COLUMNS` order."""
    try:
        result: PollResult | None = count(poll)
    except CountError:
        result = None  # an unresolved tie: nobody's election can be decided from the votes
    elected_by_count = set(result.elected) if result else set()
    rank = {c: i for i, c in enumerate(result.ranked, 1)} if result and result.contested else {}
    lot_winners = set(result.tie_break.winners) if result and result.tie_break else set()
    figures = poll.figures
    shared: dict[str, Cell] = {
        "election_id": _organisation_group_id(poll),
        "ballot_paper_id": ballot_id(poll),
        "election_date": poll.election_date.isoformat(),
        "post_label": poll.ward.name,
        "seats_contested": poll.seats,
        "by_election": _flag(poll.kind is PollKind.BY_ELECTION),
        "gss": poll.ward.code if GSS.match(poll.ward.code) else None,
        "organisation_name": poll.council.name,
        "turnout_reported": figures.ballots_counted,
        "spoilt_ballots": figures.rejected,
        "total_electorate": figures.electorate,
        "turnout_percentage": figures.turnout_published,
        "council_code": poll.council.code,
        "ward_code": poll.ward.code,
    }
    rows = []
    for c in poll.candidacies:
        elected = c.elected if c.elected is not None else (c in elected_by_count if result else None)
        values: dict[str, Cell] = {
            **shared,
            "person_name": c.name,
            "party_name": c.party.name,
            "party_id": ec_id(c.party),
            "party_description_text": c.label,
            "votes_cast": c.votes,
            "elected": _flag(elected),
            "tied_vote_winner": _flag(c.tie_break_winner or (bool(elected) and c.name in lot_winners)),
            "rank": rank.get(c),
            "tallyroom_party_id": c.party.id,
            "transfers": c.transfers,
            "incumbent": _flag(c.incumbent),
        }
        rows.append(tuple(values[name] for name in COLUMNS))
    return rows


def stages_csv(polls: Iterable[Poll], counts: Mapping[tuple[str, str, str], StvCount]) -> str:
    """The counts (by council code, ward code or name, and kind, as `store.queries.stv_counts_on` gives
    them) of the polls that have one, in the order given, as CSV text."""
    out = io.StringIO(newline="")
    writer = csv.writer(out)
    writer.writerow(STAGE_COLUMNS)
    for poll in polls:
        stv = counts.get((poll.council.code, poll.ward.code or poll.ward.name, poll.kind.value))
        if stv is None:
            continue
        parties = {name: party.name for name, party in parties_of(stv, poll.candidacies).items()}
        for stage in stv.stages:
            shared: tuple[Cell, ...] = (
                poll.council.name,
                poll.council.code,
                poll.ward.name,
                poll.ward.code,
                _flag(poll.kind is PollKind.BY_ELECTION),
                stv.quota,
                stage.number,
                stage.action.value,
                "; ".join(stage.subjects),
                None if stage.transfer_value is None else str(stage.transfer_value),
            )
            excluded = stage.subjects if stage.action is StageAction.EXCLUSION else ()
            for name, votes in stage.totals.items():
                status = "elected" if name in stage.elected else "excluded" if name in excluded else None
                row = (*shared, name, parties.get(name), str(votes), status)
                writer.writerow([_cell(v) for v in row])
            row = (*shared, NON_TRANSFERABLE, None, str(stage.non_transferable), None)
            writer.writerow([_cell(v) for v in row])
    return out.getvalue()


def ec_id(party: Party) -> str:
    """The party's id as Democracy Club gives it: its Electoral Commission id, DC's id for
    independents, or "" where the register knows none (a local party)."""
    return INDEPENDENT_EC_ID if party.independent else party.ec_id


def _organisation_group_id(poll: Poll) -> str:
    """DC's `election_id`: the organisation's election that day (`local.derby.2021-05-06`), which for a
    mayor or commissioner is the ballot itself less any by-election marker."""
    builder = IdBuilder(poll.election_type.value, poll.election_date).with_organisation(poll.council.name)
    if poll.election_type is ElectionType.LOCAL:
        builder = builder.with_division(poll.ward.name)
    group: str = builder.organisation_group_id
    return group


def _flag(value: bool | None) -> str | None:
    return None if value is None else ("t" if value else "f")


def _cell(value: Cell) -> str | int | float:
    if value is None:
        return ""
    if isinstance(value, str):
        return neutralise(value)
    return value


def neutralise(text: str) -> str:
    """A text cell a spreadsheet will show as text: one that would start a formula gets a leading
    apostrophe (OWASP, CSV injection)."""
    return "'" + text if text.startswith(FORMULA_STARTS) else text
