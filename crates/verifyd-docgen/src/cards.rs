//! Document designs: where every field, the portrait, the PDF417 and the MRZ go on each kind
//! of document, in the label styles real cards use (AAMVA field numbers on US/Canadian cards,
//! bilingual labels on Canadian cards and passports). Also the truth: what was printed where.
//!
//! Geometry that a reader's legibility depends on (barcode size and place, MRZ size and place)
//! comes only from the spec (its design seed), never from the render RNG, so [`code_regions`]
//! can predict it without drawing.

use ab_glyph::FontArc;
use image::{Rgb, RgbImage};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};

use crate::barcode::{self, Symbol};
use crate::canvas::{self, Palette};
use crate::dates::{self, Ymd};
use crate::fonts::{FaceSet, Fonts};
use crate::mrz::{self, Mrz, MrzInput};
use crate::people::{self, compact, DateStyle, IcaoState};
use crate::text::{self, InkBox};
use crate::{
    aamva, BarcodeRegion, DocumentKind, DocumentSpec, FrontTruth, MrzRegion, PrintedText,
    RenderedDocument, Side, Tamper, Truth,
};

/// MRZ cap height on the canonical 300-dpi card (≈ 2.3 mm).
pub const MRZ_CAP_PX: f32 = 27.0;
/// MRZ character pitch (10 characters per inch).
pub const MRZ_PITCH_PX: f32 = 30.0;
/// MRZ line pitch.
pub const MRZ_LINE_PX: f32 = 50.0;

/// Barcode and MRZ placement, predicted from the spec.
pub struct CodeRegions {
    pub barcode: Option<BarcodeRegion>,
    pub mrz: Option<MrzRegion>,
}

/// Where the MRZ goes: left x, baselines.
fn mrz_layout(kind: DocumentKind) -> Option<(f32, Vec<f32>)> {
    let (w, h) = kind.canonical_size();
    let (chars, lines, bottom) = match kind {
        DocumentKind::PassportTd3 => (44, 2, 52.0),
        DocumentKind::IdCardTd1 => (30, 3, 38.0),
        DocumentKind::IdCardTd2 => (36, 2, 44.0),
        _ => return None,
    };
    let x0 = ((w as f32 - chars as f32 * MRZ_PITCH_PX) / 2.0).round();
    let last = h as f32 - bottom;
    let baselines = (0..lines)
        .map(|i| last - (lines - 1 - i) as f32 * MRZ_LINE_PX)
        .collect();
    Some((x0, baselines))
}

fn mrz_region(kind: DocumentKind) -> Option<MrzRegion> {
    let (x0, baselines) = mrz_layout(kind)?;
    let chars = match kind {
        DocumentKind::PassportTd3 => 44.0,
        DocumentKind::IdCardTd1 => 30.0,
        _ => 36.0,
    };
    let top = baselines[0] - MRZ_CAP_PX;
    let bottom = *baselines.last().unwrap_or(&top);
    Some(MrzRegion {
        side: kind.code_side(),
        bbox: [
            x0 as u32,
            top as u32,
            (chars * MRZ_PITCH_PX) as u32,
            (bottom - top) as u32 + 1,
        ],
        cap_height_px: MRZ_CAP_PX,
        pitch_px: MRZ_PITCH_PX,
    })
}

struct BarcodeLayout {
    symbol: Symbol,
    x: u32,
    y: u32,
    module: u32,
    row: u32,
}

/// The PDF417 for an AAMVA spec and its place on the back.
fn barcode_layout(spec: &DocumentSpec) -> BarcodeLayout {
    let (w, h) = spec.kind.canonical_size();
    let mut rng = StdRng::seed_from_u64(spec.style.design as u64 ^ 0x5eed_ba5c);
    let module = spec.style.barcode_module_px.clamp(2, 4);
    let row = module * spec.style.barcode_row_modules.clamp(2, 5);
    let frac: f32 = rng.gen_range(0.72..0.84);
    let top = 150;
    let symbol = barcode::encode_for_width(
        &aamva::payload(spec),
        module,
        row,
        spec.style.barcode_ec_level.clamp(2, 8),
        w as f32 * frac,
        h - top - 40,
    );
    let bw = symbol.width_modules() * module;
    let bh = symbol.rows.len() as u32 * row;
    let x = w.saturating_sub(bw) / 2;
    // Centre in the space under the top text block, nudged a little.
    let free = (h - 40).saturating_sub(top + bh);
    let y = top + free / 2 + rng.gen_range(0..=free.min(30) / 2);
    BarcodeLayout {
        symbol,
        x,
        y,
        module,
        row,
    }
}

/// Predicts the barcode and MRZ regions of `spec` (no drawing).
pub fn code_regions(spec: &DocumentSpec) -> CodeRegions {
    if spec.kind.is_aamva() {
        let l = barcode_layout(spec);
        CodeRegions {
            barcode: Some(BarcodeRegion {
                side: Side::Back,
                bbox: [
                    l.x,
                    l.y,
                    l.symbol.width_modules() * l.module,
                    l.symbol.rows.len() as u32 * l.row,
                ],
                module_px: l.module,
                row_height_px: l.row,
                columns: l.symbol.columns,
                rows: l.symbol.rows.len() as u32,
                ec_level: spec.style.barcode_ec_level.clamp(2, 8),
            }),
            mrz: None,
        }
    } else {
        CodeRegions {
            barcode: None,
            mrz: mrz_region(spec.kind),
        }
    }
}

fn given_names(first: &str, middle: Option<&str>) -> String {
    match middle {
        Some(m) => format!("{first} {m}"),
        None => first.to_string(),
    }
}

/// The MRZ of an MRZ-kind spec.
pub fn mrz_for(spec: &DocumentSpec) -> Option<Mrz> {
    if !spec.kind.has_mrz() {
        return None;
    }
    let p = &spec.person;
    let state = people::mrz_state(&spec.issuing_country);
    let given = given_names(&p.first_name, p.middle_name.as_deref());
    let number = compact(&spec.document_number);
    let input = MrzInput {
        document_code: &spec.mrz.document_code,
        issuing_state: &state,
        surname: &p.last_name,
        given_names: &given,
        document_number: &number,
        nationality: &spec.mrz.nationality,
        dob: p.dob,
        sex: p.sex,
        expiry: spec.expiry,
        optional_data: &spec.mrz.optional_data,
        optional_data_2: &spec.mrz.optional_data_2,
        filler_check_zero: spec.mrz.filler_check_zero,
    };
    Some(match spec.kind {
        DocumentKind::PassportTd3 => mrz::td3(&input),
        DocumentKind::IdCardTd1 => mrz::td1(&input),
        _ => mrz::td2(&input),
    })
}

