"""Administrators' report templates: checked by a test render in the sandbox, an error
named with its line, the version in force kept, and the built-in page as the fallback."""

from __future__ import annotations

import io
import json
from datetime import UTC, datetime
from pathlib import Path

import docx
import docx.document
import pytest
from docx.enum.text import WD_ALIGN_PARAGRAPH
from docx.shared import RGBColor
from docx.text.paragraph import Paragraph
from sqlalchemy.orm import Session

from tests.conftest import Cli, Store
from tests.reports.incident_fixtures import (  # noqa: F401 - the fixture
    IncidentCase,
    incident_case_fixture,
)
from yuqing.core.clock import FrozenClock
from yuqing.reports import service, templates_store
from yuqing.reports.document import DocumentInfo
from yuqing.reports.figures import Figures
from yuqing.reports.periods import KINDS
from yuqing.reports.templates_store import TemplateInvalid

CLOCK = FrozenClock(datetime(2026, 3, 2, 1, 0, tzinfo=UTC))
GOOD = "<h1>{{ title }}</h1>\n<p>本期帖文 {{ f.posts }} 条</p>\n"


def empty_figures() -> Figures:
    return Figures(
        kind="weekly",
        start="2026-02-23T00:00:00+08:00",
        end="2026-03-02T00:00:00+08:00",
        timezone="Asia/Shanghai",
        watch=None,
        posts=0,
        negative_share=0.0,
        events=0,
        events_by_level={},
    )


def test_a_syntax_error_is_reported_with_its_line() -> None:
    source = "<h1>{{ title }}</h1>\n<p>\n{% if f.posts %}\n</p>\n"
    with pytest.raises(TemplateInvalid, match=r"^weekly\.html:3: 模板错误"):
        templates_store.check(source, kind="weekly")


def test_an_undefined_name_is_reported_with_its_line() -> None:
    source = (
        "<h1>{{ title }}</h1>\n{% for e in f.top_events %}\n<p>{{ e.nosuch }}</p>\n{% endfor %}"
    )
    with pytest.raises(TemplateInvalid, match=r"^weekly\.html:3: .*nosuch"):
        templates_store.check(source, kind="weekly")


def test_the_sandbox_refuses_reaching_into_python() -> None:
    source = "<p>{{ f.__class__.__mro__[1].__subclasses__() }}</p>"
    with pytest.raises(TemplateInvalid, match=r"^monthly\.html:1: "):
        templates_store.check(source, kind="monthly")


@pytest.mark.parametrize(
    ("source", "message"),
    [
        # docs18: these were `内部错误：…` (exit 70) or stored a template that renders
        # gigabytes; each is now a template error on its line, and nothing is stored.
        ("<p>\n{{ 1 / 0 }}</p>", r"^daily\.html:2: 模板错误：ZeroDivisionError: division by zero$"),
        ("<p>{{ f.posts + 'a' }}</p>", r"^daily\.html:1: 模板错误：TypeError: unsupported operand"),
        ("{% for i in range(10**8) %}{{ i }}{% endfor %}", r"^daily\.html:1: 模板错误："),
        ("<p>{{ 2 ** 10000000 }}</p>", r"^daily\.html:1: 模板错误：指数超过 1000 的乘方$"),
        ("<p>{{ 'x' * 10**9 }}</p>", r"^daily\.html:1: 模板错误：重复超过 20000000 项$"),
        ("<p>{{ [1] * 10**9 }}</p>", r"^daily\.html:1: 模板错误：重复超过 20000000 项$"),
        (
            "{% for i in range(100000) %}{% for j in range(30) %}0123456789"
            "{% endfor %}{% endfor %}",
            r"^daily\.html: 模板错误：页面超过 20000000 个字符$",
        ),
        ("<p>\n\n\x00</p>", r"^daily\.html:3: 模板中有控制字符 U\+0000$"),
    ],
)
def test_a_template_that_fails_as_it_runs_is_an_error_on_its_line(
    source: str, message: str
) -> None:
    with pytest.raises(TemplateInvalid, match=message):
        templates_store.check(source, kind="daily")


def test_small_repetitions_and_powers_still_work() -> None:
    page = templates_store.check(
        "<p>{{ 'ab' * 3 }} {{ 2 ** 10 }} {{ f.posts * 2 }}</p>", kind="daily"
    )
    assert page == "<p>ababab 1024 8</p>"
    figures, doc = empty_figures(), DocumentInfo(organization="明德县第一中学")
    html = service.render(figures, doc, "html", template="<p>{{ 1 / f.posts }}</p>").decode()
    assert "舆情" in html  # the stored one fails on an empty period: the built-in goes out


def test_a_bad_template_leaves_the_previous_one_in_force(store: Store) -> None:
    with Session(store.engine) as session:
        templates_store.set_template(
            session=session, clock=CLOCK, kind="weekly", source=GOOD, author="admin"
        )
        with pytest.raises(TemplateInvalid, match=r"weekly\.html:2"):
            templates_store.set_template(
                session=session,
                clock=CLOCK,
                kind="weekly",
                source="<p>ok</p>\n{{ missing_name }}",
                author="admin",
            )
        session.commit()
    with Session(store.engine) as session:
        assert templates_store.active_source(session=session, kind="weekly") == GOOD
        assert [
            v.version for v in templates_store.get_versions(session=session, kind="weekly")
        ] == [1]
        assert templates_store.active_source(session=session, kind="daily") is None


