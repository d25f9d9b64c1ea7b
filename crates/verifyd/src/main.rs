//! The `verifyd` binary: command-line parsing, logging setup and wiring. Thin on purpose:
//! serving lives in `verifyd-server`, storage in `verifyd-store`, rules in `verifyd-core`.

use clap::{Args, Parser, Subcommand, ValueEnum};
use std::collections::BTreeSet;
use std::process::ExitCode;
use tracing_subscriber::EnvFilter;
use verifyd_core::keys::{
    format_permissions, generate_key, mask_key, parse_permissions, KeyKind, Permission,
};
use verifyd_core::{random_base62, Clock, SystemClock};
use verifyd_server::{Application, ServerConfig};
use verifyd_store::{hash_key, Store, StoreOptions, StoredKey, DEFAULT_DATABASE_URL};

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
    /// Database URL: sqlite://PATH (created if missing).
    #[arg(long = "database", env = "VERIFYD_DATABASE_URL", default_value = DEFAULT_DATABASE_URL)]
    url: String,
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
        /// Serve the API only; run no background workers in this process.
        #[arg(long)]
        no_worker: bool,
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
        /// identity.sensitive_verification_results:read). Also available:
        /// identity.verification_sessions:write.
        #[arg(long)]
        permissions: Option<String>,
    },
}

fn init_logging() {
    tracing_subscriber::fmt()
        .with_env_filter(
            EnvFilter::try_from_default_env().unwrap_or_else(|_| EnvFilter::new("info")),
        )
        .with_writer(std::io::stderr)
        .init();
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
        } => {
            serve(
                database, listen, public_url, api_keys, no_migrate, no_worker,
            )
            .await
        }
        Command::Migrate { database } => migrate(database).await,
        Command::Keys {
            command:
                KeysCommand::Create {
                    database,
                    mode,
                    key_type,
                    permissions,
                },
        } => create_key(database, mode, key_type, permissions).await,
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(message) => {
            eprintln!("verifyd: {message}");
            ExitCode::FAILURE
        }
    }
}

async fn serve(
    database: DatabaseArg,
    listen: String,
    public_url: Option<String>,
    api_keys: Vec<String>,
    no_migrate: bool,
    no_worker: bool,
) -> Result<(), String> {
    let mut config = ServerConfig::new(listen, database.url);
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

async fn migrate(database: DatabaseArg) -> Result<(), String> {
    let store = Store::connect(&StoreOptions::new(database.url))
        .await
        .map_err(|e| e.to_string())?;
    store.migrate().await.map_err(|e| e.to_string())?;
    store.close().await;
    tracing::info!("migrations applied");
    Ok(())
}

async fn create_key(
    database: DatabaseArg,
    mode: Mode,
    key_type: KeyType,
    permissions: Option<String>,
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
    let livemode = matches!(mode, Mode::Live);
    let key = generate_key(kind, livemode);
    let store = Store::connect(&StoreOptions::new(database.url))
        .await
        .map_err(|e| e.to_string())?;
    let record = StoredKey {
        id: format!("key_{}", random_base62(24)),
        livemode,
        kind: kind.as_str().to_owned(),
        permissions: format_permissions(&perms),
        masked: mask_key(&key),
    };
    let mut tx = store.begin().await.map_err(|e| e.to_string())?;
    tx.insert_key(&record, &hash_key(&key), SystemClock.now_seconds())
        .await
        .map_err(|e| e.to_string())?;
    tx.commit().await.map_err(|e| e.to_string())?;
    store.close().await;
    println!("{key}");
    Ok(())
}
