//! Time as an injected dependency. Everything that depends on "now" (secret expiry, job
//! scheduling, idempotency key retention) asks a [`Clock`], so tests can move time by hand.

use crate::session::Date;
use std::sync::atomic::{AtomicI64, Ordering};
use std::sync::Arc;
use std::time::{SystemTime, UNIX_EPOCH};

/// A source of the current time, in milliseconds since the Unix epoch.
pub trait Clock: Send + Sync + 'static {
    fn now_millis(&self) -> i64;

    /// Seconds since the Unix epoch, the unit of every `created` field in the API.
    fn now_seconds(&self) -> i64 {
        self.now_millis().div_euclid(1000)
    }

    /// Today's date in UTC (expiry and age are judged on it).
    fn today_utc(&self) -> Date {
        utc_date(self.now_seconds())
    }
}

/// The UTC calendar date of a Unix time in seconds (proleptic Gregorian).
pub fn utc_date(unix_seconds: i64) -> Date {
    // Days since 1970-01-01, shifted to an era starting 0000-03-01 (Hinnant's algorithm).
    let z = unix_seconds.div_euclid(86_400) + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z - era * 146_097;
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let day = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let month = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let year = (yoe + era * 400 + i64::from(month <= 2)) as i32;
    Date::new(year, month, day)
}

/// The real wall clock.
#[derive(Debug, Default, Clone, Copy)]
pub struct SystemClock;

impl Clock for SystemClock {
    fn now_millis(&self) -> i64 {
        SystemTime::now()
            .duration_since(UNIX_EPOCH)
            .map(|d| d.as_millis() as i64)
            .unwrap_or(0)
    }
}

/// A clock that tests move by hand. Starts at the real time unless set.
#[derive(Debug, Clone)]
pub struct ManualClock {
    millis: Arc<AtomicI64>,
}

impl ManualClock {
    pub fn starting_now() -> Self {
        Self::at_millis(SystemClock.now_millis())
    }

    pub fn at_millis(millis: i64) -> Self {
        Self {
            millis: Arc::new(AtomicI64::new(millis)),
        }
    }

    pub fn advance_millis(&self, delta: i64) {
        self.millis.fetch_add(delta, Ordering::SeqCst);
    }

    pub fn advance_seconds(&self, delta: i64) {
        self.advance_millis(delta * 1000);
    }
}

impl Clock for ManualClock {
    fn now_millis(&self) -> i64 {
        self.millis.load(Ordering::SeqCst)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn utc_dates_follow_the_gregorian_calendar() {
        assert_eq!(utc_date(0), Date::new(1970, 1, 1));
        assert_eq!(utc_date(951_782_400), Date::new(2000, 2, 29));
        assert_eq!(utc_date(1_798_761_599), Date::new(2026, 12, 31));
        assert_eq!(utc_date(-1), Date::new(1969, 12, 31));
    }

    #[test]
    fn manual_clock_moves_only_when_advanced() {
        let clock = ManualClock::at_millis(10_500);
        assert_eq!(clock.now_seconds(), 10);
        clock.advance_seconds(2);
        assert_eq!(clock.now_millis(), 12_500);
    }

    #[test]
    fn system_clock_is_after_2020() {
        assert!(SystemClock.now_seconds() > 1_577_836_800);
    }
}