def test_reports_print_from_the_stored_template_and_fall_back_when_it_fails() -> None:
    figures, doc = empty_figures(), DocumentInfo(organization="明德县第一中学")
    html = service.render(figures, doc, "html", template=GOOD).decode()
    assert html == "<h1>舆情周报</h1>\n<p>本期帖文 0 条</p>"
    # Passes the test render (the sample has posts) but fails on an empty period:
    # the built-in page goes out instead of nothing.
    fragile = "{% if f.posts == 0 %}{{ missing_name }}{% endif %}<p>custom</p>"
    templates_store.check(fragile, kind="weekly")
    html = service.render(figures, doc, "html", template=fragile).decode()
    assert "custom" not in html and "舆情周报" in html and "明德县第一中学" in html


def test_the_cli_shows_and_sets_templates(cli: Cli, tmp_path: Path) -> None:
    shown = cli("report", "template", "show", "daily")
    assert shown.code == 0 and "{{ title }}" in shown.stdout  # the built-in template
    bad = tmp_path / "bad.html"
    bad.write_text("<p>\n{% for x in f.top_events %}\n", encoding="utf-8")
    refused = cli("report", "template", "set", "daily", str(bad))
    assert refused.code == 2
    assert refused.stderr.strip().splitlines()[-1].startswith("yuqing: daily.html:2: 模板错误")
    good = tmp_path / "good.html"
    good.write_text(GOOD, encoding="utf-8")
    done = cli("report", "template", "set", "daily", str(good), "--author", "admin")
    assert done.code == 0, done.stderr
    assert cli("report", "template", "show", "daily").stdout == GOOD
    out = tmp_path / "daily.html"
    made = cli("report", "generate", "daily", "--format", "html", "-o", str(out))
    assert made.code == 0, made.stderr
    assert out.read_text(encoding="utf-8") == "<h1>舆情日报</h1>\n<p>本期帖文 0 条</p>"


# An organization's own layout: its header, 文号, mark and signature written into the
# template itself, a text block of its own, and one figure.
OWN = """<p class="mark">机密★3年</p>
<p class="org">明德县教育局网络舆情工作领导小组</p>
<p class="docno">明德教舆〔2026〕{{ f.posts }}号</p>
<hr class="red">
<h1>{{ title }}</h1>
<h2>工作提示</h2>
<p class="section">请各单位加强值守。
发现问题及时报告。</p>
<table><thead><tr><th>指标</th><th>数值</th></tr></thead>
<tbody><tr><td>帖文</td><td class="n">{{ f.posts }}</td></tr></tbody></table>
<div class="signature"><p>明德县教育局办公室（签章）</p>
{% if doc.issued %}<p>{{ doc.issued.isoformat() }}</p>{% endif %}</div>
"""


def _paragraph(document: docx.document.Document, text: str) -> Paragraph:
    return next(p for p in document.paragraphs if p.text == text)


def check_own_layout(document: docx.document.Document, posts: int) -> None:
    """The DOCX shows what OWN says, laid out as the page shows it."""
    mark = _paragraph(document, "机密★3年")
    assert mark.runs[0].bold
    org = _paragraph(document, "明德县教育局网络舆情工作领导小组")
    assert org.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert org.runs[0].font.color.rgb == RGBColor(0xC0, 0x00, 0x00)
    assert _paragraph(document, f"明德教舆〔2026〕{posts}号").alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert _paragraph(document, "工作提示").style.name == "Heading 1"
    block = next(p for p in document.paragraphs if p.text.startswith("请各单位"))
    assert block.text == "请各单位加强值守。\n发现问题及时报告。"  # its line break kept
    signature = _paragraph(document, "明德县教育局办公室（签章）")
    assert signature.alignment == WD_ALIGN_PARAGRAPH.RIGHT
    [table] = document.tables
    assert [c.text for c in table.rows[1].cells] == ["帖文", str(posts)]
    assert "w:tblHeader" in table._tbl.xml  # its <thead> row repeats on each page
    assert "学校舆情工作领导小组" not in "\n".join(p.text for p in document.paragraphs)


