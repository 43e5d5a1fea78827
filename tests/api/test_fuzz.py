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
    path_regex=r"^/api/v1/(regions|institutions|practitioners|insurers|rating-schemes|policies|coverage|incidents|claims)"
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


# Incidents and claims as the insurer's machine client sees them: a claim of its own exists, so
# the actions meet a real object now and then (ids are small in a fresh test database).
claims_schema = schemathesis.openapi.from_wsgi("/api/schema/", application).include(
    path_regex=r"^/api/v1/(incidents|claims)"
)


@pytest.fixture
def insurer_key(db):
    from datetime import timedelta
    from decimal import Decimal

    from django.utils import timezone

    from insurance.services import claims as claim_services
    from tests.claims.conftest import active_policy, incident

    home = InstitutionFactory(region=region("440106"))
    for year in {2026, timezone.localdate().year, (timezone.localdate() - timedelta(days=100)).year}:
        make_scheme("440000", year)
    institution = make_user(Role.INSTITUTION, institution=home)
    insurer = make_user(Role.INSURER)
    policy = active_policy(home, institution, insurer)
    event = incident(institution)
    claim_services.create_claim(actor=institution, policy_id=policy.pk, incident_id=event.pk, section="general",
                                claimed_amount=Decimal("3000.00"))
    _, raw = issue_api_key(user=insurer)
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield raw
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


@claims_schema.parametrize()
@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
def test_no_server_errors_for_the_insurer_api(case, insurer_key):
    case.call_and_validate(headers={"Authorization": f"Bearer {insurer_key}"}, checks=[not_a_server_error])
