"""Reviewing newsroom copy on a results night: the machine drafts, journalists edit, approve and publish,
and results that change afterwards never overwrite a journalist's words but say what changed."""

from __future__ import annotations

import threading
from collections.abc import Iterator
from datetime import UTC, date
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, func, select

from tallyroom.copy.review import (
    MACHINE,
    CopyKey,
    State,
    approve,
    current,
    edit,
    facts_changed,
    flagged,
    publish,
    published,
    regenerate,
    versions,
)
from tallyroom.store.database import connect
from tallyroom.store.schema import copy_versions
from tests.conftest import store_url

DAY = date(2023, 5, 4)
STORY = CopyKey("story", "E07000035", DAY)
HEADLINE = CopyKey("headline", "E07000035", DAY)
WARD = CopyKey("story", "E07000035", DAY, "Darley Dale")

HELD = {
    "council": "Derbyshire Dales",
    "control_before": "Conservative",
    "control_after": "Conservative",
    "seats": {"Conservative": 20, "Liberal Democrats": 9, "Labour": 5},
    "declared": 38,
}
LOST = {
    **HELD,
    "control_after": "NOC",
    "seats": {"Conservative": 19, "Liberal Democrats": 10, "Labour": 5},
    "declared": 39,
}
HELD_TEXT = "The Conservatives held Derbyshire Dales with 20 of the 39 seats."
LOST_TEXT = "The Conservatives lost control of Derbyshire Dales, which is now under no overall control."
EDITED = "Conservatives cling on in Derbyshire Dales as Liberal Democrats advance in the north."


@pytest.fixture
def db(tmp_path: Path) -> Iterator[Engine]:
    engine = connect(store_url(tmp_path / "x.db"))
    yield engine
    engine.dispose()


def rows(engine: Engine) -> int:
    with engine.connect() as conn:
        count: int = conn.execute(select(func.count()).select_from(copy_versions)).scalar_one()
    return count


def test_first_text_is_a_machine_draft_and_a_draft_is_simply_redrafted(db: Engine) -> None:
    first = regenerate(db, STORY, HELD_TEXT, HELD)
    assert (first.version, first.state, first.author, first.text, first.flag) == (
        1,
        State.DRAFT,
        MACHINE,
        HELD_TEXT,
        None,
    )
    assert first.at.tzinfo is UTC
    second = regenerate(db, STORY, LOST_TEXT, LOST)
    assert (second.version, second.state, second.text, second.flag) == (2, State.DRAFT, LOST_TEXT, None)
    assert current(db, STORY) == second
    assert current(db, HEADLINE) is None


def test_identical_machine_text_writes_nothing(db: Engine) -> None:
    first = regenerate(db, STORY, HELD_TEXT, HELD)
    edited = edit(db, STORY, EDITED, "asha.patel")
    assert regenerate(db, STORY, HELD_TEXT, HELD) == edited
    assert regenerate(db, STORY, HELD_TEXT, {**HELD, "declared": 39}) == edited
    assert rows(db) == 2
    assert [v.version for v in versions(db, STORY)] == [first.version, edited.version]


def test_an_edit_survives_new_results_and_the_flag_says_what_changed(db: Engine) -> None:
    regenerate(db, STORY, HELD_TEXT, HELD)
    edit(db, STORY, EDITED, "asha.patel")
    after = regenerate(db, STORY, LOST_TEXT, LOST)
    assert after.state is State.EDITED
    assert after.text == EDITED
    assert after.generated == LOST_TEXT
    assert after.facts == LOST
    assert after.author == MACHINE
    assert after.flag == (
        "facts changed: control_after Conservative -> NOC; declared 38 -> 39; "
        "seats Conservative 20 -> 19; seats Liberal Democrats 9 -> 10"
    )
    assert flagged(db) == [after]


