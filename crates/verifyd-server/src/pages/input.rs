//! What the flow's forms carry, read and checked at the edge: the form extractor (a body
//! that cannot be read is a [`PageError`]), `?step=`, and the typed fields — ID numbers,
//! names, dates of birth. A value that does not pass becomes a [`Problem`], which names its
//! message in the catalogues (`locales/*.ftl`). Pure apart from the extractor: no I/O.

use super::i18n::{Arg, Locale, MAX_TAG_LEN};
use super::images::ImageFormat;
use super::steps::Step;
use super::templates::{DetailsErrors, DetailsValues};
use super::PageError;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::Form;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use verifyd_checks::dates;
use verifyd_core::clock::utc_date;
use verifyd_core::session::Date;
use verifyd_core::submission::Submission;

/// A form body (`application/x-www-form-urlencoded`). One that is too large or cannot be
/// read is refused with the page error (413 or 400), before the handler runs.
pub struct PageForm<T>(pub T);

impl<S: Send + Sync, T: DeserializeOwned> FromRequest<S> for PageForm<T> {
    type Rejection = PageError;

    async fn from_request(request: Request, state: &S) -> Result<Self, PageError> {
        match Form::<T>::from_request(request, state).await {
            Ok(Form(form)) => Ok(PageForm(form)),
            Err(rejection) if rejection.status() == StatusCode::PAYLOAD_TOO_LARGE => {
                Err(PageError::TooLarge)
            }
            Err(_) => Err(PageError::BadRequest),
        }
    }
}

/// Forms posted by the flow's text steps. Every field is optional so that a missing one
/// becomes a clear message rather than a rejection.
#[derive(Debug, Default, Deserialize)]
pub struct FlowForm {
    pub csrf_token: Option<String>,
    pub decision: Option<String>,
    pub document_type: Option<String>,
    pub id_number: Option<String>,
    pub first_name: Option<String>,
    pub last_name: Option<String>,
    pub dob_day: Option<String>,
    pub dob_month: Option<String>,
    pub dob_year: Option<String>,
    pub outcome: Option<String>,
}

/// The language switcher's form.
#[derive(Debug, Default, Deserialize)]
pub struct LanguageForm {
    pub csrf_token: Option<String>,
    /// The chosen language's tag, one of the switcher's.
    pub locale: Option<String>,
    /// `?step=` of the page the switcher was on.
    pub step: Option<String>,
}

/// The language a switcher's form chose: exactly one of the pages' languages. Anything
/// else (missing, too long, unknown) is `None`, a bad request.
pub fn chosen_locale(raw: Option<&str>) -> Option<Locale> {
    raw.filter(|value| value.len() <= MAX_TAG_LEN)
        .and_then(Locale::exact)
}

/// Why a step's input was refused. One variant per sentence the page shows.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Problem {
    /// The final form was posted before this step was done.
    StepNotDone,
    NoDocumentChosen,
    IdNumberMissing,
    IdNumberInvalid,
    FirstNameMissing,
    LastNameMissing,
    NameTooLong,
    BirthDateMissing,
    BirthDateNotNumbers,
    BirthDateNotReal,
    BirthDateNotPast,
    PassportPageMissing,
    FrontMissing,
    BackMissing,
    SelfieMissing,
    ImageTooLarge,
    ImageNotSupported,
    ImageUnreadable(ImageFormat),
    /// A plain file for a session that requires live capture.
    CameraRequired,
    /// Live mode's quick check asks for another photo: its stable name (`data-retake`)
    /// and the id of its message, which come with it from `verifyd-checks`.
    Retake {
        name: &'static str,
        message_id: &'static str,
    },
}

