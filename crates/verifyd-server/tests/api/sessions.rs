//! The session lifecycle through the API: create, retrieve, update, cancel, redact, the
//! state rules, secrets, test/live isolation and durability across restarts.

use crate::common::*;
use serde_json::{json, Value};
use verifyd_core::session::{
    Address, Date, SessionStatus, VerifiedOutputs, CLIENT_SECRET_TTL_MILLIS, URL_TTL_MILLIS,
};

/// Puts a session into `status` directly through the store (no API reaches these states
/// before the verification flow exists), optionally with verified outputs.
pub async fn force_status(
    app: &TestApp,
    livemode: bool,
    id: &str,
    status: SessionStatus,
    outputs: Option<VerifiedOutputs>,
) {
    let mut tx = app.state.store().begin().await.unwrap();
    let mut session = tx.session(livemode, id).await.unwrap().unwrap();
    session.status = status;
    if status != SessionStatus::RequiresInput {
        session.secrets = None;
    }
    session.verified_outputs = outputs;
    tx.update_session(&session).await.unwrap();
    tx.commit().await.unwrap();
}

pub fn jenny() -> VerifiedOutputs {
    VerifiedOutputs {
        first_name: Some("Jenny".into()),
        last_name: Some("Rosen".into()),
        dob: Some(Date::new(1990, 5, 17)),
        id_number: Some("123456789".into()),
        address: Some(Address {
            line1: Some("1234 Main St.".into()),
            city: Some("San Francisco".into()),
            state: Some("CA".into()),
            postal_code: Some("94111".into()),
            country: Some("US".into()),
            line2: None,
        }),
        ..Default::default()
    }
}

#[tokio::test]
async fn root_answers_without_authentication_and_every_response_has_a_request_id() {
    let app = TestApp::spawn().await;
    let reply = app.send(app.client.get(format!("{}/", app.base))).await;
    assert_eq!(reply.status, 200);
    assert_eq!(reply.body["status"], "ok");
    assert!(reply.header("request-id").unwrap().starts_with("req_"));
    let error = app
        .get(
            "sk_test_nope000000000000000000",
            "/v1/identity/verification_sessions",
            &[],
        )
        .await;
    assert_eq!(error.status, 401);
    assert!(error.header("request-id").unwrap().starts_with("req_"));
}