def test_an_approval_is_undone_by_new_results_and_a_new_approval_clears_the_flag(db: Engine) -> None:
    regenerate(db, STORY, HELD_TEXT, HELD)
    edit(db, STORY, EDITED, "asha.patel")
    assert approve(db, STORY, "desk.editor").state is State.APPROVED
    after = regenerate(db, STORY, LOST_TEXT, LOST)
    assert (after.state, after.text) == (State.EDITED, EDITED)
    assert after.flag is not None and after.flag.startswith(
        "facts changed: control_after Conservative -> NOC"
    )
    with pytest.raises(ValueError, match="not approved"):
        publish(db, STORY, "desk.editor")
    rewritten = edit(db, STORY, "Conservatives lose Derbyshire Dales by a single seat.", "asha.patel")
    assert rewritten.flag == after.flag
    assert flagged(db) == [rewritten]
    again = approve(db, STORY, "desk.editor")
    assert again.flag is None
    assert flagged(db) == []


def test_a_correction_after_publication_is_flagged_at_once(db: Engine) -> None:
    regenerate(db, STORY, HELD_TEXT, HELD)
    edit(db, STORY, EDITED, "asha.patel")
    approve(db, STORY, "desk.editor")
    live = publish(db, STORY, "desk.editor")
    assert live.state is State.PUBLISHED
    assert flagged(db) == []

    correction = regenerate(db, STORY, LOST_TEXT, LOST)
    assert correction.state is State.EDITED
    assert correction.text == EDITED
    assert correction.flag is not None
    assert correction.flag.startswith(
        f"published version {live.version} may now be wrong; facts changed: control_after Conservative -> NOC"
    )
    assert flagged(db) == [correction]
    assert published(db, STORY) == live
    assert live.text == EDITED

    # A second change before anyone looks: the flag still counts from the published copy.
    later = regenerate(db, STORY, LOST_TEXT + " Turnout was 38%.", {**LOST, "turnout": 38})
    assert later.flag is not None
    assert later.flag.startswith(f"published version {live.version} may now be wrong; facts changed:")
    assert "control_after Conservative -> NOC" in later.flag and "turnout none -> 38" in later.flag
    assert flagged(db) == [later]

    fixed = edit(db, STORY, "Conservatives lose Derbyshire Dales.", "asha.patel")
    approve(db, STORY, "desk.editor")
    republished = publish(db, STORY, "desk.editor")
    assert flagged(db) == []
    assert published(db, STORY) == republished
    assert republished.text == fixed.text
    assert [v.state for v in versions(db, STORY)] == [
        State.DRAFT,
        State.EDITED,
        State.APPROVED,
        State.PUBLISHED,
        State.EDITED,
        State.EDITED,
        State.EDITED,
        State.APPROVED,
        State.PUBLISHED,
    ]


def test_publishing_needs_an_approval(db: Engine) -> None:
    with pytest.raises(ValueError, match="has not been drafted"):
        publish(db, STORY, "desk.editor")
    regenerate(db, STORY, HELD_TEXT, HELD)
    with pytest.raises(ValueError, match=r"cannot publish story for E07000035 on 2023-05-04: .* draft"):
        publish(db, STORY, "desk.editor")
    edit(db, STORY, EDITED, "asha.patel")
    with pytest.raises(ValueError, match="edited, not approved"):
        publish(db, STORY, "desk.editor")
    approve(db, STORY, "desk.editor")
    with pytest.raises(ValueError, match="only a draft or an edited version can be approved"):
        approve(db, STORY, "desk.editor")
    publish(db, STORY, "desk.editor")
    with pytest.raises(ValueError, match="not approved"):
        publish(db, STORY, "desk.editor")
    assert published(db, HEADLINE) is None


def test_a_draft_can_be_approved_as_the_machine_wrote_it(db: Engine) -> None:
    regenerate(db, HEADLINE, "Conservatives hold Derbyshire Dales", HELD)
    approved = approve(db, HEADLINE, "desk.editor")
    assert (approved.state, approved.text, approved.author) == (
        State.APPROVED,
        "Conservatives hold Derbyshire Dales",
        "desk.editor",
    )
    after = regenerate(db, HEADLINE, "Conservatives lose Derbyshire Dales", LOST)
    assert (after.state, after.text) == (State.EDITED, "Conservatives hold Derbyshire Dales")


