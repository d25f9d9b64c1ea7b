//! verifyd-docgen: synthetic identity documents (US and Canadian licences and ID cards with
//! PDF417 barcodes, passports and ID cards with machine-readable zones) and realistic phone
//! photos of them, with the ground truth of every field. Test data only: nothing here ships
//! in the server.
//!
//! Every person, address and number is invented; the only "real" values are public
//! conventions (AAMVA issuer numbers, ICAO country codes, the ICAO specimen identity).
//!
//! The pipeline is:
//! 1. [`random_spec`] / [`random_spec_with`] invent a [`DocumentSpec`] (or build one by hand);
//! 2. [`render`] draws the canonical card (300 dpi) front and back, and returns the
//!    [`Truth`]: every field a reader should extract, the exact AAMVA payload bytes or MRZ
//!    lines, what the front prints (which differs when the spec is tampered with), and where
//!    each printed text, the barcode and the MRZ are;
//! 3. [`photograph`] turns a canonical side into JPEG bytes that look like a phone photo
//!    ([`PhotoSpec`], [`random_photo`] with a [`Difficulty`]);
//! 4. [`legibility`] predicts from the specs alone whether the barcode/MRZ should be readable
//!    in that photo.
//!
//! Fonts are Debian packages loaded at run time from `/usr/share/fonts` (see [`fonts`]);
//! [`render`] panics with a message naming the missing package, [`try_render`] returns it.
//! Everything is deterministic for a given RNG state: no clock and no `thread_rng`.
//!
//! The `docgen` binary writes batches to disk (`docgen --help`):
//! `docgen --kind all --count 70 --seed 1 --difficulty typical --out DIR` writes
//! `<id>-front.jpg`, `<id>-back.jpg` and `<id>.json` (truth, photo specs, legibility).

use image::RgbImage;
use rand::seq::SliceRandom;
use rand::Rng;
use serde::{Deserialize, Serialize};

mod aamva;
mod barcode;
mod canvas;
mod cards;
pub mod dates;
pub mod fonts;
mod mrz;
mod negative;
pub mod people;
mod photo;
mod text;

pub use dates::Ymd;
pub use fonts::FontError;
pub use mrz::check_digit as mrz_check_digit;
pub use negative::not_a_document;
pub use photo::{
    exif_orientation_segment, photo_geometry, photograph, photograph_pixels, random_photo,
    PhotoGeometry,
};

/// Default "today" for [`random_spec`]: fixed so that generation is reproducible. Documents
/// generated as valid expire at least two years after it.
pub const DEFAULT_TODAY: Ymd = (2026, 11, 1);

/// The kinds of document this crate draws.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum DocumentKind {
    /// US driver licence, PDF417 (AAMVA, `DL` subfile) on the back.
    UsDrivingLicense,
    /// US identification card, PDF417 (`ID` subfile) on the back.
    UsIdCard,
    /// Canadian driver's licence (bilingual labels, CCYY/MM/DD dates), PDF417 on the back.
    CaDrivingLicense,
    /// Canadian photo card, PDF417 (`ID` subfile) on the back.
    CaIdCard,
    /// Passport data page (125×88 mm) with a 2×44 MRZ.
    PassportTd3,
    /// ID-1 identity card with a 3×30 MRZ on the back.
    IdCardTd1,
    /// TD2 identity card (105×74 mm) with a 2×36 MRZ on the front.
    IdCardTd2,
}

impl DocumentKind {
    /// Every kind, in a fixed order (`docgen --kind all` cycles through it).
    pub const ALL: [DocumentKind; 7] = [
        DocumentKind::UsDrivingLicense,
        DocumentKind::UsIdCard,
        DocumentKind::CaDrivingLicense,
        DocumentKind::CaIdCard,
        DocumentKind::PassportTd3,
        DocumentKind::IdCardTd1,
        DocumentKind::IdCardTd2,
    ];

