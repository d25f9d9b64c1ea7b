//! The `verifyd` binary: command-line parsing, logging setup and wiring. Thin on purpose:
//! serving lives in `verifyd-server`, storage in `verifyd-store`, rules in `verifyd-core`.

mod listen;

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::collections::BTreeSet;
use std::process::ExitCode;
use std::sync::Arc;
use tracing_subscriber::EnvFilter;
use verifyd_checks::LivePolicy;
use verifyd_core::keys::{
    format_permissions, generate_key, mask_key, parse_permissions, KeyKind, Permission,
};
use verifyd_core::{random_base62, Clock, SystemClock};
use verifyd_server::app::Retention;
use verifyd_server::branding::BrandingConfig;
use verifyd_server::external_verifier::ExternalVerifierConfig;
use verifyd_server::live_checks::LiveChecksConfig;
use verifyd_server::pages::upload_gate::UploadLimits;
use verifyd_server::rate_limit::RateLimits;
use verifyd_server::webhooks::delivery::{parse_schedule, WebhookConfig};
use verifyd_server::{Application, ServerConfig};
use verifyd_store::{
    generate_master_key, hash_key, MasterKeySource, Store, StoreOptions, StoredKey,
    DEFAULT_DATABASE_URL,
};
use verifyd_vision::LazyDocumentReader;

#[derive(Parser)]
#[command(
    name = "verifyd",
    version,
    about = "A self-hosted server that speaks Stripe Identity's VerificationSession API"
)]
struct Cli {
    #[command(subcommand)]
    command: Command,
}

#[derive(Args, Clone)]
struct DatabaseArg {
    /// Database URL: sqlite://PATH (created if missing) or postgres://USER@HOST:PORT/DATABASE.
    #[arg(long = "database", env = "VERIFYD_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    url: String,
    /// PostgreSQL: connections in each of this process's two pools (transactions, reads).
    #[arg(long, env = "VERIFYD_DB_POOL_SIZE", default_value_t = 10)]
    db_pool_size: u32,
    /// PostgreSQL: cancel any statement running longer than this many seconds.
    #[arg(long, env = "VERIFYD_DB_STATEMENT_TIMEOUT", default_value_t = 30)]
    db_statement_timeout: u64,
    /// Times verifyd's own transactions (job and delivery claims, idempotency keys) are run
    /// again after a serialization failure or deadlock.
    #[arg(long, env = "VERIFYD_DB_CONTENTION_RETRIES", default_value_t = 3)]
    db_contention_retries: u32,
    /// File of the master keys that seal personal data at rest (created, mode 0600, with a
    /// new key when absent). Default for SQLite: beside the database (<file>.master-key).
    /// Keep it apart from the database's backups. See docs/security.md.
    #[arg(long, env = "VERIFYD_MASTER_KEY_FILE")]
    master_key_file: Option<std::path::PathBuf>,
    /// The master keys themselves (base64, current first, comma-separated), instead of a file.
    #[arg(
        long = "master-key",
        env = "VERIFYD_MASTER_KEY",
        hide_env_values = true
    )]
    master_key: Option<String>,
    /// A shell command that prints the master keys (e.g. one that asks a KMS), instead of a
    /// file.
    #[arg(long, env = "VERIFYD_MASTER_KEY_COMMAND")]
    master_key_command: Option<String>,
}

impl DatabaseArg {
    fn options(&self) -> Result<StoreOptions, String> {
        let mut options = StoreOptions::new(self.url.clone());
        options.pool_size = self.db_pool_size.max(1);
        options.statement_timeout =
            std::time::Duration::from_secs(self.db_statement_timeout.max(1));
        options.contention_retries = self.db_contention_retries;
        options.master_key =
            match (
                &self.master_key_file,
                &self.master_key,
                &self.master_key_command,
            ) {
                (None, None, None) => MasterKeySource::Default,
                (Some(path), None, None) => MasterKeySource::File(path.clone()),
                (None, Some(keys), None) => MasterKeySource::Value(keys.clone()),
                (None, None, Some(command)) => MasterKeySource::Command(command.clone()),
                _ => return Err(
                    "give only one of --master-key-file, --master-key (VERIFYD_MASTER_KEY) and \
                     --master-key-command"
                        .into(),
                ),
            };
        Ok(options)
    }
}

