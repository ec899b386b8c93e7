"""Build the party register (`parties.csv`) and its alias table (`party_aliases.csv`) from the raw sources.

Usage: `.venv/bin/python scripts/build_party_aliases.py ../shared/data/raw [--out src/tallyroom/data]`

Every label a source prints for a party (LEAP abbreviations, the Library's abbreviations and full names,
Democracy Club ids and names, Open Council Data names and Electoral Commission codes, the LGA file of
Trafford, the PA XML samples) is collected and mapped to one party id (domain §9):

- National and nations' parties come from the curated table `NATIONAL` below: their ids, display names,
  copy abbreviations, headline plurals, EC register numbers and the labels that stand for them.
- Registered local parties are named by the sources themselves: the Library's "Party names" sheets map an
  abbreviation to a full name, `LEAP_CODES` does the same for LEAP's codes (curated: LEAP publishes no key),
  `LIBRARY_2023_CODES` for the 2023 ward table (no key either), and names that share an EC register number
  are one party. `LOCAL_NAMES` pins the display name of a local party and merges spellings of it.
- Independents in disguise ("Ind", "No Description", "Independent / Other") map to `independent`; a
  registered local party whose name contains "Independents" is a party, not an independent (§6.3).

A local party is registered (gets a `local:<slug>` row) when it recurs (two or more candidates or councillor
rows across the sources) or when a source refers to it by a code. Codes nobody can name are left out: the
register resolves them at run time as local parties under the printed label.

Two sources that map the same normalised label to different parties are a conflict: the curated tables
decide (`OVERRIDES`, or the national labels); an undecided conflict stops the build. The output is sorted,
so the same inputs always give the same files.
"""

from __future__ import annotations

import argparse
import csv
import json
import re
import sys
import xml.etree.ElementTree as ElementTree
from collections import Counter, defaultdict
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from pathlib import Path

from tallyroom.rules.parties import INDEPENDENT, Party, PartyRegister, normalise, slug

ROOT = Path(__file__).resolve().parents[1]
DEFAULT_OUT = ROOT / "src" / "tallyroom" / "data"


@dataclass(frozen=True)
class National:
    """A curated national, nations' or recurring minor party."""

    id: str
    name: str
    short: str
    plural: str
    ec_ids: tuple[str, ...] = ()
    labels: tuple[str, ...] = ()
    independent: bool = False


