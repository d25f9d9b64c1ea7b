//! The real document reader (verifyd-vision with the text models that `scripts/fetch-models`
//! installs in `models/`) on the committed fixture photos (`testdata/documents/`, made by
//! verifyd-docgen's `fixtures` example), through the hosted page in live mode as a browser
//! drives it: consent, document type, uploads (with the quick reading that asks for a
//! retake), submission, then the worker's full check. Without the models these tests fail,
//! saying how to install them; they never pass silently.

use crate::common::*;
use reqwest::header::{HeaderMap, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::sync::{Arc, OnceLock};
use std::time::Duration;
use verifyd_checks::observation::Vision;
use verifyd_vision::LazyDocumentReader;

/// A restricted live key, to read the sensitive results (dates of birth, numbers).
const RK_LIVE: &str = "rk_live_harness0000000000000001";

fn repo() -> PathBuf {
    let server = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    server
        .ancestors()
        .nth(2)
        .expect("crates/verifyd-server is two levels down")
        .to_owned()
}

/// The real reader, shared by every test here (its models load once, on first use).
fn reader() -> Arc<dyn Vision> {
    static READER: OnceLock<Arc<LazyDocumentReader>> = OnceLock::new();
    let reader = READER.get_or_init(|| {
        let dir = repo().join("models");
        match LazyDocumentReader::new(&dir) {
            Ok(reader) => Arc::new(reader),
            Err(e) => panic!(
                "the real document reader cannot load its models from {}: {e}. \
                 Run scripts/fetch-models first (scripts/test does).",
                dir.display()
            ),
        }
    });
    reader.clone()
}

/// A fixture photo's bytes.
fn photo(file: &str) -> Vec<u8> {
    let path = repo().join("testdata/documents").join(file);
    std::fs::read(&path).unwrap_or_else(|e| {
        panic!(
            "fixture {} is missing ({e}); regenerate the set with \
             `cargo run --release -p verifyd-docgen --example fixtures -- testdata/documents`",
            path.display()
        )
    })
}

/// A fixture's ground truth (`<name>.json`, written beside its photos).
fn truth(name: &str) -> Value {
    let bytes = photo(&format!("{name}.json"));
    let fixture: Value = serde_json::from_slice(&bytes).expect("fixture JSON");
    fixture["truth"].clone()
}

/// `[y, m, d]` in a truth file as Stripe's date object.
fn date(ymd: &Value) -> Value {
    json!({"year": ymd[0], "month": ymd[1], "day": ymd[2]})
}

/// A live-mode server with the real reader; budgets generous enough for a loaded 2-core
/// machine running many tests at once (speed is measured in bench/, not here).
async fn spawn() -> TestApp {
    let vision = reader();
    TestApp::spawn_configured(
        Arc::new(tempfile::tempdir().unwrap()),
        Options { run_workers: false },
        verifyd_core::clock::ManualClock::starting_now(),
        move |config| {
            config.api_keys.push(RK_LIVE.to_owned());
            config.live_checks.vision = Some(vision);
            config.live_checks.upload_budget = Duration::from_secs(60);
            config.live_checks.document_budget = Duration::from_secs(60);
            config.job_lease = Duration::from_secs(300);
        },
    )
    .await
}

/// One page as a browser received it.
struct Page {
    status: StatusCode,
    headers: HeaderMap,
    body: String,
}

impl Page {
    fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker).expect("page has a form") + marker.len();
        let end = start + self.body[start..].find('"').unwrap();
        self.body[start..end].to_owned()
    }

    fn has_testid(&self, id: &str) -> bool {
        self.body.contains(&format!("data-testid=\"{id}\""))
    }

    /// The `data-retake` reason the page asks a new photo for, if any.
    fn retake(&self) -> Option<&str> {
        let marker = "data-retake=\"";
        let start = self.body.find(marker)? + marker.len();
        let end = start + self.body[start..].find('"')?;
        Some(&self.body[start..end])
    }

    #[track_caller]
    fn assert_status(&self, status: u16) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
    }
}

/// A browser: its own cookies, redirects left to the test.
struct Browser {
    base: String,
    client: reqwest::Client,
    cookies: Vec<(String, String)>,
}

