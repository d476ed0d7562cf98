"""Pytest fixtures for the channel fakes; import them into a conftest to use them.

```python
from tests.fakes.fixtures import robots, smtp_server  # noqa: F401
```
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest

from tests.fakes.robots import FakeRobots
from tests.fakes.smtp import FakeSmtp
from yuqing.core.clock import FrozenClock


@pytest.fixture
def robots(clock: FrozenClock) -> Iterator[FakeRobots]:
    """WeCom, DingTalk, Feishu, webhook and SMS fakes on 127.0.0.1, on the test's clock."""
    fake = FakeRobots(clock)
    yield fake
    fake.close()


@pytest.fixture
def smtp_server() -> Iterator[FakeSmtp]:
    """A real SMTP server on 127.0.0.1 that records what it accepts."""
    server = FakeSmtp()
    yield server
    server.close()