/// A side being drawn, collecting what it prints.
struct Page<'t> {
    img: RgbImage,
    side: Side,
    texts: &'t mut Vec<PrintedText>,
}

impl Page<'_> {
    /// Draws text sized by cap height; records it under `field` (unless empty).
    fn put(
        &mut self,
        field: &str,
        font: &FontArc,
        cap: f32,
        pos: (f32, f32),
        s: &str,
        color: [u8; 3],
    ) -> InkBox {
        let px = text::px_for_cap(font, cap);
        let ink = text::draw(&mut self.img, font, px, pos, s, Rgb(color), 0.0);
        if !field.is_empty() && !s.trim().is_empty() {
            self.texts.push(PrintedText {
                side: self.side,
                field: field.to_string(),
                text: s.to_string(),
                bbox: ink.rect(),
            });
        }
        ink
    }

    /// Like [`Page::put`] but shrinks the text to fit `max_w`.
    #[allow(clippy::too_many_arguments)]
    fn put_fit(
        &mut self,
        field: &str,
        font: &FontArc,
        cap: f32,
        pos: (f32, f32),
        s: &str,
        color: [u8; 3],
        max_w: f32,
    ) -> InkBox {
        let px = text::px_for_cap(font, cap);
        let fitted = text::fit(font, px, s, max_w);
        let cap = cap * fitted / px;
        self.put(field, font, cap, pos, s, color)
    }

    /// Text right-aligned at `right`.
    fn put_right(
        &mut self,
        field: &str,
        font: &FontArc,
        cap: f32,
        (right, baseline): (f32, f32),
        s: &str,
        color: [u8; 3],
    ) -> InkBox {
        let px = text::px_for_cap(font, cap);
        let w = text::width(font, px, s);
        self.put(field, font, cap, (right - w, baseline), s, color)
    }
}

/// Per-document design state, all derived from `spec.style.design`.
struct Design<'f> {
    pal: Palette,
    faces: FaceSet<'f>,
    rng: StdRng,
    label_cap: f32,
    value_cap: f32,
    name_cap: f32,
}

impl<'f> Design<'f> {
    fn new(spec: &DocumentSpec, fonts: &'f Fonts) -> Design<'f> {
        let mut rng = StdRng::seed_from_u64(spec.style.design as u64);
        let pal = canvas::palette(&mut rng);
        let serif = spec.kind == DocumentKind::PassportTd3 && rng.gen_bool(0.5);
        let scale = spec.kind.canonical_size().1 as f32 / 638.0;
        let label_cap = rng.gen_range(11.0..13.5) * scale.sqrt();
        let value_cap = rng.gen_range(20.0..24.0) * scale.sqrt();
        let name_cap = value_cap * rng.gen_range(1.15..1.3);
        Design {
            pal,
            faces: fonts.faces(spec.style.font_set, serif),
            rng,
            label_cap,
            value_cap,
            name_cap,
        }
    }

    fn jitter(&mut self, amount: f32) -> f32 {
        self.rng.gen_range(-amount..=amount)
    }
}

/// What the front prints, given the tamper.
fn front_truth(spec: &DocumentSpec) -> FrontTruth {
    let p = &spec.person;
    let mut f = FrontTruth {
        first_name: p.first_name.clone(),
        middle_name: p.middle_name.clone(),
        last_name: p.last_name.clone(),
        dob: p.dob,
        sex: p.sex,
        document_number: compact(&spec.document_number),
        document_number_printed: spec.document_number.clone(),
        issued: spec.issued,
        expiry: spec.expiry,
    };
    match &spec.tamper {
        Some(Tamper::Name(n)) => f.last_name = n.clone(),
        Some(Tamper::Dob(d)) => f.dob = *d,
        Some(Tamper::Number(n)) => {
            f.document_number = compact(n);
            f.document_number_printed = n.clone();
        }
        None => {}
    }
    f
}

/// Draws every side of `spec` and assembles the truth.
pub fn render<R: Rng + ?Sized>(
    spec: &DocumentSpec,
    fonts: &Fonts,
    rng: &mut R,
) -> RenderedDocument {
    let mut d = Design::new(spec, fonts);
    let front = front_truth(spec);
    let mut texts = Vec::new();
    let (w, h) = spec.kind.canonical_size();
    let regions = code_regions(spec);
    let mrz = mrz_for(spec);
    let (front_img, back_img, [portrait_bbox, ghost_bbox]) = if spec.kind.is_aamva() {
        let (f, pb) = aamva_front(spec, &front, &mut d, &mut texts, rng);
        let b = aamva_back(spec, &mut d, &mut texts, rng);
        (f, Some(b), pb)
    } else {
        let lines = mrz.as_ref().map(|m| m.lines.clone()).unwrap_or_default();
        let (f, b, pb) = icao_document(spec, &front, &lines, fonts, &mut d, &mut texts, rng);
        (f, b, pb)
    };
    let p = &spec.person;
    let state = if spec.kind.has_mrz() {
        people::icao_state(&spec.issuing_country)
    } else {
        None
    };
    let jurisdiction = people::jurisdiction(&spec.jurisdiction);
    let truth = Truth {
        kind: spec.kind,
        first_name: p.first_name.clone(),
        middle_name: p.middle_name.clone(),
        last_name: p.last_name.clone(),
        dob: p.dob,
        sex: p.sex,
        document_number: compact(&spec.document_number),
        issued: spec.issued,
        expiry: spec.expiry,
        issuing_country: if spec.kind.is_aamva() {
            Some(
                if spec.issuing_country == "CAN" {
                    "CA"
                } else {
                    "US"
                }
                .to_string(),
            )
        } else {
            state.and_then(|s| s.alpha2).map(str::to_string)
        },
        issuing_country_code: if spec.kind.is_aamva() {
            spec.issuing_country.clone()
        } else {
            people::mrz_state(&spec.issuing_country)
        },
        jurisdiction: spec.kind.is_aamva().then(|| spec.jurisdiction.clone()),
        nationality: spec.kind.has_mrz().then(|| spec.mrz.nationality.clone()),
        address: spec.kind.is_aamva().then(|| p.address.clone()),
        aamva_payload: spec.kind.is_aamva().then(|| aamva::payload(spec)),
        aamva_style: spec.kind.is_aamva().then(|| spec.aamva.clone()),
        aamva_iin: jurisdiction
            .filter(|_| spec.kind.is_aamva())
            .map(|j| j.iin.to_string()),
        mrz_lines: mrz.as_ref().map(|m| m.lines.clone()),
        mrz_name_truncated: mrz.as_ref().is_some_and(|m| m.name_truncated),
        front,
        tamper: spec.tamper.clone(),
        card_size: (w, h),
        barcode: regions.barcode,
        mrz: regions.mrz,
        portrait_bbox,
        ghost_bbox,
        texts,
        font_set: spec.style.font_set,
    };
    RenderedDocument {
        front: front_img,
        back: back_img,
        truth,
    }
}

fn portrait_image<R: Rng + ?Sized>(spec: &DocumentSpec, w: u32, h: u32, rng: &mut R) -> RgbImage {
    match &spec.portrait {
        Some(p) => canvas::cover(p, w, h),
        None => canvas::silhouette(w, h, rng),
    }
}

// ---------------------------------------------------------------------------------------
// US and Canadian cards

struct Titles {
    state: String,
    title: String,
    subtitle: String,
}

fn aamva_titles(spec: &DocumentSpec) -> Titles {
    let j = people::jurisdiction(&spec.jurisdiction);
    let state = j.map(|j| j.name).unwrap_or("STATE").to_string();
    let dl = matches!(
        spec.kind,
        DocumentKind::UsDrivingLicense | DocumentKind::CaDrivingLicense
    );
    match spec.kind {
        DocumentKind::UsDrivingLicense | DocumentKind::UsIdCard => Titles {
            state,
            title: if dl {
                "DRIVER LICENSE"
            } else {
                "IDENTIFICATION CARD"
            }
            .into(),
            subtitle: "USA".into(),
        },
        _ => {
            let quebec = spec.jurisdiction == "QC";
            let (en, fr) = if dl {
                ("DRIVER'S LICENCE", "PERMIS DE CONDUIRE")
            } else {
                ("PHOTO CARD", "CARTE-PHOTO")
            };
            Titles {
                state: if quebec { "QUÉBEC".into() } else { state },
                title: if quebec { fr.into() } else { en.into() },
                subtitle: if quebec { en.into() } else { fr.into() },
            }
        }
    }
}

/// One labelled field on a US card: `4d DLN D1234567`.
struct Field<'a> {
    num: &'a str,
    label: &'a str,
    field: &'a str,
    value: &'a str,
    cap: f32,
    bold: bool,
    color: [u8; 3],
}

