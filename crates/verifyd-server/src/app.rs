//! Building and running the server: [`ServerConfig`], the shared [`AppState`], and
//! [`Application`], which binds the listener (port 0 in tests), wires the router and starts
//! the workers. The binary and the tests build the server the same way.

use crate::auth::KeyRing;
use crate::branding::{Branding, BrandingConfig};
use crate::live_checks::{LiveChecks, LiveChecksConfig};
use crate::pages::i18n::Catalogues;
use crate::pages::upload_gate::{UploadGate, UploadLimits};
use crate::routes;
use crate::webhooks::delivery::{DeliveryWorker, WebhookConfig};
use crate::workers::Worker;
use std::net::SocketAddr;
use std::sync::Arc;
use tokio::net::TcpListener;
use tokio::sync::{watch, Notify};
use verifyd_checks::TestModeEngine;
use verifyd_core::{Clock, SystemClock};
use verifyd_store::{Store, StoreOptions};

/// Everything `serve` can be told.
#[derive(Debug, Clone)]
pub struct ServerConfig {
    /// Address to listen on, e.g. `127.0.0.1:12111` (port 0 picks a free port).
    pub listen: String,
    /// Base of the URLs handed to end users (`url`); derived from the bound address if unset.
    pub public_url: Option<String>,
    pub database: StoreOptions,
    /// Fixed API keys accepted in addition to those in the database (for CI).
    pub api_keys: Vec<String>,
    /// Run the background workers in this process.
    pub run_workers: bool,
    /// How long a claimed job stays with the worker that claimed it; if that process dies,
    /// another runs the job once the lease expires (default 60 s).
    pub job_lease: std::time::Duration,
    pub webhooks: WebhookConfig,
    /// How live-mode submissions are checked.
    pub live_checks: LiveChecksConfig,
    /// How the hosted page's image uploads are limited.
    pub upload_limits: UploadLimits,
    /// Requests per second per API key, per mode.
    pub rate_limits: crate::rate_limit::RateLimits,
    /// How long personal data is kept when nobody redacts it.
    pub retention: Retention,
    /// Connection timeouts (request heads, idle keep-alive, shutdown drain).
    pub http_timeouts: crate::serve::HttpTimeouts,
    /// The business name, icon and accent colour of the hosted pages (checked by
    /// [`Application::build`]).
    pub branding: BrandingConfig,
    /// A directory of the operator's own `<tag>.ftl` message catalogues for the hosted
    /// pages (`--locales-dir`): more languages, or changed words (checked by
    /// [`Application::build`]).
    pub locales_dir: Option<std::path::PathBuf>,
}

/// How long data is kept when nobody asks for it to go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Retention {
    /// Uploads no submission used are erased once this old (default 48 h: an attempt
    /// lasts at most that long, so no attempt can still submit them).
    pub unsubmitted_uploads: std::time::Duration,
    /// Sessions are redacted automatically once this old (default: never).
    pub sessions: Option<std::time::Duration>,
}

impl Default for Retention {
    fn default() -> Self {
        Self {
            unsubmitted_uploads: std::time::Duration::from_secs(48 * 3600),
            sessions: None,
        }
    }
}

