//! Fonts, loaded once at run time from the Debian font packages (never bundled, never
//! downloaded). A missing required font is an error naming the package to install; the
//! optional narrow faces fall back to their regular siblings.
//!
//! Required: `fonts-ocr-b` (OCR-B, for MRZs), `fonts-dejavu-core` (DejaVu Sans, Bold, Serif),
//! `fonts-liberation2` or `fonts-liberation` (Liberation Sans, Bold).
//! Optional: `fonts-dejavu-extra` (DejaVu Sans Condensed), `fonts-liberation` (Liberation
//! Sans Narrow).

use std::fmt;
use std::sync::OnceLock;

use ab_glyph::FontArc;

use crate::FontSet;

/// A font file that is needed and not there.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct FontError {
    pub paths: Vec<String>,
    pub package: String,
    pub detail: String,
}

impl fmt::Display for FontError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "font not found at {} ({}); install the Debian package `{}` (apt-get install {})",
            self.paths.join(" or "),
            self.detail,
            self.package,
            self.package
        )
    }
}

impl std::error::Error for FontError {}

/// Every face the designs use.
pub struct Fonts {
    pub ocrb: FontArc,
    pub dejavu: FontArc,
    pub dejavu_bold: FontArc,
    pub dejavu_condensed: FontArc,
    pub dejavu_condensed_bold: FontArc,
    pub dejavu_serif: FontArc,
    pub dejavu_serif_bold: FontArc,
    pub liberation: FontArc,
    pub liberation_bold: FontArc,
    pub liberation_narrow: FontArc,
    pub liberation_narrow_bold: FontArc,
}

/// The faces one document uses.
pub struct FaceSet<'a> {
    /// Small labels.
    pub label: &'a FontArc,
    /// Field values.
    pub value: &'a FontArc,
    /// Names and headers.
    pub bold: &'a FontArc,
    /// Titles (may be a serif).
    pub title: &'a FontArc,
}

impl Fonts {
    /// The faces for a document using `set` (serif titles for some passports).
    pub fn faces(&self, set: FontSet, serif_titles: bool) -> FaceSet<'_> {
        let (label, value, bold) = match set {
            FontSet::DejaVu => (&self.dejavu, &self.dejavu, &self.dejavu_bold),
            FontSet::DejaVuCondensed => (
                &self.dejavu_condensed,
                &self.dejavu_condensed,
                &self.dejavu_condensed_bold,
            ),
            FontSet::Liberation => (&self.liberation, &self.liberation, &self.liberation_bold),
            FontSet::LiberationNarrow => (
                &self.liberation_narrow,
                &self.liberation_narrow,
                &self.liberation_narrow_bold,
            ),
        };
        FaceSet {
            label,
            value,
            bold,
            title: if serif_titles {
                &self.dejavu_serif_bold
            } else {
                bold
            },
        }
    }
}

const DEJAVU: &str = "/usr/share/fonts/truetype/dejavu/";
const LIB2: &str = "/usr/share/fonts/truetype/liberation2/";
const LIB1: &str = "/usr/share/fonts/truetype/liberation/";

fn load(paths: &[String], package: &str) -> Result<FontArc, FontError> {
    let mut detail = String::from("no such file");
    for p in paths {
        match std::fs::read(p) {
            Ok(bytes) => match FontArc::try_from_vec(bytes) {
                Ok(f) => return Ok(f),
                Err(e) => detail = format!("{p}: {e}"),
            },
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => {}
            Err(e) => detail = format!("{p}: {e}"),
        }
    }
    Err(FontError {
        paths: paths.to_vec(),
        package: package.to_string(),
        detail,
    })
}

fn one(dir: &str, file: &str) -> Vec<String> {
    vec![format!("{dir}{file}")]
}

fn liberation(file: &str) -> Vec<String> {
    vec![format!("{LIB2}{file}"), format!("{LIB1}{file}")]
}

fn load_all() -> Result<Fonts, FontError> {
    let ocrb = load(
        &one("/usr/share/fonts/opentype/ocr-b/", "OCRB.otf"),
        "fonts-ocr-b",
    )?;
    let dejavu = load(&one(DEJAVU, "DejaVuSans.ttf"), "fonts-dejavu-core")?;
    let dejavu_bold = load(&one(DEJAVU, "DejaVuSans-Bold.ttf"), "fonts-dejavu-core")?;
    let dejavu_serif = load(&one(DEJAVU, "DejaVuSerif.ttf"), "fonts-dejavu-core")?;
    let dejavu_serif_bold = load(&one(DEJAVU, "DejaVuSerif-Bold.ttf"), "fonts-dejavu-core")
        .unwrap_or_else(|_| dejavu_serif.clone());
    let liberation_regular = load(
        &liberation("LiberationSans-Regular.ttf"),
        "fonts-liberation2",
    )?;
    let liberation_bold = load(&liberation("LiberationSans-Bold.ttf"), "fonts-liberation2")?;
    let dejavu_condensed = load(
        &one(DEJAVU, "DejaVuSansCondensed.ttf"),
        "fonts-dejavu-extra",
    )
    .unwrap_or_else(|_| dejavu.clone());
    let dejavu_condensed_bold = load(
        &one(DEJAVU, "DejaVuSansCondensed-Bold.ttf"),
        "fonts-dejavu-extra",
    )
    .unwrap_or_else(|_| dejavu_bold.clone());
    let liberation_narrow = load(
        &liberation("LiberationSansNarrow-Regular.ttf"),
        "fonts-liberation",
    )
    .unwrap_or_else(|_| dejavu_condensed.clone());
    let liberation_narrow_bold = load(
        &liberation("LiberationSansNarrow-Bold.ttf"),
        "fonts-liberation",
    )
    .unwrap_or_else(|_| dejavu_condensed_bold.clone());
    Ok(Fonts {
        ocrb,
        dejavu,
        dejavu_bold,
        dejavu_condensed,
        dejavu_condensed_bold,
        dejavu_serif,
        dejavu_serif_bold,
        liberation: liberation_regular,
        liberation_bold,
        liberation_narrow,
        liberation_narrow_bold,
    })
}

/// The fonts, loaded on first use.
pub fn fonts() -> Result<&'static Fonts, FontError> {
    static FONTS: OnceLock<Result<Fonts, FontError>> = OnceLock::new();
    FONTS.get_or_init(load_all).as_ref().map_err(Clone::clone)
}

/// Checks that every required font is installed.
pub fn check() -> Result<(), FontError> {
    fonts().map(|_| ())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_missing_font_names_its_debian_package() {
        let e = load(&one("/nonexistent/", "OCRB.otf"), "fonts-ocr-b")
            .err()
            .unwrap();
        let msg = e.to_string();
        assert!(msg.contains("fonts-ocr-b"), "{msg}");
        assert!(msg.contains("/nonexistent/OCRB.otf"), "{msg}");
    }
}
