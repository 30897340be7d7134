"""The pack's charts: matplotlib figures written as inline SVG (text kept as text, so it is
searchable, scales and is read by screen readers), each with a ``<title>`` and ``<desc>``.

Only imported when a pack is rendered: matplotlib is part of the ``report`` extra.
"""

from __future__ import annotations

import functools
import io
import re
from collections.abc import Callable
from decimal import Decimal
from html import escape
from typing import Any

import matplotlib
from matplotlib.axes import Axes
from matplotlib.figure import Figure
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator

from erantis_domain.projections.indicators import TeamIndicators
from erantis_rules.report._labels import format_number
from erantis_rules.report._pack import MeetingPack

# Colour-blind safe (Okabe-Ito) and at least 4.5:1 against white for the text-bearing ones.
INK = "#1a1a1a"
BLUE = "#0055a4"
ORANGE = "#b35900"
GREEN = "#00704a"
GREY = "#6b6b6b"
BAND = "#d9e6f2"
OUTCOME_COLOURS = ("#0055a4", "#56b4e9", "#00704a", "#b35900")

# Applied per chart (never to the embedding program's global matplotlib settings).
_STYLE: dict[Any, Any] = {
    "svg.fonttype": "none",
    "font.family": "sans-serif",
    "font.size": 9,
    "axes.edgecolor": GREY,
    "axes.labelcolor": INK,
    "xtick.color": INK,
    "ytick.color": INK,
    "axes.spines.top": False,
    "axes.spines.right": False,
}

_PROLOGUE = re.compile(r"^.*?(?=<svg\b)", re.S)
_SVG_OPEN = re.compile(r"<svg\b[^>]*>")


def _svg(figure: Figure, key: str, title: str, desc: str) -> str:
    """The figure as an inline ``<svg>`` element with an accessible name and description.
    ``key`` seeds matplotlib's element ids, so two charts on one page never share an id."""
    buffer = io.StringIO()
    with matplotlib.rc_context({**_STYLE, "svg.hashsalt": key}):
        figure.savefig(
            buffer,
            format="svg",
            metadata={"Date": None, "Creator": None, "Format": None, "Type": None},
            bbox_inches="tight",
        )
    text = _PROLOGUE.sub("", buffer.getvalue(), count=1)
    opening = _SVG_OPEN.search(text)
    assert opening is not None
    tag = opening.group(0)[:-1]
    accessible = (
        f'{tag} role="img" aria-labelledby="{key}-title {key}-desc" class="chart">'
        f'<title id="{key}-title">{escape(title)}</title>'
        f'<desc id="{key}-desc">{escape(desc)}</desc>'
    )
    return text[: opening.start()] + accessible + text[opening.end() :]


def _styled(
    chart: Callable[[MeetingPack, dict[str, str]], str],
) -> Callable[[MeetingPack, dict[str, str]], str]:
    """Draw ``chart`` under the pack's style (fonts and axes are set when artists are made)."""

    @functools.wraps(chart)
    def styled(pack: MeetingPack, t: dict[str, str]) -> str:
        with matplotlib.rc_context(_STYLE):
            return chart(pack, t)

    return styled


def _figure(width: float, height: float) -> tuple[Figure, Axes]:
    figure = Figure(figsize=(width, height), layout="constrained")
    return figure, figure.add_subplot()


@_styled
def frame_chart(pack: MeetingPack, t: dict[str, str]) -> str:
    """Frame, delivered time and the band per month."""
    figure = frame_figure(pack, t)
    return _svg(figure, "chart-frame", t["chart_frame_title"], t["chart_frame_desc"])


