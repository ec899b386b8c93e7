"""The SVG charts and the party palette: well-formed, accessible SVG with data escaped, geometry that
matches the numbers, text equivalents that say the same, and colours that read (WCAG contrast).

The vote-share test takes the real Derby 2021 Darley ward result from the shipped demo data."""

from __future__ import annotations

import csv
import math
import xml.etree.ElementTree as ET
from collections import Counter
from itertools import groupby, pairwise

import pytest

from tallyroom.reference import Reference
from tallyroom.rules.parties import Party, PartyRegister
from tallyroom.web import palette
from tallyroom.web.charts import (
    KEY_MARKS,
    MINUS,
    NARROW,
    Chart,
    Empty,
    change_bars,
    hemicycle,
    key,
    seat_bar,
    vote_shares,
)
from tallyroom.web.palette import Palette, contrast_ratio, relative_luminance, text_colour
from tests.conftest import DEMO

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

SVG = "{http://www.w3.org/2000/svg}"
EVIL = "<script>alert(1)</script> & \"co\" 'x'"


def parse(chart: Chart) -> ET.Element:
    return ET.fromstring(str(chart.svg))


def find(root: ET.Element, tag: str, cls: str | None = None) -> list[ET.Element]:
    """The chart's `tag` elements (of class `cls`), outside the pattern definitions."""
    drawn = [child for child in root if child.tag != SVG + "defs"]
    return [e for child in drawn for e in child.iter(SVG + tag) if cls is None or e.get("class") == cls]


def texts(root: ET.Element) -> list[str]:
    return ["".join(e.itertext()) for e in find(root, "text")]


@pytest.fixture(scope="module")
def parties(ref: Reference) -> PartyRegister:
    return ref.parties


@pytest.fixture(scope="module")
def council(parties: PartyRegister) -> list[tuple[Party, int]]:
    """A make-up out of order, as a caller might pass it."""
    ids = [("green", 1), ("labour", 14), ("conservative", 45), ("liberal-democrats", 4)]
    return [(parties.get(party_id), n) for party_id, n in ids]


# The palette


def test_contrast_ratio_matches_known_values() -> None:
    assert relative_luminance("#ffffff") == pytest.approx(1)
    assert relative_luminance("#000000") == 0
    assert contrast_ratio("#ffffff", "#000000") == pytest.approx(21)
    assert contrast_ratio("#000000", "#ffffff") == pytest.approx(21)
    assert contrast_ratio("#c8102e", "#c8102e") == pytest.approx(1)
    # #767676 is the lightest grey that passes 4.5:1 on white; #777777 is the darkest that fails
    assert contrast_ratio("#767676", "#ffffff") == pytest.approx(4.54, abs=0.01)
    assert contrast_ratio("#777777", "#ffffff") < 4.5


def test_every_palette_colour_takes_text_it_can_be_read_against(parties: PartyRegister) -> None:
    for fill in [*(fill for fill, _ in palette.NAMED.values()), *palette.POOL]:
        assert contrast_ratio(fill, text_colour(fill)) >= 4.5, fill
    for s in Palette(parties).swatches.values():
        assert s.text in (palette.BLACK, palette.WHITE)
        assert contrast_ratio(s.fill, s.text) >= 4.5, s
    assert text_colour("#fdf38e") == palette.BLACK  # SNP yellow
    assert text_colour("#0a5aa6") == palette.WHITE  # Conservative blue


def test_parties_differ_by_label_and_pattern_not_hue_alone(parties: PartyRegister) -> None:
    main = ["conservative", "labour", "liberal-democrats", "green", "reform-uk"]
    on_page = Palette(parties.get(party_id) for party_id in main)
    swatches = {party_id: on_page[parties.get(party_id)] for party_id in main}
    assert [s.label for s in swatches.values()] == ["Con", "Lab", "LD", "Grn", "Reform"]
    assert len({s.pattern for s in swatches.values()}) == len(main)
    assert swatches["conservative"].fill == "#0a5aa6"
    assert swatches["labour"].fill == "#c8102e"
    local = parties.resolve("Ashfield Independents")
    assert not local.independent
    assert Palette([local])[local].fill in palette.POOL
    assert Palette([local])[local].label == "Ashfield Independents"


# Every chart