#[tokio::test]
async fn create_with_every_parameter_echoes_them_in_stripes_shape() {
    let app = TestApp::spawn().await;
    let reply = app
        .create_session(&[
            ("client_reference_id", "user_42"),
            ("metadata[order]", "A-1"),
            ("options[document][allowed_types][]", "driving_license"),
            ("options[document][allowed_types][]", "passport"),
            ("options[document][require_id_number]", "true"),
            ("options[document][require_live_capture]", "false"),
            ("options[document][require_matching_selfie]", "true"),
            ("provided_details[email]", "jenny@example.com"),
            ("provided_details[phone]", "+15555550100"),
            ("related_customer", "cus_123"),
            ("related_customer_account", "acct_123"),
            ("related_person[account]", "acct_456"),
            ("related_person[person]", "person_789"),
            ("return_url", "https://example.com/done"),
        ])
        .await;
    let s = &reply.body;
    let id = s["id"].as_str().unwrap();
    assert!(id.starts_with("vs_") && id.len() == 27, "{id}");
    assert_eq!(s["object"], "identity.verification_session");
    assert_eq!(s["status"], "requires_input");
    assert_eq!(s["type"], "document");
    assert_eq!(s["livemode"], false);
    assert_eq!(s["client_reference_id"], "user_42");
    assert_eq!(s["metadata"], json!({"order": "A-1"}));
    assert_eq!(
        s["options"],
        json!({"document": {
            "allowed_types": ["driving_license", "passport"],
            "require_id_number": true,
            "require_live_capture": false,
            "require_matching_selfie": true
        }})
    );
    assert_eq!(s["related_customer"], "cus_123");
    assert_eq!(s["related_customer_account"], "acct_123");
    assert_eq!(
        s["related_person"],
        json!({"account": "acct_456", "person": "person_789"})
    );
    assert!(s["client_secret"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{id}_secret_")));
    assert!(s["url"]
        .as_str()
        .unwrap()
        .starts_with(&format!("{}/verify/start/", app.base)));
    assert_eq!(s["last_error"], json!(null));
    assert_eq!(s["last_verification_report"], json!(null));
    assert_eq!(s["redaction"], json!(null));
    assert!(s.get("verified_outputs").is_none());
    assert!(s.get("provided_details").is_none());
    assert!(s.get("return_url").is_none());

    let expanded = app
        .get(
            SK_TEST,
            &session_path(id),
            &[
                ("expand[]", "provided_details"),
                ("expand[]", "verified_outputs"),
            ],
        )
        .await;
    assert_eq!(
        expanded.body["provided_details"],
        json!({"email": "jenny@example.com", "phone": "+15555550100"})
    );
    assert_eq!(expanded.body["verified_outputs"], json!(null));
}

#[tokio::test]
async fn a_session_without_options_has_empty_options_and_id_number_sessions_work() {
    let app = TestApp::spawn().await;
    let doc = app.create_session(&[]).await;
    assert_eq!(doc.body["options"], json!({}));
    let idn = app
        .post(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &[("type", "id_number")],
        )
        .await;
    assert_eq!(idn.status, 200);
    assert_eq!(idn.body["type"], "id_number");
}

#[tokio::test]
async fn retrieve_returns_the_stored_session_and_404s_unknown_ids() {
    let app = TestApp::spawn().await;
    let created = app.create_session(&[("metadata[a]", "1")]).await;
    let id = created.id();
    let got = app.get(SK_TEST, &session_path(&id), &[]).await;
    assert_eq!(got.status, 200);
    assert_eq!(got.body, created.body);

    let missing = app
        .get(SK_TEST, &session_path("vs_doesnotexist"), &[])
        .await;
    missing.assert_error(404, Some("id"));
    assert_eq!(missing.code(), Some("resource_missing"));
    assert_eq!(
        missing.message(),
        "No such VerificationSession: 'vs_doesnotexist'"
    );
}

#[tokio::test]
async fn test_and_live_objects_are_invisible_to_each_other() {
    let app = TestApp::spawn().await;
    let test = app.create_session(&[]).await;
    let live = app
        .post(
            SK_LIVE,
            "/v1/identity/verification_sessions",
            &[("type", "document")],
        )
        .await;
    assert_eq!(live.body["livemode"], true);
    assert!(live.body["client_secret"]
        .as_str()
        .unwrap()
        .contains("_secret_live_"));
    app.get(SK_LIVE, &session_path(&test.id()), &[])
        .await
        .assert_error(404, Some("id"));
    app.get(SK_TEST, &session_path(&live.id()), &[])
        .await
        .assert_error(404, Some("id"));
    app.post(
        SK_LIVE,
        &format!("{}/cancel", session_path(&test.id())),
        &[],
    )
    .await
    .assert_error(404, Some("id"));
    let test_list = app
        .get(SK_TEST, "/v1/identity/verification_sessions", &[])
        .await;
    let ids: Vec<&str> = test_list.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .map(|s| s["id"].as_str().unwrap())
        .collect();
    assert_eq!(ids, vec![test.id()]);
}

#[tokio::test]
async fn update_merges_metadata_and_options_and_unsets_with_empty_strings() {
    let app = TestApp::spawn().await;
    let id = app
        .create_session(&[
            ("metadata[a]", "1"),
            ("metadata[b]", "2"),
            ("options[document][require_matching_selfie]", "true"),
        ])
        .await
        .id();
    let path = session_path(&id);
    let updated = app
        .post(
            SK_TEST,
            &path,
            &[
                ("metadata[a]", ""),
                ("metadata[c]", "3"),
                ("options[document][allowed_types][0]", "passport"),
                ("type", "id_number"),
                ("provided_details[email]", "a@example.com"),
                ("expand[]", "provided_details"),
            ],
        )
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(updated.body["metadata"], json!({"b": "2", "c": "3"}));
    assert_eq!(
        updated.body["options"],
        json!({"document": {"allowed_types": ["passport"], "require_matching_selfie": true}})
    );
    assert_eq!(updated.body["type"], "id_number");
    assert_eq!(updated.body["provided_details"]["email"], "a@example.com");

    let cleared = app
        .post(
            SK_TEST,
            &path,
            &[("metadata", ""), ("options[document]", "")],
        )
        .await;
    assert_eq!(cleared.body["metadata"], json!({}));
    assert_eq!(cleared.body["options"], json!({}));
    assert_eq!(
        app.get(SK_TEST, &path, &[]).await.body["metadata"],
        json!({})
    );
}

#[tokio::test]
async fn update_refuses_parameters_that_are_create_only() {
    let app = TestApp::spawn().await;
    let path = session_path(&app.create_session(&[]).await.id());
    for param in [
        "client_reference_id",
        "return_url",
        "related_customer",
        "verification_flow",
    ] {
        let reply = app.post(SK_TEST, &path, &[(param, "x")]).await;
        reply.assert_error(400, Some(param));
        assert_eq!(reply.code(), Some("parameter_unknown"));
    }
}

#[tokio::test]
async fn cancel_moves_requires_input_to_canceled_and_drops_the_secrets() {
    let app = TestApp::spawn().await;
    let id = app.create_session(&[]).await.id();
    let cancel_path = format!("{}/cancel", session_path(&id));
    let canceled = app
        .post(SK_TEST, &cancel_path, &[("expand[]", "verified_outputs")])
        .await;
    assert_eq!(canceled.status, 200);
    assert_eq!(canceled.body["status"], "canceled");
    assert_eq!(canceled.body["client_secret"], json!(null));
    assert_eq!(canceled.body["url"], json!(null));
    assert_eq!(canceled.body["verified_outputs"], json!(null));

    let again = app.post(SK_TEST, &cancel_path, &[]).await;
    again.assert_error(400, None);
    assert_eq!(again.code(), Some("status_transition_invalid"));
    assert!(again.message().contains("status of canceled"));

    let update = app
        .post(SK_TEST, &session_path(&id), &[("metadata[a]", "b")])
        .await;
    update.assert_error(400, None);
    assert_eq!(update.code(), Some("status_transition_invalid"));
    let retrieved = app.get(SK_TEST, &session_path(&id), &[]).await;
    assert_eq!(retrieved.body["client_secret"], json!(null));
}

#[tokio::test]
async fn update_and_cancel_are_refused_while_processing_or_verified() {
    let app = TestApp::spawn().await;
    for status in [SessionStatus::Processing, SessionStatus::Verified] {
        let id = app.create_session(&[]).await.id();
        force_status(&app, false, &id, status, None).await;
        app.post(SK_TEST, &session_path(&id), &[("metadata[a]", "b")])
            .await
            .assert_error(400, None);
        let cancel = app
            .post(SK_TEST, &format!("{}/cancel", session_path(&id)), &[])
            .await;
        cancel.assert_error(400, None);
        assert!(cancel.message().contains(status.as_str()));
        let got = app.get(SK_TEST, &session_path(&id), &[]).await;
        assert_eq!(got.body["status"], status.as_str());
        assert_eq!(got.body["client_secret"], json!(null));
        assert_eq!(got.body["url"], json!(null));
    }
}

#[tokio::test]
async fn redacting_a_requires_input_session_cancels_it_and_a_job_finishes_the_redaction() {
    let app = TestApp::spawn_with(Options { run_workers: false }).await;
    let id = app
        .create_session(&[
            ("metadata[a]", "1"),
            ("provided_details[email]", "jenny@example.com"),
        ])
        .await
        .id();
    let redact_path = format!("{}/redact", session_path(&id));
    let redacted = app
        .post(SK_TEST, &redact_path, &[("expand[]", "provided_details")])
        .await;
    assert_eq!(redacted.status, 200, "{}", redacted.body);
    assert_eq!(redacted.body["status"], "canceled");
    assert_eq!(redacted.body["redaction"], json!({"status": "processing"}));
    assert_eq!(redacted.body["metadata"], json!({}));
    assert_eq!(redacted.body["client_secret"], json!(null));
    assert_eq!(redacted.body["provided_details"]["email"], "[redacted]");
    assert_eq!(app.state.store().pending_job_count().await.unwrap(), 1);

    app.drain_jobs().await;
    let got = app.get(SK_TEST, &session_path(&id), &[]).await;
    assert_eq!(got.body["redaction"], json!({"status": "redacted"}));
    assert_eq!(app.state.store().pending_job_count().await.unwrap(), 0);
    // The events about the session carry the redacted session, not the original.
    let events = app.get(SK_TEST, "/v1/events", &[("limit", "100")]).await;
    let about: Vec<&Value> = events.body["data"]
        .as_array()
        .unwrap()
        .iter()
        .filter(|e| e["data"]["object"]["id"] == id.as_str())
        .collect();
    assert_eq!(about.len(), 3, "created, canceled, redacted");
    for event in about {
        let object = &event["data"]["object"];
        assert_eq!(object["metadata"], json!({}), "{event}");
        assert_eq!(object["client_secret"], json!(null), "{event}");
        assert_eq!(object["url"], json!(null), "{event}");
        assert_eq!(
            object["redaction"],
            json!({"status": "redacted"}),
            "{event}"
        );
    }

    for path in [
        session_path(&id),
        format!("{}/cancel", session_path(&id)),
        redact_path.clone(),
    ] {
        let reply = app.post(SK_TEST, &path, &[]).await;
        reply.assert_error(400, None);
        assert!(reply.message().contains("redacted"), "{}", reply.body);
    }
}

#[tokio::test]
async fn redacting_a_verified_session_keeps_it_verified_with_placeholder_outputs() {
    let app = TestApp::spawn().await;
    let id = app.create_session(&[]).await.id();
    force_status(&app, false, &id, SessionStatus::Verified, Some(jenny())).await;
    let reply = app
        .post(RK_TEST, &format!("{}/redact", session_path(&id)), &[])
        .await;
    // The default restricted key may read but not write.
    reply.assert_error(403, None);
    let reply = app
        .post(
            SK_TEST,
            &format!("{}/redact", session_path(&id)),
            &[("expand[]", "verified_outputs")],
        )
        .await;
    assert_eq!(reply.body["status"], "verified");
    let outputs = &reply.body["verified_outputs"];
    assert_eq!(outputs["first_name"], "[redacted]");
    assert_eq!(outputs["address"]["line1"], "[redacted]");
    assert_eq!(outputs["address"]["country"], "US");
    assert_eq!(outputs["address"]["line2"], json!(null));

    // The worker in the server finishes the redaction within seconds.
    let mut finished = false;
    for _ in 0..50 {
        let got = app
            .get(
                RK_TEST,
                &session_path(&id),
                &[("expand[]", "verified_outputs.dob")],
            )
            .await;
        if got.body["redaction"]["status"] == "redacted" {
            assert_eq!(
                got.body["verified_outputs"]["dob"],
                json!({"day": 1, "month": 1, "year": 1})
            );
            finished = true;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert!(finished, "redaction did not finish");
}

#[tokio::test]
async fn a_processing_session_cannot_be_redacted() {
    let app = TestApp::spawn().await;
    let id = app.create_session(&[]).await.id();
    force_status(&app, false, &id, SessionStatus::Processing, None).await;
    let reply = app
        .post(SK_TEST, &format!("{}/redact", session_path(&id)), &[])
        .await;
    reply.assert_error(400, None);
    assert_eq!(reply.code(), Some("status_transition_invalid"));
    let got = app.get(SK_TEST, &session_path(&id), &[]).await;
    assert_eq!(got.body["redaction"], json!(null));
}

#[tokio::test]
async fn expired_secrets_are_reminted_on_retrieve() {
    let app = TestApp::spawn().await;
    let created = app.create_session(&[]).await;
    let id = created.id();
    let first_secret = created.body["client_secret"].as_str().unwrap().to_owned();
    let first_url = created.body["url"].as_str().unwrap().to_owned();

    app.clock.advance_millis(CLIENT_SECRET_TTL_MILLIS + 1);
    let listed = app
        .get(SK_TEST, "/v1/identity/verification_sessions", &[])
        .await;
    assert_eq!(listed.body["data"][0]["client_secret"], json!(null));
    let got = app.get(SK_TEST, &session_path(&id), &[]).await;
    let second_secret = got.body["client_secret"].as_str().unwrap();
    assert_ne!(second_secret, first_secret);
    assert_eq!(got.body["url"].as_str().unwrap(), first_url);

    app.clock
        .advance_millis(URL_TTL_MILLIS - CLIENT_SECRET_TTL_MILLIS);
    let got = app.get(SK_TEST, &session_path(&id), &[]).await;
    assert_ne!(got.body["url"].as_str().unwrap(), first_url);
    // Fresh credentials are saved, not re-minted on every read.
    let again = app.get(SK_TEST, &session_path(&id), &[]).await;
    assert_eq!(again.body["url"], got.body["url"]);
    assert_eq!(again.body["client_secret"], got.body["client_secret"]);
}

#[tokio::test]
async fn sessions_and_pending_redactions_survive_a_restart() {
    let app = TestApp::spawn_with(Options { run_workers: false }).await;
    let kept = app.create_session(&[("metadata[k]", "v")]).await;
    let redacted = app.create_session(&[]).await.id();
    app.post(SK_TEST, &format!("{}/redact", session_path(&redacted)), &[])
        .await;
    let clock = app.clock.clone();
    let dir = app.stop().await;

    let app = TestApp::spawn_in(dir, Options::default(), clock).await;
    let mut got = app.get(SK_TEST, &session_path(&kept.id()), &[]).await.body;
    let mut before = kept.body.clone();
    // The restarted server listens on another port; the url token itself is unchanged.
    let token = |v: &mut serde_json::Value| {
        let url = v["url"].as_str().unwrap().to_owned();
        v["url"] = json!(url.rsplit('/').next().unwrap());
    };
    token(&mut got);
    token(&mut before);
    assert_eq!(got, before);
    let mut status = String::new();
    for _ in 0..50 {
        let got = app.get(SK_TEST, &session_path(&redacted), &[]).await;
        status = got.body["redaction"]["status"].as_str().unwrap().to_owned();
        if status == "redacted" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "redacted");
}

#[tokio::test]
async fn a_read_only_restricted_key_sees_no_end_user_credentials_and_mints_none() {
    let app = TestApp::spawn().await;
    let created = app.create_session(&[]).await;
    let id = created.id();
    assert!(created.body["client_secret"].is_string());

    // The default restricted key reads the session, its list and its events without the
    // end user's credentials.
    let read = app.get(RK_TEST, &session_path(&id), &[]).await;
    assert_eq!(read.status, 200, "{}", read.body);
    assert_eq!(read.body["status"], "requires_input");
    assert_eq!(read.body["client_secret"], json!(null));
    assert_eq!(read.body["url"], json!(null));
    let listed = app
        .get(RK_TEST, "/v1/identity/verification_sessions", &[])
        .await;
    assert_eq!(listed.body["data"][0]["client_secret"], json!(null));
    assert_eq!(listed.body["data"][0]["url"], json!(null));
    // A restricted key that may read events (but not write sessions) gets them without
    // the credentials too.
    let events_reader = "rk_test_eventsreader0000000000001";
    insert_restricted_key(
        &app,
        events_reader,
        &[
            verifyd_core::keys::Permission::SessionsRead,
            verifyd_core::keys::Permission::EventsRead,
        ],
    )
    .await;
    let events = app.get(events_reader, "/v1/events", &[]).await;
    assert_eq!(events.status, 200, "{}", events.body);
    let object = &events.body["data"][0]["data"]["object"];
    assert_eq!(object["id"], id.as_str());
    assert_eq!(object["client_secret"], json!(null));
    assert_eq!(object["url"], json!(null));
    // The secret key still sees them.
    let full = app.get(SK_TEST, "/v1/events", &[]).await;
    assert!(full.body["data"][0]["data"]["object"]["client_secret"].is_string());

    // Once the link has expired, a read-only retrieve writes nothing (no fresh link);
    // a retrieve with a key that may write mints one, as Stripe's does.
    app.clock.advance_seconds(49 * 60 * 60);
    let before = app
        .state
        .store()
        .session(false, &id)
        .await
        .unwrap()
        .unwrap();
    let read = app.get(RK_TEST, &session_path(&id), &[]).await;
    assert_eq!(read.body["url"], json!(null));
    let after = app
        .state
        .store()
        .session(false, &id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(before, after, "a read-only retrieve changed the session");
    let written = app.get(SK_TEST, &session_path(&id), &[]).await;
    assert!(written.body["url"].is_string(), "{}", written.body);
    let minted = app
        .state
        .store()
        .session(false, &id)
        .await
        .unwrap()
        .unwrap();
    assert_ne!(before, minted);
}
