"""The `tallyroom` command (contract §1). Each command calls the layers below; none holds a rule."""

from __future__ import annotations

import difflib
import errno
import json
import os
import queue
import re
import secrets
import socket
import sys
import tempfile
import threading
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date
from enum import StrEnum
from importlib import resources
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any
from urllib.parse import urlsplit

import typer
from rich.console import Console
from rich.table import Table
from rich.text import Text
from sqlalchemy import Engine

from tallyroom import reference as reference_data
from tallyroom.errors import InputError
from tallyroom.importers import FORMATS
from tallyroom.importers.limits import escape_controls
from tallyroom.results import area_shares, earlier_polls, find_council, in_region, outcomes, share_pairs
from tallyroom.results import projection as project_night
from tallyroom.rules.control import ControlSettings, Outcome, ThresholdBasis
from tallyroom.rules.outcome import CouncilOutcome
from tallyroom.rules.parties import NOC, Party
from tallyroom.rules.progress import of_night
from tallyroom.rules.stv import differences
from tallyroom.store import queries
from tallyroom.store.database import StoreError, StoreUnavailable, connect, database_url, shown
from tallyroom.web import accounts, export
from tallyroom.web.accounts import AccountError, Role

if TYPE_CHECKING:  # the web stack, the copy desk and the live night load in the commands that use them
    from tallyroom.live.events import Event
    from tallyroom.live.replay import Timed
    from tallyroom.web.publish import Publisher
    from tallyroom.web.site import Site


class Refused(Exception):
    """What a command could not do, said in one line on standard error; exit status 1."""


class Commands(typer.Typer):
    """The command line, with one handler for the errors a user sees: each is one line, never a
    traceback."""

    def __call__(self, *args: Any, **kwargs: Any) -> Any:
        try:
            return super().__call__(*args, **kwargs)
        except (Refused, StoreUnavailable) as error:
            err.print(str(error), highlight=False)
            sys.exit(1)


app = Commands(
    help="Election-night results for UK local elections. The contract is docs/contract.md, the rules "
    "behind every figure docs/domain.md, and every command is in docs/cli.md.",
    no_args_is_help=True,
    add_completion=False,
    rich_markup_mode=None,
)


class Terminal(Console):
    """A console that prints what the data says as text: never as markup (a name with `[red]` in it
    prints as written), and with control characters as escapes (`\\x1b`), so that no name can restyle,
    move or retitle a terminal. Otherwise names print exactly (right-to-left marks, emoji). The line
    breaks of the program's own text stay line breaks (no name holds one: the importers refuse them)."""

    def __init__(self, **options: Any) -> None:
        super().__init__(markup=False, **options)

    def render_str(self, text: str, **options: Any) -> Text:
        return super().render_str("\n".join(escape_controls(line) for line in text.split("\n")), **options)


err = Terminal(stderr=True, soft_wrap=True)
out = Terminal(soft_wrap=True, width=None if sys.stdout.isatty() else 200)

DateOption = Annotated[str, typer.Option("--date", metavar="YYYY-MM-DD", help="Election day.")]
JsonOption = Annotated[bool, typer.Option("--json", help="Print JSON and nothing else.")]
RegionOption = Annotated[str | None, typer.Option("--region", help="Only councils in this region.")]


class State:
    url: str = ""
    settings = ControlSettings()
    _engine: Engine | None = None

    @classmethod
    def engine(cls) -> Engine:
        if cls._engine is None:
            cls._engine = connect(cls.url)
        return cls._engine


@app.callback()
def main(
    db: Annotated[
        str | None, typer.Option("--db", help="Database URL; else $TALLYROOM_DB; else tallyroom.db.")
    ] = None,
    independents_can_control: Annotated[
        bool, typer.Option(help="Count independents together for control (docs/domain.md §6.3).")
    ] = False,
    threshold_basis: Annotated[
        ThresholdBasis,
        typer.Option(help="Majority of total_seats (usual) or filled_seats (vacancies left out)."),
    ] = ThresholdBasis.TOTAL_SEATS,
) -> None:
    State.url = database_url(db)
    State._engine = None
    State.settings = ControlSettings(independents_can_control, threshold_basis)


def parse_day(value: str) -> date:
    try:
        return date.fromisoformat(value)
    except ValueError:
        raise typer.BadParameter(f"not a date (YYYY-MM-DD): {value!r}", param_hint="--date") from None


@app.command("import")
def import_(
    format_name: Annotated[str, typer.Argument(metavar="FORMAT", help=f"One of: {', '.join(FORMATS)}.")],
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Files to load.")],
    day: Annotated[
        str | None,
        typer.Option("--date", metavar="YYYY-MM-DD", help="Election day for files that have none."),
    ] = None,
    council: Annotated[
        str | None, typer.Option("--council", help="Council for files that name none.")
    ] = None,
) -> None:
    """Load results or reference data. Each file loads whole or not at all."""
    if format_name not in FORMATS:
        raise typer.BadParameter(f"{format_name!r}: use one of {', '.join(FORMATS)}", param_hint="FORMAT")
    from rich.progress import BarColumn, Progress, TextColumn, TimeElapsedColumn

    from tallyroom.copy.newsroom import redraft_drafted, touched
    from tallyroom.importers.base import Context
    from tallyroom.loading import load_file

    ref = reference_data.load()
    context = Context(ref, parse_day(day) if day else None, council)
    engine = State.engine()
    failed = False
    with Progress(
        TextColumn("{task.description}", markup=False),
        BarColumn(),
        TimeElapsedColumn(),
        console=err,
        transient=True,
        disable=not err.is_terminal,
    ) as progress:
        task = progress.add_task("loading", total=len(files))
        for path in files:
            progress.update(task, description=escape_controls(f"loading {path.name}"))
            try:
                batch, report = load_file(engine, format_name, path, context)
            except InputError as error:
                _refused("rejected", str(error))
                failed = True
                progress.advance(task)
                continue
            except StoreError as error:
                _refused("not loaded", f"{path.name}: {error}")
                raise typer.Exit(1) from None
            progress.advance(task)
            err.print(
                f"{path.name}: {report.new} new, {report.revised} revised, {report.unchanged} unchanged"
                + (
                    f", {report.superseded} superseded (older than a message taken)"
                    if report.superseded
                    else ""
                )
                + (f"; skipped {len(batch.skipped)} row(s)" if batch.skipped else ""),
                highlight=False,
            )
            _at_most([f"check: {warning}" for warning in report.warnings], "more to check")
            _at_most([f"skipped row {skip.row}: {skip.reason}" for skip in batch.skipped], "more")
            if report.new or report.revised:
                redrafted = redraft_drafted(engine, ref, touched(batch), State.settings)
                if flagged := sum(1 for v in redrafted if v.flag):
                    err.print(f"  {flagged} story(ies) flagged for review", highlight=False)
    if failed:
        raise typer.Exit(1)


