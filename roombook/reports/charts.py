"""The report's charts, drawn on the server by matplotlib as SVG that the pages' content security policy
allows: text as text (svg.fonttype none), every style in an attribute, and the stylesheet matplotlib puts
into each SVG (a `<style>` element, which the policy refuses) taken out. Each chart is followed on the page
by its figures as a table; the SVG is an image with a title for screen readers."""
from __future__ import annotations

import io
import re

import matplotlib
from markupsafe import Markup, escape
from matplotlib.figure import Figure

from roombook.reports.council import Marker, Report

COLOURS = ("#1b6ca8", "#f28e2b", "#59a14f", "#b07aa1", "#9c755f")
MAX_ROWS = 40  # of the heat map; the table under it has them all
_STRIP = [re.compile(p, re.S) for p in (r"<\?xml.*?\?>\s*", r"<!DOCTYPE.*?>\s*", r"<metadata>.*?</metadata>\s*",
                                        r"<style[^>]*>.*?</style>\s*", r"<defs>\s*</defs>\s*")]


def _svg(fig: Figure, title: str, key: str) -> Markup:
    out = io.StringIO()
    with matplotlib.rc_context({"svg.fonttype": "none", "svg.hashsalt": key, "font.family": "sans-serif",
                                "font.size": 9}):
        fig.savefig(out, format="svg", bbox_inches="tight")
    text = out.getvalue()
    for pattern in _STRIP:
        text = pattern.sub("", text)
    text = re.sub(r'<svg ([^>]*?)width="[^"]*" height="[^"]*"',
                  lambda m: f'<svg {m.group(1)}role="img" aria-labelledby="chart-{key}-title" class="chart-svg"',
                  text, count=1)
    # the first `>` closes the root element: its title comes right after it
    text = text.replace(">", f'><title id="chart-{key}-title">{escape(title)}</title>', 1)
    return Markup(text)


def _nums(values) -> list[float]:
    return [v if isinstance(v, (int, float)) and not isinstance(v, Marker) else float("nan") for v in values]


def usage_heatmap(report: Report, title: str) -> Markup:
    """Per accommodation and week: the share of the open hours used for the purpose."""
    table = report.tables["nutzung_wochen"]
    rows = table.rows
    if len(rows) > MAX_ROWS:  # the least used first: those the council asks about
        rows = sorted(rows, key=lambda r: sum(v for v in _nums(r[1:]) if v == v) / max(len(r) - 1, 1))[:MAX_ROWS]
    data = [_nums(r[1:]) for r in rows] or [[float("nan")]]
    # the colours span what there is (at least 0–20 %), so that a city at 10 % is not one dark block
    top = max([v for r in data for v in r if v == v] + [20])
    top = 10 * -(-top // 10)
    fig = Figure(figsize=(7, 0.8 + 0.28 * max(len(rows), 2)))
    ax = fig.subplots()
    image = ax.imshow(data, aspect="auto", cmap="viridis", vmin=0, vmax=top, interpolation="nearest")
    ax.set_yticks(range(len(rows)), [str(r[0]) for r in rows])
    weeks = [str(c.label) for c in table.columns[1:]]
    ax.set_xticks(range(len(weeks)), weeks, rotation=90)
    fig.colorbar(image, ax=ax, label="%")
    return _svg(fig, title, "nutzung")


def coverage_bars(report: Report, title: str, labels: list[str], hours_label: str) -> Markup:
    """Per mandatory category: required, planned and delivered hours."""
    table = report.tables["abdeckung_kategorien"]
    fig = Figure(figsize=(7, 3.2))
    ax = fig.subplots()
    width = 0.27
    for i, (column, colour) in enumerate(zip(table.columns[1:4], COLOURS)):
        xs = [k + (i - 1) * width for k in range(len(table.rows))]
        ax.bar(xs, _nums(r[i + 1] for r in table.rows), width, label=str(column.label), color=colour)
    ax.set_xticks(range(len(table.rows)), labels, rotation=15, ha="right")
    ax.set_ylabel(hours_label)
    ax.legend(frameon=False)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, title, "abdeckung")


def closed_bars(report: Report, title: str, hours_label: str) -> Markup:
    """Hours closed by kind, the holiday in a lighter colour: it is not lost time."""
    table = report.tables["schliessungen"]
    fig = Figure(figsize=(7, 2.4))
    ax = fig.subplots()
    names = [str(r[0]) for r in table.rows]
    ax.barh(names, _nums(r[1] for r in table.rows), color=["#a0cbe8", *COLOURS[1:len(names)]])
    ax.invert_yaxis()
    ax.set_xlabel(hours_label)
    ax.spines[["top", "right"]].set_visible(False)
    return _svg(fig, title, "schliessungen")
