//! From the outcomes of every case to the figures: per kind and overall verified and
//! false-reject rates, field accuracy (barcode and MRZ apart), false accepts, expected
//! codes, timing and upload feedback; as JSON (everything, every case) and as the Markdown
//! tables docs/accuracy.md copies. Counting only: nothing here reads or decides.

use std::collections::BTreeMap;

use serde::Serialize;
use verifyd_docgen::{Difficulty, DocumentKind};

use crate::cases::{CaseId, Category, Split};
use crate::expect::FIELDS;
use crate::run::{Outcome, SideQuality};

/// `k` of `n`, with a 95 % interval.
#[derive(Clone, Copy, Debug, Default, Serialize)]
pub struct Rate {
    pub k: u64,
    pub n: u64,
    /// Wilson score interval (95 %), in percent.
    pub low: f64,
    pub high: f64,
}

impl Rate {
    pub fn new(k: u64, n: u64) -> Self {
        let (low, high) = wilson(k, n);
        Rate {
            k,
            n,
            low: low * 100.0,
            high: high * 100.0,
        }
    }

    pub fn percent(&self) -> Option<f64> {
        (self.n > 0).then(|| self.k as f64 * 100.0 / self.n as f64)
    }

    /// `97.5 % (39/40)`, or `–` with nothing to count.
    pub fn show(&self) -> String {
        match self.percent() {
            Some(p) => format!("{} ({}/{})", pct(p), self.k, self.n),
            None => "–".into(),
        }
    }

    /// With the 95 % interval: `2.5 % (1/40; 95 % CI 0.4–12.9 %)`.
    pub fn show_ci(&self) -> String {
        match self.percent() {
            Some(p) => format!(
                "{} ({}/{}; 95 % CI {:.1}–{:.1} %)",
                pct(p),
                self.k,
                self.n,
                self.low,
                self.high
            ),
            None => "–".into(),
        }
    }
}

fn pct(p: f64) -> String {
    if p == 100.0 || p == 0.0 {
        format!("{p:.0} %")
    } else {
        format!("{p:.1} %")
    }
}

/// Wilson score interval for k successes in n trials, z = 1.96.
fn wilson(k: u64, n: u64) -> (f64, f64) {
    if n == 0 {
        return (0.0, 0.0);
    }
    let z = 1.96f64;
    let n_f = n as f64;
    let p = k as f64 / n_f;
    let denom = 1.0 + z * z / n_f;
    let centre = (p + z * z / (2.0 * n_f)) / denom;
    let half = z * (p * (1.0 - p) / n_f + z * z / (4.0 * n_f * n_f)).sqrt() / denom;
    ((centre - half).max(0.0), (centre + half).min(1.0))
}

/// Per kind (or overall) figures.
#[derive(Clone, Debug, Default, Serialize)]
pub struct KindSummary {
    pub kind: String,
    /// Every case of the kind (genuine and failure cases).
    pub documents: u64,
    pub genuine: u64,
    pub genuine_legible: u64,
    /// Verified among genuine legible documents.
    pub verified_legible: Rate,
    /// Genuine legible documents not verified.
    pub false_reject_legible: Rate,
    /// Verified among genuine documents that are not legible.
    pub verified_not_legible: Rate,
    /// Every genuine document.
    pub verified_all: Rate,
    /// Fields right on verified genuine legible documents.
    pub field_accuracy: Rate,
    /// Documents whose every field was right, among verified genuine legible ones.
    pub documents_all_fields_right: Rate,
    pub failure_cases: u64,
    /// Cases that must not have been verified and were (an expired, tampered, under-age,
    /// wrong-type or non-document case verified), or were verified with an output field
    /// wrong (any category, genuine and unreadable included). See `Outcome::false_accept`.
    pub false_accepts: u64,
    /// Of the false accepts, verified documents with a wrong output field.
    pub false_accepts_wrong_field: u64,
    /// Unreadable cases verified with every field right (not false accepts).
    pub read_although_illegible: u64,
    /// Failure cases that ended with the code their category calls for, among the failure
    /// cases other than the unreadable ones read although predicted illegible.
    pub expected_code: Rate,
}

/// Per failure category figures.
#[derive(Clone, Debug, Default, Serialize)]
pub struct CategorySummary {
    pub category: String,
    pub expected_code_name: String,
    pub cases: u64,
    pub false_accepts: u64,
    /// Unreadable cases verified with every field right.
    pub read_although_illegible: u64,
    /// Among the cases, not counting those read although predicted illegible.
    pub expected_code: Rate,
    /// Codes the cases ended with (`verified, …` for verified ones, split by whether every
    /// output field was right).
    pub codes: BTreeMap<String, u64>,
}

/// A case verified that must not have been (see `Outcome::false_accept`).
#[derive(Clone, Debug, Serialize)]
pub struct FalseAccept {
    pub kind: String,
    pub category: String,
    pub seed: u64,
    pub difficulty: Difficulty,
    pub legible: bool,
    /// For cases with a truth: whether every output field was the true one.
    pub outputs_correct: Option<bool>,
    /// The wrong fields: "field: expected X, got Y".
    pub wrong_fields: Vec<String>,
    pub command: String,
}

/// An unreadable case verified with every output field right.
#[derive(Clone, Debug, Serialize)]
pub struct ReadAlthoughIllegible {
    pub kind: String,
    pub seed: u64,
    pub difficulty: Difficulty,
    /// Smallest PDF417 module / MRZ cap height in the degraded photo (px).
    pub code_size_px: Option<f32>,
    pub blur_sigma: f32,
    pub command: String,
}

