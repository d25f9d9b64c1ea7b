//! Trains and measures the OCR-B character recogniser of verifyd-vision's MRZ reader.
//!
//! ```text
//! mrz-train train    [--seed 1] [--lines 24000] [--epochs 3] [--out DIR]
//! mrz-train eval     [--set tune|test] [--count 400] [--model PATH] [--verbose]
//! mrz-train fixtures [--out DIR]
//! mrz-train preview  [--seed 1] [--count 8] [--out DIR]
//! ```
//! `train` renders OCR-B lines with phone-photo degradations, cuts them into cells with the
//! vision crate's segmenter, trains the network, fits its softmax temperature on separate
//! renders and writes `ocrb-cnn.bin` and `manifest.txt` (with its SHA-256). `eval` renders
//! whole synthetic documents and reads them end to end through `MrzReader::read`; the tuning
//! set uses seeds 1 000 000 + i, the held-out test set 2 000 000 + i. `fixtures` writes the
//! vision crate's test images.

mod degrade;
mod eval;
mod mrzgen;
mod render;
mod samples;
mod scene;
mod train;

use std::collections::HashMap;
use std::path::PathBuf;

fn models_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../crates/verifyd-vision/models/mrz")
}

fn fixtures_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../crates/verifyd-vision/tests/fixtures/mrz")
}

fn parse_args(args: &[String]) -> HashMap<String, String> {
    let mut out = HashMap::new();
    let mut i = 0;
    while i < args.len() {
        let key = args[i].trim_start_matches("--").to_string();
        if i + 1 < args.len() && !args[i + 1].starts_with("--") {
            out.insert(key, args[i + 1].clone());
            i += 2;
        } else {
            out.insert(key, "true".into());
            i += 1;
        }
    }
    out
}

fn get<T: std::str::FromStr>(args: &HashMap<String, String>, key: &str, default: T) -> T {
    args.get(key)
        .map(|v| {
            v.parse()
                .unwrap_or_else(|_| panic!("--{key}: cannot parse {v:?}"))
        })
        .unwrap_or(default)
}

fn main() {
    let argv: Vec<String> = std::env::args().skip(1).collect();
    let Some(command) = argv.first() else {
        eprintln!("usage: mrz-train train|eval|fixtures|preview [options]");
        std::process::exit(2);
    };
    let args = parse_args(&argv[1..]);
    match command.as_str() {
        "train" => train_command(&args),
        "eval" => eval::run(&args),
        "fixtures" => scene::write_fixtures(
            &args
                .get("out")
                .map(PathBuf::from)
                .unwrap_or_else(fixtures_dir),
        ),
        "preview" => preview(&args),
        "debug" => eval::debug(&args),
        "segbench" => segbench(&args),
        "bench" => eval::bench(&args),
        other => {
            eprintln!("unknown command {other}");
            std::process::exit(2);
        }
    }
}

fn font_version() -> String {
    std::process::Command::new("dpkg-query")
        .args(["-W", "-f=${Version}", "fonts-ocr-b"])
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .filter(|v| !v.is_empty())
        .unwrap_or_else(|| "unknown".into())
}

fn generate(seed: u64, name: &str, lines: usize, fonts: &samples::Fonts) -> Vec<samples::Sample> {
    let mut rng = train::stream(seed, name);
    let mut out = Vec::new();
    let mut stats = samples::GenStats::default();
    let started = std::time::Instant::now();
    for _ in 0..lines {
        samples::line_samples(&mut rng, fonts, &mut out, &mut stats);
    }
    eprintln!(
        "{name}: {} lines → {} cells ({} without strip, {} misaligned) in {:.0}s",
        stats.lines,
        stats.cells,
        stats.no_strip,
        stats.misaligned,
        started.elapsed().as_secs_f32()
    );
    out
}

