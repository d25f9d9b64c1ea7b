"""Wire-level conventions (behaviours §7.1, §7.2, §7.8) and the StripeClient style of the SDK."""

import urllib.request

import pytest
import stripe

from harness import HTTP_CLIENT, RECORDER, SK_TEST, raw, raw_json, unique

VS = stripe.identity.VerificationSession
COLLECTION = "/v1/identity/verification_sessions"


def test_root_answers_200_without_authentication(server):
    with urllib.request.urlopen(server.base_url + "/", timeout=10) as r:
        assert r.status == 200


def test_stripe_client_with_base_addresses_drives_the_whole_lifecycle(server):
    client = stripe.StripeClient(
        SK_TEST,
        base_addresses={"api": server.base_url},
        http_client=HTTP_CLIENT,
        max_network_retries=0,
    )
    sessions = client.v1.identity.verification_sessions
    ref = unique("ref")
    s = sessions.create(params={"type": "document", "client_reference_id": ref,
                                "metadata": {"via": "StripeClient"}})
    assert s.status == "requires_input"
    assert sessions.retrieve(s.id).id == s.id
    u = sessions.update(s.id, params={"metadata": {"step": "2"}})
    assert u.metadata.to_dict() == {"via": "StripeClient", "step": "2"}
    assert [x.id for x in sessions.list(params={"client_reference_id": ref}).data] == [s.id]
    c = sessions.cancel(s.id)
    assert c.status == "canceled"
    with pytest.raises(stripe.InvalidRequestError) as ei:
        sessions.retrieve("vs_doesnotexist")
    assert ei.value.http_status == 404
    reports = client.v1.identity.verification_reports.list(params={"limit": 1})
    assert reports.object == "list"
    assert RECORDER.exchanges, "StripeClient traffic was not recorded"


def test_http_basic_auth_with_the_secret_key_as_username_is_accepted():
    r = raw("GET", COLLECTION, key=SK_TEST, basic_auth=True, params={"limit": 1})
    assert r.status_code == 200
    assert r.json()["object"] == "list"


def test_missing_api_key_is_401_with_stripes_message():
    r = raw("GET", COLLECTION, key=None)
    assert r.status_code == 401
    err = r.json()["error"]
    assert err["type"] == "invalid_request_error"
    assert err["message"].startswith("You did not provide an API key.")


def test_responses_are_json_with_request_id_headers():
    r = raw("POST", COLLECTION, data={"type": "document"})
    assert r.status_code == 200
    assert r.headers["Content-Type"].startswith("application/json")
    assert r.headers["Request-Id"].startswith("req_")
    other = raw("GET", COLLECTION + "/" + r.json()["id"])
    assert other.headers["Request-Id"] != r.headers["Request-Id"]


def test_form_bodies_accept_empty_bracket_arrays_and_nested_keys():
    r = raw("POST", COLLECTION, data=[
        ("type", "document"),
        ("options[document][allowed_types][]", "passport"),
        ("options[document][allowed_types][]", "id_card"),
        ("options[document][require_live_capture]", "true"),
        ("metadata[order]", "42"),
        ("expand[]", "provided_details"),
        ("provided_details[email]", "x@example.com"),
    ])
    assert r.status_code == 200, r.text
    body = r.json()
    assert body["options"] == {"document": {"allowed_types": ["passport", "id_card"],
                                            "require_live_capture": True}}
    assert body["metadata"] == {"order": "42"}
    assert body["provided_details"] == {"email": "x@example.com"}


def test_query_strings_accept_empty_bracket_expand_and_created_ranges():
    ref = unique("ref")
    created = raw("POST", COLLECTION, data={"type": "document", "client_reference_id": ref,
                                            "provided_details[phone]": "+15555550100"}).json()
    r = raw("GET", COLLECTION, params=[("client_reference_id", ref),
                                       ("expand[]", "data.provided_details"),
                                       ("created[gte]", str(created["created"]))])
    assert r.status_code == 200, r.text
    data = r.json()["data"]
    assert [d["id"] for d in data] == [created["id"]]
    assert data[0]["provided_details"] == {"phone": "+15555550100"}


def test_any_stripe_version_header_is_accepted():
    for version in ("2020-08-27", "2024-09-30.acacia", "2026-07-29.dahlia"):
        r = raw("POST", COLLECTION, data={"type": "document"}, headers={"Stripe-Version": version})
        assert r.status_code == 200, (version, r.text)


def test_get_with_a_body_parameter_that_does_not_exist_is_parameter_unknown():
    r = raw("GET", COLLECTION, params={"bogus": "1"})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["code"] == "parameter_unknown"
    assert err["param"] == "bogus"


def test_malformed_form_body_is_a_stripe_error_not_a_500():
    r = raw("POST", COLLECTION, data=b"type=document&metadata[a=1",
            headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert r.status_code == 400, r.text
    assert r.json()["error"]["type"] == "invalid_request_error"


def test_cancel_and_redact_accept_expand():
    s = VS.create(type="document", provided_details={"email": "e@example.com"})
    c = VS.cancel(s.id, expand=["provided_details"])
    assert raw_json(c)["provided_details"] == {"email": "e@example.com"}
    s2 = VS.create(type="document")
    r = VS.redact(s2.id, expand=["provided_details"])
    assert "provided_details" in raw_json(r)


def test_non_integer_limit_is_parameter_invalid_integer():
    r = raw("GET", COLLECTION, params={"limit": "ten"})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["param"] == "limit"
    assert err["code"] == "parameter_invalid_integer"


def test_non_integer_created_bound_is_rejected_naming_the_bracket_path():
    r = raw("GET", COLLECTION, params={"created[gte]": "yesterday"})
    assert r.status_code == 400
    err = r.json()["error"]
    assert err["param"] == "created[gte]"
    assert err["code"] == "parameter_invalid_integer"


def test_false_booleans_are_kept_as_false():
    r = raw("POST", COLLECTION, data={"type": "document",
                                      "options[document][require_id_number]": "false",
                                      "options[document][require_matching_selfie]": "true"})
    assert r.status_code == 200, r.text
    assert r.json()["options"]["document"] == {"require_id_number": False,
                                               "require_matching_selfie": True}


def test_unknown_route_is_a_404_json_error():
    r = raw("GET", "/v1/identity/not_a_resource")
    assert r.status_code == 404
    assert r.json()["error"]["type"] == "invalid_request_error"


def test_unsupported_method_on_a_session_is_a_json_error():
    s = VS.create(type="document")
    r = raw("DELETE", COLLECTION + "/" + s.id)
    assert r.status_code in (404, 405)
    assert r.json()["error"]["type"] == "invalid_request_error"
    assert VS.retrieve(s.id).status == "requires_input"
