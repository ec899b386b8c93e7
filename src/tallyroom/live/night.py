"""A night's state: every council with its polls declared so far, recomputed after each declaration.

A night served from the log is a fold over it: `follow` takes in, in the order the log took them, the
declarations, corrections and council results of the day that the log gained since the night last
read it (its `position`, a source id), and the deliveries that changed what a council stands on (its
earlier results, a councillor roll, a control record). Every process that folds the same log gets the
same events with the same numbers, so a reader may resume with any worker, before or after a restart.

`declare` takes one declaration and returns the events it causes, in order: the declaration itself; a
call when the council's outcome has just become certain; a withdrawn call when a correction unsettles
one (a call never silently reverts); the council's completion; a record of the night when one falls.
Each council is recomputed whole: it has at most about a hundred seats, and the parts that do not change
during the night (its earlier results rolled into a roster, its councillor roll) are prepared once, as
the log held them when the council joined the night.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Collection, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from enum import StrEnum
from typing import Any, NamedTuple

from sqlalchemy import Engine

from tallyroom import serialise
from tallyroom.live import events
from tallyroom.live.events import Event, EventType
from tallyroom.reference import Reference
from tallyroom.results import council_election
from tallyroom.rules.ballots import ballot_id
from tallyroom.rules.control import ControlSettings
from tallyroom.rules.counting import CountError, PollResult, count
from tallyroom.rules.model import (
    CompositionSnapshot,
    CouncilRef,
    CouncilResult,
    DeclarationStatus,
    ElectionType,
    EveOfPoll,
    Poll,
    ReadOut,
)
from tallyroom.rules.outcome import CouncilElection, CouncilOutcome, WardOutcome, compute
from tallyroom.rules.parties import Party
from tallyroom.rules.stv import NON_TRANSFERABLE, StvCount
from tallyroom.serialise import council_outcome
from tallyroom.store import queries
from tallyroom.store.database import reading
from tallyroom.store.queries import Entry

log = logging.getLogger(__name__)

Templates = Callable[[Collection[CouncilRef], int | None], dict[str, CouncilElection]]
"""What councils stand on before their first result (earlier results, roll, control before), as the
log held it at a position (None: as it holds it now)."""


@dataclass
class CouncilNight:
    """One council through the night."""

    template: CouncilElection
    polls: dict[str, Poll]
    declared: dict[str, PollResult] = field(default_factory=dict)
    revisions: dict[str, int] = field(default_factory=dict)
    card: bool = False
    """Tonight's polls are all known, from nominations."""
    counting: set[str] = field(default_factory=set)
    """Wards (code, else name) whose count has been heard under way: an STV count's stages read out."""
    called: str | None = None
    complete: bool = False
    outcome: CouncilOutcome | None = None

    def recompute(self) -> CouncilOutcome:
        pending = tuple(p for key, p in self.polls.items() if key not in self.declared)
        election = replace(
            self.template,
            results=tuple(self.declared.values()),
            pending=pending,
            card=self.card,
            counting=frozenset(self.counting),
        )
        self.outcome = compute(election)
        return self.outcome


