//! Events and webhooks: every event type delivered and correctly signed; retries on the
//! schedule (injected clock) after errors, timeouts and redirects; giving up; disabled and
//! deleted endpoints; restarts; two workers; the live-mode address guard; the events and
//! webhook endpoint APIs.

use crate::common::*;
use crate::receiver::{signature_valid, Behavior, Receiver};
use serde_json::{json, Value};
use std::collections::HashSet;
use std::time::Duration;
use verifyd_server::webhooks::delivery::WebhookConfig;

const ENDPOINTS: &str = "/v1/webhook_endpoints";
const ALL_TYPES: [&str; 6] = [
    "identity.verification_session.canceled",
    "identity.verification_session.created",
    "identity.verification_session.processing",
    "identity.verification_session.redacted",
    "identity.verification_session.requires_input",
    "identity.verification_session.verified",
];

fn helper(id: &str, action: &str) -> String {
    format!("/v1/test_helpers/identity/verification_sessions/{id}/{action}")
}

async fn endpoint(app: &TestApp, key: &str, url: &str, events: &[&str]) -> (String, String) {
    let mut pairs = vec![("url", url)];
    pairs.extend(events.iter().map(|e| ("enabled_events[]", *e)));
    let reply = app.post(key, ENDPOINTS, &pairs).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    (
        reply.id(),
        reply.body["secret"].as_str().unwrap().to_owned(),
    )
}

async fn deliver_all(app: &TestApp) -> usize {
    let worker = app.state.delivery_worker();
    let mut n = 0;
    loop {
        let claimed = worker.run_once().await.unwrap();
        if claimed == 0 {
            return n;
        }
        n += claimed;
    }
}

async fn quiet_app() -> TestApp {
    TestApp::spawn_with(Options { run_workers: false }).await
}

async fn quiet_app_with(configure: impl FnOnce(&mut verifyd_server::ServerConfig)) -> TestApp {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    TestApp::spawn_configured(
        dir,
        Options { run_workers: false },
        verifyd_core::clock::ManualClock::starting_now(),
        configure,
    )
    .await
}

async fn events(app: &TestApp, pairs: &[(&str, &str)]) -> Vec<Value> {
    let reply = app.get(SK_TEST, "/v1/events", pairs).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body["data"].as_array().unwrap().clone()
}

#[tokio::test]
async fn every_event_type_is_delivered_once_and_signed() {
    let app = quiet_app().await;
    let receiver = Receiver::start().await;
    let (_, secret) = endpoint(
        &app,
        SK_TEST,
        &receiver.url,
        &["*", "identity.verification_session.redacted"],
    )
    .await;
    let a = app.create_session(&[]).await.id();
    app.post(SK_TEST, &format!("{}/cancel", session_path(&a)), &[])
        .await;
    let b = app.create_session(&[]).await.id();
    app.post(SK_TEST, &helper(&b, "verify"), &[]).await;
    let c = app.create_session(&[]).await.id();
    app.post(SK_TEST, &helper(&c, "require_input"), &[]).await;
    app.post(SK_TEST, &format!("{}/redact", session_path(&b)), &[])
        .await;
    app.drain_jobs().await;
    assert_eq!(deliver_all(&app).await, 9);

    let hits = receiver.hits();
    let mut types = HashSet::new();
    let mut ids = HashSet::new();
    for hit in &hits {
        assert!(
            signature_valid(&hit.signature, &hit.body, &secret),
            "{}",
            hit.signature
        );
        assert!(!signature_valid(&hit.signature, &hit.body, "whsec_other"));
        assert!(hit.signature.contains(",v0="), "test mode adds a v0");
        let event = hit.json();
        assert_eq!(event["object"], "event");
        assert_eq!(event["livemode"], false);
        assert_eq!(
            event["data"]["object"]["object"],
            "identity.verification_session"
        );
        types.insert(event["type"].as_str().unwrap().to_owned());
        ids.insert(event["id"].as_str().unwrap().to_owned());
    }
    assert_eq!(ids.len(), hits.len(), "each event delivered once");
    let expected: HashSet<String> = ALL_TYPES.iter().map(|t| t.to_string()).collect();
    assert_eq!(types, expected);

    // The API agrees: every event delivered.
    let listed = events(&app, &[("limit", "100")]).await;
    assert_eq!(listed.len(), 9);
    assert!(listed.iter().all(|e| e["pending_webhooks"] == 0));
    assert_eq!(
        events(&app, &[("delivery_success", "false")]).await.len(),
        0
    );
    let redacted = events(&app, &[("type", "identity.verification_session.redacted")]).await;
    assert_eq!(
        redacted[0]["data"]["object"]["redaction"]["status"],
        "redacted"
    );
    assert_eq!(
        redacted[0]["request"]["id"],
        json!(null),
        "caused by a worker"
    );
    let created = events(&app, &[("type", "identity.verification_session.created")]).await;
    assert!(created[0]["request"]["id"]
        .as_str()
        .unwrap()
        .starts_with("req_"));
}

