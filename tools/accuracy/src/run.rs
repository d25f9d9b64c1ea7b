//! Running one case end to end, as the server's worker does: a live session and a
//! submission, each image read by `DocumentReader::observe` with the `Wanted` of
//! `LiveEngine::reading_plan` (20 s deadline each, front then back), `LiveEngine::decide`
//! on the readings, and the upload feedback the hosted page would give for each image.
//! The outcome keeps what the report needs and nothing of the images.

use std::panic::AssertUnwindSafe;
use std::time::{Duration, Instant};

use serde::Serialize;
use verifyd_checks::feedback::{feedback, FeedbackLimits};
use verifyd_checks::observation::{ImageObservation, Side, Vision, Wanted};
use verifyd_checks::{
    aamva, countries, mrz, LiveDecision, LiveEngine, Observed, ReadFailure, Reading,
};
use verifyd_core::report::{CheckStatus, DocumentReport};
use verifyd_core::session::{
    Date, DocumentOptions, DocumentOptionsChange, DocumentType, NewSession, SessionType, Verdict,
    VerificationSession, VerifiedOutputs,
};
use verifyd_core::submission::Submission;
use verifyd_docgen::{DocumentKind, DEFAULT_TODAY};
use verifyd_vision::DocumentReader;

use crate::cases::{generate, CaseId, Category, Generated};
use crate::expect::{compare, expected, inconsistencies, FieldResult};

/// Each image's reading budget, as the brief of this tool sets it.
pub const DEADLINE: Duration = Duration::from_secs(20);

/// The processing date: docgen's default "today".
pub fn today() -> Date {
    let (y, m, d) = DEFAULT_TODAY;
    Date::new(y, m, d)
}

/// A live session with the case's allowed types.
pub fn session(generated: &Generated) -> VerificationSession {
    let document_options = generated.allowed_types.as_ref().map(|types| {
        DocumentOptionsChange::Merge(DocumentOptions {
            allowed_types: Some(types.clone()),
            ..DocumentOptions::default()
        })
    });
    let new = NewSession {
        session_type: Some(SessionType::Document),
        document_options,
        ..NewSession::default()
    };
    // 2026-11-01T00:00:00Z: the session is created the day it is processed.
    VerificationSession::create(new, true, 1_793_491_200_000)
        .unwrap_or_else(|e| panic!("a session without metadata is always valid: {e}"))
}

/// The submission: the claimed type and dummy file ids for the images present.
pub fn submission(generated: &Generated) -> Submission {
    Submission {
        document_type: Some(generated.claimed),
        document_front: Some("file_accuracy_front".into()),
        document_back: generated.back.as_ref().map(|_| "file_accuracy_back".into()),
        ..Submission::default()
    }
}

/// One image read: the reading and how long it took.
pub struct SideRun {
    pub side: Side,
    pub wanted: Wanted,
    pub reading: Reading,
    pub elapsed: Duration,
    pub panicked: bool,
}

/// Everything one case produced.
pub struct CaseRun {
    pub generated: Generated,
    pub generate_time: Duration,
    pub reads: Vec<SideRun>,
    pub decision: LiveDecision,
}

/// Reads one image, turning a panic into `ReadFailure::Crashed` as the server does.
pub fn observe(reader: &DocumentReader, bytes: &[u8], side: Side, wanted: Wanted) -> SideRun {
    let start = Instant::now();
    let deadline = start + DEADLINE;
    let result =
        std::panic::catch_unwind(AssertUnwindSafe(|| reader.observe(bytes, wanted, deadline)));
    let elapsed = start.elapsed();
    let (reading, panicked) = match result {
        Ok(Ok(observation)) => (Ok(observation), false),
        Ok(Err(error)) => (Err(ReadFailure::Vision(error)), false),
        Err(_) => (Err(ReadFailure::Crashed), true),
    };
    SideRun {
        side,
        wanted,
        reading,
        elapsed,
        panicked,
    }
}

