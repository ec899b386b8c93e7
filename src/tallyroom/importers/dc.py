"""Democracy Club candidates API `result_sets` JSON (v0.9): a list of result sets, one per ballot.

Each result set names its ballot by its Democracy Club id (`local.sheffield.ecclesall.2021-05-06`,
domain §10), which gives the date, the election type, the organisation and whether it is a
by-election (`.by.` before the date). Its `candidate_results` give each candidate's votes
(`num_ballots`) and whether they won (`is_winner`). The ward is the membership's `post`: its `label`
is the name and its `id` (`gss:E05010867`, older `MTW:E05010881`) carries the GSS code; new wards
without a code yet have ids such as `ROT:rotherham-east` and are known by name alone. The result set
gives no seat count, so a poll fills as many seats as it has winners.

Errors name the file, the result set as the row (1-based: the first object in the list is row 1) and
the field as a path inside that result set, with 0-based list indexes as `jq` writes them:
`candidate_results[3].num_ballots` is the fourth candidate result.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from uk_election_ids.election_ids import IdBuilder

from tallyroom.delivery import Batch, Skip
from tallyroom.errors import InputError
from tallyroom.importers.base import CandidateRow, Context, Fields, assemble_polls, checked_text
from tallyroom.importers.limits import GSS, count_fault
from tallyroom.rules.model import BallotFigures, Candidacy, CouncilRef, ElectionType, PollKind, WardRef
from tallyroom.rules.parties import PartyRegister

TYPES = {"local": ElectionType.LOCAL, "mayor": ElectionType.MAYOR, "pcc": ElectionType.PCC}
_SPACE = re.compile(r"[ \t\n\r]*")


@dataclass(frozen=True)
class At:
    """Where a JSON value sits: the file, the result set (row) and the path inside it."""

    path: Path
    row: int
    field: str = ""

    def child(self, key: str | int) -> At:
        if isinstance(key, int):
            return At(self.path, self.row, f"{self.field}[{key}]")
        return At(self.path, self.row, f"{self.field}.{key}" if self.field else key)

    def error(self, message: str) -> InputError:
        return InputError(self.path, message, self.row, self.field or None)


class Node:
    """A JSON object read strictly: a missing key or a value of the wrong type is an InputError."""

    def __init__(self, value: object, at: At) -> None:
        if not isinstance(value, dict):
            raise at.error(f"expected an object, got {_kind(value)}")
        self.data: dict[str, object] = value
        self.at = at

    def _get(self, key: str) -> object:
        if key not in self.data:
            raise self.at.child(key).error("is missing")
        return self.data[key]

    def node(self, key: str) -> Node:
        return Node(self._get(key), self.at.child(key))

    def nodes(self, key: str) -> list[Node]:
        value, at = self._get(key), self.at.child(key)
        if not isinstance(value, list):
            raise at.error(f"expected a list, got {_kind(value)}")
        return [Node(item, at.child(index)) for index, item in enumerate(value)]

    def text(self, key: str) -> str:
        value, at = self._get(key), self.at.child(key)
        if not isinstance(value, str):
            raise at.error(f"expected text, got {_kind(value)}")
        return checked_text(at.path, at.row, at.field, value.strip())

    def whole(self, key: str) -> int:
        value = self.optional_whole(key, required=True)
        if value is None:
            raise self.at.child(key).error("is null")
        return value

    def optional_whole(self, key: str, required: bool = False) -> int | None:
        """A count that may be null; an absent key counts as null unless `required`."""
        value = self._get(key) if required else self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int):
            raise self.at.child(key).error(f"expected a whole number, got {_kind(value)}")
        if value < 0:
            raise self.at.child(key).error(f"cannot be negative: {value}")
        fault = count_fault(value)
        if fault is not None:
            raise self.at.child(key).error(fault)
        return value

    def optional_percentage(self, key: str) -> float | None:
        value = self.data.get(key)
        if value is None:
            return None
        if isinstance(value, bool) or not isinstance(value, int | float):
            raise self.at.child(key).error(f"expected a number, got {_kind(value)}")
        if not 0 <= value <= 100:
            raise self.at.child(key).error(f"not a percentage: {value}")
        return float(value)

    def flag(self, key: str) -> bool:
        value = self._get(key)
        if not isinstance(value, bool):
            raise self.at.child(key).error(f"expected true or false, got {_kind(value)}")
        return value

    def optional_flag(self, key: str) -> bool:
        """A flag that older API versions leave out: absent or null is false."""
        value = self.data.get(key)
        if value is None:
            return False
        if not isinstance(value, bool):
            raise self.at.child(key).error(f"expected true or false, got {_kind(value)}")
        return value


def _kind(value: object) -> str:
    if value is None:
        return "null"
    if isinstance(value, bool):
        return str(value).lower()
    if isinstance(value, dict):
        return "an object"
    if isinstance(value, list):
        return "a list"
    return repr(value)


def read(path: Path, context: Context) -> Batch:
    rows: list[CandidateRow] = []
    skipped: list[Skip] = []
    for index, value in result_sets(path, decode(path, path.read_bytes())):
        result_set = Node(value, At(path, index))
        ballot = result_set.text("ballot_paper_id")
        builder = parse_ballot_id(ballot, result_set.at.child("ballot_paper_id"))
        election_type = TYPES.get(builder.election_type)
        if election_type is None:
            reason = f"{ballot}: a {builder.election_type} ballot, not a local, mayor or pcc poll"
            skipped.append(Skip(index, reason))
            continue
        council = _council(result_set, builder, context)
        if council is None and election_type is ElectionType.LOCAL:
            raise result_set.at.child("ballot_paper_id").error(
                f"council {builder.organisation!r} is not in the council register"
            )
        if council is None:
            skipped.append(Skip(index, f"{ballot}: {builder.organisation!r} is not in the council register"))
            continue
        rows.extend(_candidate_rows(result_set, builder, election_type, council, context))
    return Batch(polls=assemble_polls(path, rows), skipped=skipped)


def _candidate_rows(
    result_set: Node, builder: IdBuilder, election_type: ElectionType, council: CouncilRef, context: Context
) -> list[CandidateRow]:
    results = result_set.nodes("candidate_results")
    if not results:
        raise result_set.at.child("candidate_results").error("no candidate results")
    _no_duplicates(results)
    ward = _ward(results)
    figures = _figures(result_set, [r.whole("num_ballots") for r in results])
    kind = PollKind.BY_ELECTION if builder.contest_type == "by" else PollKind.ORDINARY
    polling_day = date.fromisoformat(builder.date)
    return [
        CandidateRow(
            row=result_set.at.row,
            election_date=polling_day,
            council=council,
            ward=ward,
            candidacy=_candidacy(result, context.reference.parties),
            kind=kind,
            election_type=election_type,
            figures=figures,
            fields=_fields(result.at.field),
        )
        for result in results
    ]


def _fields(result: str) -> Fields:
    """Where each field of one candidate result is, as a path inside its result set."""
    post = f"{result}.membership.post"
    return Fields(
        council="ballot_paper_id",
        council_code="ballot_paper_id",
        ward=f"{post}.label",
        ward_code=f"{post}.id",
        votes=f"{result}.num_ballots",
        elected=f"{result}.is_winner",
        electorate="total_electorate",
        ballots="num_turnout_reported",
        rejected="num_spoilt_ballots",
        tie_break=f"{result}.tied_vote_winner",
        lot="true",
    )


def parse_ballot_id(ballot_id: str, at: At) -> IdBuilder:
    """The ballot's parsed id; a group id (`local.sheffield.2021-05-06`) is not a ballot."""
    day = ballot_id.rsplit(".", 1)[-1]
    try:
        date.fromisoformat(day)
    except ValueError:
        ends = f"it ends with {day!r}, not a date YYYY-MM-DD"
        raise at.error(f"not a Democracy Club ballot id: {ballot_id!r} ({ends})") from None
    try:
        builder = IdBuilder.from_id(ballot_id)
        canonical: str = builder.ballot_id
    except ValueError as error:
        raise at.error(f"not a Democracy Club ballot id: {ballot_id!r} ({error})") from None
    if canonical != ballot_id:
        raise at.error(f"not a Democracy Club ballot id: {ballot_id!r} (written {canonical!r})")
    return builder


