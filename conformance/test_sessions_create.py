"""Creating VerificationSessions through stripe-python (notes §1–2, behaviours §2.1–2.6)."""

import re
import time

import stripe

from harness import raw_json, unique

VS = stripe.identity.VerificationSession

ALL_DOCUMENT_OPTIONS = {
    "allowed_types": ["driving_license", "passport"],
    "require_id_number": True,
    "require_live_capture": True,
    "require_matching_selfie": True,
}
PROVIDED = {"email": "jenny.rosen@example.com", "phone": "+15555550100"}


def create_with_everything(**extra):
    return VS.create(
        type="document",
        options={"document": dict(ALL_DOCUMENT_OPTIONS)},
        metadata={"order_id": "6735", "tier": "gold"},
        client_reference_id=extra.pop("client_reference_id", unique("ref")),
        return_url="https://example.com/verification/done",
        provided_details=dict(PROVIDED),
        related_customer="cus_Conformance00000001",
        related_customer_account="acct_Conformance0000001",
        related_person={"account": "acct_Conformance0000002", "person": "person_Conformance0001"},
        **extra,
    )


def test_create_with_every_option_returns_a_new_requires_input_session_echoing_them():
    ref = unique("ref")
    before = int(time.time())
    s = create_with_everything(client_reference_id=ref)
    body = raw_json(s)

    assert body["object"] == "identity.verification_session"
    assert re.fullmatch(r"vs_[A-Za-z0-9]{24}", body["id"]), body["id"]
    assert body["status"] == "requires_input"
    assert body["type"] == "document"
    assert isinstance(body["client_secret"], str) and body["client_secret"]
    assert isinstance(body["url"], str) and body["url"]
    assert body["livemode"] is False
    assert isinstance(body["created"], int) and before - 5 <= body["created"] <= time.time() + 5
    assert body["metadata"] == {"order_id": "6735", "tier": "gold"}
    assert body["options"] == {"document": ALL_DOCUMENT_OPTIONS}
    assert body["last_error"] is None
    assert body["last_verification_report"] is None
    assert body["redaction"] is None
    assert body["client_reference_id"] == ref
    assert body["related_customer"] == "cus_Conformance00000001"
    assert body["related_customer_account"] == "acct_Conformance0000001"


def test_expandable_only_fields_are_absent_unless_expanded():
    s = create_with_everything()
    body = raw_json(s)
    assert "verified_outputs" not in body
    assert "provided_details" not in body

    again = raw_json(VS.retrieve(s.id))
    assert "verified_outputs" not in again
    assert "provided_details" not in again


def test_expanding_provided_details_on_create_returns_them():
    s = create_with_everything(expand=["provided_details"])
    assert raw_json(s)["provided_details"] == PROVIDED
    assert "verified_outputs" not in raw_json(s)


def test_expanding_provided_details_on_retrieve_returns_them():
    s = create_with_everything()
    got = VS.retrieve(s.id, expand=["provided_details"])
    assert raw_json(got)["provided_details"] == PROVIDED


def test_related_person_given_at_create_is_returned_on_the_session():
    s = create_with_everything()
    assert raw_json(s).get("related_person") == {
        "account": "acct_Conformance0000002",
        "person": "person_Conformance0001",
    }


def test_client_secret_has_stripes_vs_secret_shape():
    s = VS.create(type="document")
    # Stripe's format: vs_…_secret_… (behaviours §1.4, e.g. vs_QdfQ…_secret_live_…).
    assert re.fullmatch(r"vs_[A-Za-z0-9]+_secret_[A-Za-z0-9_]+", s.client_secret), s.client_secret


def test_document_session_without_options_has_empty_options_object():
    s = VS.create(type="document")
    assert raw_json(s)["options"] == {}
    assert raw_json(s)["metadata"] == {}
    assert raw_json(s)["client_reference_id"] is None
    assert raw_json(s)["related_customer"] is None
    assert raw_json(s)["related_customer_account"] is None


def test_id_number_session_can_be_created():
    s = VS.create(type="id_number", metadata={"k": "v"})
    body = raw_json(s)
    assert body["type"] == "id_number"
    assert body["status"] == "requires_input"
    assert re.fullmatch(r"vs_[A-Za-z0-9]{24}", body["id"])
    assert body["metadata"] == {"k": "v"}


def test_each_create_makes_a_distinct_session():
    a = VS.create(type="document")
    b = VS.create(type="document")
    assert a.id != b.id
    assert a.client_secret != b.client_secret


def test_options_document_allowed_types_keep_the_given_values():
    s = VS.create(type="document", options={"document": {"allowed_types": ["id_card"]}})
    assert raw_json(s)["options"] == {"document": {"allowed_types": ["id_card"]}}