/// Generates, reads and decides one case.
pub fn run(reader: &DocumentReader, id: CaseId) -> CaseRun {
    let start = Instant::now();
    let generated = generate(id);
    let generate_time = start.elapsed();
    let session = session(&generated);
    let submission = submission(&generated);
    let mut reads = Vec::new();
    let mut observed = Observed::default();
    let photo_of = |side: Side| match side {
        Side::Front => Some(&generated.front),
        Side::Back => generated.back.as_ref(),
        // The cases are document sessions: the plan never asks for a selfie.
        Side::Selfie => None,
    };
    for (side, wanted) in LiveEngine::reading_plan(&session, &submission) {
        let Some(photo) = photo_of(side) else {
            continue;
        };
        let read = observe(reader, &photo.jpeg, side, wanted);
        match side {
            Side::Front => observed.front = Some(read.reading.clone()),
            Side::Back => observed.back = Some(read.reading.clone()),
            Side::Selfie => observed.selfie = Some(read.reading.clone()),
        }
        reads.push(read);
    }
    let engine = LiveEngine::default();
    let mut decision = engine.decide(&session, &submission, &observed, today());
    if !decision.closer_look.is_empty() {
        // As the worker does: one round of closer looks, then the decision again.
        for (side, wanted) in std::mem::take(&mut decision.closer_look) {
            let Some(photo) = photo_of(side) else {
                continue;
            };
            let read = observe(reader, &photo.jpeg, side, wanted);
            observed.add_closer_look(side, read.reading.clone());
            reads.push(read);
        }
        observed.closer_looked = true;
        decision = engine.decide(&session, &submission, &observed, today());
    }
    CaseRun {
        generated,
        generate_time,
        reads,
        decision,
    }
}

/// The reading the hosted page's quick check would have: the server's upload feedback
/// (verifyd-server `live_checks::upload_feedback`) reads a front for nothing but its
/// quality (a passport's for its MRZ too) and a back for a barcode and an MRZ. Readers
/// run only when wanted and the quality measures do not depend on what is wanted, so that
/// reading is the full one with the unwanted parts left out.
fn quick_reading(reading: &Reading, side: Side, claimed: DocumentType) -> Reading {
    let mut quick = reading.clone();
    if let (Ok(observation), Side::Front) = (&mut quick, side) {
        observation.text = None;
        observation.barcode = None;
        if claimed != DocumentType::Passport {
            observation.mrz = None;
        }
    }
    quick
}

/// The data the machine-readable part of the images gives, read as the engine reads it
/// (first barcode that parses as AAMVA, back first; else the first MRZ whose check digits
/// hold), whatever the decision was. For the reader-level field accuracy.
fn machine_reading(
    observations: &[&ImageObservation],
) -> Option<(VerifiedOutputs, DocumentReport)> {
    let empty = DocumentReport {
        status: CheckStatus::Unverified,
        error: None,
        address: None,
        dob: None,
        expiration_date: None,
        files: None,
        first_name: None,
        issued_date: None,
        issuing_country: None,
        last_name: None,
        number: None,
        sex: None,
        document_type: None,
        unparsed_place_of_birth: None,
        unparsed_sex: None,
    };
    for payload in observations.iter().filter_map(|o| o.barcode.as_ref()) {
        if let Ok(r) = aamva::parse(payload) {
            let outputs = VerifiedOutputs {
                first_name: r.first_name.clone(),
                last_name: r.last_name.clone(),
                dob: r.dob,
                sex: r.sex,
                address: r.address.clone(),
                ..VerifiedOutputs::default()
            };
            let report = DocumentReport {
                expiration_date: r.expiration_date,
                issued_date: r.issued_date,
                number: r.document_number.clone(),
                issuing_country: r.issuing_country.clone(),
                document_type: Some(match r.subfile {
                    aamva::SubfileKind::DrivingLicense => DocumentType::DrivingLicense,
                    aamva::SubfileKind::IdCard => DocumentType::IdCard,
                }),
                ..empty
            };
            return Some((outputs, report));
        }
    }
    let today = today();
    for reading in observations.iter().filter_map(|o| o.mrz.as_ref()) {
        if let Ok(r) = mrz::parse(reading, today) {
            let text = |s: &str| {
                let t = s.trim();
                (!t.is_empty()).then(|| t.to_owned())
            };
            let outputs = VerifiedOutputs {
                first_name: text(&r.given_names),
                last_name: text(&r.surname),
                dob: Some(r.birth_date),
                sex: r.sex,
                ..VerifiedOutputs::default()
            };
            let report = DocumentReport {
                expiration_date: Some(r.expiry_date),
                number: text(&r.document_number),
                issuing_country: countries::alpha3_to_alpha2(r.issuing_state.trim_end_matches('<'))
                    .map(str::to_owned),
                document_type: match r.document_code.chars().next() {
                    Some('P') => Some(DocumentType::Passport),
                    Some('I' | 'A' | 'C') => Some(DocumentType::IdCard),
                    _ => None,
                },
                ..empty
            };
            return Some((outputs, report));
        }
    }
    None
}

/// The quality measures of one image as the reader reported them, and whether the upload
/// check's quick reading of it found its barcode or MRZ (the feedback then asks nothing,
/// whatever the measures). For calibrating `FeedbackLimits`.
#[derive(Clone, Copy, Debug, Serialize)]
pub struct SideQuality {
    pub width: u32,
    pub height: u32,
    pub sharpness: f32,
    pub brightness: f32,
    pub glare: f32,
    pub document_found: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub area_fraction: Option<f32>,
    pub document_width: u32,
    pub quick_readable: bool,
}