/// How the background workers behave (for `serve` without `--no-worker`, and `worker`).
#[derive(Args, Clone)]
struct WorkerArgs {
    /// Seconds a claimed job (processing, redaction) stays with its worker; if the process
    /// dies, another process runs the job after this.
    #[arg(long, env = "VERIFYD_JOB_LEASE", default_value_t = 120)]
    job_lease: u64,
    /// Seconds a claimed batch of webhook deliveries stays with its worker; if the process
    /// dies, another sends them after this. Keep it well above --webhook-timeout.
    #[arg(long, env = "VERIFYD_WEBHOOK_LEASE", default_value_t = 120)]
    webhook_lease: u64,
    /// Timeout of one webhook delivery attempt, in seconds.
    #[arg(long, env = "VERIFYD_WEBHOOK_TIMEOUT", default_value_t = 10)]
    webhook_timeout: u64,
    /// Delays before each webhook retry in test mode, in seconds (comma-separated).
    #[arg(long, env = "VERIFYD_WEBHOOK_RETRIES_TEST")]
    webhook_retries_test: Option<String>,
    /// Delays before each webhook retry in live mode, in seconds (comma-separated).
    #[arg(long, env = "VERIFYD_WEBHOOK_RETRIES_LIVE")]
    webhook_retries_live: Option<String>,
    /// Let live-mode webhooks go to private, loopback and link-local addresses.
    #[arg(long, env = "VERIFYD_WEBHOOK_ALLOW_PRIVATE")]
    webhook_allow_private: bool,
    /// Hours after which the bytes of an upload that no submission used are erased (an
    /// attempt lasts at most 48 hours).
    #[arg(long, env = "VERIFYD_UPLOAD_RETENTION_HOURS", default_value_t = 48)]
    upload_retention_hours: u64,
    /// Redact every session automatically once it is this many days old (default: never).
    #[arg(long, env = "VERIFYD_REDACT_AFTER_DAYS")]
    redact_after_days: Option<u64>,
}

impl WorkerArgs {
    fn retention(&self) -> Result<Retention, String> {
        if self.upload_retention_hours == 0 {
            return Err("--upload-retention-hours must be at least 1".into());
        }
        if self.redact_after_days == Some(0) {
            return Err("--redact-after-days must be at least 1".into());
        }
        Ok(Retention {
            unsubmitted_uploads: std::time::Duration::from_secs(self.upload_retention_hours * 3600),
            sessions: self
                .redact_after_days
                .map(|days| std::time::Duration::from_secs(days * 86_400)),
        })
    }
}

/// How the hosted page's image uploads are limited (for `serve`).
#[derive(Args, Clone)]
struct UploadArgs {
    /// Image uploads read at once by this process (each holds up to 10 MB while it is
    /// read and checked); more wait up to 15 seconds for a place, then are asked to try
    /// again.
    #[arg(long, env = "VERIFYD_MAX_CONCURRENT_UPLOADS", default_value_t = 4)]
    max_concurrent_uploads: usize,
    /// Seconds an upload may pause between two pieces of its body.
    #[arg(long, env = "VERIFYD_UPLOAD_IDLE_TIMEOUT", default_value_t = 20)]
    upload_idle_timeout: u64,
    /// Seconds an upload's whole body may take to arrive.
    #[arg(long, env = "VERIFYD_UPLOAD_TIMEOUT", default_value_t = 120)]
    upload_timeout: u64,
}

impl UploadArgs {
    fn limits(&self) -> UploadLimits {
        UploadLimits {
            concurrent: self.max_concurrent_uploads.max(1),
            idle: std::time::Duration::from_secs(self.upload_idle_timeout.max(1)),
            total: std::time::Duration::from_secs(self.upload_timeout.max(1)),
            ..UploadLimits::default()
        }
    }
}

/// The hosted pages' branding, as Stripe's branding settings, and their languages (for `serve`).
#[derive(Args, Clone)]
struct BrandingArgs {
    /// Business name shown on every hosted page and in the modal ("<name> would like to
    /// verify your identity"); 1–80 characters. Without it the pages use neutral wording.
    #[arg(long, env = "VERIFYD_BUSINESS_NAME")]
    business_name: Option<String>,
    /// Icon shown beside the business name: a PNG or JPEG file of at most 512 KB (no SVG),
    /// read once at startup. Without it the pages show verifyd's mark.
    #[arg(long, env = "VERIFYD_BUSINESS_ICON")]
    business_icon: Option<std::path::PathBuf>,
    /// Accent colour of buttons and links, #RRGGBB or #RGB (default #1f3a8a). Text colours
    /// are derived from it to keep WCAG AA contrast.
    #[arg(long, env = "VERIFYD_ACCENT_COLOR")]
    accent_color: Option<String>,
    /// A directory of your own message catalogues for the hosted pages, one Fluent file per
    /// language named by its tag (it.ftl, pt-BR.ftl): a new language must have every
    /// message of the English one; a file of a shipped language (en, fr, de, es) changes
    /// the messages it names. Checked at startup.
    #[arg(long, env = "VERIFYD_LOCALES_DIR")]
    locales_dir: Option<std::path::PathBuf>,
}