    /// The snake_case name used in JSON and on the command line.
    pub fn name(self) -> &'static str {
        match self {
            DocumentKind::UsDrivingLicense => "us_driving_license",
            DocumentKind::UsIdCard => "us_id_card",
            DocumentKind::CaDrivingLicense => "ca_driving_license",
            DocumentKind::CaIdCard => "ca_id_card",
            DocumentKind::PassportTd3 => "passport_td3",
            DocumentKind::IdCardTd1 => "id_card_td1",
            DocumentKind::IdCardTd2 => "id_card_td2",
        }
    }

    /// Parses [`DocumentKind::name`] (hyphens are accepted for underscores).
    pub fn from_name(s: &str) -> Option<DocumentKind> {
        let s = s.replace('-', "_");
        Self::ALL.into_iter().find(|k| k.name() == s)
    }

    /// US/Canadian cards carrying an AAMVA PDF417.
    pub fn is_aamva(self) -> bool {
        matches!(
            self,
            DocumentKind::UsDrivingLicense
                | DocumentKind::UsIdCard
                | DocumentKind::CaDrivingLicense
                | DocumentKind::CaIdCard
        )
    }

    /// Documents carrying an ICAO MRZ.
    pub fn has_mrz(self) -> bool {
        !self.is_aamva()
    }

    /// Whether the document has a back worth photographing (everything but the passport).
    pub fn has_back(self) -> bool {
        self != DocumentKind::PassportTd3
    }

    /// Canonical pixel size at 300 dpi: ID-1 85.60×53.98 mm, TD2 105×74 mm, TD3 125×88 mm.
    pub fn canonical_size(self) -> (u32, u32) {
        match self {
            DocumentKind::PassportTd3 => (1476, 1039),
            DocumentKind::IdCardTd2 => (1240, 874),
            _ => (1012, 638),
        }
    }

    /// The side carrying the barcode or the MRZ.
    pub fn code_side(self) -> Side {
        match self {
            DocumentKind::PassportTd3 | DocumentKind::IdCardTd2 => Side::Front,
            _ => Side::Back,
        }
    }
}

/// A side of a document.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Side {
    Front,
    Back,
}

/// A postal address (US: state code and 5-digit ZIP; Canada: province and `A1A 1A1`).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Address {
    pub line1: String,
    pub city: String,
    pub state: String,
    pub postal_code: String,
}

/// An invented person.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Person {
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
    pub dob: Ymd,
    /// `'M'`, `'F'` or `'X'`.
    pub sex: char,
    pub address: Address,
}

/// How the AAMVA payload is written, including the non-conformities real cards have.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AamvaStyle {
    /// AAMVA version, 1..=10.
    pub version: u8,
    /// Jurisdiction version number (absent from the header for v01).
    pub jurisdiction_version: u8,
    /// Added to every subfile offset in the header (real cards: ±1, ±2).
    pub header_offset_error: i32,
    /// Write `0000` for every subfile offset and length (as some Ontario cards do).
    pub zero_offsets: bool,
    /// Data element separator: 0x0A normally; 0x0D or 0x1E on some cards.
    pub separator: u8,
    /// The bytes after `@`: normally `[0x0A, 0x1E, 0x0D]`; real cards also use `[0x0A, 0x0A]`
    /// and `[0x0A, 0x1C, 0x0D]`.
    pub compliance_separator: Vec<u8>,
    /// `"ANSI "` normally, `"AAMVA"` for the old Maryland style.
    pub file_type: String,
    /// v01 only: one `DAA` element `LAST,FIRST,MIDDLE` instead of `DAB`/`DAC`/`DAD`.
    pub full_name_daa: bool,
    /// Dates as CCYYMMDD (Canada, and AAMVA 2000) instead of MMDDCCYY.
    pub canadian_dates: bool,
    /// Add a jurisdiction-specific `Z?` subfile after the DL/ID subfile.
    pub jurisdiction_subfile: bool,
}

impl AamvaStyle {
    /// A conformant style for `version`; `canadian` picks CCYYMMDD dates.
    pub fn conformant(version: u8, canadian: bool) -> AamvaStyle {
        AamvaStyle {
            version,
            jurisdiction_version: if version >= 2 { 1 } else { 0 },
            header_offset_error: 0,
            zero_offsets: false,
            separator: 0x0A,
            compliance_separator: vec![0x0A, 0x1E, 0x0D],
            file_type: "ANSI ".into(),
            full_name_daa: false,
            canadian_dates: canadian,
            jurisdiction_subfile: false,
        }
    }
}

impl Default for AamvaStyle {
    fn default() -> Self {
        AamvaStyle::conformant(10, false)
    }
}

/// The front disagrees with the barcode/MRZ: it prints this value instead.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Tamper {
    /// The front prints this last name.
    Name(String),
    /// The front prints this date of birth.
    Dob(Ymd),
    /// The front prints this document number.
    Number(String),
}

/// Which families of fonts a document uses (so a recogniser is not tuned to one).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum FontSet {
    DejaVu,
    DejaVuCondensed,
    Liberation,
    LiberationNarrow,
}