def every_chart(parties: PartyRegister, party: Party, title: str) -> list[Chart]:
    labour = parties.get("labour")
    return [
        seat_bar([(party, 30), (labour, 20)], 64, 33, declared=50, title=title),
        hemicycle([(party, 30), (labour, 20)], 64, title=title),
        vote_shares([(EVIL, party, 1200, True), ("Smith J.", labour, 800, False)], title=title),
        vote_shares([(EVIL, party, None, True)], title=title),
        change_bars([(party, 3), (labour, -3)], title=title),
    ]


def test_every_chart_is_accessible_svg(parties: PartyRegister) -> None:
    for chart in every_chart(parties, parties.get("green"), "Derby City Council"):
        root = parse(chart)
        assert root.tag == SVG + "svg"
        assert root.get("role") == "img"
        assert root.get("width") == root.get("viewBox", "").split()[2]  # 12 px text at its own width
        assert ET.fromstring(str(chart.narrow)).get("width") == str(NARROW)
        assert root.get("font-family") == "system-ui, sans-serif"
        assert root.get("viewBox", "").startswith("0 0 ")
        title_id, desc_id = (root.get("aria-labelledby") or "").split()
        by_id = {e.get("id"): e for e in root.iter() if e.get("id")}
        assert by_id[title_id].tag == SVG + "title"
        assert by_id[desc_id].tag == SVG + "desc"
        assert by_id[title_id].text == "Derby City Council"
        assert by_id[desc_id].text == chart.text
        for e in root.iter():
            for value in e.attrib.values():
                if value.startswith("url(#"):
                    assert value[5:-1] in by_id, value  # every pattern used is defined


def test_data_is_escaped_in_every_chart(parties: PartyRegister) -> None:
    evil = Party(id=f"local:{EVIL}", name=EVIL, short=EVIL, plural=EVIL)
    for chart in every_chart(parties, evil, EVIL):
        assert "<script" not in chart.svg
        assert "&lt;script&gt;" in chart.svg
        root = parse(chart)
        assert not [e for e in root.iter() if e.tag.rsplit("}", 1)[-1].lower() == "script"]
        assert EVIL in chart.text
        assert any(EVIL in "".join(e.itertext()) for e in root.iter(SVG + "desc"))
        assert any(EVIL in text for text in texts(root))  # shown, as text, not lost


# The seat bar


def test_seat_bar_text_lists_every_party_with_its_seats(council: list[tuple[Party, int]]) -> None:
    chart = seat_bar(council, 64, 33)
    assert chart.text == (
        "Conservative 45, Labour 14, Liberal Democrats 4, Green 1 of 64 seats; 33 needed for a majority."
    )
    counting = seat_bar(council[1:], 64, 33, declared=63)
    assert counting.text == (
        "Conservative 45, Labour 14, Liberal Democrats 4, 1 undeclared of 64 seats, 63 declared; "
        "33 needed for a majority."
    )


def test_seat_bar_segments_are_proportional_largest_first(council: list[tuple[Party, int]]) -> None:
    root = parse(seat_bar(council[1:], 64, 33, declared=63))
    segments = find(root, "rect", "seats")
    assert [s.get("data-party") for s in segments] == ["conservative", "labour", "liberal-democrats", None]
    left = float(segments[0].get("x", ""))
    widths = [float(s.get("width", "")) for s in segments]
    whole = sum(widths)
    for width, seats in zip(widths, [45, 14, 4, 1], strict=True):
        assert width / whole == pytest.approx(seats / 64, abs=1e-3)
    for before, after, width in zip(segments, segments[1:], widths, strict=False):
        assert float(after.get("x", "")) == pytest.approx(float(before.get("x", "")) + width, abs=0.02)
    assert "url(#" in (segments[-1].get("fill") or "")  # the undeclared seat is hatched, not a colour
    (marker,) = find(root, "path", "majority")
    at = left + whole * 33 / 64
    assert (marker.get("d") or "").startswith(f"M{at - 5:.2f}".rstrip("0").rstrip("."))
    assert not find(root, "line")  # marked above and below the bar: no line splits a party's segment
    assert "33 for a majority" in texts(root)


def test_wide_segments_carry_label_and_number_in_their_text_colour(
    council: list[tuple[Party, int]], parties: PartyRegister
) -> None:
    root = parse(seat_bar(council, 64, 33))
    labels = {"".join(t.itertext()): t.get("fill") for t in find(root, "text") if t.get("fill")}
    on_page = Palette(p for p, _ in council)
    conservative, labour = on_page[parties.get("conservative")], on_page[parties.get("labour")]
    assert labels["Con 45"] == conservative.text
    assert labels["Lab 14"] == labour.text
    assert "Grn 1" not in labels  # one seat in 64 is too narrow to hold a label
    assert "Green 1" in texts(root)  # but the key names it


