//! The operator's branding, as Stripe's branding settings: a business name, an icon and an
//! accent colour, taken from configuration (`--business-name`, `--business-icon`,
//! `--accent-color`), checked once at startup ([`Branding::from_config`]) and shown on every
//! hosted page and in the modal. Without a name the pages keep their neutral wording;
//! without an icon they show verifyd's own mark; the default accent is the pages' own blue.
//!
//! The accent reaches the pages as a small generated stylesheet (the pages' policy allows no
//! inline style) that sets the CSS custom properties of `assets/style.css`, with colours
//! derived so that text keeps WCAG AA contrast (4.5:1) whatever accent is configured: the
//! text on accent buttons is white or dark, whichever reads, and the accent used for text
//! and borders on white is darkened until it reads. No I/O but reading the icon file once.

use std::path::PathBuf;
use std::sync::Arc;

/// Largest icon file accepted (512 KB).
pub const MAX_ICON_BYTES: usize = 512 * 1024;
/// Largest icon accepted, in pixels per side (it is shown at about 32 px).
pub const MAX_ICON_SIDE: usize = 4096;
/// Longest business name, in characters.
pub const MAX_NAME_CHARS: usize = 80;
/// The accent when none is configured: the pages' own blue (`--brand` in style.css).
pub const DEFAULT_ACCENT: Rgb = Rgb(0x1f, 0x3a, 0x8a);
/// WCAG AA contrast for normal text.
pub const AA_TEXT: f64 = 4.5;

/// What `serve` was told about branding, unchecked.
#[derive(Debug, Clone, Default)]
pub struct BrandingConfig {
    /// `--business-name`.
    pub business_name: Option<String>,
    /// `--business-icon`: a PNG or JPEG file.
    pub icon: Option<PathBuf>,
    /// `--accent-color`: `#RRGGBB` or `#RGB`.
    pub accent_color: Option<String>,
}

/// The checked branding every page is drawn with. Cheap to clone.
#[derive(Debug, Clone)]
pub struct Branding(Arc<Inner>);

#[derive(Debug)]
struct Inner {
    name: Option<String>,
    icon: Option<Icon>,
    palette: Palette,
    stylesheet: String,
}

/// The operator's icon, as read at startup.
#[derive(Debug)]
pub struct Icon {
    pub bytes: Vec<u8>,
    pub content_type: &'static str,
}

impl Default for Branding {
    /// No name, no icon, the default accent.
    fn default() -> Self {
        Self::new(None, None, DEFAULT_ACCENT)
    }
}

impl Branding {
    fn new(name: Option<String>, icon: Option<Icon>, accent: Rgb) -> Self {
        let palette = Palette::for_accent(accent);
        let stylesheet = palette.stylesheet();
        Branding(Arc::new(Inner {
            name,
            icon,
            palette,
            stylesheet,
        }))
    }

    /// Checks `config`; a bad value is refused with a message that names its flag.
    pub fn from_config(config: &BrandingConfig) -> Result<Self, String> {
        let name = config
            .business_name
            .as_deref()
            .map(business_name)
            .transpose()?;
        let icon = config.icon.as_ref().map(read_icon).transpose()?;
        let accent = match &config.accent_color {
            Some(text) => Rgb::parse(text).ok_or_else(|| {
                format!(
                    "--accent-color (VERIFYD_ACCENT_COLOR) must be a hex colour such as #1f3a8a or #13a, not {text:?}"
                )
            })?,
            None => DEFAULT_ACCENT,
        };
        Ok(Self::new(name, icon, accent))
    }

    /// The business name, if one is configured.
    pub fn name(&self) -> Option<&str> {
        self.0.name.as_deref()
    }

    pub fn icon(&self) -> Option<&Icon> {
        self.0.icon.as_ref()
    }

    pub fn palette(&self) -> &Palette {
        &self.0.palette
    }

    /// The generated stylesheet (`/verify/assets/brand.css`).
    pub fn stylesheet(&self) -> &str {
        &self.0.stylesheet
    }
}