def _council(result_set: Node, builder: IdBuilder, context: Context) -> CouncilRef | None:
    """The council by the id's organisation slug (`sheffield`), else by the election's name.

    None when the register does not hold it: `read` then skips a mayoral or PCC ballot, saying so,
    but rejects a local one, whose council's results would otherwise go missing.
    """
    names = [(builder.organisation or "").replace("-", " ")]
    for result in result_set.nodes("candidate_results")[:1]:
        election = result.node("membership").data.get("election")
        if isinstance(election, dict) and isinstance(election.get("name"), str):
            names.append(election["name"])
    for name in names:
        council = context.reference.councils.find(name, date.fromisoformat(builder.date)) if name else None
        if council is not None:
            return CouncilRef(council.code, council.name)
    return None


def _ward(results: list[Node]) -> WardRef:
    """The ballot's ward, from the post every candidate in it stands for."""
    post = results[0].node("membership").node("post")
    post_id = post.text("id")
    for result in results[1:]:
        other = result.node("membership").node("post")
        if other.text("id") != post_id:
            raise other.at.child("id").error(
                f"{other.text('id')!r} where the first candidate stands in {post_id!r}"
            )
    code = post_id.rpartition(":")[2]
    return WardRef(post.text("label"), code if GSS.fullmatch(code) else "")


