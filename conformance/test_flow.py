"""The verification flow through the SDK: verifyd's test helpers (process, verify,
require_input) move sessions through every state; reports appear, list and expand; the
sensitive-result rules hold. Every response is validated against the OpenAPI spec (test
helper responses against the VerificationSession schema)."""

import pytest
import stripe

from harness import HTTP_CLIENT, RK_TEST, SK_LIVE, SK_TEST, raw_json

VS = stripe.identity.VerificationSession
VR = stripe.identity.VerificationReport


def client(key=SK_TEST):
    return stripe.StripeClient(
        key, base_addresses={"api": stripe.api_base}, http_client=HTTP_CLIENT,
        max_network_retries=0,
    )


def helper(session_id, action, key=SK_TEST, **params):
    c = client(key)
    resp = c.raw_request(
        "post", f"/v1/test_helpers/identity/verification_sessions/{session_id}/{action}", **params
    )
    return c.deserialize(resp, api_mode="V1")


def test_process_then_verify_reaches_verified_with_a_report():
    s = VS.create(type="document", options={"document": {"require_matching_selfie": True}})
    processing = helper(s.id, "process")
    assert processing["status"] == "processing"
    assert processing["client_secret"] is None and processing["url"] is None
    verified = helper(s.id, "verify")
    assert verified["status"] == "verified"
    got = VS.retrieve(s.id, expand=["last_verification_report", "verified_outputs"])
    assert got.status == "verified"
    assert got.verified_outputs.first_name == "Jenny"
    assert got.verified_outputs.last_name == "Rosen"
    report = got.last_verification_report
    assert report.object == "identity.verification_report"
    assert report.verification_session == s.id
    assert report.document.status == "verified"
    assert report.selfie.status == "verified"
    assert VR.retrieve(report.id).id == report.id


@pytest.mark.parametrize("code", [
    "document_expired", "document_type_not_supported", "document_unverified_other",
    "selfie_document_missing_photo", "selfie_face_mismatch", "selfie_manipulated",
    "selfie_unverified_other", "id_number_insufficient_document_data", "id_number_mismatch",
    "id_number_unverified_other", "consent_declined", "under_supported_age",
])
def test_require_input_sets_last_error_and_a_retry_gets_fresh_credentials(code):
    s = VS.create(type="document", options={"document": {
        "require_matching_selfie": True, "require_id_number": True}})
    failed = helper(s.id, "require_input", last_error={"code": code})
    assert failed["status"] == "requires_input"
    assert failed["last_error"]["code"] == code
    again = VS.retrieve(s.id)
    assert again.client_secret and again.url
    assert again.client_secret != s.client_secret and again.url != s.url
    assert again.last_verification_report.startswith("vr_")
    retried = helper(s.id, "verify")
    assert retried["status"] == "verified"
    reports = VR.list(verification_session=s.id)
    assert len(reports.data) == 2


def test_sensitive_results_need_a_restricted_key_and_an_explicit_path():
    s = VS.create(type="document", options={"document": {"require_id_number": True}})
    helper(s.id, "verify", verified_outputs={"dob": {"day": 2, "month": 3, "year": 1980}})
    with pytest.raises(stripe.PermissionError):
        VS.retrieve(s.id, expand=["verified_outputs.dob"])
    with pytest.raises(stripe.PermissionError):
        VS.retrieve(s.id, expand=["last_verification_report.document.number"])
    restricted = VS.retrieve(
        s.id, api_key=RK_TEST,
        expand=["verified_outputs.dob", "verified_outputs.id_number",
                "last_verification_report.document.number",
                "last_verification_report.document.expiration_date",
                "last_verification_report.id_number.dob"],
    )
    assert restricted.verified_outputs.dob.year == 1980
    assert restricted.verified_outputs.id_number == "6789"
    assert restricted.last_verification_report.document.number == "D1234567"
    body = raw_json(restricted)
    assert "dob" not in body["last_verification_report"]["document"]
    plain = VS.retrieve(s.id, expand=["verified_outputs"])
    assert "dob" not in raw_json(plain)["verified_outputs"]


def test_reports_list_filters_and_expansions():
    a = VS.create(type="document", client_reference_id="flow-ref-a")
    b = VS.create(type="id_number")
    helper(a.id, "verify")
    helper(b.id, "require_input", last_error={"code": "id_number_mismatch"})
    docs = VR.list(type="document", client_reference_id="flow-ref-a")
    assert [r.verification_session for r in docs.data] == [a.id]
    idn = VR.list(verification_session=b.id, expand=["data.id_number"])
    assert idn.data[0].type == "id_number"
    assert idn.data[0].id_number.status == "unverified"
    assert idn.data[0].id_number.error.code == "id_number_mismatch"
    sessions = VS.list(limit=3, expand=["data.last_verification_report"])
    assert any(
        not isinstance(s.last_verification_report, str) and s.last_verification_report
        for s in sessions.data
    )


def test_redaction_of_a_verified_session_erases_its_report():
    import time
    s = VS.create(type="document")
    helper(s.id, "verify")
    redacted = VS.redact(s.id, expand=["verified_outputs"])
    assert redacted.status == "verified"
    assert redacted.redaction.status == "processing"
    assert redacted.verified_outputs.first_name == "[redacted]"
    deadline = time.time() + 15
    while VS.retrieve(s.id).redaction.status != "redacted":
        assert time.time() < deadline, "redaction did not finish"
        time.sleep(0.2)
    report = VS.retrieve(s.id, expand=["last_verification_report"]).last_verification_report
    assert report.document.first_name == "[redacted]"
    assert report.document.address.country == "US"


def test_test_helpers_refuse_live_keys_and_bad_codes():
    live = VS.create(type="document", api_key=SK_LIVE)
    with pytest.raises(stripe.InvalidRequestError) as ei:
        helper(live.id, "verify", key=SK_LIVE)
    assert ei.value.http_status == 400
    s = VS.create(type="document")
    with pytest.raises(stripe.InvalidRequestError) as ei:
        helper(s.id, "require_input", last_error={"code": "bogus"})
    assert ei.value.param == "last_error[code]"
    with pytest.raises(stripe.InvalidRequestError) as ei:
        helper("vs_nope", "verify")
    assert ei.value.http_status == 404
