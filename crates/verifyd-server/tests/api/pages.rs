//! The hosted flow over HTTP: links and client secrets, single use and expiry, browser
//! binding (the link's cookie, the modal frame's header), CSRF, uploads, consent, test
//! outcomes and submission. A tiny cookie-keeping "browser" (no redirects followed
//! automatically) plays the end user; in the modal it plays the frame's script, sending the
//! binding secret it was handed in a header.

use crate::common::*;
use reqwest::header::{HeaderMap, CONTENT_TYPE, COOKIE, LOCATION, SET_COOKIE};
use reqwest::StatusCode;
use serde_json::Value;
use verifyd_core::session::{SessionType, CLIENT_SECRET_TTL_MILLIS, URL_TTL_MILLIS};
use verifyd_core::submission::applicable_failures;

const PARENT: &str = "http://localhost:4242";
/// `PARENT` as the drop-in writes it in the frame's address (`encodeURIComponent`).
pub(crate) const PARENT_ENCODED: &str = "http%3A%2F%2Flocalhost%3A4242";
/// The header in which the modal's frame sends its binding secret.
const BINDING_HEADER: &str = "verifyd-binding";
/// What the frame's open request carries: its mark, and the browser's word that it comes
/// from verifyd's own origin.
pub(crate) const MODAL_OPEN: [(&str, &str); 2] =
    [("verifyd-modal", "open"), ("sec-fetch-site", "same-origin")];

/// One page as a browser received it.
pub(crate) struct Page {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: String,
}

impl Page {
    pub fn location(&self) -> &str {
        self.headers
            .get(LOCATION)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    pub fn header(&self, name: &str) -> &str {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or("")
    }

    /// The CSRF token of the page's forms.
    pub fn csrf(&self) -> String {
        let marker = "name=\"csrf_token\" value=\"";
        let start = self.body.find(marker).expect("page has a form") + marker.len();
        let end = start + self.body[start..].find('"').unwrap();
        self.body[start..end].to_owned()
    }

    pub fn has_testid(&self, id: &str) -> bool {
        self.body.contains(&format!("data-testid=\"{id}\""))
    }

    #[track_caller]
    pub fn assert_status(&self, status: u16) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
    }
}

/// A browser: its own cookies, redirects left to the test. As the modal's frame it also
/// holds the binding secret verifyd handed it, and sends it with every request.
pub(crate) struct Browser {
    base: String,
    client: reqwest::Client,
    cookies: Vec<(String, String)>,
    binding: Option<String>,
    /// The browser's `Accept-Language`, sent with every request when set.
    pub accept_language: Option<String>,
}

impl Browser {
    pub fn new(app: &TestApp) -> Self {
        Self {
            base: app.base.clone(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .unwrap(),
            cookies: Vec::new(),
            binding: None,
            accept_language: None,
        }
    }

    fn url(&self, path: &str) -> String {
        if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        }
    }

    fn cookie_header(&self) -> String {
        self.cookies
            .iter()
            .map(|(k, v)| format!("{k}={v}"))
            .collect::<Vec<_>>()
            .join("; ")
    }

