"""The report's figures: small matplotlib functions that take rows (dicts) and return an SVG data URI.

SVG keeps the page sharp on screen and in print; text stays text (`svg.fonttype: none`) and the hash salt and
date are fixed, so the same tables give the same bytes.
"""

from __future__ import annotations

import base64
import io
from collections.abc import Iterable, Iterator, Sequence
from contextlib import contextmanager
from typing import Any, NamedTuple

import matplotlib

matplotlib.use("Agg")  # no display; must precede pyplot
import matplotlib.pyplot as plt  # noqa: E402

from python_jobs.report.formatting import is_missing, show  # noqa: E402


class Image(NamedTuple):
    """An SVG as a data URI, and the width in CSS pixels it was drawn for (shown at most that wide)."""

    uri: str
    width: int


PALETTE = ["#3b6ea8", "#e07b39", "#4f9a5b", "#b04a5a", "#7d62a8", "#8c7b52", "#4aa3a3", "#9a9a9a"]
BEFORE, AFTER = "#b8b8b8", PALETTE[0]
STYLE = {
    "svg.fonttype": "none",
    "svg.hashsalt": "semantic-id-report",
    "font.size": 9,
    "axes.titlesize": 10,
    "axes.titleweight": "bold",
    "axes.spines.top": False,
    "axes.spines.right": False,
    "axes.grid": True,
    "axes.grid.axis": "y",
    "grid.color": "#e6e6e6",
    "axes.axisbelow": True,
    "axes.prop_cycle": matplotlib.cycler(color=PALETTE),
    "legend.frameon": False,
    "legend.fontsize": 8,
}


@contextmanager
def canvas(ncols: int = 1, width: float = 5.2, height: float = 3.0, **kwargs: Any) -> Iterator[tuple[Any, Any]]:
    """A figure with `ncols` axes side by side (an array when ncols > 1), closed when the block ends."""
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(1, ncols, figsize=(width, height), layout="constrained", **kwargs)
        try:
            yield fig, axes
        finally:
            plt.close(fig)


def to_uri(fig: Any) -> Image:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="svg", metadata={"Date": None})
    uri = "data:image/svg+xml;base64," + base64.b64encode(buffer.getvalue()).decode("ascii")
    return Image(uri, round(fig.get_size_inches()[0] * 96))


def hbar(
    labels: Sequence[str],
    values: Sequence[float],
    title: str,
    xlabel: str,
    fmt: str = "{:,.0f}",
    colors: Sequence[str] | None = None,
    xmax: float | None = None,
) -> Image:
    """One horizontal bar per label, top to bottom in the given order, each with its value."""
    with canvas(height=0.9 + 0.28 * len(labels)) as (fig, ax):
        bars = ax.barh(range(len(labels)), bar_lengths(values), color=colors or PALETTE[0])
        ax.set_yticks(range(len(labels)), labels)
        ax.invert_yaxis()
        ax.grid(axis="y", visible=False)
        ax.grid(axis="x", visible=True)
        fig.suptitle(title, fontsize=STYLE["axes.titlesize"], fontweight="bold")
        ax.set(xlabel=xlabel)
        if xmax is not None:
            ax.set_xlim(0, xmax)
        ax.bar_label(bars, labels=[show(v, fmt) for v in values], padding=2, fontsize=7)
        ax.margins(x=0.12)
        return to_uri(fig)


