"""Babel catalogs: zh_CN by default, English with YUQING_LANG, catalogs complete and compiled."""

from __future__ import annotations

import gettext
import json
import re
import subprocess
import sys
from pathlib import Path
from types import SimpleNamespace

import pytest
from babel.messages.catalog import Catalog
from babel.messages.extract import extract_from_dir
from babel.messages.frontend import parse_mapping_cfg
from babel.messages.mofile import write_mo
from babel.messages.pofile import read_po

from tests.conftest import ROOT, Cli
from yuqing.alerts.channels import markup
from yuqing.core import i18n
from yuqing.core.i18n import _, current_locale, ngettext, translations, use_locale

LOCALE_DIR = ROOT / "src" / "yuqing" / "locale"
POT = LOCALE_DIR / "messages.pot"
# {name}, {name!r}, {n:3d} and %(name)s: what a translation must keep.
_PLACEHOLDER = re.compile(r"\{([A-Za-z_]\w*)(?:![rsa])?(?::[^}]*)?\}|%\((\w+)\)[sd]")


def _read(path: Path, locale: str | None = None) -> Catalog:
    with path.open("rb") as handle:
        return read_po(handle, locale=locale)


def _po(locale: str) -> Path:
    return LOCALE_DIR / locale / "LC_MESSAGES" / "messages.po"


def _placeholders(text: str) -> set[str]:
    return {a or b for a, b in _PLACEHOLDER.findall(text)}


@pytest.fixture
def default_language(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("YUQING_LANG", raising=False)


@pytest.mark.usefixtures("default_language")
def test_simplified_chinese_is_the_default() -> None:
    assert current_locale() == "zh_CN"
    assert _("Acknowledge") == "确认收到"
    assert ngettext("{n} level", "{n} levels", 4).format(n=4) == "4 个级别"
    assert markup.bracketed(markup.label("二级"), "标题") == "【二级预警】标题"


@pytest.mark.parametrize(
    ("value", "locale"),
    [
        ("en", "en"),
        ("EN", "en"),
        ("en_US.UTF-8", "en"),
        ("en-GB", "en"),
        ("zh_CN", "zh_CN"),
        ("zh", "zh_CN"),
        ("zh-Hans-CN", "zh_CN"),
        ("zh_TW", "zh_CN"),  # the only Chinese catalog is Simplified
        ("fr", "zh_CN"),  # unknown: the default, not an error
        ("", "zh_CN"),
    ],
)
def test_yuqing_lang_picks_the_language(
    monkeypatch: pytest.MonkeyPatch, value: str, locale: str
) -> None:
    monkeypatch.setenv("YUQING_LANG", value)
    assert current_locale() == locale
    assert _("no alerts") == {"en": "no alerts", "zh_CN": "没有预警"}[locale]


@pytest.mark.usefixtures("default_language")
def test_a_block_speaks_its_own_language() -> None:
    with use_locale("en") as chosen:
        assert chosen == "en"
        assert _("Acknowledge") == "Acknowledge"
        assert markup.bracketed(markup.label("II"), "Title") == "[II alert] Title"
        assert ngettext("{n} level", "{n} levels", 1).format(n=1) == "1 level"
        with use_locale("zh_CN"):
            assert _("Acknowledge") == "确认收到"
        assert _("Acknowledge") == "Acknowledge"
    assert _("Acknowledge") == "确认收到"
    # A recipient's language without touching the one in force.
    assert translations("en").gettext("no alerts") == "no alerts"
    assert translations("zh").gettext("no alerts") == "没有预警"


def test_each_catalog_is_read_once() -> None:
    assert translations("zh_CN") is translations("zh-CN") is translations("zh")
    assert translations("en") is translations("en_US")
    assert i18n._load.cache_info().currsize <= len(i18n.LOCALES)


def test_help_does_not_import_babel() -> None:
    """`yuqing --help` stays fast: babel is imported on the first lookup only."""
    code = "import sys, yuqing.cli.main; print('babel' in sys.modules)"
    proc = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, cwd=ROOT, timeout=60, check=True
    )
    assert proc.stdout.decode().strip() == "False"


def test_the_cli_speaks_chinese_by_default_and_english_on_request(cli: Cli) -> None:
    chinese = Cli({k: v for k, v in cli.env.items() if k != "YUQING_LANG"})
    english = Cli({**cli.env, "YUQING_LANG": "en"})
    added = chinese("source", "add", "feed", "--kind", "rss", "--url", "https://e.cn/feed.xml")
    assert added.code == 0 and added.stdout == "已添加信息源 'feed'（rss，每 900 秒）\n"
    added = english("source", "add", "news", "--kind", "rss", "--url", "https://e.cn/news.xml")
    assert added.code == 0 and added.stdout == "added source 'news' (rss, every 900 s)\n"
    assert "\t采集 0 保留 0\t最近成功 从未\t" in chinese("source", "list").stdout
    assert "\tseen 0 kept 0\tlast ok never\t" in english("source", "list").stdout
    # JSON is for machines (CONTRACTS): the same in every language.
    rows = chinese("source", "list", "--json").stdout
    assert rows == english("source", "list", "--json").stdout
    assert [json.loads(r)["name"] for r in rows.splitlines()] == ["feed", "news"]
    # Errors: one line, the same exit code.
    missing = chinese("plan", "show")
    assert (missing.code, missing.stderr) == (3, "yuqing: 尚未载入预案（yuqing plan load FILE）\n")
    missing = english("plan", "show")
    assert (missing.code, missing.stderr) == (
        3,
        "yuqing: no plan loaded yet (yuqing plan load FILE)\n",
    )


