"""Concurrent requests keep Stripe's guarantees: one object per idempotency key, no lost
metadata updates, never a 500 (behaviours §7.4; DESIGN "One transaction per request")."""

from concurrent.futures import ThreadPoolExecutor

import stripe

from harness import raw, raw_json, unique

VS = stripe.identity.VerificationSession
COLLECTION = "/v1/identity/verification_sessions"


def test_concurrent_creates_with_one_idempotency_key_make_exactly_one_session():
    key = unique("idem")
    ref = unique("ref")

    def create(_):
        return raw("POST", COLLECTION, data={"type": "document", "client_reference_id": ref},
                   headers={"Idempotency-Key": key})

    with ThreadPoolExecutor(max_workers=6) as pool:
        responses = list(pool.map(create, range(6)))

    ids = set()
    for r in responses:
        if r.status_code == 200:
            ids.add(r.json()["id"])
        else:
            # Only a concurrent-use conflict is acceptable (409 idempotency_key_in_use).
            assert r.status_code == 409, (r.status_code, r.text)
            err = r.json()["error"]
            assert err["type"] == "idempotency_error"
            assert err.get("code") == "idempotency_key_in_use"
    assert len(ids) == 1, ids
    assert [s.id for s in VS.list(client_reference_id=ref).data] == list(ids)


def test_concurrent_metadata_updates_are_not_lost():
    s = VS.create(type="document")

    def update(i):
        for _attempt in range(20):
            r = raw("POST", f"{COLLECTION}/{s.id}", data={f"metadata[k{i}]": str(i)})
            if r.status_code not in (409, 429):  # lock contention may ask for a retry
                return r
        return r

    with ThreadPoolExecutor(max_workers=8) as pool:
        responses = list(pool.map(update, range(8)))
    assert all(r.status_code == 200 for r in responses), [(r.status_code, r.text) for r in responses]
    assert raw_json(VS.retrieve(s.id))["metadata"] == {f"k{i}": str(i) for i in range(8)}


def test_concurrent_cancels_succeed_once():
    s = VS.create(type="document")

    def cancel(_):
        return raw("POST", f"{COLLECTION}/{s.id}/cancel")

    with ThreadPoolExecutor(max_workers=5) as pool:
        statuses = sorted(r.status_code for r in pool.map(cancel, range(5)))
    assert statuses.count(200) == 1, statuses
    assert all(code in (200, 400, 409, 429) for code in statuses), statuses