# fmt: off
NATIONAL: tuple[National, ...] = (
    National("conservative", "Conservative", "Con", "Conservatives", ("PP52", "PP51"), (
        "C", "Con", "Conservative", "Conservatives", "Conservative Party", "Conservative and Unionist",
        "Conservative and Unionist Party", "The Conservative and Unionist Party", "The Conservative Party",
        "Scottish Conservative and Unionist Party", "Scottish Conservatives", "Welsh Conservatives",
        "Welsh Conservative Party", "Tory", "Tories", "Local Conservatives",
        # The Scottish ballot descriptions of 2022 (scot-elex-ballots).
        "Scottish Conservative and Unionist")),
    National("labour", "Labour", "Lab", "Labour", ("PP53",), (
        "Lab", "Labour", "Labour Party", "The Labour Party", "Labour and Co-operative Party",
        "Labour and Co-operative", "Labour and Cooperative Party", "Labour Co-op", "Lab Co-op",
        "Labour and Co-op", "joint-party:53-119", "Welsh Labour", "Welsh Labour Party", "Scottish Labour",
        "Scottish Labour Party", "Aberdeen Labour", "Glasgow Labour")),
    National("liberal-democrats", "Liberal Democrats", "LD", "Lib Dems", ("PP90",), (
        "LD", "Lib Dem", "Lib Dems", "Liberal Democrat", "Liberal Democrats", "Scottish Liberal Democrats",
        "Welsh Liberal Democrats", "Liberal Democrat Focus Team")),
    National("green", "Green", "Grn", "Greens", ("PP63",), (
        "Grn", "GRN", "Green", "Greens", "Green Party", "The Green Party", "Green Party (E&W)",
        "Green Party of England and Wales", "Wales Green Party")),
    National("reform-uk", "Reform UK", "Reform", "Reform UK", ("PP7931",), (
        # The Brexit Party became Reform UK under the same register number (OCD: both PP7931; the Trafford
        # file prints "The Brexit Party" under PP7931): one party, named by its current name.
        "Ref", "Reform", "Reform UK", "The Brexit Party", "Brexit Party", "Brexit",
        # Bolton 2023/2024: a joint description of Reform UK and Bolton for Change; it counts for the parent
        # party, as Labour and Co-operative counts for Labour (§6.3).
        "Reform UK & Bolton for Change", "Ref & BFC", "REF and BFC")),
    National("ukip", "UKIP", "UKIP", "UKIP", ("PP85",), (
        "UKIP", "UK Independence Party", "UK Independence Party (UKIP)",
        "United Kingdom Independence Party")),
    National("snp", "SNP", "SNP", "the SNP", ("PP102",), (
        "SNP", "Scottish National Party", "Scottish National Party (SNP)")),
    National("plaid-cymru", "Plaid Cymru", "PC", "Plaid Cymru", ("PP77",), (
        "PC", "Plaid", "Plaid Cymru", "Plaid Cymru - The Party of Wales")),
    National(INDEPENDENT, "Independent", "Ind", "Independents", (), (
        "Ind", "Independent", "Independents", "No Description", "ND", "Annibynnol", "ynmp-party:2",
        # Sources that lump independents with small groups: OCD "Independent / Other", PA "Independent/Other".
        "Independent / Other"), independent=True),
    National("liberal", "Liberal", "Lib", "Liberals", ("PP54",), (
        "Lib", "Liberal", "Liberal Party", "The Liberal Party")),
    National("english-democrats", "English Democrats", "EDem", "English Democrats", ("PP17",), (
        "EDP", "EDem", "Eng Dem", "English Democrat", "English Democrats")),
    National("yorkshire", "Yorkshire Party", "Yorks", "the Yorkshire Party", ("PP2055",), (
        # Yorkshire First was the party's name until 2016 (LEAP 2016 "Yorks1st"; Library 2021 "YORKS").
        "Yorks", "Yorkshire Party", "The Yorkshire Party", "Yorks1st", "Yorkshire First")),
    National("tusc", "TUSC", "TUSC", "TUSC", ("PP804",), (
        "TUSC", "Trade Unionist and Socialist Coalition", "Trade Union and Socialist Coalition",
        "Trade Unionist and Social Coalition", "Scottish Trade Unionist and Socialist Coalition")),
    National("bnp", "BNP", "BNP", "the BNP", ("PP3960",), ("BNP", "British National Party")),
    National("heritage", "Heritage Party", "Her", "the Heritage Party", (), (
        "Her", "Heritage", "Heritage Party")),
    National("sdp", "SDP", "SDP", "the SDP", ("PP243",), (
        "SDP", "Social Democratic Party", "Social Democrat Party")),
    National("alba", "Alba", "Alba", "Alba", ("PP7965", "PP12700"), (
        "Alba", "Alba Party", "Alba Party for Independence")),
    National("scottish-green", "Scottish Greens", "SGP", "Scottish Greens", ("PP130",), (
        "Scottish Green Party", "Scottish Green", "Scottish Greens - Think Global Act Local",
        "Scottish Greens - Delivering For Our Community", "Elect a Scottish Green Councillor",
        "Re-elect your Scottish Green Councillor")),
    National("green-ni", "Green Party NI", "GPNI", "the Green Party NI", ("PP305",), (
        "Green Party (NI)", "Green Party Northern Ireland", "Green Party in Northern Ireland")),
    National("dup", "DUP", "DUP", "the DUP", ("PP70",), (
        "DUP", "Democratic Unionist Party", "Democratic Unionist Party - D.U.P.")),
    National("sinn-fein", "Sinn Féin", "SF", "Sinn Féin", ("PP39",), ("SF", "Sinn Féin")),
    National("sdlp", "SDLP", "SDLP", "the SDLP", ("PP55",), (
        "SDLP", "SDLP (Social Democratic & Labour Party)", "Social Democratic and Labour Party")),
    National("uup", "UUP", "UUP", "the UUP", ("PP83",), ("UUP", "Ulster Unionist Party", "Ulster Unionists")),
    National("alliance", "Alliance", "APNI", "Alliance", ("PP103",), (
        "APNI", "Alliance Party", "Alliance Party of Northern Ireland",
        "Alliance - Alliance Party of Northern Ireland")),
    National("tuv", "TUV", "TUV", "the TUV", ("PP680",), (
        "TUV", "Traditional Unionist Voice", "Traditional Unionist Voice - TUV")),
    National("progressive-unionist", "Progressive Unionist Party", "PUP", "the PUP", ("PP101",), (
        "Progressive Unionist Party of Northern Ireland",)),
    National("people-before-profit", "People Before Profit", "PBP", "People Before Profit", ("PP773",), (
        "PBP", "People Before Profit Alliance")),
    National("aontu", "Aontú", "Aontú", "Aontú", ("PP7968",), ()),
    National("monster-raving-loony", "Monster Raving Loony", "Loony", "the Loony Party", (), (
        "Loony", "MRLP", "OMRLP", "OMRL", "Official Monster Raving Loony Party", "Monster Raving Loony Party",
        "The Official Monster Raving Loony Party")),
    National("christian-peoples-alliance", "Christian Peoples Alliance", "CPA",
             "the Christian Peoples Alliance", ("PP79",), (
        "CPA", "Christian Peoples Alliance", "Christian People's Alliance")),
    National("for-britain", "For Britain", "ForB", "For Britain", ("PP6661",), (
        "ForBritn", "FBM", "For Britain Movement", "The For Britain Movement")),
    National("womens-equality", "Women's Equality", "WEP", "the Women's Equality Party", ("PP2755",), (
        "WEP", "Women's Equality Party", "Womens Equality Party")),
    National("workers-party", "Workers Party", "WPB", "the Workers Party", ("PP11382",), (
        "WP", "WPB", "Workers Party", "Workers Party of Britain", "Workers Part of Britain")),
    National("socialist-labour", "Socialist Labour", "SLP", "Socialist Labour", ("PP73",), (
        "SocLab", "Soc Lab", "SLP", "Socialist Labour Party")),
    National("socialist-alternative", "Socialist Alternative", "SocAlt", "Socialist Alternative", (), (
        "SocAlt",)),
    National("spgb", "Socialist Party of Great Britain", "SPGB", "the Socialist Party of Great Britain", (), (
        "Soc", "SPGB", "The Socialist Party of Great Britain", "Socialist Party Great Britain")),
    National("communist", "Communist Party of Britain", "Comm", "the Communist Party", (), (
        "Comm", "CPB", "CPGB", "Communist", "Communist Party of Britain")),
    National("national-front", "National Front", "NF", "the National Front", (), ("NF",)),
    National("british-democrats", "British Democrats", "BDP", "the British Democrats", (), (
        "BritDem", "BDP", "British Democratic Party", "British Democrats")),
    National("britain-first", "Britain First", "BF", "Britain First", ("PP12823",), (
        "Britain First - Housing For Locals",)),
    National("libertarian", "Libertarian Party", "Liber", "the Libertarian Party", (), (
        "Libtn", "Liber", "Libertarian", "Libertarian Party")),
    National("mebyon-kernow", "Mebyon Kernow", "MK", "Mebyon Kernow", ("PP58",), (
        "MK", "Mebyon Kernow - The Party for Cornwall")),
    National("north-east-party", "North East Party", "NEP", "the North East Party", ("PP2303",), (
        "NEast", "NEP", "The North East Party")),
    National("freedom-alliance", "Freedom Alliance", "FA", "Freedom Alliance", ("PP12667",), (
        "FA", "Freedom Alliance")),
    National("alliance-for-democracy-and-freedom", "Alliance for Democracy and Freedom", "ADF",
             "the Alliance for Democracy and Freedom", (), ("ADF",)),
    National("democrats-and-veterans", "Democrats and Veterans", "DVP", "Democrats and Veterans",
             ("PP6662",), ("DVP", "Democrats and Veterans Party")),
    National("veterans-and-peoples", "Veterans and People's Party", "VPP", "the Veterans and People's Party",
             ("PP6719",), ("VPP",)),
    National("independent-network", "Independent Network", "IndNet", "Independent Network", ("PP1951",), (
        # A registered party that supports independent candidates: a party, not an independent (§6.3).
        "IndNwk", "Ind Net")),
    National("scottish-socialist", "Scottish Socialist Party", "SSP", "the SSP", ("PP46",), (
        "SSP", "Scottish Socialist Party - End Fuel Poverty")),
    National("solidarity", "Solidarity", "Sol", "Solidarity", ("PP2897",), (
        "Sol", "Solidarity - Scotland's Socialist Movement")),
    National("animal-welfare", "Animal Welfare Party", "AWP", "the Animal Welfare Party", (), (
        "AWP", "AnimalW", "Animal Welfare Party")),
    National("party-of-women", "Party of Women", "PoW", "the Party of Women", ("PP17545",), ("PoW",)),
    National("rejoin-eu", "Rejoin EU", "Rejoin", "Rejoin EU", ("PP11423",), ("REJEU", "REU")),
    National("volt", "Volt", "Volt", "Volt", (), ("Volt", "Volt UK")),
    National("national-housing", "National Housing Party", "NHP", "the National Housing Party", (), (
        "NHP", "Hsg", "National Housing Party", "National Housing Party United Kingdom")),
    National("homeland", "Homeland Party", "Home", "the Homeland Party", (), (
        # The Library's 2024 key names one candidate's party just "Home"; its 2025 key gives Home as the
        # Homeland Party's code.
        "Home",)),
    National("advance-uk", "Advance UK", "Advance", "Advance UK", ("PP18211",), ()),
    National("your-party", "Your Party", "Your", "Your Party", ("PP18172",), ("Your",)),
)
# fmt: on