    async fn send(&mut self, request: reqwest::RequestBuilder) -> Page {
        let request = if self.cookies.is_empty() {
            request
        } else {
            request.header(COOKIE, self.cookie_header())
        };
        let request = match &self.binding {
            Some(secret) => request.header(BINDING_HEADER, secret),
            None => request,
        };
        let request = match &self.accept_language {
            Some(languages) => request.header("accept-language", languages),
            None => request,
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

    pub async fn get(&mut self, path: &str) -> Page {
        let request = self.client.get(self.url(path));
        self.send(request).await
    }

    pub async fn post(&mut self, path: &str, pairs: &[(&str, &str)]) -> Page {
        self.post_with_headers(path, pairs, &[]).await
    }

    pub async fn post_with_headers(
        &mut self,
        path: &str,
        pairs: &[(&str, &str)],
        headers: &[(&str, &str)],
    ) -> Page {
        let mut request = self
            .client
            .post(self.url(path))
            .header(CONTENT_TYPE, "application/x-www-form-urlencoded")
            .body(form(pairs));
        for (name, value) in headers {
            request = request.header(*name, *value);
        }
        self.send(request).await
    }

    /// A multipart post with text fields and optionally one file field named `file`.
    async fn upload(&mut self, path: &str, fields: &[(&str, &str)], file: Option<&[u8]>) -> Page {
        let boundary = "----verifydtestboundary7MA4YWxkTrZu0gW";
        let mut body = Vec::new();
        for (name, value) in fields {
            body.extend_from_slice(
                format!("--{boundary}\r\nContent-Disposition: form-data; name=\"{name}\"\r\n\r\n{value}\r\n")
                    .as_bytes(),
            );
        }
        if let Some(bytes) = file {
            body.extend_from_slice(
                format!(
                    "--{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo\"\r\nContent-Type: application/octet-stream\r\n\r\n"
                )
                .as_bytes(),
            );
            body.extend_from_slice(bytes);
            body.extend_from_slice(b"\r\n");
        }
        body.extend_from_slice(format!("--{boundary}--\r\n").as_bytes());
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

    /// Follows a 303 and returns the page it leads to.
    pub async fn follow(&mut self, page: &Page) -> Page {
        assert_eq!(page.status, StatusCode::SEE_OTHER, "body: {}", page.body);
        let location = page.location().to_owned();
        self.get(&location).await
    }
}

/// A 1×1 grey PNG, built here: signature, IHDR, one stored-deflate IDAT, IEND.
pub(crate) fn tiny_png() -> Vec<u8> {
    png_with_text(None)
}

/// A 1×1 PNG, with a `tEXt` chunk holding `text` when given.
fn png_with_text(text: Option<&str>) -> Vec<u8> {
    fn crc32(data: &[u8]) -> u32 {
        let mut c = 0xFFFF_FFFFu32;
        for &b in data {
            c ^= b as u32;
            for _ in 0..8 {
                c = if c & 1 != 0 {
                    0xEDB8_8320 ^ (c >> 1)
                } else {
                    c >> 1
                };
            }
        }
        c ^ 0xFFFF_FFFF
    }
    fn chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
        out.extend_from_slice(&(data.len() as u32).to_be_bytes());
        let mut body = kind.to_vec();
        body.extend_from_slice(data);
        out.extend_from_slice(&body);
        out.extend_from_slice(&crc32(&body).to_be_bytes());
    }
    let mut out = vec![0x89, b'P', b'N', b'G', 0x0D, 0x0A, 0x1A, 0x0A];
    let mut ihdr = Vec::new();
    ihdr.extend_from_slice(&1u32.to_be_bytes());
    ihdr.extend_from_slice(&1u32.to_be_bytes());
    ihdr.extend_from_slice(&[8, 0, 0, 0, 0]);
    chunk(&mut out, b"IHDR", &ihdr);
    if let Some(text) = text {
        let mut data = b"Comment\0".to_vec();
        data.extend_from_slice(text.as_bytes());
        chunk(&mut out, b"tEXt", &data);
    }
    let raw = [0u8, 0x80];
    let mut z = vec![0x78, 0x01, 0x01, 0x02, 0x00, 0xFD, 0xFF];
    z.extend_from_slice(&raw);
    let (mut a, mut b) = (1u32, 0u32);
    for &x in &raw {
        a = (a + x as u32) % 65521;
        b = (b + a) % 65521;
    }
    z.extend_from_slice(&((b << 16) | a).to_be_bytes());
    chunk(&mut out, b"IDAT", &z);
    chunk(&mut out, b"IEND", &[]);
    out
}

/// A 2×2 baseline JPEG as a browser's encoder (Chromium's canvas) wrote it.
pub(crate) fn tiny_jpeg() -> Vec<u8> {
    vec![
        0xFF, 0xD8, 0xFF, 0xE0, 0x00, 0x10, 0x4A, 0x46, 0x49, 0x46, 0x00, 0x01, 0x01, 0x00, 0x00,
        0x01, 0x00, 0x01, 0x00, 0x00, 0xFF, 0xDB, 0x00, 0x43, 0x00, 0x10, 0x0B, 0x0C, 0x0E, 0x0C,
        0x0A, 0x10, 0x0E, 0x0D, 0x0E, 0x12, 0x11, 0x10, 0x13, 0x18, 0x28, 0x1A, 0x18, 0x16, 0x16,
        0x18, 0x31, 0x23, 0x25, 0x1D, 0x28, 0x3A, 0x33, 0x3D, 0x3C, 0x39, 0x33, 0x38, 0x37, 0x40,
        0x48, 0x5C, 0x4E, 0x40, 0x44, 0x57, 0x45, 0x37, 0x38, 0x50, 0x6D, 0x51, 0x57, 0x5F, 0x62,
        0x67, 0x68, 0x67, 0x3E, 0x4D, 0x71, 0x79, 0x70, 0x64, 0x78, 0x5C, 0x65, 0x67, 0x63, 0xFF,
        0xDB, 0x00, 0x43, 0x01, 0x11, 0x12, 0x12, 0x18, 0x15, 0x18, 0x2F, 0x1A, 0x1A, 0x2F, 0x63,
        0x42, 0x38, 0x42, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
        0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
        0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63,
        0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0x63, 0xFF, 0xC0, 0x00, 0x11, 0x08, 0x00, 0x02,
        0x00, 0x02, 0x03, 0x01, 0x22, 0x00, 0x02, 0x11, 0x01, 0x03, 0x11, 0x01, 0xFF, 0xC4, 0x00,
        0x15, 0x00, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x01, 0xFF, 0xC4, 0x00, 0x14, 0x10, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xC4, 0x00,
        0x15, 0x01, 0x01, 0x01, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x03, 0x05, 0xFF, 0xC4, 0x00, 0x14, 0x11, 0x01, 0x00, 0x00, 0x00, 0x00,
        0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0x00, 0xFF, 0xDA, 0x00,
        0x0C, 0x03, 0x01, 0x00, 0x02, 0x11, 0x03, 0x11, 0x00, 0x3F, 0x00, 0x80, 0x01, 0x19, 0xFF,
        0xD9,
    ]
}

/// A 2×2 lossy WebP (one VP8 chunk) as Chromium's encoder wrote it; the RIFF length is
/// computed here.
fn tiny_webp() -> Vec<u8> {
    let vp8: &[u8] = &[
        0x70, 0x01, 0x00, 0x9D, 0x01, 0x2A, 0x02, 0x00, 0x02, 0x00, 0x02, 0xC0, 0x4C, 0x25, 0xA0,
        0x02, 0x74, 0x01, 0xA0, 0x00, 0x00, 0xFC, 0xCA, 0xC6, 0x13, 0x49, 0x3A, 0x3F, 0xF8, 0xB4,
        0x3F, 0xA3, 0x0F, 0xE5, 0x6B, 0x17, 0x80, 0x00,
    ];
    let mut body = b"WEBPVP8 ".to_vec();
    body.extend_from_slice(&(vp8.len() as u32).to_le_bytes());
    body.extend_from_slice(vp8);
    let mut out = b"RIFF".to_vec();
    out.extend_from_slice(&(body.len() as u32).to_le_bytes());
    out.extend_from_slice(&body);
    out
}

async fn spawn() -> TestApp {
    TestApp::spawn_with(Options { run_workers: false }).await
}

pub(crate) async fn create(app: &TestApp, key: &str, extra: &[(&str, &str)]) -> Value {
    let mut pairs = vec![("type", "document")];
    pairs.extend_from_slice(extra);
    let reply = app
        .post(key, "/v1/identity/verification_sessions", &pairs)
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

async fn retrieve(app: &TestApp, key: &str, id: &str) -> Value {
    let reply = app.get(key, &session_path(id), &[]).await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

pub(crate) fn url_of(session: &Value) -> String {
    session["url"]
        .as_str()
        .expect("session has a url")
        .to_owned()
}

pub(crate) fn id_of(session: &Value) -> String {
    session["id"].as_str().unwrap().to_owned()
}

/// Opens `session`'s link in a new browser and returns it with the consent page.
pub(crate) async fn open(app: &TestApp, session: &Value) -> (Browser, Page) {
    let mut browser = Browser::new(app);
    let start = browser.get(&url_of(session)).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
    assert_eq!(start.location(), format!("/verify/s/{}", id_of(session)));
    let page = browser.follow(&start).await;
    page.assert_status(200);
    (browser, page)
}

/// Opens the link and accepts consent; returns the first step after consent.
pub(crate) async fn consented(app: &TestApp, session: &Value) -> (Browser, Page) {
    let (mut browser, consent) = open(app, session).await;
    let id = id_of(session);
    let accepted = browser
        .post(
            &format!("/verify/s/{id}/consent"),
            &[("csrf_token", &consent.csrf()), ("decision", "accept")],
        )
        .await;
    let page = browser.follow(&accepted).await;
    page.assert_status(200);
    (browser, page)
}

#[tokio::test]
async fn a_link_opens_once_binds_the_browser_and_lands_on_consent() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let mut browser = Browser::new(&app);
    // A link checker's HEAD does not spend the link.
    let probe = browser.client.head(url_of(&session)).send().await.unwrap();
    assert_eq!(probe.status(), 200);
    let start = browser.get(&url_of(&session)).await;
    start.assert_status(303);
    let cookie = start.header("set-cookie");
    assert!(cookie.starts_with(&format!("verifyd_b_{id}=")), "{cookie}");
    assert!(
        cookie.contains("HttpOnly") && cookie.contains("Path=/verify;"),
        "{cookie}"
    );
    assert!(
        cookie.contains("SameSite=Lax") && !cookie.contains("Secure"),
        "{cookie}"
    );

    let consent = browser.follow(&start).await;
    consent.assert_status(200);
    assert!(consent.body.contains("<html lang=\"en\">"));
    assert!(consent.has_testid("consent-accept") && consent.has_testid("consent-decline"));
    assert!(consent.has_testid("test-mode-banner"));
    assert!(consent.header("content-type").starts_with("text/html"));
    let csp = consent.header("content-security-policy");
    assert!(
        csp.contains("default-src 'self'") && csp.contains("script-src 'self';"),
        "{csp}"
    );
    assert!(
        csp.contains("frame-ancestors 'none'") && !csp.contains("unsafe-inline"),
        "{csp}"
    );
    assert_eq!(consent.header("x-content-type-options"), "nosniff");
    assert_eq!(consent.header("referrer-policy"), "no-referrer");
    assert_eq!(consent.header("cache-control"), "no-store");

    // The same browser cannot open the link again, but is offered its own attempt back.
    let again = browser.get(&url_of(&session)).await;
    again.assert_status(410);
    assert!(again.has_testid("expired-link"));
    assert!(again.body.contains(&format!("href=\"/verify/s/{id}\"")));

    // Any other browser gets the expired page for the link and for the flow.
    let mut other = Browser::new(&app);
    let used = other.get(&url_of(&session)).await;
    used.assert_status(410);
    assert!(used.body.contains("This link has expired"));
    assert!(!used.has_testid("expired-link"));
    let flow = other.get(&format!("/verify/s/{id}")).await;
    flow.assert_status(410);
    assert!(flow.body.contains("This link has expired"));
}

#[tokio::test]
async fn another_browser_cannot_post_into_an_opened_flow() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let (_owner, consent) = open(&app, &session).await;
    let mut other = Browser::new(&app);
    let post = other
        .post(
            &format!("/verify/s/{id}/consent"),
            &[("csrf_token", &consent.csrf()), ("decision", "decline")],
        )
        .await;
    post.assert_status(410);
    let after = retrieve(&app, SK_TEST, &id).await;
    assert_eq!(after["status"], "requires_input");
    assert!(after["last_error"].is_null());
}

#[tokio::test]
async fn unknown_and_malformed_links_get_the_same_expired_page() {
    let app = spawn().await;
    let mut browser = Browser::new(&app);
    for path in [
        "/verify/start/doesnotexist0000000000000000000000000000",
        "/verify/start/bad%20token",
        "/verify/s/vs_unknown",
        "/verify/s/not-a-session",
    ] {
        let page = browser.get(path).await;
        page.assert_status(410);
        assert!(page.body.contains("This link has expired"), "{path}");
    }
    let missing = browser.get("/verify/nothing/here").await;
    missing.assert_status(404);
    assert!(missing.header("content-type").starts_with("text/html"));
}

#[tokio::test]
async fn a_wrong_method_on_a_flow_url_gets_the_html_page_without_the_token() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let url = url_of(&session);
    let token = url.rsplit('/').next().unwrap().to_owned();
    let mut browser = Browser::new(&app);
    for path in [
        url.clone(),
        format!("/verify/s/{}", id_of(&session)),
        "/verify/assets/style.css".to_owned(),
    ] {
        let page = browser.post(&path, &[]).await;
        page.assert_status(404);
        assert!(
            page.header("content-type").starts_with("text/html"),
            "{path}"
        );
        assert!(!page.header("content-security-policy").is_empty(), "{path}");
        assert!(!page.body.contains(&token), "{path} echoes the token");
    }
    // The link was not spent by those requests.
    let start = browser.get(&url).await;
    assert_eq!(start.status, StatusCode::SEE_OTHER, "{}", start.body);
}

#[tokio::test]
async fn a_link_older_than_48_hours_is_expired() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    app.clock.advance_millis(URL_TTL_MILLIS - 1000);
    let fresh = create(&app, SK_TEST, &[]).await;
    let (_b, _) = open(&app, &fresh).await;
    app.clock.advance_millis(1000);
    let mut browser = Browser::new(&app);
    let page = browser.get(&url_of(&session)).await;
    page.assert_status(410);
    assert!(page.body.contains("This link has expired"));
    // Retrieving mints a new link that works.
    let renewed = retrieve(&app, SK_TEST, &id_of(&session)).await;
    assert_ne!(url_of(&renewed), url_of(&session));
    open(&app, &renewed).await;
}

#[tokio::test]
async fn links_of_sessions_no_longer_waiting_for_input_are_expired() {
    let app = spawn().await;
    let canceled = create(&app, SK_TEST, &[]).await;
    let reply = app
        .post(
            SK_TEST,
            &format!("{}/cancel", session_path(&id_of(&canceled))),
            &[],
        )
        .await;
    assert_eq!(reply.body["status"], "canceled");
    let mut browser = Browser::new(&app);
    let page = browser.get(&url_of(&canceled)).await;
    page.assert_status(410);
    assert!(page.body.contains("This link has expired"));

    // Opened, then canceled through the API: the open flow closes too.
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let (mut browser, consent) = open(&app, &session).await;
    app.post(SK_TEST, &format!("{}/cancel", session_path(&id)), &[])
        .await;
    browser
        .get(&format!("/verify/s/{id}"))
        .await
        .assert_status(410);
    browser
        .post(
            &format!("/verify/s/{id}/consent"),
            &[("csrf_token", &consent.csrf()), ("decision", "accept")],
        )
        .await
        .assert_status(410);
}

#[tokio::test]
async fn an_opened_link_attempt_ends_48_hours_after_it_was_opened() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let (mut browser, _) = open(&app, &session).await;
    app.clock.advance_millis(URL_TTL_MILLIS);
    browser
        .get(&format!("/verify/s/{id}"))
        .await
        .assert_status(410);
}

/// Opens the modal for `client_secret` the way the drop-in's frame does: the frame page,
/// then its marked same-origin request. When it opens, the returned browser holds the
/// binding secret (as the frame's script does) and sends it from then on.
async fn open_modal(app: &TestApp, key: &str, client_secret: &str) -> (Browser, Page) {
    let mut browser = Browser::new(app);
    let frame = browser
        .get(&format!("/verify/modal?parent={PARENT_ENCODED}"))
        .await;
    frame.assert_status(200);
    assert!(frame
        .header("content-security-policy")
        .ends_with(&format!("frame-ancestors {PARENT}")));
    assert!(frame
        .body
        .contains(&format!("data-parent-origin=\"{PARENT}\"")));
    let opened = browser
        .post_with_headers(
            "/verify/modal/open",
            &[("client_secret", client_secret), ("key", key)],
            &MODAL_OPEN,
        )
        .await;
    if opened.status == StatusCode::OK {
        let body: Value = serde_json::from_str(&opened.body).expect("JSON");
        browser.binding = Some(body["binding"].as_str().expect("binding").to_owned());
    }
    (browser, opened)
}