SHOWN_LINES = 20
"""Lines of one kind a command prints about a file before it only says how many more there are."""


def _at_most(lines: list[str], more: str) -> None:
    """Up to `SHOWN_LINES` lines on standard error, indented, then how many `more` there are."""
    for line in lines[:SHOWN_LINES]:
        err.print(f"  {line}", highlight=False)
    if len(lines) > SHOWN_LINES:
        err.print(f"  ... and {len(lines) - SHOWN_LINES} {more}", highlight=False)


def _outcomes(day: str, region: str | None = None) -> list[CouncilOutcome]:
    ref = reference_data.load()
    if region and ref.councils.region(region) is None:
        raise Refused(
            f"no region {region!r}{_did_you_mean(region, _regions())}; regions: {_listed(_regions())}"
        )
    found = outcomes(State.engine(), ref, parse_day(day), State.settings).councils
    return in_region(found, ref, region) if region else found


def _shown(day: str, region: str | None, as_json: bool) -> list[CouncilOutcome]:
    """The outcomes to print; with none, and not as JSON, a Refused saying what the store holds."""
    found = _outcomes(day, region)
    if not found and not as_json:
        raise Refused(_nothing_on(day, region))
    return found


def _nothing_on(day: str, region: str | None = None) -> str:
    """What the store holds, for a day with nothing to show."""
    days = queries.election_days(State.engine())
    held = _listed([d.isoformat() for d in days])
    if region and parse_day(day) in days:
        that_night = {
            c.region for o in _outcomes(day) if (c := reference_data.load().councils.get(o.council.code))
        }
        return f"no councils polled on {day} in {region}; regions that night: {_listed(sorted(that_night))}"
    return f"no councils polled on {day} in this store; nights loaded: {held}; regions: {_listed(_regions())}"


def _regions() -> list[str]:
    return reference_data.load().councils.regions


def _listed(names: list[str]) -> str:
    return ", ".join(names) or "none"


def _did_you_mean(wrong: str, names: list[str]) -> str:
    close = difflib.get_close_matches(wrong, names, n=1, cutoff=0.75)
    return f" (did you mean {close[0]}?)" if close else ""


def _council_outcome(name_or_code: str, day: str) -> CouncilOutcome:
    """One council's outcome on a day, by code or any of its names; a Refused when there is none. A
    council the register knows is computed alone."""
    ref, on = reference_data.load(), parse_day(day)
    known = ref.councils.find(name_or_code, on)
    if known is not None:
        alone = outcomes(State.engine(), ref, on, State.settings, councils={known.code}).councils
        if alone:
            return alone[0]
    polled = _outcomes(day)
    found = find_council(polled, ref, name_or_code, on)
    if found is None and not polled:
        raise Refused(_nothing_on(day))
    if found is None:
        names = [o.council.name for o in polled]
        raise Refused(
            f"no election for {name_or_code!r} on {day} in this store{_did_you_mean(name_or_code, names)}"
        )
    return found


def _party(party_id: str) -> Party:
    return reference_data.load().parties.get(party_id)


def _refused(what: str, message: str) -> None:
    err.print(Text(what, style="red"), message, highlight=False)


def _print_json(value: Any, indent: int | None = 2) -> None:
    """JSON on standard output, UTF-8; the control characters JSON may leave raw (DEL, C1, the line
    and paragraph separators) are written as escapes, which JSON reads back as the same text."""
    text = json.dumps(value, ensure_ascii=False, indent=indent)
    sys.stdout.write(RAW_CONTROLS.sub(lambda found: f"\\u{ord(found.group()):04x}", text) + "\n")


RAW_CONTROLS = re.compile("[\x7f-\x9f\u2028\u2029]")


@app.command()
def councils(day: DateOption, region: RegionOption = None, as_json: JsonOption = False) -> None:
    """The outcome of every council with an election on the day."""
    from tallyroom.serialise import council_outcome

    found = _shown(day, region, as_json)
    if as_json:
        _print_json([council_outcome(o, _party) for o in found])
        return
    table = Table("council", "seats", "declared", "needed", "make-up", "control", "outcome", "change")
    for o in found:
        table.add_row(
            o.council.name,
            str(o.total_seats or "?"),
            f"{o.seats_declared}/{o.seats_up}",
            str(o.majority_threshold or "?"),
            _short(o.composition) if o.composition is not None else "won: " + _short(o.won),
            f"{_control_short(o.control_before)} → {_control_short(o.control_after)}",
            _outcome_words(o.outcome),
            f"{_changed({p.short: n for p, n in o.change.seats.items()})} ({o.change.baseline.value})"
            if o.change
            else "no comparison",
        )
    out.print(table)


@app.command()
def council(
    name_or_code: Annotated[str, typer.Argument(metavar="NAME_OR_CODE")],
    day: DateOption,
    as_json: JsonOption = False,
) -> None:
    """One council's outcome."""
    from tallyroom.serialise import council_outcome

    found = [_council_outcome(name_or_code, day)]
    stv = queries.stv_counts(State.engine(), found[0].council.code, parse_day(day))
    body = council_outcome(found[0], _party, wards=True, stv=stv)
    if as_json:
        _print_json(body)
        return
    out.print(body["headline"], style="bold", highlight=False)
    out.print(
        f"{body['seats_declared']} of {body['seats_up']} seats up declared; {body['total_seats']} seats, "
        f"{body['majority_threshold']} for a majority",
        highlight=False,
    )
    out.print(f"won: {_seats_text(body['won'])}", highlight=False)
    out.print(f"make-up: {_seats_text(body['composition'])}", highlight=False)
    for line in _change_lines(body["changes"]):
        out.print(line, highlight=False)
    for flag in body["flags"]:
        out.print(Text("note", style="yellow"), flag, highlight=False)