@dataclass
class Night:
    """Every council polling on one day, and the events so far. `position` is how far into the log the
    night has read (see `follow`)."""

    reference: Reference
    election_date: date
    templates: Templates
    councils: dict[str, CouncilNight] = field(default_factory=dict)
    executive: dict[str, PollResult] = field(default_factory=dict)
    seq: int = 0
    position: int = 0
    records: dict[RecordKind, Record] = field(default_factory=dict)
    """Who holds each record of the night now."""
    parties: dict[str, Party] = field(default_factory=dict)
    counts: dict[tuple[str, str, str], StvCount] = field(default_factory=dict)
    """Each STV ward's count from the newest papers the night has taken (`stv_key`), counted once when
    they arrive, for whatever shows the count."""

    @classmethod
    def open(
        cls,
        reference: Reference,
        on: date,
        polls: Iterable[Poll],
        earlier: dict[str, list[Poll]],
        snapshots: dict[str, CompositionSnapshot] | None = None,
        control: dict[str, str] | None = None,
        settings: ControlSettings | None = None,
        eves: dict[str, EveOfPoll] | None = None,
    ) -> Night:
        """A night before any result, with the polls to be declared (nominations) for each council and
        what each council stands on given in the dicts."""

        def preloaded(councils: Collection[CouncilRef], _position: int | None) -> dict[str, CouncilElection]:
            return {
                council.code: council_election(
                    reference,
                    council,
                    on,
                    [],
                    earlier.get(council.code, []),
                    snapshot=(snapshots or {}).get(council.code),
                    control_before=(control or {}).get(council.code),
                    eve=(eves or {}).get(council.code),
                    settings=settings,
                )
                for council in councils
            }

        night = cls(reference, on, preloaded)
        by_council: dict[str, list[Poll]] = {}
        for poll in polls:  # on the card: known, not yet declared, whatever the copy given says
            if poll.status is not DeclarationStatus.POSTPONED:
                poll = poll._replace(status=DeclarationStatus.NOMINATED)
            by_council.setdefault(poll.council.code, []).append(poll)
        for _, council_polls in sorted(by_council.items(), key=lambda kv: kv[1][0].council.name):
            night._council(council_polls[0].council, council_polls, card=True)
        return night

    def _council(
        self,
        council: CouncilRef,
        polls: Iterable[Poll] = (),
        template: CouncilElection | None = None,
        card: bool = False,
    ) -> CouncilNight:
        """A council joins the night with the polls known for it (none, when results come unannounced;
        all of tonight's, from its `card` of nominations)."""
        if template is None:
            template = self.templates([council], None)[council.code]
        joined = self.councils[council.code] = CouncilNight(template, {}, card=card)
        for poll in polls:
            joined.polls[ballot_id(poll)] = poll
            for c in poll.candidacies:
                self.parties.setdefault(c.party.id, c.party)
        joined.recompute()
        return joined

    def take(
        self,
        entries: Sequence[Entry],
        eve: Sequence[tuple[int, datetime, str]] = (),
        stv: Mapping[tuple[str, str, str], StvCount] | None = None,
    ) -> list[Event]:
        """What the log took, in its order: at each position first the councils whose eve of poll it
        changed, then its declarations and council results, an STV ward's stages before its declaration
        (`stv`: the counts of the papers the log took, by council, ward and kind), and stages read out.
        Each event is stamped with when the log took what caused it."""
        found: list[Event] = []
        times = {e.position: e.at for e in entries} | {p: at for p, at, _ in eve}
        changed: dict[int, list[str]] = {}
        for position, _, code in eve:
            changed.setdefault(position, []).append(code)
        at_position: dict[int, list[Entry]] = {}
        for entry in entries:
            at_position.setdefault(entry.position, []).append(entry)
        for position, at in sorted(times.items()):
            made = self._refresh([c for c in changed.get(position, []) if c in self.councils], position)
            taken = at_position.get(position, [])
            made += self._join([e.council for e in taken], position)
            for entry in taken:
                made += self._take(entry, stv or {})
            found += [replace(e, at=at) for e in made]
            self.position = max(self.position, position)
        return found

    def _join(self, councils: Iterable[CouncilRef], position: int) -> list[Event]:
        """Councils new to the night join it together, standing on the log as it was at `position`; one
        that its seats not up already decide is called at once (it cannot change hands tonight)."""
        joining = {c.code: c for c in councils if c.code not in self.councils}
        found: list[Event] = []
        if joining:
            made = self.templates(joining.values(), position)
            for code, council in joining.items():
                joined = self._council(council, template=made[code])
                if joined.outcome is not None and joined.outcome.decided:
                    found += self._calls(joined, joined.outcome)
        return found

    def _take(self, entry: Entry, stv: Mapping[tuple[str, str, str], StvCount]) -> list[Event]:
        try:
            if entry.eve is not None:
                return []  # the council joined the night, standing on it (`_join`, `_refresh`)
            if entry.council_result is not None:
                return self.declare_council(entry.council_result)
            if entry.stage is not None:
                return self.read_out(entry.stage)
            poll = entry.poll
            assert poll is not None
            if poll.election_type is not ElectionType.LOCAL:
                return self.declare_executive(poll) if poll.status is DeclarationStatus.DECLARED else []
            if poll.status.on_card:
                return self.nominate(poll)
            return self.declare_counted(poll, stv.get(stv_key(poll)), entry.revision)
        except CountError as error:  # a log written before counting ran at input: never fatal
            log.error("not counted: %s (position %s)", error, entry.position)
            return []

    def _refresh(self, codes: Collection[str], position: int) -> list[Event]:
        """Councils whose eve of poll a delivery changed stand on the log as it is now: recomputed, with
        a call made or withdrawn if that changed."""
        found: list[Event] = []
        if not codes:
            return found
        made = self.templates([self.councils[c].template.council for c in codes], position)
        for code in codes:
            council = self.councils[code]
            council.template = made[code]
            found += self._calls(council, council.recompute())
        return found

    def nominate(self, poll: Poll) -> list[Event]:
        """A poll on the council's card: its candidates known before its count, or its poll postponed.
        A council with a card knows every seat up tonight; a postponed poll is announced."""
        council = self.councils.get(poll.council.code) or self._council(poll.council)
        council.card = True
        council.polls[ballot_id(poll)] = poll
        for c in poll.candidacies:
            self.parties.setdefault(c.party.id, c.party)
        outcome = council.recompute()
        found = []
        if poll.status is DeclarationStatus.POSTPONED:
            found.append(self._event(EventType.POSTPONED, poll.council, {"ward": events.ward(poll)}))
        return found + self._calls(council, outcome)

    def declare(self, poll: Poll, revision: int | None = None) -> list[Event]:
        """Take one declaration, a first result or a correction (its `revision` in the log, when it
        comes from the log), and return the events it causes. Provisional figures and a recount are
        announced, and leave the poll pending, or make it so again: until it is declared, the count is
        open, the council is not complete, and a call it unsettles is withdrawn."""
        council = self.councils.get(poll.council.code) or self._council(poll.council)
        key = ballot_id(poll)
        if poll.status.counting:
            council.polls[key] = poll
            council.declared.pop(key, None)
            outcome = council.recompute()
            council.complete = council.complete and outcome.complete
            told = self._event(EventType(poll.status.value), poll.council, events.counting(poll, outcome))
            return [told, *self._calls(council, outcome)]
        council.polls[key] = poll
        council.declared[key] = count(poll)
        replaces = key in council.revisions  # a result declared before: a card's row is none
        council.revisions[key] = revision or council.revisions.get(key, 0) + 1
        for c in poll.candidacies:
            self.parties.setdefault(c.party.id, c.party)
        outcome = council.recompute()
        ward = next(w for w in outcome.wards if w.result is council.declared[key])
        body = events.declaration(ward, outcome, council.revisions[key], replaces)
        found = [self._event(EventType.DECLARATION, poll.council, body)]
        found += self._calls(council, outcome)
        if outcome.complete and not council.complete:
            council.complete = True
            found.append(
                self._event(EventType.COMPLETE, poll.council, {"outcome_detail": self._detail(outcome)})
            )
        found += self._records(poll.council, ward)
        return found

    def stages(self, poll: Poll, count: StvCount) -> list[Event]:
        """An STV ward's count announced stage by stage, before its declaration."""
        return [
            self._event(EventType.STAGE, poll.council, {"ward": events.ward(poll), **serialise.stv_stage(s)})
            for s in count.stages
        ]

    def read_out(self, stage: ReadOut) -> list[Event]:
        """A stage of an STV count as the desk heard it read out (a stage sheet's, `importers.stages`),
        before the papers or the declaration reach the log: announced with its totals as read out, and
        the ward counted as under way until it declares."""
        council = self.councils.get(stage.council.code) or self._council(stage.council)
        council.counting.add(stage.ward.code or stage.ward.name)
        council.recompute()
        totals = stage.totals
        body = {
            "ward": {"name": stage.ward.name, "code": stage.ward.code},
            "stage": stage.stage,
            "totals": {n: str(v) for n, v in totals.items() if n.casefold() != NON_TRANSFERABLE},
            "non_transferable": next(
                (str(v) for n, v in totals.items() if n.casefold() == NON_TRANSFERABLE), None
            ),
            "read_out": True,
        }
        return [self._event(EventType.STAGE, stage.council, body)]

    def declare_counted(self, poll: Poll, count: StvCount | None, revision: int | None = None) -> list[Event]:
        """A declaration, an STV ward's stages first where its papers were counted (`count`); a mayor's
        or commissioner's, apart from the councils."""
        if poll.election_type is not ElectionType.LOCAL:
            return self.declare_executive(poll)
        if count is None:
            return self.declare(poll, revision)
        self.counts[stv_key(poll)] = count
        return [*self.stages(poll, count), *self.declare(poll, revision)]

    def declare_executive(self, poll: Poll) -> list[Event]:
        """A mayor's or police and crime commissioner's result: counted and announced, apart from the
        councils (it fills no council seat)."""
        result = count(poll)
        self.executive[ballot_id(poll)] = result
        body = {
            "ballot": ballot_id(poll),
            "election_type": poll.election_type.value,
            "area": poll.ward.name,
            "elected": [{"candidate": c.name, "party": c.party.name} for c in result.elected],
        }
        return [self._event(EventType.EXECUTIVE, poll.council, body)]

    def declare_council(self, result: CouncilResult) -> list[Event]:
        """A council's result as a news agency sends it, seats per party: it settles the council whole."""
        council = self.councils.get(result.council.code) or self._council(result.council)
        council.template = replace(council.template, council_result=result, total_seats=result.total_seats)
        council.declared.clear()
        for party in result.seats_after:
            self.parties.setdefault(party.id, party)
        outcome = council.recompute()
        body = {"won": serialise.seats(outcome.won), "composition": serialise.seats(outcome.composition)}
        found = [self._event(EventType.COUNCIL_RESULT, result.council, body), *self._calls(council, outcome)]
        if not council.complete:
            council.complete = True
            found.append(
                self._event(EventType.COMPLETE, result.council, {"outcome_detail": self._detail(outcome)})
            )
        return found

    def _calls(self, council: CouncilNight, outcome: CouncilOutcome) -> list[Event]:
        now = outcome.control_after if outcome.decided else None
        found = []
        if council.called is not None and now != council.called:
            found.append(
                self._event(
                    EventType.CALL_WITHDRAWN,
                    outcome.council,
                    events.withdrawn(council.called, outcome, self.parties),
                )
            )
            council.called = None
        if now is not None and council.called is None:
            council.called = now
            found.append(self._event(EventType.CALL, outcome.council, events.call(outcome, self.parties)))
        return found

    def _records(self, council: CouncilRef, ward: WardOutcome) -> list[Event]:
        """Records of the night as they fall: the closest result, the biggest swing. A ward's result
        that beats a record sets a new one; a correction of the ward holding a record sends the
        record to whichever ward holds it now (announced again, `corrected`), or keeps it there."""
        found = []
        key = ballot_id(ward.result.poll)
        for kind in RecordKind:
            held, mine = self.records.get(kind), _record(kind, council, ward)
            corrected = held is not None and held.ballot == key
            if corrected:
                now = min(self._standing(kind), key=lambda r: r.rank, default=None)
            else:
                now = mine if mine is not None and (held is None or mine.rank < held.rank) else held
            if now is None:
                self.records.pop(kind, None)
                continue
            if now != held:
                body = now.body | ({"corrected": True} if corrected else {})
                found.append(self._event(EventType.RECORD, now.council, body))
            self.records[kind] = now
        return found

    def _standing(self, kind: RecordKind) -> Iterator[Record]:
        """Every declared ward's claim to a record, as the night stands."""
        for council in self.councils.values():
            for ward in council.outcome.wards if council.outcome is not None else ():
                if ballot_id(ward.result.poll) in council.declared:
                    mine = _record(kind, council.template.council, ward)
                    if mine is not None:
                        yield mine

    def _detail(self, outcome: CouncilOutcome) -> dict[str, object]:
        return council_outcome(outcome, self.reference.parties.get)

    def _event(self, kind: EventType, council: CouncilRef, body: dict[str, Any]) -> Event:
        self.seq += 1
        return Event(self.seq, kind, council, body)

    def settled_before_results(self) -> list[Event]:
        """Calls for councils whose seats not up already decide control: they cannot change hands
        tonight (§6.6), and are called before any result."""
        found = []
        for council in self.councils.values():
            if not council.declared and council.outcome is not None and council.outcome.decided:
                found += self._calls(council, council.outcome)
        return found

    def rehearse(self) -> list[Event]:
        """Every council at zero, before any result, as newsrooms rehearse their pages and feeds."""
        return [
            self._event(
                EventType.REHEARSAL,
                council.template.council,
                {
                    "progress": {
                        "seats_declared": 0,
                        "seats_up": sum(p.seats for p in council.polls.values()),
                    },
                    "won": {},
                },
            )
            for council in self.councils.values()
        ]

    def outcomes(self) -> list[CouncilOutcome]:
        return [c.outcome for c in self.councils.values() if c.outcome is not None]