impl Browser {
    fn new(app: &TestApp) -> Self {
        Self {
            base: app.base.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = if self.cookies.is_empty() {
            request
        } else {
            let header: Vec<String> = self
                .cookies
                .iter()
                .map(|(k, v)| format!("{k}={v}"))
                .collect();
            request.header(COOKIE, header.join("; "))
        };
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        for set in headers.get_all(SET_COOKIE) {
            let text = set.to_str().unwrap();
            let pair = text.split(';').next().unwrap();
            let (name, value) = pair.split_once('=').unwrap();
            self.cookies.retain(|(n, _)| n != name);
            if !value.is_empty() && !text.contains("Max-Age=0") {
                self.cookies.push((name.to_owned(), value.to_owned()));
            }
        }
        let body = response.text().await.unwrap_or_default();
        Page {
            status,
            headers,
            body,
        }
    }

    async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(self.url(path));
        self.send(request).await
    }

    async fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Page {
        let request = self
            .client
            .post(self.url(path))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form(pairs));
        self.send(request).await
    }

    /// A multipart post of the CSRF token and one JPEG, as the upload form sends them.
    async fn upload(&mut self, path: &str, csrf: &str, jpeg: &[u8]) -> Page {
        let boundary = "----verifydlivedocuments7MA4YWxkTrZu0gW";
        let mut body = format!(
            "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
             --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo.jpg\"\r\n\
             Content-Type: image/jpeg\r\n\r\n"
        )
        .into_bytes();
        body.extend_from_slice(jpeg);
        body.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
        let request = self
            .client
            .post(self.url(path))
            .header(
                CONTENT_TYPE,
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body);
        self.send(request).await
    }

    async fn follow(&mut self, page: &Page) -> Page {
        assert_eq!(page.status, StatusCode::SEE_OTHER, "body: {}", page.body);
        let location = page.location().to_owned();
        self.get(&location).await
    }
}

/// An end user on a live session's hosted page, past consent.
struct Visit {
    id: String,
    browser: Browser,
    csrf: String,
}

impl Visit {
    /// Creates a live document session with `extra` parameters, opens its link and
    /// accepts consent.
    async fn start(app: &TestApp, extra: &[(&str, &str)]) -> Visit {
        let mut pairs = vec![("type", "document")];
        pairs.extend_from_slice(extra);
        let created = app
            .post(SK_LIVE, "/v1/identity/verification_sessions", &pairs)
            .await;
        assert_eq!(created.status, 200, "{}", created.body);
        let id = created.id();
        let url = created.body["url"].as_str().expect("a url").to_owned();
        let mut browser = Browser::new(app);
        let opened = browser.get(&url).await;
        let consent = browser.follow(&opened).await;
        consent.assert_status(200);
        let csrf = consent.csrf();
        let accepted = browser
            .post(
                &format!("/verify/s/{id}/consent"),
                &[("csrf_token", &csrf), ("decision", "accept")],
            )
            .await;
        browser.follow(&accepted).await.assert_status(200);
        Visit { id, browser, csrf }
    }

    async fn choose(&mut self, document_type: &str) {
        let csrf = self.csrf.clone();
        self.browser
            .post(
                &format!("/verify/s/{}/document-type", self.id),
                &[("csrf_token", &csrf), ("document_type", document_type)],
            )
            .await
            .assert_status(303);
    }

    /// Uploads a fixture photo as `slot` (`front` or `back`).
    async fn upload(&mut self, slot: &str, file: &str) -> Page {
        let csrf = self.csrf.clone();
        self.browser
            .upload(
                &format!("/verify/s/{}/image/{slot}", self.id),
                &csrf,
                &photo(file),
            )
            .await
    }

    /// Uploads a photo the quick reading must accept.
    async fn upload_accepted(&mut self, slot: &str, file: &str) {
        let page = self.upload(slot, file).await;
        assert_eq!(
            page.status,
            StatusCode::SEE_OTHER,
            "{file} as the {slot} was not accepted (retake {:?}): {}",
            page.retake(),
            page.body
        );
    }

    /// The current step of the flow.
    async fn current(&mut self) -> Page {
        let path = format!("/verify/s/{}", self.id);
        self.browser.get(&path).await
    }