/// Draws `num label value` on one baseline; returns the right edge.
fn inline_field(page: &mut Page, d: &Design, (x, y): (f32, f32), f: &Field, max_x: f32) -> f32 {
    let mut pen = x;
    if !f.num.is_empty() {
        let ink = page.put(
            "label",
            d.faces.label,
            d.label_cap,
            (pen, y),
            f.num,
            d.pal.label,
        );
        pen = ink.x1 + d.label_cap * 0.45;
    }
    if !f.label.is_empty() {
        let ink = page.put(
            "label",
            d.faces.label,
            d.label_cap,
            (pen, y),
            f.label,
            d.pal.label,
        );
        pen = ink.x1 + d.label_cap * 0.6;
    }
    let font = if f.bold { d.faces.bold } else { d.faces.value };
    let ink = page.put_fit(
        f.field,
        font,
        f.cap,
        (pen, y),
        f.value,
        f.color,
        max_x - pen,
    );
    ink.x1
}

/// Draws a label line above a value line; returns the right edge.
fn stacked_field(page: &mut Page, d: &Design, (x, y): (f32, f32), f: &Field, max_w: f32) -> f32 {
    let label = if f.num.is_empty() {
        f.label.to_string()
    } else {
        format!("{} {}", f.num, f.label)
    };
    let l = page.put_fit(
        "label",
        d.faces.label,
        d.label_cap,
        (x, y),
        &label,
        d.pal.label,
        max_w,
    );
    let font = if f.bold { d.faces.bold } else { d.faces.value };
    let v = page.put_fit(
        f.field,
        font,
        f.cap,
        (x, y + f.cap + d.label_cap * 0.9),
        f.value,
        f.color,
        max_w,
    );
    l.x1.max(v.x1)
}

fn header(page: &mut Page, d: &mut Design, t: &Titles, w: u32, band: bool) -> f32 {
    let state_cap = d.rng.gen_range(34.0..42.0);
    let title_cap = d.rng.gen_range(18.0..23.0);
    if band {
        let bh = 96;
        canvas::band(&mut page.img, [0, 0, w, bh], d.pal.accent);
        let white = [250, 250, 246];
        let ink = page.put_fit(
            "header",
            d.faces.title,
            state_cap,
            (36.0, 62.0),
            &t.state,
            white,
            560.0,
        );
        page.put_right(
            "header",
            d.faces.bold,
            title_cap,
            (w as f32 - 36.0, 50.0),
            &t.title,
            white,
        );
        page.put_right(
            "header",
            d.faces.label,
            title_cap * 0.7,
            (w as f32 - 36.0, 80.0),
            &t.subtitle,
            white,
        );
        let _ = ink;
        bh as f32 + 8.0
    } else {
        page.put_fit(
            "header",
            d.faces.title,
            state_cap,
            (36.0, 58.0),
            &t.state,
            d.pal.accent,
            560.0,
        );
        page.put_right(
            "header",
            d.faces.bold,
            title_cap,
            (w as f32 - 36.0, 52.0),
            &t.title,
            d.pal.accent,
        );
        page.put_right(
            "header",
            d.faces.label,
            title_cap * 0.7,
            (w as f32 - 36.0, 82.0),
            &t.subtitle,
            d.pal.accent,
        );
        canvas::fill_rect(&mut page.img, [36, 94, w - 72, 3], d.pal.accent, 0.9);
        104.0
    }
}