# LEAP prints its own codes and publishes no key. Each code here was matched to a name by looking its
# candidates up in the Open Council Data councillor rolls and the Library's candidate sheets (same council,
# same name), or is plain from the code; "BNESInd" and "HaRA" from local news pages naming their candidates
# (Bath Newseum 2018 on the B&NES Independent Group; the Havering Residents Association site, Emerson Park).
# Codes that could not be named with confidence are left out (the build prints them).
LEAP_CODES: dict[str, str] = {
    "Ashfield": "Ashfield Independents",
    "Aspire": "Aspire",
    "PATH": "People's Alliance of Tower Hamlets",
    "DPl": "Duma Polska",
    "LincsInd": "Lincolnshire Independents",
    "ICHC": "Independent Community and Health Concern",
    "MIF": "Mansfield Independents",
    "CityInd": "City Independents",
    "Thurrock": "Thurrock Independents",
    "RAEE": "Residents Associations of Epsom and Ewell",
    "R4U": "Residents for Uttlesford",
    "NuTCFP": "Newcastle upon Tyne Community First Party",
    "Rochford": "Rochford District Residents",
    "Farnham": "Farnham Residents",
    "Renew": "Renew",
    "MBI": "Morecambe Bay Independents",
    "Andover": "Andover Alliance",
    "CIIP": "Canvey Island Independent Party",
    "DInd": "Derwentside Independents",
    "tBf": "The Borough First",
    "Newport": "Newport Independents Party",
    "LlG": "Llais Gwynedd",
    "RGV": "Residents for Guildford and Villages",
    "Swale": "Swale Independents",
    "Thanet": "Thanet Independents",
    "Loughton": "Loughton Residents Association",
    "KIRG": "Kingston Independent Residents Group",
    "Ashford": "Ashford Independent",
    "BlckCtry": "Black Country Party",
    "WSuffolk": "West Suffolk Independents",
    "CC(Hart)": "Community Campaign (Hart)",
    "RIRG": "Runnymede Independent Residents' Group",
    "EDevon": "East Devon Alliance",
    "AdvTog": "Advance Together",
    "OWL": "Our West Lancashire",
    "BPIP": "Burnley and Padiham Independent Party",
    "TWellsA": "Tunbridge Wells Alliance",
    "HaRA": "Havering Residents Association",
    "Molesey": "Molesey Residents Association",
    "StNeots": "St Neots Independent Group",
    "BNESInd": "Bath and North East Somerset Independent Group",
    "IOCH": "It's Our County (Herefordshire)",
    "BIG": "Barnsley Independent Group",
    "Morley": "Morley Borough Independents",
    "Tendring": "Tendring First",
    "CynonVP": "Cynon Valley Party",
    "SUDS": "Skegness Urban District Society",
    "Wickford": "Wickford Independents",
    "Ashtead": "Ashtead Independents",
    "SGRA": "Swanscombe and Greenhithe Residents' Association",
    "IANL": "Independent Alliance North Lanarkshire",
    "Tribune": "Tribune",
    "PoolePpl": "Poole People",
    "OLRG": "Oxted & Limpsfield Residents Group",
    "GGBG": "Guildford Greenbelt Group",
    "HlowAll": "Harlow Alliance",
    "Cumbria": "Cumbria First",
    "NottmInd": "Nottingham Independents",
    "Thornaby": "Thornaby Independent Association",
    "PABG": "People Against Bureaucracy Group",
    "Hersham": "Hersham Village Society",
    "OSAC": "Old Swan Against the Cuts",
    "I@S": "Independents @ Swansea",
    "Seaham": "Seaham Community Party",
    "FKF": "Farnworth and Kearsley First Party",
    "UCRA": "Upminster and Cranham Residents Association",
    "HWHPRA": "Harold Wood Hill Park Residents Association",
    "IBIS": "Ingleby Barwick Independent Society",
    "Esher": "Esher Residents Association",
    "HWWGRA": "Hinchley Wood & Weston Green Residents Association",
    "TDWGRA": "Thames Ditton & Weston Green Residents' Association",
    "Walton": "The Walton Society",
    "WStGI": "Weybridge & St George's Independents",
    "CommLg": "Communist League",
    "NorkRA": "Nork Residents' Association",
    "TattsRA": "Tattenhams & Preston Residents",
    "FRAG": "Formby Residents Action Group",
    "Wythall": "Wythall Residents' Association",
    "StalyTn": "Stalybridge Town Party",
    "SARA": "Stoneleigh and Auriol Residents' Association",
    "IU": "Independent Union",
    "SkemInd": "Skelmersdale Independents",
    "Henley": "Henley Residents Group",
    "Uplands": "Uplands",
    "Llantwit": "Llantwit First Independents",
    "Whitnash": "Whitnash Residents Association",
    "SaveUsNw": "Save Us Now",
    "HWDI": "Heavy Woollen District Independents",
    "GarfSwil": "Garforth and Swillington Independents Party",
    "Populist": "Populist Party",
    "BlueRevn": "Blue Revolution",
    "Halstead": "Halstead Residents' Association",
    "Fndtn": "Foundation Party",
    "Wilmslow": "Residents of Wilmslow",
    "PheadInd": "Portishead Independents",
    "AFPl": "Active for Plymouth",
    "IAKent": "Independent Alliance (Kent)",
    "Werr'ton": "Werrington First",
    "Werr1st": "Werrington First",
    "HBI": "Heath and Birchgrove Independents",
    "Mexb1st": "Mexborough First",
    "MF": "Middlewich First",
    "RAC": "Residents' Association of Cuddington",
    "ECRA": "Ewell Court Residents' Association",
    "LStAInd": "Lytham St Annes Independents",
    "WWRA": "West Windsor Residents Association",
    "OWRRA": "Old Windsor Residents Association",
    "TewkTI": "Tewkesbury and Twyning Independents",
    "Hextable": "Hextable Independent",
    "HRI": "Handforth 'Ratepayers' Association (Independent)",
    "Boll1st": "Bollington First",
    "LocAll": "Local Alliance",
    "HBF": "Horwich & Blackrod First Independents",
    "Westhton": "Westhoughton First Independents",
    "CFirst": "Community First",
    "Merthyr": "Merthyr Independents",
    "EWycombe": "East Wycombe Independent Party",
    "Eston": "Eston Independent Party",
    "MPIR": "Merton Park Ward Independent Residents",
    "OMG": "Orkney Manifesto Group",
    "ALL": "Alliance for Local Living",
    "Engage": "Poole Engage Party",
    "NHAction": "National Health Action Party",
    "Peace": "Peace Party",
    "Pirate": "Pirate Party",
    "Link": "Link Party",
}

