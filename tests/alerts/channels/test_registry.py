"""The notifier registry: built-ins and plugins through the `yuqing.notifiers` group."""

from __future__ import annotations

import sys
from importlib.metadata import EntryPoint
from pathlib import Path

import httpx
import pytest

from tests.fakes.notifier import RecordingNotifier
from yuqing.alerts.channels import NotifierRegistry, Target, get_notifier, notifier_kinds
from yuqing.alerts.channels.errors import describe, redact_url, scrub
from yuqing.alerts.channels.registry import BUILTINS, GROUP
from yuqing.core.clock import FrozenClock
from yuqing.core.errors import Conflict, InvalidInput

RECORDING = EntryPoint(
    name="recording", value="tests.fakes.notifier:RecordingNotifier", group=GROUP
)


def test_builtins_are_entry_points_of_the_group() -> None:
    assert {e.group for e in BUILTINS} == {GROUP}
    assert set(notifier_kinds()) >= {"email", "wecom", "dingtalk", "feishu", "webhook", "sms"}


def test_get_notifier_builds_with_config(clock: FrozenClock) -> None:
    with httpx.Client() as http:
        notifier = get_notifier("wecom", http=http, clock=clock, timeout=1.0)
    assert notifier.kind == "wecom"


def test_unknown_kind_lists_the_known_ones() -> None:
    with pytest.raises(InvalidInput, match=r"未知的通知渠道类型 'pager'（可用：dingtalk, email"):
        get_notifier("pager")


def test_a_plugin_entry_point_is_found() -> None:
    registry = NotifierRegistry([RECORDING])
    assert isinstance(registry.create("recording"), RecordingNotifier)


def test_an_installed_plugin_is_read_from_its_dist_info(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "yuqing_pager.py").write_text(
        "class PagerNotifier:\n    kind = 'pager'\n    def send(self, *a, **k): ...\n"
    )
    info = tmp_path / "yuqing_pager-0.1.dist-info"
    info.mkdir()
    (info / "METADATA").write_text("Metadata-Version: 2.1\nName: yuqing-pager\nVersion: 0.1\n")
    (info / "entry_points.txt").write_text(f"[{GROUP}]\npager = yuqing_pager:PagerNotifier\n")
    monkeypatch.syspath_prepend(str(tmp_path))
    monkeypatch.delitem(sys.modules, "yuqing_pager", raising=False)
    registry = NotifierRegistry()  # reads installed entry points, lazily
    assert "pager" in registry.kinds()
    assert registry.create("pager").kind == "pager"


def test_two_classes_for_one_kind_is_a_conflict() -> None:
    clash = EntryPoint(name="wecom", value="tests.fakes.notifier:RecordingNotifier", group=GROUP)
    with pytest.raises(Conflict, match="通知渠道类型 'wecom' 被多个入口点声明："):
        NotifierRegistry([clash]).create("wecom")


def test_an_entry_point_that_is_not_a_notifier_is_refused() -> None:
    wrong = EntryPoint(name="recording", value="tests.fakes.notifier:Sent", group=GROUP)
    with pytest.raises(
        InvalidInput, match=r"入口点 'tests\.fakes\.notifier:Sent' 不是 'recording' 通知渠道"
    ):
        NotifierRegistry([wrong]).create("recording")


def test_urls_and_phones_are_redacted_for_logs() -> None:
    assert redact_url("https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=693a91f6") == (
        "https://qyapi.weixin.qq.com/cgi-bin/webhook/send?key=%2A%2A%2A"
    )
    assert redact_url(
        "https://open.feishu.cn/open-apis/bot/v2/hook/5e3d587e-d78e-4a07-bd07-265f269f86fd"
    ) == ("https://open.feishu.cn/open-apis/bot/v2/hook/***")
    assert (
        describe(Target(kind="sms", address="13800138000", recipient="张三"))
        == "张三 <138****8000>"
    )
    assert scrub("bad key sk-123456 in\nreply", ["sk-123456"]) == "bad key *** in reply"