impl Problem {
    /// The id of the problem's message in the catalogues, and its arguments.
    pub fn message(&self) -> (&'static str, Vec<(&'static str, Arg<'static>)>) {
        let id = match self {
            Problem::StepNotDone => "problem-step-not-done",
            Problem::NoDocumentChosen => "problem-no-document",
            Problem::IdNumberMissing => "problem-id-number-missing",
            Problem::IdNumberInvalid => "problem-id-number-invalid",
            Problem::FirstNameMissing => "problem-first-name-missing",
            Problem::LastNameMissing => "problem-last-name-missing",
            Problem::NameTooLong => "problem-name-too-long",
            Problem::BirthDateMissing => "problem-birth-date-missing",
            Problem::BirthDateNotNumbers => "problem-birth-date-not-numbers",
            Problem::BirthDateNotReal => "problem-birth-date-not-real",
            Problem::BirthDateNotPast => "problem-birth-date-not-past",
            Problem::PassportPageMissing => "problem-passport-page-missing",
            Problem::FrontMissing => "problem-front-missing",
            Problem::BackMissing => "problem-back-missing",
            Problem::SelfieMissing => "problem-selfie-missing",
            Problem::ImageTooLarge => {
                return ("problem-image-too-large", vec![("megabytes", 10u32.into())])
            }
            Problem::ImageNotSupported => "problem-image-not-supported",
            Problem::ImageUnreadable(format) => {
                let format = match format {
                    ImageFormat::Jpeg => "JPEG",
                    ImageFormat::Png => "PNG",
                    ImageFormat::Webp => "WebP",
                };
                return ("problem-image-unreadable", vec![("format", format.into())]);
            }
            Problem::CameraRequired => "problem-camera-required",
            Problem::Retake { message_id, .. } => message_id,
        };
        (id, Vec::new())
    }
}

/// A post a step refused: why, and what was typed, to show the step again with both.
#[derive(Debug, Clone)]
pub enum Refusal {
    Problem(Problem),
    /// The ID number step: what was typed, and why it was refused.
    IdNumber {
        typed: String,
        problem: Problem,
    },
    /// The details step: what was typed, and why each refused field was.
    Details(Box<(DetailsValues, DetailsErrors)>),
}

impl From<Problem> for Refusal {
    fn from(problem: Problem) -> Self {
        Refusal::Problem(problem)
    }
}

impl Refusal {
    /// The problem shown above the step's form (the details step shows its own list).
    pub fn problem(&self) -> Option<Problem> {
        match self {
            Refusal::Problem(problem) | Refusal::IdNumber { problem, .. } => Some(*problem),
            Refusal::Details(..) => None,
        }
    }

    pub fn status(&self) -> StatusCode {
        match self {
            Refusal::Problem(Problem::ImageTooLarge) => StatusCode::PAYLOAD_TOO_LARGE,
            _ => StatusCode::UNPROCESSABLE_ENTITY,
        }
    }
}

/// `?step=` of the query string.
pub fn requested_step(query: Option<&str>) -> Option<Step> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "step")
        .and_then(|(_, v)| Step::parse(v))
}

/// An ID number as typed: 1–40 letters, digits, spaces, dashes, dots or slashes.
pub fn id_number(raw: Option<&str>) -> Result<String, Problem> {
    let value = raw.unwrap_or("").trim();
    if value.is_empty() {
        return Err(Problem::IdNumberMissing);
    }
    if value.chars().count() > 40
        || !value
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '.' | '/'))
    {
        return Err(Problem::IdNumberInvalid);
    }
    Ok(value.to_owned())
}

fn name(raw: Option<&str>, missing: Problem) -> Result<String, Problem> {
    let value = raw.unwrap_or("").trim();
    if value.is_empty() {
        return Err(missing);
    }
    if value.chars().count() > 100 || value.chars().any(char::is_control) {
        return Err(Problem::NameTooLong);
    }
    Ok(value.to_owned())
}

