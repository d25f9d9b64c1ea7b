//! The synthetic test set: which cases exist in each split, and how one case's documents
//! and photos are made from its seed. Everything here is a pure function of (kind,
//! category, seed): no clock and no system randomness, so any case can be regenerated
//! alone (`accuracy --one KIND --seed S --case C`). Nothing here reads images.

use rand::rngs::StdRng;
use rand::seq::SliceRandom;
use rand::{Rng, SeedableRng};
use serde::Serialize;
use verifyd_core::session::DocumentType;
use verifyd_docgen::{
    apply_variant, legibility, legibility_of_side, not_a_document, photograph, random_photo,
    random_spec_with, render, tamper, Difficulty, DocumentKind, DocumentSpec, Legibility,
    PhotoSpec, Side, SpecOptions, TamperField, Truth, MAX_BLUR_SIGMA, MIN_MODULE_PX,
    MIN_MRZ_CAP_PX, VARIANTS,
};

/// What a case is meant to test.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, clap::ValueEnum)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// A valid document of an adult, in a session that accepts every type.
    Genuine,
    /// Expired before 2026-11-01 (docgen's `DEFAULT_TODAY`).
    Expired,
    /// The front prints another last name than the barcode/MRZ.
    TamperName,
    /// The front prints another date of birth.
    TamperDob,
    /// The front prints another document number.
    TamperNumber,
    /// The holder is 13–17.
    UnderAge,
    /// The session's `allowed_types` excludes the document's type.
    WrongType,
    /// The side carrying the barcode/MRZ is photographed far below the legibility limits.
    Unreadable,
    /// Photos of things that are not identity documents.
    NotADocument,
}

impl Category {
    pub const ALL: [Category; 9] = [
        Category::Genuine,
        Category::Expired,
        Category::TamperName,
        Category::TamperDob,
        Category::TamperNumber,
        Category::UnderAge,
        Category::WrongType,
        Category::Unreadable,
        Category::NotADocument,
    ];

    pub fn name(self) -> &'static str {
        match self {
            Category::Genuine => "genuine",
            Category::Expired => "expired",
            Category::TamperName => "tamper_name",
            Category::TamperDob => "tamper_dob",
            Category::TamperNumber => "tamper_number",
            Category::UnderAge => "under_age",
            Category::WrongType => "wrong_type",
            Category::Unreadable => "unreadable",
            Category::NotADocument => "not_a_document",
        }
    }

    /// The name `--case` takes (clap's kebab-case spelling).
    pub fn flag(self) -> String {
        self.name().replace('_', "-")
    }

    /// The `last_error.code` a failure case must end with (`None` for genuine documents).
    pub fn expected_code(self) -> Option<&'static str> {
        match self {
            Category::Genuine => None,
            Category::Expired => Some("document_expired"),
            Category::UnderAge => Some("under_supported_age"),
            Category::WrongType => Some("document_type_not_supported"),
            Category::TamperName
            | Category::TamperDob
            | Category::TamperNumber
            | Category::Unreadable
            | Category::NotADocument => Some("document_unverified_other"),
        }
    }

    fn index(self) -> u64 {
        Category::ALL.iter().position(|c| *c == self).unwrap_or(0) as u64
    }
}

/// A split of the set: disjoint seed ranges.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, clap::ValueEnum)]
#[serde(rename_all = "kebab-case")]
pub enum Split {
    /// For tuning thresholds and recognisers.
    Tuning,
    /// For reporting; never used for tuning.
    HeldOut,
}

impl Split {
    pub fn name(self) -> &'static str {
        match self {
            Split::Tuning => "tuning",
            Split::HeldOut => "held-out",
        }
    }

    /// First seed of the split. A seed is `base + kind·10⁷ + category·10⁶ + index`, so the
    /// two splits (10⁹ apart) never share a seed and a seed names its kind and category.
    pub fn base(self) -> u64 {
        match self {
            Split::Tuning => 1_000_000_000,
            Split::HeldOut => 2_000_000_000,
        }
    }

    /// The range of seeds the split may use (documented in docs/accuracy.md).
    pub fn seed_range(self) -> (u64, u64) {
        (self.base(), self.base() + 7 * 10_000_000 - 1)
    }
}