/// A business name: trimmed, 1–80 characters, no control characters.
fn business_name(raw: &str) -> Result<String, String> {
    let name = raw.trim();
    let count = name.chars().count();
    if count == 0 || count > MAX_NAME_CHARS {
        return Err(format!(
            "--business-name (VERIFYD_BUSINESS_NAME) must be 1 to {MAX_NAME_CHARS} characters (it has {count})"
        ));
    }
    if name.chars().any(char::is_control) {
        return Err(
            "--business-name (VERIFYD_BUSINESS_NAME) must not contain control characters (line breaks, tabs, …)"
                .into(),
        );
    }
    Ok(name.to_owned())
}

/// Reads and checks the icon file: PNG or JPEG only (SVG can carry script), at most
/// 512 KB, and it must decode.
fn read_icon(path: &PathBuf) -> Result<Icon, String> {
    let flag = "--business-icon (VERIFYD_BUSINESS_ICON)";
    let bytes =
        std::fs::read(path).map_err(|e| format!("{flag}: cannot read {}: {e}", path.display()))?;
    if bytes.len() > MAX_ICON_BYTES {
        return Err(format!(
            "{flag} must be at most 512 KB ({} is {} KB)",
            path.display(),
            bytes.len().div_ceil(1024)
        ));
    }
    let not_image = || {
        format!(
            "{flag} must be a PNG or JPEG image ({} is not; SVG is not accepted, as it can carry script)",
            path.display()
        )
    };
    let content_type = if bytes.starts_with(b"\x89PNG\r\n\x1a\n") {
        "image/png"
    } else if bytes.starts_with(&[0xFF, 0xD8, 0xFF]) {
        "image/jpeg"
    } else {
        return Err(not_image());
    };
    let size = if content_type == "image/png" {
        decode_png(&bytes)
    } else {
        decode_jpeg(&bytes)
    }
    .map_err(|e| format!("{flag}: {} could not be decoded: {e}", path.display()))?;
    if size.0 == 0 || size.1 == 0 || size.0 > MAX_ICON_SIDE || size.1 > MAX_ICON_SIDE {
        return Err(format!(
            "{flag} must be at most {MAX_ICON_SIDE}×{MAX_ICON_SIDE} pixels ({} is {}×{})",
            path.display(),
            size.0,
            size.1
        ));
    }
    Ok(Icon {
        bytes,
        content_type,
    })
}

/// Decodes a whole PNG (every row), returning its size.
fn decode_png(bytes: &[u8]) -> Result<(usize, usize), String> {
    let decoder = png::Decoder::new_with_limits(
        std::io::Cursor::new(bytes),
        png::Limits {
            bytes: 80 * 1024 * 1024,
        },
    );
    let mut reader = decoder.read_info().map_err(|e| e.to_string())?;
    let (width, height) = reader.info().size();
    if width as usize > MAX_ICON_SIDE || height as usize > MAX_ICON_SIDE {
        return Ok((width as usize, height as usize));
    }
    let size = reader
        .output_buffer_size()
        .ok_or_else(|| "the image is too large".to_owned())?;
    let mut buffer = vec![0; size];
    reader.next_frame(&mut buffer).map_err(|e| e.to_string())?;
    Ok((width as usize, height as usize))
}

/// Decodes a whole JPEG, returning its size.
fn decode_jpeg(bytes: &[u8]) -> Result<(usize, usize), String> {
    let mut decoder = zune_jpeg::JpegDecoder::new(bytes);
    decoder.decode_headers().map_err(|e| format!("{e:?}"))?;
    let (width, height) = decoder
        .dimensions()
        .ok_or_else(|| "no image size".to_owned())?;
    if width > MAX_ICON_SIDE || height > MAX_ICON_SIDE {
        return Ok((width, height));
    }
    decoder.decode().map_err(|e| format!("{e:?}"))?;
    Ok((width, height))
}

/// An sRGB colour.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Rgb(pub u8, pub u8, pub u8);

impl Rgb {
    pub const WHITE: Rgb = Rgb(0xff, 0xff, 0xff);
    /// The pages' ink (`--ink`).
    pub const INK: Rgb = Rgb(0x14, 0x17, 0x1f);
    pub const BLACK: Rgb = Rgb(0, 0, 0);
    /// The pages' background around the card (`--page`), where the masthead sits.
    pub const PAGE: Rgb = Rgb(0xee, 0xf1, 0xf6);
    /// The background of a hovered secondary button, the darkest the accent's text sits on.
    pub const HOVER: Rgb = Rgb(0xe6, 0xeb, 0xf5);

