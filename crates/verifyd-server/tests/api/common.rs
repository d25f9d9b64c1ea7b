//! The test harness: a real verifyd on 127.0.0.1 port 0 with a fresh database — an SQLite
//! file, or with `VERIFYD_TEST_DATABASE=postgres` a PostgreSQL database of its own (dropped
//! when the test is done) — fixed keys of every kind, a clock the test moves, and an HTTP
//! client that speaks the form encoding the SDKs use.

use reqwest::header::HeaderMap;
use reqwest::StatusCode;
use serde_json::Value;
use std::sync::Arc;
use tempfile::TempDir;
use tokio::sync::oneshot;
use tokio::task::JoinHandle;
use verifyd_core::clock::ManualClock;
use verifyd_server::{AppState, Application, ServerConfig};

pub const SK_TEST: &str = "sk_test_harness0000000000000001";
pub const SK_LIVE: &str = "sk_live_harness0000000000000001";
pub const RK_TEST: &str = "rk_test_harness0000000000000001";
pub const PK_TEST: &str = "pk_test_harness0000000000000001";

pub struct Options {
    pub run_workers: bool,
}

impl Default for Options {
    fn default() -> Self {
        Self { run_workers: true }
    }
}

pub struct TestApp {
    pub base: String,
    pub client: reqwest::Client,
    pub state: AppState,
    pub clock: ManualClock,
    pub dir: Arc<TempDir>,
    shutdown: Option<oneshot::Sender<()>>,
    server: Option<JoinHandle<std::io::Result<()>>>,
}

pub struct Reply {
    pub status: StatusCode,
    pub headers: HeaderMap,
    pub body: Value,
}

impl Reply {
    /// `error.param` of an error reply.
    pub fn param(&self) -> Option<&str> {
        self.body["error"]["param"].as_str()
    }

    pub fn code(&self) -> Option<&str> {
        self.body["error"]["code"].as_str()
    }

    pub fn message(&self) -> &str {
        self.body["error"]["message"].as_str().unwrap_or("")
    }

    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers.get(name).and_then(|v| v.to_str().ok())
    }

    pub fn id(&self) -> String {
        self.body["id"]
            .as_str()
            .expect("reply has an id")
            .to_owned()
    }

    /// Asserts a Stripe error reply with this status and (optional) param.
    #[track_caller]
    pub fn assert_error(&self, status: u16, param: Option<&str>) {
        assert_eq!(self.status.as_u16(), status, "body: {}", self.body);
        assert!(
            self.body["error"]["type"].is_string(),
            "body: {}",
            self.body
        );
        assert!(
            self.body["error"]["message"].is_string(),
            "body: {}",
            self.body
        );
        assert_eq!(self.param(), param, "body: {}", self.body);
    }
}

pub fn form(pairs: &[(&str, &str)]) -> String {
    let mut out = String::new();
    for (k, v) in pairs {
        if !out.is_empty() {
            out.push('&');
        }
        out.push_str(&urlencode(k));
        out.push('=');
        out.push_str(&urlencode(v));
    }
    out
}

fn urlencode(s: &str) -> String {
    let mut out = String::new();
    for b in s.bytes() {
        match b {
            b'A'..=b'Z' | b'a'..=b'z' | b'0'..=b'9' | b'-' | b'_' | b'.' | b'~' => {
                out.push(b as char)
            }
            _ => out.push_str(&format!("%{b:02X}")),
        }
    }
    out
}

impl TestApp {
    pub async fn spawn() -> Self {
        Self::spawn_with(Options::default()).await
    }

    pub async fn spawn_with(options: Options) -> Self {
        let dir = Arc::new(tempfile::tempdir().expect("temp dir"));
        Self::spawn_in(dir, options, ManualClock::starting_now()).await
    }

    /// Starts a server on the database in `dir` (reused across restarts).
    pub async fn spawn_in(dir: Arc<TempDir>, options: Options, clock: ManualClock) -> Self {
        Self::spawn_configured(dir, options, clock, |_| {}).await
    }

    /// As [`Self::spawn_in`], letting the test adjust the server configuration.
    pub async fn spawn_configured(
        dir: Arc<TempDir>,
        options: Options,
        clock: ManualClock,
        configure: impl FnOnce(&mut ServerConfig),
    ) -> Self {
        let url = verifyd_store::testing::database_url(dir.path()).await;
        let mut config = ServerConfig::new("127.0.0.1:0", url);
        config.database.master_key = verifyd_store::testing::master_key(dir.path());
        config.api_keys = [SK_TEST, SK_LIVE, RK_TEST, PK_TEST]
            .iter()
            .map(|k| k.to_string())
            .collect();
        config.run_workers = options.run_workers;
        configure(&mut config);
        let app = Application::build_with_clock(config, Arc::new(clock.clone()))
            .await
            .expect("server builds");
        let base = format!("http://{}", app.local_addr());
        let state = app.state();
        let (tx, rx) = oneshot::channel();
        let server = tokio::spawn(app.run_until(async {
            let _ = rx.await;
        }));
        Self {
            base,
            client: reqwest::Client::new(),
            state,
            clock,
            dir,
            shutdown: Some(tx),
            server: Some(server),
        }
    }

