"""Bad input surfaces as Stripe's typed errors with type/code/param (behaviours §7.2, §7.3, §7.7)."""

import pytest
import stripe

from harness import PK_TEST, RK_TEST, raw_json, unique

VS = stripe.identity.VerificationSession


def invalid(fn, *args, **kwargs) -> stripe.InvalidRequestError:
    with pytest.raises(stripe.InvalidRequestError) as ei:
        fn(*args, **kwargs)
    return ei.value


def test_unknown_parameter_is_parameter_unknown_naming_the_parameter():
    e = invalid(VS.create, type="document", foo="bar")
    assert e.http_status == 400
    assert e.error.type == "invalid_request_error"
    assert e.code == "parameter_unknown"
    assert e.param == "foo"
    assert e.user_message == "Received unknown parameter: foo"


def test_unknown_nested_parameter_names_the_full_bracket_path():
    e = invalid(VS.create, type="document", options={"document": {"require_everything": True}})
    assert e.http_status == 400
    assert e.code == "parameter_unknown"
    assert e.param == "options[document][require_everything]"


def test_bad_type_enum_value_is_rejected_on_param_type():
    e = invalid(VS.create, type="bogus")
    assert e.http_status == 400
    assert e.error.type == "invalid_request_error"
    assert e.param == "type"


def test_missing_type_is_parameter_missing_on_param_type():
    e = invalid(VS.create, metadata={"a": "b"})
    assert e.http_status == 400
    assert e.code == "parameter_missing"
    assert e.param == "type"


def test_bad_allowed_types_value_names_the_array_element():
    e = invalid(VS.create, type="document",
                options={"document": {"allowed_types": ["passport", "library_card"]}})
    assert e.http_status == 400
    assert e.param == "options[document][allowed_types][1]"


def test_non_boolean_option_is_rejected():
    e = invalid(VS.create, type="document", options={"document": {"require_matching_selfie": "maybe"}})
    assert e.http_status == 400
    assert e.param == "options[document][require_matching_selfie]"


def test_client_reference_id_longer_than_5000_chars_is_rejected():
    e = invalid(VS.create, type="document", client_reference_id="x" * 5001)
    assert e.http_status == 400
    assert e.param == "client_reference_id"


def test_client_reference_id_of_exactly_5000_chars_is_accepted():
    s = VS.create(type="document", client_reference_id="x" * 5000)
    assert len(s.client_reference_id) == 5000


def test_metadata_with_51_keys_is_rejected_on_param_metadata():
    e = invalid(VS.create, type="document", metadata={f"k{i}": "v" for i in range(51)})
    assert e.http_status == 400
    assert e.param == "metadata"
    assert e.user_message == (
        "Metadata can have up to 50 keys, but you've set 51. "
        "Email us at support+metadata@stripe.com for more information."
    )


def test_metadata_with_50_keys_is_accepted():
    s = VS.create(type="document", metadata={f"k{i}": "v" for i in range(50)})
    assert len(raw_json(s)["metadata"]) == 50


def test_metadata_key_of_41_chars_is_rejected_on_param_metadata():
    key = "k" * 41
    e = invalid(VS.create, type="document", metadata={key: "v"})
    assert e.http_status == 400
    assert e.param == "metadata"
    assert e.user_message == f"Invalid key: {key} must be a string under 40 characters"


def test_metadata_value_of_501_chars_is_rejected_on_param_metadata():
    val = "v" * 501
    e = invalid(VS.create, type="document", metadata={"k": val})
    assert e.http_status == 400
    assert e.param == "metadata"
    assert e.user_message == f"Invalid val: {val} must be a string under 500 characters"


def test_metadata_key_of_40_chars_and_value_of_500_chars_is_accepted():
    s = VS.create(type="document", metadata={"k" * 40: "v" * 500})
    assert raw_json(s)["metadata"] == {"k" * 40: "v" * 500}


def test_metadata_limits_also_apply_on_update():
    s = VS.create(type="document")
    e = invalid(VS.modify, s.id, metadata={"k" * 41: "v"})
    assert e.param == "metadata"


def test_retrieve_of_unknown_session_is_404_resource_missing():
    e = invalid(VS.retrieve, "vs_doesnotexist")
    assert e.http_status == 404
    assert e.code == "resource_missing"
    assert e.error.type == "invalid_request_error"


def test_update_of_unknown_session_is_404_resource_missing():
    e = invalid(VS.modify, "vs_doesnotexist", metadata={"a": "b"})
    assert e.http_status == 404
    assert e.code == "resource_missing"