def frame_figure(pack: MeetingPack, t: dict[str, str]) -> Figure:
    """The frame chart as a figure: a bar of delivered time per month, the frame as a line and
    the band as a shade, both drawn across the whole width of each month (month ``i`` spans
    ``i - 0.5`` to ``i + 0.5``), the first and the last included."""
    figure, axes = _figure(7.2, 2.8)
    periods = [m.period for m in pack.months]
    xs = range(len(periods))
    edges = [x - 0.5 for x in xs] + [len(periods) - 0.5]
    axes.stairs(
        [m.band_high for m in pack.months],
        edges,
        baseline=[m.band_low for m in pack.months],
        fill=True,
        color=BAND,
        label=t["band"],
    )
    axes.bar(
        xs, [m.delivered_minutes for m in pack.months], width=0.55, color=BLUE, label=t["delivered"]
    )
    axes.stairs(
        [m.frame_minutes for m in pack.months],
        edges,
        baseline=None,
        color=ORANGE,
        linewidth=2,
        label=t["frame"],
    )
    axes.set_xlim(edges[0], edges[-1])
    axes.set_xticks(list(xs), periods, rotation=0 if len(periods) <= 6 else 45)
    axes.yaxis.set_major_formatter(_thousands(t))
    axes.legend(frameon=False, ncols=3, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    return figure


@_styled
def variance_chart(pack: MeetingPack, t: dict[str, str]) -> str:
    """Variance in % of the frame per period, against the band."""
    figure, axes = _figure(7.2, 2.4)
    periods = [m.period for m in pack.months]
    values = [float(m.variance_pct) for m in pack.months]
    colours = [
        ORANGE if m.band == "overspend" else GREEN if m.band == "underspend" else BLUE
        for m in pack.months
    ]
    axes.bar(range(len(periods)), values, width=0.55, color=colours)
    band = float(pack.band_pct)
    for limit in (band, -band):
        axes.axhline(limit, color=GREY, linestyle="--", linewidth=1)
    axes.axhline(0, color=INK, linewidth=0.8)
    axes.set_xticks(list(range(len(periods))), periods, rotation=0 if len(periods) <= 6 else 45)
    axes.set_ylabel("%")
    axes.yaxis.set_major_formatter(_decimals(t))
    top = max([band * 2, *[abs(v) for v in values]]) * 1.15
    axes.set_ylim(-top, top)
    return _svg(figure, "chart-variance", t["chart_variance_title"], t["chart_variance_desc"])


INDICATOR_SERIES: tuple[tuple[str, Callable[[TeamIndicators], Decimal | None]], ...] = (
    ("carers_per_14_days", lambda i: i.carers_per_14_days),
    ("own_team_visit_pct", lambda i: i.own_team_visit_pct),
    ("adjustments_with_citizen_pct", lambda i: i.adjustments_with_citizen_pct),
    ("admissions_per_1000_days", lambda i: i.admissions_per_1000_days),
)


@_styled
def indicators_chart(pack: MeetingPack, t: dict[str, str]) -> str:
    """Small multiples: one line per indicator over the periods."""
    figure = Figure(figsize=(7.2, 3.6), layout="constrained")
    grid = figure.subplots(2, 2, sharex=True)
    # Periods as the tables write them (2026-01), figures in the language's notation.
    periods = [i.period for i in pack.indicators]
    for axes, (key, value_of) in zip(grid.flat, INDICATOR_SERIES, strict=True):
        values = [value_of(i) for i in pack.indicators]
        points = [(x, float(v)) for x, v in enumerate(values) if v is not None]
        last = next((v for v in reversed(values) if v is not None), None)
        if points:
            axes.plot(
                [p[0] for p in points],
                [p[1] for p in points],
                color=BLUE,
                marker="o",
                markersize=4,
                linewidth=1.6,
            )
            axes.annotate(
                format_number(last, t),
                points[-1],
                textcoords="offset points",
                xytext=(4, 4),
                color=INK,
            )
        axes.set_title(t[f"ind_{key}"], fontsize=9, loc="left", color=INK)
        axes.set_xticks(list(range(len(periods))), periods, rotation=45)
        axes.set_ylim(bottom=0, top=max([1.0, *[p[1] for p in points]]) * 1.25)
        axes.yaxis.set_major_formatter(_decimals(t))
    return _svg(figure, "chart-indicators", t["chart_indicators_title"], t["chart_indicators_desc"])


@_styled
def goals_chart(pack: MeetingPack, t: dict[str, str]) -> str:
    """Follow-up outcomes E1-E4 per period, stacked."""
    figure, axes = _figure(7.2, 2.4)
    periods = [i.period for i in pack.indicators]
    xs = list(range(len(periods)))
    bottom = [0] * len(periods)
    for index, outcome in enumerate(("E1", "E2", "E3", "E4")):
        counts = [dict(i.follow_ups).get(outcome, 0) for i in pack.indicators]
        axes.bar(
            xs, counts, bottom=bottom, width=0.55, color=OUTCOME_COLOURS[index], label=t[outcome]
        )
        bottom = [b + c for b, c in zip(bottom, counts, strict=True)]
    axes.set_xticks(xs, periods, rotation=0 if len(periods) <= 6 else 45)
    axes.yaxis.set_major_locator(MaxNLocator(nbins=5, integer=True))
    axes.legend(frameon=False, ncols=4, loc="lower center", bbox_to_anchor=(0.5, 1.0))
    return _svg(figure, "chart-goals", t["chart_goals_title"], t["chart_goals_desc"])


@_styled
def findings_chart(pack: MeetingPack, t: dict[str, str]) -> str:
    """Open findings per rule, horizontal bars."""
    rows = list(reversed(pack.findings_by_rule))
    figure, axes = _figure(7.2, max(1.2, 0.32 * len(rows) + 0.6))
    colours = {"violation": ORANGE, "warning": BLUE, "info": GREY}
    axes.barh(
        range(len(rows)),
        [r.count for r in rows],
        color=[colours[r.severity.value] for r in rows],
        height=0.6,
    )
    axes.set_yticks(list(range(len(rows))), [r.rule_id for r in rows])
    shown = {r.severity.value for r in rows}
    axes.legend(
        handles=[
            Patch(color=colour, label=t[f"sev_{severity}"])
            for severity, colour in colours.items()
            if severity in shown
        ],
        frameon=False,
        ncols=3,
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
    )
    for y, row in enumerate(rows):
        axes.annotate(
            str(row.count), (row.count, y), textcoords="offset points", xytext=(3, -3), color=INK
        )
    axes.xaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
    axes.xaxis.set_major_formatter(_thousands(t))
    return _svg(figure, "chart-findings", t["chart_findings_title"], t["chart_findings_desc"])


def _thousands(t: dict[str, str]) -> FuncFormatter:
    def fmt(value: float, _: int | None) -> str:
        return f"{value:,.0f}".replace(",", t["thousands_sep"])

    return FuncFormatter(fmt)


def _decimals(t: dict[str, str]) -> FuncFormatter:
    """Tick labels in the language's notation, as few decimals as the tick needs (2,5 and 10
    in Danish): matplotlib's own formatter writes a point whatever the language."""

    def fmt(value: float, _: int | None) -> str:
        text = format_number(Decimal(f"{value:.2f}"), t)
        if t["decimal_sep"] in text:
            text = text.rstrip("0").rstrip(t["decimal_sep"])
        return "0" if text in ("-0", "") else text

    return FuncFormatter(fmt)
