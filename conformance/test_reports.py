"""VerificationReports: the endpoints exist and behave like Stripe lists/retrieves
(notes §3, behaviours §4.1). Report production comes with a later feature."""

import pytest
import stripe

from harness import raw_json

VR = stripe.identity.VerificationReport


def test_report_list_on_an_empty_database_is_an_empty_list_object(fresh_server):
    page = VR.list()
    body = raw_json(page)
    assert body == {
        "object": "list",
        "url": "/v1/identity/verification_reports",
        "has_more": False,
        "data": [],
    }


def test_report_list_accepts_stripes_filters(fresh_server):
    page = VR.list(limit=5, type="document", verification_session="vs_doesnotexist",
                   client_reference_id="x", created={"gte": 0})
    assert raw_json(page)["data"] == []


def test_report_retrieve_of_unknown_id_is_404_resource_missing():
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VR.retrieve("vr_nope")
    assert ei.value.http_status == 404
    assert ei.value.code == "resource_missing"


def test_report_list_rejects_unknown_type_filter_value():
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VR.list(type="verification_flow")  # response-only value, not a filter (notes §3)
    assert ei.value.http_status == 400
    assert ei.value.param == "type"