/// Visual choices that change geometry or appearance but not content.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct CardStyle {
    /// Seeds the palette, guilloche and small layout jitter.
    pub design: u32,
    pub font_set: FontSet,
    /// PDF417 module width on the canonical card, 2..=4 px.
    pub barcode_module_px: u32,
    /// PDF417 row height in modules (3..=4).
    pub barcode_row_modules: u32,
    /// PDF417 error-correction level, 3..=5.
    pub barcode_ec_level: u8,
}

impl Default for CardStyle {
    fn default() -> Self {
        CardStyle {
            design: 0,
            font_set: FontSet::DejaVu,
            barcode_module_px: 3,
            barcode_row_modules: 3,
            barcode_ec_level: 5,
        }
    }
}

/// MRZ-specific content (ignored for AAMVA documents).
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct MrzStyle {
    /// `"P<"`, `"I<"`, `"ID"`…
    pub document_code: String,
    /// Nationality code as written in the MRZ (alpha-3, `"D"` for Germany).
    pub nationality: String,
    /// TD3 personal number / TD1 line-1 / TD2 optional data.
    pub optional_data: String,
    /// TD1 line-2 optional data.
    pub optional_data_2: String,
    /// Write `0` rather than `<` as the check digit of an all-filler optional field.
    pub filler_check_zero: bool,
}

impl Default for MrzStyle {
    fn default() -> Self {
        MrzStyle {
            document_code: "P<".into(),
            nationality: "UTO".into(),
            optional_data: String::new(),
            optional_data_2: String::new(),
            filler_check_zero: false,
        }
    }
}

/// Everything needed to draw one document.
#[derive(Clone, Debug, Serialize, Deserialize)]
pub struct DocumentSpec {
    pub kind: DocumentKind,
    pub person: Person,
    /// As printed (may contain spaces or hyphens); barcodes and MRZs carry the compact form.
    pub document_number: String,
    pub issued: Ymd,
    pub expiry: Ymd,
    /// Alpha-3 for MRZ documents (`"D"` for Germany, `"UTO"` for the specimen state),
    /// `"USA"`/`"CAN"` for AAMVA cards.
    pub issuing_country: String,
    /// State or province code for AAMVA cards (`"CA"`, `"ON"`); empty for MRZ documents.
    pub jurisdiction: String,
    pub aamva: AamvaStyle,
    pub mrz: MrzStyle,
    pub style: CardStyle,
    pub tamper: Option<Tamper>,
    /// A portrait to paste; a grey silhouette is drawn when `None`.
    #[serde(skip)]
    pub portrait: Option<RgbImage>,
}

/// A text the document prints, with its box on the canonical side image.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PrintedText {
    pub side: Side,
    /// What it is: `"last_name"`, `"dob"`, `"label"`, `"header"`, `"mrz_line"`…
    pub field: String,
    pub text: String,
    /// `[x, y, width, height]` in canonical pixels (ink box).
    pub bbox: [u32; 4],
}

/// Where the PDF417 is and how it was encoded.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct BarcodeRegion {
    pub side: Side,
    /// `[x, y, width, height]` in canonical pixels, quiet zone excluded.
    pub bbox: [u32; 4],
    pub module_px: u32,
    pub row_height_px: u32,
    pub columns: u32,
    pub rows: u32,
    pub ec_level: u8,
}

/// Where the MRZ is and how big its characters are.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct MrzRegion {
    pub side: Side,
    pub bbox: [u32; 4],
    pub cap_height_px: f32,
    pub pitch_px: f32,
}

/// What the front of the document prints (differs from the machine-readable data when
/// the spec is tampered with). Dates are the printed dates; the number is compact.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct FrontTruth {
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
    pub dob: Ymd,
    pub sex: char,
    pub document_number: String,
    /// The number exactly as printed (with any separators).
    pub document_number_printed: String,
    pub issued: Ymd,
    pub expiry: Ymd,
}

