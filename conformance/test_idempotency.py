"""Idempotent requests through the SDK's idempotency_key option (behaviours §7.4)."""

import pytest
import stripe

from harness import RECORDER, SK_LIVE, raw_json, unique

VS = stripe.identity.VerificationSession
COLLECTION = "/v1/identity/verification_sessions"


def post_exchanges():
    return [ex for ex in RECORDER.exchanges if ex.method == "post"]


def test_same_key_and_same_params_replays_the_first_session():
    key = unique("idem")
    ref = unique("ref")
    a = VS.create(type="document", client_reference_id=ref, metadata={"a": "1"}, idempotency_key=key)
    b = VS.create(type="document", client_reference_id=ref, metadata={"a": "1"}, idempotency_key=key)
    assert a.id == b.id
    assert raw_json(a) == raw_json(b)
    first, second = post_exchanges()[-2:]
    assert first.request_headers.get("Idempotency-Key") == key
    assert second.request_headers.get("Idempotency-Key") == key
    assert first.headers.get("Idempotent-Replayed") in (None, "false")
    assert second.headers.get("Idempotent-Replayed") == "true"
    assert [s.id for s in VS.list(client_reference_id=ref).data] == [a.id]


def test_same_key_with_different_params_is_an_idempotency_error():
    key = unique("idem")
    VS.create(type="document", idempotency_key=key)
    with pytest.raises(stripe.IdempotencyError) as ei:
        VS.create(type="id_number", idempotency_key=key)
    assert ei.value.http_status == 400
    assert ei.value.json_body["error"]["type"] == "idempotency_error"


def test_different_keys_create_different_sessions():
    a = VS.create(type="document", idempotency_key=unique("idem"))
    b = VS.create(type="document", idempotency_key=unique("idem"))
    assert a.id != b.id


def test_idempotent_update_replays_the_first_result():
    s = VS.create(type="document")
    key = unique("idem")
    VS.modify(s.id, metadata={"n": "1"}, idempotency_key=key)
    VS.modify(s.id, metadata={"n": "2"})  # changes the session in between
    again = VS.modify(s.id, metadata={"n": "1"}, idempotency_key=key)
    assert raw_json(again)["metadata"] == {"n": "1"}
    assert post_exchanges()[-1].headers.get("Idempotent-Replayed") == "true"
    assert raw_json(VS.retrieve(s.id))["metadata"] == {"n": "2"}


def test_idempotency_keys_are_scoped_per_mode():
    key = unique("idem")
    t = VS.create(type="document", idempotency_key=key)
    live = VS.create(type="document", idempotency_key=key, api_key=SK_LIVE)
    assert t.id != live.id
    assert raw_json(live)["livemode"] is True


def test_same_key_on_a_different_endpoint_is_an_idempotency_error():
    key = unique("idem")
    s = VS.create(type="document", idempotency_key=key)
    with pytest.raises(stripe.IdempotencyError):
        VS.modify(s.id, metadata={"a": "b"}, idempotency_key=key)


def test_a_request_rejected_by_parameter_validation_does_not_burn_its_key():
    # Requests that fail parameter validation are not saved (behaviours §7.4).
    key = unique("idem")
    with pytest.raises(stripe.InvalidRequestError):
        VS.create(type="document", foo="bar", idempotency_key=key)
    s = VS.create(type="id_number", idempotency_key=key)
    assert raw_json(s)["type"] == "id_number"
    assert post_exchanges()[-1].headers.get("Idempotent-Replayed") in (None, "false")