def _no_duplicates(results: list[Node]) -> None:
    seen: dict[object, int] = {}
    for index, result in enumerate(results):
        person = result.node("membership").node("person")
        key = person.data.get("id") or person.text("name")
        if key in seen:
            first = f"candidate_results[{seen[key]}]"
            raise person.at.error(f"{person.text('name')!r} appears twice in this result set (also {first})")
        seen[key] = index


def _candidacy(result: Node, parties: PartyRegister) -> Candidacy:
    membership = result.node("membership")
    party = membership.node("on_behalf_of")
    return Candidacy(
        name=membership.node("person").text("name"),
        party=parties.resolve_first([party.text("id")], party.text("name")),
        label=party.text("name"),
        votes=result.whole("num_ballots"),
        elected=result.flag("is_winner"),
        tie_break_winner=result.optional_flag("tied_vote_winner")
        or membership.optional_flag("tied_vote_winner"),
    )


def _figures(result_set: Node, votes: list[int]) -> BallotFigures:
    """The result set's ballot figures, read as `ballot_figures` says."""
    return ballot_figures(
        electorate=result_set.optional_whole("total_electorate"),
        reported=result_set.optional_whole("num_turnout_reported"),
        spoilt=result_set.optional_whole("num_spoilt_ballots"),
        turnout=result_set.optional_percentage("turnout_percentage"),
        votes=votes,
    )


def ballot_figures(
    electorate: int | None, reported: int | None, spoilt: int | None, turnout: float | None, votes: list[int]
) -> BallotFigures:
    """Ballot figures, reading the reported turnout as YourNextRepresentative defines it (the API's
    `num_turnout_reported`, the CSV export's `turnout_reported`).

    YNR's `ResultSet.num_turnout_reported` ("Reported Turnout") is a number of ballot papers: YNR
    computes `turnout_percentage` as `num_turnout_reported / total_electorate`, and in the sample it
    equals the votes plus the spoilt papers in single-seat wards (Barnsley 2021, Kingstone:
    1,846 = 1,835 + 11). So it is the papers counted, valid plus rejected (`num_spoilt_ballots`).

    The data are crowd-sourced and the box is sometimes misused. Two kinds of value cannot be a count
    of papers and are not taken as one: a value of at most 100 below the leading candidate's votes is
    a percentage typed into the box (Sheffield 2018: 34, 43, ...) and becomes the published turnout
    when none is given; a value above the electorate is dropped. Anything else is kept as published
    and left to the checks of domain §3.3, even where it looks wrong (Doncaster 2021, Conisbrough:
    12,222 papers for 7,475 votes in a three-seat ward, with no electorate given).
    """
    ballots = reported
    if reported is not None and votes and reported <= 100 and reported < max(votes):
        ballots, turnout = None, turnout if turnout is not None else float(reported)
    elif reported is not None and electorate is not None and reported > electorate:
        ballots = None
    return BallotFigures(
        electorate=electorate, ballots_counted=ballots, rejected=spoilt, turnout_published=turnout
    )


def decode(path: Path, data: bytes) -> str:
    """The file as UTF-8 text; other bytes are an error naming the result set they fall in."""
    try:
        return data.decode("utf-8-sig")
    except UnicodeDecodeError as error:
        prefix = data[: error.start].decode("utf-8-sig")
        line = prefix.count("\n") + 1
        message = f"not UTF-8 text (byte {error.start}, line {line}); save the file as UTF-8"
        raise InputError(path, message, _row_at_end(path, prefix)) from None


def _row_at_end(path: Path, prefix: str) -> int | None:
    """The result set a cut-off text ends inside, found by reading it until it breaks."""
    row = None
    try:
        for index, _ in result_sets(path, prefix):
            row = index
    except InputError as error:
        return error.row
    return row


def result_sets(path: Path, text: str) -> Iterator[tuple[int, object]]:
    """The items of the top-level JSON list, one by one, so that a syntax error names its result set."""
    decoder = json.JSONDecoder()
    position = _skip_space(text, 0)
    if not text.startswith("[", position):
        raise InputError(
            path, "not a JSON list of result sets (the file must start with '[')", 1 if text else None
        )
    position = _skip_space(text, position + 1)
    index = 0
    if text.startswith("]", position):
        return
    while True:
        index += 1
        try:
            value, position = decoder.raw_decode(text, position)
        except json.JSONDecodeError as error:
            message = f"not valid JSON: {error.msg} (line {error.lineno}, column {error.colno})"
            raise InputError(path, message, index) from None
        yield index, value
        position = _skip_space(text, position)
        if text.startswith(",", position):
            position = _skip_space(text, position + 1)
            continue
        if text.startswith("]", position) and not text[position + 1 :].strip():
            return
        line = text.count("\n", 0, position) + 1
        what = "the file ends" if position >= len(text) else f"unexpected text at line {line}"
        raise InputError(
            path, f"not valid JSON: {what} after this result set (is the file cut short?)", index
        )


def _skip_space(text: str, position: int) -> int:
    match = _SPACE.match(text, position)
    return match.end() if match else position