/// Ground truth for one rendered document.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Truth {
    pub kind: DocumentKind,
    /// Names as the machine-readable data holds them (accents kept where the card prints
    /// them; the MRZ/AAMVA text itself is ASCII).
    pub first_name: String,
    pub middle_name: Option<String>,
    pub last_name: String,
    pub dob: Ymd,
    pub sex: char,
    /// Compact form (letters and digits only).
    pub document_number: String,
    pub issued: Ymd,
    pub expiry: Ymd,
    /// ISO 3166-1 alpha-2 ("US", "CA", "DE"); `None` for ICAO's fictional Utopia (`UTO`).
    pub issuing_country: Option<String>,
    /// The issuing state as the MRZ writes it (`"UTO"`, `"D<<"`), or `"USA"`/`"CAN"`.
    pub issuing_country_code: String,
    /// State/province for AAMVA cards.
    pub jurisdiction: Option<String>,
    /// MRZ nationality code.
    pub nationality: Option<String>,
    pub address: Option<Address>,
    /// The exact PDF417 payload. In JSON it is a string with one character per byte
    /// (control separators escaped, e.g. `"@\n\u001e\rANSI 636014…"`).
    #[serde(with = "latin1")]
    pub aamva_payload: Option<Vec<u8>>,
    pub aamva_style: Option<AamvaStyle>,
    /// AAMVA issuer identification number used in the header.
    pub aamva_iin: Option<String>,
    pub mrz_lines: Option<Vec<String>>,
    pub mrz_name_truncated: bool,
    /// What the front prints.
    pub front: FrontTruth,
    pub tamper: Option<Tamper>,
    pub card_size: (u32, u32),
    pub barcode: Option<BarcodeRegion>,
    pub mrz: Option<MrzRegion>,
    /// `[x, y, w, h]` of the portrait on the front.
    pub portrait_bbox: [u32; 4],
    /// `[x, y, w, h]` of the faint "ghost" copy of the portrait on the front (a second,
    /// low-contrast face a face detector may find).
    pub ghost_bbox: [u32; 4],
    pub texts: Vec<PrintedText>,
    pub font_set: FontSet,
}

impl Truth {
    /// The AAMVA payload as text (it is ASCII with control separators).
    pub fn aamva_text(&self) -> Option<String> {
        self.aamva_payload
            .as_ref()
            .map(|b| String::from_utf8_lossy(b).into_owned())
    }
}

/// Serde for byte strings as JSON strings, one char per byte (lossless for any byte).
mod latin1 {
    use serde::de::Error;
    use serde::{Deserialize, Deserializer, Serializer};

    pub fn serialize<S: Serializer>(v: &Option<Vec<u8>>, s: S) -> Result<S::Ok, S::Error> {
        match v {
            Some(b) => s.serialize_some(&b.iter().map(|&c| c as char).collect::<String>()),
            None => s.serialize_none(),
        }
    }

    pub fn deserialize<'de, D: Deserializer<'de>>(d: D) -> Result<Option<Vec<u8>>, D::Error> {
        let o: Option<String> = Option::deserialize(d)?;
        o.map(|s| {
            s.chars()
                .map(|c| u8::try_from(c as u32).map_err(D::Error::custom))
                .collect()
        })
        .transpose()
    }
}

/// A drawn document: canonical images of each side, and the truth.
pub struct RenderedDocument {
    pub front: RgbImage,
    /// `None` for the passport data page.
    pub back: Option<RgbImage>,
    pub truth: Truth,
}

impl RenderedDocument {
    /// The side carrying the barcode or MRZ.
    pub fn code_side(&self) -> &RgbImage {
        match self.truth.kind.code_side() {
            Side::Front => &self.front,
            Side::Back => self.back.as_ref().unwrap_or(&self.front),
        }
    }
}

/// Draws a document. Panics (naming the Debian package) if a required font is missing;
/// use [`try_render`] to handle that.
pub fn render<R: Rng + ?Sized>(spec: &DocumentSpec, rng: &mut R) -> RenderedDocument {
    try_render(spec, rng).unwrap_or_else(|e| panic!("verifyd-docgen: {e}"))
}

/// Draws a document, or says which font package is missing.
pub fn try_render<R: Rng + ?Sized>(
    spec: &DocumentSpec,
    rng: &mut R,
) -> Result<RenderedDocument, FontError> {
    let fonts = fonts::fonts()?;
    Ok(cards::render(spec, fonts, rng))
}

/// The exact AAMVA payload [`render`] encodes for an AAMVA spec.
pub fn aamva_payload(spec: &DocumentSpec) -> Vec<u8> {
    aamva::payload(spec)
}

/// The exact MRZ lines [`render`] prints for an MRZ spec (empty for AAMVA kinds).
pub fn mrz_lines(spec: &DocumentSpec) -> Vec<String> {
    cards::mrz_for(spec).map(|m| m.lines).unwrap_or_default()
}

/// How hard a photo is.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Difficulty {
    Easy,
    Typical,
    Hard,
}

impl Difficulty {
    /// Parses `easy`, `typical` or `hard`.
    pub fn from_name(s: &str) -> Option<Difficulty> {
        match s {
            "easy" => Some(Difficulty::Easy),
            "typical" => Some(Difficulty::Typical),
            "hard" => Some(Difficulty::Hard),
            _ => None,
        }
    }
}

