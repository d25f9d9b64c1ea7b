//! `Idempotency-Key`: replays, mismatches, concurrent duplicates, validation failures that
//! do not burn the key, per-mode scoping, and 24 h retention.

use crate::common::*;
use verifyd_core::Clock;

const SESSIONS: &str = "/v1/identity/verification_sessions";

async fn count(app: &TestApp, key: &str) -> usize {
    app.get(key, SESSIONS, &[("limit", "100")]).await.body["data"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_replay_returns_the_saved_response_with_the_replayed_header() {
    let app = TestApp::spawn().await;
    let params = [("type", "document"), ("metadata[a]", "1")];
    let first = app
        .post_idempotent(SK_TEST, SESSIONS, &params, "key-1")
        .await;
    assert_eq!(first.status, 200);
    assert!(first.header("idempotent-replayed").is_none());
    let second = app
        .post_idempotent(SK_TEST, SESSIONS, &params, "key-1")
        .await;
    assert_eq!(second.status, 200);
    assert_eq!(second.header("idempotent-replayed"), Some("true"));
    assert_eq!(second.body, first.body);
    assert_eq!(second.header("request-id"), first.header("request-id"));
    assert_eq!(count(&app, SK_TEST).await, 1);
}

#[tokio::test]
async fn the_same_key_with_other_parameters_or_endpoint_is_an_idempotency_error() {
    let app = TestApp::spawn().await;
    let first = app
        .post_idempotent(SK_TEST, SESSIONS, &[("type", "document")], "key-2")
        .await;
    let other = app
        .post_idempotent(SK_TEST, SESSIONS, &[("type", "id_number")], "key-2")
        .await;
    other.assert_error(400, None);
    assert_eq!(other.body["error"]["type"], "idempotency_error");
    assert!(other.message().contains("same parameters"));
    let elsewhere = app
        .post_idempotent(
            SK_TEST,
            &format!("{}/cancel", session_path(&first.id())),
            &[],
            "key-2",
        )
        .await;
    elsewhere.assert_error(400, None);
    assert_eq!(elsewhere.body["error"]["type"], "idempotency_error");
    assert_eq!(count(&app, SK_TEST).await, 1);
}

#[tokio::test]
async fn concurrent_duplicates_create_exactly_one_session() {
    let app = TestApp::spawn().await;
    let mut handles = Vec::new();
    for _ in 0..12 {
        let client = app.client.clone();
        let url = format!("{}{SESSIONS}", app.base);
        handles.push(tokio::spawn(async move {
            let response = client
                .post(url)
                .bearer_auth(SK_TEST)
                .header("Idempotency-Key", "key-race")
                .header("Content-Type", "application/x-www-form-urlencoded")
                .body("type=document")
                .send()
                .await
                .unwrap();
            let status = response.status().as_u16();
            let body: serde_json::Value = response.json().await.unwrap();
            (status, body)
        }));
    }
    let mut ids = std::collections::HashSet::new();
    for handle in handles {
        let (status, body) = handle.await.unwrap();
        match status {
            200 => {
                ids.insert(body["id"].as_str().unwrap().to_owned());
            }
            409 => {
                assert_eq!(body["error"]["code"], "idempotency_key_in_use");
                assert_eq!(body["error"]["type"], "idempotency_error");
            }
            other => panic!("unexpected status {other}: {body}"),
        }
    }
    assert_eq!(ids.len(), 1);
    assert_eq!(count(&app, SK_TEST).await, 1);
}

#[tokio::test]
async fn validation_failures_do_not_use_up_the_key_but_execution_errors_are_saved() {
    let app = TestApp::spawn().await;
    let bad = app
        .post_idempotent(SK_TEST, SESSIONS, &[("type", "bogus")], "key-3")
        .await;
    bad.assert_error(400, Some("type"));
    let bad_again = app
        .post_idempotent(SK_TEST, SESSIONS, &[("type", "document")], "key-3")
        .await;
    assert_eq!(bad_again.status, 200, "{}", bad_again.body);

    let id = app.create_session(&[]).await.id();
    let cancel = format!("{}/cancel", session_path(&id));
    app.post(SK_TEST, &cancel, &[]).await;
    let refused = app.post_idempotent(SK_TEST, &cancel, &[], "key-4").await;
    refused.assert_error(400, None);
    let replayed = app.post_idempotent(SK_TEST, &cancel, &[], "key-4").await;
    assert_eq!(replayed.status, 400);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.body, refused.body);
}

#[tokio::test]
async fn keys_are_scoped_per_mode_and_expire_after_24_hours() {
    let app = TestApp::spawn().await;
    let test = app
        .post_idempotent(SK_TEST, SESSIONS, &[("type", "document")], "key-5")
        .await;
    let live = app
        .post_idempotent(SK_LIVE, SESSIONS, &[("type", "document")], "key-5")
        .await;
    assert_eq!(live.status, 200);
    assert_ne!(live.id(), test.id());
    assert!(live.header("idempotent-replayed").is_none());

    app.clock.advance_seconds(24 * 60 * 60 + 1);
    let after = app
        .post_idempotent(SK_TEST, SESSIONS, &[("type", "document")], "key-5")
        .await;
    assert_eq!(after.status, 200);
    assert_ne!(after.id(), test.id());
    assert_eq!(count(&app, SK_TEST).await, 2);
}

#[tokio::test]
async fn get_requests_ignore_idempotency_keys() {
    let app = TestApp::spawn().await;
    let id = app.create_session(&[]).await.id();
    for _ in 0..2 {
        let reply = app
            .send(
                app.client
                    .get(format!("{}{}", app.base, session_path(&id)))
                    .bearer_auth(SK_TEST)
                    .header("Idempotency-Key", "key-get"),
            )
            .await;
        assert_eq!(reply.status, 200);
        assert!(reply.header("idempotent-replayed").is_none());
    }
}

#[tokio::test]
async fn a_key_that_is_not_ascii_is_refused_never_ignored() {
    let app = TestApp::spawn().await;
    for _ in 0..2 {
        let request = app
            .client
            .post(format!("{}{SESSIONS}", app.base))
            .bearer_auth(SK_TEST)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .header(
                "Idempotency-Key",
                reqwest::header::HeaderValue::from_bytes("clé-1".as_bytes()).unwrap(),
            )
            .body("type=document");
        let reply = app.send(request).await;
        assert_eq!(reply.status, 400, "{}", reply.body);
        assert_eq!(reply.body["error"]["type"], "idempotency_error");
        assert!(reply.header("request-id").is_some());
    }
    assert_eq!(count(&app, SK_TEST).await, 0, "nothing was created");
}

#[tokio::test]
async fn after_a_crash_a_retry_runs_at_once_on_sqlite_and_after_the_lock_on_postgres() {
    let app = TestApp::spawn().await;
    let path = "/v1/identity/verification_sessions";
    let pairs = [("type", "document")];
    // A request that was running when the process died: its key is still claimed.
    let fingerprint = verifyd_server::request::fingerprint_of(
        "POST",
        path,
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), v.to_string()))
            .collect(),
    );
    let now = app.clock.now_millis();
    let claim = app
        .state
        .store()
        .claim_idempotency_key(
            false,
            "crashed-create",
            &fingerprint,
            now,
            60_000,
            86_400_000,
        )
        .await
        .unwrap();
    assert!(matches!(
        claim,
        verifyd_store::IdempotencyClaim::Proceed { .. }
    ));
    let clock = app.clock.clone();
    let dir = app.stop().await;
    let app = TestApp::spawn_in(dir, Options::default(), clock).await;

    let retried = app
        .post_idempotent(SK_TEST, path, &pairs, "crashed-create")
        .await;
    if verifyd_store::testing::use_postgres() {
        // Another process may still be running it: the claim holds until its lock expires.
        retried.assert_error(409, None);
        app.clock.advance_millis(60_001);
        let retried = app
            .post_idempotent(SK_TEST, path, &pairs, "crashed-create")
            .await;
        assert_eq!(retried.status, 200, "{}", retried.body);
    } else {
        // The only process of the SQLite database restarted: nothing can be running it.
        assert_eq!(retried.status, 200, "{}", retried.body);
    }
}