@pytest.mark.usefixtures("default_language")
def test_plan_problems_keep_file_and_line(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    from yuqing.plan.loading import check_plan

    plan = tmp_path / "plan.yaml"
    plan.write_text("organization: {name: 学校}\norganization: {name: 学校}\n", encoding="utf-8")
    chinese = f"{plan}:2: 重复的键 'organization'（首次出现在第 1 行）；每个键只能出现一次"
    assert chinese in check_plan(plan)
    monkeypatch.setenv("YUQING_LANG", "en")
    english = f"{plan}:2: duplicate key 'organization' (first on line 1); expected each key once"
    assert english in check_plan(plan)


def test_the_acknowledgement_page_in_both_languages() -> None:
    from yuqing.web.pages import TEMPLATES

    # The layout needs the form's CSRF token: give it one.
    page = TEMPLATES.env.from_string('{% set csrf_token = "t" %}{% include "ack.html" %}')
    open_alert = SimpleNamespace(
        title="<b>食堂</b>", level="II", text="正文", texts=None, acknowledged_at=None
    )
    done = SimpleNamespace(
        title="标题",
        level="II",
        text="正文",
        texts=None,
        acknowledged_at=1,
        acknowledged_by="<i>李</i>",
    )
    with use_locale("zh_CN"):
        html = page.render(alert=open_alert, acknowledged_local="")
        assert '<html lang="zh-CN">' in html and "<title>确认收到预警 · YuQing</title>" in html
        assert "级别：II" in html and "姓名" in html and ">确认收到</button>" in html
        assert "&lt;b&gt;食堂" in html
        html = page.render(alert=done, acknowledged_local="03-01 09:00")
        assert "已由 &lt;i&gt;李&lt;/i&gt; 于 03-01 09:00 确认收到。" in html
    with use_locale("en"):
        html = page.render(alert=open_alert, acknowledged_local="")
        assert '<html lang="en">' in html and "Level: II" in html
        assert ">Acknowledge</button>" in html and "确认收到" not in html
        html = page.render(alert=done, acknowledged_local="03-01 09:00")
        assert "Acknowledged by &lt;i&gt;李&lt;/i&gt; at 03-01 09:00." in html


def test_the_template_lists_what_the_code_says() -> None:
    """messages.pot is current: `make i18n` was run after the last text change."""
    with (ROOT / "babel.cfg").open(encoding="utf-8") as cfg:
        method_map, options_map = parse_mapping_cfg(cfg)
    found = {
        (context, msgid if isinstance(msgid, str) else msgid[0])
        for _file, _line, msgid, _comments, context in extract_from_dir(
            ROOT, method_map, options_map, comment_tags=("TRANSLATORS:",)
        )
    }
    listed = {(m.context, m.id if isinstance(m.id, str) else m.id[0]) for m in _read(POT) if m.id}
    assert found == listed


def test_every_message_has_a_chinese_translation() -> None:
    template = _read(POT)
    chinese = _read(_po("zh_CN"), "zh_CN")
    assert len(template) > 100
    for message in template:
        if not message.id:
            continue
        translated = chinese.get(message.id, context=message.context)
        assert translated is not None, f"not in zh_CN: {message.id!r}"
        assert not translated.fuzzy, f"fuzzy in zh_CN: {message.id!r}"
        strings = translated.string if isinstance(translated.string, tuple) else [translated.string]
        assert all(strings), f"untranslated in zh_CN: {message.id!r}"
        ids = message.id if isinstance(message.id, tuple) else (message.id,)
        for string in strings:
            # A translation that drops or renames a placeholder fails at run time.
            assert _placeholders(string) == _placeholders(ids[0]), message.id


def _messages(path: Path) -> dict[object, str]:
    """A compiled catalog's messages, without its header (which names the Babel version)."""
    with path.open("rb") as handle:
        catalog: dict[object, str] = gettext.GNUTranslations(handle)._catalog  # type: ignore[attr-defined]
    return {key: value for key, value in catalog.items() if key != ""}


@pytest.mark.parametrize("locale", i18n.LOCALES)
def test_the_committed_mo_files_match_the_po_files(locale: str, tmp_path: Path) -> None:
    fresh = tmp_path / f"{locale}.mo"
    with fresh.open("wb") as handle:
        write_mo(handle, _read(_po(locale), locale))  # what `pybabel compile` writes
    committed = LOCALE_DIR / locale / "LC_MESSAGES" / "messages.mo"
    assert _messages(committed) == _messages(fresh), "run `make i18n`"
