//! Calendar arithmetic on plain `(year, month, day)` tuples: validity, day numbers, adding
//! years and days, ages, and the printed date styles cards use. No time zones and no clock:
//! every "today" is passed in, so generation stays deterministic.

use rand::Rng;

/// A calendar date as `(year, month 1..=12, day 1..=31)`.
pub type Ymd = (i32, u32, u32);

/// Month abbreviations as passports print them.
pub const MONTHS: [&str; 12] = [
    "JAN", "FEB", "MAR", "APR", "MAY", "JUN", "JUL", "AUG", "SEP", "OCT", "NOV", "DEC",
];

/// Gregorian leap year.
pub fn is_leap(y: i32) -> bool {
    (y % 4 == 0 && y % 100 != 0) || y % 400 == 0
}

/// Days in month `m` of year `y` (0 for an invalid month).
pub fn days_in_month(y: i32, m: u32) -> u32 {
    match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if is_leap(y) => 29,
        2 => 28,
        _ => 0,
    }
}

/// Whether the date exists.
pub fn is_valid((y, m, d): Ymd) -> bool {
    (1..=12).contains(&m) && d >= 1 && d <= days_in_month(y, m)
}

/// Days since 1970-01-01 (Howard Hinnant's `days_from_civil`).
pub fn to_days((y, m, d): Ymd) -> i64 {
    let y = if m <= 2 { y as i64 - 1 } else { y as i64 };
    let era = if y >= 0 { y } else { y - 399 } / 400;
    let yoe = y - era * 400;
    let mp = (m as i64 + 9) % 12;
    let doy = (153 * mp + 2) / 5 + d as i64 - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// Inverse of [`to_days`].
pub fn from_days(z: i64) -> Ymd {
    let z = z + 719_468;
    let era = if z >= 0 { z } else { z - 146_096 } / 146_097;
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let y = yoe + era * 400;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    ((if m <= 2 { y + 1 } else { y }) as i32, m, d)
}

/// `n` days later (earlier when negative).
pub fn add_days(date: Ymd, n: i64) -> Ymd {
    from_days(to_days(date) + n)
}

/// Same month and day `n` years later; 29 February becomes 28 February in common years.
pub fn add_years((y, m, d): Ymd, n: i32) -> Ymd {
    let y2 = y + n;
    (y2, m, d.min(days_in_month(y2, m)))
}

/// Whole years between `dob` and `on`.
pub fn age_on(dob: Ymd, on: Ymd) -> i32 {
    let mut age = on.0 - dob.0;
    if (on.1, on.2) < (dob.1, dob.2) {
        age -= 1;
    }
    age
}

/// A uniformly random date in `[from, to]` (inclusive).
pub fn random_between<R: Rng + ?Sized>(rng: &mut R, from: Ymd, to: Ymd) -> Ymd {
    let (a, b) = (to_days(from), to_days(to));
    let (a, b) = if a <= b { (a, b) } else { (b, a) };
    from_days(rng.gen_range(a..=b))
}

/// Parses `YYYY-MM-DD`.
pub fn parse_iso(s: &str) -> Option<Ymd> {
    let mut it = s.split('-');
    let y = it.next()?.parse().ok()?;
    let m = it.next()?.parse().ok()?;
    let d = it.next()?.parse().ok()?;
    let date = (y, m, d);
    (it.next().is_none() && is_valid(date)).then_some(date)
}

/// `YYYY-MM-DD`.
pub fn iso((y, m, d): Ymd) -> String {
    format!("{y:04}-{m:02}-{d:02}")
}

/// `MM/DD/CCYY`, the US card style.
pub fn us((y, m, d): Ymd) -> String {
    format!("{m:02}/{d:02}/{y:04}")
}

/// `CCYY/MM/DD`, the Canadian card style.
pub fn canadian((y, m, d): Ymd) -> String {
    format!("{y:04}/{m:02}/{d:02}")
}

/// `DD MMM CCYY`, the ICAO visual-zone style.
pub fn icao((y, m, d): Ymd) -> String {
    format!("{d:02} {} {y:04}", MONTHS[(m - 1) as usize])
}

/// `DD.MM.CCYY` (German and others).
pub fn dotted((y, m, d): Ymd) -> String {
    format!("{d:02}.{m:02}.{y:04}")
}

/// `DD/MM/CCYY` (day first, as most of Europe writes it).
pub fn day_first((y, m, d): Ymd) -> String {
    format!("{d:02}/{m:02}/{y:04}")
}

/// `YYMMDD`, the MRZ form.
pub fn mrz((y, m, d): Ymd) -> String {
    format!("{:02}{m:02}{d:02}", y.rem_euclid(100))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn day_numbers_round_trip_across_leap_years() {
        for z in [-800_000i64, -1, 0, 1, 11_016, 19_000, 20_513, 60_000] {
            assert_eq!(to_days(from_days(z)), z);
        }
        assert_eq!(to_days((1970, 1, 1)), 0);
        assert_eq!(from_days(to_days((2024, 2, 29)) + 1), (2024, 3, 1));
    }

    #[test]
    fn ages_count_whole_years() {
        assert_eq!(age_on((2000, 6, 15), (2018, 6, 14)), 17);
        assert_eq!(age_on((2000, 6, 15), (2018, 6, 15)), 18);
        assert_eq!(add_years((2024, 2, 29), 1), (2025, 2, 28));
    }
}