    /// `#RRGGBB` or `#RGB` (either case).
    pub fn parse(text: &str) -> Option<Self> {
        let hex = text.trim().strip_prefix('#')?;
        if !hex.chars().all(|c| c.is_ascii_hexdigit()) {
            return None;
        }
        let digit = |i: usize| u8::from_str_radix(&hex[i..=i], 16).ok();
        match hex.len() {
            3 => Some(Rgb(digit(0)? * 17, digit(1)? * 17, digit(2)? * 17)),
            6 => {
                let byte = |i: usize| u8::from_str_radix(&hex[i..i + 2], 16).ok();
                Some(Rgb(byte(0)?, byte(2)?, byte(4)?))
            }
            _ => None,
        }
    }

    pub fn hex(self) -> String {
        format!("#{:02x}{:02x}{:02x}", self.0, self.1, self.2)
    }

    /// WCAG 2 relative luminance.
    pub fn luminance(self) -> f64 {
        fn channel(c: u8) -> f64 {
            let c = f64::from(c) / 255.0;
            if c <= 0.04045 {
                c / 12.92
            } else {
                ((c + 0.055) / 1.055).powf(2.4)
            }
        }
        0.2126 * channel(self.0) + 0.7152 * channel(self.1) + 0.0722 * channel(self.2)
    }

    /// WCAG 2 contrast ratio with `other` (1 to 21).
    pub fn contrast(self, other: Rgb) -> f64 {
        let (a, b) = (self.luminance(), other.luminance());
        let (light, dark) = if a > b { (a, b) } else { (b, a) };
        (light + 0.05) / (dark + 0.05)
    }

    /// This colour moved `amount` (0–1) of the way towards `target`.
    pub fn mix(self, target: Rgb, amount: f64) -> Rgb {
        let step = |from: u8, to: u8| {
            (f64::from(from) + (f64::from(to) - f64::from(from)) * amount).round() as u8
        };
        Rgb(
            step(self.0, target.0),
            step(self.1, target.1),
            step(self.2, target.2),
        )
    }
}

/// The colours derived from an accent.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Palette {
    /// The configured accent: button fills, the mark behind the default icon.
    pub accent: Rgb,
    /// Text on the accent: white or dark, whichever meets 4.5:1.
    pub on_accent: Rgb,
    /// The accent darkened until it meets 4.5:1 on white and on the pages' greys: links,
    /// borders, text of secondary buttons.
    pub text: Rgb,
    /// The accent of a hovered button, further from its text colour.
    pub hover: Rgb,
}

impl Palette {
    pub fn for_accent(accent: Rgb) -> Self {
        // White first (the usual look); else the pages' ink; else black, which always
        // reaches 4.58:1 where white does not.
        let on_accent = [Rgb::WHITE, Rgb::INK, Rgb::BLACK]
            .into_iter()
            .find(|text| accent.contrast(*text) >= AA_TEXT)
            .unwrap_or(Rgb::BLACK);
        let readable = |c: Rgb| {
            [Rgb::WHITE, Rgb::PAGE, Rgb::HOVER]
                .iter()
                .all(|background| c.contrast(*background) >= AA_TEXT)
        };
        let mut text = accent;
        let mut steps = 0;
        while !readable(text) && steps < 100 {
            text = text.mix(Rgb::BLACK, 0.05);
            steps += 1;
        }
        if !readable(text) {
            text = Rgb::INK;
        }
        let away = if on_accent == Rgb::WHITE {
            Rgb::BLACK
        } else {
            Rgb::WHITE
        };
        let hover = accent.mix(away, 0.3);
        Palette {
            accent,
            on_accent,
            text,
            hover,
        }
    }