/// Where an opened modal's flow starts, from the open request's answer.
fn modal_flow(opened: &Page) -> String {
    let body: Value = serde_json::from_str(&opened.body).expect("JSON");
    body["flow"].as_str().expect("flow").to_owned()
}

#[tokio::test]
async fn a_client_secret_opens_the_modal_once_bound_to_its_frame_by_a_header_not_a_cookie() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let secret = session["client_secret"].as_str().unwrap();
    let (mut browser, opened) = open_modal(&app, PK_TEST, secret).await;
    opened.assert_status(200);
    assert!(opened
        .header("content-type")
        .starts_with("application/json"));
    assert_eq!(opened.header("cache-control"), "no-store");
    assert_eq!(modal_flow(&opened), format!("/verify/s/{id}"));
    let binding = browser.binding.clone().unwrap();
    assert!(binding.len() >= 32 && binding.chars().all(|c| c.is_ascii_alphanumeric()));
    // No cookie anywhere: the frame holds the binding.
    assert!(opened.headers.get(SET_COOKIE).is_none());
    assert!(browser.cookies.is_empty());
    let flow = browser.get(&modal_flow(&opened)).await;
    flow.assert_status(200);
    assert!(flow.headers.get(SET_COOKIE).is_none());
    assert!(flow.body.contains("data-channel=\"modal\""));
    assert!(flow.has_testid("consent-accept"));
    // The frame fetches the flow's pages; nobody may frame them.
    assert!(flow
        .header("content-security-policy")
        .ends_with("frame-ancestors 'none'"));
    assert!(!flow.body.contains(&binding), "the binding is in no page");

    // Single use: the same secret cannot open it again, in any browser.
    let (again_browser, again) = open_modal(&app, PK_TEST, secret).await;
    again.assert_status(410);
    assert!(again.body.contains("data-error-code=\"session_expired\""));
    assert!(again_browser.binding.is_none());

    // Declining in the modal hands consent_declined to the parent.
    let declined = browser
        .post(
            &format!("/verify/s/{id}/consent"),
            &[("csrf_token", &flow.csrf()), ("decision", "decline")],
        )
        .await;
    assert_eq!(
        declined.location(),
        format!("/verify/s/{id}/end/declined?via=modal")
    );
    assert!(declined.headers.get(SET_COOKIE).is_none());
    let end = browser.follow(&declined).await;
    end.assert_status(200);
    assert!(end.body.contains("data-error-code=\"consent_declined\""));
    assert!(end.body.contains("data-channel=\"modal\""));
}

#[tokio::test]
async fn a_modal_attempt_answers_only_the_binding_its_frame_holds() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let (frame, opened) =
        open_modal(&app, PK_TEST, session["client_secret"].as_str().unwrap()).await;
    let flow_path = modal_flow(&opened);
    let binding = frame.binding.clone().unwrap();

    // No binding at all: the plain expired page.
    let mut stranger = Browser::new(&app);
    let page = stranger.get(&flow_path).await;
    page.assert_status(410);
    assert!(page.has_testid("expired"));
    assert!(!page.body.contains("data-error-code"));
    // Another frame's binding: expired, with the result its frame hands the parent.
    stranger.binding = Some("x".repeat(32));
    let page = stranger.get(&flow_path).await;
    page.assert_status(410);
    assert!(page.body.contains("data-error-code=\"session_expired\""));
    stranger.binding = Some(String::new());
    stranger.get(&flow_path).await.assert_status(410);
    // The right secret in a cookie: a cookie never holds a modal attempt.
    let mut cookie_holder = Browser::new(&app);
    cookie_holder
        .cookies
        .push((format!("verifyd_b_{id}"), binding.clone()));
    cookie_holder.get(&flow_path).await.assert_status(410);
    let refused = cookie_holder
        .post(
            &format!("/verify/s/{id}/consent"),
            &[("csrf_token", "whatever"), ("decision", "accept")],
        )
        .await;
    refused.assert_status(410);

    // The frame itself: its posts still need the CSRF token.
    let mut frame = frame;
    let consent = frame.get(&flow_path).await;
    let forged = frame
        .post(
            &format!("/verify/s/{id}/consent"),
            &[("csrf_token", "wrong"), ("decision", "accept")],
        )
        .await;
    forged.assert_status(403);
    let accepted = frame
        .post(
            &format!("/verify/s/{id}/consent"),
            &[("csrf_token", &consent.csrf()), ("decision", "accept")],
        )
        .await;
    accepted.assert_status(303);
    assert!(frame
        .follow(&accepted)
        .await
        .has_testid("test-outcome-verified"));

    // And the other way round: a link's cookie secret sent as the header opens nothing.
    let linked = create(&app, SK_TEST, &[]).await;
    let linked_id = id_of(&linked);
    let (link_browser, _) = open(&app, &linked).await;
    let cookie_secret = link_browser
        .cookies
        .iter()
        .find(|(name, _)| *name == format!("verifyd_b_{linked_id}"))
        .map(|(_, value)| value.clone())
        .expect("the link's binding cookie");
    let mut header_holder = Browser::new(&app);
    header_holder.binding = Some(cookie_secret);
    header_holder
        .get(&format!("/verify/s/{linked_id}"))
        .await
        .assert_status(410);
}

#[tokio::test]
async fn a_client_secret_expires_after_24_hours() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    app.clock.advance_millis(CLIENT_SECRET_TTL_MILLIS);
    let (_, opened) = open_modal(&app, PK_TEST, session["client_secret"].as_str().unwrap()).await;
    opened.assert_status(410);
    assert!(opened.body.contains("data-error-code=\"session_expired\""));
    // The link (48 h) still works.
    open(&app, &session).await;
}

#[tokio::test]
async fn an_opened_modal_attempt_ends_24_hours_after_it_was_opened() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let (mut frame, opened) =
        open_modal(&app, PK_TEST, session["client_secret"].as_str().unwrap()).await;
    let flow_path = modal_flow(&opened);
    frame.get(&flow_path).await.assert_status(200);
    app.clock.advance_millis(CLIENT_SECRET_TTL_MILLIS);
    let page = frame.get(&flow_path).await;
    page.assert_status(410);
    assert!(page.body.contains("data-error-code=\"session_expired\""));
}

#[tokio::test]
async fn the_modal_needs_a_publishable_key_of_the_sessions_mode_and_its_frames_marked_request() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let secret = session["client_secret"].as_str().unwrap();
    for key in [
        "pk_test_unknown0000000000000000",
        SK_TEST,
        "",
        "pk_test_a\"><script>",
    ] {
        let (_, page) = open_modal(&app, key, secret).await;
        page.assert_status(401);
        assert!(page
            .body
            .contains("data-error-code=\"invalid_publishable_key\""));
        assert!(!page.body.contains(SK_TEST));
    }
    let live = create(&app, SK_LIVE, &[]).await;
    let (_, page) = open_modal(&app, PK_TEST, live["client_secret"].as_str().unwrap()).await;
    page.assert_status(401);
    assert!(page.body.contains("test mode key"));

    // Not the frame's marked same-origin request (a cross-site form post, or another
    // site's script): nothing opens.
    let mut stranger = Browser::new(&app);
    let fields = [("client_secret", secret), ("key", PK_TEST)];
    for headers in [
        vec![],
        vec![("verifyd-modal", "1")],
        vec![("verifyd-modal", "open"), ("sec-fetch-site", "cross-site")],
        vec![("verifyd-modal", "open"), ("sec-fetch-site", "same-site")],
    ] {
        let forged = stranger
            .post_with_headers("/verify/modal/open", &fields, &headers)
            .await;
        forged.assert_status(403);
        assert!(!forged.body.contains("binding"));
    }
    // None of these spent the secret.
    let (_, ok) = open_modal(&app, PK_TEST, secret).await;
    ok.assert_status(200);
}

#[tokio::test]
async fn the_modal_frame_page_may_be_framed_only_by_the_origin_it_names() {
    let app = spawn().await;
    let mut browser = Browser::new(&app);
    let frame = browser
        .get("/verify/modal?parent=https%3A%2F%2FShop.Example.com%3A8443")
        .await;
    frame.assert_status(200);
    assert!(frame
        .header("content-security-policy")
        .ends_with("frame-ancestors https://shop.example.com:8443"));
    assert_eq!(frame.header("x-frame-options"), "");
    assert!(frame.has_testid("modal-close"));
    assert!(frame.headers.get(SET_COOKIE).is_none());
    // Without a usable origin it cannot start, and says so to whoever shows it.
    for query in [
        "",
        "?parent=",
        "?parent=null",
        "?parent=http%3A%2F%2Fshop.example.com%2Fpath",
        "?parent=javascript%3Aalert(1)",
        "?parent=http%3A%2F%2Fevil.com%3B%20script-src%20*",
    ] {
        let page = browser.get(&format!("/verify/modal{query}")).await;
        page.assert_status(400);
        assert!(page.has_testid("modal-error"), "{query}");
        assert!(page
            .header("content-security-policy")
            .ends_with("frame-ancestors *"));
        assert!(!page.body.contains("evil.com"));
    }
    // The open request is a post only.
    browser.get("/verify/modal/open").await.assert_status(404);
}

#[tokio::test]
async fn forms_without_the_right_csrf_token_are_refused_and_change_nothing() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let (mut browser, consent) = open(&app, &session).await;
    for pairs in [
        vec![("decision", "accept")],
        vec![("csrf_token", "wrong"), ("decision", "accept")],
        vec![("csrf_token", ""), ("decision", "decline")],
    ] {
        let page = browser
            .post(&format!("/verify/s/{id}/consent"), &pairs)
            .await;
        page.assert_status(403);
        assert!(page.has_testid("forbidden"));
    }
    let outcome = browser
        .post(
            &format!("/verify/s/{id}/test-outcome"),
            &[("csrf_token", "wrong"), ("outcome", "verified")],
        )
        .await;
    outcome.assert_status(403);
    let upload = browser
        .upload(
            &format!("/verify/s/{id}/image/front"),
            &[("csrf_token", "nope")],
            Some(&tiny_png()),
        )
        .await;
    upload.assert_status(403);
    // Still on consent, session untouched.
    let page = browser.get(&format!("/verify/s/{id}")).await;
    assert!(page.has_testid("consent-accept"));
    assert_eq!(page.csrf(), consent.csrf());
    let after = retrieve(&app, SK_TEST, &id).await;
    assert_eq!(after["status"], "requires_input");
    assert!(after["last_error"].is_null());
}