/// What lies under the card.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Background {
    Wood,
    Fabric,
    Granite,
    /// A near-black desk.
    Dark,
    /// A white table or sheet of paper (low contrast with the card).
    Light,
    Plain([u8; 3]),
}

/// How a document side is photographed.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct PhotoSpec {
    /// In-plane rotation of the card, degrees (counter-clockwise positive).
    pub rotation_deg: f32,
    /// Corner jitter as a fraction of the card's size, 0..0.15.
    pub perspective: f32,
    /// Width of the card's (rotated) bounding box as a fraction of the photo width, 0.35–0.95.
    pub card_fraction: f32,
    /// Photo width in pixels; the height is 3/4 of it.
    pub output_width: u32,
    /// Gaussian blur σ in output pixels.
    pub blur_sigma: f32,
    /// Sensor noise σ in 8-bit levels.
    pub noise_sigma: f32,
    pub jpeg_quality: u8,
    /// Glare: centre x, y in card fractions, radius as a fraction of the card width.
    pub glare: Option<(f32, f32, f32)>,
    /// Brightness falloff across the photo, 0 (flat) .. 0.6.
    pub lighting_gradient: f32,
    pub background: Background,
    /// The card lies upside down (rotated by a further 180°) in the photo.
    pub upside_down: bool,
    /// Write the pixels rotated and set this EXIF Orientation (3, 6 or 8) so that a reader
    /// must apply it to see the photo the right way up.
    pub exif_orientation: Option<u8>,
}

impl Default for PhotoSpec {
    fn default() -> Self {
        PhotoSpec {
            rotation_deg: 0.0,
            perspective: 0.0,
            card_fraction: 0.8,
            output_width: 1600,
            blur_sigma: 0.0,
            noise_sigma: 0.0,
            jpeg_quality: 92,
            glare: None,
            lighting_gradient: 0.0,
            background: Background::Wood,
            upside_down: false,
            exif_orientation: None,
        }
    }
}

/// Whether the machine-readable part of a document should be readable in a photo, by the
/// issue's definition: PDF417 modules ≥ 2 px, MRZ cap height ≥ 20 px, blur σ ≤ 1.5, and no
/// glare core over the code.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Legibility {
    /// Smallest expected module width in the photo (perspective taken at its worst).
    pub barcode_module_px: Option<f32>,
    /// Smallest expected MRZ cap height in the photo.
    pub mrz_cap_height_px: Option<f32>,
    /// Whether the glare's blown-out core overlaps the barcode/MRZ.
    pub glare_over_code: bool,
    pub legible: bool,
    /// Why not, in words (empty when legible).
    pub reasons: Vec<String>,
}

/// Minimum module width for a decodable PDF417.
pub const MIN_MODULE_PX: f32 = 2.0;
/// Minimum MRZ cap height for OCR.
pub const MIN_MRZ_CAP_PX: f32 = 20.0;
/// Maximum blur σ.
pub const MAX_BLUR_SIGMA: f32 = 1.5;

/// Predicts whether the barcode/MRZ of `spec` is legible in a photo made with `photo` of the
/// side that carries it. Uses geometry only (no rendering), so it is cheap.
pub fn legibility(spec: &DocumentSpec, photo: &PhotoSpec) -> Legibility {
    let (cw, ch) = spec.kind.canonical_size();
    let g = photo_geometry(cw, ch, photo);
    let worst = g.scale * g.worst_case_factor;
    let regions = cards::code_regions(spec);
    let mut reasons = Vec::new();
    let barcode_module_px = regions.barcode.as_ref().map(|b| b.module_px as f32 * worst);
    let mrz_cap_height_px = regions.mrz.as_ref().map(|m| m.cap_height_px * worst);
    if let Some(m) = barcode_module_px {
        if m < MIN_MODULE_PX {
            reasons.push(format!("barcode modules {m:.2} px < {MIN_MODULE_PX}"));
        }
    }
    if let Some(c) = mrz_cap_height_px {
        if c < MIN_MRZ_CAP_PX {
            reasons.push(format!("MRZ cap height {c:.1} px < {MIN_MRZ_CAP_PX}"));
        }
    }
    if photo.blur_sigma > MAX_BLUR_SIGMA {
        reasons.push(format!(
            "blur sigma {:.2} > {MAX_BLUR_SIGMA}",
            photo.blur_sigma
        ));
    }
    let code_box = regions
        .barcode
        .as_ref()
        .map(|b| b.bbox)
        .or(regions.mrz.as_ref().map(|m| m.bbox));
    let glare_over_code = match (photo.glare, code_box) {
        (Some(glare), Some(b)) => photo::glare_core_hits(glare, cw, ch, b),
        _ => false,
    };
    if glare_over_code {
        reasons.push("glare over the barcode/MRZ".into());
    }
    Legibility {
        barcode_module_px,
        mrz_cap_height_px,
        glare_over_code,
        legible: reasons.is_empty(),
        reasons,
    }
}