def test_seat_bar_without_a_known_majority_draws_no_line(council: list[tuple[Party, int]]) -> None:
    chart = seat_bar(council, 70, None)
    assert not find(parse(chart), "path", "majority")
    assert chart.text.endswith("of 70 seats.")


def test_seat_bar_refuses_numbers_that_do_not_add_up(council: list[tuple[Party, int]]) -> None:
    with pytest.raises(ValueError):
        seat_bar(council, 60, 31)
    with pytest.raises(ValueError):
        seat_bar(council, 64, 65)
    with pytest.raises(ValueError):
        seat_bar(council, 64, 33, declared=65)


# The hemicycle


HEMICYCLES = [
    ([], 0),
    ([("snp", 1)], 1),
    ([("labour", 1)], 2),
    ([("conservative", 45), ("labour", 14), ("liberal-democrats", 4), ("green", 1)], 64),
    ([("conservative", 70), ("labour", 50), ("reform-uk", 20), ("independent", 7)], 150),
]


def dots(
    parties: PartyRegister, make_up: list[tuple[str, int]], total: int
) -> tuple[Chart, list[ET.Element]]:
    chart = hemicycle([(parties.get(party_id), n) for party_id, n in make_up], total)
    return chart, find(parse(chart), "circle")


def centre(circle: ET.Element) -> tuple[float, float]:
    return float(circle.get("cx", "")), float(circle.get("cy", ""))


@pytest.mark.parametrize(("make_up", "total"), HEMICYCLES)
def test_hemicycle_draws_one_dot_a_seat(
    parties: PartyRegister, make_up: list[tuple[str, int]], total: int
) -> None:
    chart, circles = dots(parties, make_up, total)
    assert len(circles) == total
    assert Counter(c.get("data-party") for c in circles if c.get("data-party")) == dict(make_up)
    assert sum(1 for c in circles if c.get("data-party") is None) == total - sum(n for _, n in make_up)
    for i, a in enumerate(circles):
        for b in circles[i + 1 :]:
            assert math.dist(centre(a), centre(b)) >= 2 * float(a.get("r", "")), "dots overlap"
    for party_id, n in make_up:
        assert f"{parties.get(party_id).name} {n}" in chart.text


@pytest.mark.parametrize(("make_up", "total"), HEMICYCLES)
def test_hemicycle_parties_are_wedges_and_rows_fill_by_radius(
    parties: PartyRegister, make_up: list[tuple[str, int]], total: int
) -> None:
    _, circles = dots(parties, make_up, total)
    runs = [party for party, _ in groupby(c.get("data-party") for c in circles)]
    assert len(runs) == len(set(runs))  # each party's dots come together
    assert runs[: len(make_up)] == [party_id for party_id, _ in sorted(make_up, key=lambda pn: -pn[1])]
    if total > 1:
        middle = (300.0, max(y for _, y in map(centre, circles)))  # the end dots sit on the centre line
        angles = [math.atan2(middle[1] - y, x - middle[0]) for x, y in map(centre, circles)]
        assert all(a >= b - 1e-3 for a, b in pairwise(angles))  # drawn left to right round the half circle
        rows = Counter(round(math.dist(middle, centre(c)), 1) for c in circles)
        for radius, seats in rows.items():
            assert seats == pytest.approx(total * radius / sum(rows.keys()), abs=1)


# Vote shares


def darley(parties: PartyRegister) -> list[tuple[str, Party, int | None, bool]]:
    """Derby 2021, Darley ward (two seats), as the demo data has it."""
    with (DEMO / "2021-05-06-east-midlands.csv").open(encoding="utf-8", newline="") as handle:
        rows = [r for r in csv.DictReader(handle) if (r["council"], r["ward"]) == ("Derby", "Darley")]
    assert len(rows) == 9
    return [(r["candidate"], parties.resolve(r["party"]), int(r["votes"]), r["elected"] == "1") for r in rows]