# Library codes no key sheet explains. The 2023 ward table (`Ward_Level-Table 1.csv`) has codes as column
# heads and no key: the codes other years' sheets do not already name were matched by the council they stand
# in and its OCD roll. A few candidate-sheet codes differ from their own key ("NORK RES" is keyed "Nork RA").
LIBRARY_CODES: dict[str, str] = {
    "CIND": "City Independents",
    "MBIND": "Morecambe Bay Independents",
    "MBOR IND": "Morley Borough Independents",
    "NOTT IND": "Nottingham Independents",
    "BOST IND": "Boston Independent",
    "SDA": "South Devon Alliance",
    "FARN RES": "Farnham Residents",
    "THANET IND": "Thanet Independents",
    "C & ND IND": "Chesterfield and North Derbyshire Independents",
    "B & H IND": "Brighton & Hove Independents",
    "CHRIST IND": "Christchurch Independents",
    "LC IND": "Liverpool Community Independents",
    "RAIC": "Rother Association of Independent Councillors",
    "STAFF BOR IND": "Stafford Borough Independents",
    "PEP": "Poole Engage Party",
    "PPP": "Poole People",
    "TEND 1ST": "Tendring First",
    "SKEG UDS": "Skegness Urban District Society",
    "W & B COMM": "Whitehill & Bordon Community Party",
    "PORTIS IND": "Portishead Independents",
    "THORN IND": "Thornaby Independent Association",
    "BELPER IND": "Belper Independents",
    "IAK": "Independent Alliance (Kent)",
    "L & M COMM IND": "Lydiate and Maghull Community Independents",
    "OX & L RES": "Oxted & Limpsfield Residents Group",
    "MH IND": "Malvern Hills Independents",
    "IOC": "It's Our County (Herefordshire)",
    "CH 4 PLYM": "Change for Plymouth",
    "HALST RES": "Halstead Residents' Association",
    "WEST 1ST IND": "Westhoughton First Independents",
    "H & B 1ST": "Horwich & Blackrod First Independents",
    "B & P IND": "Burnley and Padiham Independent Party",
    "ENG CONST": "English Constitution Party",
    "LOC ALL": "Local Alliance",
    "BREAK": "Breakthrough Party",
    "RD": "Reform Derby",
    "WAKE & D IND": "Wakefield & District",
    "F & K 1ST": "Farnworth and Kearsley First Party",
    "NORK RES": "Nork Residents' Association",
}

# Display name of a local party -> other spellings of it in the sources (merged into one party).
# Names that share an EC register number are merged without being listed here; so are names that differ only
# by a leading "The", a trailing "Party"/"Ltd" or "Independent(s)" (see `fold`).
LOCAL_NAMES: dict[str, tuple[str, ...]] = {
    "Alliance for Local Living": ("Alliance For Local Living (ALL)",),
    "Chesterfield and North Derbyshire Independents": (
        "Chesterfield And North Derbyshire Independents (CANDI)",),
    "Peace Party": ("The Peace Party - Non-violence, Justice, Environment",),
    "Ashtead Independents": ("Ashtead Independent, working with Ashtead Residents",),
    "Bollington First": ("BollingtonFirst",),
    "Boston Independent": ("Boston Independent (deregistered 11/25)",),
    "Burnley and Padiham Independent Party": ("Burnley & Padiham Independents Group",),
    "Chase Community Independents": ("Chase Community Independents Group",),
    "Cumbria First": ("CumbriaFirst",),
    "Cynon Valley Party": ("The Cynon Valley Party",),
    "East Devon Alliance": ("Independent East Devon Alliance",),
    "Guildford Greenbelt Group": ("Guildford Green-belt Group",),
    "Gwlad": ("Gwlad Gwlad",),
    # Library 2024 key: "Horwich & Bolfton First Independents" (sic).
    "Horwich & Blackrod First Independents": ("Horwich & Bolfton First Independents",),
    "Independent Community and Health Concern": ("Independent Health Concern",),
    # Hartlepool: OCD "Independent Union" (PP7984), Library "Hartlepool Independent Union", LEAP "IU".
    "Independent Union": ("Hartlepool Independent Union",),
    "Lincolnshire Independents": ("Lincolnshire Independents Lincolnshire First",),
    "Llais Gwynedd": ("Llais Gwynedd - The Voice of Gwynedd",),
    "Loughton Residents Association": (
        "Independent Loughton Residents Association", "Loughton & Residents Association"),
    "Molesey Residents Association": ("The Molesey Residents Association",),
    "Oxted & Limpsfield Residents Group": ("Oxted & Limpsfield Residents",),
    "People Against Bureaucracy Group": (
        "People Against Bureaucracy Action Group", "People Against Bureaucracy"),
    "People's Independent Party": ("The People's Independent Party",),
    "Poole People": ("The Party for Poole People Ltd.",),
    # The Library's generic residents' column, and PA's grouping of residents' and ratepayers' candidates.
    "Residents Association": ("Ratepayers or Residents",),
    # Library 2021 key: "Seham Community Party" (sic).
    "Seaham Community Party": ("Seham Community Party",),
    "Skegness Urban District Society": ("Skegness urban district society",),
    "Tattenhams & Preston Residents": ("Tattenham & Preston Residents Association",),
    # Elmbridge: the Library prints the two Weston Green residents' groups as "Independents".
    "Thames Ditton & Weston Green Residents' Association": (
        "Thames Ditton / Weston Green Residents' Association", "Thames Ditton & Weston Green Independents"),
    "Hinchley Wood & Weston Green Residents Association": (
        "Hinchley Wood Residents Association", "Hinchley Wood & Weston Green Independents"),
    "The Borough First": ("the Borough first",),
    "UK Voice": ("Voice",),
    "Weybridge & St George's Independents": (
        "Weybridge & St. George's Independents", "Weybridge & St.Georges Independents"),
}  # fmt: skip