def open_night(
    engine: Engine, reference: Reference, on: date, settings: ControlSettings | None = None
) -> Night:
    """A night for a day, read from the log by `follow`: each council joins as the log first names it,
    with its earlier results, councillor roll and control record read from the log as it was then."""
    return Night(reference, on, _templates_from_log(engine, reference, on, settings))


class RecordKind(StrEnum):
    """The records of the night."""

    CLOSEST = "closest-result"
    BIGGEST_SWING = "biggest-swing"


class Record(NamedTuple):
    """A ward's claim to a record of the night, ordered best first (`rank`): the smallest majority, the
    biggest swing either way; against an equal, the one holding it keeps it."""

    rank: float
    ballot: str
    council: CouncilRef
    body: dict[str, Any]


def _record(kind: RecordKind, council: CouncilRef, ward: WardOutcome) -> Record | None:
    result = ward.result
    named = {"name": result.poll.ward.name, "code": result.poll.ward.code}
    if kind is RecordKind.CLOSEST:
        if not result.contested or result.majority is None:
            return None
        body = {"record": kind, "ward": named, "majority": result.majority}
        return Record(result.majority, ballot_id(result.poll), council, body)
    swing = ward.swing
    if swing is None:
        return None
    points = {"to": swing.to.name, "from": swing.away.name, "points": round(swing.points, 1)}
    return Record(
        -abs(swing.points), ballot_id(result.poll), council, {"record": kind, "ward": named, "swing": points}
    )


