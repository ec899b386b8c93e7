"""Schemathesis against the app's own `/openapi.json`, on the real 2021 night: whatever the generated
paths, queries, headers and bodies (a desk token sent along, so posted CSV reaches the importer), the
API answers without a server error, as its schema says."""

from __future__ import annotations

import pytest
import schemathesis
from hypothesis import HealthCheck, given, settings
from schemathesis import Case
from schemathesis.checks import positive_data_acceptance

from tallyroom.reference import Reference
from tallyroom.web.accounts import Role, add_user, issue_token
from tallyroom.web.app import create_app
from tallyroom.web.site import Site
from tests.conftest import NIGHT, copy_of, demo_store

TOKEN: dict[str, str] = {}


@pytest.fixture(scope="module")
def api(tmp_path_factory: pytest.TempPathFactory, ref: Reference) -> schemathesis.BaseSchema:
    store = demo_store(tmp_path_factory.mktemp("fuzz") / "demo.db", ref)
    engine = copy_of(store, tmp_path_factory.mktemp("fuzz-copy"))
    add_user(engine, "fuzz", Role.REPORTER, "a long fuzzing password")
    TOKEN["bearer"] = issue_token(engine, "fuzz")
    app = create_app(Site.open(engine, ref, NIGHT))
    return schemathesis.openapi.from_asgi("/openapi.json", app).exclude(path="/live")  # a stream never ends


def test_the_api_answers_anything_without_a_server_error(api: schemathesis.BaseSchema) -> None:
    operations = [result.ok() for result in api.get_all_operations()]
    assert len(operations) >= 12
    for operation in operations:

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
        @given(operation.as_strategy())
        def answered(case: Case) -> None:
            response = case.call(headers={"Authorization": f"Bearer {TOKEN['bearer']}"})
            assert response.status_code < 500, f"{case.method} {case.formatted_path}: {response.text}"
            # A generated string is valid "text/csv" to the schema, and rightly refused by the importer.
            case.validate_response(response, excluded_checks=[positive_data_acceptance])

        answered()