    /// Submits, runs the worker, and returns the session with its report and outputs,
    /// sensitive fields included.
    async fn submit(&mut self, app: &TestApp) -> Value {
        let review = self.current().await;
        assert!(
            review.has_testid("submit"),
            "not on review: {}",
            review.body
        );
        let csrf = self.csrf.clone();
        self.browser
            .post(
                &format!("/verify/s/{}/submit", self.id),
                &[("csrf_token", &csrf)],
            )
            .await
            .assert_status(303);
        app.drain_jobs().await;
        let reply = app
            .get(
                RK_LIVE,
                &session_path(&self.id),
                &[
                    ("expand[]", "last_verification_report"),
                    ("expand[]", "verified_outputs"),
                    ("expand[]", "verified_outputs.dob"),
                    ("expand[]", "verified_outputs.sex"),
                    ("expand[]", "last_verification_report.document.dob"),
                    ("expand[]", "last_verification_report.document.number"),
                    (
                        "expand[]",
                        "last_verification_report.document.expiration_date",
                    ),
                    ("expand[]", "last_verification_report.document.sex"),
                ],
            )
            .await;
        assert_eq!(reply.status, 200, "{}", reply.body);
        reply.body
    }
}

/// Uploads `<name>-front.jpg` and `<name>-back.jpg` as `document_type` and submits.
async fn verify(app: &TestApp, extra: &[(&str, &str)], document_type: &str, name: &str) -> Value {
    let mut visit = Visit::start(app, extra).await;
    if visit
        .current()
        .await
        .has_testid(&format!("document-type-{document_type}"))
    {
        visit.choose(document_type).await;
    }
    visit
        .upload_accepted("front", &format!("{name}-front.jpg"))
        .await;
    if document_type != "passport" {
        visit
            .upload_accepted("back", &format!("{name}-back.jpg"))
            .await;
    }
    visit.submit(app).await
}

#[track_caller]
fn assert_fails_with(session: &Value, code: &str) {
    assert_eq!(session["status"], "requires_input", "{session:#}");
    assert_eq!(session["last_error"]["code"], code, "{session:#}");
    assert!(session["verified_outputs"].is_null(), "{session:#}");
    let error = &session["last_verification_report"]["document"]["error"];
    assert_eq!(
        session["last_verification_report"]["document"]["status"], "unverified",
        "{session:#}"
    );
    // The report's document error codes are only Stripe's three document codes; an age
    // failure is explained by the reason alone.
    if code == "under_supported_age" {
        assert!(error["code"].is_null(), "{session:#}");
    } else {
        assert_eq!(error["code"], code, "{session:#}");
    }
    assert_eq!(
        error["reason"], session["last_error"]["reason"],
        "{session:#}"
    );
}

#[tokio::test]
async fn a_genuine_us_licence_verifies_with_its_barcode_data_in_outputs_and_report() {
    let app = spawn().await;
    let t = truth("us-dl");
    let s = verify(&app, &[], "driving_license", "us-dl").await;
    assert_eq!(s["status"], "verified", "{s:#}");
    assert!(s["last_error"].is_null(), "{s:#}");

    let address = json!({
        "line1": t["address"]["line1"],
        "line2": null,
        "city": t["address"]["city"],
        "state": t["address"]["state"],
        "postal_code": t["address"]["postal_code"],
        "country": "US",
    });
    let out = &s["verified_outputs"];
    assert_eq!(out["first_name"], t["first_name"], "{s:#}");
    assert_eq!(out["last_name"], t["last_name"], "{s:#}");
    assert_eq!(out["dob"], date(&t["dob"]), "{s:#}");
    assert_eq!(out["address"], address, "{s:#}");
    assert_eq!(out["sex"], "female", "{s:#}");
    assert!(out["id_number"].is_null(), "{s:#}");

    let doc = &s["last_verification_report"]["document"];
    assert_eq!(doc["status"], "verified", "{s:#}");
    assert!(doc["error"].is_null(), "{s:#}");
    assert_eq!(doc["type"], "driving_license");
    assert_eq!(doc["issuing_country"], "US");
    assert_eq!(doc["first_name"], t["first_name"]);
    assert_eq!(doc["last_name"], t["last_name"]);
    assert_eq!(doc["dob"], date(&t["dob"]));
    assert_eq!(doc["number"], t["document_number"]);
    assert_eq!(doc["issued_date"], date(&t["issued"]));
    assert_eq!(doc["expiration_date"], date(&t["expiry"]));
    assert_eq!(doc["address"], address);
    assert_eq!(doc["sex"], "female");
    let files = doc["files"].as_array().expect("files");
    assert_eq!(files.len(), 2, "{s:#}");
    for file in files {
        let (record, bytes) = app
            .state
            .store()
            .file(true, file.as_str().unwrap())
            .await
            .unwrap()
            .expect("the report's files exist");
        assert_eq!(record.file_type, "jpg");
        assert!(bytes.is_some_and(|b| b.starts_with(&[0xFF, 0xD8])));
    }
}

