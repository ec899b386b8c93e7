"""The chart of an STV count: each candidate's votes at every stage against the quota.

One small panel per candidate (so two candidates of one party never share a line), in the order they
finished: those elected in the order elected, then the rest, the last excluded first. Each panel has a
bar for every stage in the party's swatch and the quota as a dashed line across it; the stage numbers
head the chart. Drawn like every other chart (`charts.Chart`), at two widths, with a text alternative.
"""

from __future__ import annotations

from collections.abc import Mapping
from decimal import Decimal

from markupsafe import Markup

from tallyroom.rules.parties import Party
from tallyroom.rules.stv import StageAction, StvCount
from tallyroom.web.charts import CHAR, INK, MARGIN, Chart, _chart, _swatches, _tag, _url
from tallyroom.web.palette import Palette

PANEL = 36
"""The height of a candidate's bars at the tallest total (or the quota, if higher)."""


def votes(value: Decimal) -> str:
    """Votes as a page prints them: whole votes as `1,181`, fractions to two places, `605.86`."""
    whole = value.to_integral_value()
    return f"{whole:,.0f}" if value == whole else f"{value:,.2f}"


def fates(count: StvCount) -> dict[str, str]:
    """What became of each candidate: "elected at stage 4", "excluded at stage 3" or "not elected"."""
    fate = dict.fromkeys(count.first_preferences, "not elected")
    for stage in count.stages:
        if stage.action is StageAction.EXCLUSION:
            fate.update(dict.fromkeys(stage.subjects, f"excluded at stage {stage.number}"))
        fate.update(dict.fromkeys(stage.elected, f"elected at stage {stage.number}"))
    return fate


def excluded_at(count: StvCount) -> dict[str, int]:
    """The last stage each excluded candidate held votes at: the one before their exclusion."""
    return {
        name: stage.number - 1
        for stage in count.stages
        if stage.action is StageAction.EXCLUSION
        for name in stage.subjects
    }


def finishing_order(count: StvCount) -> list[str]:
    """The elected in the order elected, then the rest, those that lasted longest first."""
    lasted = {name: len(count.stages) + 1 for name in count.first_preferences} | excluded_at(count)
    rest = sorted(
        (n for n in count.first_preferences if n not in count.elected),
        key=lambda n: (-lasted[n], -count.first_preferences[n]),
    )
    return [*count.elected, *rest]


def stv_stages(
    count: StvCount,
    parties: Mapping[str, Party],
    *,
    title: str = "Votes at each stage of the count",
    palette: Palette | None = None,
) -> Chart:
    """The count as a chart: `parties` gives each candidate's party, for its colours."""
    order = finishing_order(count)
    fate = fates(count)
    last = {name: len(count.stages) for name in order} | excluded_at(count)
    text = (
        f"Quota {count.quota:,}. "
        + "; ".join(
            f"{name} ({parties[name].name}): "
            + ", ".join(votes(stage.totals[name]) for stage in count.stages[: last[name]])
            + f"; {fate[name]}"
            for name in order
        )
        + f". Votes from stage 1, the first preferences, to stage {len(count.stages)}, or until excluded."
    )
    swatches, index = _swatches((parties[name] for name in order), palette)
    top = max(max(max(s.totals.values()) for s in count.stages), Decimal(count.quota))

    def layout(uid: str, width: float) -> tuple[float, list[Markup]]:
        inner = width - 2 * MARGIN
        step = inner / len(count.stages)
        bar = max(step * 0.7, 2.0)
        body = [_tag("text", "Stage", x=MARGIN, y=14)]
        for stage in count.stages:
            if step < 3 * CHAR and stage.number % 2 == 0:
                continue
            centre = MARGIN + (stage.number - 0.5) * step
            body.append(_tag("text", str(stage.number), x=centre, y=30, text_anchor="middle"))
        body.append(
            _tag(
                "text",
                f"Dashed line: the quota, {count.quota:,}",
                x=width - MARGIN,
                y=14,
                text_anchor="end",
            )
        )
        y = 40.0
        for name in order:
            party = parties[name]
            label = f"{name} ({party.name})"
            lines = [f"{label}, {fate[name]}"]
            if len(lines[0]) * CHAR > inner:
                lines = [label, fate[name]]
            for line in lines:
                body.append(_tag("text", line, x=MARGIN, y=y + 12))
                y += 16
            base = y + 4 + PANEL
            for stage in count.stages:
                height = float(stage.totals[name] / top) * PANEL
                if height:
                    body.append(
                        _tag(
                            "rect",
                            class_="stage",
                            data_party=party.id,
                            x=MARGIN + (stage.number - 1) * step + (step - bar) / 2,
                            y=base - height,
                            width=bar,
                            height=height,
                            fill=_url(uid, index[party.id]),
                            stroke=INK,
                            stroke_width=0.5,
                        )
                    )
            body.append(_tag("line", x1=MARGIN, x2=width - MARGIN, y1=base, y2=base, stroke=INK))
            at = base - float(count.quota / top) * PANEL
            body.append(
                _tag(
                    "line",
                    class_="quota",
                    x1=MARGIN,
                    x2=width - MARGIN,
                    y1=at,
                    y2=at,
                    stroke=INK,
                    stroke_dasharray="4 3",
                )
            )
            y = base + 12
        return y, body

    return _chart("stv", title, text, swatches, layout)