# Normalised label -> the name it stands for, where sources disagree; None drops the label (ambiguous).
OVERRIDES: dict[str, str | None] = {
    # Barnsley Independent Group (LEAP 2016-19, Library 2021-22, DC party:530) over Broxtowe Independent Group
    # (Library 2025 key sheet only; its candidates are printed under the full name).
    "big": "Barnsley Independent Group",
    # Library 2022 uses FIRST for both Bolton First and Rossendale First: ambiguous, left to fall through.
    "first": None,
    # Freedom Alliance (Library 2021-22, 127 candidates) over the 2024 "Freedom Party" (5).
    "free": "Freedom Alliance",
    # LEAP 2019 MBI is Morecambe Bay Independents (20, Lancaster); Library 2022 MBI Morley Borough (2).
    "mbi": "Morecambe Bay Independents",
    # LEAP 2019 MF is Middlewich First, Library 2021 MF Mexborough First (3 each): ambiguous.
    "mf": None,
}

# Labels that name no party: placeholders, vacancies, "other" columns and control labels.
NOT_PARTIES: frozenset[str] = frozenset(
    normalise(label)
    for label in (
        "NULL", "Vacant", "OTH", "Other", "Others", "OTHER", "Other parties / candidates",
        "Other parties and Independents", "NOC", "No Overall Control", "SNP/PC", "Total", "Total votes",
    )
)  # fmt: skip

EC_ID = re.compile(r"^PP\d+$")


@dataclass(frozen=True)
class Label:
    """One label as a source prints it.

    `name` is the full name the source gives for it (a key sheet, a PA nomination); `is_name` says the label
    is itself a full name that may found a local party (a code never does). `count` is how many candidates
    or councillor rows print it; rows of a key sheet (`key_sheet`) and ward heads that repeat a candidate
    sheet (`weighs=False`) name parties without counting as occurrences.
    """

    source: str
    label: str
    count: int
    name: str | None = None
    is_name: bool = False
    ec_id: str | None = None
    key_sheet: bool = False
    weighs: bool = True


# ---------------------------------------------------------------- readers


def _csv_rows(path: Path) -> list[list[str]]:
    with path.open(encoding="utf-8-sig", newline="") as handle:
        return list(csv.reader(handle))


def _header_index(rows: list[list[str]], column: str) -> int:
    for i, row in enumerate(rows):
        if column in (cell.strip() for cell in row):
            return i
    raise ValueError(f"no header with {column!r}")


def read_leap(raw: Path) -> Iterator[Label]:
    """LEAP 2016-2019: column 6 is the party code."""
    for path in sorted((raw / "leap-teale").glob("*/*.csv")):
        counts = Counter(row[5].strip() for row in _csv_rows(path) if len(row) >= 8)
        for code, count in sorted(counts.items()):
            name = LEAP_CODES.get(code)
            yield Label(f"LEAP {path.parent.name}", code, count, name=name)


@dataclass
class KeySheet:
    """A Library workbook's "Party names" sheet: abbreviation -> full names."""

    entries: list[tuple[str, str]] = field(default_factory=list)

    def names_for(self, label: str) -> list[str]:
        """The full names a printed label stands for in this workbook."""
        key = normalise(label)
        compact = key.replace(" ", "")
        found = [
            n for a, n in self.entries if normalise(a) == key or normalise(a).replace(" ", "") == compact
        ]
        if not found:
            found = [n for _, n in self.entries if normalise(n) == key]
        if not found and len(key) >= 25:  # column heads cut at 30 characters
            found = [n for _, n in self.entries if normalise(n).startswith(key)]
        return sorted(set(found))


LIBRARY_BOOKS: tuple[tuple[str, str, str, tuple[str, ...], tuple[str, str]], ...] = (
    # year, candidates sheet, wards sheet, candidate columns, (first party column after, last column before)
    ("2021", "local_elections_2021_results-2__Candidates-results.csv",
     "local_elections_2021_results-2__Wards-results.csv", ("Party name", "Party group"), ("Turnout (%)", "")),
    ("2022", "local-elections-2022__Candidates-results.csv", "local-elections-2022__Wards-results.csv",
     ("Party name", "Party group"), ("Turnout (%)", "Total votes")),
    ("2024", "LEH-2024-results-HoC-version__Candidates_results.csv",
     "LEH-2024-results-HoC-version__Wards_results.csv", ("Party name", "Party Group"),
     ("Turnout (%)", "OTHER")),
    ("2025", "LEH-2025-results-HoC__Candidates_result.csv", "LEH-2025-results-HoC__Ward_results.csv",
     ("Party name",), ("Valid vote turnout (HoC method)", "Other parties / candidates")),
)  # fmt: skip
KEY_SHEETS: dict[str, str] = {
    "2021": "local_elections_2021_results-2__Party_names.csv",
    "2022": "local-elections-2022__Party_names.csv",
    "2024": "LEH-2024-results-HoC-version__Party_names.csv",
    "2025": "LEH-2025-results-HoC__Party_names.csv",
}


def _key_sheet(path: Path) -> KeySheet:
    rows = _csv_rows(path)
    head = _header_index(rows, "Party abbreviation")
    columns = [c.strip() for c in rows[head]]
    a, n = columns.index("Party abbreviation"), columns.index("Party name")
    sheet = KeySheet()
    for row in rows[head + 1 :]:
        if len(row) > max(a, n) and row[a].strip() and row[n].strip():
            sheet.entries.append((row[a].strip(), row[n].strip()))
    return sheet


def _party_columns(rows: list[list[str]], after: str, before: str) -> tuple[int, list[tuple[int, str]]]:
    head = _header_index(rows, after)
    columns = [c.strip() for c in rows[head]]
    start = columns.index(after) + 1
    stop = columns.index(before) if before else len(columns)
    return head, [(i, columns[i]) for i in range(start, stop) if columns[i]]


