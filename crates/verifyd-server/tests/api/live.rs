//! Live-mode processing with a scripted image reader in place of the real one: the worker
//! reads the images outside any transaction on the check pool, the engine decides, and
//! the result is recorded once — also when the reader panics, runs out of time, or the
//! worker dies mid-check and another takes the job over. The external ID-number verifier
//! is a real HTTP server here. (The real reader on real images is tested end to end in
//! `live_documents.rs` and in the browser tests.)

use crate::common::*;
use serde_json::Value;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use verifyd_checks::observation::{
    ImageObservation, ImageQuality, TextLine, Vision, VisionError, Wanted,
};
use verifyd_core::submission::Submission;
use verifyd_server::processing;
use verifyd_store::FileRecord;

/// A conformant AAMVA v10 licence barcode: Jane Sample, born 7 January 1990.
pub fn aamva_payload(expiry: &str, dob: &str) -> Vec<u8> {
    let elements = [
        "DCAD".to_owned(),
        "DCBNONE".to_owned(),
        "DCDNONE".to_owned(),
        format!("DBA{expiry}"),
        "DCSSAMPLE".to_owned(),
        "DACJANE".to_owned(),
        "DADQ".to_owned(),
        "DBD08142022".to_owned(),
        format!("DBB{dob}"),
        "DBC2".to_owned(),
        "DAG123 MAIN ST".to_owned(),
        "DAIANYTOWN".to_owned(),
        "DAJCA".to_owned(),
        "DAK900010000  ".to_owned(),
        "DAQD1234567".to_owned(),
        "DCGUSA".to_owned(),
    ];
    let mut body = String::from("DL");
    for (i, e) in elements.iter().enumerate() {
        body.push_str(e);
        body.push(if i + 1 == elements.len() { '\r' } else { '\n' });
    }
    format!("@\n\x1e\rANSI 636014100001DL0031{:04}", body.len())
        .into_bytes()
        .into_iter()
        .chain(body.into_bytes())
        .collect()
}

fn quality() -> ImageQuality {
    ImageQuality {
        width: 1600,
        height: 1200,
        sharpness: 900.0,
        brightness: 150.0,
        glare: 0.0,
        document: None,
        document_width: 1200,
    }
}

fn front_text(dob: &str) -> Vec<TextLine> {
    [
        "CALIFORNIA DRIVER LICENSE",
        "DL D1234567",
        "LN SAMPLE",
        "FN JANE Q",
        &format!("DOB {dob}"),
        "123 MAIN ST ANYTOWN CA 90001",
    ]
    .iter()
    .map(|t| TextLine {
        text: t.to_string(),
        confidence: 0.95,
    })
    .collect()
}

/// What the scripted reader does.
#[derive(Clone, Copy, PartialEq)]
enum Behaviour {
    /// A genuine licence (front text, back barcode).
    Genuine,
    Panic,
    /// Ignores its deadline and sleeps.
    Hang,
    /// The first read waits until released; later reads are genuine.
    BlockFirst,
    /// Every read waits until released.
    BlockAll,
}

struct ScriptedVision {
    behaviour: Behaviour,
    calls: AtomicUsize,
    started: Arc<tokio::sync::Notify>,
    release: Arc<Mutex<bool>>,
}

impl ScriptedVision {
    fn new(behaviour: Behaviour) -> Arc<Self> {
        Arc::new(Self {
            behaviour,
            calls: AtomicUsize::new(0),
            started: Arc::new(tokio::sync::Notify::new()),
            release: Arc::new(Mutex::new(false)),
        })
    }
}