fn aamva_front<R: Rng + ?Sized>(
    spec: &DocumentSpec,
    front: &FrontTruth,
    d: &mut Design,
    texts: &mut Vec<PrintedText>,
    rng: &mut R,
) -> (RgbImage, [[u32; 4]; 2]) {
    let (w, h) = spec.kind.canonical_size();
    let canadian = matches!(
        spec.kind,
        DocumentKind::CaDrivingLicense | DocumentKind::CaIdCard
    );
    let dl = matches!(
        spec.kind,
        DocumentKind::UsDrivingLicense | DocumentKind::CaDrivingLicense
    );
    let bg = canvas::security_background(w, h, &d.pal, &mut d.rng);
    let mut page = Page {
        img: bg,
        side: Side::Front,
        texts,
    };
    let titles = aamva_titles(spec);
    let band = d.rng.gen_bool(0.6);
    let top = header(&mut page, d, &titles, w, band);
    // Portrait box.
    let (px0, py0) = (
        36 + d.jitter(6.0) as i32,
        top as i32 + 16 + d.jitter(6.0) as i32,
    );
    let (pw, ph) = (276u32, 345u32);
    let portrait = portrait_image(spec, pw, ph, rng);
    canvas::paste(&mut page.img, &portrait, px0 as u32, py0 as u32);
    let pbox = [px0 as u32, py0 as u32, pw, ph];
    canvas::frame(&mut page.img, pbox, [90, 90, 90]);
    let sig_y = py0 as u32 + ph + 12;
    canvas::signature(
        &mut page.img,
        [
            px0 as u32,
            sig_y,
            pw,
            (h - 20).saturating_sub(sig_y).min(90),
        ],
        [20, 30, 70],
        rng,
    );
    // Ghost image bottom-right.
    let gbox = [w - 160, h - 200, 118, 150];
    canvas::ghost(&mut page.img, &portrait, gbox, d.pal.accent);

    let fmt = |x: Ymd| {
        if canadian {
            dates::canadian(x)
        } else {
            dates::us(x)
        }
    };
    let ink = d.pal.ink;
    let red = d.pal.label;
    let x = 336.0 + d.jitter(6.0);
    let right = w as f32 - 30.0;
    let narrow_right = gbox[0] as f32 - 14.0;
    let vc = d.value_cap;
    let nc = d.name_cap;
    let given = given_names(&front.first_name, front.middle_name.as_deref());
    let addr2 = format!(
        "{}, {} {}",
        spec.person.address.city, spec.person.address.state, spec.person.address.postal_code
    );
    let sex = front.sex.to_string();
    let hgt = aamva::height(spec);
    let height = if canadian {
        format!("{hgt} cm")
    } else {
        format!("{}'-{:02}\"", hgt / 12, hgt % 12)
    };
    let eyes = aamva::eyes(spec);
    let dd: String = aamva::elements(spec)
        .into_iter()
        .find(|(k, _)| *k == "DCF")
        .map(|(_, v)| v)
        .unwrap_or_else(|| compact(&spec.document_number));
    if !canadian {
        let mut y = top + 36.0;
        let step = (h as f32 - 40.0 - y) / 10.2;
        let dln_label = if dl { "DLN" } else { "IDN" };
        inline_field(
            &mut page,
            d,
            (x, y),
            &Field {
                num: "4d",
                label: dln_label,
                field: "document_number",
                value: &front.document_number_printed,
                cap: vc * 1.08,
                bold: true,
                color: red,
            },
            right - 170.0,
        );
        if dl {
            inline_field(
                &mut page,
                d,
                (right - 150.0, y),
                &Field {
                    num: "9",
                    label: "CLASS",
                    field: "class",
                    value: "C",
                    cap: vc,
                    bold: true,
                    color: ink,
                },
                right,
            );
        }
        y += step;
        inline_field(
            &mut page,
            d,
            (x, y),
            &Field {
                num: "4b",
                label: "EXP",
                field: "expiry",
                value: &fmt(front.expiry),
                cap: vc,
                bold: true,
                color: ink,
            },
            right,
        );
        y += step * 1.15;
        inline_field(
            &mut page,
            d,
            (x, y),
            &Field {
                num: "1",
                label: "",
                field: "last_name",
                value: &front.last_name,
                cap: nc,
                bold: true,
                color: ink,
            },
            right,
        );
        y += step * 1.05;
        inline_field(
            &mut page,
            d,
            (x, y),
            &Field {
                num: "2",
                label: "",
                field: "given_names",
                value: &given,
                cap: nc * 0.92,
                bold: true,
                color: ink,
            },
            right,
        );
        y += step;
        inline_field(
            &mut page,
            d,
            (x, y),
            &Field {
                num: "8",
                label: "",
                field: "address",
                value: &spec.person.address.line1,
                cap: vc * 0.85,
                bold: false,
                color: ink,
            },
            right,
        );
        y += step * 0.8;
        let ax =
            x + text::width(
                d.faces.label,
                text::px_for_cap(d.faces.label, d.label_cap),
                "8",
            ) + d.label_cap * 0.45;
        page.put_fit(
            "address",
            d.faces.value,
            vc * 0.85,
            (ax, y),
            &addr2,
            ink,
            right - ax,
        );
        y += step * 1.1;
        inline_field(
            &mut page,
            d,
            (x, y),
            &Field {
                num: "3",
                label: "DOB",
                field: "dob",
                value: &fmt(front.dob),
                cap: vc * 1.08,
                bold: true,
                color: red,
            },
            narrow_right,
        );
        y += step;
        let e = inline_field(
            &mut page,
            d,
            (x, y),
            &Field {
                num: "4a",
                label: "ISS",
                field: "issued",
                value: &fmt(front.issued),
                cap: vc * 0.9,
                bold: false,
                color: ink,
            },
            narrow_right,
        );
        let _ = e;
        y += step;
        let e = inline_field(
            &mut page,
            d,
            (x, y),
            &Field {
                num: "15",
                label: "SEX",
                field: "sex",
                value: &sex,
                cap: vc * 0.9,
                bold: false,
                color: ink,
            },
            narrow_right,
        );
        let e = inline_field(
            &mut page,
            d,
            (e + 18.0, y),
            &Field {
                num: "16",
                label: "HGT",
                field: "height",
                value: &height,
                cap: vc * 0.9,
                bold: false,
                color: ink,
            },
            narrow_right,
        );
        inline_field(
            &mut page,
            d,
            (e + 18.0, y),
            &Field {
                num: "18",
                label: "EYES",
                field: "eyes",
                value: eyes,
                cap: vc * 0.9,
                bold: false,
                color: ink,
            },
            narrow_right,
        );
        y += step;
        if dl {
            let e = inline_field(
                &mut page,
                d,
                (x, y),
                &Field {
                    num: "12",
                    label: "RSTR",
                    field: "restrictions",
                    value: "NONE",
                    cap: vc * 0.8,
                    bold: false,
                    color: ink,
                },
                narrow_right,
            );
            inline_field(
                &mut page,
                d,
                (e + 18.0, y),
                &Field {
                    num: "9a",
                    label: "END",
                    field: "endorsements",
                    value: "NONE",
                    cap: vc * 0.8,
                    bold: false,
                    color: ink,
                },
                narrow_right,
            );
        }
        let yb = h as f32 - 22.0;
        inline_field(
            &mut page,
            d,
            (x, yb),
            &Field {
                num: "5",
                label: "DD",
                field: "discriminator",
                value: &dd,
                cap: vc * 0.62,
                bold: false,
                color: ink,
            },
            narrow_right,
        );
    } else {
        // Canadian: labels above values, bilingual.
        let step = (h as f32 - 30.0 - top) / 5.0;
        let mut y = top + 26.0;
        stacked_field(
            &mut page,
            d,
            (x, y),
            &Field {
                num: "4d",
                label: "NUMBER/NUMÉRO",
                field: "document_number",
                value: &front.document_number_printed,
                cap: vc * 1.05,
                bold: true,
                color: red,
            },
            640.0,
        );
        y += step;
        let l = page.put(
            "label",
            d.faces.label,
            d.label_cap,
            (x, y),
            "1,2 NAME/NOM",
            d.pal.label,
        );
        let _ = l;
        let name_line = format!("{},", front.last_name);
        page.put_fit(
            "last_name",
            d.faces.bold,
            nc,
            (x, y + nc + d.label_cap),
            &name_line,
            ink,
            right - x,
        );
        page.put_fit(
            "given_names",
            d.faces.bold,
            nc * 0.9,
            (x, y + 2.0 * nc + d.label_cap * 1.9),
            &given,
            ink,
            right - x,
        );
        y += step * 1.55;
        stacked_field(
            &mut page,
            d,
            (x, y),
            &Field {
                num: "8",
                label: "ADDRESS/ADRESSE",
                field: "address",
                value: &spec.person.address.line1,
                cap: vc * 0.8,
                bold: false,
                color: ink,
            },
            narrow_right - x,
        );
        page.put_fit(
            "address",
            d.faces.value,
            vc * 0.8,
            (x, y + vc * 1.9 + d.label_cap * 0.9),
            &addr2,
            ink,
            narrow_right - x,
        );
        y += step * 1.3;
        let yrow = y;
        // Columns follow each other so long labels never collide.
        let e = stacked_field(
            &mut page,
            d,
            (x, yrow),
            &Field {
                num: "3",
                label: "DOB/DDN",
                field: "dob",
                value: &fmt(front.dob),
                cap: vc,
                bold: true,
                color: red,
            },
            200.0,
        );
        let e = stacked_field(
            &mut page,
            d,
            (e + 26.0, yrow),
            &Field {
                num: "15",
                label: "SEX/SEXE",
                field: "sex",
                value: &sex,
                cap: vc,
                bold: false,
                color: ink,
            },
            150.0,
        );
        stacked_field(
            &mut page,
            d,
            (e + 26.0, yrow),
            &Field {
                num: "16",
                label: "HGT/HAUT",
                field: "height",
                value: &height,
                cap: vc * 0.9,
                bold: false,
                color: ink,
            },
            (narrow_right - e - 26.0).max(40.0),
        );
        let y2 = (yrow + step * 0.95).min(h as f32 - 56.0);
        let e = stacked_field(
            &mut page,
            d,
            (x, y2),
            &Field {
                num: "4a",
                label: "ISS/DÉL",
                field: "issued",
                value: &fmt(front.issued),
                cap: vc * 0.9,
                bold: false,
                color: ink,
            },
            200.0,
        );
        stacked_field(
            &mut page,
            d,
            (e + 26.0, y2),
            &Field {
                num: "4b",
                label: "EXP",
                field: "expiry",
                value: &fmt(front.expiry),
                cap: vc * 0.9,
                bold: true,
                color: ink,
            },
            (narrow_right - e - 26.0).max(40.0),
        );
        if dl {
            stacked_field(
                &mut page,
                d,
                (right - 140.0, top + 26.0),
                &Field {
                    num: "9",
                    label: "CLASS/CAT",
                    field: "class",
                    value: "G",
                    cap: vc,
                    bold: true,
                    color: ink,
                },
                120.0,
            );
        }
    }
    (page.img, [pbox, gbox])
}

