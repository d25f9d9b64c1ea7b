//! A closed-loop load generator: `concurrency` workers, each with its own keep-alive
//! connection, send requests back to back for `seconds` (after a short warm-up) and record
//! every latency. Prints one JSON object: requests, errors, rps, p50/p99 in milliseconds.

use clap::Args;
use rand::Rng;
use serde_json::json;
use std::time::{Duration, Instant};

#[derive(Args, Clone)]
pub struct LoadArgs {
    /// Full URL; `{id}` is replaced by a random line of --ids.
    #[arg(long)]
    pub url: String,
    #[arg(long, default_value = "GET")]
    pub method: String,
    /// Form body for POST.
    #[arg(long, default_value = "")]
    pub body: String,
    #[arg(long)]
    pub key: Option<String>,
    #[arg(long, default_value_t = 64)]
    pub concurrency: usize,
    #[arg(long, default_value_t = 10)]
    pub seconds: u64,
    #[arg(long, default_value_t = 1)]
    pub warmup: u64,
    /// File of ids to substitute for `{id}`.
    #[arg(long)]
    pub ids: Option<String>,
    /// Label echoed in the output.
    #[arg(long, default_value = "")]
    pub label: String,
}

pub fn percentile(sorted: &[u64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    let rank = ((p / 100.0) * (sorted.len() as f64 - 1.0)).round() as usize;
    sorted[rank.min(sorted.len() - 1)] as f64 / 1000.0
}

pub async fn run(args: LoadArgs) -> Result<(), String> {
    let result = measure(args).await?;
    println!("{result}");
    Ok(())
}

/// Runs the load and returns the result object.
pub async fn measure(args: LoadArgs) -> Result<serde_json::Value, String> {
    let ids: Vec<String> = match &args.ids {
        Some(path) => std::fs::read_to_string(path)
            .map_err(|e| format!("{path}: {e}"))?
            .lines()
            .filter(|l| !l.is_empty())
            .map(str::to_owned)
            .collect(),
        None => Vec::new(),
    };
    let ids = std::sync::Arc::new(ids);
    let warmup_end = Instant::now() + Duration::from_secs(args.warmup);
    let end = warmup_end + Duration::from_secs(args.seconds);
    let mut tasks = Vec::new();
    for _ in 0..args.concurrency {
        let args = args.clone();
        let ids = ids.clone();
        tasks.push(tokio::spawn(async move {
            let client = reqwest::Client::builder()
                .pool_max_idle_per_host(1)
                .build()
                .expect("client");
            let mut latencies = Vec::new();
            let mut errors = 0u64;
            loop {
                let now = Instant::now();
                if now >= end {
                    break;
                }
                let url = if ids.is_empty() {
                    args.url.clone()
                } else {
                    let i = rand::thread_rng().gen_range(0..ids.len());
                    args.url.replace("{id}", &ids[i])
                };
                let mut request = if args.method == "POST" {
                    client
                        .post(url)
                        .header("Content-Type", "application/x-www-form-urlencoded")
                        .body(args.body.clone())
                } else {
                    client.get(url)
                };
                if let Some(key) = &args.key {
                    request = request.bearer_auth(key);
                }
                let started = Instant::now();
                let ok = match request.send().await {
                    Ok(r) => {
                        let ok = r.status().is_success();
                        let _ = r.bytes().await;
                        ok
                    }
                    Err(_) => false,
                };
                if started >= warmup_end {
                    if ok {
                        latencies.push(started.elapsed().as_micros() as u64);
                    } else {
                        errors += 1;
                    }
                }
            }
            (latencies, errors)
        }));
    }
    let mut all = Vec::new();
    let mut errors = 0;
    for task in tasks {
        let (l, e) = task.await.map_err(|e| e.to_string())?;
        all.extend(l);
        errors += e;
    }
    all.sort_unstable();
    let result = json!({
        "label": args.label,
        "requests": all.len(),
        "errors": errors,
        "rps": all.len() as f64 / args.seconds as f64,
        "p50_ms": percentile(&all, 50.0),
        "p99_ms": percentile(&all, 99.0),
    });
    Ok(result)
}