impl BrandingArgs {
    fn config(&self) -> BrandingConfig {
        BrandingConfig {
            business_name: self.business_name.clone(),
            icon: self.business_icon.clone(),
            accent_color: self.accent_color.clone(),
        }
    }
}

/// How live-mode submissions are checked (for `serve` with workers, and `worker`; `serve`
/// also uses the reader for feedback on uploads).
#[derive(Args, Clone)]
struct LiveCheckArgs {
    /// Folder holding the text-recognition models (scripts/fetch-models fills ./models).
    /// Without them, live-mode submissions fail with `document_unverified_other`.
    #[arg(long, env = "VERIFYD_MODELS_DIR", default_value = "models")]
    models_dir: std::path::PathBuf,
    /// Holders younger than this fail with `under_supported_age`.
    #[arg(long, env = "VERIFYD_AGE_OF_MAJORITY", default_value_t = 18)]
    age_of_majority: u32,
    /// Seconds the document check may spend reading one image.
    #[arg(long, env = "VERIFYD_DOCUMENT_CHECK_BUDGET", default_value_t = 20)]
    document_check_budget: u64,
    /// Seconds the hosted page may spend on the quick reading of an upload (past it, the
    /// upload is accepted and the worker decides).
    #[arg(long, env = "VERIFYD_UPLOAD_CHECK_BUDGET", default_value_t = 4)]
    upload_check_budget: u64,
    /// Threads that read images (default: one per CPU core). As many submissions are
    /// checked at once.
    #[arg(long, env = "VERIFYD_CHECK_THREADS")]
    check_threads: Option<usize>,
    /// URL of an external ID-number verifier (see docs/live-checks.md).
    #[arg(long, env = "VERIFYD_ID_VERIFIER_URL")]
    id_verifier_url: Option<String>,
    /// Shared secret that signs requests to the ID-number verifier and its answers.
    #[arg(long, env = "VERIFYD_ID_VERIFIER_SECRET", hide_env_values = true)]
    id_verifier_secret: Option<String>,
    /// Seconds to wait for the ID-number verifier.
    #[arg(long, env = "VERIFYD_ID_VERIFIER_TIMEOUT", default_value_t = 5)]
    id_verifier_timeout: u64,
    /// An ID number passes only when the external verifier confirms it.
    #[arg(long, env = "VERIFYD_REQUIRE_ID_VERIFIER")]
    require_id_verifier: bool,
}

impl LiveCheckArgs {
    fn config(&self) -> Result<LiveChecksConfig, String> {
        if self.age_of_majority == 0 || self.age_of_majority > 30 {
            return Err("--age-of-majority must be between 1 and 30".into());
        }
        if self.document_check_budget == 0 || self.upload_check_budget == 0 {
            return Err(
                "--document-check-budget and --upload-check-budget must be at least 1 second"
                    .into(),
            );
        }
        if self.check_threads == Some(0) {
            return Err("--check-threads must be at least 1".into());
        }
        let external_verifier = match (&self.id_verifier_url, &self.id_verifier_secret) {
            (Some(url), Some(secret)) => Some(ExternalVerifierConfig {
                url: url.clone(),
                secret: secret.clone(),
                timeout: std::time::Duration::from_secs(self.id_verifier_timeout.max(1)),
            }),
            (None, None) => None,
            _ => return Err("--id-verifier-url and --id-verifier-secret go together".into()),
        };
        if self.require_id_verifier && external_verifier.is_none() {
            return Err(
                "--require-id-verifier needs --id-verifier-url and --id-verifier-secret".into(),
            );
        }
        let mut config = LiveChecksConfig {
            policy: LivePolicy {
                age_of_majority: self.age_of_majority,
                require_external_id_check: self.require_id_verifier,
                external_id_check_available: external_verifier.is_some(),
            },
            document_budget: std::time::Duration::from_secs(self.document_check_budget),
            upload_budget: std::time::Duration::from_secs(self.upload_check_budget),
            external_verifier,
            ..LiveChecksConfig::default()
        };
        if let Some(threads) = self.check_threads {
            config.threads = threads;
        }
        match LazyDocumentReader::new(&self.models_dir) {
            Ok(reader) => {
                let reader = Arc::new(reader);
                let warming = reader.clone();
                // Load the models in the background: serving starts at once, and the first
                // live upload does not wait for them.
                let _ = std::thread::Builder::new()
                    .name("verifyd-load-models".into())
                    .spawn(move || warming.warm());
                config.vision = Some(reader);
            }
            Err(error) => {
                tracing::warn!(%error, "live document checks are unavailable: live-mode submissions will fail with document_unverified_other");
                config.unavailable_reason = Some(
                    "Live document checks are not available on this verifyd server (its models are not installed), so the submission could not be verified."
                        .into(),
                );
            }
        }
        Ok(config)
    }
}

