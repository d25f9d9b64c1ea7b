//! `accuracy`: measures verifyd's live document checks end to end on synthetic documents.
//! Each case is a docgen document (or something that is not one) photographed like a phone
//! would, read by verifyd-vision and decided by verifyd-checks' live engine exactly as the
//! worker does; the figures (docs/accuracy.md) come from comparing the decisions and the
//! outputs with docgen's ground truth. Thin: argument parsing and the work queue; the set
//! is in `cases`, a case's run in `run`, the figures in `report`.
//!
//! ```text
//! ./scripts/fetch-models
//! cargo run --release -p accuracy -- --split held-out --per-kind 40 --out held-out.json
//! cargo run --release -p accuracy -- --one passport_td3 --seed 2040000003 --case genuine
//! ```

mod cases;
mod expect;
mod one;
mod report;
mod run;

use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::atomic::{AtomicUsize, Ordering};
use std::sync::Mutex;
use std::time::Instant;

use clap::Parser;
use verifyd_docgen::DocumentKind;
use verifyd_vision::DocumentReader;

use cases::{CaseId, Category, Split};

/// Which field `--tamper` changes (a shorthand for `--case tamper-…`).
#[derive(Clone, Copy, Debug, clap::ValueEnum)]
enum TamperArg {
    Name,
    Dob,
    Number,
}

#[derive(Parser, Debug)]
#[command(
    name = "accuracy",
    about = "Measures verifyd's live document checks on synthetic documents (docs/accuracy.md)."
)]
struct Cli {
    /// The split to run: `tuning` (for tuning thresholds) or `held-out` (for reporting).
    #[arg(long, value_enum, default_value = "held-out")]
    split: Split,
    /// Genuine documents per kind.
    #[arg(long, default_value_t = 40)]
    per_kind: u64,
    /// Cases of each failure category per kind [default: per-kind / 4, at least 1].
    #[arg(long)]
    failures_per_kind: Option<u64>,
    /// Index of the first case of each kind and category (seeds `…+first` onwards). Keep
    /// it a multiple of 20 so that the photo difficulty mix stays exact.
    #[arg(long, default_value_t = 0)]
    first_index: u64,
    /// Worker threads.
    #[arg(long, default_value_t = 2)]
    threads: usize,
    /// The models folder (scripts/fetch-models fills it).
    #[arg(long, default_value = concat!(env!("CARGO_MANIFEST_DIR"), "/../../models"))]
    models: PathBuf,
    /// Write the full report (every case) as JSON here.
    #[arg(long)]
    out: Option<PathBuf>,
    /// Only these categories (comma-separated; default: all).
    #[arg(long, value_enum, value_delimiter = ',')]
    categories: Vec<Category>,
    /// Run a single case of this kind and print everything about it.
    #[arg(long, value_name = "KIND")]
    one: Option<String>,
    /// The case's seed (with --one).
    #[arg(long, requires = "one")]
    seed: Option<u64>,
    /// The case's category (with --one).
    #[arg(long, value_enum, requires = "one")]
    case: Option<Category>,
    /// Shorthand for --case tamper-name|tamper-dob|tamper-number (with --one).
    #[arg(long, value_enum, requires = "one", conflicts_with = "case")]
    tamper: Option<TamperArg>,
    /// Also write the case's photos to this folder (with --one).
    #[arg(long, requires = "one")]
    save: Option<PathBuf>,
}