#[tokio::test]
async fn a_genuine_passport_verifies_from_its_machine_readable_zone() {
    let app = spawn().await;
    let t = truth("passport");
    let s = verify(
        &app,
        &[("options[document][allowed_types][]", "passport")],
        "passport",
        "passport",
    )
    .await;
    assert_eq!(s["status"], "verified", "{s:#}");
    let out = &s["verified_outputs"];
    // The MRZ holds every given name.
    let given = format!(
        "{} {}",
        t["first_name"].as_str().unwrap(),
        t["middle_name"].as_str().unwrap()
    );
    assert_eq!(out["first_name"], given.as_str(), "{s:#}");
    assert_eq!(out["last_name"], t["last_name"], "{s:#}");
    assert_eq!(out["dob"], date(&t["dob"]), "{s:#}");
    assert!(out["address"].is_null(), "a passport has no address: {s:#}");
    let doc = &s["last_verification_report"]["document"];
    assert_eq!(doc["status"], "verified");
    assert_eq!(doc["type"], "passport");
    assert_eq!(doc["issuing_country"], "CA");
    assert_eq!(doc["number"], t["document_number"]);
    assert_eq!(doc["expiration_date"], date(&t["expiry"]));
    assert_eq!(doc["sex"], "male");
    assert_eq!(doc["files"].as_array().map(Vec::len), Some(1));
}

#[tokio::test]
async fn a_genuine_td1_identity_card_verifies_from_the_machine_readable_zone_on_its_back() {
    let app = spawn().await;
    let t = truth("td1-id");
    let s = verify(&app, &[], "id_card", "td1-id").await;
    assert_eq!(s["status"], "verified", "{s:#}");
    assert_eq!(s["verified_outputs"]["last_name"], t["last_name"], "{s:#}");
    assert_eq!(s["verified_outputs"]["dob"], date(&t["dob"]), "{s:#}");
    let doc = &s["last_verification_report"]["document"];
    assert_eq!(doc["type"], "id_card");
    assert_eq!(doc["issuing_country"], "NL");
    assert_eq!(doc["number"], t["document_number"]);
    assert_eq!(doc["expiration_date"], date(&t["expiry"]));
}

#[tokio::test]
async fn an_expired_licence_ends_in_document_expired() {
    let app = spawn().await;
    let t = truth("us-dl-expired");
    let s = verify(&app, &[], "driving_license", "us-dl-expired").await;
    assert_fails_with(&s, "document_expired");
    // The report still shows what the document says (its dates above all).
    let doc = &s["last_verification_report"]["document"];
    assert_eq!(doc["expiration_date"], date(&t["expiry"]), "{s:#}");
    assert_eq!(doc["expiration_date"]["year"], 2021);
}

#[tokio::test]
async fn a_licence_whose_front_prints_another_date_of_birth_is_unverified() {
    let app = spawn().await;
    let s = verify(&app, &[], "driving_license", "us-dl-tampered").await;
    assert_fails_with(&s, "document_unverified_other");
    // Only the date of birth disagrees: the name and number on the front were read.
    assert_eq!(
        s["last_error"]["reason"],
        "The date of birth printed on the front of the document could not be matched with its barcode.",
        "{s:#}"
    );
}

#[tokio::test]
async fn a_child_s_id_card_ends_in_under_supported_age() {
    let app = spawn().await;
    let t = truth("us-id-minor");
    assert_eq!(t["dob"][0], 2020, "the holder stays under 18 until 2038");
    let s = verify(&app, &[], "id_card", "us-id-minor").await;
    assert_fails_with(&s, "under_supported_age");
    assert_eq!(s["last_verification_report"]["document"]["type"], "id_card");
}

#[tokio::test]
async fn a_licence_where_only_passports_and_id_cards_are_allowed_is_not_supported() {
    let app = spawn().await;
    // The user says it is an ID card; the barcode says it is a driving licence.
    let s = verify(
        &app,
        &[
            ("options[document][allowed_types][]", "passport"),
            ("options[document][allowed_types][]", "id_card"),
        ],
        "id_card",
        "us-dl",
    )
    .await;
    assert_fails_with(&s, "document_type_not_supported");
    let doc = &s["last_verification_report"]["document"];
    assert_eq!(doc["type"], "driving_license", "{s:#}");
    assert!(doc["first_name"].is_null(), "nothing else is shown: {s:#}");
}

