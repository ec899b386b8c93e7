"""The tables of the results log.

A poll is identified by its Democracy Club ballot id. Each declaration of a poll is a new revision with
its source, time and who entered it, and its candidacies as a JSON list in ballot order (name,
party_id, party_name, label, votes, elected, tie_break_winner, transfers, incumbent): a declaration is
read and written whole. Council-level results, control records and councillor rolls are revisioned the same
way in `council_records`, their content kept as JSON. Nothing is ever updated in place.

A revision's status is `declared` (a result: the newest declared revision is the current one),
`provisional` or `recount` (figures shown before a declaration, or a recount called: the poll is
pending again), or `superseded` (a feed message that arrived after a newer one, by the feed's own
revision numbers: kept for the record, never current). `source_revision` is the feed's number.

Every delivery the log takes is one transaction with one `sources` row, and writers queue on one lock,
so source ids are numbered in the order the log took them: a source id is a position in the log, and
every row a delivery wrote carries it.
"""

from __future__ import annotations

from enum import StrEnum

from sqlalchemy import (
    Boolean,
    Column,
    Date,
    DateTime,
    ForeignKey,
    Index,
    Integer,
    MetaData,
    String,
    Table,
    Text,
    UniqueConstraint,
    false,
)

metadata = MetaData()

sources = Table(
    "sources",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("format", String(20), nullable=False),
    Column("name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("loaded_at", DateTime(timezone=True), nullable=False),
    Column("loaded_by", String(100), nullable=False),
)

polls = Table(
    "polls",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("ballot_id", String(200), nullable=False, unique=True),
    Column("election_date", Date, nullable=False, index=True),
    Column("election_type", String(10), nullable=False),
    Column("council_code", String(12), nullable=False, index=True),
    Column("council_name", Text, nullable=False),
    Column("ward_code", String(12), nullable=False),
    Column("ward_name", Text, nullable=False),
    Column("kind", String(12), nullable=False),
)

declarations = Table(
    "declarations",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("poll_id", ForeignKey("polls.id"), nullable=False),
    Column("revision", Integer, nullable=False),
    Column("status", String(20), nullable=False),
    Column("source_id", ForeignKey("sources.id"), nullable=False, index=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("entered_by", String(100), nullable=False),
    Column("seats", Integer, nullable=False),
    Column("electorate", Integer),
    Column("ballots_counted", Integer),
    Column("rejected", Integer),
    Column("turnout_published", Text),
    Column("candidacies", Text, nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("source_revision", Integer),
    UniqueConstraint("poll_id", "revision"),
)


stv_papers = Table(
    "stv_papers",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("poll_id", ForeignKey("polls.id"), nullable=False),
    Column("source_id", ForeignKey("sources.id"), nullable=False, index=True),
    Column("fingerprint", String(64), nullable=False),
    Column("papers", Text, nullable=False),
    UniqueConstraint("poll_id", "fingerprint"),
)
"""The papers of an STV poll, the evidence its count is run from (§5.4), as JSON: `{seats, candidates:
[name, ...], papers: [[voters, [candidate numbers from 0 in order of preference]], ...]}`, whole in
itself whatever later declarations say of the poll. A poll's newest set is its current one; the same set
sent again is kept once."""


read_out_stages = Table(
    "read_out_stages",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("election_date", Date, nullable=False),
    Column("council_code", String(12), nullable=False),
    Column("council_name", Text, nullable=False),
    Column("ward_code", String(12), nullable=False),
    Column("ward_name", Text, nullable=False),
    Column("stage", Integer, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("source_id", ForeignKey("sources.id"), nullable=False, index=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("totals", Text, nullable=False),
    UniqueConstraint("election_date", "council_code", "ward_code", "stage", "revision"),
)
"""The stages of STV counts as the desk heard them read out (`rules.model.ReadOut`), before the papers
or the declaration: `totals` is JSON, candidate (or the sheet's non-transferable line) to votes as
published. A stage read out again with other figures is a new revision; with the same, nothing."""


class RecordKind(StrEnum):
    """What a council record holds."""

    COUNCIL_RESULT = "council-result"
    """A council's result in seats per party."""
    CONTROL = "control"
    """Who controlled the council on the eve of poll."""
    SNAPSHOT = "snapshot"
    """A councillor roll: everyone sitting, with their next election."""
    EVE = "eve"
    """A news agency's eve of poll: seats held and defended per party, seats up, new council."""


council_records = Table(
    "council_records",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("council_code", String(12), nullable=False),
    Column("council_name", Text, nullable=False),
    Column("on_date", Date, nullable=False),
    Column("revision", Integer, nullable=False),
    Column("source_id", ForeignKey("sources.id"), nullable=False, index=True),
    Column("recorded_at", DateTime(timezone=True), nullable=False),
    Column("fingerprint", String(64), nullable=False),
    Column("payload", Text, nullable=False),
    Column("status", String(20), nullable=False, server_default="declared"),
    Column("source_revision", Integer),
    UniqueConstraint("kind", "council_code", "on_date", "revision"),
)

attempts = Table(
    "attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("format", String(20), nullable=False),
    Column("name", Text, nullable=False),
    Column("sha256", String(64), nullable=False),
    Column("entered_by", String(100), nullable=False),
    Column("source_id", ForeignKey("sources.id")),
    Column("new", Integer, nullable=False),
    Column("revised", Integer, nullable=False),
    Column("unchanged", Integer, nullable=False),
    Column("superseded", Integer, nullable=False),
)
"""Every accepted delivery, duplicates and stale messages included: who sent what, when, and what it
changed. The results tables change only when the figures do; this trail grows with every delivery."""

copy_versions = Table(
    "copy_versions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("kind", String(20), nullable=False),
    Column("council_code", String(12), nullable=False),
    Column("election_date", Date, nullable=False),
    Column("ward", String(200), nullable=False),
    Column("version", Integer, nullable=False),
    Column("state", String(20), nullable=False),
    Column("text", Text, nullable=False),
    Column("generated", Text, nullable=False),
    Column("facts", Text, nullable=False),
    Column("author", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Column("flag", Text),
    UniqueConstraint("kind", "council_code", "election_date", "ward", "version"),
)
"""Every version of every piece of newsroom copy under review (`tallyroom.copy.review`): a piece is a
kind of copy for a council, an election day and, for ward copy, a ward ("" for the council). `text` is
what the version says, `generated` the machine text it derives from and `facts` (JSON) what that was
drawn from; `flag`, when set, says why the copy may now be wrong."""

users = Table(
    "users",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("name", String(100), nullable=False, unique=True),
    Column("role", String(20), nullable=False),
    Column("password_hash", Text, nullable=False),
    Column("token_hash", String(64), unique=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("disabled", Boolean, nullable=False, default=False),
    Column("token_trusted_feed", Boolean, nullable=False, default=False, server_default=false()),
)
"""The results desk's users (`tallyroom.web.accounts`): a role (reporter, editor or admin), an Argon2
password hash, and the SHA-256 of an API token for machines that post results, when one is issued.
`token_trusted_feed` says the token was issued as a trusted machine feed, whose results go straight to
the log even when desk entries wait for a second person."""

desk_sessions = Table(
    "desk_sessions",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("token_hash", String(64), nullable=False, unique=True),
    Column("user_id", ForeignKey("users.id"), nullable=False, index=True),
    Column("created_at", DateTime(timezone=True), nullable=False),
    Column("expires_at", DateTime(timezone=True), nullable=False),
)
"""Signed-in desk sessions: the SHA-256 of the random token a session cookie carries. Signing out,
a password change or a user disabled deletes the rows, so a cookie kept or copied no longer signs in."""

login_attempts = Table(
    "login_attempts",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("subject", String(100), nullable=False),
    Column("at", DateTime(timezone=True), nullable=False),
    Index("login_attempts_by_subject", "subject", "at"),
)
"""Desk logins not (yet) known to have succeeded, by what they are counted against (`signin.Subject`):
the address they came from, and the account they tried. Each is recorded before its password is
checked, and deleted when it succeeds, so every worker on the store counts the same failures. Rows
older than the window they count in are deleted as new ones come."""

desk_entries = Table(
    "desk_entries",
    metadata,
    Column("id", Integer, primary_key=True),
    Column("election_date", Date, nullable=False),
    Column("council_code", String(12), nullable=False),
    Column("ward", String(200), nullable=False),
    Column("body", Text, nullable=False),
    Column("entered_by", String(100), nullable=False),
    Column("entered_at", DateTime(timezone=True), nullable=False),
    Column("state", String(20), nullable=False),
    Column("decided_by", String(100)),
    Column("decided_at", DateTime(timezone=True)),
)
"""Ward results entered on the desk and waiting for a second person to confirm them, when the desk
asks for confirmation: `body` is the entry as the native ward CSV, checked when entered. `state` is
`pending`, then `confirmed` (it went to the log) or `rejected`."""