@app.command("stv-check")
def stv_check(
    files: Annotated[list[Path], typer.Argument(metavar="FILE...", help="Published stage sheets (CSV).")],
    day: DateOption,
) -> None:
    """Check published STV stage sheets against the counts of the papers the log holds."""
    from tallyroom.importers.base import Context
    from tallyroom.importers.stages import read_sheets

    ref, on, failed = reference_data.load(), parse_day(day), False
    for path in files:
        try:
            sheets = read_sheets(path, Context(ref), on)
        except InputError as error:
            _refused("rejected", str(error))
            failed = True
            continue
        for (council_code, ward_code), sheet in sheets.items():
            counts = queries.stv_counts(State.engine(), council_code, on)
            count = counts.get((ward_code, "ordinary")) or counts.get((ward_code, "by-election"))
            found = ["no papers for this ward in the log"] if count is None else differences(count, sheet)
            where = f"{path.name}: {ward_code}"
            out.print(
                f"{where}: {len(sheet)} stages agree with the count" if not found else where, highlight=False
            )
            for difference in found:
                out.print(Text("differs", style="red"), difference, highlight=False)
            failed = failed or bool(found)
    if failed:
        raise typer.Exit(1)


@app.command()
def stages(
    day: DateOption,
    council_name: Annotated[
        str | None, typer.Option("--council", metavar="NAME_OR_CODE", help="Only this council.")
    ] = None,
) -> None:
    """Every STV count of a day whose papers the log holds, stage by stage, as CSV (as
    /export/stages.csv serves it; stv-check reads it back)."""
    on = parse_day(day)
    code = _council_outcome(council_name, day).council.code if council_name else None
    polls = queries.load_polls(State.engine(), reference_data.load().parties, on=on)
    counts = queries.stv_counts_on(State.engine(), on, code)
    if not counts:
        raise Refused(f"no STV count whose papers this store holds on {on}")
    sys.stdout.write(export.stages_csv(polls, counts))


@app.command()
def headlines(day: DateOption, region: RegionOption = None, as_json: JsonOption = False) -> None:
    """One headline per council, most newsworthy first."""
    from tallyroom import serialise

    lines = serialise.headlines(_shown(day, region, as_json), _party)
    if as_json:
        _print_json(lines)
        return
    for line in lines:
        out.print(line["headline"], highlight=False)


def _short(seats: Mapping[Party, int]) -> str:
    return ", ".join(f"{party.short} {n}" for party, n in seats.items())


def _changed(seats: Mapping[str, int]) -> str:
    """Each party's change in seats, signed, leaving out those with none: "no change" when none has."""
    moved = [f"{party} {n:+d}" for party, n in seats.items() if n]
    return ", ".join(moved) or "no change"


OUTCOME_WORDS = {
    Outcome.HOLD: "hold",
    Outcome.GAIN: "gain",
    Outcome.LOSS_TO_NOC: "lost to no overall control",
    Outcome.NOC_HOLD: "still no overall control",
    Outcome.NEW: "new council",
}
"""An outcome in words, for people; JSON keeps the contract's values."""


def _outcome_words(outcome: str | None) -> str:
    return OUTCOME_WORDS[Outcome(outcome)] if outcome else "not called"


def _control_short(control: str | None) -> str:
    if control is None:
        return "?"
    return control if control == NOC else _party(control).short


def _seats_text(seats: dict[str, int] | None) -> str:
    return "unknown" if seats is None else ", ".join(f"{party} {n}" for party, n in seats.items())


CHANGE_SINCE = {
    "last-fought": "since {year}",
    "eve-of-poll": "since the eve of poll",
    "notional": "against notional {year}",
}
"""How each baseline of a change is named in text (contract §2 `change.baseline`)."""


def _change_lines(changes: list[dict[str, Any]]) -> list[str]:
    """A line for the change against each baseline, named: "change since 2017: …"."""
    if not changes:
        return ["change: no comparison"]
    named = [(CHANGE_SINCE[c["baseline"]].format(year=(c["baseline_date"] or "")[:4]), c) for c in changes]
    return [f"change {since}: {_changed(c['seats'])}" for since, c in named]


DEMO_DAY = "2021-05-06"


