//! What the flow's forms carry, read and checked at the edge: the form extractor (a body
//! that cannot be read is a [`PageError`]), `?step=`, and the typed fields — ID numbers,
//! names, dates of birth. Pure apart from the extractor: no I/O.

use super::steps::Step;
use super::PageError;
use axum::extract::{FromRequest, Request};
use axum::http::StatusCode;
use axum::Form;
use serde::de::DeserializeOwned;
use serde::Deserialize;
use verifyd_core::session::Date;

/// `?step=` of the query string.
pub(crate) fn requested_step(query: Option<&str>) -> Option<Step> {
    query?
        .split('&')
        .filter_map(|pair| pair.split_once('='))
        .find(|(k, _)| *k == "step")
        .and_then(|(_, v)| Step::parse(v))
}

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

/// Checks an ID number as typed: 1–40 letters, digits, spaces, dashes, dots or slashes.
pub(crate) fn clean_id_number(raw: Option<&str>) -> Result<String, &'static str> {
    let value = raw.unwrap_or("").trim();
    if value.is_empty() {
        return Err("Enter your ID number.");
    }
    if value.chars().count() > 40
        || !value
            .chars()
            .all(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '.' | '/'))
    {
        return Err("Enter your ID number using only letters, digits, spaces and dashes (up to 40 characters).");
    }
    Ok(value.to_owned())
}

/// Days since 1970-01-01 → (year, month, day), proleptic Gregorian.
fn civil_from_days(days: i64) -> (i64, u32, u32) {
    let z = days + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = yoe + era * 400 + i64::from(month <= 2);
    (year, month, day)
}

fn days_in_month(year: i64, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        _ if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        _ => 28,
    }
}

/// A date of birth from its three boxes; must be a real date in the past, after 1900.
pub(crate) fn parse_dob(
    day: &str,
    month: &str,
    year: &str,
    now_millis: i64,
) -> Result<Date, &'static str> {
    let (day, month, year) = (day.trim(), month.trim(), year.trim());
    if day.is_empty() || month.is_empty() || year.is_empty() {
        return Err("Enter your date of birth: day, month and year.");
    }
    let (Ok(d), Ok(m), Ok(y)) = (
        day.parse::<u32>(),
        month.parse::<u32>(),
        year.parse::<i64>(),
    ) else {
        return Err("Enter your date of birth using numbers, for example 27 3 1990.");
    };
    if !(1..=12).contains(&m) || y < 1900 || d == 0 || d > days_in_month(y, m) {
        return Err("Enter a real date of birth, for example 27 3 1990.");
    }
    let today = civil_from_days(now_millis.div_euclid(86_400_000));
    if (y, m, d) >= today {
        return Err("Your date of birth must be in the past.");
    }
    Ok(Date::new(y as i32, m, d))
}

pub(crate) fn clean_name(raw: Option<&str>, missing: &'static str) -> Result<String, &'static str> {
    let value = raw.unwrap_or("").trim();
    if value.is_empty() {
        return Err(missing);
    }
    if value.chars().count() > 100 || value.chars().any(char::is_control) {
        return Err("Names can be up to 100 characters.");
    }
    Ok(value.to_owned())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn calendar_dates_come_from_epoch_days() {
        assert_eq!(civil_from_days(0), (1970, 1, 1));
        assert_eq!(civil_from_days(19_723), (2024, 1, 1));
        assert_eq!(civil_from_days(19_782), (2024, 2, 29));
    }

    #[test]
    fn dates_of_birth_must_be_real_and_past() {
        let now = 19_723 * 86_400_000; // 2024-01-01
        assert_eq!(
            parse_dob("27", "3", "1990", now),
            Ok(Date::new(1990, 3, 27))
        );
        assert!(parse_dob("29", "2", "2023", now).is_err());
        assert!(parse_dob("29", "2", "2020", now).is_ok());
        assert!(parse_dob("1", "1", "2024", now).is_err());
        assert!(parse_dob("", "1", "1990", now).is_err());
        assert!(parse_dob("a", "1", "1990", now).is_err());
        assert!(parse_dob("1", "13", "1990", now).is_err());
    }

    #[test]
    fn id_numbers_are_trimmed_and_checked() {
        assert_eq!(clean_id_number(Some(" 1234 ")), Ok("1234".to_owned()));
        assert!(clean_id_number(Some("")).is_err());
        assert!(clean_id_number(Some("12<script>")).is_err());
        assert!(clean_id_number(Some(&"1".repeat(41))).is_err());
    }
}