def test_vote_shares_of_a_real_ward(parties: PartyRegister) -> None:
    rows = darley(parties)
    total = sum(votes or 0 for _, _, votes, _ in rows)
    assert total == 7434
    chart = vote_shares(rows)
    root = parse(chart)
    lines = texts(root)
    assert lines[0] == "Martin A. (Labour) 1,833 votes, 24.7%Elected"  # the label, then the marker
    assert chart.text.startswith(
        "Martin A. (Labour) 1,833 votes, 24.7%, elected; "
        "Grimadell A.L. (Conservative) 1,305 votes, 17.6%, elected; "
        "Swan C.J. (Labour) 1,304 votes, 17.5%; "
    )
    assert chart.text.endswith("Summerfield J.P. (Reform UK) 105 votes, 1.4%.")
    for name, party, votes, _ in rows:
        assert votes is not None
        assert f"{name} ({party.name}) {votes:,} votes, {100 * votes / total:.1f}%" in chart.text
    bars = find(root, "rect", "bar")
    assert len(bars) == 9
    left = float(bars[0].get("x", ""))
    whole = float(root.get("viewBox", "").split()[2]) - 2 * left  # 100% spans the chart, margin to margin
    ranked = sorted(rows, key=lambda r: -(r[2] or 0))
    for bar, (_, party, votes, _) in zip(bars, ranked, strict=True):
        assert bar.get("data-party") == party.id
        assert float(bar.get("width", "")) / whole == pytest.approx((votes or 0) / total, abs=2e-5)
    markers = [t for t in root.iter(SVG + "tspan") if t.text == "Elected"]
    assert len(markers) == 2  # elected is said in words, not colour
    assert sum(1 for _, _, _, elected in rows if elected) == 2


def test_an_uncontested_ward_has_no_bars(parties: PartyRegister) -> None:
    rows = [(name, party, None, True) for name, party, _, _ in darley(parties)[:2]]
    chart = vote_shares(rows)
    root = parse(chart)
    assert not find(root, "rect")
    assert [t.text for t in root.iter(SVG + "tspan")] == ["Elected unopposed"] * 2
    assert chart.text == (
        "Martin A. (Labour), elected unopposed; Grimadell A.L. (Conservative), elected unopposed."
    )
    with pytest.raises(ValueError):
        vote_shares([rows[0], ("Swan C.J.", parties.get("labour"), 1304, False)])
    with pytest.raises(ValueError):
        vote_shares([])


# Change in seats


def test_change_bars_run_right_for_gains_and_left_for_losses(parties: PartyRegister) -> None:
    changes = [(parties.get("conservative"), 8), (parties.get("labour"), -10), (parties.get("green"), 0)]
    chart = change_bars(changes)
    assert chart.text == f"Net change in seats: Conservative +8, Labour {MINUS}10, Green 0."
    root = parse(chart)
    (axis,) = find(root, "line")
    zero = float(axis.get("x1", ""))
    gain, loss = find(root, "rect", "change")  # no change, no bar
    assert (gain.get("data-party"), loss.get("data-party")) == ("conservative", "labour")
    assert float(gain.get("x", "")) == pytest.approx(zero)
    assert float(loss.get("x", "")) + float(loss.get("width", "")) == pytest.approx(zero)
    assert float(gain.get("width", "")) / float(loss.get("width", "")) == pytest.approx(8 / 10)
    labels = texts(root)
    assert {"+8", f"{MINUS}10", "0", "Conservative", "Labour", "Green"} <= set(labels)
    assert "-10" not in labels  # a real minus sign, not a hyphen


def test_table_keys_carry_the_pattern_as_well_as_the_colour(parties: PartyRegister) -> None:
    main = [parties.get(party_id) for party_id in ("conservative", "labour", "liberal-democrats")]
    on_page = Palette(main)
    drawn = {p.id: ET.fromstring(str(key(on_page.of(p)))) for p in main}
    assert not drawn["conservative"].findall("path")  # solid
    for party_id in ("labour", "liberal-democrats"):
        (marks,) = drawn[party_id].findall("path")  # inline in HTML: no namespace
        assert marks.get("d") == KEY_MARKS[on_page[parties.get(party_id)].pattern]
    assert drawn["labour"].get("aria-hidden") == "true"  # the party's name beside it says who it is
    assert key(None) == ""  # a party with no colour of its own on the page is named, not keyed


def test_seats_no_party_holds_have_one_name_on_both_charts(council: list[tuple[Party, int]]) -> None:
    for empty in Empty:
        bar, chamber = seat_bar(council[1:], 64, 33, empty=empty), hemicycle(council[1:], 64, empty=empty)
        assert f"1 {empty} of 64 seats" in bar.text and f"1 {empty} of 64 seats" in chamber.text
        assert f"{empty.capitalize()} 1" in texts(parse(bar)) and f"{empty.capitalize()} 1" in texts(
            parse(chamber)
        )
