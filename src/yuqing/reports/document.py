"""What a report document shows besides its figures: header, number, mark, signature."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from yuqing.core.i18n import _
from yuqing.reports.figures import Figures
from yuqing.reports.labels import kind_title


@dataclass(frozen=True)
class DocumentInfo:
    organization: str | None = None  # the header (红头): the plan's organization by default
    doc_number: str | None = None  # 文号, e.g. 明德教舆〔2026〕12号
    mark: str | None = None  # confidentiality mark, e.g. 内部 or 秘密★1年
    signature: str | None = None  # the signing office or person
    issued: date | None = None  # the date under the signature
    summary: str | None = None  # the opening paragraph as a person edited it
    remarks: str | None = None  # a closing paragraph a person added


def title(figures: Figures) -> str:
    """The document's title: its kind, and its department (by its name) and its watch
    when it covers them: 舆情周报（教育股·食堂）."""
    name = kind_title(figures.kind)
    scope = [s for s in (figures.department_name or figures.department, figures.watch) if s]
    return f"{name}（{'·'.join(scope)}）" if scope else name


def summary(figures: Figures) -> str:
    """The opening paragraph; an empty period says that nothing happened."""
    if figures.posts == 0:
        return _("No posts were published in this period within the scope; nothing happened.")
    return _(
        "In this period {posts} posts were published within the scope, "
        "{negative:.1%} of them negative, in {events} events; "
        "{raised} alerts were raised and {acknowledged} acknowledged."
    ).format(
        posts=figures.posts,
        negative=figures.negative_share,
        events=figures.events,
        raised=figures.alerts_raised,
        acknowledged=figures.alerts_acknowledged,
    )


def period_text(figures: Figures) -> str:
    """The period as people read it: `2026-03-01 00:00 – 2026-03-02 00:00 (Asia/Shanghai)`."""
    start = figures.start[:16].replace("T", " ")
    end = figures.end[:16].replace("T", " ")
    return _("Period: {start} – {end} ({zone})").format(start=start, end=end, zone=figures.timezone)