#[tokio::test]
async fn declining_consent_leaves_requires_input_with_consent_declined_and_a_fresh_url() {
    let app = spawn().await;
    let session = create(
        &app,
        SK_TEST,
        &[("return_url", "https://shop.example.com/done")],
    )
    .await;
    let id = id_of(&session);
    let (mut browser, consent) = open(&app, &session).await;
    let declined = browser
        .post(
            &format!("/verify/s/{id}/consent"),
            &[("csrf_token", &consent.csrf()), ("decision", "decline")],
        )
        .await;
    declined.assert_status(303);
    assert_eq!(
        declined.location(),
        format!("/verify/s/{id}/end/declined?via=link")
    );
    let end = browser.follow(&declined).await;
    end.assert_status(200);
    assert!(end.has_testid("declined"));
    assert!(end.body.contains("href=\"https://shop.example.com/done\""));
    let after = retrieve(&app, SK_TEST, &id).await;
    assert_eq!(after["status"], "requires_input");
    assert_eq!(after["last_error"]["code"], "consent_declined");
    assert!(after["url"].is_string());
    assert_ne!(after["url"], session["url"]);
    // The attempt is over: the old flow is gone for this browser too.
    browser
        .get(&format!("/verify/s/{id}"))
        .await
        .assert_status(410);
}

#[tokio::test]
async fn a_test_outcome_submits_at_once_and_processing_verifies_with_a_report() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let (mut browser, step) = consented(&app, &session).await;
    assert!(step.has_testid("test-outcome-verified"));
    assert!(step.has_testid("test-outcome-verified_delayed"));
    let cookies_before = browser.cookies.clone();
    let submitted = browser
        .post(
            &format!("/verify/s/{id}/test-outcome"),
            &[("csrf_token", &step.csrf()), ("outcome", "verified")],
        )
        .await;
    assert_eq!(
        submitted.location(),
        format!("/verify/s/{id}/end/submitted?via=link")
    );
    // A double click on the outcome lands on the same page, and changes nothing.
    let mut again = Browser::new(&app);
    again.cookies = cookies_before;
    let second = again
        .post(
            &format!("/verify/s/{id}/test-outcome"),
            &[("csrf_token", &step.csrf()), ("outcome", "verified")],
        )
        .await;
    assert_eq!(second.location(), submitted.location());
    let end = browser.follow(&submitted).await;
    assert!(end.has_testid("submitted"));
    assert_eq!(retrieve(&app, SK_TEST, &id).await["status"], "processing");
    app.drain_jobs().await;
    let done = retrieve(&app, SK_TEST, &id).await;
    assert_eq!(done["status"], "verified");
    let report_id = done["last_verification_report"].as_str().unwrap();
    let report = app
        .get(
            SK_TEST,
            &format!("/v1/identity/verification_reports/{report_id}"),
            &[],
        )
        .await;
    assert_eq!(report.body["document"]["status"], "verified");
}

#[tokio::test]
async fn verified_delayed_stays_processing_for_a_few_seconds() {
    let app = spawn().await;
    let session = create(
        &app,
        SK_TEST,
        &[("return_url", "https://shop.example.com/done?order=7")],
    )
    .await;
    let id = id_of(&session);
    let (mut browser, step) = consented(&app, &session).await;
    assert!(step
        .header("content-security-policy")
        .contains("form-action 'self' https://shop.example.com;"));
    let submitted = browser
        .post(
            &format!("/verify/s/{id}/test-outcome"),
            &[
                ("csrf_token", &step.csrf()),
                ("outcome", "verified_delayed"),
            ],
        )
        .await;
    submitted.assert_status(303);
    assert_eq!(
        submitted.location(),
        "https://shop.example.com/done?order=7"
    );
    app.drain_jobs().await;
    assert_eq!(retrieve(&app, SK_TEST, &id).await["status"], "processing");
    app.clock.advance_seconds(5);
    app.drain_jobs().await;
    assert_eq!(retrieve(&app, SK_TEST, &id).await["status"], "verified");
}

#[tokio::test]
async fn each_applicable_failure_ends_in_requires_input_with_its_code() {
    let app = spawn().await;
    let options = [
        ("options[document][require_matching_selfie]", "true"),
        ("options[document][require_id_number]", "true"),
    ];
    let codes = applicable_failures(SessionType::Document, true, true);
    assert_eq!(codes.len(), 10);
    for code in codes {
        let session = create(&app, SK_TEST, &options).await;
        let id = id_of(&session);
        let (mut browser, step) = consented(&app, &session).await;
        let testid = format!("test-outcome-{}", code.as_str());
        assert!(step.has_testid(&testid), "{testid}");
        let submitted = browser
            .post(
                &format!("/verify/s/{id}/test-outcome"),
                &[("csrf_token", &step.csrf()), ("outcome", code.as_str())],
            )
            .await;
        submitted.assert_status(303);
        app.drain_jobs().await;
        let done = retrieve(&app, SK_TEST, &id).await;
        assert_eq!(done["status"], "requires_input");
        assert_eq!(done["last_error"]["code"], code.as_str());
    }
}

#[tokio::test]
async fn only_the_failures_that_apply_to_a_session_are_offered_and_accepted() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let (mut browser, step) = consented(&app, &session).await;
    assert!(step.has_testid("test-outcome-document_expired"));
    assert!(!step.has_testid("test-outcome-selfie_face_mismatch"));
    assert!(!step.has_testid("test-outcome-id_number_mismatch"));
    let refused = browser
        .post(
            &format!("/verify/s/{id}/test-outcome"),
            &[
                ("csrf_token", &step.csrf()),
                ("outcome", "selfie_face_mismatch"),
            ],
        )
        .await;
    refused.assert_status(400);
    assert_eq!(
        retrieve(&app, SK_TEST, &id).await["status"],
        "requires_input"
    );
}

/// Walks the real upload path of a document session: type, front, back, selfie.
async fn upload_documents(browser: &mut Browser, id: &str, first: &Page, live: bool) {
    let csrf = first.csrf();
    if first.has_testid("document-type-id_card") {
        let chosen = browser
            .post(
                &format!("/verify/s/{id}/document-type"),
                &[("csrf_token", &csrf), ("document_type", "id_card")],
            )
            .await;
        chosen.assert_status(303);
    }
    let mut fields = vec![("csrf_token", csrf.as_str())];
    if live {
        fields.push(("capture_source", "camera"));
    }
    for (slot, image) in [
        ("front", tiny_png()),
        ("back", tiny_jpeg()),
        ("selfie", tiny_webp()),
    ] {
        let page = browser.get(&format!("/verify/s/{id}")).await;
        assert!(
            page.has_testid(&format!("upload-{slot}")),
            "expected {slot} step"
        );
        let uploaded = browser
            .upload(
                &format!("/verify/s/{id}/image/{slot}"),
                &fields,
                Some(&image),
            )
            .await;
        assert_eq!(
            uploaded.status,
            StatusCode::SEE_OTHER,
            "{slot}: {}",
            uploaded.body
        );
    }
}

#[tokio::test]
async fn the_upload_path_stores_files_and_the_report_lists_them() {
    let app = spawn().await;
    let session = create(
        &app,
        SK_TEST,
        &[("options[document][require_matching_selfie]", "true")],
    )
    .await;
    let id = id_of(&session);
    let (mut browser, first) = consented(&app, &session).await;
    upload_documents(&mut browser, &id, &first, false).await;
    let review = browser.get(&format!("/verify/s/{id}")).await;
    assert!(review.has_testid("submit"));
    // The review shows the images back, to this browser only.
    let image = browser.get(&format!("/verify/s/{id}/image/back")).await;
    image.assert_status(200);
    assert_eq!(image.header("content-type"), "image/jpeg");
    let mut other = Browser::new(&app);
    other
        .get(&format!("/verify/s/{id}/image/back"))
        .await
        .assert_status(410);

    let submitted = browser
        .post(
            &format!("/verify/s/{id}/submit"),
            &[("csrf_token", &review.csrf())],
        )
        .await;
    assert_eq!(
        submitted.location(),
        format!("/verify/s/{id}/end/submitted?via=link")
    );
    app.drain_jobs().await;
    let done = retrieve(&app, SK_TEST, &id).await;
    assert_eq!(done["status"], "verified");
    let report_id = done["last_verification_report"].as_str().unwrap();
    let report = app
        .get(
            SK_TEST,
            &format!("/v1/identity/verification_reports/{report_id}"),
            &[],
        )
        .await
        .body;
    let files: Vec<String> = report["document"]["files"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f.as_str().unwrap().to_owned())
        .collect();
    assert_eq!(files.len(), 2, "{report}");
    assert_eq!(report["document"]["type"], "id_card");
    assert_eq!(report["selfie"]["document"], files[0].as_str());
    let selfie = report["selfie"]["selfie"].as_str().unwrap().to_owned();
    for (file_id, file_type, bytes) in [
        (&files[0], "png", tiny_png()),
        (&files[1], "jpg", tiny_jpeg()),
        (&selfie, "webp", tiny_webp()),
    ] {
        assert!(
            file_id.starts_with("file_") && file_id.len() == 29,
            "{file_id}"
        );
        let (record, contents) = app
            .state
            .store()
            .file(false, file_id)
            .await
            .unwrap()
            .unwrap();
        assert_eq!(record.file_type, file_type);
        assert_eq!(record.purpose, "identity_document");
        assert_eq!(record.verification_session, id);
        assert_eq!(contents.unwrap(), bytes);
    }
}