def test_journalists_are_named(db: Engine) -> None:
    regenerate(db, STORY, HELD_TEXT, HELD)
    with pytest.raises(ValueError, match="name"):
        edit(db, STORY, EDITED, " ")
    with pytest.raises(ValueError, match="machine"):
        approve(db, STORY, MACHINE)
    with pytest.raises(ValueError, match="empty"):
        edit(db, STORY, "  ", "asha.patel")
    assert len(versions(db, STORY)) == 1


def test_every_version_is_kept_in_order_and_pieces_are_kept_apart(db: Engine) -> None:
    regenerate(db, STORY, HELD_TEXT, HELD)
    regenerate(db, WARD, "Darley Dale stays Conservative.", {"ward": "Darley Dale", "winner": "Conservative"})
    edit(db, STORY, EDITED, "asha.patel")
    edit(db, STORY, EDITED + " Labour held its five seats.", "tom.okafor")
    regenerate(db, STORY, LOST_TEXT, LOST)
    approve(db, STORY, "desk.editor")
    publish(db, STORY, "desk.editor")
    history = versions(db, STORY)
    assert [(v.version, v.state, v.author) for v in history] == [
        (1, State.DRAFT, MACHINE),
        (2, State.EDITED, "asha.patel"),
        (3, State.EDITED, "tom.okafor"),
        (4, State.EDITED, MACHINE),
        (5, State.APPROVED, "desk.editor"),
        (6, State.PUBLISHED, "desk.editor"),
    ]
    assert history[0].text == HELD_TEXT and history[1].text == EDITED
    assert [v.at for v in history] == sorted(v.at for v in history)
    assert [v.key for v in versions(db, WARD)] == [WARD]
    ward = current(db, WARD)
    assert ward is not None and ward.state is State.DRAFT


def test_flags_list_each_piece_once(db: Engine) -> None:
    for key in (STORY, HEADLINE, WARD):
        regenerate(db, key, f"{key.kind} {HELD_TEXT}", HELD)
        edit(db, key, f"{key.kind} {EDITED}", "asha.patel")
    regenerate(db, HEADLINE, LOST_TEXT, LOST)
    regenerate(db, STORY, LOST_TEXT, LOST)
    regenerate(db, STORY, LOST_TEXT + " More.", {**LOST, "declared": 40})
    assert [(v.key, v.version) for v in flagged(db)] == [(HEADLINE, 3), (STORY, 4)]


def test_desks_working_on_one_piece_at_once_queue(db: Engine) -> None:
    regenerate(db, STORY, HELD_TEXT, HELD)
    errors: list[BaseException] = []

    def desk(n: int) -> None:
        try:
            for i in range(5):
                edit(db, STORY, f"desk {n} edit {i}", f"desk{n}")
        except BaseException as error:  # pragma: no cover - reported below
            errors.append(error)

    threads = [threading.Thread(target=desk, args=(n,)) for n in range(4)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert [v.version for v in versions(db, STORY)] == list(range(1, 22))


def test_facts_changed_lists_what_changed_briefly() -> None:
    old: dict[str, Any] = {"a": 1, "b": {"x": 1, "y": 2}, "c": "same", "long": "x" * 100}
    new: dict[str, Any] = {"a": 2, "b": {"x": 1, "y": 3, "z": 4}, "c": "same", "long": "y" * 100, "d": None}
    line = facts_changed(old, new)
    assert line.startswith("facts changed: a 1 -> 2; b y 2 -> 3; b z none -> 4; long xxx")
    assert "…" in line and len(line) < 200
    assert facts_changed(old, old) == ""
    many = facts_changed({str(n): n for n in range(10)}, {str(n): n + 1 for n in range(10)})
    assert many.endswith("; 5 5 -> 6; and 4 more")