#[derive(Subcommand)]
enum Command {
    /// Run the API server (and, unless told not to, the background workers).
    Serve {
        #[command(flatten)]
        database: DatabaseArg,
        /// Address to listen on.
        #[arg(long, env = "VERIFYD_LISTEN", default_value = "127.0.0.1:12111")]
        listen: String,
        /// Public base URL for the verification links handed to end users
        /// (default: http://<listen address>).
        #[arg(long, env = "VERIFYD_PUBLIC_URL")]
        public_url: Option<String>,
        /// Fixed API keys to accept besides those created with `keys create` (comma-separated).
        #[arg(
            long = "api-key",
            env = "VERIFYD_API_KEYS",
            value_delimiter = ',',
            hide_env_values = true
        )]
        api_keys: Vec<String>,
        /// Do not apply pending migrations on start.
        #[arg(long)]
        no_migrate: bool,
        /// Serve the API only; run no background workers in this process (run them with
        /// `verifyd worker`).
        #[arg(long)]
        no_worker: bool,
        #[command(flatten)]
        uploads: UploadArgs,
        #[command(flatten)]
        branding: BrandingArgs,
        /// Live-mode API requests per second allowed to each key (Stripe's rate: 100);
        /// more get Stripe's 429 `rate_limit`. 0 turns the limit off.
        #[arg(long, env = "VERIFYD_RATE_LIMIT_LIVE", default_value_t = 100)]
        rate_limit_live: u32,
        /// The same for test-mode keys (default 0: no limit).
        #[arg(long, env = "VERIFYD_RATE_LIMIT_TEST", default_value_t = 0)]
        rate_limit_test: u32,
        /// Seconds a connection gets to send a request's head (also the longest a kept-alive
        /// connection may stay idle); slower connections are closed.
        #[arg(long, env = "VERIFYD_HEADER_READ_TIMEOUT", default_value_t = 30)]
        header_read_timeout: u64,
        #[command(flatten)]
        webhooks: WorkerArgs,
        #[command(flatten)]
        live: LiveCheckArgs,
    },
    /// Run only the background workers (processing, redaction, webhook delivery), no API.
    /// Any number of worker and serve processes may share one PostgreSQL database.
    Worker {
        #[command(flatten)]
        database: DatabaseArg,
        /// The public base URL the API processes hand to end users (events carry sessions'
        /// `url`); default http://127.0.0.1:12111.
        #[arg(long, env = "VERIFYD_PUBLIC_URL")]
        public_url: Option<String>,
        /// Do not apply pending migrations on start.
        #[arg(long)]
        no_migrate: bool,
        #[command(flatten)]
        webhooks: WorkerArgs,
        #[command(flatten)]
        live: LiveCheckArgs,
    },
    /// Forward new events of a running verifyd to a local URL, signed (like `stripe listen`).
    Listen {
        /// Where to POST each event, e.g. http://localhost:4242/webhook.
        #[arg(long)]
        forward_to: Option<String>,
        /// Only these event types (comma-separated).
        #[arg(long, value_delimiter = ',')]
        events: Vec<String>,
        /// The secret API key whose mode's events to follow.
        #[arg(long, env = "VERIFYD_API_KEY", hide_env_values = true)]
        api_key: String,
        /// Base URL of the running verifyd.
        #[arg(
            long,
            env = "VERIFYD_API_BASE",
            default_value = "http://127.0.0.1:12111"
        )]
        api_base: String,
        /// Print this listener's signing secret and exit.
        #[arg(long)]
        print_secret: bool,
        /// How often to look for new events, in milliseconds.
        #[arg(long, default_value_t = 250)]
        poll_interval_ms: u64,
    },
    /// Apply pending database migrations and exit.
    Migrate {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Manage API keys.
    Keys {
        #[command(subcommand)]
        command: KeysCommand,
    },
    /// Show the audit log: key changes and reads of sensitive verification results.
    Audit {
        #[command(flatten)]
        database: DatabaseArg,
        /// How many entries, newest first.
        #[arg(long, default_value_t = 50)]
        limit: u32,
    },
    /// Manage the master keys that seal personal data at rest (see docs/security.md).
    MasterKey {
        #[command(subcommand)]
        command: MasterKeyCommand,
    },
}

