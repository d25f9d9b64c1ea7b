//! The languages of the hosted pages: the message catalogues (Fluent files under
//! `locales/`, one per language, embedded in the binary), the choice of a page's language
//! (an attempt's explicit choice, else the browser's `Accept-Language`, else English), and
//! the formatting of a message in a language.
//!
//! Catalogues are parsed and checked once ([`catalogues`], forced by `Application::build`
//! so that a broken one stops the server at startup, and by the tests): every file must
//! parse, and every message of the English catalogue must exist in every other. A message
//! missing at run time (which those checks make impossible for the shipped files) falls back
//! to English and is logged by id, never with its arguments (they can be personal data).
//!
//! An operator may add languages, or change the shipped words, with a directory of more
//! `.ftl` files (`serve --locales-dir`, [`Catalogues::with_operator_dir`]), checked the same
//! way when the server starts.
//!
//! The server's catalogues and the language a request negotiated from its
//! `Accept-Language` are held for the time of the request by the pages' layer
//! ([`with_request_language`]); [`request_locale`] reads it (English and the shipped
//! catalogues outside a request, as in unit tests). This module knows nothing of sessions or
//! HTTP routing.

use fluent_bundle::concurrent::FluentBundle;
use fluent_bundle::{FluentArgs, FluentResource, FluentValue};
use fluent_langneg::{negotiate_languages, NegotiationStrategy};
use std::borrow::Cow;
use std::sync::LazyLock;
use unic_langid::LanguageIdentifier;

/// The catalogues shipped with verifyd, English first (the default and the reference).
const SHIPPED: &[(&str, &str)] = &[
    ("en", include_str!("../../locales/en.ftl")),
    ("fr", include_str!("../../locales/fr.ftl")),
    ("de", include_str!("../../locales/de.ftl")),
    ("es", include_str!("../../locales/es.ftl")),
];

/// The longest language value accepted from a form or the modal (a BCP 47 tag such as
/// `zh-Hant-TW` is far shorter).
pub const MAX_TAG_LEN: usize = 35;

/// At most this many entries of an `Accept-Language` header are considered.
const MAX_ACCEPTED: usize = 32;

/// One language's messages.
pub struct Catalogue {
    tag: String,
    id: LanguageIdentifier,
    bundle: FluentBundle<FluentResource>,
}

/// Every language the pages can be shown in.
pub struct Catalogues {
    list: Vec<Catalogue>,
}

static CATALOGUES: LazyLock<Result<Catalogues, String>> =
    LazyLock::new(|| Catalogues::load(SHIPPED));

/// The shipped catalogues, parsed and checked (the first call does the work).
pub fn catalogues() -> Result<&'static Catalogues, String> {
    CATALOGUES.as_ref().map_err(Clone::clone)
}

/// The ids of the messages a Fluent file defines (`id = …` at the start of a line).
pub fn message_ids(source: &str) -> Vec<&str> {
    source
        .lines()
        .filter_map(|line| {
            let (id, _) = line.split_once('=')?;
            let id = id.trim_end();
            let mut chars = id.chars();
            let first = chars.next()?;
            (first.is_ascii_alphabetic()
                && chars.all(|c| c.is_ascii_alphanumeric() || c == '-' || c == '_'))
            .then_some(id)
        })
        .collect()
}

/// The largest catalogue file an operator may add (the shipped ones are about 20 KB).
const MAX_OPERATOR_FILE: u64 = 1024 * 1024;

impl Catalogues {
    /// Parses `(tag, Fluent source)` pairs, the first being the reference language, and
    /// checks that each has every message of the first.
    pub fn load(sources: &[(&str, &str)]) -> Result<Self, String> {
        Self::build(
            sources
                .iter()
                .map(|(tag, source)| ((*tag).to_owned(), vec![(*source).to_owned()]))
                .collect(),
        )
    }

