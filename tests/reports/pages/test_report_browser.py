"""The report pages in Debian's Chromium (Playwright) against the seeded site of
tests/web/test_browser.py: the office generates a bulletin and edits its opening
paragraph in the browser, a leader signs it from a phone, the signed page shows its hash
and no longer offers the form."""

from __future__ import annotations

import re
from collections.abc import Callable, Iterator

import httpx
import pytest

from tests.conftest import Store
from tests.web.test_browser import (  # noqa: F401 - fixtures
    Page,
    browser,
    open_page,
    seeded_site,
    shoot,
    sign_in,
)
from yuqing.core.clock import FrozenClock

EDITED = "本周校园舆情总体平稳，食堂问题已处置完毕。"


@pytest.fixture(scope="module")
def site(tmp_path_factory: pytest.TempPathFactory) -> Iterator[tuple[str, httpx.Client]]:
    seeded: tuple[str, httpx.Client, Store, FrozenClock]
    with seeded_site(tmp_path_factory.mktemp("report-browser")) as seeded:
        yield seeded[0], seeded[1]


def test_a_bulletin_is_edited_in_the_browser_and_signed_from_a_phone(
    open_page: Callable[..., Page],  # noqa: F811 - the imported fixture
) -> None:
    office = open_page()
    sign_in(office, "office")
    office.goto("/reports")
    office.select_option("select[name=kind] >> nth=1", "bulletin")
    office.get_by_role("button", name="生成").click()
    office.wait_for_url(re.compile(r"/reports/\d+$"))
    path = office.url.split("://", 1)[1].split("/", 1)[1]
    summary = office.get_by_label("概况")
    assert "帖文" in summary.input_value()
    summary.fill(EDITED)
    office.get_by_role("button", name="保存").click()
    office.wait_for_url(re.compile(r"/reports/\d+$"))
    assert office.get_by_label("概况").input_value() == EDITED
    assert office.get_by_role("button", name="签发").count() == 0  # the office drafts
    shoot(office, "report-draft")

    phone = open_page(390)
    sign_in(phone, "leader")
    phone.goto(f"/{path}")
    phone.get_by_role("button", name="签发").click()
    phone.wait_for_url(re.compile(r"/reports/\d+$"))
    main = phone.inner_text("main")
    assert "SHA-256" in main and EDITED in main and "已签发" in main
    assert phone.locator("textarea").count() == 0
    assert phone.evaluate("document.documentElement.scrollWidth") <= 390 + 1
    shoot(phone, "report-signed")

    preview = open_page()
    sign_in(preview, "office")
    preview.goto(f"/{path}/preview")
    assert EDITED in preview.inner_text("body")
    for page in (office, phone, preview):
        assert page.errors == []  # type: ignore[attr-defined]