def _ward_counts(rows: list[list[str]], head: int, columns: list[tuple[int, str]]) -> Counter[str]:
    """How many wards each party column has a figure in."""
    counts: Counter[str] = Counter()
    for row in rows[head + 1 :]:
        for i, label in columns:
            if i < len(row) and row[i].strip() not in ("", "0"):
                counts[label] += 1
    return counts


def _library_labels(
    source: str,
    counts: Counter[str],
    sheet: KeySheet | None,
    *,
    full_names: bool = False,
    weighs: bool = True,
) -> Iterator[Label]:
    for printed, count in sorted(counts.items()):
        label = printed.strip()
        if full_names:
            yield Label(source, label, count, is_name=True, weighs=weighs)
            continue
        names: list[str | None] = list(sheet.names_for(label)) if sheet else []
        if not names and label in LIBRARY_CODES:
            names = [LIBRARY_CODES[label]]
        for name in names or [None]:
            yield Label(source, label, count, name=name, weighs=weighs)


def read_library(raw: Path) -> Iterator[Label]:
    """The Library's workbooks: key sheets, candidate sheets, ward sheets and the composition tables."""
    base = raw / "hoc-library-leh"
    csvs = base / "converted-csv"
    for year, candidates, wards, columns, (after, before) in LIBRARY_BOOKS:
        sheet = _key_sheet(csvs / KEY_SHEETS[year])
        for abbreviation, name in sheet.entries:
            yield Label(f"Library {year} party names", abbreviation, 0, name=name, key_sheet=True)
            yield Label(f"Library {year} party names", name, 0, is_name=True, key_sheet=True)
        rows = _csv_rows(csvs / candidates)
        head = _header_index(rows, columns[0])
        heads = [c.strip() for c in rows[head]]
        for column in columns:
            i = heads.index(column)
            counts = Counter(row[i].strip() for row in rows[head + 1 :] if len(row) > i and row[i].strip())
            full = year == "2025" and column == "Party name"
            yield from _library_labels(f"Library {year} {column}", counts, sheet, full_names=full)
        # Ward heads repeat the candidate sheet's labels: they name parties but add no occurrences.
        rows = _csv_rows(csvs / wards)
        head, party_columns = _party_columns(rows, after, before)
        counts = _ward_counts(rows, head, party_columns)
        yield from _library_labels(f"Library {year} wards", counts, sheet, weighs=False)
    rows = _csv_rows(base / "Ward_Level-Table 1.csv")
    head, party_columns = _party_columns(rows, "TURNOUT", "Grand Total")
    yield from _library_labels("Library 2023 wards", _ward_counts(rows, head, party_columns), None)
    rows = _csv_rows(csvs / "data_tables__Key.csv")
    head = _header_index(rows, "Abbreviation")
    for row in rows[head + 1 :]:
        if len(row) >= 2 and row[0].strip():
            yield Label(
                "Library 2023 composition key", row[0].strip(), 0, name=row[1].strip(), key_sheet=True
            )
    # CBP-9545 composition tables: party columns (CON, LAB, LD, GRN, SNP; "Lib Dem" in the long series).
    for sheet_name, first_party in (
        ("England", "CON"),
        ("Scotland_and_Wales", "CON"),
        ("Councillor_party_affiliation", "Con"),
    ):
        rows = _csv_rows(csvs / f"CBP9545-detailed-results-for-download__{sheet_name}.csv")
        head = _header_index(rows, first_party)
        heads = [c.strip() for c in rows[head]]
        not_parties = {"", "Total", "Vacant", "Control", "Losses", "Gains"}
        for label in sorted(set(heads[heads.index(first_party) :]) - not_parties):
            yield Label(f"Library CBP-9545 {sheet_name}", label, 0)


def read_opencouncildata(raw: Path) -> Iterator[Label]:
    """Open Council Data: councillor rolls (party name and EC code) and the composition history heads."""
    base = raw / "opencouncildata"
    for path in sorted(base.glob("opencouncildata_councillors_*.csv")):
        year = path.stem.rsplit("_", 1)[1]
        counts: Counter[tuple[str, str]] = Counter()
        with path.open(encoding="utf-8-sig", newline="") as handle:
            for row in csv.DictReader(handle):
                counts[row["Party Name"].strip(), row["Electoral Commission Party Code"].strip()] += 1
        for (name, code), count in sorted(counts.items()):
            yield Label(f"OCD {year}", name, count, is_name=True, ec_id=code or None)
    with (base / "history2016-2025.csv").open(encoding="utf-8-sig", newline="") as handle:
        heads = next(csv.reader(handle))
    for label in heads[heads.index("con") : heads.index("other")]:
        yield Label("OCD history", label, 0)


def read_democracyclub(raw: Path) -> Iterator[Label]:
    """Democracy Club result sets: `on_behalf_of` id and name."""
    for path in sorted((raw / "democracyclub-api-sample").glob("results-*.json")):
        counts: Counter[tuple[str, str]] = Counter()
        for result_set in json.loads(path.read_text(encoding="utf-8")):
            for result in result_set["candidate_results"]:
                party = result["membership"]["on_behalf_of"]
                counts[party["id"], party["name"]] += 1
        for (party_id, name), count in sorted(counts.items()):
            number = party_id.removeprefix("party:")
            ec_id = f"PP{number}" if party_id.startswith("party:") else None
            yield Label(f"DC {path.stem}", name, count, is_name=True, ec_id=ec_id)
            yield Label(f"DC {path.stem}", party_id, count, name=name)


def read_trafford(raw: Path) -> Iterator[Label]:
    """The LGA-schema results file of Trafford: party label, party URI (EC code) and ballot description."""
    path = raw / "trafford-council" / "trafford_council_election_results.csv"
    counts: Counter[tuple[str, str]] = Counter()
    with path.open(encoding="utf-8-sig", newline="") as handle:
        for row in csv.DictReader(handle):
            code = row["PoliticalPartyURI"].strip().rsplit("/", 1)[-1]
            counts[row["PoliticalPartyLabel"].strip(), code] += 1
            if row["CandidatesDescription"].strip():
                counts[row["CandidatesDescription"].strip(), code] += 1
    for (label, code), count in sorted(counts.items()):
        yield Label("Trafford", label, count, is_name=True, ec_id=code or None)