#[tokio::test]
async fn missing_oversized_wrong_format_and_truncated_images_are_refused_clearly() {
    let app = spawn().await;
    let session = create(
        &app,
        SK_TEST,
        &[("options[document][allowed_types][]", "passport")],
    )
    .await;
    let id = id_of(&session);
    let (mut browser, first) = consented(&app, &session).await;
    assert!(first.body.contains("Photo page of your passport"));
    let csrf = first.csrf();
    let path = format!("/verify/s/{id}/image/front");
    let fields = [("csrf_token", csrf.as_str())];

    let missing = browser.upload(&path, &fields, None).await;
    missing.assert_status(422);
    assert!(missing
        .body
        .contains("Choose an image of the photo page of your passport."));
    let empty = browser.upload(&path, &fields, Some(b"")).await;
    empty.assert_status(422);

    let mut big = tiny_jpeg();
    big.resize(10 * 1024 * 1024 + 1, 0);
    let oversized = browser.upload(&path, &fields, Some(&big)).await;
    oversized.assert_status(413);
    assert!(oversized.body.contains("larger than 10 MB"));

    let gif = browser
        .upload(&path, &fields, Some(b"GIF89a\x01\x00\x01\x00\x00\x00\x00;"))
        .await;
    gif.assert_status(422);
    assert!(gif.body.contains("not a JPEG, PNG or WebP image"));

    for truncated in [
        tiny_png()[..40].to_vec(),
        tiny_jpeg()[..200].to_vec(),
        tiny_webp()[..30].to_vec(),
    ] {
        let page = browser.upload(&path, &fields, Some(&truncated)).await;
        page.assert_status(422);
        assert!(page.body.contains("could not be read"), "{}", page.body);
        assert!(page.body.contains("aria-invalid=\"true\""));
    }
    // Nothing was stored: still on the front step, and a good image then works.
    let page = browser.get(&format!("/verify/s/{id}")).await;
    assert!(page.has_testid("upload-front"));
    let ok = browser.upload(&path, &fields, Some(&tiny_jpeg())).await;
    ok.assert_status(303);
    let review = browser.get(&format!("/verify/s/{id}")).await;
    assert!(review.has_testid("submit"), "a passport has no back");
}

#[tokio::test]
async fn live_capture_sessions_refuse_plain_uploads() {
    let app = spawn().await;
    let session = create(
        &app,
        SK_TEST,
        &[("options[document][require_live_capture]", "true")],
    )
    .await;
    let id = id_of(&session);
    let (mut browser, first) = consented(&app, &session).await;
    let csrf = first.csrf();
    browser
        .post(
            &format!("/verify/s/{id}/document-type"),
            &[("csrf_token", &csrf), ("document_type", "driving_license")],
        )
        .await
        .assert_status(303);
    let front = browser.get(&format!("/verify/s/{id}")).await;
    assert!(front.body.contains("data-camera"));
    let plain = browser
        .upload(
            &format!("/verify/s/{id}/image/front"),
            &[("csrf_token", &csrf)],
            Some(&tiny_jpeg()),
        )
        .await;
    plain.assert_status(422);
    // Messages come from the catalogue and are escaped like any text (`'` is `&#39;`).
    assert!(plain
        .body
        .contains("needs a photo taken with your device&#39;s camera"));
    let camera = browser
        .upload(
            &format!("/verify/s/{id}/image/front"),
            &[("csrf_token", &csrf), ("capture_source", "camera")],
            Some(&tiny_jpeg()),
        )
        .await;
    camera.assert_status(303);
}

#[tokio::test]
async fn no_camera_ends_the_attempt_with_device_not_supported() {
    let app = spawn().await;
    let session = create(
        &app,
        SK_TEST,
        &[("options[document][require_live_capture]", "true")],
    )
    .await;
    let id = id_of(&session);
    let (mut browser, first) = consented(&app, &session).await;
    let ended = browser
        .post(
            &format!("/verify/s/{id}/camera-unavailable"),
            &[("csrf_token", &first.csrf())],
        )
        .await;
    assert_eq!(
        ended.location(),
        format!("/verify/s/{id}/end/device-unsupported?via=link")
    );
    let after = retrieve(&app, SK_TEST, &id).await;
    assert_eq!(after["status"], "requires_input");
    assert_eq!(after["last_error"]["code"], "device_not_supported");
}

#[tokio::test]
async fn no_camera_is_not_a_failure_for_sessions_that_need_none() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let (mut browser, first) = consented(&app, &session).await;
    let refused = browser
        .post(
            &format!("/verify/s/{id}/camera-unavailable"),
            &[("csrf_token", &first.csrf())],
        )
        .await;
    assert_eq!(refused.location(), format!("/verify/s/{id}"));
    let after = retrieve(&app, SK_TEST, &id).await;
    assert_eq!(after["status"], "requires_input");
    assert!(after["last_error"].is_null(), "{after}");
}

#[tokio::test]
async fn submitting_before_every_step_is_done_is_refused() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let (mut browser, first) = consented(&app, &session).await;
    let early = browser
        .post(
            &format!("/verify/s/{id}/submit"),
            &[("csrf_token", &first.csrf())],
        )
        .await;
    early.assert_status(422);
    assert!(early.body.contains("Complete this step before you submit."));
    assert_eq!(
        retrieve(&app, SK_TEST, &id).await["status"],
        "requires_input"
    );
}

#[tokio::test]
async fn live_mode_has_no_test_shortcuts_and_ends_in_document_unverified_other() {
    let app = spawn().await;
    let session = create(&app, SK_LIVE, &[]).await;
    let id = id_of(&session);
    let (mut browser, first) = consented(&app, &session).await;
    assert!(!first.has_testid("test-mode-banner"));
    assert!(!first.has_testid("test-outcome-verified"));
    let shortcut = browser
        .post(
            &format!("/verify/s/{id}/test-outcome"),
            &[("csrf_token", &first.csrf()), ("outcome", "verified")],
        )
        .await;
    shortcut.assert_status(400);
    let csrf = first.csrf();
    browser
        .post(
            &format!("/verify/s/{id}/document-type"),
            &[("csrf_token", &csrf), ("document_type", "id_card")],
        )
        .await
        .assert_status(303);
    for slot in ["front", "back"] {
        browser
            .upload(
                &format!("/verify/s/{id}/image/{slot}"),
                &[("csrf_token", &csrf)],
                Some(&tiny_jpeg()),
            )
            .await
            .assert_status(303);
    }
    browser
        .post(&format!("/verify/s/{id}/submit"), &[("csrf_token", &csrf)])
        .await
        .assert_status(303);
    app.drain_jobs().await;
    let done = retrieve(&app, SK_LIVE, &id).await;
    assert_eq!(done["status"], "requires_input");
    assert_eq!(done["last_error"]["code"], "document_unverified_other");
}

#[tokio::test]
async fn id_number_sessions_ask_for_name_birth_date_and_number() {
    let app = spawn().await;
    let reply = app
        .post(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &[("type", "id_number")],
        )
        .await;
    let session = reply.body;
    let id = id_of(&session);
    let (mut browser, details) = consented(&app, &session).await;
    assert!(details.has_testid("first-name") && details.has_testid("dob-year"));
    let csrf = details.csrf();
    let path = format!("/verify/s/{id}/details");
    let bad = browser
        .post(
            &path,
            &[
                ("csrf_token", &csrf),
                ("first_name", "Jenny"),
                ("last_name", ""),
                ("dob_day", "31"),
                ("dob_month", "2"),
                ("dob_year", "1990"),
                ("id_number", "000-00-0000"),
            ],
        )
        .await;
    bad.assert_status(422);
    assert!(bad.body.contains("Enter your last name."));
    assert!(bad.body.contains("Enter a real date of birth"));
    assert!(
        bad.body.contains("value=\"Jenny\""),
        "typed values are kept"
    );
    let good = browser
        .post(
            &path,
            &[
                ("csrf_token", &csrf),
                ("first_name", "Jenny"),
                ("last_name", "Rosen"),
                ("dob_day", "17"),
                ("dob_month", "5"),
                ("dob_year", "1990"),
                ("id_number", "000-00-0000"),
            ],
        )
        .await;
    good.assert_status(303);
    let review = browser.follow(&good).await;
    assert!(review.body.contains("17 May 1990"));
    assert!(review.body.contains("•••••••0000"));
    browser
        .post(&format!("/verify/s/{id}/submit"), &[("csrf_token", &csrf)])
        .await
        .assert_status(303);
    app.drain_jobs().await;
    let done = retrieve(&app, SK_TEST, &id).await;
    assert_eq!(done["status"], "verified");
}

#[tokio::test]
async fn the_drop_in_and_assets_are_served_by_verifyd() {
    let app = spawn().await;
    let mut browser = Browser::new(&app);
    for path in ["/v3/", "/v3"] {
        let js = browser.get(path).await;
        js.assert_status(200);
        assert!(js.header("content-type").starts_with("text/javascript"));
        assert_eq!(js.header("cross-origin-resource-policy"), "cross-origin");
        assert!(js.body.contains("verifyIdentity"));
    }
    let css = browser.get("/verify/assets/style.css").await;
    css.assert_status(200);
    assert!(css.header("content-type").starts_with("text/css"));
    assert_eq!(css.header("x-content-type-options"), "nosniff");
    browser
        .get("/verify/assets/../../Cargo.toml")
        .await
        .assert_status(404);
}