#[tokio::test]
async fn the_wildcard_does_not_carry_redacted_events() {
    let app = quiet_app().await;
    let receiver = Receiver::start().await;
    endpoint(&app, SK_TEST, &receiver.url, &["*"]).await;
    let id = app.create_session(&[]).await.id();
    app.post(SK_TEST, &format!("{}/redact", session_path(&id)), &[])
        .await;
    app.drain_jobs().await;
    deliver_all(&app).await;
    let types: Vec<String> = receiver
        .hits()
        .iter()
        .map(|h| h.json()["type"].as_str().unwrap().to_owned())
        .collect();
    assert!(types.contains(&"identity.verification_session.canceled".to_owned()));
    assert!(!types.contains(&"identity.verification_session.redacted".to_owned()));
    let redacted = events(&app, &[("type", "identity.verification_session.redacted")]).await;
    assert_eq!(redacted.len(), 1, "the event exists, it is just not sent");
    assert_eq!(redacted[0]["pending_webhooks"], 0);
}

#[tokio::test]
async fn a_failed_delivery_is_retried_on_schedule_and_succeeds_after_recovery() {
    let app = quiet_app().await;
    let receiver = Receiver::start().await;
    let (_, secret) = endpoint(&app, SK_TEST, &receiver.url, &["*"]).await;
    receiver.script([Behavior::Status(500)]);
    app.create_session(&[]).await;
    let event = events(&app, &[]).await[0].clone();
    let event_id = event["id"].as_str().unwrap();
    assert_eq!(event["pending_webhooks"], 1);

    let started = app.clock.now_millis_for_tests();
    assert_eq!(deliver_all(&app).await, 1);
    let state = &app
        .state
        .store()
        .deliveries_of_event(event_id)
        .await
        .unwrap()[0];
    assert_eq!(state.state, "pending");
    let delay = state.next_attempt_at - started;
    assert!(
        (54_000..=60_000).contains(&delay),
        "first retry within a minute: {delay}"
    );
    assert_eq!(deliver_all(&app).await, 0, "not due yet");
    assert_eq!(
        events(&app, &[("delivery_success", "false")]).await.len(),
        1
    );

    app.clock.advance_millis(60_000);
    assert_eq!(deliver_all(&app).await, 1);
    let hits = receiver.hits();
    assert_eq!(hits.len(), 2);
    let t = |h: &str| h.split(',').next().unwrap().to_owned();
    assert_ne!(
        t(&hits[0].signature),
        t(&hits[1].signature),
        "fresh timestamp per attempt"
    );
    assert!(signature_valid(&hits[1].signature, &hits[1].body, &secret));
    assert_eq!(events(&app, &[]).await[0]["pending_webhooks"], 0);
    assert_eq!(events(&app, &[("delivery_success", "true")]).await.len(), 1);
    assert_eq!(app.state.store().attempt_count(event_id).await.unwrap(), 2);
}