/// The printed fields a front is compared on (names, date of birth, document number).
pub const COMPARED_FRONT_FIELDS: [&str; 4] = ["last_name", "given_names", "dob", "document_number"];

/// [`legibility`] of the photo of one side, with the printed front taken into account: on
/// the front, glare whose blown-out core covers a field the check compares with the
/// machine-readable data (`printed`: the truth's texts) makes the photo illegible too — no
/// reader can compare what the glare has wiped out, and refusing it is right.
pub fn legibility_of_side(
    spec: &DocumentSpec,
    photo: &PhotoSpec,
    side: Side,
    printed: &[PrintedText],
) -> Legibility {
    let mut l = legibility(spec, photo);
    let Some(glare) = photo.glare else {
        return l;
    };
    if side != Side::Front {
        return l;
    }
    let (cw, ch) = spec.kind.canonical_size();
    let mut hit: Vec<&str> = printed
        .iter()
        .filter(|t| t.side == Side::Front && COMPARED_FRONT_FIELDS.contains(&t.field.as_str()))
        .filter(|t| photo::glare_core_hits(glare, cw, ch, t.bbox))
        .map(|t| t.field.as_str())
        .collect();
    hit.dedup();
    if !hit.is_empty() {
        l.reasons
            .push(format!("glare over the printed {}", hit.join(", ")));
        l.legible = false;
    }
    l
}

/// Options for [`random_spec_with`].
#[derive(Clone, Debug)]
pub struct SpecOptions {
    /// Dates are relative to this day.
    pub today: Ymd,
    /// Make the document expired on `today`.
    pub expired: bool,
    /// Make the holder 13–17 years old on `today`.
    pub under_age: bool,
}

impl Default for SpecOptions {
    fn default() -> Self {
        SpecOptions {
            today: DEFAULT_TODAY,
            expired: false,
            under_age: false,
        }
    }
}

/// A random, valid (not expired, adult holder) document of `kind`, dated relative to
/// [`DEFAULT_TODAY`].
pub fn random_spec<R: Rng + ?Sized>(kind: DocumentKind, rng: &mut R) -> DocumentSpec {
    random_spec_with(kind, &SpecOptions::default(), rng)
}

fn random_person<R: Rng + ?Sized>(rng: &mut R, dob: Ymd, allow_long: bool) -> Person {
    let sex = match rng.gen_range(0..100) {
        0..=47 => 'M',
        48..=96 => 'F',
        _ => 'X',
    };
    let pool: &[&str] = match sex {
        'M' => people::GIVEN_MALE,
        'F' => people::GIVEN_FEMALE,
        _ => {
            if rng.gen_bool(0.5) {
                people::GIVEN_MALE
            } else {
                people::GIVEN_FEMALE
            }
        }
    };
    let family: Vec<&str> = people::FAMILY
        .iter()
        .copied()
        .filter(|f| allow_long || f.len() <= 14)
        .collect();
    let first = pool.choose(rng).unwrap().to_string();
    let middle = rng.gen_bool(0.6).then(|| loop {
        let m = pool.choose(rng).unwrap().to_string();
        if m != first {
            break m;
        }
    });
    Person {
        first_name: first,
        middle_name: middle,
        last_name: family.choose(rng).unwrap().to_string(),
        dob,
        sex,
        address: Address {
            line1: format!(
                "{} {}",
                rng.gen_range(1..9999),
                people::STREETS.choose(rng).unwrap()
            ),
            city: people::CITIES.choose(rng).unwrap().to_string(),
            state: String::new(),
            postal_code: String::new(),
        },
    }
}

