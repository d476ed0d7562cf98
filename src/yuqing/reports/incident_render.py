"""An incident report as HTML, PDF or DOCX: the header fields as a table, the text
sections people edit, then the parts of its kind (incident_kinds.PARTS) from the store:
spread, events, charts, changes since the previous report, statements, corrections,
course, deadlines, actions, review, corrective actions; the special report places its
text sections among its parts (situation, judgement, handling, suggestions). The rows
are built once here; the HTML page is printed from the built-in template or an
administrator's (templates_store), and the PDF and the DOCX are made from that page."""

from __future__ import annotations

import base64
import json
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from yuqing.core.i18n import N_, _
from yuqing.incidents.wording import label
from yuqing.reports import charts as charts_mod
from yuqing.reports.document import DocumentInfo
from yuqing.reports.incident_kinds import (
    HEADER_FIELDS,
    SPECIAL_TEXT_PARTS,
    TEXT_FIELDS,
    IncidentFigures,
)
from yuqing.reports.labels import platform_name, tier_name

log = logging.getLogger(__name__)

TITLES = {
    "special": N_("Special public-opinion report"),
    "flash": N_("Flash report"),
    "initial": N_("Initial report"),
    "progress": N_("Progress report"),
    "closing": N_("Closing report"),
}
FIELD_LABELS = {
    "event_name": N_("Event name"),
    "category": N_("Event category"),
    "level": N_("Event level"),
    "received_at": N_("Time received"),
    "reporter": N_("Reporter"),
    "discovered_at": N_("Time discovered"),
    "discovered_where": N_("Place discovered"),
    "content": N_("Main content"),
    "cause": N_("Possible cause"),
    "scope": N_("Scope"),
    "harm": N_("Harm"),
    "measures": N_("Measures taken"),
    "trend": N_("Trend"),
    "next_steps": N_("Next steps"),
}
# The special report's text parts, named as a 《舆情专报》 names them.
SPECIAL_LABELS = {
    "situation": N_("Situation"),
    "judgement": N_("Trend judgement"),
    "handling": N_("Handling so far"),
    "suggestions": N_("Suggestions"),
}
TONES = {"negative": N_("negative"), "neutral": N_("neutral"), "positive": N_("positive")}
DIRECTIONS = {
    "rising": N_("rising"),
    "falling": N_("falling"),
    "steady": N_("steady"),
    "quiet": N_("quiet"),
}
CLOCK_STATES = {
    "running": N_("running"),
    "met": N_("met"),
    "missed": N_("missed"),
    "cancelled": N_("cancelled"),
    "stopped": N_("stopped"),  # the response ended before it was done
}
COURSE_STEPS = {
    "opened": N_("incident opened"),
    "stage": N_("stage entered"),
    "ended": N_("response ended"),
    "closed": N_("incident closed"),
}
REVIEW_PARTS = {
    "summary": N_("Summary"),
    "worked": N_("What worked"),
    "failed": N_("What failed"),
    "evaluation": N_("Evaluation"),
}


def kind_title(kind: str) -> str:
    return _(TITLES[kind])


def field_label(name: str, kind: str | None = None) -> str:
    """A field's name; the special report names its text fields as its parts."""
    if kind == "special":
        for part, field in SPECIAL_TEXT_PARTS.items():
            if field == name:
                return _(SPECIAL_LABELS[part])
    return _(FIELD_LABELS[name])


@dataclass(frozen=True)
class Table:
    """One titled table of a report part; `numeric` are the right-aligned columns."""

    heading: str
    columns: list[str]
    rows: list[list[str]]
    numeric: tuple[int, ...] = ()
    note: str = ""  # a line under the heading


@dataclass(frozen=True)
class Rows:
    """What the documents show, as text: the same in HTML and DOCX."""

    title: str
    subtitle: str
    parts: list[str]
    header: list[tuple[str, str]]
    sections: list[tuple[str, str]]
    figures: list[tuple[str, str]]
    tables: dict[str, Table]  # by part name; charts and the review are not tables
    review: list[tuple[str, str]]
    texts: dict[str, tuple[str, str]]  # text parts (special): part -> (heading, text)


def _pct(share: float) -> str:
    return f"{share * 100:.1f}%"


def _report_name(ref: dict[str, Any] | None) -> str:
    if not ref:
        return "—"
    return _("{kind} No. {number} (revision {revision})").format(
        kind=kind_title(ref["kind"]), number=ref["number"], revision=ref["revision"]
    )