    /// Stops the server and waits until it has closed the database.
    pub async fn stop(mut self) -> Arc<TempDir> {
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        if let Some(server) = self.server.take() {
            server.await.expect("server task").expect("server ran");
        }
        self.dir.clone()
    }

    pub async fn send(&self, request: reqwest::RequestBuilder) -> Reply {
        let response = request.send().await.expect("request sent");
        let status = response.status();
        let headers = response.headers().clone();
        let text = response.text().await.expect("body read");
        let body = serde_json::from_str(&text)
            .unwrap_or_else(|_| panic!("body is not JSON ({status}): {text}"));
        Reply {
            status,
            headers,
            body,
        }
    }

    pub async fn post(&self, key: &str, path: &str, pairs: &[(&str, &str)]) -> Reply {
        self.post_raw(key, path, form(pairs), None).await
    }

    pub async fn post_raw(
        &self,
        key: &str,
        path: &str,
        body: String,
        idempotency_key: Option<&str>,
    ) -> Reply {
        let mut request = self
            .client
            .post(format!("{}{path}", self.base))
            .bearer_auth(key)
            .header("Content-Type", "application/x-www-form-urlencoded")
            .body(body);
        if let Some(k) = idempotency_key {
            request = request.header("Idempotency-Key", k);
        }
        self.send(request).await
    }

    pub async fn post_idempotent(
        &self,
        key: &str,
        path: &str,
        pairs: &[(&str, &str)],
        idempotency_key: &str,
    ) -> Reply {
        self.post_raw(key, path, form(pairs), Some(idempotency_key))
            .await
    }

    pub async fn get(&self, key: &str, path: &str, pairs: &[(&str, &str)]) -> Reply {
        let query = form(pairs);
        let url = if query.is_empty() {
            format!("{}{path}", self.base)
        } else {
            format!("{}{path}?{query}", self.base)
        };
        self.send(self.client.get(url).bearer_auth(key)).await
    }

    /// Creates a test-mode document session and returns the reply.
    pub async fn create_session(&self, extra: &[(&str, &str)]) -> Reply {
        let mut pairs = vec![("type", "document")];
        pairs.extend_from_slice(extra);
        let reply = self
            .post(SK_TEST, "/v1/identity/verification_sessions", &pairs)
            .await;
        assert_eq!(reply.status, 200, "create failed: {}", reply.body);
        reply
    }

    /// Runs due jobs until none is left.
    pub async fn drain_jobs(&self) {
        let worker = self.state.worker();
        while worker.run_once().await.expect("job ran") {}
    }
}

pub fn session_path(id: &str) -> String {
    format!("/v1/identity/verification_sessions/{id}")
}

impl Drop for TestApp {
    /// The last user of a test's PostgreSQL database drops it (`scripts/test` also sweeps
    /// any left behind by a test that kept its directory to the end).
    fn drop(&mut self) {
        if !verifyd_store::testing::use_postgres() || Arc::strong_count(&self.dir) > 1 {
            return;
        }
        if let Some(tx) = self.shutdown.take() {
            let _ = tx.send(());
        }
        let dir = self.dir.path().to_owned();
        let _ = std::thread::spawn(move || {
            if let Ok(rt) = tokio::runtime::Builder::new_current_thread()
                .enable_all()
                .build()
            {
                rt.block_on(verifyd_store::testing::drop_database_of(&dir));
            }
        })
        .join();
    }
}

/// Stores a restricted test-mode key holding exactly `permissions` (as `verifyd keys create
/// --type restricted --permissions …` would).
pub async fn insert_restricted_key(
    app: &TestApp,
    key: &str,
    permissions: &[verifyd_core::keys::Permission],
) {
    let permissions: std::collections::BTreeSet<_> = permissions.iter().copied().collect();
    let mut tx = app.state.store().begin().await.unwrap();
    tx.insert_key(
        &verifyd_store::StoredKey {
            id: format!("key_{}", verifyd_core::random_base62(12)),
            kind: "restricted".into(),
            permissions: verifyd_core::keys::format_permissions(&permissions),
            masked: verifyd_core::keys::mask_key(key),
            ..Default::default()
        },
        &verifyd_store::hash_key(key),
        0,
    )
    .await
    .unwrap();
    tx.commit().await.unwrap();
}