/// One case of the set.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub struct CaseId {
    pub kind: DocumentKind,
    pub category: Category,
    pub seed: u64,
}

impl CaseId {
    /// The command that reruns this case alone.
    pub fn command(&self) -> String {
        format!(
            "cargo run --release -p accuracy -- --one {} --seed {} --case {}",
            self.kind.name(),
            self.seed,
            self.category.flag()
        )
    }
}

/// The seed of case `index` of `category` for `kind` in `split`.
pub fn seed_of(split: Split, kind: DocumentKind, category: Category, index: u64) -> u64 {
    let k = DocumentKind::ALL
        .iter()
        .position(|x| *x == kind)
        .unwrap_or(0) as u64;
    split.base() + k * 10_000_000 + category.index() * 1_000_000 + index
}

/// Every case of a split: `genuine` genuine documents and `failures` cases of each failure
/// category, for every kind, with indexes from `first` (a run on indexes nobody examined
/// before stays a held-out measurement after earlier runs' failures were studied).
pub fn cases(split: Split, genuine: u64, failures: u64, first: u64) -> Vec<CaseId> {
    let mut out = Vec::new();
    for kind in DocumentKind::ALL {
        for category in Category::ALL {
            let n = if category == Category::Genuine {
                genuine
            } else {
                failures
            };
            for i in first..first + n {
                out.push(CaseId {
                    kind,
                    category,
                    seed: seed_of(split, kind, category, i),
                });
            }
        }
    }
    out
}

/// The photo difficulty of a case: a fixed 25 % easy / 60 % typical / 15 % hard cycle over
/// consecutive seeds, so every run of 20 seeds has exactly that mix, spread so that short
/// runs are mixed too (the first five: 2 easy, 3 typical; the first ten: 3, 6 and 1 hard).
pub fn difficulty(seed: u64) -> Difficulty {
    match seed % 20 {
        0 | 4 | 8 | 12 | 16 => Difficulty::Easy,
        6 | 13 | 19 => Difficulty::Hard,
        _ => Difficulty::Typical,
    }
}

/// The share of US/Canadian genuine documents given an AAMVA deviation.
const VARIANT_SHARE: f64 = 0.35;

/// A generated case: the session's terms, the photos and what is true about them.
pub struct Generated {
    pub id: CaseId,
    pub difficulty: Difficulty,
    /// `None` for images that are not documents.
    pub truth: Option<Truth>,
    /// The AAMVA deviation applied (`docgen --variant`), if any.
    pub variant: Option<String>,
    /// The session's `options[document][allowed_types]` (`None`: every type).
    pub allowed_types: Option<Vec<DocumentType>>,
    /// What the end user said the document is (`Submission::document_type`).
    pub claimed: DocumentType,
    pub front: Photo,
    pub back: Option<Photo>,
    /// The side carrying the barcode/MRZ is legible by docgen's [`legibility`].
    pub code_legible: bool,
    /// The code side is legible, and so is the front when the code is on the back (its
    /// printed text is read too).
    pub legible: bool,
    /// For unreadable cases: the side made unreadable.
    pub degraded: Option<Side>,
}

/// One photographed side.
pub struct Photo {
    pub jpeg: Vec<u8>,
    pub spec: PhotoSpec,
    /// `None` for images that are not documents.
    pub legibility: Option<Legibility>,
}