def _late(state: str, minutes: int | None) -> str:
    text = _(CLOCK_STATES.get(state, state))
    if minutes:
        text += _(" ({minutes} min late)").format(minutes=minutes)
    return text


def _spread(figures: IncidentFigures) -> list[tuple[str, str]]:
    out = [
        (_("Posts"), str(figures.posts)),
        (_("Negative share"), _pct(figures.negative_share)),
        (_("Sites"), str(figures.sites)),
    ]
    if "events" in figures.parts:
        out.append((_("Events"), str(len(figures.events))))
    if "deadlines" in figures.parts:
        out.append((_("Deadlines met"), str(figures.deadlines_met)))
        out.append((_("Deadlines missed"), str(figures.deadlines_missed)))
    return out


def _changes(figures: IncidentFigures) -> Table:
    c = figures.changes or {}
    if c.get("previous"):
        note = _("Previous report: {report}, submitted {at}").format(
            report=_report_name(c["previous"]), at=c["previous"]["submitted_at"]
        )
    else:
        note = _("no report submitted before")
    posts = (c.get("posts_then", 0), c.get("posts_now", 0))
    sites = (c.get("sites_then", 0), c.get("sites_now", 0))
    share = (c.get("negative_share_then", 0.0), c.get("negative_share_now", 0.0))
    return Table(
        heading=_("Changes since the previous report"),
        note=note,
        columns=[_("Figure"), _("Then"), _("Now"), _("Change")],
        rows=[
            [_("Posts"), str(posts[0]), str(posts[1]), f"{posts[1] - posts[0]:+d}"],
            [_("Sites"), str(sites[0]), str(sites[1]), f"{sites[1] - sites[0]:+d}"],
            [
                _("Negative share"),
                _pct(share[0]),
                _pct(share[1]),
                _("{value} points").format(value=f"{(share[1] - share[0]) * 100:+.1f}"),
            ],
        ],
        numeric=(1, 2, 3),
    )


def _labelled(name: str, value: str) -> str:
    return _("{label}: {value}").format(label=name, value=value)


def _window_text(w: dict[str, Any]) -> str:
    return _("{posts} posts, {share} negative, {sites} sites ({new} new)").format(
        posts=w["posts"], share=_pct(w["negative_share"]), sites=w["sites"], new=w["new_sites"]
    )


def _statements(figures: IncidentFigures) -> Table:
    rows = []
    for s in figures.statements:
        approvals = "；".join(
            f"{a['step']} {a['reviewer']} {label(a['decision'])} {a['at']}" for a in s["approvals"]
        )
        m = s["measures"]
        name = _("Statement {number}").format(number=s["number"])
        if s["revision"] > 1:
            name += _(" (revision {revision})").format(revision=s["revision"])
        measured = "—"
        if m:
            measured = "\n".join(
                (
                    _labelled(_("Before publication"), _window_text(m["before"])),
                    _labelled(_("After publication"), _window_text(m["after"])),
                    _labelled(_("Trend"), label(m["trend"])),
                )
            )
        rows.append(
            [
                f"{name}\n{label(s['status'])}",
                " ".join(x for x in (s["published_at"], s["channel"]) if x) or "—",
                approvals or "—",
                measured,
            ]
        )
    heading = _("Statements")
    if figures.kind == "progress":
        heading = _("Statements published since the previous report")
    columns = [_("Statement"), _("Published"), _("Approvals"), _("Measures before and after")]
    return Table(heading, columns, rows)


def _share_of(n: int, total: int) -> str:
    return _pct(n / total if total else 0.0)