def read_pa(raw: Path) -> Iterator[Label]:
    """The PA XML samples: `Party` elements with a name and, in nominations and SOP, an abbreviation."""
    counts: Counter[tuple[str, str]] = Counter()
    for path in sorted((raw / "pa-xml-feed-sample").glob("*.xml")):
        for element in ElementTree.parse(path).iter("Party"):
            counts[element.get("name", "").strip(), element.get("abbreviation", "").strip()] += 1
    for (name, abbreviation), count in sorted(counts.items()):
        if abbreviation:
            yield Label("PA", abbreviation, count, name=name)
            yield Label("PA", name, count, is_name=True)
        else:
            yield Label("PA", name, count)


READERS = (read_leap, read_library, read_opencouncildata, read_democracyclub, read_trafford, read_pa)


# ---------------------------------------------------------------- grouping


def fold(name: str) -> str:
    """The key local names are grouped on: "The X Independents Party" and "X Independent" are one."""
    words = normalise(name).split()
    if words[:1] == ["the"]:
        words = words[1:]
    while len(words) > 1 and words[-1] in ("party", "ltd", "limited"):
        words = words[:-1]
    return " ".join("independent" if w == "independents" else w for w in words)


def target(label: Label) -> str | None:
    """The full name a label stands for, if a source says (or the label is one); None for a bare code."""
    name = label.name if label.name is not None else (label.label if label.is_name else None)
    if name is None or not normalise(name) or normalise(name) in NOT_PARTIES:
        return None
    return name


def ec_number(code: str) -> int:
    return int(code.removeprefix("PP"))


class Groups:
    """Union-find over folded local names."""

    def __init__(self) -> None:
        self._parent: dict[str, str] = {}

    def find(self, key: str) -> str:
        self._parent.setdefault(key, key)
        while self._parent[key] != key:
            self._parent[key] = self._parent[self._parent[key]]
            key = self._parent[key]
        return key

    def union(self, a: str, b: str) -> None:
        ra, rb = self.find(a), self.find(b)
        if ra != rb:
            self._parent[max(ra, rb)] = min(ra, rb)


def national_index() -> dict[str, str]:
    """Normalised curated label -> national party id; a label given to two parties is an error."""
    index: dict[str, str] = {}
    for party in NATIONAL:
        for label in (party.id, party.name, *party.labels):
            key = normalise(label)
            if index.get(key, party.id) != party.id:
                raise SystemExit(f"curated label {label!r} is given to {index[key]} and {party.id}")
            index[key] = party.id
    return index


class Resolver:
    """Full names -> parties: curated national labels first, then EC numbers, then grouped local names."""

    def __init__(self, labels: list[Label]) -> None:
        self.national = national_index()
        ec_national = {ec: p.id for p in NATIONAL for ec in p.ec_ids}
        # normalised name -> national id, from the EC number printed beside it
        self._via_ec: dict[str, str] = {}
        self._groups = Groups()
        by_code: dict[str, set[str]] = defaultdict(set)
        for label in labels:
            name = target(label)
            if name is None or normalise(name) in self.national:
                continue
            code = label.ec_id if label.ec_id and EC_ID.match(label.ec_id) else None
            if code in ec_national:
                self._via_ec[normalise(name)] = ec_national[code]
                continue
            self._groups.find(fold(name))
            if code:
                by_code[code].add(fold(name))
        for keys in by_code.values():  # one register number, one party
            first, *rest = sorted(keys)
            for other in rest:
                self._groups.union(first, other)
        for canonical, variants in LOCAL_NAMES.items():
            for variant in variants:
                self._groups.union(fold(canonical), fold(variant))
        self._pinned = {fold(v): c for c, variants in LOCAL_NAMES.items() for v in (c, *variants)}
        self.local: dict[str, Party] = {}  # group -> registered local party

    def group(self, name: str) -> str:
        """A national party id, or `group:<key>` for a local party (registered or not)."""
        key = normalise(name)
        if key in self.national:
            return self.national[key]
        if key in self._via_ec:
            return self._via_ec[key]
        return "group:" + self._groups.find(fold(name))

    def register(self, group: str, printed: Counter[str]) -> Party:
        """Name a local party: the pinned display name, or the most printed one."""
        pinned = sorted({self._pinned[fold(n)] for n in printed if fold(n) in self._pinned})
        display = pinned[0] if pinned else sorted(printed.items(), key=lambda kv: (-kv[1], kv[0]))[0][0]
        party = Party(id=f"local:{slug(display)}", name=display, short=display, plural=display)
        if any(p.id == party.id for p in self.local.values()):
            raise SystemExit(f"two local groups are both named {display!r}: merge them in LOCAL_NAMES")
        self.local[group] = party
        return party

    def resolve(self, name: str) -> str | None:
        """The party id a full name stands for; None for a local party too rare to register."""
        group = self.group(name)
        if not group.startswith("group:"):
            return group
        party = self.local.get(group)
        return party.id if party else None


def register_local_parties(resolver: Resolver, labels: list[Label]) -> dict[str, list[str]]:
    """Register the local parties that recur or that a code points at; returns every party's EC ids."""
    printed: dict[str, Counter[str]] = defaultdict(Counter)
    weight: Counter[str] = Counter()
    coded: set[str] = set()
    codes: dict[str, set[str]] = defaultdict(set)
    for label in labels:
        name = target(label)
        if name is None:
            continue
        group = resolver.group(name)
        if label.ec_id and EC_ID.match(label.ec_id):
            codes[group].add(label.ec_id)
        if not group.startswith("group:"):
            continue
        printed[group][name] += label.count if label.is_name else 0
        weight[group] += label.count if label.weighs and not label.key_sheet else 0
        if fold(label.label) != fold(name):
            coded.add(group)
    for group in sorted(printed):
        if weight[group] >= 2 or group in coded:
            resolver.register(group, printed[group])
    ec_ids: dict[str, list[str]] = {}
    for national in NATIONAL:
        extra = codes.get(national.id, set()) - set(national.ec_ids)
        if extra:
            print(f"note: the data also gives {national.id} the EC ids {sorted(extra)}", file=sys.stderr)
        ec_ids[national.id] = [*national.ec_ids, *sorted(extra, key=ec_number)]
    for group, local in resolver.local.items():
        ec_ids[local.id] = sorted(codes.get(group, set()), key=ec_number)
    return ec_ids


