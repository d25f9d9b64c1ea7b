//! Calendar arithmetic on the domain's [`Date`] (whose parts may be unknown): validity,
//! ordering and age in whole years. Pure; "today" is always given by the caller.

use verifyd_core::session::Date;

/// Year, month and day when all three are known.
pub fn ymd(date: &Date) -> Option<(i32, u32, u32)> {
    Some((date.year?, date.month?, date.day?))
}

pub fn days_in_month(year: i32, month: u32) -> u32 {
    match month {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 => 29,
        2 => 28,
        _ => 0,
    }
}

/// A real calendar date.
pub fn is_valid(year: i32, month: u32, day: u32) -> bool {
    (1..=12).contains(&month) && day >= 1 && day <= days_in_month(year, month)
}

/// A complete, real date.
pub fn complete(date: &Date) -> Option<(i32, u32, u32)> {
    ymd(date).filter(|&(y, m, d)| is_valid(y, m, d))
}

/// Whether `a` is strictly before `b` (None when either is incomplete).
pub fn before(a: &Date, b: &Date) -> Option<bool> {
    Some(complete(a)? < complete(b)?)
}

/// Age in whole years on `today` of someone born on `dob`.
pub fn age_on(dob: &Date, today: &Date) -> Option<i32> {
    let (by, bm, bd) = complete(dob)?;
    let (ty, tm, td) = complete(today)?;
    let mut age = ty - by;
    if (tm, td) < (bm, bd) {
        age -= 1;
    }
    Some(age)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ages_turn_on_the_birthday() {
        let dob = Date::new(2008, 3, 15);
        assert_eq!(age_on(&dob, &Date::new(2026, 3, 14)), Some(17));
        assert_eq!(age_on(&dob, &Date::new(2026, 3, 15)), Some(18));
        assert_eq!(
            age_on(&Date::new(2000, 2, 29), &Date::new(2018, 2, 28)),
            Some(17)
        );
        assert_eq!(
            age_on(&Date::new(2000, 2, 29), &Date::new(2018, 3, 1)),
            Some(18)
        );
    }

    #[test]
    fn impossible_and_incomplete_dates_are_not_complete() {
        assert!(complete(&Date::new(2023, 2, 29)).is_none());
        assert!(complete(&Date::new(2024, 2, 29)).is_some());
        assert!(complete(&Date::new(2024, 13, 1)).is_none());
        assert!(complete(&Date::default()).is_none());
        assert_eq!(
            before(&Date::new(2020, 1, 1), &Date::new(2020, 1, 2)),
            Some(true)
        );
    }
}