impl ServerConfig {
    pub fn new(listen: impl Into<String>, database_url: impl Into<String>) -> Self {
        Self {
            listen: listen.into(),
            public_url: None,
            database: StoreOptions::new(database_url),
            api_keys: Vec::new(),
            run_workers: true,
            job_lease: std::time::Duration::from_secs(120),
            webhooks: WebhookConfig::default(),
            live_checks: LiveChecksConfig::default(),
            upload_limits: UploadLimits::default(),
            rate_limits: crate::rate_limit::RateLimits::default(),
            retention: Retention::default(),
            http_timeouts: crate::serve::HttpTimeouts::default(),
            branding: BrandingConfig::default(),
            locales_dir: None,
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum BuildError {
    #[error(transparent)]
    Store(#[from] verifyd_store::StoreError),
    #[error("cannot listen on {0}: {1}")]
    Bind(String, std::io::Error),
    #[error("invalid configuration: {0}")]
    Config(String),
}

struct Inner {
    store: Store,
    clock: Arc<dyn Clock>,
    keys: KeyRing,
    public_url: String,
    jobs_waiting: Arc<Notify>,
    test_engine: TestModeEngine,
    live_checks: LiveChecks,
    webhooks: WebhookConfig,
    job_lease_millis: i64,
    upload_gate: UploadGate,
    rate_limiter: crate::rate_limit::RateLimiter,
    retention: Retention,
    branding: Branding,
    /// The hosted pages' message catalogues: the shipped ones, with the operator's.
    catalogues: &'static Catalogues,
    /// When this process last recorded each stored key's use (seconds), so that a key's
    /// `last_used_at` costs a write at most once a minute.
    key_uses: std::sync::Mutex<std::collections::HashMap<String, i64>>,
}

/// State shared by every handler and worker. Cheap to clone.
#[derive(Clone)]
pub struct AppState(Arc<Inner>);

impl AppState {
    pub fn store(&self) -> &Store {
        &self.0.store
    }

    pub fn clock(&self) -> &dyn Clock {
        self.0.clock.as_ref()
    }

    pub fn keys(&self) -> &KeyRing {
        &self.0.keys
    }

    pub fn public_url(&self) -> &str {
        &self.0.public_url
    }

    /// Live mode's checks (vision on a CPU pool, the live engine, the external verifier).
    pub fn live_checks(&self) -> &LiveChecks {
        &self.0.live_checks
    }

    /// The hosted page's limits on upload bodies.
    pub fn upload_gate(&self) -> &UploadGate {
        &self.0.upload_gate
    }

    pub fn rate_limiter(&self) -> &crate::rate_limit::RateLimiter {
        &self.0.rate_limiter
    }

    pub fn retention(&self) -> Retention {
        self.0.retention
    }

    /// The operator's business name, icon and accent colour.
    pub fn branding(&self) -> &Branding {
        &self.0.branding
    }

    /// The hosted pages' message catalogues.
    pub fn catalogues(&self) -> &'static Catalogues {
        self.0.catalogues
    }

    /// Whether this process should record a use of key `id` at `now` (seconds) now: once a
    /// minute per key at most.
    pub(crate) fn should_record_key_use(&self, id: &str, now: i64) -> bool {
        let mut uses = self.0.key_uses.lock().unwrap_or_else(|e| e.into_inner());
        match uses.get(id) {
            Some(last) if now - last < 60 => false,
            _ => {
                if uses.len() >= 10_000 {
                    uses.clear();
                }
                uses.insert(id.to_owned(), now);
                true
            }
        }
    }

    pub fn test_engine(&self) -> &TestModeEngine {
        &self.0.test_engine
    }

    /// Wakes this process's workers: another process committed work (PostgreSQL `NOTIFY`).
    /// Commits of this process wake them by themselves ([`Store::work_committed`]).
    pub fn notify_jobs(&self) {
        self.0.jobs_waiting.notify_waiters();
    }

    pub fn render_context(&self) -> crate::render::RenderContext<'_> {
        crate::render::RenderContext {
            now_millis: self.clock().now_millis(),
            public_base_url: self.public_url(),
        }
    }

    /// Lease of a claimed job, in milliseconds.
    pub fn job_lease_millis(&self) -> i64 {
        self.0.job_lease_millis
    }

    pub fn webhook_config(&self) -> &WebhookConfig {
        &self.0.webhooks
    }

    /// A webhook delivery worker over this state (tests drive it with `run_once`).
    pub fn delivery_worker(&self) -> DeliveryWorker {
        DeliveryWorker::new(self.clone())
    }

    /// A worker over this state (tests drive it with `run_once`).
    pub fn worker(&self) -> Worker {
        Worker::new(self.clone(), self.0.jobs_waiting.clone())
    }
}

/// The hosted pages' message catalogues, parsed and checked now rather than on a first
/// page: the shipped ones, or (with `--locales-dir`) those with the operator's files, kept
/// for the life of the process.
fn page_catalogues(dir: Option<&std::path::Path>) -> Result<&'static Catalogues, BuildError> {
    match dir {
        None => crate::pages::i18n::catalogues().map_err(BuildError::Config),
        Some(dir) => Catalogues::with_operator_dir(dir)
            .map(|loaded| &*Box::leak(Box::new(loaded)))
            .map_err(|error| {
                BuildError::Config(format!("--locales-dir {}: {error}", dir.display()))
            }),
    }
}

impl AppState {
    fn new(
        store: Store,
        clock: Arc<dyn Clock>,
        keys: KeyRing,
        public_url: String,
        branding: Branding,
        config: &ServerConfig,
    ) -> Result<Self, BuildError> {
        let live_checks =
            LiveChecks::new(config.live_checks.clone()).map_err(BuildError::Config)?;
        let job_lease = config.job_lease;
        // A check must finish (and be recorded) while its job is still leased, or another
        // worker would start it over needlessly.
        if live_checks.longest_run() + std::time::Duration::from_secs(1) > job_lease {
            return Err(BuildError::Config(format!(
                "the job lease ({:.1} s) must exceed the longest live check ({:.1} s: twice the document check budget plus 0.5 s each, for waiting for a thread and reading, plus the ID verifier timeout) by at least a second",
                job_lease.as_secs_f64(),
                live_checks.longest_run().as_secs_f64()
            )));
        }
        let catalogues = page_catalogues(config.locales_dir.as_deref())?;
        let jobs_waiting = store.work_committed();
        Ok(AppState(Arc::new(Inner {
            store,
            clock,
            keys,
            public_url,
            // Commits that queue work wake the workers (the store does it, so no handler
            // can forget to).
            jobs_waiting,
            test_engine: TestModeEngine,
            live_checks,
            webhooks: config.webhooks.clone(),
            job_lease_millis: config.job_lease.as_millis().max(1) as i64,
            upload_gate: UploadGate::new(config.upload_limits),
            rate_limiter: crate::rate_limit::RateLimiter::new(config.rate_limits),
            retention: config.retention,
            branding,
            catalogues,
            key_uses: Default::default(),
        })))
    }

