"""Embeds: a council's seat bar and result as a small page for partner sites to frame
(`<iframe src=".../embed/council/CODE">`). Only embeds may be framed, and only by the sites the server is
told (`serve --embed-ancestor`, every site by default); every other page forbids framing."""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from starlette.responses import Response

from tallyroom.web import charts
from tallyroom.web.caching import cached_response, site_of
from tallyroom.web.site import View
from tallyroom.web.templating import path_for, render

router = APIRouter(include_in_schema=False)
PREFIX = "/embed/"
ANYWHERE = ("*",)
"""Who may frame an embed when nobody says: any site."""

_SOURCE = re.compile(
    r"\*|'self'|[a-z][a-z0-9+.-]*:|([a-z][a-z0-9+.-]*://)?(\*\.)?[a-z0-9.-]+(:(\d+|\*))?", re.IGNORECASE
)
"""A CSP source expression a frame-ancestors directive takes: `*`, `'self'`, a scheme (`https:`) or a
host, with scheme, `*.` and port optional (`https://*.example.org`, `news.example:8443`)."""


class AncestorError(ValueError):
    """A site given as an embed's ancestor that is not a CSP source expression."""


def frame_ancestors(sources: Sequence[str]) -> str:
    """The frame-ancestors value for `sources` (AncestorError for one that is not a source)."""
    for source in sources:
        if not _SOURCE.fullmatch(source):
            raise AncestorError(f"not a site a content security policy can name: {source!r}")
    return " ".join(dict.fromkeys(sources)) if sources else "'none'"


@router.get("/embed/council/{code}", name="council_embed")
async def council_embed(request: Request, code: str) -> Response:
    """A council's seat bar, headline and result, for framing on a partner's page."""
    site = site_of(request)
    if code not in site.view.by_code:
        raise HTTPException(404, f"no council with code {code!r} tonight")
    pages = request.app.state.pages
    base: str = request.app.state.base_url or ""
    page = f"{base}{path_for(request.app, 'council', code=code)}"

    def make(view: View) -> str:
        outcome = view.by_code[code]
        seats, total = pages.seats(outcome)
        palette = pages.palette((p for p, _ in seats), [outcome])
        context: dict[str, Any] = {
            "title": f"{outcome.council.name}: local election results {site.day:%Y}",
            "outcome": outcome,
            "headline": pages.headline(outcome),
            "palette": palette,
            "seat_bar": charts.seat_bar(
                seats,
                total,
                outcome.majority_threshold,
                outcome.seats_declared,
                title="Seats on the council",
                palette=palette,
            ),
            "page": page,
        }
        return render("embed.html", site=site, pages=pages, **context)

    return await cached_response(
        request,
        f"embed:council:{code}",
        "text/html; charset=utf-8",
        make,
        lambda view: view.council_stamp(code),
    )