def grouped_bars(
    categories: Sequence[str],
    series: dict[str, Sequence[float]],
    title: str,
    ylabel: str,
    ax: Any = None,
    errors: dict[str, tuple[Sequence[float], Sequence[float]]] | None = None,
    colors: dict[str, str] | None = None,
    rotate: bool = False,
    legend: bool = True,
) -> Image | None:
    """Vertical bars, one group per category and one bar per series; `errors` holds (low, high) per series."""

    def draw(ax: Any) -> None:
        width = 0.8 / max(len(series), 1)
        for i, (name, values) in enumerate(series.items()):
            x = [c + (i - (len(series) - 1) / 2) * width for c in range(len(categories))]
            heights = bar_lengths(values)
            yerr = None
            if errors and name in errors:
                low, high = errors[name]
                yerr = [
                    [0 if is_missing(lo) else max(h - lo, 0) for h, lo in zip(heights, low)],
                    [0 if is_missing(hi) else max(hi - h, 0) for h, hi in zip(heights, high)],
                ]
            ax.bar(
                x,
                heights,
                width,
                label=name,
                yerr=yerr,
                capsize=2,
                error_kw={"elinewidth": 0.8},
                color=(colors or {}).get(name),
            )
        ax.set_xticks(
            range(len(categories)), categories, rotation=30 if rotate else 0, ha="right" if rotate else "center"
        )
        ax.set(title=title, ylabel=ylabel)
        if legend and len(series) > 1:
            ax.legend(ncols=min(len(series), 3))

    if ax is not None:
        draw(ax)
        return None
    with canvas() as (fig, ax):
        draw(ax)
        return to_uri(fig)


def histograms(panels: Sequence[tuple[str, Sequence[float], Sequence[float]]], xlabel: str) -> Image:
    """Before/after length histograms, one panel per (title, before, after), on shared bins per panel."""
    import numpy as np

    with canvas(ncols=len(panels), width=3.3 * len(panels)) as (fig, axes):
        for ax, (title, before, after) in zip(np.atleast_1d(axes), panels):
            values = [*before, *after]
            high = float(np.percentile(values, 99)) if values else 1.0
            bins = np.linspace(0, max(high, 1.0), 40)
            ax.hist(np.clip(before, 0, bins[-1]), bins=bins, color=BEFORE, label="raw", alpha=0.9)
            ax.hist(np.clip(after, 0, bins[-1]), bins=bins, color=AFTER, label="cleaned", alpha=0.6)
            ax.set(title=title, xlabel=xlabel, ylabel="items")
            ax.legend()
        return to_uri(fig)


def length_distribution(lengths: Sequence[int], counts: Sequence[int], cumulative_pct: Sequence[float]) -> Image:
    with canvas() as (fig, ax):
        ax.bar(lengths, bar_lengths(counts), width=0.9, color=PALETTE[0])
        ax.set(title="Sequence length (items per user, target included)", xlabel="items", ylabel="sequences")
        twin = ax.twinx()
        twin.plot(lengths, cumulative_pct, color=PALETTE[1], linewidth=1.5)
        twin.set_ylim(0, 101)
        twin.set_ylabel("cumulative %", color=PALETTE[1])
        twin.grid(False)
        twin.spines["top"].set_visible(False)
        return to_uri(fig)


def curves(
    panels: Sequence[tuple[str, dict[str, tuple[Sequence[float], Sequence[float]]]]],
    xlabel: str,
    mark: float | None = None,
    height: float = 2.6,
) -> Image:
    """Line panels (3 per row): each (title, {series: (x, y)}); `mark` draws a dashed vertical line on every
    panel (e.g. the selected step)."""
    import numpy as np

    ncols = min(len(panels), 3)
    nrows = -(-len(panels) // ncols)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(3.3 * ncols, height * nrows), layout="constrained", squeeze=False
        )
        try:
            flat = list(np.ravel(axes))
            for ax, (title, series) in zip(flat, panels):
                for i, (name, (x, y)) in enumerate(series.items()):
                    color = PALETTE[i % len(PALETTE)]
                    ax.plot(
                        x, y, label=name, color=color, linewidth=1.3, marker="o" if len(x) <= 12 else None, markersize=3
                    )
                if mark is not None:
                    ax.axvline(mark, color="#555555", linestyle="--", linewidth=0.8)
                ax.set(title=title, xlabel=xlabel)
                ax.grid(axis="x", visible=True)
                if len(series) > 1:
                    ax.legend()
            for ax in flat[len(panels) :]:
                ax.set_visible(False)
            return to_uri(fig)
        finally:
            plt.close(fig)