#[tokio::test]
async fn a_licence_in_a_passport_only_session_is_asked_again_then_not_supported() {
    let app = spawn().await;
    let mut visit = Visit::start(&app, &[("options[document][allowed_types][]", "passport")]).await;
    // A passport-only session asks for the photo page alone: the licence's front has no
    // machine-readable zone, so the upload asks for a retake, at most three times.
    for _ in 0..3 {
        let page = visit.upload("front", "us-dl-front.jpg").await;
        page.assert_status(422);
        assert_eq!(page.retake(), Some("mrz_unreadable"), "{}", page.body);
    }
    visit.upload_accepted("front", "us-dl-front.jpg").await;
    let s = visit.submit(&app).await;
    assert_eq!(s["status"], "requires_input", "{s:#}");
    // No MRZ to read, but the front's title says "DRIVER LICENSE": not a supported type.
    assert_eq!(
        s["last_error"]["code"], "document_type_not_supported",
        "{s:#}"
    );
    assert!(
        s["last_error"]["reason"]
            .as_str()
            .unwrap()
            .contains("driving licence; this verification accepts only: passport"),
        "{s:#}"
    );
}

#[tokio::test]
async fn a_blurred_back_is_refused_with_a_retake_and_a_sharp_one_then_verifies() {
    let app = spawn().await;
    let mut visit = Visit::start(&app, &[]).await;
    visit.choose("driving_license").await;
    visit.upload_accepted("front", "us-dl-front.jpg").await;

    let refused = visit.upload("back", "us-dl-blurred-back.jpg").await;
    refused.assert_status(422);
    assert_eq!(refused.retake(), Some("blurry"), "{}", refused.body);
    assert!(refused.has_testid("error"));
    assert!(
        refused
            .body
            .contains("This photo is blurred. Hold the camera steady, let it focus, and take the photo again."),
        "{}",
        refused.body
    );
    // The blurred photo was not kept: the flow is still on the back.
    let current = visit.current().await;
    assert!(current.has_testid("upload-back"), "{}", current.body);
    assert!(current.retake().is_none(), "the retake note is not sticky");

    visit.upload_accepted("back", "us-dl-back.jpg").await;
    let s = visit.submit(&app).await;
    assert_eq!(s["status"], "verified", "{s:#}");
}

#[tokio::test]
async fn a_photo_that_is_not_a_document_is_refused_with_a_retake() {
    let app = spawn().await;
    let mut visit = Visit::start(&app, &[]).await;
    visit.choose("driving_license").await;
    let refused = visit.upload("front", "not-a-document-front.jpg").await;
    refused.assert_status(422);
    assert_eq!(refused.retake(), Some("no_document"), "{}", refused.body);
    assert!(refused.has_testid("error"));
    assert!(
        refused
            .body
            .contains("No document was found in this photo."),
        "{}",
        refused.body
    );
    let current = visit.current().await;
    assert!(current.has_testid("upload-front"), "{}", current.body);
}

/// A document session that requires a matching selfie, through the licence with a real
/// portrait (`us-dl-portrait`, or `document` when given) and `selfie`: uploads every image
/// (the selfie as many times as the page asks a retake, then kept) and submits.
async fn verify_with_selfie(app: &TestApp, document: &str, selfie: &str) -> (Value, Vec<String>) {
    let mut visit = Visit::start(
        app,
        &[("options[document][require_matching_selfie]", "true")],
    )
    .await;
    visit.choose("driving_license").await;
    visit
        .upload_accepted("front", &format!("{document}-front.jpg"))
        .await;
    visit
        .upload_accepted("back", &format!("{document}-back.jpg"))
        .await;
    let mut retakes = Vec::new();
    loop {
        let page = visit.upload("selfie", selfie).await;
        if page.status == StatusCode::SEE_OTHER {
            break;
        }
        page.assert_status(422);
        retakes.push(page.retake().expect("a retake reason").to_owned());
        assert!(retakes.len() <= 3, "asked again and again: {retakes:?}");
    }
    (visit.submit(app).await, retakes)
}

#[tokio::test]
async fn a_selfie_of_the_person_on_the_licence_verifies_with_the_selfie_section_filled() {
    let app = spawn().await;
    let (s, retakes) = verify_with_selfie(&app, "us-dl-portrait", "selfie-match.jpg").await;
    assert!(retakes.is_empty(), "{retakes:?}");
    assert_eq!(s["status"], "verified", "{s:#}");
    let t = truth("us-dl-portrait");
    assert_eq!(s["verified_outputs"]["last_name"], t["last_name"], "{s:#}");
    let report = &s["last_verification_report"];
    assert_eq!(report["document"]["status"], "verified", "{s:#}");
    let selfie = &report["selfie"];
    assert_eq!(selfie["status"], "verified", "{s:#}");
    assert!(selfie["error"].is_null(), "{s:#}");
    let files = report["document"]["files"].as_array().expect("files");
    assert_eq!(selfie["document"], files[0], "{s:#}");
    let selfie_file = selfie["selfie"].as_str().expect("the selfie's file");
    assert!(selfie_file.starts_with("file_"), "{s:#}");
    assert!(!files.iter().any(|f| f == selfie_file), "{s:#}");
}

