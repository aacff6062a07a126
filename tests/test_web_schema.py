"""Property-based checks of the JSON API from its own OpenAPI schema
(schemathesis, in-process over ASGI): whatever the generated requests hold,
signed in with an API token or not, the app never answers with a server error."""

from __future__ import annotations

import os
import tempfile
from pathlib import Path

import httpx
import pytest

schemathesis = pytest.importorskip("schemathesis")
from hypothesis import HealthCheck, settings  # noqa: E402
from schemathesis.checks import not_a_server_error  # noqa: E402

from web_helpers import add_user, api_token, build_store, make_app  # noqa: E402

pytestmark = pytest.mark.slow
#: Examples per operation: ~25 operations, about a minute in all on a slow CI core.
#: PAPERRADAR_FUZZ_EXAMPLES=500 for a longer campaign on demand.
EXAMPLES = int(os.environ.get("PAPERRADAR_FUZZ_EXAMPLES", "20"))


def offline_http():
    """Online ingests the fuzzer starts get canned 404s: no network in tests."""
    from paperradar.sources.http import Http

    return Http(transport=httpx.MockTransport(lambda request: httpx.Response(404)), sleep=lambda s: None,
                retries=0)


class SwitchableApp:
    """ASGI: the schema is read (at collection) from an app over an empty store;
    the generated requests go to the test's app over the real papers."""

    def __init__(self):
        self._empty = tempfile.TemporaryDirectory(prefix="paperradar-schema-")
        self.skeleton = make_app(Path(self._empty.name) / "empty.db")
        self.target = None

    async def __call__(self, scope, receive, send):
        await (self.target or self.skeleton)(scope, receive, send)


ASGI = SwitchableApp()
schema = schemathesis.openapi.from_asgi("/openapi.json", ASGI)


@pytest.fixture(scope="module")
def web_app(tmp_path_factory):
    db = build_store(tmp_path_factory.mktemp("web-schema"))
    app = make_app(db, http_factory=offline_http, token_failures_per_ip=1_000_000)
    add_user(app, "fuzz")
    app.state.fuzz_token = api_token(app, "fuzz")
    ASGI.target = app
    yield app
    ASGI.target = None


@schema.parametrize()
@settings(max_examples=EXAMPLES, deadline=None, derandomize=True,
          suppress_health_check=list(HealthCheck))
def test_no_server_errors_signed_in(case, web_app):
    case.call_and_validate(headers={"Authorization": f"Bearer {web_app.state.fuzz_token}"},
                           checks=[not_a_server_error])


@schema.parametrize()
@settings(max_examples=5, deadline=None, derandomize=True, suppress_health_check=list(HealthCheck))
def test_no_server_errors_anonymous(case, web_app):
    response = case.call()
    assert response.status_code < 500, response.text