fn train_command(args: &HashMap<String, String>) {
    let seed: u64 = get(args, "seed", 1);
    let lines: usize = get(args, "lines", 24_000);
    let epochs: usize = get(args, "epochs", 3);
    let out_dir = args
        .get("out")
        .map(PathBuf::from)
        .unwrap_or_else(models_dir);
    let shape = train::Shape {
        c1: get(args, "c1", 8),
        c2: get(args, "c2", 16),
        hidden: get(args, "hidden", 64),
    };
    let started = std::time::Instant::now();
    let fonts = samples::Fonts::load();
    let mut data = generate(seed, "train-data", lines, &fonts);
    let calibration = generate(seed, "calibration", 1500, &fonts);
    let mut net = train::init(&shape, &mut train::stream(seed, "init"));
    let opts = train::Options {
        epochs,
        batch: 64,
        lr: get(args, "lr", 0.002),
        weight_decay: 1e-4,
    };
    train::train(
        &mut net,
        &mut data,
        &opts,
        &mut train::stream(seed, "shuffle"),
    );
    let (acc1, nll1) = train::evaluate(&net, &calibration, 1.0);
    net.temperature = train::fit_temperature(&net, &calibration);
    let (acc, nll) = train::evaluate(&net, &calibration, net.temperature);
    eprintln!(
        "calibration set: accuracy {acc1:.5}, NLL {nll1:.4} at T=1 → {nll:.4} at T={:.2} ({acc:.5})",
        net.temperature
    );
    let bytes = net.to_bytes();
    let sha = verifyd_vision::models::sha256_hex(&bytes);
    // The written file must load through the reader's own checks.
    let reader = verifyd_vision::mrz::MrzReader::from_weights(&bytes, &sha).expect("weights load");
    assert_eq!(reader.net(), &net);
    std::fs::create_dir_all(&out_dir).expect("output directory");
    std::fs::write(out_dir.join("ocrb-cnn.bin"), &bytes).expect("writing weights");
    let font_sha =
        |p: &str| verifyd_vision::models::sha256_hex(&std::fs::read(p).expect("font file"));
    let manifest = format!(
        "# verifyd-vision MRZ recogniser. Written by tools/mrz-train; see README.md.\n\
         file: ocrb-cnn.bin\n\
         sha256: {sha}\n\
         bytes: {}\n\
         format: VMRZNET1 (little-endian f32, documented in src/mrz/model.rs)\n\
         shape: input {}x{}, conv {}-{}, hidden {}, classes {}, temperature {:.2}\n\
         provenance: trained by tools/mrz-train from Debian fonts-ocr-b {} (OCRB.otf sha256 {}, OCRBS.otf sha256 {}; public domain font by Matthew Skala, after Norbert Schwarz's metafont)\n\
         licence: weights Apache-2.0 (this repository); the font is public domain\n\
         command: cargo run --release -p mrz-train -- train --seed {seed} --lines {lines} --epochs {epochs} --c1 {} --c2 {} --hidden {}\n\
         training: {} cells from {lines} rendered lines, calibration accuracy {acc:.5}\n",
        bytes.len(),
        net.input_w,
        net.input_h,
        net.c1,
        net.c2,
        net.hidden,
        net.classes(),
        net.temperature,
        font_version(),
        font_sha(render::OCRB_REGULAR),
        font_sha(render::OCRB_SHARP),
        net.c1,
        net.c2,
        net.hidden,
        data.len(),
    );
    std::fs::write(out_dir.join("manifest.txt"), manifest).expect("writing manifest");
    eprintln!(
        "wrote {} ({} bytes, sha256 {sha}) in {:.0}s",
        out_dir.join("ocrb-cnn.bin").display(),
        bytes.len(),
        started.elapsed().as_secs_f32()
    );
}

/// Writes a few training lines' cells as a PNG contact sheet, to look at.
fn preview(args: &HashMap<String, String>) {
    let seed: u64 = get(args, "seed", 1);
    let count: usize = get(args, "count", 8);
    let out = args
        .get("out")
        .map(PathBuf::from)
        .unwrap_or_else(|| PathBuf::from("/tmp/mrz-preview"));
    std::fs::create_dir_all(&out).expect("preview directory");
    let fonts = samples::Fonts::load();
    let data = generate(seed, "preview", count, &fonts);
    let cols = 20;
    let rows = data.len().div_ceil(cols);
    let (cw, ch) = (
        verifyd_vision::mrz::segment::CELL_W,
        verifyd_vision::mrz::segment::CELL_H,
    );
    let mut sheet = image::GrayImage::new((cols * (cw + 2)) as u32, (rows * (ch + 2)) as u32);
    let mut labels = String::new();
    for (i, s) in data.iter().enumerate() {
        let (r, c) = (i / cols, i % cols);
        for y in 0..ch {
            for x in 0..cw {
                let v = samples::dequantise(s.input[y * cw + x]);
                let g = (255.0 - v.clamp(0.0, 1.0) * 255.0) as u8;
                sheet.put_pixel(
                    (c * (cw + 2) + x) as u32,
                    (r * (ch + 2) + y) as u32,
                    image::Luma([g]),
                );
            }
        }
        labels.push(mrzgen::ALPHABET.as_bytes()[s.label as usize] as char);
        if c == cols - 1 {
            labels.push('\n');
        }
    }
    sheet.save(out.join("cells.png")).expect("writing preview");
    println!("{labels}");
}

/// Measures the segmenter alone on whole rendered MRZ lines: where it puts each cell centre
/// against where the glyph really is.
fn segbench(args: &HashMap<String, String>) {
    let count: usize = get(args, "count", 300);
    let seed: u64 = get(args, "seed", 7);
    let fonts = samples::Fonts::load();
    let mut rng = train::stream(seed, "segbench");
    let mut out = Vec::new();
    let mut stats = samples::GenStats::default();
    for _ in 0..count {
        samples::line_samples_with(&mut rng, &fonts, &mut out, &mut stats, true);
    }
    let errs = &stats.errors;
    let n = errs.len().max(1) as f32;
    let mean_abs = errs.iter().map(|e| e.abs()).sum::<f32>() / n;
    let over = |t: f32| errs.iter().filter(|e| e.abs() > t).count() as f32 / n * 100.0;
    println!(
        "{} lines: {} without strip, {} with a cell off by > 0.3 pitch; cells: mean |error| {mean_abs:.3} pitch, > 0.1: {:.2} %, > 0.2: {:.2} %, > 0.3: {:.2} %",
        stats.lines,
        stats.no_strip,
        stats.misaligned,
        over(0.1),
        over(0.2),
        over(0.3)
    );
    println!(
        "mean signed error: glyphs {:+.4} pitch, fillers {:+.4} pitch",
        stats.signed[0].0 / stats.signed[0].1.max(1) as f64,
        stats.signed[1].0 / stats.signed[1].1.max(1) as f64
    );
}
