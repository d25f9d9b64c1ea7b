//! verifyd-bench: the pieces of the load benchmark that `bench/run.sh` drives.
//! - `load`: a closed-loop HTTP load generator (N connections, fixed duration) printing
//!   throughput and latency percentiles as JSON;
//! - `http-ceiling`: the smallest axum server answering GET and POST with a fixed
//!   session-sized JSON body — the HTTP ceiling on this machine;
//! - `sqlite-ceiling`: bare SQLite inserts with `synchronous=FULL`, one row per transaction
//!   and in batches — the durable-write ceiling;
//! - `seed`: fills a database with N sessions in batches through the store API;
//! - `flow` and `webhooks`: end-to-end scenarios through the test helpers and a local
//!   webhook receiver;
//! - live document checks (scenario 7, in `run`): hosted-page flows in live mode with real
//!   document photos, check latency and throughput, and retrieve p99 with and without
//!   checks running.
//!
//! Timings live here and in bench/RESULTS.md, never in tests.

mod abuse;
mod live;
mod load;
mod run;
mod scenarios;

use clap::{Parser, Subcommand};

#[derive(Parser)]
#[command(name = "verifyd-bench")]
struct Cli {
    #[command(subcommand)]
    command: Cmd,
}

#[derive(Subcommand)]
enum Cmd {
    /// Run every scenario and both ceilings; print the table and write JSON.
    Run(run::RunArgs),
    /// Drive HTTP load and print a JSON result line.
    Load(load::LoadArgs),
    /// Serve a fixed JSON body on ADDR (GET and POST).
    HttpCeiling {
        #[arg(long)]
        listen: String,
    },
    /// Measure durable SQLite inserts in PATH.
    SqliteCeiling {
        #[arg(long)]
        path: String,
        #[arg(long, default_value_t = 5)]
        seconds: u64,
    },
    /// Insert N sessions into the database at URL (test mode, mixed statuses).
    Seed {
        #[arg(long)]
        database: String,
        #[arg(long)]
        count: u64,
    },
    /// Sessions per second through create → process → verify.
    Flow(scenarios::FlowArgs),
    /// Webhook deliveries per second and status-change-to-delivery lag.
    Webhooks(scenarios::WebhookArgs),
    /// Upload floods, stalled uploads and slowloris against a fresh verifyd; prints JSON.
    Abuse {
        #[arg(long)]
        verifyd: std::path::PathBuf,
        #[arg(long)]
        workdir: std::path::PathBuf,
        /// Fewer connections.
        #[arg(long)]
        smoke: bool,
    },
}

#[tokio::main]
async fn main() {
    let cli = Cli::parse();
    let result = match cli.command {
        Cmd::Run(args) => run::run(args).await,
        Cmd::Load(args) => load::run(args).await,
        Cmd::HttpCeiling { listen } => scenarios::http_ceiling(&listen).await,
        Cmd::SqliteCeiling { path, seconds } => scenarios::sqlite_ceiling(&path, seconds).await,
        Cmd::Seed { database, count } => scenarios::seed(&database, count).await,
        Cmd::Flow(args) => scenarios::flow(args).await,
        Cmd::Webhooks(args) => scenarios::webhooks(args).await,
        Cmd::Abuse {
            verifyd,
            workdir,
            smoke,
        } => abuse::abuse_measure(&verifyd, &workdir, smoke)
            .await
            .map(|report| println!("{report:#}")),
    };
    if let Err(message) = result {
        eprintln!("verifyd-bench: {message}");
        std::process::exit(1);
    }
}