    /// The shipped catalogues with an operator's directory of `<tag>.ftl` files (the
    /// `--locales-dir` of `serve`): a file of a shipped language adds to it and overrides
    /// its messages of the same id; a file of another language adds that language, which
    /// must then have every English message. Checked like the shipped ones.
    pub fn with_operator_dir(dir: &std::path::Path) -> Result<Self, String> {
        let entries = std::fs::read_dir(dir)
            .map_err(|error| format!("cannot read the directory: {error}"))?;
        let mut files = Vec::new();
        for entry in entries {
            let path = entry
                .map_err(|error| format!("cannot read the directory: {error}"))?
                .path();
            if path.extension().and_then(|e| e.to_str()) != Some("ftl") {
                continue;
            }
            let name = path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_default();
            let tag = path
                .file_stem()
                .and_then(|stem| stem.to_str())
                .filter(|stem| stem.len() <= MAX_TAG_LEN)
                .and_then(|stem| stem.parse::<LanguageIdentifier>().ok())
                .ok_or_else(|| {
                    format!("{name}: the file name must be a language tag (it.ftl, pt-BR.ftl)")
                })?;
            let size = std::fs::metadata(&path)
                .map_err(|error| format!("{name}: {error}"))?
                .len();
            if size > MAX_OPERATOR_FILE {
                return Err(format!("{name}: larger than 1 MB"));
            }
            let text =
                std::fs::read_to_string(&path).map_err(|error| format!("{name}: {error}"))?;
            files.push((tag, text));
        }
        if files.is_empty() {
            return Err("no .ftl file in it".to_owned());
        }
        files.sort_by_key(|(tag, _)| tag.to_string());
        let mut languages: Vec<(String, Vec<String>)> = SHIPPED
            .iter()
            .map(|(tag, source)| ((*tag).to_owned(), vec![(*source).to_owned()]))
            .collect();
        for (tag, text) in files {
            let shipped = languages.iter_mut().find(|(shipped, _)| {
                shipped.parse::<LanguageIdentifier>().ok() == Some(tag.clone())
            });
            match shipped {
                Some((_, sources)) => sources.push(text),
                None => languages.push((tag.to_string(), vec![text])),
            }
        }
        Self::build(languages)
    }

    /// Builds each language from its sources (later ones override earlier ones' messages),
    /// the first language being the reference every other must match.
    fn build(languages: Vec<(String, Vec<String>)>) -> Result<Self, String> {
        let mut list = Vec::new();
        let mut reference: Vec<String> = Vec::new();
        for (index, (tag, sources)) in languages.into_iter().enumerate() {
            let id: LanguageIdentifier = tag
                .parse()
                .map_err(|_| format!("locale {tag}: not a language tag"))?;
            let mut bundle = FluentBundle::new_concurrent(vec![id.clone()]);
            // Placeables are inserted as they are: the pages are left-to-right, and the
            // invisible isolation marks would end up in form values and tests' text.
            bundle.set_use_isolating(false);
            for (layer, source) in sources.into_iter().enumerate() {
                if index == 0 {
                    reference.extend(message_ids(&source).into_iter().map(str::to_owned));
                }
                let resource = FluentResource::try_new(source).map_err(|(_, errors)| {
                    format!("locale {tag}: the catalogue does not parse: {errors:?}")
                })?;
                if layer == 0 {
                    bundle.add_resource(resource).map_err(|errors| {
                        format!("locale {tag}: the catalogue defines a message twice: {errors:?}")
                    })?;
                } else {
                    bundle.add_resource_overriding(resource);
                }
            }
            let missing: Vec<&str> = reference
                .iter()
                .map(String::as_str)
                .filter(|id| !bundle.has_message(id))
                .collect();
            if !missing.is_empty() {
                return Err(format!(
                    "locale {tag}: the catalogue lacks {}",
                    missing.join(", ")
                ));
            }
            list.push(Catalogue { tag, id, bundle });
        }
        if list.is_empty() {
            return Err("no catalogue".to_owned());
        }
        Ok(Self { list })
    }

    /// English (the first catalogue): the default.
    fn english(&'static self) -> Locale {
        Locale(&self.list[0])
    }

    /// The language for an `Accept-Language` header: the first of the browser's languages
    /// (by q-value, then order) that has a catalogue, else English.
    pub fn negotiate(&'static self, accept_language: Option<&str>) -> Locale {
        let requested = accept_language.map(accepted).unwrap_or_default();
        self.best(&requested).unwrap_or_else(|| self.english())
    }

    /// The first requested language that has a catalogue (`de-AT` finds `de`).
    fn best(&'static self, requested: &[LanguageIdentifier]) -> Option<Locale> {
        let available: Vec<&LanguageIdentifier> = self.list.iter().map(|c| &c.id).collect();
        for one in requested {
            let found = negotiate_languages(
                std::slice::from_ref(one),
                &available,
                None,
                NegotiationStrategy::Filtering,
            );
            if let Some(id) = found.first() {
                return self.list.iter().find(|c| &&c.id == *id).map(Locale);
            }
        }
        None
    }
}

