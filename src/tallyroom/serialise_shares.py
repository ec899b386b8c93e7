"""The JSON of vote share, swing and the projection (`shares --json`, `projection --json` and the API)."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from tallyroom.results import AreaShares, NightProjection
from tallyroom.rules.projection import LABEL, METHOD
from tallyroom.rules.shares import PartyShare, ShareSwing, ShareTable, Standing

SHOWN = 0.5
"""Parties with a smaller projected share are counted in Others."""


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 1)


def _note(found: PartyShare, baseline: str) -> str | None:
    if found.standing is Standing.NEW:
        return f"new: did not stand in {baseline}"
    if found.standing is Standing.GONE:
        return "did not stand"
    return None


def share_table(table: ShareTable) -> dict[str, Any]:
    return {
        "method": table.method.value,
        "wards": table.wards,
        "wards_compared": table.wards_compared,
        "baseline": table.baseline_label or None,
        "parties": [
            {
                "party": p.party.name,
                "votes": p.votes,
                "share": _round(p.share),
                "share_compared": _round(p.now),
                "share_before": _round(p.before),
                "change": _round(p.change),
                "note": _note(p, table.baseline_label),
            }
            for p in table.parties
        ],
    }


def swing(found: ShareSwing) -> dict[str, Any]:
    return {
        "to": found.to.name,
        "from": found.away.name,
        "points": _round(found.points),
        "note": found.reason or None,
    }


def shares(found: AreaShares) -> dict[str, Any]:
    return {
        "area": found.area,
        "tables": [share_table(t) for t in found.tables],
        "swing": [swing(s) for s in found.swings],
    }


def _named(shares: Mapping[str, float], names: Mapping[str, str]) -> dict[str, float]:
    shown = {names.get(p, p): round(s, 1) for p, s in shares.items() if s >= SHOWN}
    others = sum(s for s in shares.values() if s < SHOWN)
    return shown | ({"Others": round(others, 1)} if others else {})


def projection(found: NightProjection) -> dict[str, Any]:
    """`{"date", "label", "shares", "baseline", "wards_used", "councils_used", "method"}`."""
    return {
        "date": found.election_date.isoformat(),
        "label": LABEL,
        "shares": _named(found.projection.shares, found.names),
        "baseline": {
            str(year): {"source": source, "shares": _named(shares, found.names)}
            for year, (source, shares) in sorted(found.baselines.items())
        },
        "wards_used": found.projection.wards_used,
        "councils_used": found.projection.councils_used,
        "method": METHOD,
    }