/// The per-case record in the JSON report.
#[derive(Clone, Debug, Serialize)]
pub struct Outcome {
    pub kind: DocumentKind,
    pub category: Category,
    pub seed: u64,
    pub difficulty: verifyd_docgen::Difficulty,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub variant: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub allowed_types: Option<Vec<DocumentType>>,
    pub claimed: DocumentType,
    pub legible: bool,
    pub code_legible: bool,
    /// Each photo legible by docgen's `legibility()` (the thresholds applied to that photo;
    /// `None` for images that are not documents and for a missing side).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo_legible_front: Option<bool>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub photo_legible_back: Option<bool>,
    /// Smallest PDF417 module / MRZ cap height expected in the code side's photo (px).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code_size_px: Option<f32>,
    pub code_blur_sigma: f32,
    pub verified: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub code: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub reason: Option<String>,
    /// Verified documents with a truth: each field compared.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub fields: Vec<FieldResult>,
    /// Genuine documents: the fields of the machine-readable data as parsed from the
    /// readings, whatever the decision (empty when nothing was read).
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub machine_fields: Vec<FieldResult>,
    /// The barcode (AAMVA kinds) or MRZ (the others) was read and parsed.
    pub machine_read: bool,
    /// The barcode payload read is byte for byte the one encoded.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub barcode_exact: Option<bool>,
    /// The MRZ's best-candidate lines read are exactly the printed lines (before repair).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mrz_lines_exact: Option<bool>,
    pub name_truncated: bool,
    /// Fields on which `verified_outputs` and the report's document section disagree.
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub inconsistent: Vec<&'static str>,
    pub front_ms: f64,
    pub back_ms: f64,
    pub observe_ms: f64,
    pub generate_ms: f64,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    pub read_failures: Vec<String>,
    pub crashed: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality_front: Option<SideQuality>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub quality_back: Option<SideQuality>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback_front: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub feedback_back: Option<&'static str>,
    /// For unreadable cases: the side made unreadable.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub degraded: Option<&'static str>,
}

impl Outcome {
    /// Verified, and every output field compared with the ground truth was right (false
    /// when nothing could be compared, e.g. a verified non-document).
    pub fn outputs_right(&self) -> bool {
        self.verified && !self.fields.is_empty() && self.fields.iter().all(|f| f.ok)
    }

    /// A false accept: an expired, tampered, under-age, wrong-type or non-document case
    /// that ended verified, or any case (genuine and unreadable ones included) that ended
    /// verified with at least one output field wrong (or none that could be checked).
    pub fn false_accept(&self) -> bool {
        self.verified
            && match self.category {
                Category::Genuine | Category::Unreadable => !self.outputs_right(),
                _ => true,
            }
    }

    /// An unreadable case (docgen predicts its barcode/MRZ illegible) that was verified
    /// with every output field exactly right: the reader read it. Not a false accept
    /// (no wrong identity was verified; the targets are about documents that cannot
    /// be read), but reported on its own.
    pub fn read_although_illegible(&self) -> bool {
        self.category == Category::Unreadable && self.outputs_right()
    }
}

fn ms(d: Duration) -> f64 {
    d.as_secs_f64() * 1000.0
}

pub fn side_name(side: Side) -> &'static str {
    match side {
        Side::Front => "front",
        Side::Back => "back",
        Side::Selfie => "selfie",
    }
}