#[tokio::test]
async fn going_back_to_a_done_step_keeps_its_image_unless_replaced() {
    let app = spawn().await;
    let session = create(
        &app,
        SK_TEST,
        &[("options[document][allowed_types][]", "id_card")],
    )
    .await;
    let id = id_of(&session);
    let (mut browser, first) = consented(&app, &session).await;
    let csrf = first.csrf();
    assert!(first.body.contains("Front of your ID card"));
    let front = format!("/verify/s/{id}/image/front");
    browser
        .upload(&front, &[("csrf_token", &csrf)], Some(&tiny_png()))
        .await
        .assert_status(303);
    let back = browser.get(&format!("/verify/s/{id}")).await;
    assert!(back.has_testid("upload-back") && back.has_testid("back"));
    let again = browser.get(&format!("/verify/s/{id}?step=front")).await;
    assert!(again.has_testid("upload-front") && again.has_testid("keep-image"));
    // A step not reached yet cannot be jumped to.
    let jump = browser.get(&format!("/verify/s/{id}?step=review")).await;
    assert!(jump.has_testid("upload-back"));
    // Continuing without a new file keeps the image.
    browser
        .upload(&front, &[("csrf_token", &csrf)], None)
        .await
        .assert_status(303);
    let image = browser.get(&format!("/verify/s/{id}/image/front")).await;
    assert_eq!(image.header("content-type"), "image/png");
    assert_eq!(image.header("cross-origin-resource-policy"), "same-origin");
    // Replacing it erases the first image's bytes at once; the new one is kept.
    let front_file = |session: verifyd_core::session::VerificationSession| {
        session
            .attempt
            .and_then(|a| a.submission.document_front)
            .expect("a front was uploaded")
    };
    let store = app.state.store();
    let first_file = front_file(store.session_any_mode(&id).await.unwrap().unwrap());
    browser
        .upload(&front, &[("csrf_token", &csrf)], Some(&tiny_jpeg()))
        .await
        .assert_status(303);
    let second_file = front_file(store.session_any_mode(&id).await.unwrap().unwrap());
    assert_ne!(first_file, second_file);
    let (_, replaced) = store
        .file(false, &first_file)
        .await
        .unwrap()
        .expect("row kept");
    assert_eq!(replaced, None, "the replaced image's bytes are erased");
    let (_, kept) = store.file(false, &second_file).await.unwrap().unwrap();
    assert_eq!(kept, Some(tiny_jpeg()));
    let image = browser.get(&format!("/verify/s/{id}/image/front")).await;
    assert_eq!(image.header("content-type"), "image/jpeg");
}

/// Starts an upload over a raw connection and stalls: the request head (with `binding`,
/// a `Cookie` or `Verifyd-Binding` header line, if given), the text fields, the start of a
/// file part of a declared 9.9 MB body, then nothing more. Returns the status line of the
/// answer, which must come while the body is still stalled (`None` when none came within
/// `wait`).
async fn stalled_upload(
    base: &str,
    path: &str,
    binding: Option<&str>,
    csrf: &str,
    wait: std::time::Duration,
) -> Option<String> {
    use tokio::io::{AsyncReadExt, AsyncWriteExt};
    let boundary = "----verifydstalledboundary";
    let mut head_of_body = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"photo\"\r\n\
         Content-Type: image/jpeg\r\n\r\n"
    )
    .into_bytes();
    head_of_body.extend_from_slice(&[0xFF, 0xD8, 0xFF, 0xE0]);
    head_of_body.extend_from_slice(&vec![0u8; 64 * 1024]);
    let declared = 9_900_000usize;
    let addr = base.trim_start_matches("http://");
    let mut stream = tokio::net::TcpStream::connect(addr).await.expect("connect");
    let mut head = format!(
        "POST {path} HTTP/1.1\r\nHost: {addr}\r\nContent-Type: multipart/form-data; boundary={boundary}\r\nContent-Length: {declared}\r\n"
    );
    if let Some(line) = binding {
        head.push_str(&format!("{line}\r\n"));
    }
    head.push_str("\r\n");
    stream.write_all(head.as_bytes()).await.expect("head sent");
    stream
        .write_all(&head_of_body)
        .await
        .expect("body start sent");
    let mut answer = vec![0u8; 512];
    match tokio::time::timeout(wait, stream.read(&mut answer)).await {
        Ok(Ok(n)) if n > 0 => String::from_utf8_lossy(&answer[..n])
            .lines()
            .next()
            .map(str::to_owned),
        _ => None,
    }
}

/// A session whose first step after consent is the passport's photo page.
const PASSPORT_ONLY: (&str, &str) = ("options[document][allowed_types][]", "passport");

const QUICK: std::time::Duration = std::time::Duration::from_secs(10);

#[tokio::test]
async fn an_upload_is_refused_before_its_body_is_read_without_a_bound_browser_or_csrf_token() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[PASSPORT_ONLY]).await;
    let id = id_of(&session);
    let (browser, first) = consented(&app, &session).await;
    let path = format!("/verify/s/{id}/image/front");
    // No binding cookie: the link's session exists, but this is not its browser.
    let status = stalled_upload(&app.base, &path, None, "anything", QUICK).await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 410 Gone"));
    // A session that does not exist.
    let unknown = "/verify/s/vs_1NotAnExistingSessionAtAll0/image/front";
    let status = stalled_upload(&app.base, unknown, None, "anything", QUICK).await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 410 Gone"));
    // The bound browser with a wrong CSRF token: refused when the file part starts.
    let cookie = format!("Cookie: {}", browser.cookie_header());
    let status = stalled_upload(&app.base, &path, Some(&cookie), "wrong", QUICK).await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 403 Forbidden"));
    // Nothing changed: the step still asks for the front, with the same token.
    let mut browser = browser;
    let page = browser.get(&format!("/verify/s/{id}")).await;
    assert!(page.has_testid("upload-front"));
    assert_eq!(page.csrf(), first.csrf());
}

#[tokio::test]
async fn a_modal_upload_is_refused_before_its_body_is_read_without_the_frames_binding_or_csrf_token(
) {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[PASSPORT_ONLY]).await;
    let id = id_of(&session);
    let (mut frame, opened) =
        open_modal(&app, PK_TEST, session["client_secret"].as_str().unwrap()).await;
    let consent = frame.get(&modal_flow(&opened)).await;
    let csrf = consent.csrf();
    let accepted = frame
        .post(
            &format!("/verify/s/{id}/consent"),
            &[("csrf_token", &csrf), ("decision", "accept")],
        )
        .await;
    assert!(frame.follow(&accepted).await.has_testid("upload-front"));
    let path = format!("/verify/s/{id}/image/front");
    let binding = frame.binding.clone().unwrap();
    // Another frame's binding, or the right secret as a cookie: 410 before the body.
    for line in [
        format!("Verifyd-Binding: {}", "y".repeat(32)),
        format!("Cookie: verifyd_b_{id}={binding}"),
    ] {
        let status = stalled_upload(&app.base, &path, Some(&line), &csrf, QUICK).await;
        assert_eq!(status.as_deref(), Some("HTTP/1.1 410 Gone"), "{line}");
    }
    // The frame's binding with a wrong CSRF token: refused when the file part starts.
    let line = format!("Verifyd-Binding: {binding}");
    let status = stalled_upload(&app.base, &path, Some(&line), "wrong", QUICK).await;
    assert_eq!(status.as_deref(), Some("HTTP/1.1 403 Forbidden"));
    // The frame uploads, and only the frame sees its image back.
    let uploaded = frame
        .upload(&path, &[("csrf_token", &csrf)], Some(&tiny_png()))
        .await;
    uploaded.assert_status(303);
    let review = frame.follow(&uploaded).await;
    assert!(review.has_testid("submit"));
    assert!(review
        .body
        .contains(&format!("src=\"/verify/s/{id}/image/front\"")));
    let image = frame.get(&path).await;
    image.assert_status(200);
    assert_eq!(image.header("content-type"), "image/png");
    let mut stranger = Browser::new(&app);
    stranger.get(&path).await.assert_status(410);
}

#[tokio::test]
async fn a_stalled_upload_times_out_and_holds_its_session_and_place_only_until_then() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_configured(
        dir,
        Options { run_workers: false },
        verifyd_core::clock::ManualClock::starting_now(),
        |config| {
            config.upload_limits.concurrent = 1;
            config.upload_limits.wait = std::time::Duration::from_millis(300);
            config.upload_limits.idle = std::time::Duration::from_secs(5);
        },
    )
    .await;
    let first_session = create(&app, SK_TEST, &[PASSPORT_ONLY]).await;
    let second_session = create(&app, SK_TEST, &[PASSPORT_ONLY]).await;
    let (mut first, first_page) = consented(&app, &first_session).await;
    let (mut second, second_page) = consented(&app, &second_session).await;
    let first_path = format!("/verify/s/{}/image/front", id_of(&first_session));
    let second_path = format!("/verify/s/{}/image/front", id_of(&second_session));
    let (cookie, csrf) = (
        format!("Cookie: {}", first.cookie_header()),
        first_page.csrf(),
    );

    let stalled = {
        let (base, path, cookie, csrf) = (
            app.base.clone(),
            first_path.clone(),
            cookie.clone(),
            csrf.clone(),
        );
        tokio::spawn(async move { stalled_upload(&base, &path, Some(&cookie), &csrf, QUICK).await })
    };
    // Wait until the stalled upload holds the only place (its body is being read).
    let waiting_since = std::time::Instant::now();
    while app.state.upload_gate().free_places() > 0 {
        assert!(
            waiting_since.elapsed() < QUICK,
            "the stalled upload never got a place"
        );
        tokio::time::sleep(std::time::Duration::from_millis(20)).await;
    }
    // While it stalls: the same session cannot upload again, and the only place is taken.
    let again = first
        .upload(&first_path, &[("csrf_token", &csrf)], Some(&tiny_jpeg()))
        .await;
    again.assert_status(503);
    assert!(again.has_testid("busy"));
    assert_eq!(again.header("retry-after"), "5");
    let other = second
        .upload(
            &second_path,
            &[("csrf_token", &second_page.csrf())],
            Some(&tiny_jpeg()),
        )
        .await;
    other.assert_status(503);
    // The stalled body is cut off after the idle limit...
    let status = stalled.await.unwrap();
    assert_eq!(status.as_deref(), Some("HTTP/1.1 408 Request Timeout"));
    // ...and both the session and the place are free again.
    let ok = second
        .upload(
            &second_path,
            &[("csrf_token", &second_page.csrf())],
            Some(&tiny_jpeg()),
        )
        .await;
    ok.assert_status(303);
    let ok = first
        .upload(&first_path, &[("csrf_token", &csrf)], Some(&tiny_jpeg()))
        .await;
    ok.assert_status(303);
    // Stored: both sessions are now on their review step.
    let review = first
        .get(&format!("/verify/s/{}", id_of(&first_session)))
        .await;
    assert!(review.has_testid("submit"), "the front was stored");
    let review = second
        .get(&format!("/verify/s/{}", id_of(&second_session)))
        .await;
    assert!(review.has_testid("submit"), "the front was stored");
    assert_eq!(app.state.upload_gate().free_places(), 1);
}

