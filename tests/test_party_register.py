"""The shipped party register (`parties.csv`, `party_aliases.csv`) on the labels the real sources print.

The register is built here from the two files with the csv module, the way the package loader reads them:
the alias table plus each party's EC register numbers as aliases (domain §9).
"""

from __future__ import annotations

import csv
import json
from collections import Counter
from pathlib import Path

import pytest

from tallyroom.rules.parties import INDEPENDENT, Party, PartyRegister, normalise
from tests.conftest import SHARED, leap

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file

DATA = Path(__file__).resolve().parents[1] / "src" / "tallyroom" / "data"


def rows(name: str) -> list[dict[str, str]]:
    with (DATA / name).open(encoding="utf-8", newline="") as handle:
        return list(csv.DictReader(handle))


@pytest.fixture(scope="module")
def parties() -> list[dict[str, str]]:
    return rows("parties.csv")


@pytest.fixture(scope="module")
def register(parties: list[dict[str, str]]) -> PartyRegister:
    registered = [
        Party(r["id"], r["name"], r["short"], r["plural"], independent=r["independent"] == "1")
        for r in parties
    ]
    aliases = [(r["alias"], r["party_id"]) for r in rows("party_aliases.csv")]
    aliases += [(ec_id, r["id"]) for r in parties for ec_id in r["ec_ids"].split("|") if ec_id]
    return PartyRegister(registered, aliases)


def test_files_are_consistent(parties: list[dict[str, str]]) -> None:
    ids = [r["id"] for r in parties]
    assert len(ids) == len(set(ids))
    assert {r["party_id"] for r in rows("party_aliases.csv")} <= set(ids)
    keys = [normalise(r["alias"]) for r in rows("party_aliases.csv")]
    assert len(keys) == len(set(keys)), "one row per normalised alias"
    assert [r["id"] for r in parties if r["independent"] == "1"] == [INDEPENDENT]


def test_conservative_labels_are_one_party(register: PartyRegister) -> None:
    found = {
        register.resolve(label) for label in ("C", "CON", "Conservative", "Conservative and Unionist Party")
    }
    assert found == {register.resolve("PP52")}
    (party,) = found
    assert (party.id, party.name, party.short, party.plural) == (
        "conservative",
        "Conservative",
        "Con",
        "Conservatives",
    )


@pytest.mark.parametrize(
    "label", ["Labour and Co-operative Party", "Lab Co-op", "joint-party:53-119", "PP53"]
)
def test_labour_and_co_operative_counts_as_labour(register: PartyRegister, label: str) -> None:
    assert register.resolve(label).name == "Labour"


@pytest.mark.parametrize("label", ["Ind", "IND", "Independent", "", "No Description", "ynmp-party:2"])
def test_independents_in_disguise(register: PartyRegister, label: str) -> None:
    party = register.resolve(label)
    assert party.id == INDEPENDENT and party.independent


def test_ashfield_independents_is_a_local_party_not_independents(register: PartyRegister) -> None:
    labels = (
        "Ashfield Independents",
        "Ashfield",
        "ASHIND",
        "Ash Ind",
        "PP3902",
    )  # full, LEAP, Library x2, EC
    assert all(register.known(label) for label in labels)
    (party,) = {register.resolve(label) for label in labels}
    assert party.id == "local:ashfield-independents"
    assert party.name == "Ashfield Independents"
    assert not party.independent


def test_lincolnshire_independents_is_a_local_party(register: PartyRegister) -> None:
    labels = ("LincsInd", "LINCS IND", "Lincolnshire Independents Lincolnshire First", "PP733")
    (party,) = {register.resolve(label) for label in labels}
    assert party.id == "local:lincolnshire-independents" and not party.independent


def test_green_labels_are_one_party(register: PartyRegister) -> None:
    labels = ("Green", "GREEN", "Grn", "Green Party of England and Wales", "Green Party", "PP63")
    (party,) = {register.resolve(label) for label in labels}
    assert (party.id, party.name, party.plural) == ("green", "Green", "Greens")
    assert register.resolve("Scottish Green Party").id != party.id


def test_brexit_party_is_reform_uk(register: PartyRegister) -> None:
    assert register.resolve("The Brexit Party") == register.resolve("Reform UK") == register.resolve("PP7931")


def test_every_common_leap_2019_label_is_registered(register: PartyRegister) -> None:
    """LEAP 2019 labels on 10 or more candidates resolve to a registered party, not a fall-through."""
    with leap(2019).open(encoding="utf-8", newline="") as handle:
        counts = Counter(row[5].strip() for row in csv.reader(handle) if len(row) >= 8)
    common = sorted(label for label, n in counts.items() if n >= 10 and normalise(label))
    assert len(common) >= 30
    registered = {party.id for party in register}
    unknown = [label for label in common if not register.known(label)]
    assert unknown == []
    assert all(register.resolve(label).id in registered for label in common)


def test_every_democracy_club_party_id_resolves(register: PartyRegister) -> None:
    seen: dict[str, str] = {}
    for path in sorted((SHARED / "democracyclub-api-sample").glob("results-*.json")):
        for result_set in json.loads(path.read_text(encoding="utf-8")):
            for result in result_set["candidate_results"]:
                party = result["membership"]["on_behalf_of"]
                seen[party["id"]] = party["name"]
    assert {"party:52", "party:53", "party:90", "joint-party:53-119", "ynmp-party:2"} <= seen.keys()
    for party_id, name in seen.items():
        assert register.known(party_id), party_id
        assert register.resolve(party_id) == register.resolve(name), (party_id, name)
    assert register.resolve("party:53").name == "Labour"
    assert register.resolve("party:530").name == "Barnsley Independent Group"


def test_plurals_are_house_style(register: PartyRegister) -> None:
    plurals = {p.id: p.plural for p in register}
    assert plurals["liberal-democrats"] == "Lib Dems"
    assert plurals["snp"] == "the SNP"
    assert plurals["plaid-cymru"] == "Plaid Cymru"
    assert plurals["reform-uk"] == "Reform UK"
    assert plurals[INDEPENDENT] == "Independents"
