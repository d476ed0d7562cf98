"""Charts are drawn in a CJK font: no Chinese label falls back to tofu boxes."""

from __future__ import annotations

import warnings

from yuqing.reports.charts import CJK_FONTS, draw_all
from yuqing.reports.figures import Figures


def test_every_chart_draws_its_chinese_labels_with_a_cjk_font() -> None:
    from matplotlib import font_manager

    # The font is installed (Debian's fonts-noto-cjk), not left to matplotlib's default.
    found = font_manager.findfont(
        font_manager.FontProperties(family=CJK_FONTS), fallback_to_default=False
    )
    assert "NotoSansCJK" in found.replace("-", "").replace(" ", ""), found
    figures = Figures(
        kind="daily", start="2026-03-01T00:00:00+08:00", end="2026-03-02T00:00:00+08:00",
        timezone="Asia/Shanghai", watch=None, posts=3, negative_share=0.3333, events=1,
        events_by_level={}, posts_by_tier={"municipal": 1, "self": 2},
        sentiment_by_day=[{"day": "2026-03-01", "posts": 3, "negative": 1, "neutral": 1,
                           "positive": 1}],
    )  # fmt: skip
    with warnings.catch_warnings():
        # matplotlib warns "Glyph … missing from font(s)" for each character it boxes.
        warnings.simplefilter("error")
        charts = draw_all(figures)
    assert [c.name for c in charts] == ["volume", "sentiment", "tiers"]
    assert all(c.png.startswith(b"\x89PNG") for c in charts)