def test_bad_api_key_is_authentication_error_401():
    with pytest.raises(stripe.AuthenticationError) as ei:
        VS.create(type="document", api_key="sk_test_" + "Z" * 24)
    assert ei.value.http_status == 401
    with pytest.raises(stripe.AuthenticationError) as ei:
        VS.list(api_key="not_a_key_at_all")
    assert ei.value.http_status == 401


def test_publishable_key_cannot_use_the_sessions_api():
    with pytest.raises((stripe.AuthenticationError, stripe.PermissionError)) as ei:
        VS.create(type="document", api_key=PK_TEST)
    assert ei.value.http_status in (401, 403)
    s = VS.create(type="document")
    with pytest.raises((stripe.AuthenticationError, stripe.PermissionError)) as ei:
        VS.retrieve(s.id, api_key=PK_TEST)
    assert ei.value.http_status in (401, 403)


def test_expanding_sensitive_verified_outputs_dob_with_secret_key_is_permission_error_403():
    s = VS.create(type="document")
    with pytest.raises(stripe.PermissionError) as ei:
        VS.retrieve(s.id, expand=["verified_outputs.dob"])
    assert ei.value.http_status == 403
    assert "restricted API key" in (ei.value.user_message or "")


def test_expanding_sensitive_id_number_with_secret_key_is_permission_error_403():
    s = VS.create(type="document")
    with pytest.raises(stripe.PermissionError) as ei:
        VS.retrieve(s.id, expand=["verified_outputs", "verified_outputs.id_number"])
    assert ei.value.http_status == 403


def test_expanding_sensitive_verified_outputs_dob_with_restricted_key_succeeds():
    s = VS.create(type="document")
    got = VS.retrieve(s.id, expand=["verified_outputs.dob"], api_key=RK_TEST)
    body = raw_json(got)
    assert body["id"] == s.id
    assert "verified_outputs" in body  # expanding a sub-path expands its parent


def test_expanding_verified_outputs_with_secret_key_is_allowed():
    s = VS.create(type="document")
    body = raw_json(VS.retrieve(s.id, expand=["verified_outputs"]))
    assert "verified_outputs" in body
    assert body["verified_outputs"] is None or "dob" not in body["verified_outputs"]


def test_unknown_expand_path_is_400_invalid_request():
    s = VS.create(type="document")
    e = invalid(VS.retrieve, s.id, expand=["not_a_field"])
    assert e.http_status == 400
    e = invalid(VS.create, type="document", expand=["metadata.nope"])
    assert e.http_status == 400


def test_error_responses_name_their_type_and_carry_a_request_id():
    e = invalid(VS.retrieve, "vs_doesnotexist")
    assert e.request_id and e.request_id.startswith("req_")
    assert e.json_body["error"]["type"] == "invalid_request_error"
    assert isinstance(e.json_body["error"]["message"], str) and e.json_body["error"]["message"]


def test_rejected_create_leaves_nothing_behind():
    ref = unique("ref")
    invalid(VS.create, type="document", client_reference_id=ref, foo="bar")
    invalid(VS.create, type="bogus", client_reference_id=ref)
    assert VS.list(client_reference_id=ref).data == []


def test_empty_string_for_type_is_rejected_on_param_type():
    e = invalid(VS.create, type="")
    assert e.http_status == 400
    assert e.param == "type"
    assert e.code == "parameter_invalid_empty"


def test_related_person_account_without_person_is_parameter_missing():
    e = invalid(VS.create, type="document", related_person={"account": "acct_Conformance0000002"})
    assert e.http_status == 400
    assert e.code == "parameter_missing"
    assert e.param == "related_person[person]"


def test_update_with_bad_type_value_is_rejected_on_param_type():
    s = VS.create(type="document")
    e = invalid(VS.modify, s.id, type="verification_flow")
    assert e.http_status == 400
    assert e.param == "type"
    assert raw_json(VS.retrieve(s.id))["type"] == "document"


def test_list_expand_without_data_prefix_is_rejected():
    # In lists, expansions are prefixed with `data.` (behaviours §7.6).
    e = invalid(VS.list, expand=["provided_details"])
    assert e.http_status == 400


def test_expanding_last_verification_report_is_allowed_and_null_before_any_submission():
    s = VS.create(type="document")
    body = raw_json(VS.retrieve(s.id, expand=["last_verification_report"]))
    assert body["last_verification_report"] is None