@dataclass
class Votes:
    """Which party each normalised label is given to, by whom, and how it is spelt."""

    parties: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    spellings: dict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    sources: dict[tuple[str, str], set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, alias: str, party_id: str, count: int, source: str) -> None:
        key = normalise(alias)
        if key and key not in NOT_PARTIES:
            self.parties[key][party_id] += max(count, 1)
            self.spellings[key][alias] += max(count, 1)
            self.sources[key, party_id].add(source)

    def spelling(self, key: str) -> str:
        return sorted(self.spellings[key].items(), key=lambda kv: (-kv[1], kv[0]))[0][0]

    def describe(self, key: str) -> str:
        choices = self.parties[key]
        ranked = sorted(choices, key=lambda p: (-choices[p], p))
        return ", ".join(f"{p} ({'/'.join(sorted(self.sources[key, p]))})" for p in ranked)


@dataclass
class Build:
    """Everything the build decides, for writing and for the report."""

    parties: list[Party]
    ec_ids: dict[str, list[str]]
    aliases: list[tuple[str, str]]
    conflicts: list[str]
    unnamed: list[tuple[str, int, list[str]]]


def collect_votes(
    resolver: Resolver, labels: list[Label], ec_ids: dict[str, list[str]]
) -> tuple[Votes, Counter[str]]:
    """Every label (and every full name) -> the party it resolves to; and the codes nobody names."""
    votes = Votes()
    for party in NATIONAL:
        for alias in party.labels:
            votes.add(alias, party.id, 1, "curated")
    for code, full_name in LEAP_CODES.items():
        if (party_id := resolver.resolve(full_name)) is not None:
            votes.add(code, party_id, 1, "curated LEAP")
    for party_id, codes in ec_ids.items():  # Democracy Club's older form of the register number
        for code in codes:
            votes.add(f"party:{ec_number(code)}", party_id, 1, "EC id")
    unnamed: Counter[str] = Counter()
    for label in labels:
        name = target(label)
        if name is None:
            key = normalise(label.label)
            if key in resolver.national:
                votes.add(label.label, resolver.national[key], label.count, label.source)
            elif key and key not in NOT_PARTIES:
                unnamed[label.label] += label.count
            continue
        resolved = resolver.resolve(name)
        if resolved is not None:
            votes.add(label.label, resolved, label.count, label.source)
            votes.add(name, resolved, label.count, label.source)
    return votes, unnamed


def decide(resolver: Resolver, votes: Votes) -> tuple[list[tuple[str, str]], list[str]]:
    """One party per normalised label; a conflict is settled by OVERRIDES or a curated national label."""
    aliases: list[tuple[str, str]] = []
    conflicts: list[str] = []
    undecided: list[str] = []
    for key in sorted(votes.parties):
        choices = votes.parties[key]
        decided: str | None = next(iter(choices))
        if len(choices) > 1:
            if key in OVERRIDES:
                chosen = OVERRIDES[key]
                decided = resolver.resolve(chosen) if chosen is not None else None
                conflicts.append(f"{key!r}: {votes.describe(key)} -> {decided or 'dropped'} (OVERRIDES)")
            elif key in resolver.national:
                decided = resolver.national[key]
                conflicts.append(f"{key!r}: {votes.describe(key)} -> {decided} (curated national label)")
            else:
                undecided.append(f"{key!r}: {votes.describe(key)}")
                continue
        if decided is not None:
            aliases.append((votes.spelling(key), decided))
    if undecided:
        print("undecided conflicts (add them to OVERRIDES):", *undecided, sep="\n  ", file=sys.stderr)
        raise SystemExit(1)
    return sorted(aliases, key=lambda a: (normalise(a[0]), a[0])), conflicts


def build(labels: list[Label]) -> Build:
    resolver = Resolver(labels)
    ec_ids = register_local_parties(resolver, labels)
    votes, unnamed = collect_votes(resolver, labels, ec_ids)
    aliases, conflicts = decide(resolver, votes)
    parties = [Party(p.id, p.name, p.short, p.plural, independent=p.independent) for p in NATIONAL]
    parties += sorted(resolver.local.values(), key=lambda p: p.id)
    sources: dict[str, set[str]] = defaultdict(set)
    for label in labels:
        sources[label.label].add(label.source.split(" ")[0])
    still_unnamed = [
        (label, count, sorted(sources[label]))
        for label, count in unnamed.items()
        if normalise(label) not in votes.parties
    ]
    return Build(
        parties=parties,
        ec_ids=ec_ids,
        aliases=aliases,
        conflicts=conflicts,
        unnamed=sorted(still_unnamed, key=lambda u: (-u[1], normalise(u[0]), u[0])),
    )


# ---------------------------------------------------------------- checks and output


def check(result: Build) -> None:
    """The files must round-trip through the register: every alias and every name to its own party."""
    register = PartyRegister(result.parties, _all_aliases(result))
    problems = [
        f"alias {a!r} -> {register.resolve(a).id}, not {p}"
        for a, p in result.aliases
        if register.resolve(a).id != p
    ]
    problems += [
        f"{label!r} of {p.id} -> {register.resolve(label).id}"
        for p in result.parties
        for label in (p.id, p.name)
        if register.resolve(label).id != p.id
    ]
    if problems:
        print("register does not round-trip:", *problems, sep="\n  ", file=sys.stderr)
        raise SystemExit(1)


def _all_aliases(result: Build) -> Iterable[tuple[str, str]]:
    yield from result.aliases
    for party_id, ec_ids in result.ec_ids.items():
        for ec_id in ec_ids:
            yield ec_id, party_id


def write(result: Build, out: Path) -> None:
    with (out / "parties.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["id", "name", "short", "plural", "independent", "ec_ids"])
        for p in result.parties:
            writer.writerow(
                [p.id, p.name, p.short, p.plural, int(p.independent), "|".join(result.ec_ids.get(p.id, []))]
            )
    with (out / "party_aliases.csv").open("w", encoding="utf-8", newline="") as handle:
        writer = csv.writer(handle, lineterminator="\n")
        writer.writerow(["alias", "party_id"])
        writer.writerows(result.aliases)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("raw", type=Path, help="the shared raw data folder (../shared/data/raw)")
    parser.add_argument(
        "--out", type=Path, default=DEFAULT_OUT, help="where parties.csv and party_aliases.csv go"
    )
    args = parser.parse_args(argv)
    labels = [label for reader in READERS for label in reader(args.raw)]
    result = build(labels)
    check(result)
    write(result, args.out)
    for line in result.conflicts:
        print("conflict", line)
    for label, count, seen in result.unnamed:
        if count >= 2:
            print(f"unnamed code {label!r} x{count} ({', '.join(seen)}): falls through as a local party")
    local = sum(1 for p in result.parties if p.id.startswith("local:"))
    print(f"{len(result.parties)} parties ({local} local), {len(result.aliases)} aliases -> {args.out}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