def _special_tables(figures: IncidentFigures) -> dict[str, Table]:
    """The special report's spread by platform, tier and site, its tone, representative
    posts and momentum."""
    parts, total = figures.parts, figures.posts
    out: dict[str, Table] = {}
    if "platforms" in parts:
        out["platforms"] = Table(
            _("Posts by platform"),
            [_("Platform"), _("Posts"), _("Share")],
            [
                [platform_name(p), str(n), _share_of(n, total)]
                for p, n in figures.posts_by_platform.items()
            ],
            numeric=(1, 2),
        )
    if "tiers" in parts:
        out["tiers"] = Table(
            _("Posts by media tier"),
            [_("Media tier"), _("Posts"), _("Share")],
            [[tier_name(t), str(n), _share_of(n, total)] for t, n in figures.posts_by_tier.items()],
            numeric=(1, 2),
        )
    if "sites" in parts:
        out["sites"] = Table(
            _("Top sites"),
            [_("Site"), _("Posts")],
            [[r["site"], str(r["posts"])] for r in figures.top_sites],
            numeric=(1,),
        )
    if "sentiment" in parts:
        out["sentiment"] = Table(
            _("Tone"),
            [_("Tone"), _("Posts"), _("Share")],
            [[_(TONES[t]), str(n), _share_of(n, total)] for t, n in figures.sentiment.items()],
            numeric=(1, 2),
        )
    if "viewpoints" in parts:
        out["viewpoints"] = Table(
            _("Viewpoints: representative posts"),
            [_("Tone"), _("Post"), _("Source"), _("Published"), _("Copies")],
            [
                [
                    _(TONES[v["tone"]]),
                    "\n".join(x for x in (v["title"], v["excerpt"]) if x),
                    "\n".join(
                        x
                        for x in (
                            v["source"],
                            v["platform"] and platform_name(v["platform"]),
                            tier_name(v["media_tier"]),
                        )
                        if x
                    ),
                    v["published_at"],
                    str(v["copies"]),
                ]
                for v in figures.viewpoints
            ],
            numeric=(4,),
            note=_(
                "Original posts of each tone, the most copied first, then the most "
                "prominent media, then the earliest."
            ),
        )
    if "momentum" in parts and figures.momentum:
        m = figures.momentum
        out["momentum"] = Table(
            _("Momentum"),
            [_("Figure"), _("Value")],
            [
                [
                    _("Posts in the last {hours} hours").format(hours=m["window_hours"]),
                    str(m["last_window"]),
                ],
                [
                    _("Posts in the {hours} hours before").format(hours=m["window_hours"]),
                    str(m["previous_window"]),
                ],
                [_("Direction"), _(DIRECTIONS[m["direction"]])],
                [_("First post"), m["first_at"] or "—"],
                [_("Latest post"), m["last_at"] or "—"],
                [
                    _("Busiest day"),
                    _("{day}: {posts} posts").format(day=m["peak_day"], posts=m["peak_posts"])
                    if m["peak_day"]
                    else "—",
                ],
            ],
            note=_("As of {at}.").format(at=m["as_of"]),
        )
    return out


def _tables(figures: IncidentFigures) -> dict[str, Table]:
    """The tables of the parts the kind shows (an empty one reads "none")."""
    parts = figures.parts
    out: dict[str, Table] = _special_tables(figures)
    if "events" in parts:
        out["events"] = Table(
            _("Events"),
            [
                *(_("Event"), _("Posts"), _("Negative share"), _("Sites")),
                *(_("Highest media tier"), _("First seen")),
            ],
            [
                [
                    e.title,
                    str(e.posts),
                    _pct(e.negative / e.posts if e.posts else 0.0),
                    str(e.sites),
                    tier_name(e.top_tier),
                    f"{e.first_at} {e.first_source}",
                ]
                for e in figures.events
            ],
            numeric=(1, 2, 3),
        )
    if "changes" in parts:
        out["changes"] = _changes(figures)
    if "course" in parts:
        out["course"] = Table(
            _("Course of the response"),
            [_("Time"), _("Step"), _("Stage"), _("Note")],
            [
                [
                    c["at"],
                    _(COURSE_STEPS.get(c["step"], c["step"])),
                    c["stage_name"] or "—",
                    c["reason"] or "",
                ]
                for c in figures.course
            ],
        )
    if "deadlines" in parts:
        out["deadlines"] = Table(
            _("Deadlines"),
            [_("Deadline"), _("Due"), _("Done"), _("State")],
            [
                [
                    f"{d['name']} #{d['number']}",
                    d["due_at"],
                    d.get("done_at") or "—",  # absent in versions stored before it was kept
                    _late(d["state"], d["late_minutes"]),
                ]
                for d in figures.deadlines
            ],
        )
    if "statements" in parts:
        out["statements"] = _statements(figures)
    if "corrections" in parts:
        out["corrections"] = Table(
            _("Corrections of earlier reports"),
            [_("Report"), _("Corrects"), _("Status"), _("Submitted")],
            [
                [
                    _report_name(c),
                    _report_name(c["corrects"]),
                    label(c["status"]),
                    c["submitted_at"] or "—",
                ]
                for c in figures.corrections
            ],
        )
    if "actions" in parts:
        out["actions"] = Table(
            _("Actions recorded"),
            [_("Time"), _("Kind"), _("Description")],
            [[a["at"], label(a["kind"]), a["description"]] for a in figures.actions],
        )
    if "corrective_actions" in parts:
        out["corrective_actions"] = Table(
            _("Corrective actions"),
            [_("Corrective action"), _("Owner"), _("Due"), _("Status"), _("Done")],
            [
                [c["title"], c["owner"], c["due_at"], label(c["status"]), c["done_at"] or "—"]
                for c in figures.corrective_actions
            ],
        )
    return out