/// A language the pages can be shown in: a handle on its catalogue.
#[derive(Clone, Copy)]
pub struct Locale(&'static Catalogue);

impl std::fmt::Debug for Locale {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(&self.0.tag)
    }
}

impl PartialEq for Locale {
    fn eq(&self, other: &Self) -> bool {
        self.0.tag == other.0.tag
    }
}

fn shipped() -> &'static Catalogues {
    // The shipped catalogues are checked by the tests and at startup; a server that got
    // this far has them.
    catalogues().expect("the shipped catalogues are checked at startup")
}

/// The catalogues of the current page request (the server's, with its operator's), else
/// the shipped ones.
fn current() -> &'static Catalogues {
    REQUEST
        .try_with(|request| request.catalogues)
        .unwrap_or_else(|_| shipped())
}

/// A message argument: text or a number (numbers can select plural forms).
pub enum Arg<'a> {
    Text(Cow<'a, str>),
    Number(i64),
}

impl<'a> From<&'a str> for Arg<'a> {
    fn from(value: &'a str) -> Self {
        Arg::Text(Cow::Borrowed(value))
    }
}

impl From<String> for Arg<'_> {
    fn from(value: String) -> Self {
        Arg::Text(Cow::Owned(value))
    }
}

impl From<usize> for Arg<'_> {
    fn from(value: usize) -> Self {
        Arg::Number(i64::try_from(value).unwrap_or(i64::MAX))
    }
}

impl From<u32> for Arg<'_> {
    fn from(value: u32) -> Self {
        Arg::Number(i64::from(value))
    }
}

impl From<i32> for Arg<'_> {
    fn from(value: i32) -> Self {
        Arg::Number(i64::from(value))
    }
}

impl Locale {
    /// English: the default, and the language of every message a catalogue lacks.
    pub fn english() -> Self {
        current().english()
    }

    /// Every language, in the order of the switcher.
    pub fn all() -> impl Iterator<Item = Locale> {
        current().list.iter().map(Locale)
    }

    /// The language named exactly by `tag` (`fr`), if there is one.
    pub fn exact(tag: &str) -> Option<Self> {
        current()
            .list
            .iter()
            .find(|c| c.tag.eq_ignore_ascii_case(tag))
            .map(Locale)
    }

    /// The best language for a requested tag (`fr-CA` → `fr`), if any is close enough.
    pub fn closest(tag: &str) -> Option<Self> {
        if tag.len() > MAX_TAG_LEN {
            return None;
        }
        let requested: LanguageIdentifier = tag.parse().ok()?;
        current().best(&[requested])
    }

    /// The language for an `Accept-Language` header (see [`Catalogues::negotiate`]).
    pub fn negotiate(accept_language: Option<&str>) -> Self {
        current().negotiate(accept_language)
    }

    /// The BCP 47 tag (`lang="…"`, the switcher's values, what an attempt stores).
    pub fn tag(self) -> &'static str {
        &self.0.tag
    }

    /// The language's own name (`Français`), for the switcher.
    pub fn autonym(self) -> String {
        self.text("language-name", &[])
    }

    /// Whether this language's catalogue has the message `id`.
    pub fn has(self, id: &str) -> bool {
        self.0.bundle.has_message(id)
    }

    /// The message `id` with `args`; the English one if this catalogue lacks it, the id
    /// itself if English does too.
    pub fn text(self, id: &str, args: &[(&str, Arg)]) -> String {
        let mut fluent_args = FluentArgs::new();
        for (name, value) in args {
            let value = match value {
                Arg::Text(text) => FluentValue::from(text.as_ref()),
                Arg::Number(number) => FluentValue::from(*number),
            };
            fluent_args.set(*name, value);
        }
        for catalogue in [self.0, current().english().0] {
            let bundle = &catalogue.bundle;
            let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) else {
                tracing::warn!(locale = %catalogue.tag, message = id, "message missing from a catalogue");
                continue;
            };
            let mut errors = Vec::new();
            let text = bundle.format_pattern(pattern, Some(&fluent_args), &mut errors);
            if !errors.is_empty() {
                // Only the id: the arguments may be a name.
                tracing::warn!(locale = %catalogue.tag, message = id, "message formatted with errors");
            }
            return text.into_owned();
        }
        id.to_owned()
    }
}

