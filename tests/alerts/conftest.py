"""Fixtures of the alerts tests: the channel fakes."""

from tests.fakes.fixtures import robots, smtp_server  # noqa: F401 - pytest fixtures