#[derive(Subcommand)]
enum MasterKeyCommand {
    /// Print a new master key (base64 of 32 random bytes) on stdout, once.
    Generate,
    /// Show the configured master keys and how many data keys each wraps.
    Status {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Wrap every data key under the current (first) master key, while verifyd keeps
    /// running. Afterwards the older keys can be removed.
    Rotate {
        #[command(flatten)]
        database: DatabaseArg,
    },
}

#[derive(Clone, Copy, ValueEnum)]
enum Mode {
    Test,
    Live,
}

#[derive(Clone, Copy, ValueEnum)]
enum KeyType {
    Secret,
    Restricted,
    Publishable,
}

#[derive(Subcommand)]
enum KeysCommand {
    /// Create an API key and print it (once) on stdout.
    Create {
        #[command(flatten)]
        database: DatabaseArg,
        /// Test or live mode.
        #[arg(long, value_enum)]
        mode: Mode,
        /// Kind of key.
        #[arg(long = "type", value_enum, default_value = "secret")]
        key_type: KeyType,
        /// For restricted keys: comma-separated permissions, replacing the default
        /// (identity.verification_sessions:read, identity.verification_reports:read,
        /// identity.recent_sensitive_verification_results:read). Also available:
        /// identity.verification_sessions:write, identity.all_sensitive_verification_results:read,
        /// events:read, webhook_endpoints:write.
        #[arg(long)]
        permissions: Option<String>,
        /// Make the key stop working this many days from now (default: never).
        #[arg(long)]
        expires_in_days: Option<u64>,
    },
    /// List the keys (ids, mode, type, masked key, created, last used, expiry, status).
    List {
        #[command(flatten)]
        database: DatabaseArg,
    },
    /// Replace a key with a new one of the same mode, type and permissions, printed once; the
    /// old key keeps working for the grace period, then expires (like Stripe's roll).
    Roll {
        #[command(flatten)]
        database: DatabaseArg,
        /// The key to roll (its id, `key_…`, from `verifyd keys list`).
        id: String,
        /// Hours the old key keeps working (0: it stops now).
        #[arg(long, default_value_t = 0)]
        grace_hours: u64,
    },
    /// Stop a key now, everywhere (every process notices within 5 seconds).
    Revoke {
        #[command(flatten)]
        database: DatabaseArg,
        /// The key to revoke (its id, `key_…`).
        id: String,
    },
}

fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
    // A panic's message can quote the data it was handling (a string slice that missed a
    // character boundary prints the string: possibly a name from a document). Log where
    // it happened and on which thread, never its message.
    std::panic::set_hook(Box::new(|info| {
        let thread = std::thread::current();
        let location = info
            .location()
            .map(|l| format!("{}:{}", l.file(), l.line()))
            .unwrap_or_default();
        tracing::error!(
            thread = thread.name().unwrap_or("unnamed"),
            %location,
            "panic (its message is not logged: it may contain personal data)"
        );
    }));
}