fn aamva_back<R: Rng + ?Sized>(
    spec: &DocumentSpec,
    d: &mut Design,
    texts: &mut Vec<PrintedText>,
    _rng: &mut R,
) -> RgbImage {
    let (w, h) = spec.kind.canonical_size();
    let mut bg_rng = StdRng::seed_from_u64(spec.style.design as u64 ^ 0xbac4);
    let bg = canvas::security_background(w, h, &d.pal, &mut bg_rng);
    let mut page = Page {
        img: bg,
        side: Side::Back,
        texts,
    };
    let layout = barcode_layout(spec);
    let ink = d.pal.ink;
    let canadian = spec.issuing_country == "CAN";
    let state = people::jurisdiction(&spec.jurisdiction)
        .map(|j| j.name)
        .unwrap_or("STATE");
    let lines: Vec<String> = if canadian {
        vec![
            format!("{state} - MINISTRY OF TRANSPORTATION / MINISTÈRE DES TRANSPORTS"),
            "THIS CARD REMAINS THE PROPERTY OF THE PROVINCE. / CETTE CARTE DEMEURE LA PROPRIÉTÉ DE LA PROVINCE.".into(),
        ]
    } else {
        vec![
            format!("THIS CARD IS THE PROPERTY OF THE STATE OF {state}."),
            "IF FOUND, PLEASE RETURN TO ANY FIELD OFFICE. SAMPLE DOCUMENT - NOT VALID.".into(),
        ]
    };
    let cap = 12.0;
    let mut y = 52.0;
    for l in &lines {
        page.put_fit(
            "back_text",
            d.faces.label,
            cap,
            (40.0, y),
            l,
            ink,
            w as f32 - 80.0,
        );
        y += 30.0;
    }
    let bw = layout.symbol.width_modules() * layout.module;
    let bh = layout.symbol.rows.len() as u32 * layout.row;
    let quiet = 3 * layout.module + 6;
    canvas::fill_rect(
        &mut page.img,
        [
            layout.x.saturating_sub(quiet),
            layout.y.saturating_sub(quiet),
            bw + 2 * quiet,
            bh + 2 * quiet,
        ],
        [252, 252, 250],
        1.0,
    );
    barcode::paint(
        &mut page.img,
        &layout.symbol,
        (layout.x, layout.y),
        layout.module,
        layout.row,
        Rgb([18, 18, 22]),
    );
    let rev = format!(
        "REV {}",
        dates::us((
            2020 + (spec.style.design % 5) as i32,
            1 + spec.style.design % 12,
            15
        ))
    );
    let yb = (layout.y + bh + quiet) as f32 + 28.0;
    if yb < h as f32 - 8.0 {
        page.put("back_text", d.faces.label, 11.0, (40.0, yb), &rev, ink);
    }
    page.img
}