/// A genuine document that was not verified.
#[derive(Clone, Debug, Serialize)]
pub struct NotVerified {
    pub kind: String,
    pub seed: u64,
    pub difficulty: Difficulty,
    pub legible: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    pub code: Option<String>,
    pub reason: Option<String>,
    pub machine_read: bool,
    pub command: String,
}

/// How often each reason was given, with example seeds.
#[derive(Clone, Debug, Serialize)]
pub struct ReasonCount {
    pub code: String,
    pub reason: String,
    pub legible: u64,
    pub not_legible: u64,
    /// Up to five (kind, seed) examples, legible ones first.
    pub examples: Vec<(String, u64)>,
}

/// Field accuracy by field for one source.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FieldTable {
    pub documents: u64,
    pub fields: BTreeMap<String, Rate>,
    pub all: Rate,
}

/// Timing of `observe` (front + back, one after the other) per document.
#[derive(Clone, Debug, Default, Serialize)]
pub struct Timing {
    pub documents: u64,
    pub p50_ms: f64,
    pub p90_ms: f64,
    pub p99_ms: f64,
    pub max_ms: f64,
    pub mean_ms: f64,
    /// Slowest cases, for profiling.
    pub slowest: Vec<(String, u64, f64)>,
}

/// Upload feedback figures.
#[derive(Clone, Debug, Default, Serialize)]
pub struct FeedbackSummary {
    /// Retakes asked for on genuine legible photos (should be none), per side.
    pub false_retakes_front: Rate,
    pub false_retakes_back: Rate,
    /// Unreadable photos for which no retake was asked (should be none).
    pub missed_unreadable: Rate,
    /// Of those misses, how many had their barcode/MRZ read all the same (the feedback
    /// then rightly lets the photo through).
    pub missed_unreadable_but_read: u64,
    /// Not-a-document fronts for which no retake was asked.
    pub missed_not_a_document: Rate,
    /// `category/side/retake` → count, every case.
    pub retakes: BTreeMap<String, u64>,
    /// Examples of false retakes on genuine legible photos: (kind, seed, side, retake).
    pub false_retake_examples: Vec<(String, u64, String, String)>,
    /// Examples of missed unreadable photos.
    pub missed_examples: Vec<(String, u64)>,
}

/// The upload check's view of one group of photos: how often it asked for a retake and
/// why, and the distribution of the quality measures it decides on. For calibrating
/// `FeedbackLimits` (on the tuning split).
#[derive(Clone, Debug, Default, Serialize)]
pub struct FeedbackGroup {
    pub group: String,
    pub photos: u64,
    pub document_found: Rate,
    /// The quick reading found and parsed the barcode/MRZ (no retake is then asked).
    pub code_read: Rate,
    pub retake_asked: Rate,
    /// Retake → count.
    pub retakes: BTreeMap<String, u64>,
    /// Measure → [p1, p5, p25, p50, p75, p95, p99]. `document_width` over photos where a
    /// document was found; the others over every photo; all over photos whose code was
    /// not read when `unread_only`.
    pub quantiles: BTreeMap<String, [f64; 7]>,
}

pub const QUANTILES: [f64; 7] = [1.0, 5.0, 25.0, 50.0, 75.0, 95.0, 99.0];

