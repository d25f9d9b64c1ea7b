//! `expand[]`: the last report expands to the full object, expandable-only fields appear
//! only when asked for, sensitive paths need a restricted key and an explicit path.

use crate::common::*;
use crate::sessions::{force_status, jenny};
use serde_json::json;
use verifyd_core::ids::{ReportId, SessionId};
use verifyd_core::report::{
    CheckStatus, DocumentReport, ReportOptions, ReportType, VerificationReport,
};
use verifyd_core::session::{Address, Date, DocumentType, SessionStatus};

/// A verified session with one document report, written through the store.
async fn verified_session_with_report(app: &TestApp) -> (String, String) {
    let id = app
        .create_session(&[("client_reference_id", "user_7")])
        .await
        .id();
    force_status(app, false, &id, SessionStatus::Verified, Some(jenny())).await;
    let report = VerificationReport {
        id: ReportId::generate(),
        livemode: false,
        created: app.clock.now_seconds_for_tests(),
        report_type: ReportType::Document,
        verification_session: SessionId::parse(&id),
        client_reference_id: Some("user_7".into()),
        verification_flow: None,
        options: ReportOptions::default(),
        document: Some(DocumentReport {
            status: CheckStatus::Verified,
            error: None,
            address: Some(Address {
                country: Some("US".into()),
                ..Default::default()
            }),
            dob: Some(Date::new(1990, 5, 17)),
            expiration_date: Some(Date::new(2031, 1, 1)),
            files: Some(vec!["file_front".into()]),
            first_name: Some("Jenny".into()),
            issued_date: Some(Date::new(2021, 1, 1)),
            issuing_country: Some("US".into()),
            last_name: Some("Rosen".into()),
            number: Some("D1234567".into()),
            sex: None,
            document_type: Some(DocumentType::DrivingLicense),
            unparsed_place_of_birth: None,
            unparsed_sex: None,
        }),
        id_number: None,
        selfie: None,
        email: None,
        phone: None,
    };
    let mut tx = app.state.store().begin().await.unwrap();
    tx.insert_report(&report).await.unwrap();
    let mut session = tx.session(false, &id).await.unwrap().unwrap();
    session.last_verification_report = Some(report.id.clone());
    tx.update_session(&session).await.unwrap();
    tx.commit().await.unwrap();
    (id, report.id.to_string())
}

trait SecondsForTests {
    fn now_seconds_for_tests(&self) -> i64;
}

impl SecondsForTests for verifyd_core::clock::ManualClock {
    fn now_seconds_for_tests(&self) -> i64 {
        use verifyd_core::Clock;
        self.now_seconds()
    }
}

#[tokio::test]
async fn last_verification_report_is_an_id_until_expanded() {
    let app = TestApp::spawn().await;
    let (id, report_id) = verified_session_with_report(&app).await;
    let plain = app.get(SK_TEST, &session_path(&id), &[]).await;
    assert_eq!(plain.body["last_verification_report"], json!(report_id));
    assert!(plain.body.get("verified_outputs").is_none());

    let expanded = app
        .get(
            SK_TEST,
            &session_path(&id),
            &[
                ("expand[]", "last_verification_report"),
                ("expand[]", "verified_outputs"),
            ],
        )
        .await;
    let report = &expanded.body["last_verification_report"];
    assert_eq!(report["id"], json!(report_id));
    assert_eq!(report["object"], "identity.verification_report");
    assert_eq!(report["document"]["first_name"], "Jenny");
    assert_eq!(report["document"]["files"], json!(["file_front"]));
    assert!(report["document"].get("dob").is_none());
    assert!(report["document"].get("number").is_none());
    assert!(report["document"].get("expiration_date").is_none());
    let outputs = &expanded.body["verified_outputs"];
    assert_eq!(outputs["first_name"], "Jenny");
    assert_eq!(outputs["address"]["city"], "San Francisco");
    assert!(outputs.get("dob").is_none());
    assert!(outputs.get("id_number").is_none());
}