/// A date of birth from its three boxes; must be a real date in the past, after 1900.
fn date_of_birth(day: &str, month: &str, year: &str, now_millis: i64) -> Result<Date, Problem> {
    let (day, month, year) = (day.trim(), month.trim(), year.trim());
    if day.is_empty() || month.is_empty() || year.is_empty() {
        return Err(Problem::BirthDateMissing);
    }
    let (Ok(d), Ok(m), Ok(y)) = (
        day.parse::<u32>(),
        month.parse::<u32>(),
        year.parse::<i64>(),
    ) else {
        return Err(Problem::BirthDateNotNumbers);
    };
    let year = match i32::try_from(y) {
        Ok(year) if year >= 1900 && dates::is_valid(year, m, d) => year,
        _ => return Err(Problem::BirthDateNotReal),
    };
    let today = utc_date(now_millis.div_euclid(1000));
    if dates::ymd(&today).is_some_and(|today| (year, m, d) >= today) {
        return Err(Problem::BirthDateNotPast);
    }
    Ok(Date::new(year, m, d))
}

/// The details step's fields (`type=id_number` sessions), every one checked.
pub struct Details {
    first_name: String,
    last_name: String,
    dob: Date,
    id_number: String,
}

impl Details {
    /// The details of `form`, or the refusal that shows them again with every problem.
    pub fn parse(form: &FlowForm, now_millis: i64) -> Result<Self, Refusal> {
        let text = |v: &Option<String>| v.clone().unwrap_or_default();
        let values = DetailsValues {
            first_name: text(&form.first_name),
            last_name: text(&form.last_name),
            dob_day: text(&form.dob_day),
            dob_month: text(&form.dob_month),
            dob_year: text(&form.dob_year),
            id_number: text(&form.id_number),
        };
        let first = name(form.first_name.as_deref(), Problem::FirstNameMissing);
        let last = name(form.last_name.as_deref(), Problem::LastNameMissing);
        let dob = date_of_birth(
            &values.dob_day,
            &values.dob_month,
            &values.dob_year,
            now_millis,
        );
        let number = id_number(form.id_number.as_deref());
        match (first, last, dob, number) {
            (Ok(first_name), Ok(last_name), Ok(dob), Ok(id_number)) => Ok(Self {
                first_name,
                last_name,
                dob,
                id_number,
            }),
            (first, last, dob, number) => {
                let errors = DetailsErrors {
                    first_name: first.err(),
                    last_name: last.err(),
                    dob: dob.err(),
                    id_number: number.err(),
                };
                Err(Refusal::Details(Box::new((values, errors))))
            }
        }
    }

    pub fn write_to(self, submission: &mut Submission) {
        submission.first_name = Some(self.first_name);
        submission.last_name = Some(self.last_name);
        submission.dob = Some(self.dob);
        submission.id_number = Some(self.id_number);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dates_of_birth_must_be_real_and_past() {
        let now = 19_723 * 86_400_000; // 2024-01-01
        assert_eq!(
            date_of_birth("27", "3", "1990", now),
            Ok(Date::new(1990, 3, 27))
        );
        assert!(date_of_birth("29", "2", "2023", now).is_err());
        assert!(date_of_birth("29", "2", "2020", now).is_ok());
        assert!(date_of_birth("1", "1", "2024", now).is_err());
        assert!(date_of_birth("", "1", "1990", now).is_err());
        assert!(date_of_birth("a", "1", "1990", now).is_err());
        assert!(date_of_birth("1", "13", "1990", now).is_err());
        assert!(date_of_birth("31", "12", "2023", now).is_ok());
        assert_eq!(
            date_of_birth("1", "1", "1899", now),
            Err(Problem::BirthDateNotReal)
        );
        assert_eq!(
            date_of_birth("1", "1", "99999999999", now),
            Err(Problem::BirthDateNotReal)
        );
    }

    #[test]
    fn id_numbers_are_trimmed_and_checked() {
        assert_eq!(id_number(Some(" 1234 ")), Ok("1234".to_owned()));
        assert!(id_number(Some("")).is_err());
        assert!(id_number(Some("12<script>")).is_err());
        assert!(id_number(Some(&"1".repeat(41))).is_err());
    }
}