// ---------------------------------------------------------------------------------------
// ICAO documents (passports, TD1 and TD2 ID cards)

struct Labels {
    surname: String,
    given: String,
    nationality: String,
    dob: String,
    sex: String,
    place_of_birth: String,
    issued: String,
    expiry: String,
    authority: String,
    number: String,
    doc_type: String,
    code: String,
    signature: String,
    address: String,
}

fn labels(state: &IcaoState, passport: bool) -> Labels {
    let en = |s: &str| s.to_string();
    let pair = |local: &str, english: &str| format!("{local} / {english}");
    let no = if passport {
        "Passport No."
    } else {
        "Document No."
    };
    match state.code {
        "FRA" => Labels {
            surname: pair("Nom", "Surname"),
            given: pair("Prénoms", "Given names"),
            nationality: pair("Nationalité", "Nationality"),
            dob: pair("Date de naissance", "Date of birth"),
            sex: pair("Sexe", "Sex"),
            place_of_birth: pair("Lieu de naissance", "Place of birth"),
            issued: pair("Date de délivrance", "Date of issue"),
            expiry: pair("Date d'expiration", "Date of expiry"),
            authority: pair("Autorité", "Authority"),
            number: pair(
                if passport {
                    "Passeport n°"
                } else {
                    "N° du document"
                },
                no,
            ),
            doc_type: pair("Type", "Type"),
            code: pair("Code du pays", "Country code"),
            signature: pair("Signature du titulaire", "Holder's signature"),
            address: pair("Adresse", "Address"),
        },
        "D" => Labels {
            surname: pair("Name", "Surname"),
            given: pair("Vornamen", "Given names"),
            nationality: pair("Staatsangehörigkeit", "Nationality"),
            dob: pair("Geburtstag", "Date of birth"),
            sex: pair("Geschlecht", "Sex"),
            place_of_birth: pair("Geburtsort", "Place of birth"),
            issued: pair("Datum", "Date of issue"),
            expiry: pair("Gültig bis", "Date of expiry"),
            authority: pair("Behörde", "Authority"),
            number: pair(if passport { "Pass-Nr." } else { "Ausweis-Nr." }, no),
            doc_type: pair("Typ", "Type"),
            code: pair("Kode", "Code"),
            signature: pair("Unterschrift", "Signature"),
            address: pair("Anschrift", "Address"),
        },
        "ESP" => Labels {
            surname: pair("Apellidos", "Surname"),
            given: pair("Nombre", "Given names"),
            nationality: pair("Nacionalidad", "Nationality"),
            dob: pair("Fecha de nacimiento", "Date of birth"),
            sex: pair("Sexo", "Sex"),
            place_of_birth: pair("Lugar de nacimiento", "Place of birth"),
            issued: pair("Fecha de expedición", "Date of issue"),
            expiry: pair("Fecha de caducidad", "Date of expiry"),
            authority: pair("Autoridad", "Authority"),
            number: pair("Núm. de soporte", no),
            doc_type: pair("Tipo", "Type"),
            code: pair("Código", "Code"),
            signature: pair("Firma", "Signature"),
            address: pair("Domicilio", "Address"),
        },
        _ => Labels {
            surname: pair("Surname", "Nom"),
            given: pair("Given names", "Prénoms"),
            nationality: pair("Nationality", "Nationalité"),
            dob: pair("Date of birth", "Date de naissance"),
            sex: pair("Sex", "Sexe"),
            place_of_birth: pair("Place of birth", "Lieu de naissance"),
            issued: pair("Date of issue", "Date de délivrance"),
            expiry: pair("Date of expiry", "Date d'expiration"),
            authority: pair("Authority", "Autorité"),
            number: en(no),
            doc_type: pair("Type", "Type"),
            code: pair("Code", "Code"),
            signature: en("Holder's signature"),
            address: pair("Address", "Adresse"),
        },
    }
}

fn nationality_name(code: &str) -> &'static str {
    match code.trim_end_matches('<') {
        "UTO" => "UTOPIAN",
        "FRA" => "FRANÇAISE",
        "D" => "DEUTSCH",
        "NLD" => "NEDERLANDSE",
        "ESP" => "ESPAÑOLA",
        "CAN" => "CANADIAN/CANADIENNE",
        "USA" => "UNITED STATES OF AMERICA",
        "BRA" => "BRASILEIRO(A)",
        "SGP" => "SINGAPORE CITIZEN",
        "SWE" => "SVENSK",
        _ => "UTOPIAN",
    }
}

fn icao_date(style: DateStyle, d: Ymd) -> String {
    match style {
        DateStyle::Icao => dates::icao(d),
        DateStyle::Dotted => dates::dotted(d),
        DateStyle::DayFirst => dates::day_first(d),
    }
}

/// One field of a row on an ICAO document.
struct Cell {
    label: String,
    field: &'static str,
    value: String,
    cap: f32,
    bold: bool,
}