#[tokio::test]
async fn sensitive_paths_are_forbidden_to_secret_keys_and_given_to_restricted_keys() {
    let app = TestApp::spawn().await;
    let (id, report_id) = verified_session_with_report(&app).await;
    for path in [
        "verified_outputs.dob",
        "verified_outputs.id_number",
        "last_verification_report.document.dob",
        "last_verification_report.document.number",
        "last_verification_report.document.expiration_date",
        "last_verification_report.id_number.id_number",
    ] {
        let reply = app
            .get(SK_TEST, &session_path(&id), &[("expand[]", path)])
            .await;
        reply.assert_error(403, None);
        assert!(reply
            .message()
            .starts_with("To access sensitive verification results"));
    }
    let reply = app
        .get(
            RK_TEST,
            &session_path(&id),
            &[
                ("expand[]", "verified_outputs.dob"),
                ("expand[]", "verified_outputs.id_number"),
                ("expand[]", "last_verification_report.document.number"),
                (
                    "expand[]",
                    "last_verification_report.document.expiration_date",
                ),
            ],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    assert_eq!(
        reply.body["verified_outputs"]["dob"],
        json!({"day": 17, "month": 5, "year": 1990})
    );
    assert_eq!(reply.body["verified_outputs"]["id_number"], "123456789");
    let doc = &reply.body["last_verification_report"]["document"];
    assert_eq!(doc["number"], "D1234567");
    assert_eq!(
        doc["expiration_date"],
        json!({"day": 1, "month": 1, "year": 2031})
    );
    assert!(
        doc.get("dob").is_none(),
        "only the named paths are revealed"
    );

    let report = app
        .get(
            RK_TEST,
            &format!("/v1/identity/verification_reports/{report_id}"),
            &[("expand[]", "document.dob")],
        )
        .await;
    assert_eq!(report.body["document"]["dob"]["year"], 1990);
    app.get(
        SK_TEST,
        &format!("/v1/identity/verification_reports/{report_id}"),
        &[("expand[]", "document.dob")],
    )
    .await
    .assert_error(403, None);
}

#[tokio::test]
async fn unknown_deep_and_unprefixed_list_expansions_are_400() {
    let app = TestApp::spawn().await;
    let id = app.create_session(&[]).await.id();
    let reply = app
        .get(SK_TEST, &session_path(&id), &[("expand[]", "status")])
        .await;
    reply.assert_error(400, None);
    assert_eq!(
        reply.message(),
        "This property cannot be expanded (status)."
    );
    app.get(SK_TEST, &session_path(&id), &[("expand[]", "nope.a.b.c.d")])
        .await
        .assert_error(400, None);
    let list = app
        .get(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &[("expand[]", "verified_outputs")],
        )
        .await;
    list.assert_error(400, None);
    assert!(list.message().contains("data.verified_outputs"));
    let ok = app
        .get(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &[("expand[]", "data.verified_outputs")],
        )
        .await;
    assert_eq!(ok.body["data"][0]["verified_outputs"], json!(null));
}

#[tokio::test]
async fn expand_works_on_every_write_operation() {
    let app = TestApp::spawn().await;
    let created = app
        .post(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &[
                ("type", "document"),
                ("provided_details[email]", "x@example.com"),
                ("expand[]", "provided_details"),
            ],
        )
        .await;
    assert_eq!(created.body["provided_details"]["email"], "x@example.com");
    let id = created.id();
    let updated = app
        .post(
            SK_TEST,
            &session_path(&id),
            &[("expand[0]", "provided_details")],
        )
        .await;
    assert_eq!(updated.body["provided_details"]["email"], "x@example.com");
    let canceled = app
        .post(
            SK_TEST,
            &format!("{}/cancel", session_path(&id)),
            &[("expand[]", "verified_outputs")],
        )
        .await;
    assert_eq!(canceled.body["verified_outputs"], json!(null));
    let redacted = app
        .post(
            SK_TEST,
            &format!("{}/redact", session_path(&id)),
            &[("expand[]", "bogus")],
        )
        .await;
    redacted.assert_error(400, None);
}

#[tokio::test]
async fn list_expansion_of_reports_renders_each_item() {
    let app = TestApp::spawn().await;
    let (_, report_id) = verified_session_with_report(&app).await;
    let list = app
        .get(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &[("expand[]", "data.last_verification_report")],
        )
        .await;
    assert_eq!(
        list.body["data"][0]["last_verification_report"]["id"],
        json!(report_id)
    );
    let reports = app
        .get(
            SK_TEST,
            "/v1/identity/verification_reports",
            &[("client_reference_id", "user_7")],
        )
        .await;
    assert_eq!(reports.body["data"][0]["id"], json!(report_id));
    assert_eq!(reports.body["data"][0]["type"], "document");
}