    /// Starts the job worker and the webhook delivery workers; they stop when `stop` turns
    /// true.
    fn spawn_workers(&self, stop: &watch::Receiver<bool>) -> Vec<tokio::task::JoinHandle<()>> {
        let mut workers = vec![tokio::spawn(self.clone().relay_work_signals(stop.clone()))];
        // One job worker per live-check thread, so that as many submissions are checked at
        // once as the pool can take; redactions and test-mode results go through any.
        for _ in 0..self.live_checks().concurrency() {
            workers.push(tokio::spawn(self.worker().run(stop.clone())));
        }
        for _ in 0..self.webhook_config().concurrency.max(1) {
            let delivery = self.delivery_worker();
            workers.push(tokio::spawn(
                delivery.run(self.0.jobs_waiting.clone(), stop.clone()),
            ));
        }
        workers
    }
}

impl AppState {
    /// On PostgreSQL, wakes this process's workers whenever any process commits queued work
    /// (so a job queued by an API-only process starts at once rather than at the next poll).
    /// Returns at once on SQLite.
    async fn relay_work_signals(self, mut stop: watch::Receiver<bool>) {
        let mut listener = match self.store().work_listener().await {
            Ok(Some(listener)) => listener,
            Ok(None) => return,
            Err(error) => {
                tracing::warn!(%error, "cannot listen for work signals; workers will poll");
                return;
            }
        };
        loop {
            tokio::select! {
                signal = listener.next() => match signal {
                    Ok(()) => self.notify_jobs(),
                    Err(error) => {
                        tracing::warn!(%error, "work signal listener failed; retrying");
                        tokio::time::sleep(std::time::Duration::from_secs(1)).await;
                    }
                },
                _ = stop.changed() => return,
            }
        }
    }
}

/// Runs only the background workers — jobs and webhook deliveries, no HTTP — until Ctrl-C
/// or SIGTERM (`verifyd worker`). The public URL must be the API processes' own: events
/// carry sessions' `url`.
pub async fn run_workers_until_stopped(config: ServerConfig) -> Result<(), BuildError> {
    let store = Store::connect(&config.database).await?;
    let public_url = config
        .public_url
        .clone()
        .unwrap_or_else(|| format!("http://{}", config.listen))
        .trim_end_matches('/')
        .to_owned();
    let state = AppState::new(
        store,
        Arc::new(SystemClock),
        KeyRing::from_configured(&[]).map_err(BuildError::Config)?,
        public_url,
        // Workers draw no pages.
        Branding::default(),
        &config,
    )?;
    let (stop_tx, stop_rx) = watch::channel(false);
    let workers = state.spawn_workers(&stop_rx);
    tracing::info!("verifyd workers running");
    shutdown_signal().await;
    let _ = stop_tx.send(true);
    for worker in workers {
        let _ = worker.await;
    }
    state.store().close().await;
    Ok(())
}

/// A built, bound, not yet running verifyd.
pub struct Application {
    listener: TcpListener,
    local_addr: SocketAddr,
    state: AppState,
    run_workers: bool,
    http_timeouts: crate::serve::HttpTimeouts,
}

impl Application {
    pub async fn build(config: ServerConfig) -> Result<Self, BuildError> {
        Self::build_with_clock(config, Arc::new(SystemClock)).await
    }

