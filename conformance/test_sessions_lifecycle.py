"""Retrieve, update, cancel and redact (behaviours §1.3, §1.4, §2.3, §2.4, §6, §7.3)."""

import time

import pytest
import stripe

from harness import raw_json, unique

VS = stripe.identity.VerificationSession


# ----------------------------------------------------------------------------- retrieve


def test_retrieve_returns_the_same_session_as_create():
    ref = unique("ref")
    s = VS.create(type="document", client_reference_id=ref, metadata={"a": "1"},
                  options={"document": {"require_matching_selfie": True}})
    got = VS.retrieve(s.id)
    body = raw_json(got)
    assert body["id"] == s.id
    assert body["object"] == "identity.verification_session"
    assert body["status"] == "requires_input"
    assert body["client_reference_id"] == ref
    assert body["metadata"] == {"a": "1"}
    assert body["options"] == {"document": {"require_matching_selfie": True}}
    assert body["created"] == raw_json(s)["created"]
    assert body["livemode"] is False


def test_retrieve_of_a_requires_input_session_carries_client_secret_and_url():
    s = VS.create(type="document")
    body = raw_json(VS.retrieve(s.id))
    assert isinstance(body["client_secret"], str) and body["client_secret"]
    assert isinstance(body["url"], str) and body["url"]


# ----------------------------------------------------------------------------- update


def test_update_metadata_merges_new_keys_into_existing_ones():
    s = VS.create(type="document", metadata={"a": "1", "b": "2"})
    u = VS.modify(s.id, metadata={"c": "3", "a": "one"})
    assert raw_json(u)["metadata"] == {"a": "one", "b": "2", "c": "3"}
    assert raw_json(VS.retrieve(s.id))["metadata"] == {"a": "one", "b": "2", "c": "3"}


def test_update_metadata_key_set_to_empty_string_deletes_that_key():
    s = VS.create(type="document", metadata={"a": "1", "b": "2"})
    u = VS.modify(s.id, metadata={"a": ""})
    assert raw_json(u)["metadata"] == {"b": "2"}
    assert raw_json(VS.retrieve(s.id))["metadata"] == {"b": "2"}


def test_update_metadata_to_empty_string_clears_all_metadata():
    s = VS.create(type="document", metadata={"a": "1", "b": "2"})
    u = VS.modify(s.id, metadata="")
    assert raw_json(u)["metadata"] == {}
    assert raw_json(VS.retrieve(s.id))["metadata"] == {}


def test_update_options_changes_the_document_options():
    s = VS.create(type="document", options={"document": {"allowed_types": ["passport"]}})
    u = VS.modify(s.id, options={"document": {"require_matching_selfie": True,
                                              "allowed_types": ["driving_license", "id_card"]}})
    doc = raw_json(u)["options"]["document"]
    assert doc["require_matching_selfie"] is True
    assert doc["allowed_types"] == ["driving_license", "id_card"]
    assert raw_json(VS.retrieve(s.id))["options"]["document"] == doc


def test_update_type_switches_document_to_id_number():
    s = VS.create(type="document")
    u = VS.modify(s.id, type="id_number")
    assert raw_json(u)["type"] == "id_number"
    assert raw_json(VS.retrieve(s.id))["type"] == "id_number"


def test_update_provided_details_is_visible_when_expanded():
    s = VS.create(type="document", provided_details={"email": "old@example.com"})
    VS.modify(s.id, provided_details={"email": "new@example.com"})
    got = VS.retrieve(s.id, expand=["provided_details"])
    assert raw_json(got)["provided_details"]["email"] == "new@example.com"


def test_update_with_a_create_only_parameter_is_rejected():
    s = VS.create(type="document")
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VS.modify(s.id, client_reference_id="nope")
    assert ei.value.http_status == 400
    assert ei.value.param == "client_reference_id"


# ----------------------------------------------------------------------------- cancel


def test_cancel_sets_status_canceled_and_clears_client_secret_and_url():
    s = VS.create(type="document", metadata={"keep": "me"})
    c = VS.cancel(s.id)
    body = raw_json(c)
    assert body["id"] == s.id
    assert body["status"] == "canceled"
    assert body["client_secret"] is None
    assert body["url"] is None
    assert body["metadata"] == {"keep": "me"}
    assert body["redaction"] is None
    again = raw_json(VS.retrieve(s.id))
    assert again["status"] == "canceled"
    assert again["client_secret"] is None and again["url"] is None


def test_cancel_of_an_already_canceled_session_is_a_400_invalid_request():
    s = VS.create(type="document")
    VS.cancel(s.id)
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VS.cancel(s.id)
    assert ei.value.http_status == 400
    assert ei.value.error.type == "invalid_request_error"


def test_update_of_a_canceled_session_is_a_400_invalid_request():
    s = VS.create(type="document")
    VS.cancel(s.id)
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VS.modify(s.id, metadata={"x": "y"})
    assert ei.value.http_status == 400
    assert raw_json(VS.retrieve(s.id))["metadata"] == {}


def test_cancel_of_an_unknown_session_is_404():
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VS.cancel("vs_doesnotexist")
    assert ei.value.http_status == 404
    assert ei.value.code == "resource_missing"


# ----------------------------------------------------------------------------- redact


def wait_for_redaction(session_id, timeout=15.0):
    deadline = time.monotonic() + timeout
    body = None
    while time.monotonic() < deadline:
        body = raw_json(VS.retrieve(session_id))
        if (body.get("redaction") or {}).get("status") == "redacted":
            return body
        time.sleep(0.5)
    raise AssertionError(f"redaction.status never became 'redacted' within {timeout}s: {body}")


def test_redact_of_a_requires_input_session_cancels_it_and_reports_processing():
    s = VS.create(type="document", metadata={"pii": "do not keep"})
    r = VS.redact(s.id)
    body = raw_json(r)
    assert body["id"] == s.id
    assert body["status"] == "canceled"
    assert body["redaction"] == {"status": "processing"}
    assert body["client_secret"] is None
    assert body["url"] is None


def test_redaction_finishes_as_redacted_and_erases_metadata():
    s = VS.create(type="document", metadata={"pii": "do not keep"}, client_reference_id=unique())
    VS.redact(s.id)
    body = wait_for_redaction(s.id)
    assert body["status"] == "canceled"
    assert body["metadata"] == {}


def test_update_of_a_redacted_session_is_a_400_invalid_request():
    s = VS.create(type="document")
    VS.redact(s.id)
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VS.modify(s.id, metadata={"x": "y"})
    assert ei.value.http_status == 400
    wait_for_redaction(s.id)
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VS.modify(s.id, metadata={"x": "y"})
    assert ei.value.http_status == 400


def test_redact_of_an_unknown_session_is_404():
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VS.redact("vs_doesnotexist")
    assert ei.value.http_status == 404
    assert ei.value.code == "resource_missing"


def test_update_options_document_to_empty_string_clears_document_options():
    # `options[document]` is "Emptyable" (notes: unset pattern anyOf[..., ""]).
    s = VS.create(type="document", options={"document": {"require_matching_selfie": True}})
    u = VS.modify(s.id, options={"document": ""})
    assert raw_json(u)["options"].get("document") in (None, {})


def test_update_accepts_expand():
    s = VS.create(type="document", provided_details={"email": "e@example.com"})
    u = VS.modify(s.id, metadata={"a": "b"}, expand=["provided_details"])
    assert raw_json(u)["provided_details"] == {"email": "e@example.com"}
