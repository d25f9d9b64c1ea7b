//! The whole benchmark in one command: ceilings first, then every verifyd scenario, each on
//! its own verifyd process (so peak RSS is per scenario); prints a table and writes JSON.
//! `--smoke` runs everything for about a second on tiny data, to keep the benchmark working
//! (the test suite runs it); its figures mean nothing.

use crate::scenarios::*;
use clap::Args;
use serde_json::{json, Value};
use std::path::PathBuf;
use std::time::Instant;

#[derive(Args)]
pub struct RunArgs {
    /// verifyd binary to measure (a release build for real figures).
    #[arg(long)]
    pub verifyd: PathBuf,
    /// Where databases live; the 1M-session database is kept and reused between runs.
    #[arg(long, default_value = "bench/data")]
    pub workdir: PathBuf,
    /// Where to write the JSON results.
    #[arg(long, default_value = "bench/results/latest.json")]
    pub out: PathBuf,
    /// Seconds per load measurement.
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    /// Seconds-long run on tiny data.
    #[arg(long)]
    pub smoke: bool,
    /// PostgreSQL server for the PostgreSQL scenario (a fresh database is made on it and
    /// dropped afterwards); default VERIFYD_TEST_POSTGRES or postgres://postgres@127.0.0.1:5432.
    #[arg(long)]
    pub postgres: Option<String>,
    /// Skip the PostgreSQL scenario.
    #[arg(long)]
    pub no_postgres: bool,
    /// Folder of the text-recognition models (scenario 7).
    #[arg(long, default_value = "models")]
    pub models_dir: PathBuf,
    /// Folder of the document photo fixtures (scenario 7).
    #[arg(long, default_value = "testdata/documents")]
    pub fixtures: PathBuf,
    /// Skip the live document checks scenario.
    #[arg(long)]
    pub no_live: bool,
}

/// Scenario 7: live document checks through the hosted page; retrieve p99 with and without
/// checks running. `None` when skipped.
async fn live_scenario(args: &RunArgs, secs: u64) -> Result<Option<Value>, String> {
    use crate::live::{checks_measure, retrieve_under_checks, Photos};
    if args.no_live {
        return Ok(None);
    }
    let photos = std::sync::Arc::new(Photos::load(&args.fixtures)?);
    let db = fresh_db(args, "live.db");
    let verifyd = Verifyd::start_live(&args.verifyd, &db, &args.models_dir).await?;
    // As many flows in flight as this machine has cores (the default check threads).
    let threads = std::thread::available_parallelism().map_or(2, |n| n.get());
    let flows = if args.smoke { 2 } else { 60 };
    let single = checks_measure(&verifyd.base, LIVE_KEY, photos.clone(), flows.min(20), 1).await?;
    let checks = checks_measure(&verifyd.base, LIVE_KEY, photos.clone(), flows, threads).await?;
    let ids = session_ids(&verifyd.base, if args.smoke { 50 } else { 1000 }).await?;
    let ids_file = args.workdir.join("ids-live.txt");
    std::fs::write(&ids_file, ids.join("\n")).map_err(|e| e.to_string())?;
    let mut retrieve = load_args(
        format!("{}/v1/identity/verification_sessions/{{id}}", verifyd.base),
        "GET",
        "",
        64,
        secs,
        "retrieve",
    );
    retrieve.ids = Some(ids_file.display().to_string());
    let under = retrieve_under_checks(&verifyd.base, LIVE_KEY, photos, retrieve, threads).await?;
    let with_selfie = std::sync::Arc::new(Photos::load_with_selfie(&args.fixtures)?);
    let selfie = checks_measure(&verifyd.base, LIVE_KEY, with_selfie, flows.min(20), 1).await?;
    let rss = verifyd.peak_rss_mb();
    verifyd.stop();
    Ok(Some(json!({
        "one_at_a_time": single,
        "concurrent": checks,
        "retrieve": under,
        "with_selfie": selfie,
        "peak_rss_mb": rss,
    })))
}

