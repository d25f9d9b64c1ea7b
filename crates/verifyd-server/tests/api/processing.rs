//! Processing through the test helpers and the durable worker: every transition, every
//! failure code, report contents per type and options, retries on one session, a restart
//! in the middle of processing, and live mode without live checkers.

use crate::common::*;
use serde_json::{json, Value};
use verifyd_core::session::LastErrorCode;
use verifyd_core::submission::{Submission, TestOutcome};
use verifyd_server::processing;

fn helper(id: &str, action: &str) -> String {
    format!("/v1/test_helpers/identity/verification_sessions/{id}/{action}")
}

/// Submits like the hosted page does (durable job) — through the same function it uses.
async fn submit(app: &TestApp, livemode: bool, id: &str, submission: Submission) {
    let mut tx = app.state.store().begin().await.unwrap();
    let mut session = tx.session(livemode, id).await.unwrap().unwrap();
    processing::submit(&app.state, &mut tx, &mut session, submission)
        .await
        .unwrap();
    tx.commit().await.unwrap();
    app.state.notify_jobs();
}

async fn reports_of(app: &TestApp, id: &str) -> Vec<Value> {
    app.get(
        SK_TEST,
        "/v1/identity/verification_reports",
        &[("verification_session", id)],
    )
    .await
    .body["data"]
        .as_array()
        .unwrap()
        .clone()
}

#[tokio::test]
async fn process_then_verify_walks_requires_input_processing_verified() {
    let app = TestApp::spawn().await;
    let id = app
        .create_session(&[("options[document][require_matching_selfie]", "true")])
        .await
        .id();
    let processing = app.post(SK_TEST, &helper(&id, "process"), &[]).await;
    assert_eq!(processing.status, 200, "{}", processing.body);
    assert_eq!(processing.body["status"], "processing");
    assert_eq!(processing.body["client_secret"], json!(null));
    assert_eq!(processing.body["url"], json!(null));
    // processing again, update and cancel are refused while processing
    app.post(SK_TEST, &helper(&id, "process"), &[])
        .await
        .assert_error(400, None);
    app.post(SK_TEST, &format!("{}/cancel", session_path(&id)), &[])
        .await
        .assert_error(400, None);

    let verified = app
        .post(
            SK_TEST,
            &helper(&id, "verify"),
            &[
                ("expand[]", "verified_outputs"),
                ("expand[]", "last_verification_report"),
            ],
        )
        .await;
    assert_eq!(verified.status, 200, "{}", verified.body);
    let s = &verified.body;
    assert_eq!(s["status"], "verified");
    assert_eq!(s["last_error"], json!(null));
    assert_eq!(s["verified_outputs"]["first_name"], "Jenny");
    assert_eq!(s["verified_outputs"]["last_name"], "Rosen");
    assert_eq!(s["verified_outputs"]["address"]["city"], "San Francisco");
    let report = &s["last_verification_report"];
    assert_eq!(report["type"], "document");
    assert_eq!(report["verification_session"], json!(id));
    assert_eq!(report["document"]["status"], "verified");
    assert_eq!(report["selfie"]["status"], "verified");
    assert!(report.get("id_number").is_none());
    assert_eq!(
        report["options"],
        json!({"document": {"require_matching_selfie": true}})
    );
    // terminal: verify again is refused
    app.post(SK_TEST, &helper(&id, "verify"), &[])
        .await
        .assert_error(400, None);
}