def stv_key(poll: Poll) -> tuple[str, str, str]:
    """How `store.queries.stv_counts_on` knows a poll's count: council, ward (code, else name), kind."""
    return poll.council.code, poll.ward.code or poll.ward.name, poll.kind.value


def follow(engine: Engine, night: Night, announce: bool = True) -> list[Event]:
    """Take into the night what the log gained since the night last read it, and the events that
    causes: with `announce`, an STV ward's stages before its declaration, its papers counted once
    (`Night.counts`) (a night that only prints
    what arrives from now on, `watch`, need not count every ward again to announce what is long over;
    a night that numbers its events for readers must, or its numbers would not be the log's). Before
    its first council, a night need not look at eve-of-poll changes older than its first entry: a
    council joining reads the log as it was then."""
    with reading(engine) as conn:  # one connection for the five questions
        upto = queries.log_position(conn)
        if upto <= night.position:
            return []
        entries = queries.day_entries(
            conn, night.reference.parties, night.election_date, night.position, upto
        )
        since = night.position if night.councils else min((e.position for e in entries), default=upto)
        eve = queries.eve_changes(conn, night.election_date, since, upto) if since < upto else []
        declared = {
            stv_key(e.poll) for e in entries if e.poll and e.poll.status is DeclarationStatus.DECLARED
        }
        if announce:
            declared |= queries.stv_papers_taken(conn, night.election_date, night.position, upto)
        stv = (
            queries.stv_counts_on(conn, night.election_date, wards=declared) if declared and announce else {}
        )
    found = night.take(entries, eve, stv)
    night.counts.update(stv)  # papers taken again for a declaration that did not change
    night.position = upto
    return found


def _templates_from_log(
    engine: Engine, reference: Reference, on: date, settings: ControlSettings | None
) -> Templates:
    def read(councils: Collection[CouncilRef], position: int | None) -> dict[str, CouncilElection]:
        codes = {c.code for c in councils}
        earlier: dict[str, list[Poll]] = {}
        for poll in queries.load_polls(engine, reference.parties, before=on, councils=codes, upto=position):
            if poll.election_type is ElectionType.LOCAL:
                earlier.setdefault(poll.council.code, []).append(poll)
        snapshots = queries.snapshots_before(engine, reference.parties, on, upto=position, councils=codes)
        control = queries.control_records(engine, on, upto=position)
        eves = queries.eves(engine, reference.parties, on, upto=position, councils=codes)
        return {
            c.code: council_election(
                reference,
                c,
                on,
                [],
                earlier.get(c.code, []),
                snapshot=snapshots.get(c.code),
                control_before=control.get(c.code),
                eve=eves.get(c.code),
                settings=settings,
            )
            for c in councils
        }

    return read
