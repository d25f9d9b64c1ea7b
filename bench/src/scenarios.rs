//! The scenarios and the orchestrator. `run` starts every server it measures as a child
//! process (verifyd, and this binary as the HTTP ceiling), on loopback ports, with fresh or
//! reused databases under the work directory, and stops them; peak RSS is read from
//! /proc/<pid>/status (VmHWM) before each verifyd stops.

use crate::load::{measure, percentile, LoadArgs};
use clap::Args;
use serde_json::{json, Value};
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};
use verifyd_core::session::{NewSession, SessionStatus, SessionType, VerificationSession};
use verifyd_store::{Store, StoreOptions};

pub const KEY: &str = "sk_test_benchmark00000000000001";
/// The live-mode key of scenario 7.
pub const LIVE_KEY: &str = "sk_live_benchmark00000000000001";

/// A session-sized JSON body (about the size verifyd returns for a session).
const SESSION_SIZED: &str = r#"{"id":"vs_1NuNAILkdIwHu7ixh7OtGMLw","object":"identity.verification_session","client_reference_id":null,"client_secret":"vs_1NuNAILkdIwHu7ixh7OtGMLw_secret_test_abcdefghijklmnopqrstuvwxyz012345","created":1695680526,"last_error":null,"last_verification_report":null,"livemode":false,"metadata":{},"options":{},"redaction":null,"related_customer":null,"related_customer_account":null,"status":"requires_input","type":"document","url":"http://127.0.0.1:12111/verify/start/abcdefghijklmnopqrstuvwxyz0123456789ABCD"}"#;

pub async fn http_ceiling(listen: &str) -> Result<(), String> {
    async fn fixed() -> ([(&'static str, &'static str); 1], &'static str) {
        ([("content-type", "application/json")], SESSION_SIZED)
    }
    let app = axum::Router::new().fallback(fixed);
    let listener = tokio::net::TcpListener::bind(listen)
        .await
        .map_err(|e| e.to_string())?;
    axum::serve(listener, app).await.map_err(|e| e.to_string())
}

async fn sqlite_pool(path: &str) -> Result<sqlx::SqlitePool, String> {
    use sqlx::sqlite::{SqliteConnectOptions, SqliteJournalMode, SqliteSynchronous};
    let _ = std::fs::remove_file(path);
    let options = SqliteConnectOptions::new()
        .filename(path)
        .create_if_missing(true)
        .journal_mode(SqliteJournalMode::Wal)
        .synchronous(SqliteSynchronous::Full);
    let pool = sqlx::sqlite::SqlitePoolOptions::new()
        .max_connections(1)
        .connect_with(options)
        .await
        .map_err(|e| e.to_string())?;
    sqlx::query("CREATE TABLE t (id INTEGER PRIMARY KEY, body TEXT NOT NULL)")
        .execute(&pool)
        .await
        .map_err(|e| e.to_string())?;
    Ok(pool)
}

/// Rows per second for durable inserts, one per transaction and 100 per transaction.
pub async fn sqlite_ceiling_measure(path: &str, seconds: u64) -> Result<Value, String> {
    let pool = sqlite_pool(path).await?;
    let mut out = json!({});
    for batch in [1usize, 100] {
        let end = Instant::now() + Duration::from_secs(seconds);
        let started = Instant::now();
        let mut rows = 0u64;
        while Instant::now() < end {
            let mut tx = pool.begin().await.map_err(|e| e.to_string())?;
            for _ in 0..batch {
                sqlx::query("INSERT INTO t (body) VALUES (?)")
                    .bind(SESSION_SIZED)
                    .execute(&mut *tx)
                    .await
                    .map_err(|e| e.to_string())?;
            }
            tx.commit().await.map_err(|e| e.to_string())?;
            rows += batch as u64;
        }
        let rate = rows as f64 / started.elapsed().as_secs_f64();
        out[format!("rows_per_s_batch_{batch}")] = json!(rate);
    }
    pool.close().await;
    let _ = std::fs::remove_file(path);
    let _ = std::fs::remove_file(format!("{path}-wal"));
    let _ = std::fs::remove_file(format!("{path}-shm"));
    Ok(out)
}