#[tokio::test]
async fn timeouts_and_redirects_are_failures_and_test_mode_gives_up_after_three_retries() {
    let app = quiet_app_with(|c| {
        c.webhooks = WebhookConfig {
            timeout: Duration::from_millis(300),
            ..WebhookConfig::default()
        }
    })
    .await;
    let receiver = Receiver::start().await;
    endpoint(&app, SK_TEST, &receiver.url, &["*"]).await;
    receiver.script([
        Behavior::Delay(Duration::from_secs(2)),
        Behavior::Redirect,
        Behavior::Status(404),
        Behavior::Status(503),
        Behavior::Status(200),
    ]);
    app.create_session(&[]).await;
    let event_id = events(&app, &[]).await[0]["id"]
        .as_str()
        .unwrap()
        .to_owned();
    for _ in 0..4 {
        assert_eq!(deliver_all(&app).await, 1);
        app.clock.advance_seconds(3 * 3600);
    }
    assert_eq!(deliver_all(&app).await, 0, "no fifth attempt");
    let state = &app
        .state
        .store()
        .deliveries_of_event(&event_id)
        .await
        .unwrap()[0];
    assert_eq!(state.state, "failed");
    assert_eq!(state.attempts, 4);
    assert_eq!(receiver.hits().len(), 4, "the redirect was not followed");
    let failed = events(&app, &[("delivery_success", "false")]).await;
    assert_eq!(failed.len(), 1);
    // Stripe counts endpoints not successfully delivered to, failed ones included.
    assert_eq!(failed[0]["pending_webhooks"], 1);
}

#[tokio::test]
async fn disabling_or_deleting_an_endpoint_stops_its_deliveries() {
    let app = quiet_app().await;
    let receiver = Receiver::start().await;
    let (id, _) = endpoint(&app, SK_TEST, &receiver.url, &["*"]).await;
    receiver.script([Behavior::Status(500)]);
    app.create_session(&[]).await;
    deliver_all(&app).await;
    let disabled = app
        .post(
            SK_TEST,
            &format!("{ENDPOINTS}/{id}"),
            &[("disabled", "true")],
        )
        .await;
    assert_eq!(disabled.body["status"], "disabled");
    app.clock.advance_seconds(3600);
    assert_eq!(deliver_all(&app).await, 0);
    app.create_session(&[]).await;
    assert_eq!(
        deliver_all(&app).await,
        0,
        "a disabled endpoint gets no new events"
    );
    assert_eq!(receiver.hits().len(), 1);

    let enabled = app
        .post(
            SK_TEST,
            &format!("{ENDPOINTS}/{id}"),
            &[("disabled", "false")],
        )
        .await;
    assert_eq!(enabled.body["status"], "enabled");
    app.create_session(&[]).await;
    assert_eq!(deliver_all(&app).await, 1);

    receiver.script([Behavior::Status(500)]);
    app.create_session(&[]).await;
    deliver_all(&app).await;
    let deleted = app
        .send(
            app.client
                .delete(format!("{}{ENDPOINTS}/{id}", app.base))
                .bearer_auth(SK_TEST),
        )
        .await;
    assert_eq!(
        deleted.body,
        json!({"id": id, "object": "webhook_endpoint", "deleted": true})
    );
    app.clock.advance_seconds(3600);
    assert_eq!(deliver_all(&app).await, 0);
    assert_eq!(receiver.hits().len(), 3);
    app.get(SK_TEST, &format!("{ENDPOINTS}/{id}"), &[])
        .await
        .assert_error(404, Some("id"));
}