/// A random document of `kind` with the given options.
pub fn random_spec_with<R: Rng + ?Sized>(
    kind: DocumentKind,
    opts: &SpecOptions,
    rng: &mut R,
) -> DocumentSpec {
    let today = opts.today;
    let age = if opts.under_age {
        rng.gen_range(13..=17)
    } else {
        rng.gen_range(19..=82)
    };
    let latest = dates::add_days(dates::add_years(today, -age), -1);
    let dob = dates::random_between(
        rng,
        dates::add_days(dates::add_years(latest, -1), 1),
        latest,
    );
    let mut person = random_person(rng, dob, kind.has_mrz());
    let years_valid: i32 = match kind {
        DocumentKind::PassportTd3 | DocumentKind::IdCardTd1 | DocumentKind::IdCardTd2 => {
            if opts.under_age {
                5
            } else {
                10
            }
        }
        _ => rng.gen_range(5..=8),
    };
    let issued = if opts.expired {
        let back = years_valid + rng.gen_range(0..=3);
        dates::random_between(
            rng,
            dates::add_years(today, -back - 1),
            dates::add_days(dates::add_years(today, -years_valid), -20),
        )
    } else {
        dates::random_between(
            rng,
            dates::add_years(today, -(years_valid - 2).min(3)),
            dates::add_days(today, -7),
        )
    };
    // Licences expire on a birthday; passports and ID cards the day before the anniversary.
    let mut expiry = if kind.is_aamva() {
        let y = issued.0 + years_valid;
        (y, dob.1, dob.2.min(dates::days_in_month(y, dob.1)))
    } else {
        dates::add_days(dates::add_years(issued, years_valid), -1)
    };
    if opts.expired && dates::to_days(expiry) >= dates::to_days(today) {
        expiry = dates::add_days(today, -rng.gen_range(1..400));
    }
    // Never issued before (or at) birth, and never expiring before issue.
    let issued = if dates::to_days(issued) < dates::to_days(dob) + 30 {
        dates::random_between(rng, dates::add_days(dob, 30), dates::add_days(dob, 200))
    } else {
        issued
    };
    if dates::to_days(expiry) <= dates::to_days(issued) {
        expiry = dates::random_between(
            rng,
            dates::add_days(issued, 1),
            dates::add_days(issued, 1).max(dates::add_days(today, -1)),
        );
    }
    let design = rng.gen();
    let font_set = *[
        FontSet::DejaVu,
        FontSet::DejaVuCondensed,
        FontSet::Liberation,
        FontSet::LiberationNarrow,
    ]
    .choose(rng)
    .unwrap();
    let style = CardStyle {
        design,
        font_set,
        barcode_module_px: *[2, 3, 3, 3, 4].choose(rng).unwrap(),
        barcode_row_modules: rng.gen_range(3..=4),
        barcode_ec_level: rng.gen_range(3..=5),
    };
    if kind.is_aamva() {
        let canadian = matches!(
            kind,
            DocumentKind::CaDrivingLicense | DocumentKind::CaIdCard
        );
        let j = if canadian {
            *people::CA_JURISDICTIONS.choose(rng).unwrap()
        } else {
            *people::US_JURISDICTIONS.choose(rng).unwrap()
        };
        person.address.state = j.code.to_string();
        person.address.postal_code = if canadian {
            people::ca_postal(rng, j.postal_prefix)
        } else {
            people::us_zip(rng, j.postal_prefix)
        };
        let document_number = people::fill_shape(rng, j.number_shape, &person.last_name);
        let version = *[3u8, 4, 5, 6, 8, 8, 9, 9, 10, 10, 10].choose(rng).unwrap();
        let mut aamva = AamvaStyle::conformant(version, canadian);
        aamva.jurisdiction_version = rng.gen_range(0..=9);
        aamva.jurisdiction_subfile = rng.gen_bool(0.3);
        return DocumentSpec {
            kind,
            person,
            document_number,
            issued,
            expiry,
            issuing_country: if canadian { "CAN" } else { "USA" }.into(),
            jurisdiction: j.code.into(),
            aamva,
            mrz: MrzStyle::default(),
            style,
            tamper: None,
            portrait: None,
        };
    }
    let states: Vec<&people::IcaoState> = people::ICAO_STATES
        .iter()
        .filter(|s| kind == DocumentKind::PassportTd3 || s.has_id_card)
        .collect();
    let state = **states.choose(rng).unwrap();
    let shape = if kind == DocumentKind::PassportTd3 {
        state.passport_shape
    } else {
        state.id_shape
    };
    let document_number = people::fill_shape(rng, shape, &person.last_name);
    let code = people::mrz_state(state.code);
    let document_code = if kind == DocumentKind::PassportTd3 {
        "P<".to_string()
    } else {
        state.id_code.to_string()
    };
    let optional_data = if rng.gen_bool(0.35) {
        people::fill_shape(rng, "#########", "")
    } else {
        String::new()
    };
    person.address.state = String::new();
    DocumentSpec {
        kind,
        person,
        document_number,
        issued,
        expiry,
        issuing_country: state.code.to_string(),
        jurisdiction: String::new(),
        aamva: AamvaStyle::default(),
        mrz: MrzStyle {
            document_code,
            nationality: code,
            optional_data,
            optional_data_2: String::new(),
            filler_check_zero: rng.gen_bool(0.5),
        },
        style,
        tamper: None,
        portrait: None,
    }
}