@app.command()
def demo(
    serve_site: Annotated[
        bool, typer.Option("--serve/--no-serve", help="Serve the replayed night on the website.")
    ] = True,
    speed: Annotated[float, typer.Option(help="Times faster than the modelled night.")] = 120,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
) -> None:
    """A first run: loads the bundled East Midlands results (2016-2021), then replays 6 May 2021 on the
    website as a live night (or, with --no-serve, prints its calls and headlines)."""
    from tallyroom.copy.headlines import headline, newsworthiness
    from tallyroom.importers.base import Context
    from tallyroom.live.replay import replay as replay_night
    from tallyroom.loading import demo_format, load_file
    from tallyroom.web.site import Site

    if serve_site:
        _port_free(host, port)
    engine = State.engine()
    ref = reference_data.load()
    context = Context(ref)
    folder = resources.files("tallyroom.data").joinpath("demo")
    names = sorted(entry.name for entry in folder.iterdir() if entry.name.endswith(".csv"))
    for name in names:
        with resources.as_file(folder.joinpath(name)) as path:
            _, report = load_file(engine, demo_format(name), path, context)
        err.print(f"{name}: {report.new} new, {report.unchanged} already loaded", highlight=False)
    err.print(f"database: {shown(State.url)}\n", highlight=False)
    day = parse_day(DEMO_DAY)
    if serve_site:
        site = Site.open(engine, ref, day, State.settings, replaying=True)
        password = _demo_user(engine)
        out.print(
            f"The night of 6 May 2021 in the East Midlands, live at {speed:g} times real speed", style="bold"
        )
        out.print(
            f"  website:      http://{host}:{port}/\n"
            f"  results desk: http://{host}:{port}/desk  (name: {DEMO_USER}, password: {password})\n"
            f"  API:          http://{host}:{port}/api/night  (described at /openapi.json)\n"
            "Press Ctrl+C to stop.",
            highlight=False,
        )
        echo = _echo_calls
        threading.Thread(target=site.replay, args=(speed, 0, echo), daemon=True).start()
        _serve(site, host, port)
        return
    out.print("The night of 6 May 2021 in the East Midlands, replayed: calls and records", style="bold")
    for timed in replay_night(engine, ref, day, 0, False, State.settings):
        _echo_calls(timed)
    out.print("\nHeadlines", style="bold")
    for line in sorted(_outcomes(DEMO_DAY), key=newsworthiness):
        out.print(f"  {headline(line, _party)}", highlight=False)
    councils(DEMO_DAY, None, False)
    out.print(
        f"\nNext: tallyroom demo    (the same night, live on the website)\n"
        f"      tallyroom council Derbyshire --date {DEMO_DAY} --json\n"
        "Data: Andrew Teale, Local Elections Archive Project (CC BY-SA 3.0); House of Commons Library "
        "(Open Parliament Licence v3.0).",
        highlight=False,
    )


DEMO_USER = "demo-editor"


def _demo_user(engine: Engine) -> str:
    """The demo's desk user (an editor), with a new password for this run."""
    password = secrets.token_urlsafe(12)
    try:
        accounts.add_user(engine, DEMO_USER, Role.EDITOR, password)
    except AccountError:
        accounts.set_password(engine, DEMO_USER, password)
    return password


def _echo_calls(timed: Timed) -> None:
    if timed.event.type in {"call", "call_withdrawn", "record"}:
        out.print(_event_line(timed), highlight=False)


class Scheme(StrEnum):
    HTTP = "http"
    HTTPS = "https"


LOOPBACK = ("localhost", "127.0.0.1", "::1")
"""Host names always answered: this machine's own, for health checks and local use."""


@dataclass(frozen=True)
class Exposure:
    """How the website meets the internet: its public address, the host names it answers to, whether
    its cookies are for HTTPS only, and the reverse proxies whose forwarded headers are believed
    (none: uvicorn then reads no X-Forwarded-* header at all). Without a public address given, there is
    none: feeds and social cards need one, and a guess such as localhost would send readers nowhere."""

    base_url: str | None
    allowed_hosts: tuple[str, ...]
    secure_cookies: bool
    proxies: tuple[str, ...] = ()

    @classmethod
    def of(
        cls,
        host: str,
        port: int,
        base_url: str | None = None,
        allowed_hosts: list[str] | None = None,
        behind_proxy: Scheme | None = None,
        trusted_proxies: list[str] | None = None,
        secure_cookies: bool | None = None,
    ) -> Exposure:
        if behind_proxy is not None and base_url is None:
            raise typer.BadParameter("behind a proxy, give the address readers use", param_hint="--base-url")
        if trusted_proxies and behind_proxy is None:
            raise typer.BadParameter("say which scheme the proxy serves", param_hint="--behind-proxy")
        listening = "localhost" if host in ("0.0.0.0", "::") else f"[{host}]" if ":" in host else host
        parts = urlsplit(base_url or f"http://{listening}:{port}")
        if parts.scheme not in ("http", "https") or not parts.hostname or parts.path not in ("", "/"):
            raise typer.BadParameter(
                f"an http(s) address with no path: {base_url!r}", param_hint="--base-url"
            )
        if secure_cookies is None:
            secure_cookies = Scheme.HTTPS in (parts.scheme, behind_proxy)
        hosts = tuple(allowed_hosts or dict.fromkeys([parts.hostname, *LOOPBACK]))
        proxies = tuple(trusted_proxies or ["127.0.0.1"]) if behind_proxy else ()
        return cls(base_url.rstrip("/") if base_url else None, hosts, secure_cookies, proxies)

    def app_settings(self) -> dict[str, Any]:
        return {
            "base_url": self.base_url,
            "allowed_hosts": self.allowed_hosts,
            "secure_cookies": self.secure_cookies,
        }

    def environment(self) -> dict[str, str]:
        """As workers read them (`tallyroom.web.app.from_environment`)."""
        return {
            "TALLYROOM_BASE_URL": self.base_url or "",
            "TALLYROOM_ALLOWED_HOSTS": ",".join(self.allowed_hosts),
            "TALLYROOM_SECURE_COOKIES": "1" if self.secure_cookies else "",
        }

    def uvicorn(self) -> dict[str, Any]:
        return {"proxy_headers": bool(self.proxies), "forwarded_allow_ips": list(self.proxies) or None}


def _serve(
    site: Site,
    host: str,
    port: int,
    confirm: bool = False,
    publish_to: Path | None = None,
    exposure: Exposure | None = None,
    embed_ancestors: tuple[str, ...] | None = None,
    telemetry: bool = False,
) -> None:
    import uvicorn

    from tallyroom.web import embed
    from tallyroom.web.app import create_app, settle
    from tallyroom.web.publish import Publisher

    exposure = exposure or Exposure.of(host, port)
    if publish_to is not None:
        _publish_as_it_changes(Publisher(site, publish_to, exposure.base_url))
    secret = os.environ.get("TALLYROOM_SECRET")
    settle(site)
    app = create_app(
        site,
        secret=secret,
        confirm=confirm,
        embed_ancestors=embed_ancestors or embed.ANYWHERE,
        telemetry=telemetry,
        **exposure.app_settings(),
    )
    uvicorn.run(app, host=host, port=port, log_level="warning", **exposure.uvicorn())