/// Create then retrieve, c=64, on a fresh PostgreSQL database. `None` when skipped.
async fn postgres_scenario(
    args: &RunArgs,
    secs: u64,
) -> Result<Option<(Value, Value, f64, f64)>, String> {
    if args.no_postgres {
        return Ok(None);
    }
    if let Some(server) = &args.postgres {
        std::env::set_var("VERIFYD_TEST_POSTGRES", server);
    }
    let server = verifyd_store::testing::postgres_server();
    use sqlx::Connection;
    if let Err(e) = sqlx::PgConnection::connect(&format!("{server}/postgres")).await {
        return Err(format!(
            "PostgreSQL at {server} unreachable ({e}); pass --no-postgres to skip"
        ));
    }
    let name = verifyd_store::testing::create_database().await;
    let outcome = create_and_retrieve(args, &format!("{server}/{name}"), secs, "ids-postgres.txt")
        .await
        .map(Some);
    verifyd_store::testing::drop_database(&name).await;
    outcome
}

/// Scenarios 1, 2 (and 6 on PostgreSQL): creates at c=64, then retrieves of 1 000 of the
/// created sessions at c=64, on a verifyd over `database_url`. Returns both results and the
/// peak RSS after each.
async fn create_and_retrieve(
    args: &RunArgs,
    database_url: &str,
    secs: u64,
    ids_name: &str,
) -> Result<(Value, Value, f64, f64), String> {
    let sessions = "/v1/identity/verification_sessions";
    let verifyd = Verifyd::start_on(&args.verifyd, database_url, true).await?;
    let create = load(load_args(
        format!("{}{sessions}", verifyd.base),
        "POST",
        "type=document",
        64,
        secs,
        "create",
    ))
    .await?;
    let rss_create = verifyd.peak_rss_mb();
    let ids = session_ids(&verifyd.base, if args.smoke { 50 } else { 1000 }).await?;
    let ids_file = args.workdir.join(ids_name);
    std::fs::write(&ids_file, ids.join("\n")).map_err(|e| e.to_string())?;
    let mut retrieve_args = load_args(
        format!("{}{sessions}/{{id}}", verifyd.base),
        "GET",
        "",
        64,
        secs,
        "retrieve",
    );
    retrieve_args.ids = Some(ids_file.display().to_string());
    let retrieve = load(retrieve_args).await?;
    let rss_retrieve = verifyd.peak_rss_mb();
    verifyd.stop();
    Ok((create, retrieve, rss_create, rss_retrieve))
}

fn fresh_db(args: &RunArgs, name: &str) -> PathBuf {
    let path = args.workdir.join(name);
    for suffix in ["", "-wal", "-shm"] {
        let _ = std::fs::remove_file(format!("{}{suffix}", path.display()));
    }
    path
}

async fn seeded_db(args: &RunArgs, name: &str, count: u64, reuse: bool) -> Result<PathBuf, String> {
    let path = args.workdir.join(name);
    let marker = args.workdir.join(format!("{name}.complete"));
    if reuse && marker.exists() && path.exists() {
        eprintln!("  reusing {} ({count} sessions)", path.display());
        return Ok(path);
    }
    let path = fresh_db(args, name);
    let _ = std::fs::remove_file(&marker);
    let started = Instant::now();
    seed(&format!("sqlite://{}", path.display()), count).await?;
    eprintln!(
        "  seeded {count} sessions in {:.1} s",
        started.elapsed().as_secs_f64()
    );
    std::fs::write(&marker, count.to_string()).map_err(|e| e.to_string())?;
    Ok(path)
}

fn row(name: &str, r: &Value, rss: f64) -> Value {
    json!({
        "scenario": name,
        "rps": r["rps"],
        "p50_ms": r["p50_ms"],
        "p99_ms": r["p99_ms"],
        "errors": r["errors"],
        "peak_rss_mb": rss,
    })
}