/// The field a [`Tamper`] changes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TamperField {
    Name,
    Dob,
    Number,
}

/// Makes the front disagree with the machine-readable data on `field`, with a plausible
/// different value.
pub fn tamper<R: Rng + ?Sized>(spec: &mut DocumentSpec, field: TamperField, rng: &mut R) {
    spec.tamper = Some(match field {
        TamperField::Name => loop {
            let n = people::FAMILY.choose(rng).unwrap();
            if *n != spec.person.last_name && n.len() <= 14 {
                break Tamper::Name(n.to_string());
            }
        },
        TamperField::Dob => {
            let shift = *[-3650i64, -1461, -730, 365, 1096, 31, -62]
                .choose(rng)
                .unwrap();
            Tamper::Dob(dates::add_days(spec.person.dob, shift))
        }
        TamperField::Number => {
            let mut chars: Vec<char> = spec.document_number.chars().collect();
            let digits: Vec<usize> = (0..chars.len())
                .filter(|&i| chars[i].is_ascii_digit())
                .collect();
            let i = *digits.choose(rng).unwrap_or(&0);
            let old = chars[i].to_digit(10).unwrap_or(0);
            chars[i] = char::from_digit((old + rng.gen_range(1..10)) % 10, 10).unwrap_or('7');
            Tamper::Number(chars.into_iter().collect())
        }
    });
}

/// Applies a named AAMVA variant (as the `docgen --variant` flag takes them):
/// `aamva-v01`…`aamva-v10`, `offset+1`, `offset-1`, `offset+2`, `offset-2`, `offset-zero`,
/// `sep-cr`, `sep-rs`, `compliance-lf-lf`, `compliance-fs`, `file-type-aamva`,
/// `full-name-daa`, `ccyymmdd`, `mmddccyy`, `z-subfile`.
pub fn apply_variant(spec: &mut DocumentSpec, variant: &str) -> Result<(), String> {
    let a = &mut spec.aamva;
    match variant {
        v if v.starts_with("aamva-v") => {
            let n: u8 = v[7..]
                .parse()
                .map_err(|_| format!("bad AAMVA version in {v:?}"))?;
            if !(1..=10).contains(&n) {
                return Err(format!("AAMVA version {n} is not 1..=10"));
            }
            a.version = n;
            if n == 1 {
                // AAMVA 2000 wrote dates as CCYYMMDD and names in DAA.
                a.canadian_dates = true;
                a.full_name_daa = true;
            }
        }
        "offset+1" => a.header_offset_error = 1,
        "offset-1" => a.header_offset_error = -1,
        "offset+2" => a.header_offset_error = 2,
        "offset-2" => a.header_offset_error = -2,
        "offset-zero" => a.zero_offsets = true,
        "sep-cr" => a.separator = 0x0D,
        "sep-rs" => a.separator = 0x1E,
        "compliance-lf-lf" => a.compliance_separator = vec![0x0A, 0x0A],
        "compliance-fs" => a.compliance_separator = vec![0x0A, 0x1C, 0x0D],
        "file-type-aamva" => {
            a.file_type = "AAMVA".into();
            a.version = 1;
            a.canadian_dates = true;
        }
        "full-name-daa" => {
            a.version = 1;
            a.full_name_daa = true;
        }
        "ccyymmdd" => a.canadian_dates = true,
        "mmddccyy" => a.canadian_dates = false,
        "z-subfile" => a.jurisdiction_subfile = true,
        other => return Err(format!("unknown variant {other:?}")),
    }
    Ok(())
}

/// The names [`apply_variant`] accepts (besides `aamva-vNN`).
pub const VARIANTS: &[&str] = &[
    "aamva-v01",
    "offset+1",
    "offset-1",
    "offset+2",
    "offset-2",
    "offset-zero",
    "sep-cr",
    "sep-rs",
    "compliance-lf-lf",
    "compliance-fs",
    "file-type-aamva",
    "full-name-daa",
    "ccyymmdd",
    "mmddccyy",
    "z-subfile",
];