def _port_free(host: str, port: int) -> None:
    """A Refused unless the server could listen on the address (as uvicorn binds it)."""
    try:
        family = socket.getaddrinfo(host, port, type=socket.SOCK_STREAM)[0][0]
        socket.create_server((host, port), family=family).close()
    except OSError as error:
        if error.errno == errno.EADDRINUSE:
            raise Refused(
                f"port {port} on {host} is in use: stop what uses it, or give another --port"
            ) from None
        raise Refused(f"cannot listen on {host}:{port}: {error.strerror or error}") from None


def _publish_as_it_changes(publisher: Publisher) -> None:
    """Bake everything now, then, in a thread of its own, what each change touches (`Publisher.follow`:
    a page that fails is logged and tried again; nothing stops the thread)."""
    baked = publisher.safely(publisher.everything)
    changes: queue.SimpleQueue[list[Event]] = queue.SimpleQueue()
    publisher.site.listeners.append(lambda found, _local: changes.put(found))
    threading.Thread(target=publisher.follow, args=(changes, not baked), daemon=True).start()


@app.command()
def publish(
    to: Annotated[Path, typer.Option("--to", help="Folder to write the pages and documents to.")],
    day: Annotated[
        str | None,
        typer.Option("--date", metavar="YYYY-MM-DD", help="Election day; else the newest in the log."),
    ] = None,
    base_url: Annotated[
        str | None,
        typer.Option(help="Where readers will find the folder; without it, no feeds and no social tags."),
    ] = None,
    jobs: Annotated[
        int | None, typer.Option("--jobs", min=1, help="Processes baking at once; else one per core.")
    ] = None,
) -> None:
    """Bake every public page and JSON document of a night to static files, for any static host or
    CDN. (`serve --publish-to DIR` keeps such a folder up to date through the night.) Exit 1, naming
    them, when pages could not be baked."""
    if base_url is not None:
        _base_url(base_url)
    _folder_to_write(to)
    on = _day_or_newest(day)
    if base_url is None:
        _refused("warning", "no --base-url: the feeds and the pages' social tags are left out")
    from tallyroom.web.publish import Publisher  # the web stack loads once the arguments are good
    from tallyroom.web.site import Site

    site = Site.open(State.engine(), reference_data.load(), on, State.settings)
    publisher = Publisher(site, to, base_url, jobs)
    written = publisher.everything()
    shared = f" by {publisher.processes} processes" if publisher.processes > 1 else ""
    err.print(f"{written} file(s) written to {to}{shared}", highlight=False)
    for path, reason in publisher.failed.items():
        _refused("not published", f"{path}: {reason}")
    if publisher.failed:
        raise typer.Exit(1)


def _base_url(url: str) -> None:
    """Exit 2 unless the URL is the root of an http or https site (the pages are fetched from the
    app at their own paths, under it)."""
    import httpx2

    try:
        parsed: httpx2.URL | None = httpx2.URL(url)
    except httpx2.InvalidURL:
        parsed = None
    if parsed is None or parsed.scheme not in {"http", "https"} or not parsed.host:
        _refused("refused", f"--base-url: not an http or https address: {url!r}")
        raise typer.Exit(2)
    if parsed.path.strip("/"):
        _refused("refused", f"--base-url: give the site's root, with no path: {url!r}")
        raise typer.Exit(2)


def _folder_to_write(folder: Path) -> None:
    """Make the folder, or exit 2 saying why it cannot be written to."""
    if folder.exists() and not folder.is_dir():
        _refused("refused", f"--to: {folder} is a file, not a folder")
        raise typer.Exit(2)
    try:
        folder.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=folder):
            pass
    except OSError as error:
        _refused("refused", f"--to: cannot write to {folder}: {error.strerror or error}")
        raise typer.Exit(2) from None


