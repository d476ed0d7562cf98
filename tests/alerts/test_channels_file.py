"""The channels file (`$YUQING_HOME/channels.yaml`, docs/alerts.md): every problem is one
line naming the file, never an internal error of the worker or `yuqing alerts dispatch`."""

from __future__ import annotations

from pathlib import Path

import pytest

from yuqing.alerts.sending import load_channel_settings
from yuqing.core.errors import InvalidInput
from yuqing.core.i18n import use_locale


def test_the_documented_example_loads(tmp_path: Path) -> None:
    (tmp_path / "channels.yaml").write_text(
        "smtp: {host: smtp.example.cn, port: 587, starttls: true, sender: yuqing@example.cn}\n"
        'sms: {endpoint: https://sms.example.cn/api/send, api_key: "k", sender: 明德县}\n'
        'secrets:\n  "https://oapi.dingtalk.com/robot/send?access_token=abc": "SEC1"\n'
        "ack_base_url: https://yuqing.example.cn\n",
        encoding="utf-8",
    )
    settings = load_channel_settings(tmp_path, environ={})
    assert settings.smtp["port"] == 587 and settings.sms["sender"] == "明德县"
    assert settings.ack_base_url == "https://yuqing.example.cn"
    assert load_channel_settings(tmp_path / "none", environ={}).smtp == {}


@pytest.mark.parametrize(
    ("text", "message"),
    [
        # docs18: these three were `内部错误：TypeError` / `AttributeError` (exit 70)
        ("smtp: 5\n", "'smtp' must be a mapping of settings"),
        ("secrets: [1, 2]\n", "'secrets' must be a mapping of settings"),
        ("secrets: {a: [1]}\n", "'secrets' maps each webhook address to its secret, as text"),
        ("ack_base_url: [1]\n", "'ack_base_url' must be an http:// or https:// address"),
        # and these were several lines of the YAML library's, without the line or with two
        ("smtp: {host: a}\nsmtp: {host: b}\n", "2: duplicate key 'smtp' (first on line 1)"),
        ('sms: {}\nx: "\0"\n', "2: character #x0000 is not allowed in YAML"),
        ("smtp: [1\n", "2: expected ',' or ']', but got '<stream end>'"),
        ("smtp: " + "[" * 1000, "1: YAML nests deeper than 64 levels"),
        ("smtp: {}\nbogus: 1\n", "unknown keys ['bogus']"),
    ],
)
def test_a_bad_channels_file_is_one_line_naming_it(tmp_path: Path, text: str, message: str) -> None:
    path = tmp_path / "c.yaml"
    path.write_text(text, encoding="utf-8")
    with use_locale("en"), pytest.raises(InvalidInput) as info:
        load_channel_settings(tmp_path, environ={"YUQING_CHANNELS": str(path)})
    assert str(info.value).startswith(str(path)) and message in str(info.value)
    assert "\n" not in str(info.value)
    with pytest.raises(InvalidInput) as info:  # the server's language: Chinese
        load_channel_settings(tmp_path, environ={"YUQING_CHANNELS": str(path)})
    assert str(info.value).startswith(str(path)) and "\n" not in str(info.value)