#[tokio::test]
async fn a_second_post_of_the_final_form_lands_where_the_first_did() {
    let app = spawn().await;
    let session = create(
        &app,
        SK_TEST,
        &[("options[document][require_matching_selfie]", "true")],
    )
    .await;
    let id = id_of(&session);
    let (mut browser, first) = consented(&app, &session).await;
    upload_documents(&mut browser, &id, &first, false).await;
    let csrf = first.csrf();
    // A double click: the second post leaves before the first answer (which clears the
    // binding cookie) arrives, so it carries the same cookie and token.
    let cookies_before = browser.cookies.clone();
    let path = format!("/verify/s/{id}/submit");
    let submitted = browser.post(&path, &[("csrf_token", &csrf)]).await;
    submitted.assert_status(303);
    let landing = format!("/verify/s/{id}/end/submitted?via=link");
    assert_eq!(submitted.location(), landing);
    browser.cookies = cookies_before.clone();
    let again = browser.post(&path, &[("csrf_token", &csrf)]).await;
    again.assert_status(303);
    assert_eq!(again.location(), landing);
    assert_eq!(retrieve(&app, SK_TEST, &id).await["status"], "processing");
    // Only the final form, and only for the browser that submitted.
    browser.cookies = cookies_before;
    let consent = browser
        .post(
            &format!("/verify/s/{id}/consent"),
            &[("csrf_token", &csrf), ("decision", "accept")],
        )
        .await;
    consent.assert_status(410);
    let mut stranger = Browser::new(&app);
    let refused = stranger.post(&path, &[("csrf_token", &csrf)]).await;
    refused.assert_status(410);
    assert!(refused.has_testid("expired"));
}

#[tokio::test]
async fn a_second_post_of_the_final_form_from_the_modal_frame_lands_where_the_first_did() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let (mut frame, opened) =
        open_modal(&app, PK_TEST, session["client_secret"].as_str().unwrap()).await;
    let csrf = frame.get(&modal_flow(&opened)).await.csrf();
    frame
        .post(
            &format!("/verify/s/{id}/consent"),
            &[("csrf_token", &csrf), ("decision", "accept")],
        )
        .await
        .assert_status(303);
    let path = format!("/verify/s/{id}/test-outcome");
    let landing = format!("/verify/s/{id}/end/submitted?via=modal");
    for _ in 0..2 {
        let posted = frame
            .post(&path, &[("csrf_token", &csrf), ("outcome", "verified")])
            .await;
        posted.assert_status(303);
        assert_eq!(posted.location(), landing);
    }
    let end = frame.get(&landing).await;
    assert!(end.body.contains("data-result=\"submitted\""));
    // Another frame, or the frame's secret as a cookie, gets the expired page.
    let mut stranger = Browser::new(&app);
    stranger.binding = Some("z".repeat(32));
    let refused = stranger
        .post(&path, &[("csrf_token", &csrf), ("outcome", "verified")])
        .await;
    refused.assert_status(410);
    let mut cookie_holder = Browser::new(&app);
    cookie_holder
        .cookies
        .push((format!("verifyd_b_{id}"), frame.binding.clone().unwrap()));
    cookie_holder
        .post(&path, &[("csrf_token", &csrf), ("outcome", "verified")])
        .await
        .assert_status(410);
}

/// A value no other run uses, of letters only (names accept it).
fn marker() -> String {
    let random: String = verifyd_core::random_base62(14)
        .chars()
        .map(|c| match c {
            '0'..='9' => (b'k' + (c as u8 - b'0')) as char,
            other => other,
        })
        .collect();
    format!("Mk{random}")
}

/// Every file under `paths` (files or folders) that contains `needle`.
fn files_containing(paths: &[std::path::PathBuf], needle: &[u8]) -> Vec<String> {
    fn visit(path: &std::path::Path, needle: &[u8], found: &mut Vec<String>, seen: &mut usize) {
        if path.is_dir() {
            let entries = std::fs::read_dir(path)
                .unwrap_or_else(|e| panic!("cannot read {}: {e}", path.display()));
            for entry in entries.flatten() {
                visit(&entry.path(), needle, found, seen);
            }
        } else if let Ok(bytes) = std::fs::read(path) {
            *seen += 1;
            if memchr::memmem::find(&bytes, needle).is_some() {
                found.push(path.display().to_string());
            }
        }
    }
    let mut found = Vec::new();
    let mut seen = 0;
    for path in paths {
        visit(path, needle, &mut found, &mut seen);
    }
    assert!(seen > 0, "no database file was readable under {paths:?}");
    found
}

/// Every file that holds the test's data at rest: the database's files and WAL (SQLite or
/// PostgreSQL, checkpointed) and everything else in the test's folder (uploads, key file).
async fn files_at_rest(app: &TestApp) -> Vec<std::path::PathBuf> {
    let mut paths = app
        .state
        .store()
        .checkpoint_and_locate_files()
        .await
        .unwrap();
    paths.push(app.dir.path().to_path_buf());
    paths
}

#[tokio::test]
async fn what_users_and_integrators_fill_in_is_sealed_at_rest_and_unreadable_after_redaction() {
    let app = spawn().await;
    // `marker` goes where personal data goes; `reference` into the integrator's references
    // (client_reference_id, related_customer), which redaction keeps, as documented in
    // docs/compatibility.md. Neither may be found in clear at rest.
    let (marker, reference) = (marker(), marker());

    // An integrator's webhook endpoint, described and labelled with the marker.
    let endpoint = app
        .post(
            SK_TEST,
            "/v1/webhook_endpoints",
            &[
                ("url", &format!("http://127.0.0.1:9/{marker}")),
                ("enabled_events[]", "*"),
                ("description", &marker),
                ("metadata[note]", &marker),
            ],
        )
        .await;
    assert_eq!(endpoint.status, 200, "{}", endpoint.body);

    // A document session carrying the marker in every field an integrator fills.
    let email = format!("{marker}@example.com");
    let customer = format!("cus_{reference}");
    let idempotency_key = format!("create-{marker}");
    let params = [
        ("type", "document"),
        ("metadata[note]", marker.as_str()),
        ("client_reference_id", reference.as_str()),
        ("related_customer", customer.as_str()),
        ("provided_details[email]", email.as_str()),
        ("options[document][require_matching_selfie]", "true"),
    ];
    let created = app
        .post_idempotent(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &params,
            &idempotency_key,
        )
        .await;
    assert_eq!(created.status, 200, "{}", created.body);
    let document_session = created.body.clone();
    let document_id = id_of(&document_session);

    // The end user uploads images that carry the marker too.
    let (mut browser, first) = consented(&app, &document_session).await;
    let csrf = first.csrf();
    if first.has_testid("document-type-id_card") {
        browser
            .post(
                &format!("/verify/s/{document_id}/document-type"),
                &[("csrf_token", &csrf), ("document_type", "id_card")],
            )
            .await
            .assert_status(303);
    }
    let image = png_with_text(Some(&marker));
    for slot in ["front", "back", "selfie"] {
        let uploaded = browser
            .upload(
                &format!("/verify/s/{document_id}/image/{slot}"),
                &[("csrf_token", csrf.as_str())],
                Some(&image),
            )
            .await;
        assert_eq!(
            uploaded.status,
            StatusCode::SEE_OTHER,
            "{slot}: {}",
            uploaded.body
        );
    }
    browser
        .post(
            &format!("/verify/s/{document_id}/submit"),
            &[("csrf_token", &csrf)],
        )
        .await
        .assert_status(303);

    // An ID-number session whose end user types the marker as their name.
    let number_session = create_with_type(&app, "id_number", &reference).await;
    let number_id = id_of(&number_session);
    let (mut browser, details) = consented(&app, &number_session).await;
    let csrf = details.csrf();
    browser
        .post(
            &format!("/verify/s/{number_id}/details"),
            &[
                ("csrf_token", &csrf),
                ("first_name", &marker),
                ("last_name", &marker),
                ("dob_day", "17"),
                ("dob_month", "5"),
                ("dob_year", "1990"),
                ("id_number", "000-00-0000"),
            ],
        )
        .await
        .assert_status(303);
    browser
        .post(
            &format!("/verify/s/{number_id}/submit"),
            &[("csrf_token", &csrf)],
        )
        .await
        .assert_status(303);
    app.drain_jobs().await;

    // The marker went in: the API shows it back (so the scans below could find it).
    let shown = app
        .get(
            SK_TEST,
            &session_path(&document_id),
            &[("expand[]", "provided_details")],
        )
        .await;
    assert_eq!(shown.body["status"], "verified", "{}", shown.body);
    assert_eq!(shown.body["provided_details"]["email"], email.as_str());
    let found = app
        .get(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &[("client_reference_id", &reference)],
        )
        .await;
    assert_eq!(
        found.body["data"].as_array().unwrap().len(),
        2,
        "{}",
        found.body
    );
    let file_id = app
        .get(
            SK_TEST,
            &format!(
                "/v1/identity/verification_reports/{}",
                shown.body["last_verification_report"].as_str().unwrap()
            ),
            &[],
        )
        .await
        .body["document"]["files"][0]
        .as_str()
        .unwrap()
        .to_owned();
    let (_, contents) = app
        .state
        .store()
        .file(false, &file_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contents.unwrap(), image);

    // Sealed at rest: not one byte of the database, its WAL or the test's folder holds them.
    let at_rest = files_at_rest(&app).await;
    for needle in [&marker, &reference] {
        assert_eq!(
            files_containing(&at_rest, needle.as_bytes()),
            Vec::<String>::new()
        );
    }

    // Redaction destroys the sessions' data keys.
    let mut old_keys = Vec::new();
    for id in [&document_id, &number_id] {
        old_keys.extend(app.state.store().data_key_ids(id).await.unwrap());
        let redacted = app
            .post(SK_TEST, &format!("{}/redact", session_path(id)), &[])
            .await;
        assert_eq!(redacted.status, 200, "{}", redacted.body);
    }
    assert!(!old_keys.is_empty());
    app.drain_jobs().await;
    for id in [&document_id, &number_id] {
        let got = app.get(SK_TEST, &session_path(id), &[]).await;
        assert_eq!(got.body["redaction"]["status"], "redacted", "{}", got.body);
        assert!(!got.body.to_string().contains(&marker), "{}", got.body);
    }
    for key in &old_keys {
        assert!(
            !app.state.store().data_key_exists(key).await.unwrap(),
            "data key {key} survived redaction"
        );
    }
    // The file's bytes are gone; the saved response of the create replays the redacted
    // session; the events carry the redacted session.
    let (_, contents) = app
        .state
        .store()
        .file(false, &file_id)
        .await
        .unwrap()
        .unwrap();
    assert_eq!(contents, None);
    let replayed = app
        .post_idempotent(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &params,
            &idempotency_key,
        )
        .await;
    assert_eq!(replayed.status, 200, "{}", replayed.body);
    assert_eq!(replayed.header("idempotent-replayed"), Some("true"));
    assert_eq!(replayed.body["id"], document_id.as_str());
    assert_eq!(replayed.body["metadata"], serde_json::json!({}));
    assert!(
        !replayed.body.to_string().contains(&marker),
        "{}",
        replayed.body
    );
    let events = app.get(SK_TEST, "/v1/events", &[("limit", "100")]).await;
    assert!(events.body["data"].as_array().unwrap().len() >= 6);
    assert!(
        !events.body.to_string().contains(&marker),
        "{}",
        events.body
    );
    let still_found = app
        .get(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &[("client_reference_id", &reference)],
        )
        .await;
    assert_eq!(
        still_found.body["data"].as_array().unwrap().len(),
        2,
        "the integrator's reference still finds the redacted sessions"
    );

    let at_rest = files_at_rest(&app).await;
    for needle in [&marker, &reference] {
        assert_eq!(
            files_containing(&at_rest, needle.as_bytes()),
            Vec::<String>::new()
        );
    }
}

