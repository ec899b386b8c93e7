"""Names as a reader expects them, from the forms the sources print: the Library's title-cased wards and
surname-first candidates (its 2021 handbook), against LEAP's spelling of the same wards in 2017."""

from __future__ import annotations

import pytest

from tallyroom.copy.names import person, proper_form, ward_name

pytestmark = pytest.mark.one_store  # uses no store, or only its own SQLite file


def test_wards_in_their_proper_form() -> None:
    assert proper_form("Alfreton & Somercotes") == "Alfreton and Somercotes"
    assert proper_form("Ashby De La Zouch") == "Ashby de la Zouch"
    assert proper_form("Forest And Measham") == "Forest and Measham"
    assert proper_form("The Suttons") == "The Suttons"
    assert proper_form("Bradwell On Sea") == "Bradwell on Sea"


def test_a_ward_as_an_earlier_poll_spells_it() -> None:
    assert ward_name("Ashby De La Zouch", ["Ashby de la Zouch"]) == "Ashby de la Zouch"
    assert ward_name("Alfreton & Somercotes", ["Alfreton and Somercotes"]) == "Alfreton and Somercotes"
    assert ward_name("Oadby", ["Oadby North"]) == "Oadby"
    assert ward_name("Forest And Measham", ["Forest And Measham"]) == "Forest and Measham"


def test_candidates_forename_first_in_full_where_a_source_has_it() -> None:
    assert person("Eynon T.") == "T. Eynon"
    assert person("Grimadell A.L.") == "A.L. Grimadell"
    assert person("Eynon T.", ["Annette Bridges", "Terri Eynon"]) == "Terri Eynon"
    assert person("Eynon T.", ["Sam Eynon"]) == "T. Eynon"
    assert person("Terri Eynon") == "Terri Eynon"
