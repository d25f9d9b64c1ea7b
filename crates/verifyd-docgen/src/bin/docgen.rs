//! `docgen`: writes synthetic identity documents as phone photos with their ground truth.
//! Thin: argument parsing and file writing; everything else is the library.

use std::path::PathBuf;
use std::process::ExitCode;

use rand::rngs::StdRng;
use rand::SeedableRng;
use serde_json::json;
use verifyd_docgen::{
    apply_variant, dates, legibility, not_a_document, photograph, random_photo, random_spec_with,
    render, tamper, Difficulty, DocumentKind, Side, SpecOptions, TamperField, DEFAULT_TODAY,
    VARIANTS,
};

const USAGE: &str = "\
usage: docgen --kind <kind|all|not-a-document> --count N --seed S
              --difficulty easy|typical|hard --out DIR
              [--tamper name|dob|number] [--expired] [--under-age]
              [--variant V[,V...]] [--today YYYY-MM-DD] [--portrait IMAGE] [--clean]

kinds: us_driving_license us_id_card ca_driving_license ca_id_card passport_td3
       id_card_td1 id_card_td2, `all` (cycles through them), `not-a-document`
variants (AAMVA kinds only): aamva-v01..aamva-v10 offset+1 offset-1 offset+2 offset-2
       offset-zero sep-cr sep-rs compliance-lf-lf compliance-fs file-type-aamva
       full-name-daa ccyymmdd mmddccyy z-subfile
writes <id>-front.jpg, <id>-back.jpg (cards with a back) and <id>.json (truth + photo specs
+ legibility); --clean also writes the canonical <id>-front.png / <id>-back.png.
Output is a pure function of the arguments (no clock, no system randomness).";

struct Args {
    kind: Option<DocumentKind>,
    all: bool,
    negative: bool,
    count: u32,
    seed: u64,
    difficulty: Difficulty,
    out: PathBuf,
    tamper: Option<TamperField>,
    variants: Vec<String>,
    opts: SpecOptions,
    portrait: Option<PathBuf>,
    clean: bool,
}

fn parse() -> Result<Args, String> {
    let mut it = std::env::args().skip(1);
    let mut a = Args {
        kind: None,
        all: false,
        negative: false,
        count: 1,
        seed: 0,
        difficulty: Difficulty::Typical,
        out: PathBuf::from("."),
        tamper: None,
        variants: Vec::new(),
        opts: SpecOptions::default(),
        portrait: None,
        clean: false,
    };
    let mut kind_given = false;
    while let Some(flag) = it.next() {
        let mut val = |name: &str| it.next().ok_or(format!("{name} needs a value"));
        match flag.as_str() {
            "--kind" => {
                let v = val("--kind")?;
                kind_given = true;
                match v.as_str() {
                    "all" => a.all = true,
                    "not-a-document" | "not_a_document" | "negative" => a.negative = true,
                    k => {
                        a.kind =
                            Some(DocumentKind::from_name(k).ok_or(format!("unknown kind {k:?}"))?)
                    }
                }
            }
            "--count" => {
                a.count = val("--count")?
                    .parse()
                    .map_err(|e| format!("--count: {e}"))?
            }
            "--seed" => a.seed = val("--seed")?.parse().map_err(|e| format!("--seed: {e}"))?,
            "--difficulty" => {
                let v = val("--difficulty")?;
                a.difficulty =
                    Difficulty::from_name(&v).ok_or(format!("unknown difficulty {v:?}"))?;
            }
            "--out" => a.out = PathBuf::from(val("--out")?),
            "--tamper" => {
                a.tamper = Some(match val("--tamper")?.as_str() {
                    "name" => TamperField::Name,
                    "dob" => TamperField::Dob,
                    "number" => TamperField::Number,
                    t => return Err(format!("unknown tamper {t:?}")),
                })
            }
            "--expired" => a.opts.expired = true,
            "--under-age" => a.opts.under_age = true,
            "--variant" => {
                for v in val("--variant")?.split(',') {
                    let v = v.trim();
                    if !(VARIANTS.contains(&v) || v.starts_with("aamva-v")) {
                        return Err(format!("unknown variant {v:?}"));
                    }
                    a.variants.push(v.to_string());
                }
            }
            "--today" => {
                let v = val("--today")?;
                a.opts.today = dates::parse_iso(&v).ok_or(format!("--today: bad date {v:?}"))?;
            }
            "--portrait" => a.portrait = Some(PathBuf::from(val("--portrait")?)),
            "--clean" => a.clean = true,
            "-h" | "--help" => return Err(String::new()),
            other => return Err(format!("unknown argument {other:?}")),
        }
    }
    if !kind_given {
        return Err("--kind is required".into());
    }
    Ok(a)
}

