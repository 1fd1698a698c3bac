//! Capture timestamps for people: UTC date and time, without a date library.

use std::time::Duration;

/// "2023-11-14T22:13:20.123456Z": microseconds when the time has no finer part,
/// nanoseconds otherwise (RFC 3339).
pub(crate) fn rfc3339(since_epoch: Duration) -> String {
    let secs = since_epoch.as_secs();
    let (year, month, day) = civil_from_days(secs / 86_400);
    let rem = secs % 86_400;
    let nanos = since_epoch.subsec_nanos();
    let fraction = if nanos.is_multiple_of(1_000) {
        format!("{:06}", nanos / 1_000)
    } else {
        format!("{nanos:09}")
    };
    format!(
        "{year:04}-{month:02}-{day:02}T{:02}:{:02}:{:02}.{fraction}Z",
        rem / 3_600,
        rem % 3_600 / 60,
        rem % 60
    )
}

/// Year, month (1–12) and day (1–31) of the proleptic Gregorian calendar for a count
/// of days since 1970-01-01, by counting 400-year eras of 146 097 days from
/// 0000-03-01 (so that the leap day ends each year).
fn civil_from_days(days: u64) -> (u64, u64, u64) {
    // Days from 0000-03-01 to 1970-01-01.
    let z = days + 719_468;
    let era = z / 146_097;
    let day_of_era = z % 146_097;
    let year_of_era =
        (day_of_era - day_of_era / 1_460 + day_of_era / 36_524 - day_of_era / 146_096) / 365;
    let day_of_year = day_of_era - (365 * year_of_era + year_of_era / 4 - year_of_era / 100);
    // Months counted from March: 0 = March, ..., 11 = February.
    let month_from_march = (5 * day_of_year + 2) / 153;
    let day = day_of_year - (153 * month_from_march + 2) / 5 + 1;
    let month = if month_from_march < 10 {
        month_from_march + 3
    } else {
        month_from_march - 9
    };
    let year = year_of_era + era * 400 + u64::from(month <= 2);
    (year, month, day)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_dates() {
        assert_eq!(rfc3339(Duration::ZERO), "1970-01-01T00:00:00.000000Z");
        // 2000-02-29 (a leap day of a year divisible by 400) is day 11 016.
        assert_eq!(
            rfc3339(Duration::from_secs(11_016 * 86_400 + 3_661)),
            "2000-02-29T01:01:01.000000Z"
        );
        // `date -u -d @1700000000` prints Tue Nov 14 22:13:20 UTC 2023.
        assert_eq!(
            rfc3339(Duration::new(1_700_000_000, 123_456_789)),
            "2023-11-14T22:13:20.123456789Z"
        );
        // The last second pcap's 32-bit field can hold: 2106-02-07 06:28:15.
        assert_eq!(
            rfc3339(Duration::new(u64::from(u32::MAX), 5_000)),
            "2106-02-07T06:28:15.000005Z"
        );
    }
}