#[tokio::main]
async fn main() -> ExitCode {
    init_logging();
    let cli = Cli::parse();
    let result = match cli.command {
        Command::Serve {
            database,
            listen,
            public_url,
            api_keys,
            no_migrate,
            no_worker,
            uploads,
            branding,
            rate_limit_live,
            rate_limit_test,
            header_read_timeout,
            webhooks,
            live,
        } => match (
            webhook_config(&webhooks),
            live.config(),
            webhooks.retention(),
        ) {
            (Ok(config), Ok(live), Ok(retention)) => {
                serve(
                    database,
                    listen,
                    public_url,
                    api_keys,
                    (no_migrate, no_worker),
                    (
                        uploads.limits(),
                        RateLimits {
                            live_per_second: rate_limit_live,
                            test_per_second: rate_limit_test,
                        },
                        std::time::Duration::from_secs(header_read_timeout.max(1)),
                        (branding.config(), branding.locales_dir.clone()),
                    ),
                    (config, webhooks.job_lease, live, retention),
                )
                .await
            }
            (Err(message), _, _) | (_, Err(message), _) | (_, _, Err(message)) => Err(message),
        },
        Command::Worker {
            database,
            public_url,
            no_migrate,
            webhooks,
            live,
        } => match (
            webhook_config(&webhooks),
            live.config(),
            webhooks.retention(),
        ) {
            (Ok(config), Ok(live), Ok(retention)) => {
                worker(
                    database,
                    public_url,
                    no_migrate,
                    (config, webhooks.job_lease, live, retention),
                )
                .await
            }
            (Err(message), _, _) | (_, Err(message), _) | (_, _, Err(message)) => Err(message),
        },
        Command::Listen {
            forward_to,
            events,
            api_key,
            api_base,
            print_secret,
            poll_interval_ms,
        } => match (forward_to, print_secret) {
            (None, false) => Err("listen needs --forward-to URL (or --print-secret)".into()),
            (forward_to, _) => {
                listen::run(listen::ListenOptions {
                    forward_to: forward_to.unwrap_or_default(),
                    events,
                    api_key,
                    api_base,
                    print_secret,
                    poll_interval: std::time::Duration::from_millis(poll_interval_ms.max(10)),
                })
                .await
            }
        },
        Command::Migrate { database } => migrate(database).await,
        Command::Keys { command } => keys(command).await,
        Command::Audit { database, limit } => audit(database, limit).await,
        Command::MasterKey { command } => master_key(command).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("verifyd: {message}");
            ExitCode::FAILURE
        }
    }
}

fn webhook_config(args: &WorkerArgs) -> Result<WebhookConfig, String> {
    if args.webhook_lease <= args.webhook_timeout {
        return Err("--webhook-lease must be longer than --webhook-timeout".into());
    }
    let mut config = WebhookConfig {
        timeout: std::time::Duration::from_secs(args.webhook_timeout.max(1)),
        lease: std::time::Duration::from_secs(args.webhook_lease),
        allow_private_in_live: args.webhook_allow_private,
        ..WebhookConfig::default()
    };
    if let Some(raw) = &args.webhook_retries_test {
        config.test_schedule =
            parse_schedule(raw).map_err(|e| format!("--webhook-retries-test: {e}"))?;
    }
    if let Some(raw) = &args.webhook_retries_live {
        config.live_schedule =
            parse_schedule(raw).map_err(|e| format!("--webhook-retries-live: {e}"))?;
    }
    Ok(config)
}

async fn serve(
    database: DatabaseArg,
    listen: String,
    public_url: Option<String>,
    api_keys: Vec<String>,
    (no_migrate, no_worker): (bool, bool),
    (upload_limits, rate_limits, header_read_timeout, (branding, locales_dir)): (
        UploadLimits,
        RateLimits,
        std::time::Duration,
        (BrandingConfig, Option<std::path::PathBuf>),
    ),
    (webhooks, job_lease, live, retention): (WebhookConfig, u64, LiveChecksConfig, Retention),
) -> Result<(), String> {
    let mut config = ServerConfig::new(listen, database.url.clone());
    config.branding = branding;
    config.locales_dir = locales_dir;
    config.upload_limits = upload_limits;
    config.rate_limits = rate_limits;
    config.retention = retention;
    config.http_timeouts.header_read = header_read_timeout;
    config.live_checks = live;
    config.database = database.options()?;
    config.webhooks = webhooks;
    config.job_lease = std::time::Duration::from_secs(job_lease.max(1));
    config.public_url = public_url;
    config.api_keys = api_keys
        .into_iter()
        .filter(|k| !k.trim().is_empty())
        .collect();
    config.database.migrate = !no_migrate;
    config.run_workers = !no_worker;
    let app = Application::build(config)
        .await
        .map_err(|e| e.to_string())?;
    tracing::info!(address = %app.local_addr(), public_url = %app.state().public_url(), "verifyd listening");
    app.run_until_stopped().await.map_err(|e| e.to_string())
}

async fn worker(
    database: DatabaseArg,
    public_url: Option<String>,
    no_migrate: bool,
    (webhooks, job_lease, live, retention): (WebhookConfig, u64, LiveChecksConfig, Retention),
) -> Result<(), String> {
    let mut config = ServerConfig::new("127.0.0.1:12111", database.url.clone());
    config.retention = retention;
    config.live_checks = live;
    config.database = database.options()?;
    config.database.migrate = !no_migrate;
    config.public_url = public_url;
    config.webhooks = webhooks;
    config.job_lease = std::time::Duration::from_secs(job_lease.max(1));
    verifyd_server::run_workers_until_stopped(config)
        .await
        .map_err(|e| e.to_string())
}