fn load_average() -> String {
    std::fs::read_to_string("/proc/loadavg")
        .map(|s| s.split_whitespace().take(3).collect::<Vec<_>>().join(" "))
        .unwrap_or_else(|_| "unknown".into())
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run_cli(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("accuracy: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run_cli(cli: Cli) -> Result<(), String> {
    verifyd_docgen::fonts::check().map_err(|e| e.to_string())?;
    let reader = DocumentReader::load(&cli.models)
        .map_err(|e| format!("loading the readers from {}: {e}", cli.models.display()))?;

    if let Some(kind) = &cli.one {
        let kind = DocumentKind::from_name(kind).ok_or_else(|| format!("unknown kind {kind:?}"))?;
        let seed = cli.seed.ok_or("--one needs --seed")?;
        let category = match (cli.case, cli.tamper) {
            (_, Some(TamperArg::Name)) => Category::TamperName,
            (_, Some(TamperArg::Dob)) => Category::TamperDob,
            (_, Some(TamperArg::Number)) => Category::TamperNumber,
            (Some(c), None) => c,
            (None, None) => Category::Genuine,
        };
        let id = CaseId {
            kind,
            category,
            seed,
        };
        return one::one(&reader, id, cli.save.as_deref());
    }

    let failures = cli.failures_per_kind.unwrap_or((cli.per_kind / 4).max(1));
    let mut all = cases::cases(cli.split, cli.per_kind, failures, cli.first_index);
    if !cli.categories.is_empty() {
        all.retain(|c| cli.categories.contains(&c.category));
    }
    // Interleave kinds and categories so the progress line is representative early on.
    let mut order: Vec<CaseId> = Vec::with_capacity(all.len());
    let mut buckets: Vec<Vec<CaseId>> = Vec::new();
    for kind in DocumentKind::ALL {
        for category in Category::ALL {
            buckets.push(
                all.iter()
                    .copied()
                    .filter(|c| c.kind == kind && c.category == category)
                    .collect(),
            );
        }
    }
    let longest = buckets.iter().map(Vec::len).max().unwrap_or(0);
    for i in 0..longest {
        for b in &buckets {
            if let Some(c) = b.get(i) {
                order.push(*c);
            }
        }
    }
    let total = order.len();
    eprintln!(
        "accuracy: {} split, {} cases ({} genuine and {} per failure category, per kind), {} threads",
        cli.split.name(),
        total,
        cli.per_kind,
        failures,
        cli.threads
    );

    let load_start = load_average();
    let start = Instant::now();
    let next = AtomicUsize::new(0);
    let outcomes = Mutex::new(Vec::with_capacity(total));
    let panics: Mutex<Vec<String>> = Mutex::new(Vec::new());
    std::thread::scope(|scope| {
        for _ in 0..cli.threads.max(1) {
            let spawned = std::thread::Builder::new()
                .stack_size(32 << 20)
                .spawn_scoped(scope, || loop {
                    let i = next.fetch_add(1, Ordering::Relaxed);
                    let Some(id) = order.get(i).copied() else {
                        break;
                    };
                    let result = std::panic::catch_unwind(std::panic::AssertUnwindSafe(|| {
                        run::run(&reader, id).outcome()
                    }));
                    let mut done = outcomes.lock().unwrap_or_else(|e| e.into_inner());
                    match result {
                        Ok(outcome) => done.push(outcome),
                        Err(_) => panics
                            .lock()
                            .unwrap_or_else(|e| e.into_inner())
                            .push(format!(
                                "{} {} seed {}",
                                id.kind.name(),
                                id.category.name(),
                                id.seed
                            )),
                    }
                    let n = done.len();
                    if n % 25 == 0 || n == total {
                        let elapsed = start.elapsed().as_secs_f64();
                        let fa = done.iter().filter(|o| o.false_accept()).count();
                        eprintln!(
                            "  {n}/{total} cases, {elapsed:.0} s, about {:.0} s left, {fa} false accepts so far",
                            elapsed / n as f64 * (total - n) as f64
                        );
                    }
                });
            if let Err(e) = spawned {
                eprintln!("accuracy: could not start a worker thread: {e}");
            }
        }
    });
    let wall_seconds = start.elapsed().as_secs_f64();
    let outcomes = outcomes.into_inner().unwrap_or_else(|e| e.into_inner());
    let panics = panics.into_inner().unwrap_or_else(|e| e.into_inner());

    let report = report::build(
        report::RunInfo {
            split: cli.split,
            genuine: cli.per_kind,
            failures,
            first_index: cli.first_index,
            threads: cli.threads,
            wall_seconds,
            load_average_start: load_start,
            load_average_end: load_average(),
            harness_panics: panics,
        },
        outcomes,
    );
    print!("{}", report::markdown(&report));
    if let Some(out) = &cli.out {
        let json = serde_json::to_string_pretty(&report).map_err(|e| e.to_string())?;
        std::fs::write(out, json).map_err(|e| format!("writing {}: {e}", out.display()))?;
        eprintln!("accuracy: wrote {}", out.display());
    }
    Ok(())
}