def code_usage(levels: dict[int, Sequence[int]], codebook_sizes: dict[int, int], perplexity: dict[int, float]) -> Image:
    """Items per code, codes sorted from most to least used, one line per level (unused codes at 0)."""
    with canvas() as (fig, ax):
        for level, counts in sorted(levels.items()):
            ordered = sorted(counts, reverse=True)
            size = codebook_sizes.get(level)
            ordered += [0] * (0 if is_missing(size) else max(size - len(ordered), 0))  # unknown size: used codes only
            label = f"level {level}: {sum(1 for c in counts if c)} codes used, perplexity {show(perplexity.get(level), '{:.0f}')}"
            ax.plot(range(1, len(ordered) + 1), ordered, label=label, linewidth=1.4)
        ax.set(title="Items per code (codes ranked by use)", xlabel="code rank", ylabel="items")
        ax.legend()
        return to_uri(fig)


def bar_panels(
    panels: Sequence[tuple[str, Sequence[str], Sequence[float], str]], fmt: str = "{:,.0f}", ncols: int = 2
) -> Image:
    """Small multiples of horizontal bars: each (title, labels, values, xlabel)."""
    import numpy as np

    ncols = min(ncols, len(panels))
    nrows = -(-len(panels) // ncols)
    tallest = max(len(labels) for _, labels, _, _ in panels)
    with plt.rc_context(STYLE):
        fig, axes = plt.subplots(
            nrows, ncols, figsize=(3.4 * ncols, (0.8 + 0.24 * tallest) * nrows), layout="constrained", squeeze=False
        )
        try:
            flat = list(np.ravel(axes))
            for ax, (title, labels, values, xlabel) in zip(flat, panels):
                bars = ax.barh(range(len(labels)), bar_lengths(values), color=PALETTE[0])
                ax.set_yticks(range(len(labels)), [_shorten(label) for label in labels])
                ax.invert_yaxis()
                ax.grid(axis="y", visible=False)
                ax.set(title=title, xlabel=xlabel)
                ax.bar_label(bars, labels=[show(v, fmt) for v in values], padding=2, fontsize=7)
                ax.margins(x=0.18)
            for ax in flat[len(panels) :]:
                ax.set_visible(False)
            return to_uri(fig)
        finally:
            plt.close(fig)


def breakdown_panels(panels: Sequence[tuple[str, Sequence[str], dict[str, Sequence[float]]]], ylabel: str) -> Image:
    """Grouped bars side by side: each (title, bins, {model: values})."""
    import numpy as np

    with canvas(ncols=len(panels), width=3.6 * len(panels), height=3.0) as (fig, axes):
        for ax, (title, bins, series) in zip(np.atleast_1d(axes), panels):
            grouped_bars(bins, series, title, ylabel, ax=ax, legend=False)
        _shared_legend(fig, np.atleast_1d(axes)[0])
        return to_uri(fig)


def metric_intervals(
    panels: Sequence[tuple[str, Sequence[str], dict[str, tuple[Sequence, Sequence, Sequence]]]],
) -> Image:
    """Per panel (protocol): grouped bars of metrics per model with 95% interval whiskers.
    Each panel is (title, metric names, {model: (values, lows, highs)})."""
    import numpy as np

    with canvas(ncols=len(panels), width=4.2 * len(panels), height=3.0) as (fig, axes):
        for ax, (title, metrics, models) in zip(np.atleast_1d(axes), panels):
            grouped_bars(
                metrics,
                {m: v[0] for m, v in models.items()},
                title,
                "score",
                ax=ax,
                errors={m: (v[1], v[2]) for m, v in models.items()},
                legend=False,
            )
        _shared_legend(fig, np.atleast_1d(axes)[0])
        return to_uri(fig)


def _shared_legend(fig: Any, ax: Any) -> None:
    """One legend above all panels (the models are the same in each), instead of one covering each panel's bars."""
    handles, labels = ax.get_legend_handles_labels()
    if len(labels) > 1:
        fig.legend(handles, labels, loc="outside upper center", ncols=len(labels))


def bar_lengths(values: Iterable[Any]) -> list[float]:
    """Bar lengths: a missing value draws no bar (its label says it is missing)."""
    return [0.0 if is_missing(v) else v for v in values]


def _shorten(text: str, limit: int = 28) -> Image:
    text = str(text)
    return text if len(text) <= limit else text[: limit - 1] + "…"