#[tokio::test]
async fn verify_accepts_chosen_outputs_and_sensitive_fields_need_a_restricted_key() {
    let app = TestApp::spawn().await;
    let id = app
        .create_session(&[("options[document][require_id_number]", "true")])
        .await
        .id();
    let reply = app
        .post(
            SK_TEST,
            &helper(&id, "verify"),
            &[
                ("verified_outputs[first_name]", "Ada"),
                ("verified_outputs[dob][year]", "1815"),
                ("verified_outputs[dob][month]", "12"),
                ("verified_outputs[dob][day]", "10"),
                ("verified_outputs[id_number]", "1234"),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let got = app
        .get(
            RK_TEST,
            &session_path(&id),
            &[
                ("expand[]", "verified_outputs.dob"),
                ("expand[]", "verified_outputs.id_number"),
                ("expand[]", "last_verification_report.id_number.id_number"),
            ],
        )
        .await;
    assert_eq!(got.status, 200, "{}", got.body);
    let out = &got.body["verified_outputs"];
    assert_eq!(out["first_name"], "Ada");
    assert_eq!(out["dob"], json!({"day": 10, "month": 12, "year": 1815}));
    assert_eq!(out["id_number"], "1234");
    assert_eq!(out["id_number_type"], "us_ssn");
    assert_eq!(
        got.body["last_verification_report"]["id_number"]["id_number"],
        "1234"
    );
    app.post(
        SK_TEST,
        &helper(&id, "verify"),
        &[("verified_outputs[dob][month]", "13")],
    )
    .await
    .assert_error(400, None);
}

#[tokio::test]
async fn require_input_with_every_error_code_sets_last_error_and_writes_a_report() {
    let app = TestApp::spawn().await;
    for code in LastErrorCode::ALL {
        let id = app
            .create_session(&[
                ("options[document][require_matching_selfie]", "true"),
                ("options[document][require_id_number]", "true"),
                ("provided_details[email]", "e@example.com"),
            ])
            .await
            .id();
        let reply = app
            .post(
                SK_TEST,
                &helper(&id, "require_input"),
                &[
                    ("last_error[code]", code.as_str()),
                    ("expand[]", "last_verification_report"),
                ],
            )
            .await;
        assert_eq!(reply.status, 200, "{code}: {}", reply.body);
        let s = &reply.body;
        assert_eq!(s["status"], "requires_input");
        assert_eq!(s["last_error"]["code"], code.as_str());
        assert_eq!(s["last_error"]["reason"], code.default_reason());
        let report = &s["last_verification_report"];
        let unverified: Vec<&str> = ["document", "selfie", "id_number", "email", "phone"]
            .into_iter()
            .filter(|k| report[*k]["status"] == "unverified")
            .collect();
        assert_eq!(
            unverified.len(),
            1,
            "{code}: exactly one failed section in {report}"
        );
        let section = &report[unverified[0]];
        match section["error"]["code"].as_str() {
            Some(c) => assert_eq!(c, code.as_str()),
            None => assert_eq!(section["error"]["reason"], code.default_reason()),
        }
        // The failed session can be retried: retrieve mints a fresh url and secret.
        let got = app.get(SK_TEST, &session_path(&id), &[]).await;
        assert!(got.body["url"].is_string() && got.body["client_secret"].is_string());
    }
}

#[tokio::test]
async fn require_input_defaults_to_document_unverified_other_and_accepts_a_reason() {
    let app = TestApp::spawn().await;
    let id = app.create_session(&[]).await.id();
    let reply = app.post(SK_TEST, &helper(&id, "require_input"), &[]).await;
    assert_eq!(
        reply.body["last_error"]["code"],
        "document_unverified_other"
    );
    let id = app.create_session(&[]).await.id();
    let reply = app
        .post(
            SK_TEST,
            &helper(&id, "require_input"),
            &[
                ("last_error[code]", "document_expired"),
                ("last_error[reason]", "Too old."),
            ],
        )
        .await;
    assert_eq!(
        reply.body["last_error"],
        json!({"code": "document_expired", "reason": "Too old."})
    );
    app.post(
        SK_TEST,
        &helper(&id, "require_input"),
        &[("last_error[code]", "nope")],
    )
    .await
    .assert_error(400, Some("last_error[code]"));
}

#[tokio::test]
async fn a_failed_session_is_retried_on_the_same_session_with_a_report_per_attempt() {
    let app = TestApp::spawn_with(Options { run_workers: false }).await;
    let created = app
        .create_session(&[("client_reference_id", "user_1")])
        .await;
    let id = created.id();
    let first_url = created.body["url"].as_str().unwrap().to_owned();
    submit(
        &app,
        false,
        &id,
        Submission {
            test_outcome: Some(TestOutcome::Fail(LastErrorCode::DocumentExpired)),
            ..Default::default()
        },
    )
    .await;
    let during = app.get(SK_TEST, &session_path(&id), &[]).await;
    assert_eq!(during.body["status"], "processing");
    app.drain_jobs().await;
    let failed = app.get(SK_TEST, &session_path(&id), &[]).await;
    assert_eq!(failed.body["status"], "requires_input");
    assert_eq!(failed.body["last_error"]["code"], "document_expired");
    let second_url = failed.body["url"].as_str().unwrap();
    assert_ne!(
        second_url, first_url,
        "the old link is dead; a fresh one is minted"
    );
    let first_report = failed.body["last_verification_report"]
        .as_str()
        .unwrap()
        .to_owned();

    submit(&app, false, &id, Submission::default()).await;
    app.drain_jobs().await;
    let verified = app.get(SK_TEST, &session_path(&id), &[]).await;
    assert_eq!(verified.body["status"], "verified");
    assert_eq!(verified.body["last_error"], json!(null));
    assert_eq!(verified.body["url"], json!(null));
    let second_report = verified.body["last_verification_report"].as_str().unwrap();
    assert_ne!(second_report, first_report);

    let reports = reports_of(&app, &id).await;
    assert_eq!(reports.len(), 2);
    assert_eq!(reports[0]["id"], json!(second_report), "newest first");
    assert_eq!(reports[1]["document"]["status"], "unverified");
    assert_eq!(reports[1]["document"]["error"]["code"], "document_expired");
    assert_eq!(reports[0]["client_reference_id"], "user_1");
    let filtered = app
        .get(
            SK_TEST,
            "/v1/identity/verification_reports",
            &[("type", "id_number")],
        )
        .await;
    assert!(filtered.body["data"].as_array().unwrap().is_empty());
}

#[tokio::test]
async fn verified_delayed_stays_processing_until_its_time_comes() {
    let app = TestApp::spawn_with(Options { run_workers: false }).await;
    let id = app.create_session(&[]).await.id();
    submit(
        &app,
        false,
        &id,
        Submission {
            test_outcome: Some(TestOutcome::VerifiedDelayed),
            ..Default::default()
        },
    )
    .await;
    app.drain_jobs().await;
    assert_eq!(
        app.get(SK_TEST, &session_path(&id), &[]).await.body["status"],
        "processing"
    );
    app.clock
        .advance_millis(processing::DELAYED_VERIFICATION_MILLIS);
    app.drain_jobs().await;
    assert_eq!(
        app.get(SK_TEST, &session_path(&id), &[]).await.body["status"],
        "verified"
    );
}

#[tokio::test]
async fn id_number_sessions_report_only_the_id_number_check() {
    let app = TestApp::spawn().await;
    let id = app
        .post(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &[("type", "id_number")],
        )
        .await
        .id();
    let reply = app
        .post(
            SK_TEST,
            &helper(&id, "verify"),
            &[
                ("expand[]", "last_verification_report"),
                ("expand[]", "verified_outputs"),
            ],
        )
        .await;
    let report = &reply.body["last_verification_report"];
    assert_eq!(report["type"], "id_number");
    assert!(report.get("document").is_none());
    assert_eq!(report["id_number"]["status"], "verified");
    assert_eq!(report["id_number"]["id_number_type"], "us_ssn");
    assert_eq!(report["options"], json!({"id_number": {}}));
    assert_eq!(reply.body["verified_outputs"]["address"], json!(null));
}

#[tokio::test]
async fn processing_survives_a_restart() {
    let app = TestApp::spawn_with(Options { run_workers: false }).await;
    let id = app.create_session(&[]).await.id();
    submit(&app, false, &id, Submission::default()).await;
    let clock = app.clock.clone();
    let dir = app.stop().await;
    let app = TestApp::spawn_in(dir, Options::default(), clock).await;
    let mut status = Value::Null;
    for _ in 0..50 {
        status = app.get(SK_TEST, &session_path(&id), &[]).await.body["status"].clone();
        if status == "verified" {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(status, "verified");
    assert_eq!(
        reports_of(&app, &id).await.len(),
        1,
        "processed exactly once"
    );
}

#[tokio::test]
async fn a_job_claimed_by_a_dead_worker_runs_again_once_its_lease_expires() {
    let app = TestApp::spawn_with(Options { run_workers: false }).await;
    let id = app.create_session(&[]).await.id();
    submit(&app, false, &id, Submission::default()).await;
    let now = app.clock.now_millis_for_tests();
    // A worker claims the job and dies without finishing it.
    let claimed = app.state.store().claim_job(now, 60_000).await.unwrap();
    assert!(claimed.is_some());
    app.drain_jobs().await;
    assert_eq!(
        app.get(SK_TEST, &session_path(&id), &[]).await.body["status"],
        "processing",
        "the lease still holds"
    );
    app.clock.advance_millis(60_001);
    app.drain_jobs().await;
    assert_eq!(
        app.get(SK_TEST, &session_path(&id), &[]).await.body["status"],
        "verified"
    );
    assert_eq!(reports_of(&app, &id).await.len(), 1);
}

#[tokio::test]
async fn live_mode_without_live_checkers_never_passes() {
    let app = TestApp::spawn_with(Options { run_workers: false }).await;
    let created = app
        .post(
            SK_LIVE,
            "/v1/identity/verification_sessions",
            &[("type", "document")],
        )
        .await;
    let id = created.id();
    let refused = app.post(SK_LIVE, &helper(&id, "verify"), &[]).await;
    refused.assert_error(400, None);
    assert!(refused.message().contains("test mode"));
    // Even a submission carrying a test outcome does not pass in live mode.
    submit(
        &app,
        true,
        &id,
        Submission {
            test_outcome: Some(TestOutcome::Verified),
            ..Default::default()
        },
    )
    .await;
    app.drain_jobs().await;
    let got = app
        .get(
            SK_LIVE,
            &session_path(&id),
            &[("expand[]", "last_verification_report")],
        )
        .await;
    assert_eq!(got.body["status"], "requires_input");
    assert_eq!(got.body["last_error"]["code"], "document_unverified_other");
    assert!(got.body["last_error"]["reason"]
        .as_str()
        .unwrap()
        .contains("No live checker is configured"));
    assert_eq!(got.body["last_verification_report"]["livemode"], true);
    assert_eq!(
        got.body["last_verification_report"]["document"]["status"],
        "unverified"
    );
}

#[tokio::test]
async fn redaction_erases_the_reports_of_a_verified_session() {
    let app = TestApp::spawn().await;
    let id = app.create_session(&[]).await.id();
    let verified = app.post(SK_TEST, &helper(&id, "verify"), &[]).await;
    let report_id = verified.body["last_verification_report"]
        .as_str()
        .unwrap()
        .to_owned();
    app.post(SK_TEST, &format!("{}/redact", session_path(&id)), &[])
        .await;
    let mut report = Value::Null;
    for _ in 0..50 {
        let s = app.get(SK_TEST, &session_path(&id), &[]).await;
        if s.body["redaction"]["status"] == "redacted" {
            report = app
                .get(
                    RK_TEST,
                    &format!("/v1/identity/verification_reports/{report_id}"),
                    &[
                        ("expand[]", "document.dob"),
                        ("expand[]", "document.number"),
                    ],
                )
                .await
                .body;
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(100)).await;
    }
    assert_eq!(report["document"]["first_name"], "[redacted]");
    assert_eq!(report["document"]["number"], "[redacted]");
    assert_eq!(
        report["document"]["dob"],
        json!({"day": 1, "month": 1, "year": 1})
    );
    assert_eq!(report["document"]["address"]["country"], "US");
    app.post(SK_TEST, &helper(&id, "verify"), &[])
        .await
        .assert_error(400, None);
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

/// A write that renders an expanded report reads it beside its own transaction. With one
/// connection per pool (PostgreSQL runs), that read must not wait for the connection the
/// transaction holds: it would hang, then fail.
#[tokio::test]
async fn writes_expanding_the_last_report_work_with_a_single_connection_pool() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_configured(
        dir,
        Options::default(),
        verifyd_core::clock::ManualClock::starting_now(),
        |config| config.database.pool_size = 1,
    )
    .await;
    let id = app.create_session(&[]).await.id();
    let failed = app.post(SK_TEST, &helper(&id, "require_input"), &[]).await;
    let report = failed.body["last_verification_report"]
        .as_str()
        .expect("a report")
        .to_owned();
    let expand = [("expand[]", "last_verification_report")];
    let path = format!("/v1/identity/verification_sessions/{id}");
    let updated = app
        .post(SK_TEST, &path, &[("metadata[a]", "b"), expand[0]])
        .await;
    assert_eq!(updated.status, 200, "{}", updated.body);
    assert_eq!(
        updated.body["last_verification_report"]["id"],
        report.as_str()
    );
    let canceled = app.post(SK_TEST, &format!("{path}/cancel"), &expand).await;
    assert_eq!(canceled.status, 200, "{}", canceled.body);
    assert_eq!(canceled.body["status"], "canceled");
    assert_eq!(
        canceled.body["last_verification_report"]["id"],
        report.as_str()
    );
}

#[tokio::test]
async fn recent_sensitive_results_are_readable_for_48_hours_every_read_is_audited() {
    let app = TestApp::spawn().await;
    let id = app.create_session(&[]).await.id();
    let reply = app
        .post(
            SK_TEST,
            &helper(&id, "verify"),
            &[("verified_outputs[dob][year]", "1815")],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let sensitive = [("expand[]", "verified_outputs.dob")];

    // The default restricted key holds the "recent" permission: fine within 48 hours…
    let got = app.get(RK_TEST, &session_path(&id), &sensitive).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body["verified_outputs"]["dob"]["year"], 1815);
    // …and each read is in the audit log: the key, the session, the paths, no values.
    let audit = app.state.store().audit_log(10).await.unwrap();
    let entry = &audit[0];
    assert_eq!(entry.action, "sensitive_results.read");
    assert_eq!(entry.subject.as_deref(), Some(id.as_str()));
    assert_eq!(entry.detail.as_deref(), Some("verified_outputs.dob"));
    assert!(entry.actor.starts_with("rk_test_"), "{}", entry.actor);
    assert!(
        !entry.actor.contains("harness"),
        "the key is masked: {}",
        entry.actor
    );
    assert!(!format!("{audit:?}").contains("1815"));
    // Without sensitive paths nothing is audited.
    app.get(RK_TEST, &session_path(&id), &[]).await;
    assert_eq!(
        app.state.store().audit_log(10).await.unwrap().len(),
        audit.len()
    );

    // After 48 hours the "recent" permission no longer reaches it (the whole request fails,
    // lists included); a key with the "all" permission still does.
    app.clock.advance_seconds(48 * 3600 + 60);
    let late = app.get(RK_TEST, &session_path(&id), &sensitive).await;
    late.assert_error(403, None);
    assert!(late.message().contains("sensitive verification results"));
    let listed = app
        .get(
            RK_TEST,
            "/v1/identity/verification_sessions",
            &[("expand[]", "data.verified_outputs.dob")],
        )
        .await;
    listed.assert_error(403, None);
    let plain = app.get(RK_TEST, &session_path(&id), &[]).await;
    assert_eq!(plain.status, 200, "non-sensitive reads still work");

    let all_reader = "rk_test_allsensitive00000000001";
    insert_restricted_key(
        &app,
        all_reader,
        &[
            verifyd_core::keys::Permission::SessionsRead,
            verifyd_core::keys::Permission::AllSensitiveResultsRead,
        ],
    )
    .await;
    let got = app.get(all_reader, &session_path(&id), &sensitive).await;
    assert_eq!(got.status, 200, "{}", got.body);
    assert_eq!(got.body["verified_outputs"]["dob"]["year"], 1815);
}

#[tokio::test]
async fn a_write_that_expands_sensitive_results_obeys_the_48_hour_rule_and_is_audited() {
    use verifyd_core::keys::Permission;
    let app = TestApp::spawn().await;
    let id = app.create_session(&[]).await.id();
    let reply = app.post(SK_TEST, &helper(&id, "require_input"), &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    let writer = "rk_test_recentwriter00000000001";
    insert_restricted_key(
        &app,
        writer,
        &[
            Permission::SessionsRead,
            Permission::SessionsWrite,
            Permission::ReportsRead,
            Permission::SensitiveResultsRead,
        ],
    )
    .await;
    let sensitive = [
        ("metadata[step]", "1"),
        ("expand[]", "last_verification_report.document.dob"),
    ];
    let update = app.post(writer, &session_path(&id), &sensitive).await;
    assert_eq!(update.status, 200, "{}", update.body);
    let audit = app.state.store().audit_log(10).await.unwrap();
    assert_eq!(audit[0].action, "sensitive_results.read");
    assert_eq!(audit[0].subject.as_deref(), Some(id.as_str()));

    // Two days later the same write may not expand them: refused whole, nothing written.
    app.clock.advance_seconds(48 * 3600 + 60);
    let late = app
        .post(
            writer,
            &session_path(&id),
            &[
                ("metadata[step]", "2"),
                ("expand[]", "last_verification_report.document.dob"),
            ],
        )
        .await;
    late.assert_error(403, None);
    let got = app.get(SK_TEST, &session_path(&id), &[]).await;
    assert_eq!(
        got.body["metadata"]["step"], "1",
        "the refused write changed nothing"
    );
    assert_eq!(
        app.state.store().audit_log(10).await.unwrap().len(),
        audit.len()
    );
}
