"""Fixtures for the channel tests: the fakes, an HTTP client, one alert message."""

from __future__ import annotations

from collections.abc import Iterator

import httpx
import pytest

from tests.fakes.fixtures import robots, smtp_server
from yuqing.alerts.channels import Message

__all__ = ["alert_message", "http", "robots", "smtp_server"]


@pytest.fixture
def http() -> Iterator[httpx.Client]:
    """A plain client; each test's notifier sets its own short timeout where it matters."""
    with httpx.Client(timeout=5.0) as client:
        yield client


@pytest.fixture
def alert_message() -> Message:
    """A level-II alert about a school canteen story, in Chinese."""
    return Message(
        title="某中学食堂食品安全舆情",
        text="多名家长在微博反映孩子午餐后腹痛，相关帖子两小时内转发超过三千次。请值班人员立即核实。",
        level="二级",
        level_colour="orange",
        url="https://yuqing.example.cn/ack/7Kq2",
        event_id="ev-20260302-0042",
        alert_id=42,
    )