#[tokio::test]
async fn a_selfie_of_someone_else_is_a_face_mismatch() {
    let app = spawn().await;
    let (s, retakes) = verify_with_selfie(&app, "us-dl-portrait", "selfie-other.jpg").await;
    assert!(retakes.is_empty(), "{retakes:?}");
    assert_eq!(s["status"], "requires_input", "{s:#}");
    assert_eq!(s["last_error"]["code"], "selfie_face_mismatch", "{s:#}");
    assert!(s["verified_outputs"].is_null(), "{s:#}");
    let report = &s["last_verification_report"];
    // The document itself passed; the selfie did not.
    assert_eq!(report["document"]["status"], "verified", "{s:#}");
    assert_eq!(report["selfie"]["status"], "unverified", "{s:#}");
    assert_eq!(
        report["selfie"]["error"]["code"], "selfie_face_mismatch",
        "{s:#}"
    );
}

#[tokio::test]
async fn a_selfie_without_a_face_is_asked_again_then_never_passes() {
    let app = spawn().await;
    let (s, retakes) = verify_with_selfie(&app, "us-dl-portrait", "not-a-document-front.jpg").await;
    assert_eq!(
        retakes, ["no_face"; 3],
        "asked for a retake each time it may"
    );
    assert_eq!(s["status"], "requires_input", "{s:#}");
    assert_eq!(s["last_error"]["code"], "selfie_unverified_other", "{s:#}");
    assert_eq!(
        s["last_error"]["reason"], "No face was found in the selfie.",
        "{s:#}"
    );
    let selfie = &s["last_verification_report"]["selfie"];
    assert_eq!(selfie["status"], "unverified", "{s:#}");
    assert_eq!(selfie["error"]["code"], "selfie_unverified_other", "{s:#}");
}

#[tokio::test]
async fn a_document_without_a_portrait_is_missing_its_photo() {
    let app = spawn().await;
    // us-dl's portrait is a grey silhouette: no face to compare with.
    let (s, _) = verify_with_selfie(&app, "us-dl", "selfie-match.jpg").await;
    assert_eq!(s["status"], "requires_input", "{s:#}");
    assert_eq!(
        s["last_error"]["code"], "selfie_document_missing_photo",
        "{s:#}"
    );
    let report = &s["last_verification_report"];
    assert_eq!(report["document"]["status"], "verified", "{s:#}");
    assert_eq!(
        report["selfie"]["error"]["code"], "selfie_document_missing_photo",
        "{s:#}"
    );
}

#[tokio::test]
async fn a_photo_of_the_licence_is_not_a_selfie() {
    let app = spawn().await;
    let mut visit = Visit::start(
        &app,
        &[("options[document][require_matching_selfie]", "true")],
    )
    .await;
    visit.choose("driving_license").await;
    visit
        .upload_accepted("front", "us-dl-portrait-front.jpg")
        .await;
    visit
        .upload_accepted("back", "us-dl-portrait-back.jpg")
        .await;
    let refused = visit.upload("selfie", "us-dl-portrait-front.jpg").await;
    refused.assert_status(422);
    assert_eq!(
        refused.retake(),
        Some("document_not_selfie"),
        "{}",
        refused.body
    );
    assert!(
        refused
            .body
            .contains("This looks like a photo of a document, not a selfie."),
        "{}",
        refused.body
    );

    // Insisting does not help: once the page stops asking, the worker calls it what it is.
    let (s, retakes) = verify_with_selfie(&app, "us-dl-portrait", "us-dl-portrait-front.jpg").await;
    assert_eq!(retakes, ["document_not_selfie"; 3]);
    assert_eq!(s["status"], "requires_input", "{s:#}");
    assert_eq!(s["last_error"]["code"], "selfie_manipulated", "{s:#}");
    assert_eq!(
        s["last_verification_report"]["selfie"]["error"]["code"], "selfie_manipulated",
        "{s:#}"
    );
}