/// The languages of an `Accept-Language` header, best first: `q=0` ones dropped, equal
/// q-values in the header's order; malformed entries skipped.
fn accepted(header: &str) -> Vec<LanguageIdentifier> {
    let mut weighted: Vec<(u16, LanguageIdentifier)> = header
        .split(',')
        .take(MAX_ACCEPTED)
        .filter_map(|entry| {
            let mut parts = entry.split(';');
            let tag = parts.next()?.trim();
            if tag.is_empty() || tag == "*" || tag.len() > MAX_TAG_LEN {
                return None;
            }
            let mut weight = 1000;
            for param in parts {
                let (name, value) = param.split_once('=')?;
                if name.trim().eq_ignore_ascii_case("q") {
                    weight = q_value(value.trim())?;
                }
            }
            let id: LanguageIdentifier = tag.parse().ok()?;
            (weight > 0).then_some((weight, id))
        })
        .collect();
    // A stable sort keeps the header's order among equal weights.
    weighted.sort_by_key(|entry| std::cmp::Reverse(entry.0));
    weighted.into_iter().map(|(_, id)| id).collect()
}

/// A q-value (`0`, `0.5`, `1.000`) in thousandths.
fn q_value(text: &str) -> Option<u16> {
    let (whole, fraction) = text.split_once('.').unwrap_or((text, ""));
    if fraction.len() > 3 || !fraction.bytes().all(|b| b.is_ascii_digit()) {
        return None;
    }
    let thousandths = format!("{fraction:0<3}").parse::<u16>().ok()?;
    match whole {
        "0" => Some(thousandths),
        "1" if thousandths == 0 => Some(1000),
        _ => None,
    }
}

/// What a page request holds for its time: the server's catalogues and the language its
/// `Accept-Language` negotiated.
#[derive(Clone, Copy)]
struct RequestLanguage {
    catalogues: &'static Catalogues,
    negotiated: Locale,
}

tokio::task_local! {
    static REQUEST: RequestLanguage;
}

/// Runs `future` (a page request) with the server's `catalogues` and the language they
/// negotiate for `accept_language`.
pub async fn with_request_language<F: std::future::Future>(
    catalogues: &'static Catalogues,
    accept_language: Option<&str>,
    future: F,
) -> F::Output {
    let negotiated = catalogues.negotiate(accept_language);
    REQUEST
        .scope(
            RequestLanguage {
                catalogues,
                negotiated,
            },
            future,
        )
        .await
}