/// Stripe's type for a docgen kind.
pub fn document_type(kind: DocumentKind) -> DocumentType {
    match kind {
        DocumentKind::UsDrivingLicense | DocumentKind::CaDrivingLicense => {
            DocumentType::DrivingLicense
        }
        DocumentKind::PassportTd3 => DocumentType::Passport,
        DocumentKind::UsIdCard
        | DocumentKind::CaIdCard
        | DocumentKind::IdCardTd1
        | DocumentKind::IdCardTd2 => DocumentType::IdCard,
    }
}

/// The RNG of a seed (splitmix64 of the seed, so neighbouring seeds are unrelated).
fn rng_of(seed: u64) -> StdRng {
    let mut z = seed.wrapping_add(0x9E37_79B9_7F4A_7C15);
    z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
    z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
    StdRng::seed_from_u64(z ^ (z >> 31))
}

/// Makes the documents and photos of one case. Panics only if a font package is missing
/// (checked at start-up).
pub fn generate(id: CaseId) -> Generated {
    let mut rng = rng_of(id.seed);
    let difficulty = difficulty(id.seed);
    let kind = id.kind;
    let true_type = document_type(kind);

    if id.category == Category::NotADocument {
        let shoot = |rng: &mut StdRng| {
            let image = not_a_document(rng);
            let spec = random_photo(rng, difficulty);
            let jpeg = photograph(&image, &spec, rng);
            Photo {
                jpeg,
                spec,
                legibility: None,
            }
        };
        let front = shoot(&mut rng);
        let back = kind.has_back().then(|| shoot(&mut rng));
        return Generated {
            id,
            difficulty,
            truth: None,
            variant: None,
            allowed_types: None,
            claimed: true_type,
            front,
            back,
            code_legible: false,
            legible: false,
            degraded: None,
        };
    }

    let opts = SpecOptions {
        expired: id.category == Category::Expired,
        under_age: id.category == Category::UnderAge,
        ..SpecOptions::default()
    };
    let mut spec = random_spec_with(kind, &opts, &mut rng);
    let mut variant = None;
    if id.category == Category::Genuine && kind.is_aamva() && rng.gen_bool(VARIANT_SHARE) {
        let mut names: Vec<String> = VARIANTS.iter().map(|v| v.to_string()).collect();
        names.extend((2..=10).map(|v| format!("aamva-v{v:02}")));
        let chosen = names.choose(&mut rng).cloned().unwrap_or_default();
        if apply_variant(&mut spec, &chosen).is_ok() {
            variant = Some(chosen);
        }
    }
    let field = match id.category {
        Category::TamperName => Some(TamperField::Name),
        Category::TamperDob => Some(TamperField::Dob),
        Category::TamperNumber => Some(TamperField::Number),
        _ => None,
    };
    if let Some(field) = field {
        tamper(&mut spec, field, &mut rng);
    }
    let doc = render(&spec, &mut rng);

    // Wrong type: the session allows only other types. Even seeds claim the true type
    // (allowed: the two others); odd seeds claim the one type allowed (the user picked an
    // allowed type and photographed another document).
    let (allowed_types, claimed) = if id.category == Category::WrongType {
        if id.seed & 1 == 0 {
            let others: Vec<DocumentType> = DocumentType::ALL
                .iter()
                .copied()
                .filter(|t| *t != true_type)
                .collect();
            (Some(others), true_type)
        } else {
            let claimed = match true_type {
                DocumentType::DrivingLicense => DocumentType::IdCard,
                _ => DocumentType::DrivingLicense,
            };
            (Some(vec![claimed]), claimed)
        }
    } else {
        (None, true_type)
    };

    let degraded = (id.category == Category::Unreadable).then(|| kind.code_side());
    let shoot = |side: Side, image: &image::RgbImage, rng: &mut StdRng| {
        let mut photo = random_photo(rng, difficulty);
        if degraded == Some(side) {
            make_unreadable(&spec, &mut photo, rng);
        }
        let jpeg = photograph(image, &photo, rng);
        Photo {
            legibility: Some(legibility_of_side(&spec, &photo, side, &doc.truth.texts)),
            jpeg,
            spec: photo,
        }
    };
    let front = shoot(Side::Front, &doc.front, &mut rng);
    let back = match &doc.back {
        Some(image) => Some(shoot(Side::Back, image, &mut rng)),
        // A passport claimed as a card: the user photographs the data page again as "back".
        None if claimed != DocumentType::Passport => Some(shoot(Side::Back, &doc.front, &mut rng)),
        None => None,
    };
    let is_legible = |p: Option<&Photo>| {
        p.and_then(|p| p.legibility.as_ref())
            .is_some_and(|l| l.legible)
    };
    let code_photo = match kind.code_side() {
        Side::Front => Some(&front),
        Side::Back => back.as_ref(),
    };
    let code_legible = is_legible(code_photo);
    let legible = code_legible && (kind.code_side() == Side::Front || is_legible(Some(&front)));
    Generated {
        id,
        difficulty,
        truth: Some(doc.truth),
        variant,
        allowed_types,
        claimed,
        front,
        back,
        code_legible,
        legible,
        degraded,
    }
}

