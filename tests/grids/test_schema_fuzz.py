"""The OpenAPI schema is valid, and every operation in it survives generated input.

Schemathesis derives requests from the schema (valid and invalid bodies,
paths and query strings) and sends them through the WSGI app as a signed-in
grid worker; no answer may be a 5xx or contradict the schema.
"""

from collections import Counter

import pytest
import schemathesis
from django.core import signals
from django.core.wsgi import get_wsgi_application
from django.db import close_old_connections
from drf_spectacular.validation import validate_schema
from hypothesis import HealthCheck, given, settings
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import response_schema_conformance

from accounts.tokens import token_issue
from grids.models import Role


@pytest.fixture
def api_schema(db):
    # The WSGI handler closes the database connection after each request; in a
    # test that would close the test's own transaction.
    signals.request_started.disconnect(close_old_connections)
    signals.request_finished.disconnect(close_old_connections)
    yield schemathesis.openapi.from_wsgi("/api/schema/", get_wsgi_application())
    signals.request_started.connect(close_old_connections)
    signals.request_finished.connect(close_old_connections)


def test_the_schema_is_valid_openapi(client):
    response = client.get(
        "/api/schema/", HTTP_ACCEPT="application/vnd.oai.openapi+json"
    )
    assert response.status_code == 200
    validate_schema(response.json())  # raises on any violation of OpenAPI 3


@pytest.fixture
def worker(make_user, tree, registry_rows):
    return make_user(Role.GRID_WORKER, tree["G1"])


def test_no_operation_fails_or_breaks_its_schema(api_schema, worker):
    # Driven by hand rather than through schemathesis' pytest plugin, which
    # does not run under pytest 9. Each case signs in afresh: generated calls
    # refresh and revoke tokens too.
    statuses = Counter()
    operations = [result.ok() for result in api_schema.get_all_operations()]
    assert len(operations) >= 15

    for operation in operations:

        @settings(
            max_examples=25,
            deadline=None,
            database=None,
            suppress_health_check=list(HealthCheck),
        )
        @given(case=operation.as_strategy())
        def survives(case):
            token = token_issue(user=worker, device_name="fuzz")[1]
            response = case.call_and_validate(
                headers={"Authorization": f"Bearer {token}"},
                checks=[not_a_server_error, response_schema_conformance],
            )
            statuses[response.status_code // 100] += 1

        survives()
    # Not a vacuous run: the generated calls got through to real answers.
    assert statuses[2] >= 50
    assert statuses[4] >= 50
