"""The report pages' tests use the web app's fixtures and the reported incident."""

from tests.reports.incident_fixtures import incident_case_fixture  # noqa: F401 - fixtures
from tests.web.conftest import app, client, signed_in, users  # noqa: F401 - fixtures
