"""Fixtures for the verifyd conformance suite.

- `server`: one verifyd process for the whole run (tests make fresh objects, so they can
  share it); `fresh_server`: a new process on an empty database, for tests that need
  one (list ordering across pages, empty lists). While `fresh_server` is active the SDK
  points at it.
- Every test runs with the SDK configured against the server (stripe.api_base, a test
  secret key, no retries, the recording HTTP client).
- After each test body, every response recorded during the test (setup included) is
  validated against Stripe's OpenAPI spec and must carry a `Request-Id: req_…` header;
  any problem fails the test.
"""

from __future__ import annotations

import pytest
import stripe

import harness
from harness import HTTP_CLIENT, RECORDER, SK_TEST, VerifydServer


@pytest.fixture(scope="session")
def server():
    srv = VerifydServer("shared")
    try:
        srv.start()
    except Exception:
        srv.stop()
        raise
    yield srv
    srv.stop()


@pytest.fixture(scope="session")
def spec_validator():
    return harness.validator()


@pytest.fixture(autouse=True)
def sdk(request, spec_validator):
    """Point the module-level stripe-python configuration at the shared server.

    Tests marked `no_server` (self-tests of the harness) run without a server."""
    if request.node.get_closest_marker("no_server"):
        yield None
        return
    server = request.getfixturevalue("server")
    saved = (
        stripe.api_base, stripe.api_key, stripe.max_network_retries, stripe.default_http_client,
    )
    stripe.api_base = server.base_url
    stripe.api_key = SK_TEST
    stripe.max_network_retries = 0
    stripe.default_http_client = HTTP_CLIENT
    yield server
    (
        stripe.api_base, stripe.api_key, stripe.max_network_retries, stripe.default_http_client,
    ) = saved


@pytest.fixture
def fresh_server(sdk):
    """A brand-new verifyd on an empty database; the SDK talks to it for this test."""
    srv = VerifydServer("fresh")
    try:
        srv.start()
    except Exception:
        srv.stop()
        raise
    previous = stripe.api_base
    stripe.api_base = srv.base_url
    yield srv
    stripe.api_base = previous
    srv.stop()


@pytest.fixture
def recorder():
    return RECORDER


@pytest.hookimpl(wrapper=True)
def pytest_runtest_setup(item):
    RECORDER.clear()
    return (yield)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    try:
        result = yield
    except BaseException:
        problems = _spec_problems()
        if problems:
            item.add_report_section("call", "openapi", "\n".join(problems))
        raise
    problems = _spec_problems()
    if problems:
        pytest.fail(
            f"{len(problems)} response problem(s) against the OpenAPI spec / headers:\n  "
            + "\n  ".join(problems),
            pytrace=False,
        )
    return result


def _spec_problems() -> list[str]:
    try:
        v = harness.validator()
    except Exception as e:  # the spec itself is missing: say so once per test
        return [f"cannot load OpenAPI spec: {e}"]
    return v.check_all(RECORDER.exchanges)
