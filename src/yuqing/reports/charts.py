"""Charts of a report, drawn on the server with matplotlib (Agg) in Noto Sans CJK.

Debian's `fonts-noto-cjk` holds the font; without a CJK font matplotlib draws tofu
boxes for every Chinese label, so the font is named, not left to the default.
"""

from __future__ import annotations

import io
from dataclasses import dataclass
from typing import TYPE_CHECKING

from yuqing.core.i18n import _

if TYPE_CHECKING:
    from matplotlib.axes import Axes
    from matplotlib.figure import Figure

    from yuqing.reports.figures import Figures

CJK_FONTS = ["Noto Sans CJK SC", "Noto Sans CJK JP", "Noto Sans CJK"]
WIDTH_IN, HEIGHT_IN, DPI = 6.4, 2.6, 150
COLOURS = {"negative": "#c0392b", "neutral": "#95a5a6", "positive": "#27ae60"}


@dataclass(frozen=True)
class Chart:
    name: str
    title: str
    png: bytes


def draw_all(figures: Figures) -> list[Chart]:
    """Volume by day, tone by day and posts by media tier, as PNG images."""
    drawn = []
    for name, title, draw in (
        ("volume", _("Posts by day"), _volume),
        ("sentiment", _("Sentiment by day"), _sentiment),
        ("tiers", _("Posts by media tier"), _tiers),
    ):
        fig = _new()
        ax = fig.add_subplot()
        ax.set_title(title, fontsize=10)
        draw(figures, ax)
        drawn.append(Chart(name, title, _png(fig)))
    return drawn


def _new() -> Figure:
    from matplotlib import rcParams
    from matplotlib.figure import Figure

    rcParams["font.family"] = "sans-serif"
    rcParams["font.sans-serif"] = CJK_FONTS
    rcParams["axes.unicode_minus"] = False  # the CJK fonts lack U+2212
    # A Figure of its own, not pyplot: no global state, no GUI backend (Agg draws it).
    return Figure(figsize=(WIDTH_IN, HEIGHT_IN), dpi=DPI, layout="constrained")


def _png(fig: Figure) -> bytes:
    out = io.BytesIO()
    fig.savefig(out, format="png")
    return out.getvalue()


def _daily_axis(ax: Axes) -> None:
    from matplotlib.ticker import MaxNLocator

    ax.yaxis.set_major_locator(MaxNLocator(integer=True))  # posts come whole
    ax.tick_params(axis="x", labelrotation=45, labelsize=7)


def _days(figures: Figures) -> list[str]:
    return [row["day"][5:] for row in figures.sentiment_by_day]  # MM-DD


def _volume(figures: Figures, ax: Axes) -> None:
    ax.bar(_days(figures), [row["posts"] for row in figures.sentiment_by_day], color="#2c6fbb")
    ax.set_ylabel(_("posts"))
    _daily_axis(ax)


def _sentiment(figures: Figures, ax: Axes) -> None:
    days = _days(figures)
    bottom = [0] * len(days)
    for label, name in (
        ("negative", _("negative")),
        ("neutral", _("neutral")),
        ("positive", _("positive")),
    ):
        values = [row[label] for row in figures.sentiment_by_day]
        ax.bar(days, values, bottom=bottom, color=COLOURS[label], label=name)
        bottom = [b + v for b, v in zip(bottom, values, strict=True)]
    ax.legend(fontsize=7)
    _daily_axis(ax)


def _tiers(figures: Figures, ax: Axes) -> None:
    from matplotlib.ticker import MaxNLocator

    from yuqing.reports.labels import tier_name

    tiers = figures.posts_by_tier or {}
    ax.barh([tier_name(t) for t in tiers], list(tiers.values()), color="#8e44ad")
    ax.set_xlabel(_("posts"))
    ax.invert_yaxis()
    ax.xaxis.set_major_locator(MaxNLocator(integer=True))  # posts come whole
