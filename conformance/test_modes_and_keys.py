"""Test/live isolation and API keys, including keys minted by `verifyd keys create`
(behaviours §3, §4.2, §7.2; DESIGN "Modes")."""

import pytest
import stripe

from harness import KEY_RE, RK_LIVE, SK_LIVE, SK_TEST, raw_json, unique

VS = stripe.identity.VerificationSession


def test_session_made_with_a_test_key_is_invisible_to_the_live_key():
    s = VS.create(type="document", api_key=SK_TEST)
    assert raw_json(s)["livemode"] is False
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VS.retrieve(s.id, api_key=SK_LIVE)
    assert ei.value.http_status == 404
    assert ei.value.code == "resource_missing"


def test_session_made_with_a_live_key_has_livemode_true_and_is_invisible_to_the_test_key():
    s = VS.create(type="document", api_key=SK_LIVE)
    assert raw_json(s)["livemode"] is True
    assert raw_json(VS.retrieve(s.id, api_key=SK_LIVE))["livemode"] is True
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VS.retrieve(s.id, api_key=SK_TEST)
    assert ei.value.http_status == 404
    assert ei.value.code == "resource_missing"


def test_lists_do_not_leak_across_modes():
    ref = unique("ref")
    t = VS.create(type="document", client_reference_id=ref, api_key=SK_TEST).id
    live = VS.create(type="document", client_reference_id=ref, api_key=SK_LIVE).id
    assert [s.id for s in VS.list(client_reference_id=ref, api_key=SK_TEST).data] == [t]
    assert [s.id for s in VS.list(client_reference_id=ref, api_key=SK_LIVE).data] == [live]


def test_live_session_cannot_be_updated_canceled_or_redacted_with_a_test_key():
    s = VS.create(type="document", api_key=SK_LIVE)
    for call in (lambda: VS.modify(s.id, metadata={"a": "b"}, api_key=SK_TEST),
                 lambda: VS.cancel(s.id, api_key=SK_TEST),
                 lambda: VS.redact(s.id, api_key=SK_TEST)):
        with pytest.raises(stripe.InvalidRequestError) as ei:
            call()
        assert ei.value.http_status == 404
    assert raw_json(VS.retrieve(s.id, api_key=SK_LIVE))["status"] == "requires_input"


def test_restricted_live_key_reads_live_sessions():
    s = VS.create(type="document", api_key=SK_LIVE)
    got = VS.retrieve(s.id, api_key=RK_LIVE, expand=["verified_outputs.dob"])
    assert raw_json(got)["livemode"] is True


def created_key(server, mode, key_type):
    proc = server.keys_create(mode, key_type)
    assert proc.returncode == 0, f"keys create failed ({proc.returncode}): {proc.stderr}"
    lines = [ln for ln in proc.stdout.splitlines() if ln.strip()]
    assert len(lines) == 1, f"expected exactly one key on stdout, got {proc.stdout!r}"
    key = lines[0].strip()
    assert KEY_RE.fullmatch(key), key
    return key


PREFIX = {"secret": "sk", "restricted": "rk", "publishable": "pk"}


@pytest.mark.parametrize("mode", ["test", "live"])
@pytest.mark.parametrize("key_type", ["secret", "restricted", "publishable"])
def test_keys_create_prints_one_key_with_the_right_prefix(server, mode, key_type):
    key = created_key(server, mode, key_type)
    assert key.startswith(f"{PREFIX[key_type]}_{mode}_")


def test_cli_created_secret_keys_work_in_their_mode(server):
    test_key = created_key(server, "test", "secret")
    live_key = created_key(server, "live", "secret")
    s = VS.create(type="document", api_key=test_key)
    assert raw_json(s)["livemode"] is False
    assert VS.retrieve(s.id, api_key=test_key).id == s.id
    live = VS.create(type="document", api_key=live_key)
    assert raw_json(live)["livemode"] is True
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VS.retrieve(live.id, api_key=test_key)
    assert ei.value.http_status == 404


def test_cli_created_key_and_configured_key_of_the_same_mode_see_the_same_sessions(server):
    # Stripe: every key of an account, in one mode, sees the same objects.
    test_key = created_key(server, "test", "secret")
    s = VS.create(type="document", api_key=test_key)
    assert VS.retrieve(s.id, api_key=SK_TEST).id == s.id


def test_cli_created_restricted_key_may_expand_sensitive_fields(server):
    rk = created_key(server, "test", "restricted")
    s = VS.create(type="document")
    got = VS.retrieve(s.id, api_key=rk, expand=["verified_outputs.dob"])
    assert raw_json(got)["id"] == s.id


def test_cli_created_publishable_key_is_refused(server):
    pk = created_key(server, "test", "publishable")
    with pytest.raises((stripe.AuthenticationError, stripe.PermissionError)) as ei:
        VS.create(type="document", api_key=pk)
    assert ei.value.http_status in (401, 403)


def test_each_keys_create_call_mints_a_different_key(server):
    assert created_key(server, "test", "secret") != created_key(server, "test", "secret")
