"""schemathesis over the registry endpoints: whatever a client sends, never a server error."""

import pytest
import schemathesis
from django.core import signals
from django.db import close_old_connections
from hypothesis import HealthCheck, settings
from schemathesis.checks import not_a_server_error

from accounts.choices import Role
from accounts.services import issue_api_key
from config.wsgi import application
from tests.factories import InstitutionFactory, PractitionerFactory, make_scheme, make_user, region

# Loaded at import (the schema view needs no database); schemathesis' lazy fixture loader
# relies on a pytest internal that pytest 9 removed.
schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(
    path_regex=r"^/api/v1/(regions|institutions|practitioners|insurers|rating-schemes|policies|coverage)"
)


@pytest.fixture
def regulator_key(db):
    home = InstitutionFactory(region=region("440106"))
    PractitionerFactory(institution=home)
    make_scheme("440000", 2026)
    _, raw = issue_api_key(user=make_user(Role.INSTITUTION, institution=home))
    # Like Django's test client: keep the test's connection (and its transaction) open across
    # requests, which a real WSGI request would otherwise close when it finishes.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield raw
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors(case, regulator_key):  # an institution user: it may write policies
    case.call_and_validate(headers={"Authorization": f"Bearer {regulator_key}"}, checks=[not_a_server_error])