pub async fn sqlite_ceiling(path: &str, seconds: u64) -> Result<(), String> {
    println!("{}", sqlite_ceiling_measure(path, seconds).await?);
    Ok(())
}

/// The master key of PostgreSQL runs (which have no default key file; not a secret). SQLite
/// runs use the default: a key file beside the database.
const BENCH_MASTER_KEY: &str = "YmVuY2gtbWFzdGVyLWtleS0zMi1ieXRlcy1sb25nLi4=";

fn store_options(database: &str) -> StoreOptions {
    let mut options = StoreOptions::new(database);
    if database.starts_with("postgres") {
        options.master_key = verifyd_store::MasterKeySource::Value(BENCH_MASTER_KEY.into());
    }
    options
}

/// Inserts `count` test-mode sessions (a quarter each requires_input, processing,
/// verified, canceled) in batches of 10 000 through the store API.
pub async fn seed(database: &str, count: u64) -> Result<(), String> {
    let store = Store::connect(&store_options(database))
        .await
        .map_err(|e| e.to_string())?;
    let statuses = [
        SessionStatus::RequiresInput,
        SessionStatus::Processing,
        SessionStatus::Verified,
        SessionStatus::Canceled,
    ];
    let now = std::time::SystemTime::now()
        .duration_since(std::time::UNIX_EPOCH)
        .unwrap()
        .as_millis() as i64;
    let mut done = 0u64;
    while done < count {
        let batch = (count - done).min(10_000);
        let mut tx = store.begin().await.map_err(|e| e.to_string())?;
        for i in 0..batch {
            let n = done + i;
            let mut session = VerificationSession::create(
                NewSession {
                    session_type: Some(SessionType::Document),
                    client_reference_id: Some(format!("user_{n}")),
                    ..Default::default()
                },
                false,
                now - ((count - n) as i64) * 10,
            )
            .map_err(|e| e.to_string())?;
            session.status = statuses[(n % 4) as usize];
            if session.status != SessionStatus::RequiresInput {
                session.secrets = None;
            }
            tx.insert_session(&session)
                .await
                .map_err(|e| e.to_string())?;
        }
        tx.commit().await.map_err(|e| e.to_string())?;
        done += batch;
    }
    store.close().await;
    Ok(())
}

/// Peak resident set size (VmHWM) of a process so far, in MB.
fn peak_rss_mb(pid: u32) -> f64 {
    status_mb(pid, "VmHWM:")
}

/// Resident set size (VmRSS) of a process now, in MB.
pub fn rss_mb(pid: u32) -> f64 {
    status_mb(pid, "VmRSS:")
}

fn status_mb(pid: u32, field: &str) -> f64 {
    std::fs::read_to_string(format!("/proc/{pid}/status"))
        .unwrap_or_default()
        .lines()
        .find_map(|l| l.strip_prefix(field))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<f64>().ok())
        .map(|kb| kb / 1024.0)
        .unwrap_or(0.0)
}

/// A verifyd child process.
pub struct Verifyd {
    child: Child,
    pub base: String,
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0")
        .unwrap()
        .local_addr()
        .unwrap()
        .port()
}