async fn create_with_type(app: &TestApp, session_type: &str, reference: &str) -> Value {
    let reply = app
        .post(
            SK_TEST,
            "/v1/identity/verification_sessions",
            &[("type", session_type), ("client_reference_id", reference)],
        )
        .await;
    assert_eq!(reply.status, 200, "{}", reply.body);
    reply.body
}

/// The file the session's attempt in progress holds for its document front.
async fn uploaded_front(app: &TestApp, id: &str) -> String {
    let session = app.state.store().session(false, id).await.unwrap().unwrap();
    session
        .attempt
        .expect("an attempt in progress")
        .submission
        .document_front
        .expect("a front was uploaded")
}

async fn has_bytes(app: &TestApp, file_id: &str) -> bool {
    let (_, contents) = app
        .state
        .store()
        .file(false, file_id)
        .await
        .unwrap()
        .unwrap();
    contents.is_some()
}

/// Opens `session`'s link and uploads a document front; returns the file's id.
async fn upload_a_front(app: &TestApp, session: &Value) -> String {
    let id = id_of(session);
    let (mut browser, first) = consented(app, session).await;
    let csrf = first.csrf();
    if first.has_testid("document-type-id_card") {
        browser
            .post(
                &format!("/verify/s/{id}/document-type"),
                &[("csrf_token", &csrf), ("document_type", "id_card")],
            )
            .await
            .assert_status(303);
    }
    browser
        .upload(
            &format!("/verify/s/{id}/image/front"),
            &[("csrf_token", csrf.as_str())],
            Some(&tiny_png()),
        )
        .await
        .assert_status(303);
    uploaded_front(app, &id).await
}

#[tokio::test]
async fn uploads_no_submission_used_are_erased_when_their_attempt_ends_or_once_past_retention() {
    let app = spawn().await;

    // Canceling the session ends its attempt: the upload's bytes go at once.
    let canceled = create(&app, SK_TEST, &[]).await;
    let file = upload_a_front(&app, &canceled).await;
    assert!(has_bytes(&app, &file).await);
    app.post(
        SK_TEST,
        &format!("{}/cancel", session_path(&id_of(&canceled))),
        &[],
    )
    .await;
    assert!(
        !has_bytes(&app, &file).await,
        "erased with the canceled attempt"
    );

    // A new attempt (a fresh link, opened after the first attempt was left) erases the
    // uploads of the earlier one.
    let left = create(&app, SK_TEST, &[]).await;
    let left_id = id_of(&left);
    let first_file = upload_a_front(&app, &left).await;
    app.clock.advance_seconds(49 * 3600);
    let fresh = retrieve(&app, SK_TEST, &left_id).await;
    assert!(fresh["url"].is_string(), "a fresh link was minted: {fresh}");
    let second_file = upload_a_front(&app, &fresh).await;
    assert!(
        !has_bytes(&app, &first_file).await,
        "erased by the new attempt"
    );
    assert!(has_bytes(&app, &second_file).await);

    // Past the upload retention (48 h), the sweep erases what no submission used; submitted
    // images stay until redaction.
    let submitted = create(
        &app,
        SK_TEST,
        &[("options[document][require_matching_selfie]", "true")],
    )
    .await;
    let submitted_id = id_of(&submitted);
    let (mut browser, first) = consented(&app, &submitted).await;
    upload_documents(&mut browser, &submitted_id, &first, false).await;
    let review = browser.get(&format!("/verify/s/{submitted_id}")).await;
    browser
        .post(
            &format!("/verify/s/{submitted_id}/submit"),
            &[("csrf_token", &review.csrf())],
        )
        .await
        .assert_status(303);
    app.drain_jobs().await;
    let report_id = retrieve(&app, SK_TEST, &submitted_id).await["last_verification_report"]
        .as_str()
        .unwrap()
        .to_owned();
    let report = app
        .get(
            SK_TEST,
            &format!("/v1/identity/verification_reports/{report_id}"),
            &[],
        )
        .await
        .body;
    let kept = report["document"]["files"][0].as_str().unwrap().to_owned();

    app.state.worker().sweep().await;
    assert!(has_bytes(&app, &second_file).await, "not yet 48 hours old");
    app.clock.advance_seconds(48 * 3600 + 1);
    app.state.worker().sweep().await;
    assert!(
        !has_bytes(&app, &second_file).await,
        "erased past the retention"
    );
    assert!(has_bytes(&app, &kept).await, "submitted images are kept");
}

#[tokio::test]
async fn sessions_past_the_operators_retention_period_are_redacted_automatically() {
    let dir = std::sync::Arc::new(tempfile::tempdir().unwrap());
    let app = TestApp::spawn_configured(
        dir,
        Options { run_workers: false },
        verifyd_core::clock::ManualClock::starting_now(),
        |config| {
            config.retention.sessions = Some(std::time::Duration::from_secs(30 * 86_400));
        },
    )
    .await;
    let waiting = create(&app, SK_TEST, &[("metadata[user]", "old-waiting")]).await;
    let canceled = create(&app, SK_TEST, &[("metadata[user]", "old-canceled")]).await;
    app.post(
        SK_TEST,
        &format!("{}/cancel", session_path(&id_of(&canceled))),
        &[],
    )
    .await;
    app.clock.advance_seconds(31 * 86_400);
    let recent = create(&app, SK_TEST, &[("metadata[user]", "recent")]).await;

    app.state.worker().sweep().await;
    app.drain_jobs().await;
    for (session, status) in [(&waiting, "canceled"), (&canceled, "canceled")] {
        let got = retrieve(&app, SK_TEST, &id_of(session)).await;
        assert_eq!(got["status"], status, "{got}");
        assert_eq!(got["redaction"]["status"], "redacted", "{got}");
        assert_eq!(got["metadata"], serde_json::json!({}));
    }
    let got = retrieve(&app, SK_TEST, &id_of(&recent)).await;
    assert_eq!(got["redaction"], serde_json::json!(null));
    assert_eq!(got["metadata"]["user"], "recent");
    // The redacted event went out as for a redaction through the API.
    let events = app
        .get(
            SK_TEST,
            "/v1/events",
            &[("type", "identity.verification_session.redacted")],
        )
        .await;
    assert_eq!(
        events.body["data"].as_array().unwrap().len(),
        2,
        "{}",
        events.body
    );
}

#[tokio::test]
async fn damaged_multipart_uploads_are_refused_cleanly_never_with_a_500() {
    let app = spawn().await;
    let session = create(&app, SK_TEST, &[]).await;
    let id = id_of(&session);
    let (mut browser, first) = consented(&app, &session).await;
    let csrf = first.csrf();
    if first.has_testid("document-type-id_card") {
        browser
            .post(
                &format!("/verify/s/{id}/document-type"),
                &[("csrf_token", &csrf), ("document_type", "id_card")],
            )
            .await
            .assert_status(303);
    }
    let boundary = "----verifydfuzzboundary";
    let mut valid = format!(
        "--{boundary}\r\nContent-Disposition: form-data; name=\"csrf_token\"\r\n\r\n{csrf}\r\n\
         --{boundary}\r\nContent-Disposition: form-data; name=\"file\"; filename=\"p\"\r\n\
         Content-Type: image/png\r\n\r\n"
    )
    .into_bytes();
    valid.extend_from_slice(&tiny_png());
    valid.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    // A small deterministic generator (xorshift): the same damage on every run.
    let mut state = 0x9E37_79B9_7F4A_7C15_u64;
    let mut next = move || {
        state ^= state << 13;
        state ^= state >> 7;
        state ^= state << 17;
        state
    };
    let client = reqwest::Client::new();
    for case in 0..300 {
        let mut body = valid.clone();
        match case % 4 {
            0 => {
                let cut = (next() as usize) % body.len();
                body.truncate(cut);
            }
            1 => {
                for _ in 0..1 + next() % 8 {
                    let at = (next() as usize) % body.len();
                    body[at] = next() as u8;
                }
            }
            2 => {
                let at = (next() as usize) % body.len();
                let junk: Vec<u8> = (0..next() % 64).map(|_| next() as u8).collect();
                body.splice(at..at, junk);
            }
            _ => {
                let at = (next() as usize) % body.len();
                body.splice(at..at, b"\r\n--".iter().copied());
            }
        }
        let reply = client
            .post(format!("{}/verify/s/{id}/image/front", app.base))
            .header("Cookie", browser.cookie_header())
            .header(
                "Content-Type",
                format!("multipart/form-data; boundary={boundary}"),
            )
            .body(body)
            .send()
            .await
            .unwrap();
        let status = reply.status().as_u16();
        assert!(status < 500 || status == 503, "case {case}: {status}");
    }
    // The page still works for this browser afterwards.
    let page = browser.get(&format!("/verify/s/{id}")).await;
    page.assert_status(200);
}