def test_the_docx_follows_the_template_in_force(seeded: Store, cli: Cli, tmp_path: Path) -> None:
    own = tmp_path / "own.html"
    own.write_text(OWN, encoding="utf-8")
    assert cli("report", "template", "set", "weekly", str(own)).code == 0
    period = ["--from", "2026-03-01", "--to", "2026-03-03"]
    figures = tmp_path / "w.json"
    assert cli("report", "generate", "weekly", *period, "-o", str(figures)).code == 0
    posts = json.loads(figures.read_text(encoding="utf-8"))["posts"]
    assert posts == 4
    out = tmp_path / "w.docx"
    made = cli("report", "generate", "weekly", *period, "--format", "docx", "-o", str(out))
    assert made.code == 0, made.stderr
    check_own_layout(docx.Document(str(out)), posts)

    # A template that does not render is refused with its line; the DOCX keeps the one
    # in force.
    bad = tmp_path / "bad.html"
    bad.write_text(OWN + "{{ f.no_such_figure }}\n", encoding="utf-8")
    refused = cli("report", "template", "set", "weekly", str(bad))
    assert refused.code == 2
    assert refused.stderr.strip().splitlines()[-1].startswith("yuqing: weekly.html:13: 模板错误")
    again = cli("report", "generate", "weekly", *period, "--format", "docx", "-o", str(out))
    assert again.code == 0, again.stderr
    check_own_layout(docx.Document(str(out)), posts)


def test_the_docx_leaves_out_pictures_it_would_have_to_fetch() -> None:
    from yuqing.reports import render_docx

    page = (
        '<p>甲<img src="https://example.org/x.png"><img src="file:///etc/passwd">'
        '<img src="data:image/png;base64,bm90IGEgcGljdHVyZQ=="></p>'
        "<script>乙</script><ul><li>一</li><li>二</li></ul>"
    )
    document = docx.Document(io.BytesIO(render_docx.render(page)))
    assert [p.text for p in document.paragraphs] == ["甲", "一", "二"]
    assert not document.inline_shapes


# An incident report's own layout: every part the kind shows, through the names the
# built-in incident template uses, under the organization's header and signature.
OWN_INCIDENT = """<p class="org">明德学校舆情工作领导小组</p>
<p class="docno">专报〔2026〕{{ f.incident }}号</p>
<h1>{{ title }}</h1>
{% for part in parts %}{% if part in texts %}<h2>{{ texts[part][0] }}</h2>
<p class="section">{{ texts[part][1] or "—" }}</p>
{% elif part in tables %}<h2>{{ tables[part].heading }}</h2>
<table><thead><tr>{% for c in tables[part].columns %}<th>{{ c }}</th>{% endfor %}</tr></thead>
<tbody>{% for row in tables[part].rows %}<tr>{% for cell in row %}<td>{{ cell }}</td>{% endfor %}</tr>{% endfor %}</tbody></table>
{% endif %}{% endfor %}
<p>本事件帖文 {{ f.posts }} 条</p>
<div class="signature"><p>学校舆情办公室（签）</p></div>
"""


def test_incident_kinds_have_templates_too(
    incident_case: IncidentCase, cli: Cli, tmp_path: Path
) -> None:
    shown = cli("report", "template", "show", "special")
    assert shown.code == 0 and "header_rows" in shown.stdout  # the built-in incident page
    own = tmp_path / "special.html"
    own.write_text(OWN_INCIDENT, encoding="utf-8")
    done = cli("report", "template", "set", "special", str(own))
    assert done.code == 0, done.stderr
    assert cli("report", "template", "show", "special").stdout == OWN_INCIDENT
    bad = tmp_path / "bad.html"
    bad.write_text("<h1>{{ title }}</h1>\n{{ f.review.nosuch }}\n", encoding="utf-8")
    refused = cli("report", "template", "set", "closing", str(bad))
    assert refused.code == 2
    assert refused.stderr.strip().splitlines()[-1].startswith("yuqing: closing.html:2: 模板错误")

    incident = ["--incident", str(incident_case.incident)]
    out = tmp_path / "special.docx"
    made = cli("report", "generate", "special", *incident, "--format", "docx", "-o", str(out))
    assert made.code == 0, made.stderr
    document = docx.Document(str(out))
    org = _paragraph(document, "明德学校舆情工作领导小组")
    assert org.alignment == WD_ALIGN_PARAGRAPH.CENTER
    assert _paragraph(document, f"专报〔2026〕{incident_case.incident}号")
    assert _paragraph(document, "学校舆情办公室（签）").alignment == WD_ALIGN_PARAGRAPH.RIGHT
    assert _paragraph(document, "本事件帖文 3 条") and _paragraph(document, "处置建议")
    assert not document.inline_shapes  # this template shows no charts
    html = tmp_path / "special.html"
    made = cli("report", "generate", "special", *incident, "--format", "html", "-o", str(html))
    assert made.code == 0 and "学校舆情办公室（签）" in html.read_text(encoding="utf-8")
    # Another kind still prints from the built-in page.
    flash = tmp_path / "flash.docx"
    made = cli("report", "generate", "flash", *incident, "--format", "docx", "-o", str(flash))
    assert made.code == 0, made.stderr
    assert "学校舆情办公室（签）" not in "\n".join(
        p.text for p in docx.Document(str(flash)).paragraphs
    )


def test_every_kinds_built_in_template_passes_its_own_check() -> None:
    for kind in KINDS:
        page = templates_store.check(templates_store.builtin_source(kind), kind=kind)
        assert "示例单位" in page and "示例〔2026〕1号" in page, kind