impl CaseRun {
    /// The summary kept for the report.
    pub fn outcome(&self) -> Outcome {
        let g = &self.generated;
        let id = g.id;
        let result = &self.decision.result;
        let (verified, code, reason) = match &result.verdict {
            Verdict::Verified(_) => (true, None, None),
            Verdict::Failed(e) => (
                false,
                e.code.map(|c| c.as_str().to_owned()),
                e.reason.clone(),
            ),
        };
        let mut fields = Vec::new();
        let mut inconsistent = Vec::new();
        let mut name_truncated = false;
        if let (Some(truth), Verdict::Verified(outputs), Some(report)) =
            (&g.truth, &result.verdict, &result.document)
        {
            let want = expected(truth);
            name_truncated = want.name_truncated;
            fields = compare(&want, outputs, report);
            inconsistent = inconsistencies(outputs, report);
        }
        let observations: Vec<&ImageObservation> = {
            // Back first, as the engine looks.
            let mut obs: Vec<&SideRun> = self.reads.iter().collect();
            obs.sort_by_key(|r| r.side == Side::Front);
            obs.iter().filter_map(|r| r.reading.as_ref().ok()).collect()
        };
        let machine = machine_reading(&observations);
        let mut machine_fields = Vec::new();
        if let (Some(truth), Some((outputs, report))) = (&g.truth, &machine) {
            if id.category == Category::Genuine {
                machine_fields = compare(&expected(truth), outputs, report);
            }
        }
        let barcode_exact = g.truth.as_ref().and_then(|t| {
            let want = t.aamva_payload.as_ref()?;
            Some(
                observations
                    .iter()
                    .any(|o| o.barcode.as_ref() == Some(want)),
            )
        });
        let mrz_lines_exact = g.truth.as_ref().and_then(|t| {
            let want = t.mrz_lines.as_ref()?;
            Some(
                // The usual readings only: "before repair" means the first look.
                self.reads
                    .iter()
                    .filter(|r| !r.wanted.closer_look)
                    .filter_map(|r| r.reading.as_ref().ok())
                    .any(|o| o.mrz.as_ref().is_some_and(|m| &m.best_lines() == want)),
            )
        });
        let code_photo = match id.kind.code_side() {
            verifyd_docgen::Side::Front => Some(&g.front),
            verifyd_docgen::Side::Back => g.back.as_ref(),
        };
        let code_legibility = code_photo.and_then(|p| p.legibility.as_ref());
        let code_size_px =
            code_legibility.and_then(|l| l.barcode_module_px.or(l.mrz_cap_height_px));
        let time = |side: Side| {
            self.reads
                .iter()
                .filter(|r| r.side == side)
                .map(|r| ms(r.elapsed))
                .sum::<f64>()
        };
        let read_failures = self
            .reads
            .iter()
            .filter_map(|r| {
                r.reading
                    .as_ref()
                    .err()
                    .map(|e| format!("{}: {e:?}", side_name(r.side)))
            })
            .collect();
        let quality = |side: Side| {
            self.reads.iter().find(|r| r.side == side).and_then(|r| {
                let quick = quick_reading(&r.reading, side, g.claimed);
                let o = quick.as_ref().ok()?;
                let q = &o.quality;
                let today = today();
                Some(SideQuality {
                    width: q.width,
                    height: q.height,
                    sharpness: q.sharpness,
                    brightness: q.brightness,
                    glare: q.glare,
                    document_found: q.document.is_some(),
                    area_fraction: q.document.map(|d| d.area_fraction),
                    document_width: q.document_width,
                    quick_readable: o
                        .barcode
                        .as_deref()
                        .is_some_and(|p| aamva::parse(p).is_ok())
                        || o.mrz.as_ref().is_some_and(|m| mrz::parse(m, today).is_ok()),
                })
            })
        };
        let retake = |side: Side| {
            self.reads.iter().find(|r| r.side == side).and_then(|r| {
                let quick = quick_reading(&r.reading, side, g.claimed);
                feedback(
                    &quick,
                    side,
                    Some(g.claimed),
                    &FeedbackLimits::default(),
                    today(),
                )
                .map(|retake| retake.name())
            })
        };
        Outcome {
            kind: id.kind,
            category: id.category,
            seed: id.seed,
            difficulty: g.difficulty,
            variant: g.variant.clone(),
            allowed_types: g.allowed_types.clone(),
            claimed: g.claimed,
            legible: g.legible,
            code_legible: g.code_legible,
            photo_legible_front: g.front.legibility.as_ref().map(|l| l.legible),
            photo_legible_back: g
                .back
                .as_ref()
                .and_then(|p| p.legibility.as_ref())
                .map(|l| l.legible),
            code_size_px,
            code_blur_sigma: code_photo.map_or(0.0, |p| p.spec.blur_sigma),
            verified,
            code,
            reason,
            fields,
            machine_fields,
            machine_read: machine.is_some(),
            barcode_exact,
            mrz_lines_exact,
            name_truncated,
            inconsistent,
            front_ms: time(Side::Front),
            back_ms: time(Side::Back),
            observe_ms: self.reads.iter().map(|r| ms(r.elapsed)).sum(),
            generate_ms: ms(self.generate_time),
            read_failures,
            crashed: self.reads.iter().any(|r| r.panicked),
            quality_front: quality(Side::Front),
            quality_back: quality(Side::Back),
            feedback_front: retake(Side::Front),
            feedback_back: retake(Side::Back),
            degraded: g.degraded.map(|s| match s {
                verifyd_docgen::Side::Front => "front",
                verifyd_docgen::Side::Back => "back",
            }),
        }
    }
}