async fn wait_up(base: &str) -> Result<(), String> {
    let started = Instant::now();
    while started.elapsed() < Duration::from_secs(60) {
        if let Ok(r) = reqwest::get(format!("{base}/")).await {
            if r.status().is_success() {
                return Ok(());
            }
        }
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    Err(format!("{base} did not come up"))
}

impl Verifyd {
    pub async fn start(bin: &Path, db: &Path, workers: bool) -> Result<Self, String> {
        Self::start_on(bin, &format!("sqlite://{}", db.display()), workers).await
    }

    /// Starts verifyd on any database URL (SQLite or PostgreSQL), without live checks (no
    /// models loaded): the API scenarios measure the API alone.
    pub async fn start_on(bin: &Path, database_url: &str, workers: bool) -> Result<Self, String> {
        Self::start_with(
            bin,
            database_url,
            workers,
            &["--models-dir", "/nonexistent/verifyd-bench-no-models"],
        )
        .await
    }

    /// Starts verifyd with live checks reading their models from `models`, and the live
    /// key as well as the test key.
    pub async fn start_live(bin: &Path, db: &Path, models: &Path) -> Result<Self, String> {
        let models = models.display().to_string();
        Self::start_with(
            bin,
            &format!("sqlite://{}", db.display()),
            true,
            &["--models-dir", &models],
        )
        .await
    }

    /// The process id (to sample its memory).
    pub fn pid(&self) -> u32 {
        self.child.id()
    }

    pub async fn start_with(
        bin: &Path,
        database_url: &str,
        workers: bool,
        extra: &[&str],
    ) -> Result<Self, String> {
        let port = free_port();
        let mut command = Command::new(bin);
        command
            .args(["serve", "--listen", &format!("127.0.0.1:{port}")])
            .arg("--database")
            .arg(database_url)
            .args(extra)
            .env("VERIFYD_API_KEYS", format!("{KEY},{LIVE_KEY}"))
            // The benchmark measures the server, not the per-key limiter.
            .env("VERIFYD_RATE_LIMIT_LIVE", "0")
            .env("RUST_LOG", "warn")
            .envs(
                database_url
                    .starts_with("postgres")
                    .then_some(("VERIFYD_MASTER_KEY", BENCH_MASTER_KEY)),
            )
            .stdout(Stdio::null())
            .stderr(Stdio::null());
        if !workers {
            command.arg("--no-worker");
        }
        let child = command
            .spawn()
            .map_err(|e| format!("{}: {e}", bin.display()))?;
        let base = format!("http://127.0.0.1:{port}");
        wait_up(&base).await?;
        Ok(Self { child, base })
    }

    /// Peak resident set size so far, in MB.
    pub fn peak_rss_mb(&self) -> f64 {
        peak_rss_mb(self.child.id())
    }

    /// Stops gracefully (SIGTERM) and waits.
    pub fn stop(mut self) {
        let _ = Command::new("kill")
            .args(["-TERM", &self.child.id().to_string()])
            .status();
        let _ = self.child.wait();
    }
}

pub struct Ceiling {
    child: Child,
    pub base: String,
}

impl Ceiling {
    pub async fn start() -> Result<Self, String> {
        let port = free_port();
        let me = std::env::current_exe().map_err(|e| e.to_string())?;
        let child = Command::new(me)
            .args(["http-ceiling", "--listen", &format!("127.0.0.1:{port}")])
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .map_err(|e| e.to_string())?;
        let base = format!("http://127.0.0.1:{port}");
        wait_up(&base).await?;
        Ok(Self { child, base })
    }

    pub fn peak_rss_mb(&self) -> f64 {
        peak_rss_mb(self.child.id())
    }
}

impl Drop for Ceiling {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

fn client() -> reqwest::Client {
    reqwest::Client::new()
}

async fn post(c: &reqwest::Client, url: String, body: &str) -> Result<Value, String> {
    let r = c
        .post(url)
        .bearer_auth(KEY)
        .header("Content-Type", "application/x-www-form-urlencoded")
        .body(body.to_owned())
        .send()
        .await
        .map_err(|e| e.to_string())?;
    let ok = r.status().is_success();
    let v: Value = r.json().await.map_err(|e| e.to_string())?;
    if ok {
        Ok(v)
    } else {
        Err(v.to_string())
    }
}

/// Creates `count` sessions with `concurrency` workers; returns their ids.
async fn create_many(base: &str, count: usize, concurrency: usize) -> Result<Vec<String>, String> {
    let next = Arc::new(std::sync::atomic::AtomicUsize::new(0));
    let mut tasks = Vec::new();
    for _ in 0..concurrency {
        let next = next.clone();
        let url = format!("{base}/v1/identity/verification_sessions");
        tasks.push(tokio::spawn(async move {
            let c = client();
            let mut ids = Vec::new();
            while next.fetch_add(1, std::sync::atomic::Ordering::SeqCst) < count {
                let v = post(&c, url.clone(), "type=document").await?;
                ids.push(v["id"].as_str().unwrap_or_default().to_owned());
            }
            Ok::<_, String>(ids)
        }));
    }
    let mut ids = Vec::new();
    for t in tasks {
        ids.extend(t.await.map_err(|e| e.to_string())??);
    }
    Ok(ids)
}

#[derive(Args, Clone)]
pub struct FlowArgs {
    #[arg(long)]
    pub base: String,
    #[arg(long, default_value_t = 16)]
    pub concurrency: usize,
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
}

pub async fn flow_measure(args: FlowArgs) -> Result<Value, String> {
    let end = Instant::now() + Duration::from_secs(args.seconds);
    let started = Instant::now();
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let base = args.base.clone();
        tasks.push(tokio::spawn(async move {
            let c = client();
            let mut latencies = Vec::new();
            while Instant::now() < end {
                let t = Instant::now();
                let s = post(
                    &c,
                    format!("{base}/v1/identity/verification_sessions"),
                    "type=document",
                )
                .await?;
                let id = s["id"].as_str().unwrap_or_default().to_owned();
                let helpers = format!("{base}/v1/test_helpers/identity/verification_sessions/{id}");
                post(&c, format!("{helpers}/process"), "").await?;
                let v = post(&c, format!("{helpers}/verify"), "").await?;
                if v["status"] != "verified" {
                    return Err(format!("flow ended {}", v["status"]));
                }
                latencies.push(t.elapsed().as_micros() as u64);
            }
            Ok::<_, String>(latencies)
        }));
    }
    let mut all = Vec::new();
    for t in tasks {
        all.extend(t.await.map_err(|e| e.to_string())??);
    }
    all.sort_unstable();
    Ok(json!({
        "flows_per_s": all.len() as f64 / started.elapsed().as_secs_f64(),
        "p50_ms": percentile(&all, 50.0),
        "p99_ms": percentile(&all, 99.0),
    }))
}

pub async fn flow(args: FlowArgs) -> Result<(), String> {
    println!("{}", flow_measure(args).await?);
    Ok(())
}

#[derive(Args, Clone)]
pub struct WebhookArgs {
    /// verifyd binary.
    #[arg(long)]
    pub verifyd: PathBuf,
    /// Work directory for the database.
    #[arg(long)]
    pub workdir: PathBuf,
    /// Events queued before the workers start (drain throughput).
    #[arg(long, default_value_t = 5000)]
    pub count: usize,
    /// Seconds of steady creation for the lag measurement.
    #[arg(long, default_value_t = 5)]
    pub seconds: u64,
}

type Arrivals = Arc<Mutex<Vec<(String, Instant)>>>;

async fn receiver() -> Result<(String, Arrivals), String> {
    let arrivals: Arrivals = Arc::default();
    let sink = arrivals.clone();
    let app = axum::Router::new().route(
        "/hook",
        axum::routing::post(move |body: axum::body::Bytes| {
            let sink = sink.clone();
            async move {
                let at = Instant::now();
                if let Ok(v) = serde_json::from_slice::<Value>(&body) {
                    let id = v["data"]["object"]["id"]
                        .as_str()
                        .unwrap_or_default()
                        .to_owned();
                    sink.lock().unwrap().push((id, at));
                }
                "ok"
            }
        }),
    );
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0")
        .await
        .map_err(|e| e.to_string())?;
    let url = format!("http://{}/hook", listener.local_addr().unwrap());
    tokio::spawn(async move {
        let _ = axum::serve(listener, app).await;
    });
    Ok((url, arrivals))
}

async fn wait_for(arrivals: &Arrivals, n: usize, limit: Duration) -> Instant {
    let started = Instant::now();
    loop {
        let len = arrivals.lock().unwrap().len();
        if len >= n || started.elapsed() > limit {
            return arrivals
                .lock()
                .unwrap()
                .last()
                .map(|(_, t)| *t)
                .unwrap_or_else(Instant::now);
        }
        tokio::time::sleep(Duration::from_millis(5)).await;
    }
}

pub async fn webhooks_measure(args: WebhookArgs) -> Result<Value, String> {
    let db = args.workdir.join("webhooks.db");
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", db.display()));
    }
    let (url, arrivals) = receiver().await?;
    // Phase 1: queue `count` deliveries with no worker running, then time the drain.
    let quiet = Verifyd::start(&args.verifyd, &db, false).await?;
    let c = client();
    post(
        &c,
        format!("{}/v1/webhook_endpoints", quiet.base),
        &format!("url={url}&enabled_events[]=identity.verification_session.created"),
    )
    .await?;
    create_many(&quiet.base, args.count, 64).await?;
    quiet.stop();
    let drain_start = Instant::now();
    let busy = Verifyd::start(&args.verifyd, &db, true).await?;
    let last = wait_for(&arrivals, args.count, Duration::from_secs(120)).await;
    let delivered = arrivals.lock().unwrap().len();
    let drain_rate = delivered as f64 / last.duration_since(drain_start).as_secs_f64();

    // Phase 2: steady creation with workers running; lag from the create response to the
    // delivery of its `created` event.
    arrivals.lock().unwrap().clear();
    let created: Arc<Mutex<HashMap<String, Instant>>> = Arc::default();
    let end = Instant::now() + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for _ in 0..16 {
        let created = created.clone();
        let url = format!("{}/v1/identity/verification_sessions", busy.base);
        tasks.push(tokio::spawn(async move {
            let c = client();
            while Instant::now() < end {
                let v = post(&c, url.clone(), "type=document").await?;
                let id = v["id"].as_str().unwrap_or_default().to_owned();
                created.lock().unwrap().insert(id, Instant::now());
            }
            Ok::<_, String>(())
        }));
    }
    for t in tasks {
        t.await.map_err(|e| e.to_string())??;
    }
    let expected = created.lock().unwrap().len();
    wait_for(&arrivals, expected, Duration::from_secs(60)).await;
    let created = created.lock().unwrap().clone();
    let mut lags: Vec<u64> = arrivals
        .lock()
        .unwrap()
        .iter()
        .filter_map(|(id, at)| {
            created
                .get(id)
                .map(|c| at.saturating_duration_since(*c).as_micros() as u64)
        })
        .collect();
    lags.sort_unstable();
    let rss = busy.peak_rss_mb();
    busy.stop();
    Ok(json!({
        "queued": args.count,
        "delivered": delivered,
        "events_per_s": drain_rate,
        "lag_events": lags.len(),
        "lag_p50_ms": percentile(&lags, 50.0),
        "lag_p99_ms": percentile(&lags, 99.0),
        "peak_rss_mb": rss,
    }))
}

pub async fn webhooks(args: WebhookArgs) -> Result<(), String> {
    println!("{}", webhooks_measure(args).await?);
    Ok(())
}

/// The ids of `count` sessions made through the API, for the retrieve scenario.
pub async fn session_ids(base: &str, count: usize) -> Result<Vec<String>, String> {
    create_many(base, count, 16).await
}

pub fn load_args(
    url: String,
    method: &str,
    body: &str,
    concurrency: usize,
    seconds: u64,
    label: &str,
) -> LoadArgs {
    LoadArgs {
        url,
        method: method.to_owned(),
        body: body.to_owned(),
        key: Some(KEY.to_owned()),
        concurrency,
        seconds,
        warmup: 1,
        ids: None,
        label: label.to_owned(),
    }
}

pub async fn load(args: LoadArgs) -> Result<Value, String> {
    measure(args).await
}
