"""Plotly figures for the oversight page: slim (no default template on the wire), responsive (no fixed width),
and drawn with the basic bundle only (bars, lines and filled outlines: the map is a cartesian plot of the
simplified boundaries, so no geo bundle and no base-map download from a CDN)."""

from __future__ import annotations

import math

import plotly.graph_objects as go

from govhub import styles
from govhub.services.oversight.dashboard import TrendPoint, UnitStat
from govhub.services.oversight.geo import Ring

COLORS = {"on_time": styles.ON_TIME, "late": styles.LATE, "open": styles.OPEN, "overdue": styles.OVERDUE}
# A template of a few lines instead of Plotly's default (~6.6 KB on every update).
SLIM = go.layout.Template(layout={
    "font": {"family": styles.CHART_FONT, "size": 12, "color": styles.CHART_TEXT},
    "paper_bgcolor": styles.CLEAR, "plot_bgcolor": styles.CLEAR,
    "xaxis": {"gridcolor": styles.CHART_GRID, "zerolinecolor": styles.CHART_ZERO, "automargin": True},
    "yaxis": {"gridcolor": styles.CHART_GRID, "zerolinecolor": styles.CHART_ZERO, "automargin": True},
    "hoverlabel": {"font": {"size": 12}},
})
CONFIG = {"displayModeBar": False, "responsive": True, "scrollZoom": False}
CATEGORIES = ("on_time", "late", "open", "overdue")
# Overdue rate (reds) and completion rate (greens) in five classes; grey for units with no task.
OVERDUE_BINS = styles.OVERDUE_SCALE
RATE_BINS = styles.DONE_SCALE
NO_DATA = styles.MAP_NO_DATA


def _layout(height: int, **extra: object) -> dict:
    return {"autosize": True, "height": height, "margin": {"l": 8, "r": 8, "t": 8, "b": 8}, "bargap": 0.15,
            "legend": {"orientation": "h", "y": -0.12, "x": 0, "font": {"size": 11}}, "dragmode": False,
            "template": {}, **extra}


def empty() -> go.Figure:
    """A placeholder until data arrives."""
    return go.Figure(layout=_layout(10))


def stacked_bars(rows: list[UnitStat], labels: dict[str, str], *, horizontal: bool, height: int | None = None,
                 ) -> go.Figure:
    """One bar per unit, stacked by category, in the order given (worst first)."""
    names = [r.short if horizontal else r.name for r in rows]
    traces = []
    for cat in CATEGORIES:
        values = [getattr(r, cat) for r in rows]
        # Vertical bars carry the names as x already; horizontal ones show abbreviations and hover the names.
        common = {"name": labels[cat], "marker": {"color": COLORS[cat]},
                  "hovertemplate": ("%{hovertext}: %{x}" if horizontal else "%{x}: %{y}") + "<extra>" + labels[cat]
                  + "</extra>", **({"hovertext": [r.name for r in rows]} if horizontal else {})}
        if horizontal:
            traces.append(go.Bar(y=names, x=values, orientation="h", **common))
        else:
            traces.append(go.Bar(x=names, y=values, **common))
    if horizontal:
        layout = _layout(height or max(220, 26 * len(rows) + 60), barmode="stack",
                         yaxis={"autorange": "reversed", "type": "category", "tickfont": {"size": 11}},
                         xaxis={"fixedrange": True})
    else:
        layout = _layout(height or 300, barmode="stack",
                         xaxis={"type": "category", "showticklabels": len(rows) <= 20, "fixedrange": True},
                         yaxis={"fixedrange": True})
    return go.Figure(data=traces, layout=layout)


def trend_lines(points: list[TrendPoint], labels: dict[str, str]) -> go.Figure:
    """Assigned, completed and became overdue, week by week."""
    weeks = [p.week for p in points]
    spec = (("assigned", styles.OPEN), ("completed", styles.ON_TIME), ("overdue", styles.OVERDUE))
    traces = [go.Scatter(x=weeks, y=[getattr(p, key) for p in points], name=labels[key], mode="lines+markers",
                         line={"color": color, "width": 2}, marker={"size": 5}) for key, color in spec]
    return go.Figure(data=traces, layout=_layout(260, xaxis={"type": "category", "fixedrange": True},
                                                 yaxis={"fixedrange": True, "rangemode": "tozero"},
                                                 hovermode="x unified"))


def _bin_color(value: float, bins: tuple) -> str:
    color = bins[0][1]
    for lower, c in bins:
        if value >= lower:
            color = c
    return color


def _outline(rings: list[Ring]) -> tuple[list, list]:
    xs: list = []
    ys: list = []
    for ring in rings:
        if xs:
            xs.append(None)
            ys.append(None)
        xs += [p[0] for p in ring]
        ys += [p[1] for p in ring]
    return xs, ys


