"""What input may hold. Every importer checks what it reads against these, naming the row and field of
anything outside them, so that nothing the store, a page address, a published file or a terminal cannot
take safely ever reaches the log.

- Text: every field read (a CSV cell, a workbook cell, a JSON string, an XML attribute) holds at most
  `MAX_TEXT` characters and no control character (Unicode category Cc: tab, line breaks, escape, C1
  controls; and the line and paragraph separators). No name has one; a terminal obeys them. Format
  characters that names do use (a right-to-left mark, a zero-width joiner) are not controls.
- Places: a council's or ward's name holds at most `MAX_PLACE` characters. The ballot id is made from
  both (`local.derby.darley.2021-05-06`, at most `MAX_BALLOT_ID` characters, as the log stores it).
- Codes: a GSS code (`E05001775`: E, N, S or W and eight digits), or, for an area with none, tallyroom's
  own code: one to `MAX_CODE` lowercase ASCII letters, digits and hyphens, starting and ending with a
  letter or digit (`rotherham-e`). The own alphabet is that of the page slugs: a code is a segment of a
  page address and a folder name in a published site, so it can hold no `.`, `/`, `\\`, `%`, `?` or
  `#`, and no upper case that could clash with a GSS code on a file system that ignores case.
- Counts: whole numbers written in ASCII digits (`1833`, `1,833`, or a spreadsheet's `1833.0`), at most
  `MAX_COUNT`: more than any UK local electorate (London's mayoral one is about 6 million) and within
  the store's integers.

Each check returns what is wrong, or None; the importers turn that into an InputError where they know
the row and field.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

MAX_TEXT = 2_000
MAX_PLACE = 100
MAX_BALLOT_ID = 200
MAX_CODE = 12
MAX_COUNT = 10_000_000

GSS = re.compile(r"[ENSW][0-9]{8}")
OWN_CODE = re.compile(rf"[a-z0-9](?:[a-z0-9-]{{0,{MAX_CODE - 2}}}[a-z0-9])?")
COUNT = re.compile(r"(?P<digits>[0-9]+|[0-9]{1,3}(?:,[0-9]{3})+)(?:\.0+)?")
CONTROL = re.compile("[\x00-\x1f\x7f-\x9f\u2028\u2029]")
"""Unicode's control characters (category Cc), and the line and paragraph separators."""
CONTROL_BUT_LINE_BREAKS = re.compile("[\x00-\x09\x0b\x0c\x0e-\x1f\x7f-\x9f\u2028\u2029]")
"""`CONTROL` but for the line feed and the carriage return, which end the lines of a CSV."""


def escape_controls(value: str) -> str:
    """The text with each control character written as its escape (`\\x1b`): what a terminal is given."""
    return CONTROL.sub(lambda found: _escape(found.group()), value)


def _escape(ch: str) -> str:
    return ch.encode("unicode_escape").decode("ascii")


def text_fault(value: str) -> str | None:
    if len(value) > MAX_TEXT:
        return f"{len(value):,} characters: at most {MAX_TEXT:,}"
    found = CONTROL.search(value)
    if found:
        return f"a control character ({_escape(found.group())}): names and figures hold none"
    return None


def first_text_fault(values: Sequence[str]) -> tuple[int, str] | None:
    """The first of a row's fields outside the limits on text, and what is wrong with it; quick when
    none is, as in every real file."""
    if max(map(len, values), default=0) <= MAX_TEXT and not CONTROL.search("".join(values)):
        return None
    faults = ((index, text_fault(value)) for index, value in enumerate(values))
    return next(((index, fault) for index, fault in faults if fault is not None), None)


def lines_within_limits(text: str) -> bool:
    """Whether every line of a text is within the limits on text: no control character but the line
    breaks, and none longer than `MAX_TEXT`. Then no field of a CSV record written on one line is outside
    them, and only a record that spans lines needs its fields checked (quick for a whole file)."""
    if CONTROL_BUT_LINE_BREAKS.search(text):
        return False
    return max(map(len, text.splitlines()), default=0) <= MAX_TEXT


def place_fault(name: str) -> str | None:
    if len(name) > MAX_PLACE:
        return f"{len(name):,} characters: a council's or ward's name has at most {MAX_PLACE}"
    return None


def code_fault(code: str) -> str | None:
    """What is wrong with a council or ward code; a blank code is for the caller to judge."""
    if GSS.fullmatch(code) or (OWN_CODE.fullmatch(code) and not GSS.fullmatch(code.upper())):
        return None
    return (
        f"not a code: {code!r} (a GSS code such as E05001775, or for an area without one "
        f"1 to {MAX_CODE} lowercase letters, digits and inner hyphens)"
    )


def count_fault(number: int) -> str | None:
    if abs(number) > MAX_COUNT:
        return f"{number:,} is beyond any count: at most {MAX_COUNT:,}"
    return None


def ballot_id_fault(ballot: str) -> str | None:
    if len(ballot) > MAX_BALLOT_ID:
        return f"its ballot id would be {len(ballot)} characters: at most {MAX_BALLOT_ID}"
    return None