pub async fn run(args: RunArgs) -> Result<(), String> {
    std::fs::create_dir_all(&args.workdir).map_err(|e| e.to_string())?;
    let secs = if args.smoke { 1 } else { args.seconds };
    let sessions = "/v1/identity/verification_sessions";
    let mut rows = Vec::new();

    eprintln!("ceilings");
    let ceiling = Ceiling::start().await?;
    let ceiling_get = load(load_args(
        format!("{}/x", ceiling.base),
        "GET",
        "",
        64,
        secs,
        "ceiling GET",
    ))
    .await?;
    let ceiling_post = load(load_args(
        format!("{}/x", ceiling.base),
        "POST",
        "type=document",
        64,
        secs,
        "ceiling POST",
    ))
    .await?;
    let ceiling_rss = ceiling.peak_rss_mb();
    drop(ceiling);
    rows.push(row("http ceiling GET", &ceiling_get, ceiling_rss));
    rows.push(row("http ceiling POST", &ceiling_post, ceiling_rss));
    let sqlite = sqlite_ceiling_measure(
        &args.workdir.join("ceiling.db").display().to_string(),
        secs.min(5),
    )
    .await?;

    eprintln!("create and retrieve");
    let db = fresh_db(&args, "api.db");
    let (create, retrieve, rss_create, rss_retrieve) = create_and_retrieve(
        &args,
        &format!("sqlite://{}", db.display()),
        secs,
        "ids.txt",
    )
    .await?;
    rows.push(row("create (durable), c=64", &create, rss_create));
    rows.push(row("retrieve by id, c=64", &retrieve, rss_retrieve));

    let sizes: Vec<(u64, &str, bool)> = if args.smoke {
        vec![
            (1_000, "list-small.db", false),
            (5_000, "list-large.db", false),
        ]
    } else {
        vec![
            (10_000, "list-10k.db", false),
            (1_000_000, "list-1m.db", true),
        ]
    };
    let mut list_p99 = Vec::new();
    for (count, name, reuse) in sizes {
        eprintln!("list at {count} sessions");
        let db = seeded_db(&args, name, count, reuse).await?;
        let verifyd = Verifyd::start(&args.verifyd, &db, false).await?;
        let plain = load(load_args(
            format!("{}{sessions}?limit=10", verifyd.base),
            "GET",
            "",
            64,
            secs,
            "list",
        ))
        .await?;
        let filtered = load(load_args(
            format!("{}{sessions}?limit=10&status=verified", verifyd.base),
            "GET",
            "",
            64,
            secs,
            "list status",
        ))
        .await?;
        let rss = verifyd.peak_rss_mb();
        verifyd.stop();
        list_p99.push(plain["p99_ms"].as_f64().unwrap_or(0.0));
        rows.push(row(&format!("list limit=10 @ {count}"), &plain, rss));
        rows.push(row(
            &format!("list status=verified @ {count}"),
            &filtered,
            rss,
        ));
    }

    eprintln!("flow through the test helpers");
    let db = fresh_db(&args, "flow.db");
    let verifyd = Verifyd::start(&args.verifyd, &db, true).await?;
    let flow = flow_measure(FlowArgs {
        base: verifyd.base.clone(),
        concurrency: 16,
        seconds: secs,
    })
    .await?;
    let rss_flow = verifyd.peak_rss_mb();
    verifyd.stop();
    rows.push(json!({
        "scenario": "flow create→process→verify, c=16",
        "rps": flow["flows_per_s"], "p50_ms": flow["p50_ms"], "p99_ms": flow["p99_ms"],
        "errors": 0, "peak_rss_mb": rss_flow,
    }));

    eprintln!("webhook delivery");
    let hooks = webhooks_measure(WebhookArgs {
        verifyd: args.verifyd.clone(),
        workdir: args.workdir.clone(),
        count: if args.smoke { 100 } else { 5000 },
        seconds: secs.min(5),
    })
    .await?;
    rows.push(json!({
        "scenario": "webhook delivery (drain), lag under load",
        "rps": hooks["events_per_s"], "p50_ms": hooks["lag_p50_ms"], "p99_ms": hooks["lag_p99_ms"],
        "errors": (hooks["queued"].as_u64().unwrap_or(0)).saturating_sub(hooks["delivered"].as_u64().unwrap_or(0)),
        "peak_rss_mb": hooks["peak_rss_mb"],
    }));

    eprintln!("live document checks");
    let live = live_scenario(&args, secs).await?;
    if let Some(live) = &live {
        let single = &live["one_at_a_time"];
        let concurrent = &live["concurrent"];
        rows.push(json!({
            "scenario": "live check submit→decided, one at a time",
            "rps": single["checks_per_s"], "p50_ms": single["check_p50_ms"], "p99_ms": single["check_p99_ms"],
            "errors": 0, "peak_rss_mb": live["peak_rss_mb"],
        }));
        rows.push(json!({
            "scenario": format!("live checks, {} at a time", concurrent["concurrency"]),
            "rps": concurrent["checks_per_s"], "p50_ms": concurrent["check_p50_ms"], "p99_ms": concurrent["check_p99_ms"],
            "errors": 0, "peak_rss_mb": live["peak_rss_mb"],
        }));
        let selfie = &live["with_selfie"];
        rows.push(json!({
            "scenario": "live document + selfie check submit→decided, one at a time",
            "rps": selfie["checks_per_s"], "p50_ms": selfie["check_p50_ms"], "p99_ms": selfie["check_p99_ms"],
            "errors": 0, "peak_rss_mb": live["peak_rss_mb"],
        }));
        for (label, key) in [
            ("retrieve c=64, no checks", "alone"),
            ("retrieve c=64, checks running", "during_checks"),
        ] {
            let r = &live["retrieve"][key];
            rows.push(row(label, r, live["peak_rss_mb"].as_f64().unwrap_or(0.0)));
        }
    }

    eprintln!("abuse: upload floods, stalled uploads, slowloris");
    let abuse = crate::abuse::abuse_measure(&args.verifyd, &args.workdir, args.smoke).await?;
    rows.push(json!({
        "scenario": format!(
            "abuse: {}×9.9 MB + {} stalled uploads",
            abuse["uploads"], abuse["stalled"]
        ),
        "rps": abuse["uploads"].as_f64().unwrap_or(0.0)
            / abuse["upload_seconds"].as_f64().unwrap_or(1.0).max(0.001),
        "p50_ms": 0, "p99_ms": 0, "errors": 0,
        "peak_rss_mb": abuse["peak_rss_mb"],
    }));

    eprintln!("create and retrieve on PostgreSQL");
    let postgres = postgres_scenario(&args, secs).await?;
    if let Some((create, retrieve, rss_create, rss_retrieve)) = &postgres {
        rows.push(row(
            "PostgreSQL create (durable), c=64",
            create,
            *rss_create,
        ));
        rows.push(row(
            "PostgreSQL retrieve by id, c=64",
            retrieve,
            *rss_retrieve,
        ));
    }

    let ratio = |a: &Value, b: &Value| {
        let (a, b) = (
            a["rps"].as_f64().unwrap_or(0.0),
            b["rps"].as_f64().unwrap_or(0.0),
        );
        if b > 0.0 {
            a / b
        } else {
            0.0
        }
    };
    let targets = json!({
        "retrieve_vs_http_get": ratio(&retrieve, &ceiling_get),
        "create_vs_http_post": ratio(&create, &ceiling_post),
        "list_p99_large_vs_small": if list_p99[0] > 0.0 { list_p99[1] / list_p99[0] } else { 0.0 },
        "create_vs_sqlite_batch1": create["rps"].as_f64().unwrap_or(0.0)
            / sqlite["rows_per_s_batch_1"].as_f64().unwrap_or(1.0),
        "webhook_events_per_s": hooks["events_per_s"],
        "webhook_lag_p99_ms": hooks["lag_p99_ms"],
        "postgres_create_vs_http_post": postgres.as_ref().map(|p| ratio(&p.0, &ceiling_post)),
        "postgres_retrieve_vs_http_get": postgres.as_ref().map(|p| ratio(&p.1, &ceiling_get)),
        "live_check_p50_ms": live.as_ref().map(|l| l["one_at_a_time"]["check_p50_ms"].clone()),
        "live_check_p99_ms": live.as_ref().map(|l| l["one_at_a_time"]["check_p99_ms"].clone()),
        "live_checks_per_s": live.as_ref().map(|l| l["concurrent"]["checks_per_s"].clone()),
        "live_selfie_check_p50_ms": live.as_ref().map(|l| l["with_selfie"]["check_p50_ms"].clone()),
        "live_selfie_check_p99_ms": live.as_ref().map(|l| l["with_selfie"]["check_p99_ms"].clone()),
        "retrieve_p99_ms_alone": live.as_ref().map(|l| l["retrieve"]["alone"]["p99_ms"].clone()),
        "retrieve_p99_ms_during_checks": live.as_ref().map(|l| l["retrieve"]["during_checks"]["p99_ms"].clone()),
        "upload_abuse_peak_rss_mb": abuse["peak_rss_mb"],
        "upload_abuse_after_rss_mb": abuse["after_rss_mb"],
        "slowloris_open_after_timeout": abuse["slowloris_open_after_timeout"],
        "max_peak_rss_mb": rows.iter().filter_map(|r| r["peak_rss_mb"].as_f64()).fold(0.0, f64::max),
    });

    println!(
        "{:<44} {:>10} {:>9} {:>9} {:>7} {:>9}",
        "scenario", "req/s", "p50 ms", "p99 ms", "errors", "RSS MB"
    );
    for r in &rows {
        println!(
            "{:<44} {:>10.0} {:>9.2} {:>9.2} {:>7} {:>9.1}",
            r["scenario"].as_str().unwrap_or(""),
            r["rps"].as_f64().unwrap_or(0.0),
            r["p50_ms"].as_f64().unwrap_or(0.0),
            r["p99_ms"].as_f64().unwrap_or(0.0),
            r["errors"].as_u64().unwrap_or(0),
            r["peak_rss_mb"].as_f64().unwrap_or(0.0),
        );
    }
    println!(
        "sqlite ceiling: {:.0} rows/s one per transaction, {:.0} rows/s in batches of 100",
        sqlite["rows_per_s_batch_1"].as_f64().unwrap_or(0.0),
        sqlite["rows_per_s_batch_100"].as_f64().unwrap_or(0.0)
    );
    println!("ratios and targets: {targets:#}");
    let report = json!({
        "smoke": args.smoke,
        "seconds_per_measurement": secs,
        "rows": rows,
        "sqlite_ceiling": sqlite,
        "live": live,
        "abuse": abuse,
        "targets": targets,
    });
    if let Some(parent) = args.out.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    std::fs::write(&args.out, format!("{report:#}\n")).map_err(|e| e.to_string())?;
    let errors: u64 = rows.iter().filter_map(|r| r["errors"].as_u64()).sum();
    if errors > 0 {
        return Err(format!("{errors} requests failed during the benchmark"));
    }
    // The security goals are checked on every run (the smoke run is part of the test suite).
    let abuse_peak = abuse["peak_rss_mb"].as_f64().unwrap_or(f64::MAX);
    if abuse_peak >= crate::abuse::UPLOAD_ABUSE_RSS_LIMIT_MB {
        return Err(format!(
            "upload abuse pushed verifyd to {abuse_peak:.0} MB (limit {} MB)",
            crate::abuse::UPLOAD_ABUSE_RSS_LIMIT_MB
        ));
    }
    let open = abuse["slowloris_open_after_timeout"]
        .as_u64()
        .unwrap_or(u64::MAX);
    if open > 0 {
        return Err(format!(
            "{open} slowloris connections were still open after the header-read timeout"
        ));
    }
    Ok(())
}