def rows(figures: IncidentFigures, sections: Mapping[str, str]) -> Rows:
    """The rows of the documents; `sections` are the edited texts (the fields otherwise)."""
    title = kind_title(figures.kind)
    if figures.report and figures.kind == "progress":
        title += _(" No. {number}").format(number=figures.report["number"])
    subtitle = _("Incident {id}: {title}").format(id=figures.incident, title=figures.title)
    review = figures.review or {}
    in_flow = {part: field for part, field in SPECIAL_TEXT_PARTS.items() if part in figures.parts}
    return Rows(
        title=title,
        subtitle=subtitle,
        parts=list(figures.parts),
        header=[(field_label(name), figures.fields.get(name, "")) for name in HEADER_FIELDS],
        sections=[
            (field_label(name), sections.get(name, figures.fields.get(name, "")))
            # the kind's fields; a version stored before kinds differed holds them all
            for name in TEXT_FIELDS
            if name in figures.fields and name not in in_flow.values()
        ],
        figures=_spread(figures),
        tables=_tables(figures),
        review=[(_(text), review.get(key, "")) for key, text in REVIEW_PARTS.items()]
        if "review" in figures.parts
        else [],
        texts={
            part: (_(SPECIAL_LABELS[part]), sections.get(name, figures.fields.get(name, "")))
            for part, name in in_flow.items()
        },
    )


def render(
    figures: IncidentFigures,
    sections: Mapping[str, str],
    doc: DocumentInfo,
    fmt: str,
    template: str | None = None,
) -> bytes:
    """The report in `fmt`: JSON holds the figures and the sections the documents show;
    the HTML page (from `template`, an administrator's, when given) makes the PDF and
    the DOCX."""
    if fmt == "json":
        content = {**figures.to_json(), "sections": dict(sections)}
        return json.dumps(content, ensure_ascii=False, indent=2).encode() + b"\n"
    html = render_html(figures, sections, doc, template)
    if fmt == "html":
        return html.encode()
    if fmt == "docx":
        from yuqing.reports import render_docx

        return render_docx.render(html)
    from yuqing.reports import render_pdf

    return render_pdf.render(html)


def context(
    figures: IncidentFigures,
    sections: Mapping[str, str],
    doc: DocumentInfo,
    drawn: list[charts_mod.Chart],
) -> dict[str, object]:
    """The names an incident report's template sees."""
    shown = rows(figures, sections)
    return {
        "f": figures,
        "doc": doc,
        "title": shown.title,
        "subtitle": shown.subtitle,
        "parts": shown.parts,
        "header_rows": shown.header,
        "sections": shown.sections,
        "texts": shown.texts,
        "figure_rows": shown.figures,
        "tables": shown.tables,
        "review_rows": shown.review,
        "review_written": bool(figures.review),
        "charts": [
            {"title": c.title, "data": base64.b64encode(c.png).decode("ascii")} for c in drawn
        ],
    }


def render_html(
    figures: IncidentFigures,
    sections: Mapping[str, str],
    doc: DocumentInfo,
    template: str | None = None,
) -> str:
    """The report page; a stored `template` that fails on these figures gives way to the
    built-in one (the failure logged), so the report still goes out."""
    from jinja2 import TemplateError

    from yuqing.reports.render_html import _environment

    names = context(figures, sections, doc, _charts(figures))
    if template is not None:
        from yuqing.reports.templates_store import render_source

        try:
            return render_source(template, names)
        except TemplateError as exc:
            log.warning("stored %s template failed, built-in used: %s", figures.kind, exc)
    return _environment().get_template("reports/incident.html").render(names)


def _charts(figures: IncidentFigures) -> list[charts_mod.Chart]:
    """Posts by day and by media tier (tone by day says little more for one incident)."""
    if not figures.posts or "charts" not in figures.parts:
        return []
    return [c for c in charts_mod.draw_all(figures.charted()) if c.name != "sentiment"]