/// The whole report.
#[derive(Clone, Debug, Serialize)]
pub struct Report {
    pub split: String,
    pub seed_range: (u64, u64),
    pub genuine_per_kind: u64,
    pub failures_per_category_per_kind: u64,
    pub first_index: u64,
    pub threads: usize,
    pub today: String,
    pub wall_seconds: f64,
    pub documents_per_second_wall: f64,
    /// `threads / mean observe time`: checks per second with every thread busy.
    pub checks_per_second: f64,
    pub load_average_start: String,
    pub load_average_end: String,
    pub overall: KindSummary,
    pub per_kind: Vec<KindSummary>,
    pub by_difficulty: Vec<(Difficulty, Rate, Rate)>,
    pub categories: Vec<CategorySummary>,
    pub false_accepts: Vec<FalseAccept>,
    pub read_although_illegible: Vec<ReadAlthoughIllegible>,
    pub not_verified: Vec<NotVerified>,
    pub reasons: Vec<ReasonCount>,
    /// Verified genuine legible documents, by the source of their data.
    pub fields_barcode: FieldTable,
    pub fields_mrz: FieldTable,
    /// The machine-readable data as parsed from the readings, on every genuine legible
    /// document (a document read wrongly or not at all counts every field wrong).
    pub reader_barcode: FieldTable,
    pub reader_mrz: FieldTable,
    /// Genuine legible: barcode payload byte-exact / MRZ raw lines exact.
    pub barcode_exact: Rate,
    pub mrz_lines_exact: Rate,
    /// AAMVA deviations among genuine documents: variant → verified.
    pub variants: BTreeMap<String, Rate>,
    pub timing: Timing,
    pub timing_per_kind: Vec<(String, Timing)>,
    pub generate_mean_ms: f64,
    pub feedback: FeedbackSummary,
    pub feedback_groups: Vec<FeedbackGroup>,
    /// Cases whose run panicked outside the readers: "kind category seed".
    pub harness_panics: Vec<String>,
    /// Readers that panicked: (kind, seed).
    pub crashes: Vec<(String, u64)>,
    /// Verified documents whose `verified_outputs` and report section disagree.
    pub inconsistent: Vec<(String, u64, Vec<&'static str>)>,
    /// Field errors on verified genuine documents: (kind, seed, field, expected, got).
    pub field_errors: Vec<(String, u64, String, String, String)>,
    pub cases: Vec<Outcome>,
}

fn id_of(o: &Outcome) -> CaseId {
    CaseId {
        kind: o.kind,
        category: o.category,
        seed: o.seed,
    }
}

fn kind_summary(name: String, outcomes: &[&Outcome]) -> KindSummary {
    let genuine: Vec<&&Outcome> = outcomes
        .iter()
        .filter(|o| o.category == Category::Genuine)
        .collect();
    let legible: Vec<&&Outcome> = genuine.iter().copied().filter(|o| o.legible).collect();
    let not_legible: Vec<&&Outcome> = genuine.iter().copied().filter(|o| !o.legible).collect();
    let count =
        |v: &[&&Outcome], f: &dyn Fn(&Outcome) -> bool| v.iter().filter(|o| f(o)).count() as u64;
    let count_all = |f: &dyn Fn(&Outcome) -> bool| outcomes.iter().filter(|o| f(o)).count() as u64;
    let verified_legible = count(&legible, &|o| o.verified);
    let fields: Vec<&crate::expect::FieldResult> = legible
        .iter()
        .filter(|o| o.verified)
        .flat_map(|o| o.fields.iter())
        .collect();
    let failures: Vec<&&Outcome> = outcomes
        .iter()
        .filter(|o| o.category != Category::Genuine)
        .collect();
    let judged: Vec<&&&Outcome> = failures
        .iter()
        .filter(|o| !o.read_although_illegible())
        .collect();
    let expected_ok = judged
        .iter()
        .filter(|o| o.code.as_deref() == o.category.expected_code())
        .count() as u64;
    KindSummary {
        kind: name,
        documents: outcomes.len() as u64,
        genuine: genuine.len() as u64,
        genuine_legible: legible.len() as u64,
        verified_legible: Rate::new(verified_legible, legible.len() as u64),
        false_reject_legible: Rate::new(
            legible.len() as u64 - verified_legible,
            legible.len() as u64,
        ),
        verified_not_legible: Rate::new(
            count(&not_legible, &|o| o.verified),
            not_legible.len() as u64,
        ),
        verified_all: Rate::new(count(&genuine, &|o| o.verified), genuine.len() as u64),
        field_accuracy: Rate::new(
            fields.iter().filter(|f| f.ok).count() as u64,
            fields.len() as u64,
        ),
        documents_all_fields_right: Rate::new(
            count(&legible, &|o| o.verified && o.fields.iter().all(|f| f.ok)),
            verified_legible,
        ),
        failure_cases: failures.len() as u64,
        false_accepts: count_all(&|o| o.false_accept()),
        false_accepts_wrong_field: count_all(&|o| o.false_accept() && !o.fields.is_empty()),
        read_although_illegible: count_all(&|o| o.read_although_illegible()),
        expected_code: Rate::new(expected_ok, judged.len() as u64),
    }
}

/// Field accuracy over `docs`, each giving its field results (empty: nothing read, every
/// field counts wrong).
fn field_table(docs: &[(&Outcome, &[crate::expect::FieldResult])]) -> FieldTable {
    let mut per: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for (outcome, results) in docs {
        for field in FIELDS {
            let applies = match field {
                "issued_date" | "address" => outcome.kind.is_aamva(),
                _ => true,
            };
            if !applies {
                continue;
            }
            let entry = per.entry(field.to_owned()).or_default();
            entry.1 += 1;
            if results.iter().any(|r| r.field == field && r.ok) {
                entry.0 += 1;
            }
        }
    }
    let (k, n) = per.values().fold((0, 0), |(k, n), (a, b)| (k + a, n + b));
    FieldTable {
        documents: docs.len() as u64,
        fields: per
            .into_iter()
            .map(|(f, (k, n))| (f, Rate::new(k, n)))
            .collect(),
        all: Rate::new(k, n),
    }
}

fn percentile(sorted: &[f64], p: f64) -> f64 {
    if sorted.is_empty() {
        return 0.0;
    }
    // Nearest rank.
    let rank = ((p / 100.0) * sorted.len() as f64).ceil() as usize;
    sorted[rank.clamp(1, sorted.len()) - 1]
}

fn timing(outcomes: &[&Outcome]) -> Timing {
    let mut times: Vec<f64> = outcomes.iter().map(|o| o.observe_ms).collect();
    times.sort_by(f64::total_cmp);
    let mut slow: Vec<&&Outcome> = outcomes.iter().collect();
    slow.sort_by(|a, b| b.observe_ms.total_cmp(&a.observe_ms));
    Timing {
        documents: times.len() as u64,
        p50_ms: percentile(&times, 50.0),
        p90_ms: percentile(&times, 90.0),
        p99_ms: percentile(&times, 99.0),
        max_ms: times.last().copied().unwrap_or(0.0),
        mean_ms: if times.is_empty() {
            0.0
        } else {
            times.iter().sum::<f64>() / times.len() as f64
        },
        slowest: slow
            .iter()
            .take(5)
            .map(|o| (o.kind.name().to_owned(), o.seed, o.observe_ms))
            .collect(),
    }
}

fn quantiles(mut values: Vec<f64>) -> [f64; 7] {
    values.sort_by(f64::total_cmp);
    QUANTILES.map(|p| percentile(&values, p))
}

/// The photos of the set grouped as the feedback calibration looks at them: genuine
/// photos that docgen predicts legible (fronts and backs apart) and those it does not,
/// the degraded side of unreadable cases, and images that are not documents.
fn feedback_groups(all: &[&Outcome]) -> Vec<FeedbackGroup> {
    type Photo = (SideQuality, Option<&'static str>);
    let mut groups: Vec<(String, Vec<Photo>)> = vec![
        ("genuine, legible photo: card fronts".into(), Vec::new()),
        ("genuine, legible photo: passport pages".into(), Vec::new()),
        ("genuine, legible photo: backs".into(), Vec::new()),
        ("genuine, photo not legible: fronts".into(), Vec::new()),
        ("genuine, photo not legible: backs".into(), Vec::new()),
        ("unreadable: the degraded side".into(), Vec::new()),
        (
            "unreadable: the degraded side, code not read".into(),
            Vec::new(),
        ),
        ("not a document: fronts".into(), Vec::new()),
        ("not a document: backs".into(), Vec::new()),
    ];
    for o in all {
        let sides = [
            (
                "front",
                o.quality_front,
                o.feedback_front,
                o.photo_legible_front,
            ),
            (
                "back",
                o.quality_back,
                o.feedback_back,
                o.photo_legible_back,
            ),
        ];
        for (side, quality, retake, legible) in sides {
            let Some(q) = quality else { continue };
            let front = side == "front";
            let mut push = |i: usize| groups[i].1.push((q, retake));
            match o.category {
                Category::Genuine => match (legible, front) {
                    (Some(true), true) if o.kind == DocumentKind::PassportTd3 => push(1),
                    (Some(true), true) => push(0),
                    (Some(true), false) => push(2),
                    (_, true) => push(3),
                    (_, false) => push(4),
                },
                Category::Unreadable if o.degraded == Some(side) => {
                    push(5);
                    if !q.quick_readable {
                        push(6);
                    }
                }
                Category::NotADocument => push(if front { 7 } else { 8 }),
                _ => {}
            }
        }
    }
    groups
        .into_iter()
        .map(|(group, photos)| {
            let n = photos.len() as u64;
            let count = |f: &dyn Fn(&Photo) -> bool| photos.iter().filter(|p| f(p)).count() as u64;
            let mut retakes = BTreeMap::new();
            for (_, r) in &photos {
                *retakes.entry(r.unwrap_or("none").to_owned()).or_insert(0) += 1;
            }
            let mut q = BTreeMap::new();
            let of = |f: &dyn Fn(&SideQuality) -> f64| photos.iter().map(|p| f(&p.0)).collect();
            q.insert(
                "document_width".to_owned(),
                quantiles(
                    photos
                        .iter()
                        .filter(|p| p.0.document_found)
                        .map(|p| f64::from(p.0.document_width))
                        .collect(),
                ),
            );
            q.insert(
                "sharpness".to_owned(),
                quantiles(of(&|s| f64::from(s.sharpness))),
            );
            q.insert(
                "brightness".to_owned(),
                quantiles(of(&|s| f64::from(s.brightness))),
            );
            q.insert("glare".to_owned(), quantiles(of(&|s| f64::from(s.glare))));
            FeedbackGroup {
                group,
                photos: n,
                document_found: Rate::new(count(&|p| p.0.document_found), n),
                code_read: Rate::new(count(&|p| p.0.quick_readable), n),
                retake_asked: Rate::new(count(&|p| p.1.is_some()), n),
                retakes,
                quantiles: q,
            }
        })
        .collect()
}

/// Run parameters that are not in the outcomes.
pub struct RunInfo {
    pub split: Split,
    pub genuine: u64,
    pub failures: u64,
    /// Index of the first case of each kind and category.
    pub first_index: u64,
    pub threads: usize,
    pub wall_seconds: f64,
    pub load_average_start: String,
    pub load_average_end: String,
    /// Cases whose run panicked outside the readers (generation or the decision).
    pub harness_panics: Vec<String>,
}

pub fn build(info: RunInfo, mut outcomes: Vec<Outcome>) -> Report {
    outcomes.sort_by_key(|o| o.seed);
    let all: Vec<&Outcome> = outcomes.iter().collect();
    let of_kind = |k: DocumentKind| -> Vec<&Outcome> {
        all.iter().copied().filter(|o| o.kind == k).collect()
    };

    let per_kind: Vec<KindSummary> = DocumentKind::ALL
        .iter()
        .map(|k| kind_summary(k.name().to_owned(), &of_kind(*k)))
        .collect();
    let overall = kind_summary("all".into(), &all);

    let genuine: Vec<&Outcome> = all
        .iter()
        .copied()
        .filter(|o| o.category == Category::Genuine)
        .collect();
    let by_difficulty = [Difficulty::Easy, Difficulty::Typical, Difficulty::Hard]
        .into_iter()
        .map(|d| {
            let of: Vec<&&Outcome> = genuine.iter().filter(|o| o.difficulty == d).collect();
            let legible = of.iter().filter(|o| o.legible).count() as u64;
            let verified = of.iter().filter(|o| o.verified).count() as u64;
            (
                d,
                Rate::new(legible, of.len() as u64),
                Rate::new(verified, of.len() as u64),
            )
        })
        .collect();

    let categories = Category::ALL
        .iter()
        .filter(|c| **c != Category::Genuine)
        .map(|c| {
            let of: Vec<&&Outcome> = all.iter().filter(|o| o.category == *c).collect();
            let mut codes = BTreeMap::new();
            for o in &of {
                let code = if o.outputs_right() {
                    "verified, every field right".to_owned()
                } else if o.verified {
                    "verified, a field wrong or unchecked".to_owned()
                } else {
                    o.code.clone().unwrap_or_else(|| "(no code)".into())
                };
                *codes.entry(code).or_insert(0) += 1;
            }
            CategorySummary {
                category: c.name().to_owned(),
                expected_code_name: c.expected_code().unwrap_or("").to_owned(),
                cases: of.len() as u64,
                false_accepts: of.iter().filter(|o| o.false_accept()).count() as u64,
                read_although_illegible: of.iter().filter(|o| o.read_although_illegible()).count()
                    as u64,
                expected_code: Rate::new(
                    of.iter()
                        .filter(|o| o.code.as_deref() == c.expected_code())
                        .count() as u64,
                    of.iter().filter(|o| !o.read_although_illegible()).count() as u64,
                ),
                codes,
            }
        })
        .collect();

    let false_accepts = all
        .iter()
        .filter(|o| o.false_accept())
        .map(|o| FalseAccept {
            kind: o.kind.name().to_owned(),
            category: o.category.name().to_owned(),
            seed: o.seed,
            difficulty: o.difficulty,
            legible: o.legible,
            outputs_correct: (!o.fields.is_empty()).then(|| o.fields.iter().all(|f| f.ok)),
            wrong_fields: o
                .fields
                .iter()
                .filter(|f| !f.ok)
                .map(|f| {
                    format!(
                        "{}: expected {}, got {}",
                        f.field,
                        f.expected.as_deref().unwrap_or(""),
                        f.got.as_deref().unwrap_or("")
                    )
                })
                .collect(),
            command: id_of(o).command(),
        })
        .collect();
    let read_although_illegible = all
        .iter()
        .filter(|o| o.read_although_illegible())
        .map(|o| ReadAlthoughIllegible {
            kind: o.kind.name().to_owned(),
            seed: o.seed,
            difficulty: o.difficulty,
            code_size_px: o.code_size_px,
            blur_sigma: o.code_blur_sigma,
            command: id_of(o).command(),
        })
        .collect();

    let not_verified: Vec<NotVerified> = genuine
        .iter()
        .filter(|o| !o.verified)
        .map(|o| NotVerified {
            kind: o.kind.name().to_owned(),
            seed: o.seed,
            difficulty: o.difficulty,
            legible: o.legible,
            variant: o.variant.clone(),
            code: o.code.clone(),
            reason: o.reason.clone(),
            machine_read: o.machine_read,
            command: id_of(o).command(),
        })
        .collect();
    let mut reasons: BTreeMap<(String, String), ReasonCount> = BTreeMap::new();
    for nv in &not_verified {
        let code = nv.code.clone().unwrap_or_else(|| "(no code)".into());
        let reason = nv.reason.clone().unwrap_or_default();
        let entry = reasons
            .entry((code.clone(), reason.clone()))
            .or_insert_with(|| ReasonCount {
                code,
                reason,
                legible: 0,
                not_legible: 0,
                examples: Vec::new(),
            });
        if nv.legible {
            entry.legible += 1;
        } else {
            entry.not_legible += 1;
        }
    }
    for entry in reasons.values_mut() {
        let mut examples: Vec<&NotVerified> = not_verified
            .iter()
            .filter(|nv| {
                nv.code.as_deref().unwrap_or("(no code)") == entry.code
                    && nv.reason.as_deref().unwrap_or_default() == entry.reason
            })
            .collect();
        examples.sort_by_key(|nv| !nv.legible);
        entry.examples = examples
            .iter()
            .take(5)
            .map(|nv| (nv.kind.clone(), nv.seed))
            .collect();
    }
    let mut reasons: Vec<ReasonCount> = reasons.into_values().collect();
    reasons.sort_by_key(|r| std::cmp::Reverse(r.legible + r.not_legible));

    let legible_genuine: Vec<&Outcome> = genuine.iter().copied().filter(|o| o.legible).collect();
    let verified_of = |barcode: bool| -> Vec<(&Outcome, &[crate::expect::FieldResult])> {
        legible_genuine
            .iter()
            .filter(|o| o.verified && o.kind.is_aamva() == barcode)
            .map(|o| (*o, o.fields.as_slice()))
            .collect()
    };
    let reader_of = |barcode: bool| -> Vec<(&Outcome, &[crate::expect::FieldResult])> {
        legible_genuine
            .iter()
            .filter(|o| o.kind.is_aamva() == barcode)
            .map(|o| (*o, o.machine_fields.as_slice()))
            .collect()
    };
    let exact = |f: &dyn Fn(&Outcome) -> Option<bool>| {
        let v: Vec<bool> = legible_genuine.iter().filter_map(|o| f(o)).collect();
        Rate::new(v.iter().filter(|b| **b).count() as u64, v.len() as u64)
    };

    let mut variants: BTreeMap<String, (u64, u64)> = BTreeMap::new();
    for o in genuine.iter().filter(|o| o.kind.is_aamva()) {
        let name = o.variant.clone().unwrap_or_else(|| "(conformant)".into());
        let e = variants.entry(name).or_default();
        e.1 += 1;
        e.0 += o.verified as u64;
    }

    let mut fb = FeedbackSummary::default();
    let (mut ff, mut nf, mut fbk, mut nb) = (0, 0, 0, 0);
    let (mut miss, mut n_unreadable, mut miss_nad, mut n_nad) = (0, 0, 0, 0);
    for o in &all {
        for (side, retake) in [("front", o.feedback_front), ("back", o.feedback_back)] {
            let name = retake.unwrap_or("none");
            *fb.retakes
                .entry(format!("{}/{side}/{name}", o.category.name()))
                .or_insert(0) += 1;
        }
        if o.category == Category::Genuine && o.legible {
            nf += 1;
            if let Some(r) = o.feedback_front {
                ff += 1;
                fb.false_retake_examples.push((
                    o.kind.name().into(),
                    o.seed,
                    "front".into(),
                    r.into(),
                ));
            }
            if o.kind.has_back() {
                nb += 1;
                if let Some(r) = o.feedback_back {
                    fbk += 1;
                    fb.false_retake_examples.push((
                        o.kind.name().into(),
                        o.seed,
                        "back".into(),
                        r.into(),
                    ));
                }
            }
        }
        if o.category == Category::Unreadable {
            n_unreadable += 1;
            let asked = match o.degraded {
                Some("front") => o.feedback_front,
                _ => o.feedback_back,
            };
            if asked.is_none() {
                miss += 1;
                fb.missed_unreadable_but_read += o.machine_read as u64;
                fb.missed_examples.push((o.kind.name().into(), o.seed));
            }
        }
        if o.category == Category::NotADocument {
            n_nad += 1;
            miss_nad += o.feedback_front.is_none() as u64;
        }
    }
    fb.false_retakes_front = Rate::new(ff, nf);
    fb.false_retakes_back = Rate::new(fbk, nb);
    fb.missed_unreadable = Rate::new(miss, n_unreadable);
    fb.missed_not_a_document = Rate::new(miss_nad, n_nad);
    fb.false_retake_examples.truncate(20);
    fb.missed_examples.truncate(20);

    let timing_all = timing(&all);
    let checks_per_second = if timing_all.mean_ms > 0.0 {
        info.threads as f64 * 1000.0 / timing_all.mean_ms
    } else {
        0.0
    };
    let field_errors = genuine
        .iter()
        .flat_map(|o| {
            o.fields.iter().filter(|f| !f.ok).map(|f| {
                (
                    o.kind.name().to_owned(),
                    o.seed,
                    f.field.to_owned(),
                    f.expected.clone().unwrap_or_default(),
                    f.got.clone().unwrap_or_default(),
                )
            })
        })
        .collect();
    Report {
        split: info.split.name().to_owned(),
        seed_range: info.split.seed_range(),
        genuine_per_kind: info.genuine,
        failures_per_category_per_kind: info.failures,
        first_index: info.first_index,
        threads: info.threads,
        today: "2026-11-01".into(),
        wall_seconds: info.wall_seconds,
        documents_per_second_wall: all.len() as f64 / info.wall_seconds.max(1e-9),
        checks_per_second,
        load_average_start: info.load_average_start,
        load_average_end: info.load_average_end,
        overall,
        per_kind,
        by_difficulty,
        categories,
        false_accepts,
        read_although_illegible,
        not_verified,
        reasons,
        fields_barcode: field_table(&verified_of(true)),
        fields_mrz: field_table(&verified_of(false)),
        reader_barcode: field_table(&reader_of(true)),
        reader_mrz: field_table(&reader_of(false)),
        barcode_exact: exact(&|o| o.barcode_exact),
        mrz_lines_exact: exact(&|o| o.mrz_lines_exact),
        variants: variants
            .into_iter()
            .map(|(v, (k, n))| (v, Rate::new(k, n)))
            .collect(),
        timing: timing_all,
        timing_per_kind: DocumentKind::ALL
            .iter()
            .map(|k| (k.name().to_owned(), timing(&of_kind(*k))))
            .collect(),
        generate_mean_ms: if all.is_empty() {
            0.0
        } else {
            all.iter().map(|o| o.generate_ms).sum::<f64>() / all.len() as f64
        },
        feedback: fb,
        feedback_groups: feedback_groups(&all),
        harness_panics: info.harness_panics,
        crashes: all
            .iter()
            .filter(|o| o.crashed)
            .map(|o| (o.kind.name().to_owned(), o.seed))
            .collect(),
        inconsistent: all
            .iter()
            .filter(|o| !o.inconsistent.is_empty())
            .map(|o| (o.kind.name().to_owned(), o.seed, o.inconsistent.clone()))
            .collect(),
        field_errors,
        cases: outcomes,
    }
}

fn field_row(name: &str, table: &FieldTable) -> String {
    let mut cells = vec![name.to_owned(), table.documents.to_string()];
    for field in FIELDS {
        cells.push(
            table
                .fields
                .get(field)
                .map(|r| r.show())
                .unwrap_or_else(|| "n/a".into()),
        );
    }
    cells.push(table.all.show());
    format!("| {} |", cells.join(" | "))
}

fn ms(v: f64) -> String {
    format!("{:.0} ms", v)
}

/// The Markdown summary (what docs/accuracy.md shows).
pub fn markdown(r: &Report) -> String {
    let mut s = String::new();
    let mut line = |l: &str| {
        s.push_str(l);
        s.push('\n');
    };
    line(&format!(
        "## Accuracy on the {} split ({} cases: {} genuine and {} of each failure category per kind, case indexes from {}; {} threads; wall time {:.0} s)",
        r.split,
        r.overall.documents,
        r.genuine_per_kind,
        r.failures_per_category_per_kind,
        r.first_index,
        r.threads,
        r.wall_seconds
    ));
    line("");
    line("### Genuine documents and failure cases, per kind");
    line("");
    line("| kind | cases | genuine (legible) | verified, legible | false rejects, legible | verified, not legible | field accuracy (verified, legible) | false accepts (of which a field wrong) | read although predicted illegible | expected failure code |");
    line("|---|---|---|---|---|---|---|---|---|---|");
    for k in r.per_kind.iter().chain(std::iter::once(&r.overall)) {
        line(&format!(
            "| {} | {} | {} ({}) | {} | {} | {} | {} | {} ({}) | {} | {} |",
            if k.kind == "all" {
                "**all**".to_owned()
            } else {
                k.kind.clone()
            },
            k.documents,
            k.genuine,
            k.genuine_legible,
            k.verified_legible.show(),
            k.false_reject_legible.show(),
            k.verified_not_legible.show(),
            k.field_accuracy.show(),
            k.false_accepts,
            k.false_accepts_wrong_field,
            k.read_although_illegible,
            k.expected_code.show(),
        ));
    }
    line("");
    line("False accepts: failure cases (other than unreadable) verified, plus any case verified with an output field wrong. \"Read although predicted illegible\": unreadable cases verified with every output field right. \"Expected failure code\": failure cases that got the code of their category, not counting those read although predicted illegible.");
    line("");
    line(&format!(
        "False rejects of genuine legible documents overall: {}. Every genuine document: verified {}.",
        r.overall.false_reject_legible.show_ci(),
        r.overall.verified_all.show()
    ));
    line("");
    line("Genuine documents by photo difficulty:");
    line("");
    line("| difficulty | legible | verified |");
    line("|---|---|---|");
    for (d, legible, verified) in &r.by_difficulty {
        line(&format!(
            "| {d:?} | {} | {} |",
            legible.show(),
            verified.show()
        ));
    }
    line("");
    line("### Failure cases");
    line("");
    line("| category | cases | false accepts | read although predicted illegible | expected code | got the expected code | codes |");
    line("|---|---|---|---|---|---|---|");
    for c in &r.categories {
        let codes: Vec<String> = c.codes.iter().map(|(k, v)| format!("{k}: {v}")).collect();
        line(&format!(
            "| {} | {} | {} | {} | {} | {} | {} |",
            c.category,
            c.cases,
            c.false_accepts,
            c.read_although_illegible,
            c.expected_code_name,
            c.expected_code.show(),
            codes.join(", ")
        ));
    }
    line("");
    let n_fail: u64 = r.categories.iter().map(|c| c.cases).sum();
    let n_verified = r.cases.iter().filter(|o| o.verified).count() as u64;
    if r.false_accepts.is_empty() {
        line(&format!(
            "False accepts: **none** ({n_fail} failure cases, 95 % upper bound {:.2} %; {n_verified} verified cases, none with a wrong field).",
            Rate::new(0, n_fail).high
        ));
    } else {
        line(&format!(
            "False accepts: **{}** ({n_fail} failure cases; {n_verified} verified cases):",
            r.false_accepts.len()
        ));
        line("");
        for fa in &r.false_accepts {
            let fields = if fa.wrong_fields.is_empty() {
                match fa.outputs_correct {
                    Some(true) => "every output right".to_owned(),
                    _ => "outputs not checkable".to_owned(),
                }
            } else {
                format!("wrong: {}", fa.wrong_fields.join("; "))
            };
            line(&format!(
                "- {} {} seed {} ({:?}, {}legible, {}): `{}`",
                fa.kind,
                fa.category,
                fa.seed,
                fa.difficulty,
                if fa.legible { "" } else { "not " },
                fields,
                fa.command
            ));
        }
    }
    line("");
    if r.read_although_illegible.is_empty() {
        line("Read although predicted illegible: none.");
    } else {
        line(&format!(
            "Read although predicted illegible (unreadable cases verified with every output field right; not false accepts): **{}**:",
            r.read_although_illegible.len()
        ));
        line("");
        for ri in &r.read_although_illegible {
            line(&format!(
                "- {} seed {} ({:?}, code {} px, blur σ {:.1}): `{}`",
                ri.kind,
                ri.seed,
                ri.difficulty,
                ri.code_size_px
                    .map_or("?".to_owned(), |v| format!("{v:.1}")),
                ri.blur_sigma,
                ri.command
            ));
        }
    }
    line("");
    line("### Field accuracy");
    line("");
    let mut header = vec!["source".to_owned(), "documents".to_owned()];
    header.extend(FIELDS.iter().map(|f| f.to_string()));
    header.push("all fields".into());
    line(&format!("| {} |", header.join(" | ")));
    line(&format!("|{}", "---|".repeat(header.len())));
    line(&field_row("barcode, verified legible", &r.fields_barcode));
    line(&field_row("MRZ, verified legible", &r.fields_mrz));
    line(&field_row(
        "barcode reader, every legible",
        &r.reader_barcode,
    ));
    line(&field_row("MRZ reader, every legible", &r.reader_mrz));
    line("");
    line(&format!(
        "Raw readings on genuine legible photos: barcode payload byte-exact {}; MRZ best lines exact before check-digit repair {}.",
        r.barcode_exact.show(),
        r.mrz_lines_exact.show()
    ));
    line("");
    line("### Why genuine documents were not verified");
    line("");
    line("| code | reason | legible | not legible | examples (kind seed) |");
    line("|---|---|---|---|---|");
    for reason in &r.reasons {
        let ex: Vec<String> = reason
            .examples
            .iter()
            .map(|(k, s)| format!("{k} {s}"))
            .collect();
        line(&format!(
            "| {} | {} | {} | {} | {} |",
            reason.code,
            reason.reason,
            reason.legible,
            reason.not_legible,
            ex.join(", ")
        ));
    }
    line("");
    line("### AAMVA deviations (genuine US/Canadian documents)");
    line("");
    line("| variant | verified |");
    line("|---|---|");
    for (v, rate) in &r.variants {
        line(&format!("| {v} | {} |", rate.show()));
    }
    line("");
    line("### Timing");
    line("");
    line(&format!(
        "`observe` of the front and then the back of one document, {} running:",
        if r.threads == 1 {
            "one case at a time".to_owned()
        } else {
            format!("{} cases at a time", r.threads)
        }
    ));
    line("");
    line("| kind | documents | p50 | p90 | p99 | max |");
    line("|---|---|---|---|---|---|");
    for (k, t) in r
        .timing_per_kind
        .iter()
        .chain(std::iter::once(&("**all**".to_owned(), r.timing.clone())))
    {
        line(&format!(
            "| {k} | {} | {} | {} | {} | {} |",
            t.documents,
            ms(t.p50_ms),
            ms(t.p90_ms),
            ms(t.p99_ms),
            ms(t.max_ms)
        ));
    }
    line("");
    line(&format!(
        "Throughput: {:.2} checks per second on {} threads ({} / mean {}); {:.2} documents per second of wall time including generating them (generation: mean {} per document). Load average at start {}, at end {}.",
        r.checks_per_second,
        r.threads,
        r.threads,
        ms(r.timing.mean_ms),
        r.documents_per_second_wall,
        ms(r.generate_mean_ms),
        r.load_average_start,
        r.load_average_end
    ));
    line("");
    line("### Upload feedback (`FeedbackLimits::default()`)");
    line("");
    line(&format!(
        "- Retakes asked for on genuine legible photos (false retakes): front {}, back {}.",
        r.feedback.false_retakes_front.show(),
        r.feedback.false_retakes_back.show()
    ));
    line(&format!(
        "- Unreadable photos with no retake asked (misses): {}; in {} of them the barcode/MRZ was read all the same.",
        r.feedback.missed_unreadable.show(),
        r.feedback.missed_unreadable_but_read
    ));
    line(&format!(
        "- Not-a-document photos (front) with no retake asked: {}.",
        r.feedback.missed_not_a_document.show()
    ));
    line("");
    line("By group of photos (the quick reading the upload check has; a photo whose barcode/MRZ it reads is never sent back):");
    line("");
    line("| photos | n | document found | code read | retake asked | retakes |");
    line("|---|---|---|---|---|---|");
    for g in &r.feedback_groups {
        let retakes: Vec<String> = g
            .retakes
            .iter()
            .filter(|(k, _)| k.as_str() != "none")
            .map(|(k, v)| format!("{k}: {v}"))
            .collect();
        line(&format!(
            "| {} | {} | {} | {} | {} | {} |",
            g.group,
            g.photos,
            g.document_found.show(),
            g.code_read.show(),
            g.retake_asked.show(),
            retakes.join(", ")
        ));
    }
    line("");
    line("Quality measures by group (percentiles p1 / p5 / p25 / p50 / p75 / p95 / p99; document width over the photos where a document was found):");
    line("");
    line("| photos | document width (px) | sharpness | brightness | glare (‰) |");
    line("|---|---|---|---|---|");
    for g in &r.feedback_groups {
        let show = |m: &str, scale: f64| {
            g.quantiles
                .get(m)
                .map(|v| {
                    v.iter()
                        .map(|x| format!("{:.0}", x * scale))
                        .collect::<Vec<_>>()
                        .join(" / ")
                })
                .unwrap_or_default()
        };
        line(&format!(
            "| {} | {} | {} | {} | {} |",
            g.group,
            show("document_width", 1.0),
            show("sharpness", 1.0),
            show("brightness", 1.0),
            show("glare", 1000.0)
        ));
    }
    line("");
    if !r.crashes.is_empty() || !r.inconsistent.is_empty() || !r.harness_panics.is_empty() {
        line("### Problems");
        line("");
        for case in &r.harness_panics {
            line(&format!("- the case panicked outside the readers: {case}"));
        }
        for (k, seed) in &r.crashes {
            line(&format!("- reader panicked: {k} seed {seed}"));
        }
        for (k, seed, fields) in &r.inconsistent {
            line(&format!(
                "- verified_outputs and report disagree on {}: {k} seed {seed}",
                fields.join(", ")
            ));
        }
        line("");
    }
    if !r.field_errors.is_empty() {
        line("### Field errors on verified genuine documents");
        line("");
        line("| kind | seed | field | expected | got |");
        line("|---|---|---|---|---|");
        for (k, seed, field, want, got) in r.field_errors.iter().take(50) {
            line(&format!("| {k} | {seed} | {field} | {want} | {got} |"));
        }
        line("");
    }
    s
}