@app.command()
def serve(
    day: Annotated[
        str | None,
        typer.Option(
            "--date", metavar="YYYY-MM-DD", help="Election day to serve; else the newest in the log."
        ),
    ] = None,
    host: Annotated[str, typer.Option(help="Address to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(help="Port to listen on.")] = 8000,
    confirm: Annotated[
        bool,
        typer.Option(
            help="Desk entries, and results posted with a token not issued as a trusted feed, wait "
            "for an editor to confirm them."
        ),
    ] = False,
    publish_to: Annotated[
        Path | None, typer.Option(help="Also keep static files of every page in this folder.")
    ] = None,
    workers: Annotated[int, typer.Option(help="Worker processes (PostgreSQL only).", min=1)] = 1,
    base_url: Annotated[
        str | None,
        typer.Option(
            help="The site's public address, for the links in feeds and social tags; without it, no"
            " feeds and no social tags."
        ),
    ] = None,
    allowed_host: Annotated[
        list[str] | None,
        typer.Option(
            help="A host name readers may ask for, as 'results.example' or '*.example' (repeat it); "
            "else the base URL's host and localhost. Others are answered 400."
        ),
    ] = None,
    behind_proxy: Annotated[
        Scheme | None,
        typer.Option(
            help="Behind a reverse proxy serving readers over http or https: believe its "
            "X-Forwarded-For and X-Forwarded-Proto (needs --base-url)."
        ),
    ] = None,
    trusted_proxy: Annotated[
        list[str] | None,
        typer.Option(help="The proxy's address or network (repeat it); 127.0.0.1 if not given."),
    ] = None,
    secure_cookies: Annotated[
        bool | None,
        typer.Option(
            "--secure-cookies/--no-secure-cookies",
            help="Send the session cookie over HTTPS only; on by default with an https base URL or proxy.",
        ),
    ] = None,
    embed_ancestor: Annotated[
        list[str] | None,
        typer.Option(
            help="A site that may frame the embeds (/embed/...), as a CSP source such as "
            "'https://news.example' (repeat it); else any site. Other pages are never framed."
        ),
    ] = None,
    telemetry: Annotated[
        bool,
        typer.Option(
            help="Report each request (FastAPI's spans, metrics and logs) to the OpenTelemetry "
            "providers set up in the process, as opentelemetry-instrument sets them up. Off, no "
            "request pays for looking for them."
        ),
    ] = False,
) -> None:
    """The results website, the results desk and the API for one night. Sessions are signed with
    $TALLYROOM_SECRET (give every worker the same one)."""
    from tallyroom.web.site import Site

    exposure = Exposure.of(host, port, base_url, allowed_host, behind_proxy, trusted_proxy, secure_cookies)
    from tallyroom.web import embed

    ancestors = tuple(embed_ancestor or embed.ANYWHERE)
    try:
        embed.frame_ancestors(ancestors)
    except embed.AncestorError as error:
        raise typer.BadParameter(str(error), param_hint="--embed-ancestor") from None
    _port_free(host, port)
    on = _day_or_newest(day)
    if exposure.base_url is None:
        _refused("warning", "no --base-url: the feeds and the pages' social tags are left out")
    if workers > 1:
        os.environ["TALLYROOM_EMBED_ANCESTORS"] = " ".join(ancestors)
        os.environ["TALLYROOM_TELEMETRY"] = "1" if telemetry else ""
        _serve_workers(on, host, port, confirm, workers, publish_to, exposure)
        return
    site = Site.open(State.engine(), reference_data.load(), on, State.settings)
    public = f" as {exposure.base_url}/" if exposure.base_url else ""
    err.print(
        f"results for {on} on http://{host}:{port}/{public} "
        f"(answering for {', '.join(exposure.allowed_hosts)})",
        highlight=False,
    )
    _serve(site, host, port, confirm, publish_to, exposure, ancestors, telemetry)


def _serve_workers(
    on: date, host: str, port: int, confirm: bool, workers: int, publish_to: Path | None, exposure: Exposure
) -> None:
    """Several worker processes, each with the night in memory, sharing changes through PostgreSQL."""
    import uvicorn

    if State.engine().dialect.name != "postgresql":
        raise typer.BadParameter(
            "several workers share their changes through PostgreSQL: give --db postgresql://..."
        )
    if not os.environ.get("TALLYROOM_SECRET"):
        raise typer.BadParameter(
            "set TALLYROOM_SECRET, so that every worker signs sessions alike", param_hint="environment"
        )
    if publish_to is not None:
        raise typer.BadParameter("run `tallyroom publish` or one `serve --publish-to` beside the workers")
    os.environ |= {
        "TALLYROOM_DB": State.url,
        "TALLYROOM_DAY": on.isoformat(),
        "TALLYROOM_CONFIRM": "1" if confirm else "",
        "TALLYROOM_INDEPENDENTS_CAN_CONTROL": "1" if State.settings.independents_can_control else "",
        "TALLYROOM_THRESHOLD_BASIS": State.settings.threshold_basis,
        **exposure.environment(),
    }
    err.print(f"results for {on} on http://{host}:{port}/, {workers} workers", highlight=False)
    uvicorn.run(
        "tallyroom.web.app:from_environment",
        factory=True,
        host=host,
        port=port,
        workers=workers,
        log_level="warning",
        **exposure.uvicorn(),
    )


def _day_or_newest(day: str | None) -> date:
    on = parse_day(day) if day else queries.latest_day(State.engine())
    if on is None:
        raise Refused("the log holds no results yet: import some, or give --date")
    return on


users_app = typer.Typer(help="Results desk users.", no_args_is_help=True)
app.add_typer(users_app, name="user")


@users_app.command("add")
def user_add(
    name: str,
    role: Annotated[Role, typer.Option(help="reporter, editor or admin.")] = Role.REPORTER,
) -> None:
    """Add a desk user. The password comes from $TALLYROOM_PASSWORD, else it is asked for."""
    password = os.environ.get("TALLYROOM_PASSWORD") or typer.prompt("password", hide_input=True)
    try:
        accounts.add_user(State.engine(), name, role, password)
    except AccountError as error:
        _refused("refused", str(error))
        raise typer.Exit(1) from None
    err.print(f"{name} added as {role}", highlight=False)


@users_app.command("token")
def user_token(
    name: str,
    trusted_feed: Annotated[
        bool,
        typer.Option(
            "--trusted-feed",
            help="A machine feed trusted to post straight to the log, even under `serve --confirm`.",
        ),
    ] = False,
) -> None:
    """Issue an API token for a desk user (it replaces any earlier one) and print it. Under `serve
    --confirm`, results posted with it wait for an editor, unless it is issued as a trusted feed."""
    try:
        print(accounts.issue_token(State.engine(), name, trusted_feed))
    except AccountError as error:
        _refused("refused", str(error))
        raise typer.Exit(1) from None


@users_app.command("password")
def user_password(name: str) -> None:
    """Give a desk user a new password (from $TALLYROOM_PASSWORD, else asked for); every session the
    user had is ended."""
    password = os.environ.get("TALLYROOM_PASSWORD") or typer.prompt("password", hide_input=True)
    try:
        accounts.set_password(State.engine(), name, password)
    except AccountError as error:
        _refused("refused", str(error))
        raise typer.Exit(1) from None
    err.print(f"{name} has a new password; their sessions are ended", highlight=False)


@app.command()
def story(
    name_or_code: Annotated[str, typer.Argument(metavar="NAME_OR_CODE")],
    day: DateOption,
    as_json: JsonOption = False,
) -> None:
    """The story for one council: redrafted from the results, as reviewed (a journalist's edit stands)."""
    from tallyroom.copy.drafts import story_json
    from tallyroom.copy.facts import council_facts
    from tallyroom.copy.headlines import headline
    from tallyroom.copy.newsroom import redraft

    found = _council_outcome(name_or_code, day)
    (version,) = redraft(State.engine(), reference_data.load(), [found])
    stv = queries.stv_counts(State.engine(), found.council.code, found.election_date)
    drafted = story_json(council_facts(found, _party, stv), headline(found, _party))
    if as_json:
        review_state = {"state": version.state.value, "version": version.version, "flag": version.flag}
        _print_json({**drafted, "text": version.text, "review": review_state})
        return
    out.print(version.text, highlight=False)
    out.print(f"\n{version.state} (version {version.version})", style="dim", highlight=False)
    if version.flag:
        out.print(Text("flag", style="yellow"), version.flag, highlight=False)


@app.command()
def review(
    name_or_code: Annotated[str | None, typer.Argument(metavar="[NAME_OR_CODE]")] = None,
    day: Annotated[str | None, typer.Option("--date", metavar="YYYY-MM-DD", help="Election day.")] = None,
    user: Annotated[str | None, typer.Option(help="Who is reviewing (a journalist's name).")] = None,
    edit: Annotated[Path | None, typer.Option(help="A file with the new text of the story.")] = None,
    approve: Annotated[bool, typer.Option("--approve", help="Approve the story.")] = False,
    publish: Annotated[bool, typer.Option("--publish", help="Publish the approved story.")] = False,
) -> None:
    """Review a council's story (edit, approve, publish), or with no council list the flagged copy."""
    from tallyroom.copy import review as copy_review
    from tallyroom.copy.newsroom import story_key

    engine = State.engine()
    if name_or_code is None:
        waiting = copy_review.flagged(engine)
        if not waiting:
            raise Refused("no copy is flagged for review in this store")
        for version in waiting:
            out.print(f"{version.key}: {version.state}, {version.flag}", highlight=False)
        return
    if day is None or not user:
        raise typer.BadParameter("give --date and --user to review a story")
    key = story_key(_council_outcome(name_or_code, day))
    try:
        if edit is not None:
            copy_review.edit(engine, key, edit.read_text(encoding="utf-8"), user)
        if approve:
            copy_review.approve(engine, key, user)
        if publish:
            copy_review.publish(engine, key, user)
    except ValueError as error:
        _refused("refused", str(error))
        raise typer.Exit(1) from None
    for version in copy_review.versions(engine, key):
        out.print(
            f"version {version.version}: {version.state} by {version.author} at {version.at:%H:%M}",
            highlight=False,
        )


@app.command()
def history(
    name_or_code: Annotated[str, typer.Argument(metavar="NAME_OR_CODE")],
    day: DateOption,
    ward: Annotated[str | None, typer.Option(help="Only this ward.")] = None,
    as_json: JsonOption = False,
) -> None:
    """Every version of a council's results on a day: declarations, corrections, provisional figures,
    each with what it changed of the version before."""
    on = parse_day(day)
    council = reference_data.load().councils.find(name_or_code, on)
    code = council.code if council else name_or_code
    found = [r for r in queries.history(State.engine(), code, on) if ward is None or r["ward"] == ward]
    if not found:
        raise Refused(f"no results for {name_or_code!r} on {day} in this store")
    if as_json:
        _print_json(found)
        return
    for r in found:
        if r["ward"] is None:  # the council's result sent whole
            seats = ", ".join(f"{party} {n}" for party, n in r["seats_after"].items())
            out.print(
                f"council result r{r['revision']} {r['status']} {r['recorded_at']} "
                f"from {r['source']['name']}: {seats} of {r['total_seats']}",
                highlight=False,
            )
            continue
        winners = ", ".join(f"{c['name']} ({c['party']})" for c in r["candidates"] if c["elected"])
        changed = "" if r["changed"] is None else f" (changed: {_revised(r['changed'])})"
        out.print(
            f"{r['ward']} r{r['revision']} {r['status']} {r['recorded_at']} by {r['entered_by']} "
            f"from {r['source']['name']}: {winners}{changed}",
            highlight=False,
        )


REVISED_WORDS = {"ballots_counted": "ballot papers", "turnout_published": "turnout"}


def _revised(changed: list[str]) -> str:
    """What a revision changed, in words (`queries.history`)."""
    return ", ".join(REVISED_WORDS.get(key, key) for key in changed) or "details not shown"


@app.command()
def watch(
    folder: Annotated[Path, typer.Argument(help="The folder feed files arrive in.")],
    format_name: Annotated[str, typer.Option("--format", help=f"One of: {', '.join(FORMATS)}.")],
    day: DateOption,
    once: Annotated[
        bool, typer.Option(help="Take what is there and stop: exit 1 if a file was rejected.")
    ] = False,
) -> None:
    """Load feed files as they arrive in a folder, printing the events of the night as JSON lines. A
    rejected file is named and left in the folder; the rest go on."""
    from tallyroom.copy.newsroom import Redrafter
    from tallyroom.importers.base import Context
    from tallyroom.live.night import follow, open_night
    from tallyroom.live.watch import Folder, keep_taking

    if format_name not in FORMATS:
        raise typer.BadParameter(f"{format_name!r}: use one of {', '.join(FORMATS)}", param_hint="--format")
    if not folder.is_dir():
        raise typer.BadParameter(f"{folder} is not a folder", param_hint="FOLDER")
    ref, on, engine = reference_data.load(), parse_day(day), State.engine()
    night = open_night(engine, ref, on, State.settings)
    follow(engine, night, announce=False)  # the night so far: what arrives from now on is printed
    redrafter = Redrafter(engine, ref, lambda code: c.outcome if (c := night.councils.get(code)) else None)

    refused: list[InputError] = []

    def rejected(error: InputError) -> None:
        refused.append(error)
        _refused("rejected", str(error))

    watched = Folder(folder, format_name)
    batches = [watched.take(engine, night, Context(ref), rejected)] if once else None
    for found in batches or keep_taking(watched, engine, night, Context(ref), rejected):
        for event in found:
            _print_json(event.json(), indent=None)
        sys.stdout.flush()
        redrafter.notice(e.council.code for e in found)
        redrafter.drain()
    if refused:
        raise typer.Exit(1)


@app.command()
def progress(day: DateOption, as_json: JsonOption = False) -> None:
    """How far the day has got: seats, wards and councils declared, for each region and the night."""
    ref = reference_data.load()
    polled = _shown(day, None, as_json)
    found = of_night(polled, ref.councils.region_of)
    if as_json:
        _print_json(found)
        return
    table = Table("", "seats", "wards", "councils complete", "decided")
    rows = [("the night", found["night"]), *found["regions"].items()]
    for name, p in rows:
        table.add_row(
            name or "(no region)",
            f"{p['seats_declared']}/{p['seats_up']}",
            f"{p['wards_declared']}/{p['wards_up']}",
            f"{p['councils_complete']}/{p['councils']}",
            f"{p['councils_decided']}/{p['councils']}",
        )
    out.print(table)


@app.command()
def replay(
    day: DateOption,
    speed: Annotated[
        float, typer.Option(help="Times faster than real time; 0 runs as fast as possible.")
    ] = 0,
    jsonl: Annotated[
        bool, typer.Option("--jsonl", help="Each event as one JSON object a line (contract §2.1).")
    ] = False,
    seed: Annotated[int, typer.Option(help="Seed of the count-night timing model.")] = 0,
    rehearsal: Annotated[bool, typer.Option(help="Publish every council at zero before any result.")] = False,
) -> None:
    """Replay a day's declarations as a live night, declaration by declaration."""
    from tallyroom.live.replay import paced
    from tallyroom.live.replay import replay as replay_night

    if speed < 0:
        raise typer.BadParameter("cannot be negative", param_hint="--speed")
    night = replay_night(
        State.engine(), reference_data.load(), parse_day(day), seed, rehearsal, State.settings
    )
    printed = False
    for _, timed in paced(((t.at, t) for t in night), speed):
        printed = True
        if jsonl:
            _print_json(timed.json(), indent=None)
            sys.stdout.flush()
        else:
            out.print(_event_line(timed), highlight=False)
    if not printed and not jsonl:
        raise Refused(_nothing_on(day))


def _event_line(timed: Timed) -> str:
    event: dict[str, Any] = timed.json()
    stamp, council = timed.at.strftime("%a %H:%M"), event["council"]["name"]
    match event["type"]:
        case "declaration":
            winners = ", ".join(f"{e['candidate']} ({e['party']})" for e in event["elected"])
            done = "{seats_declared}/{seats_up}".format(**event["progress"])
            return f"{stamp}  {council}, {event['ward']['name']}: {winners} [{done}]"
        case "call":
            called = f" ({_outcome_words(event['outcome'])})" if event["outcome"] else ""
            return f"{stamp}  CALL {council}: {event['control']}{called}"
        case "call_withdrawn":
            return f"{stamp}  CALL WITHDRAWN {council}: {event['control']}"
        case "complete":
            return f"{stamp}  COMPLETE {council}: {event['outcome_detail']['headline']}"
        case "executive":
            winners = ", ".join(f"{e['candidate']} ({e['party']})" for e in event["elected"])
            return f"{stamp}  {event['election_type'].upper()} {event['area']}: {winners}"
        case "record" if "swing" in event:
            swing = event["swing"]
            what = f"{swing['points']} points from {swing['from']} to {swing['to']}"
            return f"{stamp}  RECORD {event['record']}: {council}, {event['ward']['name']}, {what}"
        case "record":
            ward = event["ward"]["name"]
            return f"{stamp}  RECORD {event['record']}: {council}, {ward}, majority {event['majority']}"
    return f"{stamp}  {event['type']} {council}"


@app.command()
def shares(
    day: DateOption,
    council_name: Annotated[str | None, typer.Option("--council", help="Only this council.")] = None,
    region: RegionOption = None,
    ward: Annotated[str | None, typer.Option("--ward", help="Only wards of this name.")] = None,
    between: Annotated[
        list[str] | None, typer.Option("--swing", metavar="TO,FROM", help="Swing between two parties.")
    ] = None,
    as_json: JsonOption = False,
) -> None:
    """Vote share by top vote and total votes, change since the seats were last fought, and swing."""
    from tallyroom import serialise_shares
    from tallyroom.copy.style import points

    ref, on = reference_data.load(), parse_day(day)
    known = ref.councils.find(council_name, on) if council_name else None
    if council_name and known is None:
        names = [o.council.name for o in _outcomes(day)]
        raise Refused(f"no council called {council_name!r}{_did_you_mean(council_name, names)}")
    pairs = [tuple(ref.parties.resolve(p.strip()) for p in pair.split(",")) for pair in between or []]
    if any(len(pair) != 2 for pair in pairs):
        raise typer.BadParameter("give two parties: TO,FROM", param_hint="--swing")
    area = " / ".join(a for a in (known.name if known else "", region or "", ward or "") if a) or "the night"
    found = area_shares(
        share_pairs(
            _outcomes(day),
            earlier_polls(State.engine(), ref, on),
            ref,
            known.code if known else None,
            region,
            ward,
        ),
        area,
        [(to, away) for to, away in pairs],
    )
    if as_json:
        _print_json(serialise_shares.shares(found))
        return
    for table in (serialise_shares.share_table(t) for t in found.tables):
        out.print(
            f"{area}, {table['method']}: {table['wards']} wards, {table['wards_compared']} comparable "
            f"with {table['baseline'] or 'no earlier poll'}",
            highlight=False,
        )
        rows = Table("party", "share", "comparable", "before", "change", "")
        for p in table["parties"]:
            rows.add_row(
                p["party"],
                *(
                    f"{p[k]:.1f}" if p[k] is not None else ""
                    for k in ("share", "share_compared", "share_before")
                ),
                points(p["change"]) if p["change"] is not None else "",
                p["note"] or "",
            )
        out.print(rows)
    for s in found.swings:
        what = (
            f"{s.points:.1f} points from {s.away.name} to {s.to.name}" if s.points is not None else s.reason
        )
        out.print(f"swing, {s.to.name} and {s.away.name}: {what}", highlight=False)


@app.command()
def projection(day: DateOption, as_json: JsonOption = False) -> None:
    """A projected national share from the key wards declared so far: a projection, not PNS."""
    from tallyroom import serialise_shares

    found = serialise_shares.projection(project_night(State.engine(), reference_data.load(), parse_day(day)))
    if as_json:
        _print_json(found)
        return
    out.print(
        f"{found['label']}, {found['date']}: "
        f"{found['wards_used']} key wards in {found['councils_used']} councils",
        highlight=False,
    )
    for party, share in found["shares"].items():
        out.print(f"  {party}: {share:.1f}%", highlight=False)
    for year, baseline in found["baseline"].items():
        out.print(f"baseline {year} ({baseline['source']}): {baseline['shares']}", highlight=False)
    out.print(found["method"], highlight=False)