/// Clears the MRZ band (ICAO asks for a clear zone) and prints the lines in OCR-B.
fn draw_mrz(page: &mut Page, fonts: &Fonts, kind: DocumentKind, lines: &[String], tone: f32) {
    let Some((x0, baselines)) = mrz_layout(kind) else {
        return;
    };
    let (w, _) = kind.canonical_size();
    let top = (baselines[0] - MRZ_CAP_PX - 22.0).max(0.0) as u32;
    let bottom = (*baselines.last().unwrap() + 26.0) as u32;
    let bottom = bottom.min(page.img.height());
    canvas::fill_rect(
        &mut page.img,
        [0, top, w, bottom - top],
        [248, 248, 244],
        0.72,
    );
    let px = text::px_for_cap(&fonts.ocrb, MRZ_CAP_PX);
    let ink = [(tone * 0.8) as u8, (tone * 0.8) as u8, tone as u8];
    for (line, &b) in lines.iter().zip(&baselines) {
        let box_ = text::draw_monospace(
            &mut page.img,
            &fonts.ocrb,
            px,
            (x0, b),
            MRZ_PITCH_PX,
            line,
            Rgb(ink),
        );
        page.texts.push(PrintedText {
            side: page.side,
            field: "mrz_line".into(),
            text: line.clone(),
            bbox: box_.rect(),
        });
    }
}

