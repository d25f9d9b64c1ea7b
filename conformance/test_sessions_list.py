"""Listing sessions: pagination and filters (notes §2, behaviours §2.4, §7.5)."""

import pytest
import stripe

from harness import RECORDER, raw_json, unique

VS = stripe.identity.VerificationSession


def make(n, **params):
    """Create n sessions; returns their ids oldest first."""
    return [VS.create(type="document", **params).id for _ in range(n)]


def test_list_returns_a_list_object_with_url_and_has_more():
    make(3)
    page = VS.list(limit=2)
    body = raw_json(page)
    assert body["object"] == "list"
    assert body["url"] == "/v1/identity/verification_sessions"
    assert body["has_more"] is True
    assert len(body["data"]) == 2
    assert all(d["object"] == "identity.verification_session" for d in body["data"])


def test_list_limit_caps_the_page_size(fresh_server):
    make(4)
    assert len(VS.list(limit=3).data) == 3
    assert len(VS.list(limit=1).data) == 1
    full = raw_json(VS.list(limit=100))
    assert len(full["data"]) == 4
    assert full["has_more"] is False


def test_list_default_limit_is_ten(fresh_server):
    make(12)
    body = raw_json(VS.list())
    assert len(body["data"]) == 10
    assert body["has_more"] is True


def test_auto_paging_iter_walks_every_session_newest_first_without_duplicates_or_gaps(fresh_server):
    ids = make(25)
    seen = [s.id for s in VS.list(limit=10).auto_paging_iter()]
    assert len(seen) == len(set(seen)), "duplicates across pages"
    assert set(seen) == set(ids), f"missing {set(ids) - set(seen)}, extra {set(seen) - set(ids)}"
    assert seen == list(reversed(ids)), "not in newest-first (reverse creation) order"
    pages = [ex for ex in RECORDER.exchanges if ex.method == "get"
             and ex.path == "/v1/identity/verification_sessions"]
    assert len(pages) == 3, [p.query for p in pages]
    assert [len(p.json()["data"]) for p in pages] == [10, 10, 5]
    assert [p.json()["has_more"] for p in pages] == [True, True, False]


def test_starting_after_returns_the_next_older_sessions(fresh_server):
    ids = make(6)
    newest_first = list(reversed(ids))
    page = VS.list(limit=3, starting_after=newest_first[1])
    assert [s.id for s in page.data] == newest_first[2:5]
    assert page.has_more is True


def test_ending_before_returns_the_next_newer_sessions_still_newest_first(fresh_server):
    ids = make(6)
    newest_first = list(reversed(ids))
    page = VS.list(limit=2, ending_before=newest_first[4])
    assert [s.id for s in page.data] == newest_first[2:4]
    page = VS.list(limit=10, ending_before=newest_first[2])
    assert [s.id for s in page.data] == newest_first[0:2]


def test_list_filters_by_client_reference_id():
    ref = unique("ref")
    mine = make(2, client_reference_id=ref)
    make(1, client_reference_id=unique("other"))
    got = VS.list(client_reference_id=ref, limit=100)
    assert sorted(s.id for s in got.data) == sorted(mine)
    assert all(s.client_reference_id == ref for s in got.data)


def test_list_filters_by_status():
    ref = unique("ref")
    open_ids = make(2, client_reference_id=ref)
    canceled = VS.create(type="document", client_reference_id=ref).id
    VS.cancel(canceled)
    got = VS.list(status="canceled", client_reference_id=ref)
    assert [s.id for s in got.data] == [canceled]
    got = VS.list(status="requires_input", client_reference_id=ref)
    assert sorted(s.id for s in got.data) == sorted(open_ids)


def test_list_filter_by_status_alone_returns_only_that_status(fresh_server):
    keep = make(2)
    gone = make(2)
    for i in gone:
        VS.cancel(i)
    assert sorted(s.id for s in VS.list(status="canceled").data) == sorted(gone)
    assert sorted(s.id for s in VS.list(status="requires_input").data) == sorted(keep)


def test_list_filters_by_related_customer():
    cus = unique("cus")
    mine = VS.create(type="document", related_customer=cus).id
    make(1, related_customer=unique("cus"))
    got = VS.list(related_customer=cus)
    assert [s.id for s in got.data] == [mine]


def test_list_filters_by_related_customer_account():
    acct = unique("acct")
    mine = VS.create(type="document", related_customer_account=acct).id
    make(1)
    got = VS.list(related_customer_account=acct)
    assert [s.id for s in got.data] == [mine]


def test_list_filters_by_created_range_and_exact_integer(fresh_server):
    ids = make(3)
    target = VS.retrieve(ids[1])
    t = target.created

    gte = VS.list(created={"gte": t}, limit=100).data
    assert ids[1] in [s.id for s in gte]
    assert all(s.created >= t for s in gte)

    lt = VS.list(created={"lt": t}, limit=100).data
    assert ids[1] not in [s.id for s in lt]
    assert all(s.created < t for s in lt)

    gt = VS.list(created={"gt": t}, limit=100).data
    assert ids[1] not in [s.id for s in gt]
    assert all(s.created > t for s in gt)

    lte = VS.list(created={"lte": t}, limit=100).data
    assert ids[1] in [s.id for s in lte]

    exact = VS.list(created=t, limit=100).data
    assert ids[1] in [s.id for s in exact]
    assert all(s.created == t for s in exact)

    window = VS.list(created={"gte": t, "lt": t + 1}, limit=100).data
    assert sorted(s.id for s in window) == sorted(s.id for s in exact)

    future = VS.list(created={"gt": t + 3600}).data
    assert future == []


def test_list_with_expand_data_provided_details_expands_each_item():
    ref = unique("ref")
    VS.create(type="document", client_reference_id=ref, provided_details={"email": "a@example.com"})
    page = VS.list(client_reference_id=ref, expand=["data.provided_details"])
    assert raw_json(page)["data"][0]["provided_details"] == {"email": "a@example.com"}


@pytest.mark.parametrize("limit", [0, 101])
def test_list_limit_outside_1_to_100_is_rejected(limit):
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VS.list(limit=limit)
    assert ei.value.http_status == 400
    assert ei.value.param == "limit"


def test_list_with_both_starting_after_and_ending_before_is_rejected():
    a, b = make(2)
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VS.list(starting_after=a, ending_before=b)
    assert ei.value.http_status == 400
    assert ei.value.error.type == "invalid_request_error"


def test_list_with_unknown_status_value_is_rejected():
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VS.list(status="bogus")
    assert ei.value.http_status == 400
    assert ei.value.param == "status"


def test_list_with_type_filter_is_an_unknown_parameter():
    # Sessions have no `type` filter (notes §2): Stripe rejects it as unknown.
    with pytest.raises(stripe.InvalidRequestError) as ei:
        VS.list(type="document")
    assert ei.value.param == "type"
    assert ei.value.code == "parameter_unknown"