/// One RNG per document, so documents do not depend on each other.
fn doc_rng(seed: u64, index: u32) -> StdRng {
    let mut z = seed ^ (index as u64).wrapping_mul(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    StdRng::seed_from_u64(z ^ (z >> 31))
}

fn write(path: PathBuf, bytes: &[u8]) -> Result<(), String> {
    std::fs::write(&path, bytes).map_err(|e| format!("writing {}: {e}", path.display()))
}

fn run(a: Args) -> Result<(), String> {
    std::fs::create_dir_all(&a.out).map_err(|e| format!("creating {}: {e}", a.out.display()))?;
    verifyd_docgen::fonts::check().map_err(|e| e.to_string())?;
    let portrait = match &a.portrait {
        Some(p) => Some(
            image::open(p)
                .map_err(|e| format!("reading {}: {e}", p.display()))?
                .to_rgb8(),
        ),
        None => None,
    };
    for i in 0..a.count {
        let mut rng = doc_rng(a.seed, i);
        if a.negative {
            let id = format!("{i:05}-not_a_document");
            let img = not_a_document(&mut rng);
            let photo = random_photo(&mut rng, a.difficulty);
            write(
                a.out.join(format!("{id}-front.jpg")),
                &photograph(&img, &photo, &mut rng),
            )?;
            let j = json!({ "id": id, "seed": a.seed, "index": i, "not_a_document": true,
                "difficulty": a.difficulty, "front_photo": photo });
            write(
                a.out.join(format!("{id}.json")),
                serde_json::to_string_pretty(&j).unwrap().as_bytes(),
            )?;
            continue;
        }
        let kind = match a.kind {
            Some(k) if !a.all => k,
            _ => DocumentKind::ALL[i as usize % DocumentKind::ALL.len()],
        };
        let id = format!("{i:05}-{}", kind.name());
        let mut spec = random_spec_with(kind, &a.opts, &mut rng);
        if kind.is_aamva() {
            for v in &a.variants {
                apply_variant(&mut spec, v)?;
            }
        }
        if let Some(t) = a.tamper {
            tamper(&mut spec, t, &mut rng);
        }
        spec.portrait = portrait.clone();
        let doc = render(&spec, &mut rng);
        let mut sides = Vec::new();
        for (side, img) in [
            (Side::Front, Some(&doc.front)),
            (Side::Back, doc.back.as_ref()),
        ] {
            let Some(img) = img else { continue };
            let name = if side == Side::Front { "front" } else { "back" };
            let photo = random_photo(&mut rng, a.difficulty);
            let jpeg = photograph(img, &photo, &mut rng);
            write(a.out.join(format!("{id}-{name}.jpg")), &jpeg)?;
            if a.clean {
                img.save(a.out.join(format!("{id}-{name}.png")))
                    .map_err(|e| format!("writing PNG: {e}"))?;
            }
            let carries_code = side == kind.code_side();
            sides.push((
                name,
                json!({
                    "file": format!("{id}-{name}.jpg"),
                    "photo": photo,
                    "carries_code": carries_code,
                    "legibility": carries_code.then(|| legibility(&spec, &photo)),
                }),
            ));
        }
        let mut j = json!({
            "id": id, "seed": a.seed, "index": i, "difficulty": a.difficulty,
            "today": dates::iso(a.opts.today),
            "expired": a.opts.expired, "under_age": a.opts.under_age,
            "variants": a.variants,
            "truth": doc.truth,
            "spec": spec,
        });
        for (name, v) in sides {
            j[name] = v;
        }
        write(
            a.out.join(format!("{id}.json")),
            serde_json::to_string_pretty(&j).unwrap().as_bytes(),
        )?;
    }
    let _ = DEFAULT_TODAY;
    Ok(())
}

fn main() -> ExitCode {
    match parse() {
        Ok(a) => match run(a) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("docgen: {e}");
                ExitCode::FAILURE
            }
        },
        Err(e) => {
            if !e.is_empty() {
                eprintln!("docgen: {e}\n");
            }
            if e.is_empty() {
                println!("{USAGE}");
                ExitCode::SUCCESS
            } else {
                eprintln!("{USAGE}");
                ExitCode::from(2)
            }
        }
    }
}