#[allow(clippy::too_many_arguments)]
fn icao_document<R: Rng + ?Sized>(
    spec: &DocumentSpec,
    front: &FrontTruth,
    mrz_lines: &[String],
    fonts: &Fonts,
    d: &mut Design,
    texts: &mut Vec<PrintedText>,
    rng: &mut R,
) -> (RgbImage, Option<RgbImage>, [[u32; 4]; 2]) {
    let kind = spec.kind;
    let (w, h) = kind.canonical_size();
    let state = people::icao_state(&spec.issuing_country).unwrap_or(&people::ICAO_STATES[0]);
    let passport = kind == DocumentKind::PassportTd3;
    let lab = labels(state, passport);
    let bg = canvas::security_background(w, h, &d.pal, &mut d.rng);
    let mut page = Page {
        img: bg,
        side: Side::Front,
        texts,
    };
    let ink = d.pal.ink;
    let accent = d.pal.accent;
    let date = |x: Ymd| icao_date(state.date_style, x);
    let code3 = people::mrz_state(&spec.issuing_country).replace('<', "");
    let s = h as f32 / 638.0;
    let lc = d.label_cap;
    let vc = d.value_cap;
    let nc = d.name_cap;
    // Top of the MRZ band when the MRZ is on this (front) side.
    let mrz_top = match kind.code_side() {
        Side::Front => mrz_layout(kind)
            .map(|(_, b)| b[0] - MRZ_CAP_PX - 26.0)
            .unwrap_or(h as f32),
        Side::Back => h as f32,
    };

    // Header.
    let title = if passport {
        state.passport_title
    } else {
        state.id_title
    };
    let english = if passport {
        "PASSPORT"
    } else {
        "IDENTITY CARD"
    };
    let head_cap = 22.0 * s.sqrt();
    page.put_fit(
        "header",
        d.faces.title,
        head_cap,
        (40.0 * s, 50.0 * s.sqrt()),
        state.name,
        accent,
        w as f32 * 0.62,
    );
    let t2 = if title == english {
        title.to_string()
    } else {
        format!("{title} / {english}")
    };
    page.put_fit(
        "header",
        d.faces.bold,
        head_cap * 0.8,
        (40.0 * s, 50.0 * s.sqrt() + head_cap * 1.8),
        &t2,
        accent,
        w as f32 * 0.62,
    );
    let header_bottom = 50.0 * s.sqrt() + head_cap * 2.6;

    // Portrait.
    let (pw, ph, px0, py0) = match kind {
        DocumentKind::PassportTd3 => (400u32, 510u32, 60u32, (header_bottom + 40.0) as u32),
        DocumentKind::IdCardTd2 => (300, 390, 50, (header_bottom + 30.0) as u32),
        _ => (250, 318, 40, (header_bottom + 18.0) as u32),
    };
    let portrait = portrait_image(spec, pw, ph, rng);
    canvas::paste(&mut page.img, &portrait, px0, py0);
    let pbox = [px0, py0, pw, ph];
    // Signature under the portrait (passport, TD2) or on the TD1 front below it.
    let sig_top = py0 + ph + 10;
    let sig_h = (mrz_top as u32).saturating_sub(sig_top + 10).min(80);
    if sig_h > 30 {
        canvas::signature(&mut page.img, [px0, sig_top, pw, sig_h], [25, 30, 80], rng);
    }

    // Fields.
    let x = (px0 + pw) as f32 + 34.0 * s.sqrt() + d.jitter(4.0);
    let right = w as f32 - 40.0;
    let ghost_w = (120.0 * s) as u32;
    let ghost_h = (150.0 * s) as u32;
    let given = given_names(&front.first_name, front.middle_name.as_deref());
    let sex = match front.sex {
        'M' => "M",
        'F' => "F",
        _ => "X",
    };
    let gap = vc + lc + 34.0 * s.sqrt();
    // Ghost image at the right, above the MRZ (or in the bottom corner).
    let gy = (mrz_top as u32)
        .saturating_sub(ghost_h + 16)
        .min(h - ghost_h - 20);
    let gx = w - ghost_w - 30;
    let mut y = header_bottom + 28.0;
    if passport {
        // Top row: type, code, passport number.
        let e = stacked_field(
            &mut page,
            d,
            (x, y),
            &Field {
                num: "",
                label: &lab.doc_type,
                field: "document_type",
                value: "P",
                cap: vc,
                bold: false,
                color: ink,
            },
            140.0,
        );
        let x2 = (e + 30.0).max(x + (right - x) * 0.18);
        let e = stacked_field(
            &mut page,
            d,
            (x2, y),
            &Field {
                num: "",
                label: &lab.code,
                field: "issuing_state",
                value: &code3,
                cap: vc,
                bold: false,
                color: ink,
            },
            260.0,
        );
        let x3 = (e + 30.0).max(x + (right - x) * 0.45);
        stacked_field(
            &mut page,
            d,
            (x3, y),
            &Field {
                num: "",
                label: &lab.number,
                field: "document_number",
                value: &front.document_number_printed,
                cap: vc * 1.1,
                bold: true,
                color: ink,
            },
            right - x3,
        );
        y += gap;
    }
    stacked_field(
        &mut page,
        d,
        (x, y),
        &Field {
            num: "",
            label: &lab.surname,
            field: "last_name",
            value: &front.last_name,
            cap: nc,
            bold: true,
            color: ink,
        },
        right - x,
    );
    y += gap + (nc - vc);
    stacked_field(
        &mut page,
        d,
        (x, y),
        &Field {
            num: "",
            label: &lab.given,
            field: "given_names",
            value: &given,
            cap: nc * 0.92,
            bold: true,
            color: ink,
        },
        right - x,
    );
    y += gap + (nc - vc);
    let col2 = x + (right - x) * 0.55;
    // Fields stop short of the ghost image when their row reaches down to it.
    let limit_at = |y: f32| {
        if y + vc * 2.5 > gy as f32 {
            gx as f32 - 16.0
        } else {
            right
        }
    };
    let f = |label: &'_ str, field: &'static str, value: String, cap: f32, bold: bool| Cell {
        label: label.to_string(),
        field,
        value,
        cap,
        bold,
    };
    let mut rows: Vec<Vec<Cell>> = vec![vec![
        f(
            &lab.nationality,
            "nationality",
            nationality_name(&spec.mrz.nationality).into(),
            vc,
            false,
        ),
        f(&lab.sex, "sex", sex.into(), vc, false),
    ]];
    if passport {
        rows.push(vec![
            f(&lab.dob, "dob", date(front.dob), vc, true),
            f(
                &lab.place_of_birth,
                "place_of_birth",
                spec.person.address.city.clone(),
                vc * 0.9,
                false,
            ),
        ]);
        rows.push(vec![
            f(&lab.issued, "issued", date(front.issued), vc, false),
            f(
                &lab.authority,
                "authority",
                format!("{} AUTHORITY", spec.person.address.city),
                vc * 0.8,
                false,
            ),
        ]);
        rows.push(vec![f(&lab.expiry, "expiry", date(front.expiry), vc, true)]);
    } else {
        rows.push(vec![
            f(&lab.dob, "dob", date(front.dob), vc, true),
            f(&lab.expiry, "expiry", date(front.expiry), vc, true),
        ]);
        let mut last = vec![f(
            &lab.number,
            "document_number",
            front.document_number_printed.clone(),
            vc * 1.05,
            true,
        )];
        if kind == DocumentKind::IdCardTd2 {
            last.push(f(&lab.issued, "issued", date(front.issued), vc, false));
        }
        rows.push(last);
    }
    for row in rows {
        let limit = limit_at(y);
        let mut e = x - 30.0;
        for (
            i,
            Cell {
                label,
                field,
                value,
                cap,
                bold,
            },
        ) in row.iter().enumerate()
        {
            let font = if *bold { d.faces.bold } else { d.faces.value };
            let natural = text::width(
                d.faces.label,
                text::px_for_cap(d.faces.label, d.label_cap),
                label,
            )
            .max(text::width(font, text::px_for_cap(font, *cap), value));
            // The second field sits at its column, or further left when it would reach the
            // limit, but never closer than 30 px to the first.
            let fx = if i == 0 {
                x
            } else {
                col2.min(limit - natural).max(e + 30.0)
            };
            let max_w = if i + 1 < row.len() {
                col2 - fx - 30.0
            } else {
                limit - fx
            };
            e = stacked_field(
                &mut page,
                d,
                (fx, y),
                &Field {
                    num: "",
                    label,
                    field,
                    value,
                    cap: *cap,
                    bold: *bold,
                    color: ink,
                },
                max_w.max(40.0),
            );
        }
        y += gap;
    }
    let _ = y;
    let gbox = [gx, gy, ghost_w, ghost_h];
    canvas::ghost(&mut page.img, &portrait, gbox, accent);
    let pbox = [pbox, gbox];

    let tone: f32 = d.rng.gen_range(15.0..45.0);
    let back = if kind == DocumentKind::IdCardTd1 {
        let texts = page.texts;
        let front_img = page.img;
        let mut back_rng = StdRng::seed_from_u64(spec.style.design as u64 ^ 0xbac4);
        let bg = canvas::security_background(w, h, &d.pal, &mut back_rng);
        let mut bp = Page {
            img: bg,
            side: Side::Back,
            texts,
        };
        let mut by = 56.0;
        let bx = 40.0;
        let addr = format!(
            "{}, {}",
            spec.person.address.line1, spec.person.address.city
        );
        stacked_field(
            &mut bp,
            d,
            (bx, by),
            &Field {
                num: "",
                label: &lab.address,
                field: "address",
                value: &addr,
                cap: vc * 0.85,
                bold: false,
                color: ink,
            },
            w as f32 - 80.0,
        );
        by += gap;
        stacked_field(
            &mut bp,
            d,
            (bx, by),
            &Field {
                num: "",
                label: &lab.issued,
                field: "issued",
                value: &date(front.issued),
                cap: vc * 0.9,
                bold: false,
                color: ink,
            },
            400.0,
        );
        stacked_field(
            &mut bp,
            d,
            (bx + 440.0, by),
            &Field {
                num: "",
                label: &lab.authority,
                field: "authority",
                value: &format!("{} AUTHORITY", spec.person.address.city),
                cap: vc * 0.8,
                bold: false,
                color: ink,
            },
            w as f32 - bx - 480.0,
        );
        draw_mrz(&mut bp, fonts, kind, mrz_lines, tone);
        return (front_img, Some(bp.img), pbox);
    } else if kind == DocumentKind::IdCardTd2 {
        draw_mrz(&mut page, fonts, kind, mrz_lines, tone);
        let texts = page.texts;
        let front_img = page.img;
        let mut back_rng = StdRng::seed_from_u64(spec.style.design as u64 ^ 0xbac4);
        let bg = canvas::security_background(w, h, &d.pal, &mut back_rng);
        let mut bp = Page {
            img: bg,
            side: Side::Back,
            texts,
        };
        let addr = format!(
            "{}, {}",
            spec.person.address.line1, spec.person.address.city
        );
        stacked_field(
            &mut bp,
            d,
            (50.0, 80.0),
            &Field {
                num: "",
                label: &lab.address,
                field: "address",
                value: &addr,
                cap: vc * 0.9,
                bold: false,
                color: ink,
            },
            w as f32 - 100.0,
        );
        stacked_field(
            &mut bp,
            d,
            (50.0, 80.0 + gap),
            &Field {
                num: "",
                label: &lab.authority,
                field: "authority",
                value: &format!("{} AUTHORITY", spec.person.address.city),
                cap: vc * 0.85,
                bold: false,
                color: ink,
            },
            w as f32 - 100.0,
        );
        return (front_img, Some(bp.img), pbox);
    } else {
        draw_mrz(&mut page, fonts, kind, mrz_lines, tone);
        None
    };
    let _ = lab.signature;
    (page.img, back, pbox)
}
