"""Self-tests of the OpenAPI check itself, so a silent validator cannot pass a broken server."""

import copy
import json

import pytest

import harness
from harness import FIXTURES_PATH, Exchange
from requests.structures import CaseInsensitiveDict

pytestmark = pytest.mark.no_server

FIXTURES = json.loads(FIXTURES_PATH.read_text())
SESSION = FIXTURES["identity.verification_session"]


def exchange(method, path, status, body, request_id="req_selftest0001"):
    headers = CaseInsensitiveDict({"Request-Id": request_id} if request_id else {})
    raw = body if isinstance(body, bytes) else json.dumps(body).encode()
    return Exchange("raw", method, "http://x" + path, path, "", CaseInsensitiveDict(), None,
                    status, headers, raw)


def problems(ex):
    return harness.validator().problems(ex)


def test_stripe_fixture_session_validates_as_a_retrieve_response():
    assert problems(exchange("get", "/v1/identity/verification_sessions/vs_1", 200, SESSION)) == []


def test_nullable_fields_accept_null_including_anyof_wrapped_objects():
    s = copy.deepcopy(SESSION)
    for k in ("last_error", "options", "redaction", "client_secret", "url", "client_reference_id",
              "last_verification_report"):
        s[k] = None
    assert problems(exchange("post", "/v1/identity/verification_sessions", 200, s)) == []


def test_non_nullable_field_set_to_null_is_reported():
    s = dict(SESSION, metadata=None)
    out = problems(exchange("get", "/v1/identity/verification_sessions/vs_1", 200, s))
    assert out and "metadata" in out[0]


def test_bad_enum_value_is_reported():
    s = dict(SESSION, status="bogus")
    assert problems(exchange("get", "/v1/identity/verification_sessions/vs_1", 200, s))


def test_missing_required_key_is_reported():
    s = dict(SESSION)
    del s["related_customer"]
    assert problems(exchange("get", "/v1/identity/verification_sessions/vs_1", 200, s))


@pytest.mark.skipif(not harness.STRICT_PROPERTIES, reason="strict property check disabled")
def test_undeclared_key_is_reported_in_strict_mode():
    s = dict(SESSION, surprise=1)
    assert problems(exchange("get", "/v1/identity/verification_sessions/vs_1", 200, s))


def test_list_response_validates_and_checks_its_items():
    good = {"object": "list", "url": "/v1/identity/verification_sessions", "has_more": False,
            "data": [SESSION]}
    assert problems(exchange("get", "/v1/identity/verification_sessions", 200, good)) == []
    bad = dict(good, data=[dict(SESSION, livemode="no")])
    assert problems(exchange("get", "/v1/identity/verification_sessions", 200, bad))


def test_error_responses_use_the_default_error_schema():
    err = {"error": {"type": "invalid_request_error", "code": "resource_missing",
                     "message": "No such identity.verification_session: 'vs_x'", "param": "id"}}
    assert problems(exchange("get", "/v1/identity/verification_sessions/vs_x", 404, err)) == []
    assert problems(exchange("get", "/v1/identity/verification_sessions/vs_x", 404, {"message": "x"}))
    bad_type = {"error": {"type": "not_a_type"}}
    assert problems(exchange("post", "/v1/identity/verification_sessions", 400, bad_type))


def test_missing_or_malformed_request_id_header_is_reported():
    url = "/v1/identity/verification_sessions/vs_1"
    assert problems(exchange("get", url, 200, SESSION, request_id=None))
    assert problems(exchange("get", url, 200, SESSION, request_id="abc"))


def test_non_json_body_is_reported():
    assert problems(exchange("get", "/v1/identity/verification_sessions/vs_1", 200, b"<html>"))