    /// The stylesheet that sets the pages' custom properties.
    pub fn stylesheet(&self) -> String {
        format!(
            "/* Generated by verifyd from --accent-color. */\n:root {{\n  --brand: {};\n  --brand-ink: {};\n  --brand-text: {};\n  --brand-dark: {};\n}}\n",
            self.accent.hex(),
            self.on_accent.hex(),
            self.text.hex(),
            self.hover.hex()
        )
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn colours_parse_from_three_or_six_hex_digits() {
        assert_eq!(Rgb::parse("#1f3a8a"), Some(Rgb(0x1f, 0x3a, 0x8a)));
        assert_eq!(Rgb::parse("#1F3A8A"), Some(Rgb(0x1f, 0x3a, 0x8a)));
        assert_eq!(Rgb::parse("#13a"), Some(Rgb(0x11, 0x33, 0xaa)));
        for bad in [
            "", "#", "1f3a8a", "#1f3a8", "#1f3a8a0", "#ggg", "red", "#12345g", "#+1f3a8",
        ] {
            assert_eq!(Rgb::parse(bad), None, "{bad:?}");
        }
    }

    #[test]
    fn contrast_follows_wcag() {
        assert!((Rgb::WHITE.contrast(Rgb::BLACK) - 21.0).abs() < 1e-9);
        assert!((Rgb::WHITE.contrast(Rgb::WHITE) - 1.0).abs() < 1e-9);
        // Known values: #767676 on white is the classic 4.54:1.
        let grey = Rgb::parse("#767676").unwrap();
        assert!((grey.contrast(Rgb::WHITE) - 4.54).abs() < 0.01);
        assert!((Rgb::parse("#777777").unwrap().contrast(Rgb::WHITE) - 4.48).abs() < 0.01);
        assert_eq!(grey.contrast(Rgb::WHITE), Rgb::WHITE.contrast(grey));
    }

    #[test]
    fn the_default_accent_keeps_white_text_and_itself_for_text() {
        let palette = Palette::for_accent(DEFAULT_ACCENT);
        assert_eq!(palette.on_accent, Rgb::WHITE);
        assert_eq!(palette.text, DEFAULT_ACCENT);
    }

    #[test]
    fn a_light_accent_gets_dark_button_text_and_a_darkened_text_colour() {
        let yellow = Rgb::parse("#ffd400").unwrap();
        let palette = Palette::for_accent(yellow);
        assert_ne!(palette.on_accent, Rgb::WHITE);
        assert!(palette.accent.contrast(palette.on_accent) >= AA_TEXT);
        assert!(palette.text.contrast(Rgb::WHITE) >= AA_TEXT);
        assert!(palette.text.contrast(Rgb::PAGE) >= AA_TEXT);
        assert!(palette.hover.contrast(palette.on_accent) >= AA_TEXT);
    }

    #[test]
    fn every_accent_yields_readable_text() {
        // A coarse sweep of the whole colour cube, white and black included.
        for r in (0..=255).step_by(17) {
            for g in (0..=255).step_by(17) {
                for b in (0..=255).step_by(17) {
                    let palette = Palette::for_accent(Rgb(r as u8, g as u8, b as u8));
                    let p = palette;
                    assert!(p.accent.contrast(p.on_accent) >= AA_TEXT, "{p:?}");
                    assert!(p.hover.contrast(p.on_accent) >= AA_TEXT, "{p:?}");
                    assert!(p.text.contrast(Rgb::WHITE) >= AA_TEXT, "{p:?}");
                    assert!(p.text.contrast(Rgb::PAGE) >= AA_TEXT, "{p:?}");
                    assert!(p.text.contrast(Rgb::HOVER) >= AA_TEXT, "{p:?}");
                }
            }
        }
    }

    #[test]
    fn business_names_are_trimmed_and_bounded() {
        assert_eq!(business_name("  Acme Bank ").unwrap(), "Acme Bank");
        assert!(business_name("   ").is_err());
        assert!(business_name(&"x".repeat(81)).is_err());
        assert!(business_name(&"é".repeat(80)).is_ok());
        assert!(business_name("Acme\nBank")
            .unwrap_err()
            .contains("--business-name"));
    }

    #[test]
    fn the_stylesheet_sets_the_custom_properties() {
        let css = Palette::for_accent(Rgb::parse("#ffd400").unwrap()).stylesheet();
        assert!(css.contains("--brand: #ffd400;"), "{css}");
        assert!(css.contains("--brand-ink:") && css.contains("--brand-text:"));
    }
}