/// Degrades `photo` well below the legibility limits: heavy blur, a tiny document, or both.
fn make_unreadable(spec: &DocumentSpec, photo: &mut PhotoSpec, rng: &mut StdRng) {
    let shrink = |photo: &mut PhotoSpec, rng: &mut StdRng| {
        let l = legibility(spec, photo);
        let (size, limit) = match (l.barcode_module_px, l.mrz_cap_height_px) {
            (Some(m), _) => (m, MIN_MODULE_PX),
            (None, Some(c)) => (c, MIN_MRZ_CAP_PX),
            (None, None) => return,
        };
        let target = limit * rng.gen_range(0.25..0.5);
        let width = (photo.output_width as f32 * target / size).round() as u32;
        photo.output_width = width.clamp(240, photo.output_width);
    };
    match rng.gen_range(0..3) {
        0 => photo.blur_sigma = rng.gen_range(3.5..6.0),
        1 => shrink(photo, rng),
        _ => {
            photo.blur_sigma = rng.gen_range(MAX_BLUR_SIGMA + 0.7..3.5);
            shrink(photo, rng);
        }
    }
    if legibility(spec, photo).legible {
        photo.blur_sigma = 4.0;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_two_splits_never_share_a_seed() {
        let (t0, t1) = Split::Tuning.seed_range();
        let (h0, h1) = Split::HeldOut.seed_range();
        assert!(t1 < h0 || h1 < t0);
        let last = seed_of(
            Split::Tuning,
            DocumentKind::IdCardTd2,
            Category::NotADocument,
            999_999,
        );
        assert!(last <= t1);
    }

    #[test]
    fn every_run_of_twenty_seeds_has_the_stated_difficulty_mix() {
        let mix: Vec<Difficulty> = (40..60).map(difficulty).collect();
        let count = |d| mix.iter().filter(|x| **x == d).count();
        assert_eq!(count(Difficulty::Easy), 5);
        assert_eq!(count(Difficulty::Typical), 12);
        assert_eq!(count(Difficulty::Hard), 3);
    }

    #[test]
    fn a_case_is_a_pure_function_of_its_seed() {
        let id = CaseId {
            kind: DocumentKind::UsIdCard,
            category: Category::Genuine,
            seed: seed_of(Split::Tuning, DocumentKind::UsIdCard, Category::Genuine, 3),
        };
        let (a, b) = (generate(id), generate(id));
        assert_eq!(a.front.jpeg, b.front.jpeg);
        assert_eq!(a.truth, b.truth);
    }

    /// The share of the photo the document finder takes for the document, and whether its
    /// outline stays clear of the photo's border.
    fn found_document(jpeg: &[u8]) -> (f32, bool) {
        let gray = verifyd_vision::decode::decode(jpeg).unwrap().to_luma8();
        let (w, h) = (gray.width() as f32, gray.height() as f32);
        let quad = verifyd_vision::document::find_document(&gray).expect("a document found");
        let inside = quad
            .corners
            .iter()
            .all(|&(x, y)| x > 5.0 && y > 5.0 && x < w - 5.0 && y < h - 5.0);
        (quad.area() / (w * h), inside)
    }

    /// Regressions found by the accuracy runs (docs/accuracy.md): a light card on a white
    /// table, whose portrait had been taken for the document.
    #[test]
    fn a_light_card_on_a_white_table_is_found_rather_than_its_portrait() {
        let case = generate(CaseId {
            kind: DocumentKind::UsIdCard,
            category: Category::Genuine,
            seed: 2010000320,
        });
        let (share, inside) = found_document(&case.front.jpeg);
        assert!(share > 0.5 && inside, "found {share:.3} of the photo");
    }

    /// … and documents on wood, granite or a plain surface, where the faint edges that find
    /// such a card also outline most of the photo.
    #[test]
    fn a_textured_table_is_not_taken_for_the_document() {
        for (kind, seed, side) in [
            (DocumentKind::PassportTd3, 1040000027, Side::Front),
            (DocumentKind::IdCardTd2, 1060000031, Side::Front),
            (DocumentKind::UsDrivingLicense, 1000000007, Side::Back),
        ] {
            let case = generate(CaseId {
                kind,
                category: Category::Genuine,
                seed,
            });
            let photo = match side {
                Side::Front => &case.front,
                Side::Back => case.back.as_ref().unwrap(),
            };
            let (share, inside) = found_document(&photo.jpeg);
            assert!(
                inside,
                "{kind:?} {seed}: an outline at the border ({share:.3})"
            );
        }
    }

    /// … and cards on a shaded surface or on wood, where a shape the shading or the grain
    /// made (running into the photo's border) was larger than the card.
    #[test]
    fn a_shape_the_surface_made_is_not_taken_for_the_document() {
        for seed in [2060000423, 2060000425] {
            let case = generate(CaseId {
                kind: DocumentKind::IdCardTd2,
                category: Category::Genuine,
                seed,
            });
            let (share, inside) = found_document(&case.front.jpeg);
            assert!(inside, "{seed}: an outline at the border ({share:.3})");
        }
    }

    /// … and a card photographed upside down, whose printed lines the direction model did
    /// not find mostly upside down: its machine-readable zone says which way up it lies.
    #[test]
    fn an_upside_down_card_is_read_the_way_its_zone_reads() {
        use verifyd_checks::observation::{Vision, Wanted};
        let models = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../models");
        let reader = verifyd_vision::DocumentReader::load(&models)
            .unwrap_or_else(|e| panic!("the text models are needed: scripts/fetch-models ({e})"));
        let case = generate(CaseId {
            kind: DocumentKind::IdCardTd2,
            category: Category::Genuine,
            seed: 2060000402,
        });
        let wanted = Wanted {
            barcode: false,
            mrz: true,
            text: true,
            faces: false,
            closer_look: false,
        };
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(60);
        let front = reader.observe(&case.front.jpeg, wanted, deadline).unwrap();
        let text: Vec<String> = front
            .text
            .unwrap_or_default()
            .into_iter()
            .map(|l| l.text)
            .collect();
        assert!(
            text.iter().any(|l| l.contains("MULLER")),
            "the last name not read: {text:?}"
        );
    }

    #[test]
    fn unreadable_cases_are_not_legible() {
        for kind in DocumentKind::ALL {
            for i in 0..4 {
                let id = CaseId {
                    kind,
                    category: Category::Unreadable,
                    seed: seed_of(Split::Tuning, kind, Category::Unreadable, i),
                };
                let g = generate(id);
                assert!(!g.code_legible, "{kind:?} {i}");
            }
        }
    }
}