async fn migrate(database: DatabaseArg) -> Result<(), String> {
    let store = Store::connect(&database.options()?)
        .await
        .map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    store.close().await;
    tracing::info!("migrations applied");
    Ok(())
}

async fn keys(command: KeysCommand) -> Result<(), String> {
    match command {
        KeysCommand::Create {
            database,
            mode,
            key_type,
            permissions,
            expires_in_days,
        } => create_key(database, mode, key_type, permissions, expires_in_days).await,
        KeysCommand::List { database } => list_keys(database).await,
        KeysCommand::Roll {
            database,
            id,
            grace_hours,
        } => roll_key(database, &id, grace_hours).await,
        KeysCommand::Revoke { database, id } => revoke_key(database, &id).await,
    }
}

async fn open_store(database: &DatabaseArg) -> Result<Store, String> {
    Store::connect(&database.options()?)
        .await
        .map_err(|e| e.to_string())
}

/// Inserts a new key like `template` (mode, kind, permissions, expiry) in `tx` and returns
/// the key's secret text (to be printed once, after the commit).
async fn insert_new_key(
    tx: &mut verifyd_store::Tx,
    template: &StoredKey,
    kind: KeyKind,
    now: i64,
) -> Result<(String, String), String> {
    let key = generate_key(kind, template.livemode);
    let record = StoredKey {
        id: format!("key_{}", random_base62(24)),
        masked: mask_key(&key),
        created: now,
        ..template.clone()
    };
    tx.insert_key(&record, &hash_key(&key), now)
        .await
        .map_err(|e| e.to_string())?;
    Ok((key, record.id))
}

async fn create_key(
    database: DatabaseArg,
    mode: Mode,
    key_type: KeyType,
    permissions: Option<String>,
    expires_in_days: Option<u64>,
) -> Result<(), String> {
    let kind = match key_type {
        KeyType::Secret => KeyKind::Secret,
        KeyType::Restricted => KeyKind::Restricted,
        KeyType::Publishable => KeyKind::Publishable,
    };
    let perms: BTreeSet<Permission> = match (kind, permissions) {
        (KeyKind::Restricted, Some(list)) => {
            parse_permissions(&list).map_err(|bad| format!("unknown permission {bad:?}"))?
        }
        (KeyKind::Restricted, None) => Permission::restricted_default(),
        (_, Some(_)) => return Err("--permissions applies to restricted keys only".into()),
        (KeyKind::Secret, None) => Permission::ALL.into_iter().collect(),
        (KeyKind::Publishable, None) => BTreeSet::new(),
    };
    if expires_in_days == Some(0) {
        return Err("--expires-in-days must be at least 1".into());
    }
    let now = SystemClock.now_seconds();
    let template = StoredKey {
        livemode: matches!(mode, Mode::Live),
        kind: kind.as_str().to_owned(),
        permissions: format_permissions(&perms),
        expires_at: expires_in_days.map(|days| now + (days as i64) * 86_400),
        ..StoredKey::default()
    };
    let store = open_store(&database).await?;
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    let (key, id) = insert_new_key(&mut tx, &template, kind, now).await?;
    tx.record_audit(now, "cli", "key.created", Some(&id), None)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    store.close().await;
    println!("{key}");
    Ok(())
}

/// A Unix time as `2026-11-29T12:00:00Z`, or `-`.
fn when(seconds: Option<i64>) -> String {
    seconds
        .and_then(|s| time::OffsetDateTime::from_unix_timestamp(s).ok())
        .and_then(|t| {
            t.format(&time::format_description::well_known::Rfc3339)
                .ok()
        })
        .unwrap_or_else(|| "-".to_owned())
}

async fn list_keys(database: DatabaseArg) -> Result<(), String> {
    let store = open_store(&database).await?;
    let keys = store.list_keys().await.map_err(|e| e.to_string())?;
    store.close().await;
    let now = SystemClock.now_seconds();
    println!("ID\tMODE\tTYPE\tKEY\tCREATED\tLAST USED\tEXPIRES\tSTATUS");
    for k in keys {
        let status = if k.revoked_at.is_some() {
            "revoked"
        } else if !k.is_usable(now) {
            "expired"
        } else if k.expires_at.is_some() {
            "expiring"
        } else {
            "active"
        };
        println!(
            "{}\t{}\t{}\t{}\t{}\t{}\t{}\t{status}",
            k.id,
            if k.livemode { "live" } else { "test" },
            k.kind,
            k.masked,
            when(Some(k.created)),
            when(k.last_used_at),
            when(k.expires_at.or(k.revoked_at)),
        );
    }
    Ok(())
}

