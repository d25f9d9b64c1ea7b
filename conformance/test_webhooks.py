"""Events and webhooks through Stripe's SDKs: deliveries to a local receiver verify with
stripe-python's `stripe.Webhook.construct_event` and stripe-node's
`stripe.webhooks.constructEvent`; events list and retrieve; webhook endpoint CRUD. Each test
uses a fresh verifyd so endpoints from other tests do not receive its events."""

import json
import shutil
import subprocess
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path

import pytest
import stripe

from harness import HTTP_CLIENT, SK_TEST

NODE_DIR = Path(__file__).parent / "node"


class Receiver:
    def __init__(self):
        self.hits = []
        outer = self

        class Handler(BaseHTTPRequestHandler):
            def do_POST(self):
                length = int(self.headers.get("Content-Length", 0))
                body = self.rfile.read(length)
                outer.hits.append((body, self.headers.get("Stripe-Signature")))
                self.send_response(200)
                self.end_headers()
                self.wfile.write(b"ok")

            def log_message(self, *args):
                pass

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self.url = f"http://127.0.0.1:{self.server.server_address[1]}/webhook"
        threading.Thread(target=self.server.serve_forever, daemon=True).start()

    def wait(self, n, timeout=15):
        deadline = time.time() + timeout
        while len(self.hits) < n and time.time() < deadline:
            time.sleep(0.05)
        return list(self.hits)

    def close(self):
        self.server.shutdown()


@pytest.fixture
def receiver():
    r = Receiver()
    yield r
    r.close()


def helper(session_id, action):
    c = stripe.StripeClient(SK_TEST, base_addresses={"api": stripe.api_base},
                            http_client=HTTP_CLIENT, max_network_retries=0)
    c.raw_request("post", f"/v1/test_helpers/identity/verification_sessions/{session_id}/{action}")


def test_deliveries_verify_with_stripe_python_construct_event(fresh_server, receiver):
    endpoint = stripe.WebhookEndpoint.create(
        url=receiver.url,
        enabled_events=["*", "identity.verification_session.redacted"],
        description="conformance",
    )
    assert endpoint.secret.startswith("whsec_")
    s = stripe.identity.VerificationSession.create(type="document")
    helper(s.id, "verify")
    stripe.identity.VerificationSession.redact(s.id)
    hits = receiver.wait(4)
    types = set()
    for body, header in hits:
        event = stripe.Webhook.construct_event(body, header, endpoint.secret)
        assert event.data.object.id == s.id
        types.add(event.type)
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body, header, "whsec_wrong")
        with pytest.raises(stripe.SignatureVerificationError):
            stripe.Webhook.construct_event(body + b" ", header, endpoint.secret)
    assert types == {
        "identity.verification_session.created",
        "identity.verification_session.processing",
        "identity.verification_session.verified",
        "identity.verification_session.redacted",
    }


@pytest.mark.skipif(shutil.which("node") is None, reason="Node.js is not installed")
def test_deliveries_verify_with_stripe_node_construct_event(fresh_server, receiver):
    assert (NODE_DIR / "node_modules" / "stripe").exists(), "run.sh installs stripe-node"
    endpoint = stripe.WebhookEndpoint.create(url=receiver.url, enabled_events=["*"])
    s = stripe.identity.VerificationSession.create(type="id_number")
    stripe.identity.VerificationSession.cancel(s.id)
    hits = receiver.wait(2)
    lines = [json.dumps({"payload": b.decode(), "header": h, "secret": endpoint.secret})
             for b, h in hits]
    lines.append(json.dumps({"payload": hits[0][0].decode(), "header": hits[0][1],
                             "secret": "whsec_wrong"}))
    out = subprocess.run(["node", str(NODE_DIR / "verify.js")], input="\n".join(lines),
                         capture_output=True, text=True, check=True).stdout.splitlines()
    # Delivery order is not guaranteed (as with Stripe): compare as a set.
    assert sorted(out[:2]) == ["ok identity.verification_session.canceled",
                               "ok identity.verification_session.created"]
    assert out[2].startswith("error ")


def test_events_list_and_retrieve_through_the_sdk(fresh_server):
    s = stripe.identity.VerificationSession.create(type="document")
    stripe.identity.VerificationSession.cancel(s.id)
    events = stripe.Event.list(type="identity.verification_session.*")
    assert [e.type for e in events.data] == [
        "identity.verification_session.canceled",
        "identity.verification_session.created",
    ]
    one = stripe.Event.retrieve(events.data[0].id)
    assert one.data.object.status == "canceled"
    assert one.request.id.startswith("req_")
    assert stripe.Event.list(types=["identity.verification_session.created"]).data[0].type \
        == "identity.verification_session.created"
    assert stripe.Event.list(delivery_success=True).data  # no endpoints: nothing pending
    all_events = list(stripe.Event.list(limit=1).auto_paging_iter())
    assert len(all_events) == 2
    with pytest.raises(stripe.InvalidRequestError) as ei:
        stripe.Event.retrieve("evt_nope")
    assert ei.value.http_status == 404


def test_webhook_endpoint_crud_through_the_sdk(fresh_server):
    created = stripe.WebhookEndpoint.create(
        url="https://example.com/hook",
        enabled_events=["identity.verification_session.verified"],
        metadata={"team": "identity"},
        api_version="2026-07-29.dahlia",
    )
    assert created.status == "enabled" and created.secret
    got = stripe.WebhookEndpoint.retrieve(created.id)
    assert "secret" not in got
    updated = stripe.WebhookEndpoint.modify(created.id, disabled=True, description="off")
    assert updated.status == "disabled" and updated.description == "off"
    assert [e.id for e in stripe.WebhookEndpoint.list().data] == [created.id]
    deleted = stripe.WebhookEndpoint.delete(created.id)
    assert deleted.deleted is True and deleted.id == created.id
    with pytest.raises(stripe.InvalidRequestError) as ei:
        stripe.WebhookEndpoint.retrieve(created.id)
    assert ei.value.http_status == 404
    with pytest.raises(stripe.InvalidRequestError) as ei:
        stripe.WebhookEndpoint.create(url="https://e.com", enabled_events=["nope.event"])
    assert ei.value.param == "enabled_events[0]"