/// The language the current page request negotiated from `Accept-Language` (English
/// outside a request).
pub fn request_locale() -> Locale {
    REQUEST
        .try_with(|request| request.negotiated)
        .unwrap_or_else(|_| Locale::english())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_shipped_catalogues_parse_and_each_has_every_english_message() {
        let loaded = catalogues().unwrap();
        let tags: Vec<&str> = loaded.list.iter().map(|c| c.tag.as_str()).collect();
        assert_eq!(tags, ["en", "fr", "de", "es"]);
        let english = message_ids(SHIPPED[0].1);
        assert!(english.len() > 100, "{}", english.len());
        for (tag, source) in SHIPPED {
            // And nothing the English catalogue does not have (a stale message).
            let ids = message_ids(source);
            for id in &ids {
                assert!(english.contains(id), "{tag} has {id}, which en lacks");
            }
            assert_eq!(ids.len(), english.len(), "{tag}");
        }
    }

    /// The message ids the templates ask for: each literal in `chrome.<method>("…"`.
    fn ids_used_by_templates() -> Vec<(String, String)> {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("templates");
        let mut found = Vec::new();
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            let source = std::fs::read_to_string(&path).unwrap();
            let file = path.file_name().unwrap().to_string_lossy().into_owned();
            for (at, _) in source.match_indices("chrome.") {
                let rest = &source[at + "chrome.".len()..];
                let name_len = rest
                    .find(|c: char| !(c.is_ascii_alphanumeric() || c == '_'))
                    .unwrap_or(rest.len());
                if let Some(literal) = rest[name_len..].strip_prefix("(\"") {
                    let id = &literal[..literal.find('"').unwrap()];
                    found.push((file.clone(), id.to_owned()));
                }
            }
        }
        found
    }

    /// The message ids `templates.rs` names itself: its `"word-word"` literals.
    fn ids_named_by_chrome() -> Vec<(String, String)> {
        let source = include_str!("templates.rs");
        source
            .split('"')
            .skip(1)
            .step_by(2)
            .filter(|text| {
                text.contains('-') && text.chars().all(|c| c.is_ascii_lowercase() || c == '-')
            })
            .map(|id| ("templates.rs".to_owned(), id.to_owned()))
            .collect()
    }

    #[test]
    fn every_message_the_templates_use_is_in_the_english_catalogue() {
        let mut used = ids_used_by_templates();
        assert!(used.len() > 100, "{}", used.len());
        let named = ids_named_by_chrome();
        assert!(named.len() > 10, "{named:?}");
        used.extend(named);
        for (file, id) in used {
            assert!(
                Locale::english().has(&id),
                "{file} uses {id}, missing from en.ftl"
            );
        }
    }

    #[test]
    fn every_problem_and_retake_has_its_message_and_english_says_what_the_checks_say() {
        use super::super::images::ImageFormat;
        use super::super::input::Problem;
        use verifyd_checks::feedback::Retake;
        use verifyd_checks::observation::Side;
        use verifyd_core::session::DocumentType;
        let problems = [
            Problem::StepNotDone,
            Problem::NoDocumentChosen,
            Problem::IdNumberMissing,
            Problem::IdNumberInvalid,
            Problem::FirstNameMissing,
            Problem::LastNameMissing,
            Problem::NameTooLong,
            Problem::BirthDateMissing,
            Problem::BirthDateNotNumbers,
            Problem::BirthDateNotReal,
            Problem::BirthDateNotPast,
            Problem::PassportPageMissing,
            Problem::FrontMissing,
            Problem::BackMissing,
            Problem::SelfieMissing,
            Problem::ImageTooLarge,
            Problem::ImageNotSupported,
            Problem::ImageUnreadable(ImageFormat::Webp),
            Problem::CameraRequired,
        ];
        for problem in problems {
            let (id, _) = problem.message();
            assert!(Locale::english().has(id), "{problem:?}: {id}");
        }
        let documents = [
            None,
            Some(DocumentType::Passport),
            Some(DocumentType::IdCard),
            Some(DocumentType::DrivingLicense),
        ];
        for retake in Retake::ALL {
            for side in [Side::Front, Side::Back, Side::Selfie] {
                for document in documents {
                    let id = retake.message_id(side, document);
                    for lang in Locale::all() {
                        assert!(lang.has(id), "{lang:?} lacks {id}");
                    }
                    assert_eq!(
                        Locale::english().text(id, &[]),
                        retake.message(side, document),
                        "{id}"
                    );
                }
            }
        }
    }

    #[test]
    fn a_catalogue_that_lacks_a_message_or_does_not_parse_is_refused() {
        let lacking = Catalogues::load(&[("en", "a = A\nb = B\n"), ("fr", "a = A\n")]);
        assert!(lacking.err().unwrap().contains("lacks b"));
        let broken = Catalogues::load(&[("en", "a = { $x\n")]);
        assert!(broken.err().unwrap().contains("does not parse"));
    }

    #[test]
    fn accept_language_is_read_by_q_value_then_order() {
        let tag = |header| Locale::negotiate(Some(header)).tag();
        assert_eq!(tag("fr"), "fr");
        assert_eq!(tag("de-AT,de;q=0.9,en;q=0.8"), "de");
        assert_eq!(tag("en;q=0.5, es;q=0.9"), "es");
        assert_eq!(tag("ja, es-MX;q=0.3"), "es");
        assert_eq!(tag("ja, zh"), "en");
        assert_eq!(tag("fr;q=0, de;q=0.1"), "de");
        assert_eq!(tag("fr;q=2, de;q=0.1"), "de");
        assert_eq!(tag(""), "en");
        assert_eq!(tag(&"x".repeat(5000)), "en");
        assert_eq!(Locale::negotiate(None).tag(), "en");
    }

    #[test]
    fn a_requested_tag_finds_its_language() {
        assert_eq!(Locale::closest("fr-CA").map(Locale::tag), Some("fr"));
        assert_eq!(Locale::closest("ES").map(Locale::tag), Some("es"));
        assert_eq!(Locale::closest("ja"), None);
        assert_eq!(Locale::closest("not a tag"), None);
        assert_eq!(Locale::exact("de").map(Locale::tag), Some("de"));
        assert_eq!(Locale::exact("de-DE"), None);
    }

    #[test]
    fn messages_take_their_arguments_and_missing_ones_fall_back() {
        let fr = Locale::exact("fr").unwrap();
        assert_eq!(fr.autonym(), "Français");
        let step = fr.text(
            "step-of",
            &[("number", 2usize.into()), ("count", 5usize.into())],
        );
        assert_eq!(step, "Étape 2 sur 5");
        assert_eq!(fr.text("no-such-message", &[]), "no-such-message");
    }
}