async fn roll_key(database: DatabaseArg, id: &str, grace_hours: u64) -> Result<(), String> {
    let store = open_store(&database).await?;
    let old = store
        .key_by_id(id)
        .await
        .map_err(|e| e.to_string())?
        .ok_or_else(|| format!("no key {id:?} (see `verifyd keys list`)"))?;
    let now = SystemClock.now_seconds();
    if !old.is_usable(now) {
        return Err(format!("key {id} is already revoked or expired"));
    }
    let kind = KeyKind::parse(&old.kind).ok_or("the stored key has an unknown type")?;
    let expires_at = now + (grace_hours as i64) * 3600;
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    // The new key keeps the old one's mode, type and permissions, but not its expiry.
    let template = StoredKey {
        expires_at: None,
        ..old.clone()
    };
    let (key, new_id) = insert_new_key(&mut tx, &template, kind, now).await?;
    if !tx
        .expire_key(id, expires_at)
        .await
        .map_err(|e| e.to_string())?
    {
        return Err(format!("key {id} was revoked meanwhile"));
    }
    let detail = format!(
        "rolled to {new_id}; old key expires {}",
        when(Some(expires_at))
    );
    tx.record_audit(now, "cli", "key.rolled", Some(id), Some(&detail))
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    store.close().await;
    println!("{key}");
    Ok(())
}

async fn revoke_key(database: DatabaseArg, id: &str) -> Result<(), String> {
    let store = open_store(&database).await?;
    let now = SystemClock.now_seconds();
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    if !tx.revoke_key(id, now).await.map_err(|e| e.to_string())? {
        return Err(format!("no key {id:?} that is not revoked already"));
    }
    tx.record_audit(now, "cli", "key.revoked", Some(id), None)
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    store.close().await;
    eprintln!("revoked {id}");
    Ok(())
}

async fn audit(database: DatabaseArg, limit: u32) -> Result<(), String> {
    let store = open_store(&database).await?;
    let entries = store
        .audit_log(limit.clamp(1, 10_000))
        .await
        .map_err(|e| e.to_string())?;
    store.close().await;
    println!("TIME\tACTOR\tACTION\tSUBJECT\tDETAIL");
    for e in entries {
        println!(
            "{}\t{}\t{}\t{}\t{}",
            when(Some(e.at)),
            e.actor,
            e.action,
            e.subject.unwrap_or_else(|| "-".into()),
            e.detail.unwrap_or_else(|| "-".into())
        );
    }
    Ok(())
}

async fn master_key(command: MasterKeyCommand) -> Result<(), String> {
    match command {
        MasterKeyCommand::Generate => {
            println!("{}", generate_master_key());
            Ok(())
        }
        MasterKeyCommand::Status { database } => {
            let store = Store::connect(&database.options()?)
                .await
                .map_err(|e| e.to_string())?;
            print_master_key_status(&store).await?;
            store.close().await;
            Ok(())
        }
        MasterKeyCommand::Rotate { database } => {
            let store = Store::connect(&database.options()?)
                .await
                .map_err(|e| e.to_string())?;
            let mut total = 0;
            loop {
                let done = store
                    .rewrap_data_keys(500)
                    .await
                    .map_err(|e| e.to_string())?;
                if done == 0 {
                    break;
                }
                total += done;
            }
            println!(
                "re-wrapped {total} data keys under master key {}",
                store.master_key_ids()[0]
            );
            print_master_key_status(&store).await?;
            store.close().await;
            Ok(())
        }
    }
}

/// Prints the configured master keys (ids only) and the data keys each wraps.
async fn print_master_key_status(store: &Store) -> Result<(), String> {
    let ids = store.master_key_ids();
    let uses = store.master_key_use().await.map_err(|e| e.to_string())?;
    for (i, id) in ids.iter().enumerate() {
        let count = uses
            .iter()
            .find(|u| &u.master_key_id == id)
            .map_or(0, |u| u.data_keys);
        let role = if i == 0 { "current" } else { "older" };
        println!("{id}  {role}  wraps {count} data keys");
    }
    for unknown in uses.iter().filter(|u| !ids.contains(&u.master_key_id)) {
        println!(
            "{}  NOT CONFIGURED  wraps {} data keys (unreadable without it)",
            unknown.master_key_id, unknown.data_keys
        );
    }
    Ok(())
}