impl ScriptedVision {
    /// Waits until the first worker's two reads (front and back) are both under way.
    async fn wait_for_first_reads(&self) {
        self.started.notified().await;
        while self.calls.load(Ordering::SeqCst) < 2 {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
    }
}

impl Vision for ScriptedVision {
    fn observe(
        &self,
        image: &[u8],
        wanted: Wanted,
        _deadline: Instant,
    ) -> Result<ImageObservation, VisionError> {
        let call = self.calls.fetch_add(1, Ordering::SeqCst);
        match self.behaviour {
            Behaviour::Panic => panic!("scripted reader failure"),
            Behaviour::Hang => std::thread::sleep(Duration::from_secs(3)),
            Behaviour::BlockAll => {
                while !*self.release.lock().unwrap() {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            Behaviour::BlockFirst if call < 2 => {
                self.started.notify_one();
                while !*self.release.lock().unwrap() {
                    std::thread::sleep(Duration::from_millis(10));
                }
            }
            _ => {}
        }
        let back = image == b"back";
        Ok(ImageObservation {
            quality: quality(),
            barcode: (back && wanted.barcode).then(|| aamva_payload("08142030", "01071990")),
            mrz: None,
            other_mrz_readings: Vec::new(),
            text: (!back && wanted.text).then(|| front_text("01/07/1990")),
            faces: None,
        })
    }
}

async fn spawn_live(vision: Arc<dyn Vision>, budget: Duration) -> TestApp {
    spawn_live_with_threads(vision, budget, 2).await
}

/// Live checks on `threads` pool threads (tests of a blocked reader need more threads than
/// the reads it blocks, so that another worker can still read).
async fn spawn_live_with_threads(
    vision: Arc<dyn Vision>,
    budget: Duration,
    threads: usize,
) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    TestApp::spawn_configured(
        dir,
        Options { run_workers: false },
        verifyd_core::clock::ManualClock::starting_now(),
        move |config| {
            config.live_checks.vision = Some(vision);
            config.live_checks.document_budget = budget;
            config.live_checks.threads = threads;
        },
    )
    .await
}

async fn live_session(app: &TestApp, extra: &[(&str, &str)]) -> String {
    let mut pairs = vec![("type", "document")];
    pairs.extend_from_slice(extra);
    let reply = app
        .post(SK_LIVE, "/v1/identity/verification_sessions", &pairs)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.id()
}

/// Stores the two images and submits, as the hosted page does.
async fn submit_licence(app: &TestApp, id: &str, id_number: Option<&str>) {
    let mut tx = app.state.store().begin().await.unwrap();
    let mut session = tx.session(true, id).await.unwrap().unwrap();
    let mut files = Vec::new();
    for side in ["front", "back"] {
        let record = FileRecord {
            id: format!("file_{side}{}", &id[3..]),
            livemode: true,
            created: 0,
            purpose: "identity_document".into(),
            file_type: "jpg".into(),
            size: 4,
            verification_session: id.to_owned(),
        };
        tx.insert_file(&record, side.as_bytes()).await.unwrap();
        files.push(record.id);
    }
    let submission = Submission {
        document_type: Some(verifyd_core::session::DocumentType::DrivingLicense),
        document_front: Some(files[0].clone()),
        document_back: Some(files[1].clone()),
        id_number: id_number.map(str::to_owned),
        ..Default::default()
    };
    processing::submit(&app.state, &mut tx, &mut session, submission)
        .await
        .unwrap();
    tx.commit().await.unwrap();
}

async fn session(app: &TestApp, id: &str) -> Value {
    app.get(
        SK_LIVE,
        &session_path(id),
        &[
            ("expand[]", "last_verification_report"),
            ("expand[]", "verified_outputs"),
        ],
    )
    .await
    .body
}

async fn report_count(app: &TestApp, id: &str) -> usize {
    app.get(
        SK_LIVE,
        "/v1/identity/verification_reports",
        &[("verification_session", id)],
    )
    .await
    .body["data"]
        .as_array()
        .unwrap()
        .len()
}

#[tokio::test]
async fn a_genuine_licence_verifies_with_the_barcode_data() {
    let app = spawn_live(
        ScriptedVision::new(Behaviour::Genuine),
        Duration::from_secs(10),
    )
    .await;
    let id = live_session(&app, &[]).await;
    submit_licence(&app, &id, None).await;
    app.drain_jobs().await;
    let s = session(&app, &id).await;
    assert_eq!(s["status"], "verified", "{s}");
    assert_eq!(s["verified_outputs"]["first_name"], "JANE");
    assert_eq!(s["verified_outputs"]["last_name"], "SAMPLE");
    assert_eq!(s["verified_outputs"]["address"]["city"], "ANYTOWN");
    assert_eq!(s["verified_outputs"]["address"]["postal_code"], "90001");
    let doc = &s["last_verification_report"]["document"];
    assert_eq!(doc["status"], "verified");
    assert_eq!(doc["type"], "driving_license");
    assert_eq!(doc["issuing_country"], "US");
    assert_eq!(doc["issued_date"]["year"], 2022);
    assert_eq!(doc["files"].as_array().unwrap().len(), 2);
}

#[tokio::test]
async fn a_type_outside_allowed_types_is_not_supported() {
    let app = spawn_live(
        ScriptedVision::new(Behaviour::Genuine),
        Duration::from_secs(10),
    )
    .await;
    let id = live_session(&app, &[("options[document][allowed_types][]", "passport")]).await;
    submit_licence(&app, &id, None).await;
    app.drain_jobs().await;
    let s = session(&app, &id).await;
    assert_eq!(s["status"], "requires_input");
    assert_eq!(s["last_error"]["code"], "document_type_not_supported");
    let doc = &s["last_verification_report"]["document"];
    assert_eq!(doc["type"], "driving_license");
    assert_eq!(doc["first_name"], Value::Null);
}

#[tokio::test]
async fn a_reader_that_panics_ends_as_unverified_other_never_stuck() {
    let app = spawn_live(
        ScriptedVision::new(Behaviour::Panic),
        Duration::from_secs(10),
    )
    .await;
    let id = live_session(&app, &[]).await;
    submit_licence(&app, &id, None).await;
    let hook = std::panic::take_hook();
    std::panic::set_hook(Box::new(|_| {}));
    app.drain_jobs().await;
    std::panic::set_hook(hook);
    let s = session(&app, &id).await;
    assert_eq!(s["status"], "requires_input");
    assert_eq!(s["last_error"]["code"], "document_unverified_other");
    assert!(
        s["last_error"]["reason"]
            .as_str()
            .unwrap()
            .contains("checker failed"),
        "{s}"
    );
}

#[tokio::test]
async fn a_reader_that_runs_out_of_time_ends_as_unverified_other() {
    let app = spawn_live(
        ScriptedVision::new(Behaviour::Hang),
        Duration::from_millis(300),
    )
    .await;
    let id = live_session(&app, &[]).await;
    submit_licence(&app, &id, None).await;
    let started = Instant::now();
    app.drain_jobs().await;
    assert!(
        started.elapsed() < Duration::from_secs(3),
        "the budget bounds the wait"
    );
    let s = session(&app, &id).await;
    assert_eq!(s["last_error"]["code"], "document_unverified_other");
    assert!(
        s["last_error"]["reason"]
            .as_str()
            .unwrap()
            .contains("time allowed"),
        "{s}"
    );
}

#[tokio::test]
async fn a_worker_killed_mid_check_is_taken_over_and_the_result_recorded_once() {
    let vision = ScriptedVision::new(Behaviour::BlockFirst);
    let app = spawn_live_with_threads(vision.clone(), Duration::from_secs(10), 4).await;
    let id = live_session(&app, &[]).await;
    submit_licence(&app, &id, None).await;

    // Worker A claims the job and starts checking; it dies (its task is dropped).
    let first = app.state.worker();
    let dying = tokio::spawn(async move { first.run_once().await });
    vision.wait_for_first_reads().await;
    dying.abort();
    let _ = dying.await;
    assert_eq!(session(&app, &id).await["status"], "processing");

    // Nobody else may take the job while A's lease holds.
    assert!(!app.state.worker().run_once().await.unwrap());
    app.clock.advance_millis(app.state.job_lease_millis() + 1);
    assert!(app.state.worker().run_once().await.unwrap());
    *vision.release.lock().unwrap() = true;

    let s = session(&app, &id).await;
    assert_eq!(s["status"], "verified", "{s}");
    assert_eq!(report_count(&app, &id).await, 1);
    assert_eq!(app.state.store().pending_job_count().await.unwrap(), 0);
}

#[tokio::test]
async fn a_worker_whose_lease_ran_out_mid_check_records_nothing() {
    let vision = ScriptedVision::new(Behaviour::BlockFirst);
    let app = spawn_live_with_threads(vision.clone(), Duration::from_secs(10), 4).await;
    let id = live_session(&app, &[]).await;
    submit_licence(&app, &id, None).await;

    let slow = app.state.worker();
    let slow = tokio::spawn(async move { slow.run_once().await });
    vision.wait_for_first_reads().await;
    // The slow worker is still alive, but its lease expires and another finishes the job.
    app.clock.advance_millis(app.state.job_lease_millis() + 1);
    assert!(app.state.worker().run_once().await.unwrap());
    assert_eq!(report_count(&app, &id).await, 1);
    // The slow worker finishes its check: its result is discarded.
    *vision.release.lock().unwrap() = true;
    assert!(slow.await.unwrap().unwrap());
    assert_eq!(report_count(&app, &id).await, 1);
    assert_eq!(session(&app, &id).await["status"], "verified");
}

#[tokio::test]
async fn a_check_interrupted_too_often_fails_instead_of_running_again() {
    let vision = ScriptedVision::new(Behaviour::BlockAll);
    let attempts = verifyd_server::workers::MAX_LIVE_CHECK_ATTEMPTS as usize;
    let app =
        spawn_live_with_threads(vision.clone(), Duration::from_secs(10), 2 * attempts + 2).await;
    let id = live_session(&app, &[]).await;
    submit_licence(&app, &id, None).await;
    // Each attempt's worker hangs in its reads until its lease runs out.
    let mut hung = Vec::new();
    for attempt in 1..=attempts {
        let worker = app.state.worker();
        hung.push(tokio::spawn(async move { worker.run_once().await }));
        while vision.calls.load(Ordering::SeqCst) < 2 * attempt {
            tokio::time::sleep(Duration::from_millis(5)).await;
        }
        app.clock.advance_millis(app.state.job_lease_millis() + 1);
    }
    // The next claim does not read again: it fails the check.
    assert!(app.state.worker().run_once().await.unwrap());
    assert_eq!(vision.calls.load(Ordering::SeqCst), 2 * attempts);
    let s = session(&app, &id).await;
    assert_eq!(s["status"], "requires_input", "{s}");
    assert_eq!(s["last_error"]["code"], "document_unverified_other");
    assert!(
        s["last_error"]["reason"]
            .as_str()
            .unwrap()
            .contains("interrupted too many times"),
        "{s}"
    );
    *vision.release.lock().unwrap() = true;
    for worker in hung {
        assert!(worker.await.unwrap().unwrap());
    }
    assert_eq!(report_count(&app, &id).await, 1);
    assert_eq!(app.state.store().pending_job_count().await.unwrap(), 0);
}

#[tokio::test]
async fn live_id_number_sessions_need_no_models() {
    let app = TestApp::spawn_configured(
        Arc::new(tempfile::tempdir().unwrap()),
        Options { run_workers: false },
        verifyd_core::clock::ManualClock::starting_now(),
        |config| config.live_checks.vision = None,
    )
    .await;
    let id = app
        .post(
            SK_LIVE,
            "/v1/identity/verification_sessions",
            &[("type", "id_number")],
        )
        .await
        .id();
    let mut tx = app.state.store().begin().await.unwrap();
    let mut s = tx.session(true, &id).await.unwrap().unwrap();
    processing::submit(
        &app.state,
        &mut tx,
        &mut s,
        Submission {
            first_name: Some("Jane".into()),
            last_name: Some("Sample".into()),
            dob: Some(verifyd_core::session::Date::new(1990, 1, 7)),
            id_number: Some("123-45-6780".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
    app.drain_jobs().await;
    let got = session(&app, &id).await;
    assert_eq!(got["status"], "verified", "{got}");
    // A document session on the same server still cannot pass.
    let doc = live_session(&app, &[]).await;
    submit_licence(&app, &doc, None).await;
    app.drain_jobs().await;
    let got = session(&app, &doc).await;
    assert_eq!(
        got["last_error"]["code"], "document_unverified_other",
        "{got}"
    );
}

#[tokio::test]
async fn live_id_number_sessions_check_the_number_offline() {
    let app = spawn_live(
        ScriptedVision::new(Behaviour::Genuine),
        Duration::from_secs(10),
    )
    .await;
    for (number, status, code) in [
        ("123-45-6780", "verified", None),
        (
            "666-45-6789",
            "requires_input",
            Some("id_number_unverified_other"),
        ),
        ("1234", "requires_input", Some("id_number_unverified_other")),
        ("529.982.247-25", "verified", None),
        (
            "529.982.247-26",
            "requires_input",
            Some("id_number_unverified_other"),
        ),
    ] {
        let id = app
            .post(
                SK_LIVE,
                "/v1/identity/verification_sessions",
                &[("type", "id_number")],
            )
            .await
            .id();
        let mut tx = app.state.store().begin().await.unwrap();
        let mut s = tx.session(true, &id).await.unwrap().unwrap();
        processing::submit(
            &app.state,
            &mut tx,
            &mut s,
            Submission {
                first_name: Some("Jane".into()),
                last_name: Some("Sample".into()),
                dob: Some(verifyd_core::session::Date::new(1990, 1, 7)),
                id_number: Some(number.into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        tx.commit().await.unwrap();
        app.drain_jobs().await;
        let got = session(&app, &id).await;
        assert_eq!(got["status"], status, "{number}: {got}");
        assert_eq!(got["last_error"]["code"].as_str(), code, "{number}: {got}");
        if status == "verified" {
            let report = &got["last_verification_report"]["id_number"];
            assert_eq!(report["status"], "verified");
            assert_eq!(report["first_name"], "Jane");
            let kind = if number.len() == 11 {
                "us_ssn"
            } else {
                "br_cpf"
            };
            assert_eq!(got["verified_outputs"]["id_number_type"], kind);
        }
    }
}

/// What the scripted external verifier answers.
#[derive(Clone, Copy, Debug, PartialEq)]
enum VerifierAnswer {
    Match,
    Mismatch,
    /// A match signed with the wrong secret.
    Forged,
    /// A match for another request.
    Replayed,
    Status500,
    Slow,
}

const VERIFIER_SECRET: &str = "idv_secret_for_tests_0001";

fn sign(secret: &str, t: i64, body: &[u8]) -> String {
    use hmac::{Hmac, Mac};
    let mut mac = Hmac::<sha2::Sha256>::new_from_slice(secret.as_bytes()).unwrap();
    mac.update(format!("{t}.").as_bytes());
    mac.update(body);
    format!("t={t},v1={}", hex::encode(mac.finalize().into_bytes()))
}

/// A verifier on 127.0.0.1 that checks verifyd's signature and answers as scripted;
/// returns its URL and the requests it received.
async fn spawn_verifier(answer: VerifierAnswer) -> (String, Arc<Mutex<Vec<Value>>>) {
    use axum::http::{HeaderMap, StatusCode};
    use axum::response::IntoResponse;
    let seen: Arc<Mutex<Vec<Value>>> = Arc::default();
    let log = seen.clone();
    let handler = move |headers: HeaderMap, body: axum::body::Bytes| {
        let log = log.clone();
        async move {
            let header = headers
                .get("verifyd-signature")
                .and_then(|v| v.to_str().ok())
                .unwrap_or("")
                .to_owned();
            let t: i64 = header
                .split(',')
                .find_map(|p| p.strip_prefix("t="))
                .and_then(|t| t.parse().ok())
                .unwrap_or(0);
            if sign(VERIFIER_SECRET, t, &body) != header {
                return (StatusCode::UNAUTHORIZED, "bad signature").into_response();
            }
            let request: Value = serde_json::from_slice(&body).unwrap();
            log.lock().unwrap().push(request.clone());
            let mut id = request["request_id"].as_str().unwrap().to_owned();
            let (result, secret) = match answer {
                VerifierAnswer::Match => ("match", VERIFIER_SECRET),
                VerifierAnswer::Mismatch => ("mismatch", VERIFIER_SECRET),
                VerifierAnswer::Forged => ("match", "some_other_secret_000000"),
                VerifierAnswer::Replayed => {
                    id = "idv_an_earlier_request".into();
                    ("match", VERIFIER_SECRET)
                }
                VerifierAnswer::Status500 => {
                    return (StatusCode::INTERNAL_SERVER_ERROR, "down").into_response()
                }
                VerifierAnswer::Slow => {
                    tokio::time::sleep(Duration::from_secs(3)).await;
                    ("match", VERIFIER_SECRET)
                }
            };
            let reply = serde_json::json!({"request_id": id, "result": result}).to_string();
            let now = std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap()
                .as_secs() as i64;
            (
                [("verifyd-signature", sign(secret, now, reply.as_bytes()))],
                reply,
            )
                .into_response()
        }
    };
    let router = axum::Router::new().route("/verify", axum::routing::post(handler));
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let url = format!("http://{}/verify", listener.local_addr().unwrap());
    tokio::spawn(async move { axum::serve(listener, router).await });
    (url, seen)
}

async fn spawn_with_verifier(url: String, required: bool) -> TestApp {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    TestApp::spawn_configured(
        dir,
        Options { run_workers: false },
        verifyd_core::clock::ManualClock::starting_now(),
        move |config| {
            config.live_checks.vision = Some(ScriptedVision::new(Behaviour::Genuine));
            config.live_checks.external_verifier =
                Some(verifyd_server::external_verifier::ExternalVerifierConfig {
                    url,
                    secret: VERIFIER_SECRET.into(),
                    timeout: Duration::from_millis(800),
                });
            config.live_checks.policy.require_external_id_check = required;
        },
    )
    .await
}

#[tokio::test]
async fn the_external_verifier_decides_and_no_answer_never_passes() {
    for (answer, status, code) in [
        (VerifierAnswer::Match, "verified", None),
        (
            VerifierAnswer::Mismatch,
            "requires_input",
            Some("id_number_mismatch"),
        ),
        (
            VerifierAnswer::Forged,
            "requires_input",
            Some("id_number_unverified_other"),
        ),
        (
            VerifierAnswer::Replayed,
            "requires_input",
            Some("id_number_unverified_other"),
        ),
        (
            VerifierAnswer::Status500,
            "requires_input",
            Some("id_number_unverified_other"),
        ),
        (
            VerifierAnswer::Slow,
            "requires_input",
            Some("id_number_unverified_other"),
        ),
    ] {
        let (url, seen) = spawn_verifier(answer).await;
        let app = spawn_with_verifier(url, true).await;
        // A document session with require_id_number: the verifier gets the document's
        // name and date of birth with the typed number.
        let id = live_session(&app, &[("options[document][require_id_number]", "true")]).await;
        submit_licence(&app, &id, Some("123-45-6780")).await;
        app.drain_jobs().await;
        let s = session(&app, &id).await;
        assert_eq!(s["status"], status, "{answer:?}: {s}");
        assert_eq!(s["last_error"]["code"].as_str(), code, "{answer:?}: {s}");
        let requests = seen.lock().unwrap().clone();
        assert_eq!(requests.len(), 1, "{answer:?}");
        assert_eq!(requests[0]["id_number"], "123456780");
        assert_eq!(requests[0]["id_number_type"], "us_ssn");
        assert_eq!(requests[0]["last_name"], "SAMPLE");
        assert_eq!(requests[0]["dob"]["year"], 1990);
        assert_eq!(requests[0]["verification_session"], id.as_str());
        if status == "verified" {
            // Only the last 4 digits of an SSN are shown.
            assert_eq!(
                s["last_verification_report"]["id_number"]["id_number_type"],
                "us_ssn"
            );
        }
    }
}

#[tokio::test]
async fn a_check_budget_longer_than_the_job_lease_is_refused() {
    let dir = Arc::new(tempfile::tempdir().unwrap());
    let url = verifyd_store::testing::database_url(dir.path()).await;
    let mut config = verifyd_server::ServerConfig::new("127.0.0.1:0", url);
    config.database.master_key = verifyd_store::testing::master_key(dir.path());
    config.live_checks.document_budget = Duration::from_secs(120);
    let built = verifyd_server::Application::build(config).await;
    assert!(
        matches!(built, Err(verifyd_server::BuildError::Config(ref m)) if m.contains("job lease")),
        "a check budget longer than the job lease is refused"
    );
}