#[tokio::test]
async fn deliveries_resume_after_a_restart() {
    let app = quiet_app().await;
    let receiver = Receiver::start().await;
    endpoint(&app, SK_TEST, &receiver.url, &["*"]).await;
    let id = app.create_session(&[]).await.id();
    let clock = app.clock.clone();
    let dir = app.stop().await;
    assert!(receiver.hits().is_empty());
    let app = TestApp::spawn_in(dir, Options::default(), clock).await;
    for _ in 0..50 {
        if !receiver.hits().is_empty() {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    assert_eq!(hits[0].json()["data"]["object"]["id"], json!(id));
    drop(app);
}

#[tokio::test]
async fn two_workers_deliver_each_event_exactly_once() {
    let app = quiet_app().await;
    let receiver = Receiver::start().await;
    endpoint(&app, SK_TEST, &receiver.url, &["*"]).await;
    // More than two batches, so the workers contend for due rows.
    for _ in 0..80 {
        app.create_session(&[]).await;
    }
    let one = app.state.delivery_worker();
    let two = app.state.delivery_worker();
    let run = |w: verifyd_server::webhooks::delivery::DeliveryWorker| async move {
        let mut n = 0;
        loop {
            let claimed = w.run_once().await.unwrap();
            if claimed == 0 {
                return n;
            }
            n += claimed;
        }
    };
    let (a, b) = tokio::join!(run(one), run(two));
    assert_eq!(a + b, 80);
    let ids: Vec<String> = receiver
        .hits()
        .iter()
        .map(|h| h.json()["id"].as_str().unwrap().to_owned())
        .collect();
    let unique: HashSet<&String> = ids.iter().collect();
    assert_eq!(ids.len(), 80);
    assert_eq!(unique.len(), 80);
}

#[tokio::test]
async fn live_mode_refuses_loopback_unless_allowed() {
    let app = quiet_app().await;
    let receiver = Receiver::start().await;
    endpoint(&app, SK_LIVE, &receiver.url, &["*"]).await;
    app.post(
        SK_LIVE,
        "/v1/identity/verification_sessions",
        &[("type", "document")],
    )
    .await;
    assert_eq!(deliver_all(&app).await, 1);
    assert!(
        receiver.hits().is_empty(),
        "nothing reached the loopback receiver"
    );

    let allowed = quiet_app_with(|c| c.webhooks.allow_private_in_live = true).await;
    let (_, secret) = endpoint(&allowed, SK_LIVE, &receiver.url, &["*"]).await;
    allowed
        .post(
            SK_LIVE,
            "/v1/identity/verification_sessions",
            &[("type", "document")],
        )
        .await;
    assert_eq!(deliver_all(&allowed).await, 1);
    let hits = receiver.hits();
    assert_eq!(hits.len(), 1);
    assert!(signature_valid(&hits[0].signature, &hits[0].body, &secret));
    assert!(!hits[0].signature.contains("v0="), "live mode sends no v0");
    assert_eq!(hits[0].json()["livemode"], true);
}

#[tokio::test]
async fn webhook_endpoint_crud_and_errors() {
    let app = quiet_app().await;
    let created = app
        .post(
            SK_TEST,
            ENDPOINTS,
            &[
                ("url", "https://example.com/hook"),
                ("enabled_events[]", "identity.verification_session.verified"),
                ("description", "main"),
                ("metadata[team]", "id"),
                ("api_version", "2026-07-29.dahlia"),
            ],
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let id = created.id();
    assert!(id.starts_with("we_"));
    assert!(created.body["secret"]
        .as_str()
        .unwrap()
        .starts_with("whsec_"));
    assert_eq!(created.body["status"], "enabled");
    assert_eq!(created.body["application"], json!(null));
    let got = app.get(SK_TEST, &format!("{ENDPOINTS}/{id}"), &[]).await;
    assert!(
        got.body.get("secret").is_none(),
        "the secret is shown only on create"
    );
    assert_eq!(got.body["description"], "main");
    let updated = app
        .post(
            SK_TEST,
            &format!("{ENDPOINTS}/{id}"),
            &[
                ("description", ""),
                ("enabled_events[0]", "*"),
                ("url", "https://example.com/other"),
            ],
        )
        .await;
    assert_eq!(updated.body["description"], json!(null));
    assert_eq!(updated.body["enabled_events"], json!(["*"]));
    assert_eq!(updated.body["url"], "https://example.com/other");
    let list = app.get(SK_TEST, ENDPOINTS, &[]).await;
    assert_eq!(list.body["url"], ENDPOINTS);
    assert_eq!(list.body["data"][0]["id"], json!(id));
    assert_eq!(
        app.get(SK_LIVE, ENDPOINTS, &[]).await.body["data"],
        json!([])
    );

    let bad_event = app
        .post(
            SK_TEST,
            ENDPOINTS,
            &[
                ("url", "https://e.com"),
                ("enabled_events[]", "identity.nope"),
            ],
        )
        .await;
    bad_event.assert_error(400, Some("enabled_events[0]"));
    app.post(SK_TEST, ENDPOINTS, &[("url", "https://e.com")])
        .await
        .assert_error(400, Some("enabled_events"));
    app.post(SK_TEST, ENDPOINTS, &[("enabled_events[]", "*")])
        .await
        .assert_error(400, Some("url"));
    let bad_url = app
        .post(
            SK_TEST,
            ENDPOINTS,
            &[("url", "ftp://e.com"), ("enabled_events[]", "*")],
        )
        .await;
    bad_url.assert_error(400, Some("url"));
    assert_eq!(bad_url.code(), Some("url_invalid"));
    app.post(
        SK_TEST,
        ENDPOINTS,
        &[
            ("url", "https://e.com"),
            ("enabled_events[]", "*"),
            ("api_version", "1999-01-01"),
        ],
    )
    .await
    .assert_error(400, Some("api_version"));
    app.post(
        SK_TEST,
        &format!("{ENDPOINTS}/{id}"),
        &[("api_version", "2026-07-29.dahlia")],
    )
    .await
    .assert_error(400, Some("api_version"));
    app.get(RK_TEST, ENDPOINTS, &[])
        .await
        .assert_error(403, None);
    for _ in 0..15 {
        endpoint(&app, SK_TEST, "https://example.com/h", &["*"]).await;
    }
    app.post(
        SK_TEST,
        ENDPOINTS,
        &[("url", "https://e.com"), ("enabled_events[]", "*")],
    )
    .await
    .assert_error(400, None);
}

#[tokio::test]
async fn the_events_api_filters_and_paginates() {
    let app = quiet_app().await;
    let reply = app
        .post_idempotent(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &[("type", "document")],
            "idem-events-1",
        )
        .await;
    let id = reply.id();
    app.post(SK_TEST, &helper(&id, "verify"), &[]).await;
    let all = events(&app, &[]).await;
    let types: Vec<&str> = all.iter().map(|e| e["type"].as_str().unwrap()).collect();
    assert_eq!(
        types,
        vec![
            "identity.verification_session.verified",
            "identity.verification_session.processing",
            "identity.verification_session.created"
        ]
    );
    assert_eq!(all[2]["request"]["idempotency_key"], "idem-events-1");
    assert_eq!(all[0]["data"]["object"]["status"], "verified");
    assert!(all[0]["data"]["object"].get("verified_outputs").is_none());
    assert_eq!(
        events(&app, &[("type", "identity.verification_session.*")])
            .await
            .len(),
        3
    );
    assert_eq!(events(&app, &[("type", "*.created")]).await.len(), 1);
    assert_eq!(
        events(&app, &[("type", "identity_verification_session.*")])
            .await
            .len(),
        0
    );
    // Matching is case-sensitive on both backends, and `!` is an ordinary character.
    assert_eq!(
        events(&app, &[("type", "IDENTITY.verification_session.*")])
            .await
            .len(),
        0
    );
    assert_eq!(events(&app, &[("type", "!*")]).await.len(), 0);
    let two = events(
        &app,
        &[
            ("types[]", "identity.verification_session.created"),
            ("types[]", "identity.verification_session.verified"),
        ],
    )
    .await;
    assert_eq!(two.len(), 2);
    let page = app.get(SK_TEST, "/v1/events", &[("limit", "1")]).await;
    assert_eq!(page.body["has_more"], true);
    let after = events(&app, &[("starting_after", all[0]["id"].as_str().unwrap())]).await;
    assert_eq!(after.len(), 2);
    let one = app
        .get(
            SK_TEST,
            &format!("/v1/events/{}", all[1]["id"].as_str().unwrap()),
            &[],
        )
        .await;
    assert_eq!(one.body, all[1]);
    app.get(SK_TEST, "/v1/events/evt_nope", &[])
        .await
        .assert_error(404, Some("id"));
    assert!(events_in_live(&app).await.is_empty());
    let both = app
        .get(
            SK_TEST,
            "/v1/events",
            &[
                ("type", "x"),
                ("types[]", "identity.verification_session.created"),
            ],
        )
        .await;
    both.assert_error(400, Some("type"));
    let many: Vec<(&str, &str)> = (0..21).map(|_| ("types[]", "a")).collect();
    app.get(SK_TEST, "/v1/events", &many)
        .await
        .assert_error(400, Some("types"));
}

async fn events_in_live(app: &TestApp) -> Vec<Value> {
    app.get(SK_LIVE, "/v1/events", &[]).await.body["data"]
        .as_array()
        .unwrap()
        .clone()
}

trait MillisForTests {
    fn now_millis_for_tests(&self) -> i64;
}

impl MillisForTests for verifyd_core::clock::ManualClock {
    fn now_millis_for_tests(&self) -> i64 {
        use verifyd_core::Clock;
        self.now_millis()
    }
}

#[tokio::test]
async fn events_older_than_30_days_are_pruned() {
    let app = quiet_app().await;
    app.create_session(&[]).await;
    assert_eq!(events(&app, &[]).await.len(), 1);
    let clock = app.clock.clone();
    let dir = app.stop().await;
    clock.advance_seconds(29 * 24 * 3600);
    let app = TestApp::spawn_in(dir, Options::default(), clock.clone()).await;
    app.create_session(&[]).await;
    tokio::time::sleep(Duration::from_millis(300)).await;
    assert_eq!(events(&app, &[]).await.len(), 2, "29 days old: kept");
    let dir = app.stop().await;
    clock.advance_seconds(2 * 24 * 3600);
    let app = TestApp::spawn_in(dir, Options::default(), clock).await;
    let mut remaining = usize::MAX;
    for _ in 0..50 {
        remaining = events(&app, &[]).await.len();
        if remaining == 1 {
            break;
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
    assert_eq!(
        remaining, 1,
        "the 31-day-old event is gone, the 2-day-old one stays"
    );
}

#[tokio::test]
async fn deleting_an_endpoint_leaves_no_replayable_copy_of_its_signing_secret() {
    let app = TestApp::spawn().await;
    let params = [
        ("url", "https://example.com/hooks"),
        ("enabled_events[]", "*"),
    ];
    let created = app
        .post_idempotent(
            SK_TEST,
            "/v1/webhook_endpoints",
            &params,
            "endpoint-create-1",
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let id = created.id();
    let secret = created.body["secret"].as_str().unwrap().to_owned();
    let replayed = app
        .post_idempotent(
            SK_TEST,
            "/v1/webhook_endpoints",
            &params,
            "endpoint-create-1",
        )
        .await;
    assert_eq!(
        replayed.body["secret"],
        secret.as_str(),
        "replays as created"
    );

    let deleted = app
        .send(
            app.client
                .delete(format!("{}/v1/webhook_endpoints/{id}", app.base))
                .bearer_auth(SK_TEST),
        )
        .await;
    assert_eq!(deleted.status, 200, "{}", deleted.body);
    let replayed = app
        .post_idempotent(
            SK_TEST,
            "/v1/webhook_endpoints",
            &params,
            "endpoint-create-1",
        )
        .await;
    assert_eq!(replayed.status, 200, "{}", replayed.body);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(
        replayed.body,
        serde_json::json!({"id": id, "object": "webhook_endpoint", "deleted": true})
    );
    assert!(!replayed.body.to_string().contains(&secret));
    assert!(app
        .state
        .store()
        .data_key_ids(&id)
        .await
        .unwrap()
        .is_empty());
}