def _inset_islands(rows: list[UnitStat], shapes: dict[str, list[Ring]]) -> dict[str, list[Ring]]:
    """Côn Đảo lies ~200 km off the coast: drawn to scale it would shrink the mainland to a dot on a phone, so
    the special zone is moved into the bottom-right corner of the mainland's frame, as printed maps do."""
    mainland = [p for r in rows if r.kind != "special_zone" for ring in shapes[r.code] for p in ring]
    if not mainland:
        return shapes
    max_x, min_y = max(p[0] for p in mainland), min(p[1] for p in mainland)
    out = dict(shapes)
    for r in rows:
        if r.kind != "special_zone":
            continue
        pts = [p for ring in shapes[r.code] for p in ring]
        dx = max_x - max(p[0] for p in pts) - 0.02
        dy = min_y - min(p[1] for p in pts) + 0.02
        out[r.code] = [[(round(x + dx, 5), round(y + dy, 5)) for x, y in ring] for ring in shapes[r.code]]
    return out


def choropleth(rows: list[UnitStat], shapes: dict[str, list[Ring]], labels: dict[str, str],
               metric: str = "overdue") -> tuple[go.Figure, list[int]]:
    """The units shaded by overdue rate or completion rate (switchable in the chart, without a round trip), and
    the unit ids in trace order (for clicks)."""
    drawn = [r for r in rows if r.code in shapes]
    ids = [r.id for r in drawn]

    def colors(key: str) -> list[str]:
        bins = OVERDUE_BINS if key == "overdue" else RATE_BINS
        return [NO_DATA if r.assigned == 0 else _bin_color(r.overdue_rate if key == "overdue" else r.rate, bins)
                for r in drawn]

    def names(key: str) -> list[str]:
        word = labels["overdue_rate"] if key == "overdue" else labels["rate"]
        return [f"{r.name}: {r.overdue_rate if key == 'overdue' else r.rate:g}% {word}" if r.assigned else
                f"{r.name}: {labels['no_tasks']}" for r in drawn]

    fill, hover = {k: colors(k) for k in ("overdue", "rate")}, {k: names(k) for k in ("overdue", "rate")}
    placed = _inset_islands(drawn, shapes)
    traces = []
    for i, r in enumerate(drawn):
        xs, ys = _outline(placed[r.code])
        traces.append(go.Scatter(x=xs, y=ys, mode="lines", fill="toself", fillcolor=fill[metric][i],
                                 line={"color": styles.MAP_EDGE, "width": 0.6}, hoveron="fills", name=hover[metric][i],
                                 hoverinfo="name", showlegend=False))
    # Legend entries for the classes of both metrics; the buttons show one set.
    legend = []
    for key, bins in (("overdue", OVERDUE_BINS), ("rate", RATE_BINS)):
        for j, (lower, color) in enumerate(bins):
            upper = bins[j + 1][0] if j + 1 < len(bins) else None
            text = f"≥ {lower}%" if upper is None else f"{lower}–{upper}%"
            legend.append(go.Scatter(x=[None], y=[None], mode="markers", name=text, visible=key == metric,
                                     marker={"size": 12, "symbol": "square", "color": color}, showlegend=True,
                                     hoverinfo="skip"))
    n, k = len(traces), len(OVERDUE_BINS)

    def restyle(key: str) -> dict:
        return {"fillcolor": fill[key] + [None] * (2 * k), "name": hover[key] + [t.name for t in legend],
                "visible": [True] * n + [key == "overdue"] * k + [key == "rate"] * k}

    starts = [r[0][1] for rs in placed.values() for r in rs]
    lat = sum(starts) / len(starts) if starts else 10.8
    buttons = [{"label": labels["overdue_rate"], "method": "restyle", "args": [restyle("overdue")]},
               {"label": labels["rate"], "method": "restyle", "args": [restyle("rate")]}]
    layout = _layout(
        460,
        xaxis={"visible": False, "fixedrange": True},
        yaxis={"visible": False, "fixedrange": True, "scaleanchor": "x",
               "scaleratio": 1 / math.cos(math.radians(lat))},
        margin={"l": 0, "r": 0, "t": 36, "b": 0},
        legend={"orientation": "h", "x": 0, "y": 0, "yanchor": "bottom", "bgcolor": styles.CHART_LEGEND,
                "font": {"size": 10}},
        updatemenus=[{"type": "buttons", "direction": "right", "x": 0, "y": 1.0, "xanchor": "left", "yanchor": "bottom",
                      "active": 0 if metric == "overdue" else 1, "showactive": True, "buttons": buttons,
                      "pad": {"r": 4, "t": 0}, "font": {"size": 11}}],
        hovermode="closest",
    )
    return go.Figure(data=traces + legend, layout=layout), ids