    pub async fn build_with_clock(
        config: ServerConfig,
        clock: Arc<dyn Clock>,
    ) -> Result<Self, BuildError> {
        let keys = KeyRing::from_configured(&config.api_keys).map_err(BuildError::Config)?;
        let branding = Branding::from_config(&config.branding).map_err(BuildError::Config)?;
        let store = Store::connect(&config.database).await?;
        if store.backend() == verifyd_store::Backend::Sqlite {
            // One process owns a SQLite database: claims left in flight are from a crash.
            let freed = store.release_in_flight_claims().await?;
            if freed > 0 {
                tracing::info!(
                    claims = freed,
                    "freed idempotency keys left in flight by a crash"
                );
            }
        }
        let listener = TcpListener::bind(&config.listen)
            .await
            .map_err(|e| BuildError::Bind(config.listen.clone(), e))?;
        let local_addr = listener
            .local_addr()
            .map_err(|e| BuildError::Bind(config.listen.clone(), e))?;
        let public_url = match &config.public_url {
            Some(url) => url.trim_end_matches('/').to_owned(),
            None => {
                let mut addr = local_addr;
                if addr.ip().is_unspecified() {
                    addr.set_ip(std::net::Ipv4Addr::LOCALHOST.into());
                }
                format!("http://{addr}")
            }
        };
        let state = AppState::new(store, clock, keys, public_url, branding, &config)?;
        Ok(Self {
            listener,
            local_addr,
            state,
            run_workers: config.run_workers,
            http_timeouts: config.http_timeouts,
        })
    }

    pub fn local_addr(&self) -> SocketAddr {
        self.local_addr
    }

    pub fn port(&self) -> u16 {
        self.local_addr.port()
    }

    pub fn state(&self) -> AppState {
        self.state.clone()
    }

    /// Serves until `shutdown` resolves, then stops the workers and closes the database.
    pub async fn run_until(
        self,
        shutdown: impl std::future::Future<Output = ()> + Send + 'static,
    ) -> std::io::Result<()> {
        let (stop_tx, stop_rx) = watch::channel(false);
        let workers = if self.run_workers {
            self.state.spawn_workers(&stop_rx)
        } else {
            Vec::new()
        };
        let router = routes::router(self.state.clone());
        let served = crate::serve::serve(self.listener, router, self.http_timeouts, shutdown).await;
        let _ = stop_tx.send(true);
        for worker in workers {
            let _ = worker.await;
        }
        self.state.store().close().await;
        served
    }

    /// Serves until Ctrl-C or SIGTERM.
    pub async fn run_until_stopped(self) -> std::io::Result<()> {
        self.run_until(shutdown_signal()).await
    }
}

async fn shutdown_signal() {
    let ctrl_c = async {
        let _ = tokio::signal::ctrl_c().await;
    };
    #[cfg(unix)]
    let terminate = async {
        match tokio::signal::unix::signal(tokio::signal::unix::SignalKind::terminate()) {
            Ok(mut signal) => {
                signal.recv().await;
            }
            Err(_) => std::future::pending::<()>().await,
        }
    };
    #[cfg(not(unix))]
    let terminate = std::future::pending::<()>();
    tokio::select! {
        _ = ctrl_c => {},
        _ = terminate => {},
    }
}
